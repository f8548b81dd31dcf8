"""Defaults the configs in ``zoo_configs/improved_gan/`` share."""

from ssgm_zoo.config import base_config

__all__ = ["improved_gan_config"]


def improved_gan_config(entry, dataset, *, learning_rate, epochs, steps_per_epoch=600,
                        batch_size=100):
    """The shared base with the authors' optimizer and batches.

    Adam with beta1 0.5 for both players (``nn.adam_updates(..., mom1=0.5)``).
    Theirs divides by ``sqrt(v_hat + 1e-8)``, which floors the denominator at
    1e-4; Keras divides by ``sqrt(v_hat) + epsilon``, so ``epsilon=1e-4``
    matches theirs where ``sqrt(v_hat)`` is far from 1e-4 and within a factor
    sqrt(2) where it is near (with Keras's 1e-8, steps on the tiny gradients
    of a saturated discriminator are up to 10^4 times larger than theirs); one
    discriminator and one generator update per step, each on batches of
    ``batch_size`` labeled (tiled), unlabeled and generated images. The
    paper's techniques as the authors' semi-supervised code sets them: feature
    matching, no minibatch discrimination, batch-normalised generator, no
    label smoothing or historical averaging, a weight average with rate 1e-4;
    each config adds its networks.
    """
    config = base_config("improved_gan", "improved_gan", entry)
    config.dataset = dataset
    t = config.train
    t.optimizer = {"name": "adam", "learning_rate": learning_rate, "beta_1": 0.5,
                   "beta_2": 0.999, "epsilon": 1e-4}
    t.batch_sizes.labeled = batch_size
    t.batch_sizes.unlabeled = batch_size
    t.steps_per_epoch = steps_per_epoch
    t.epochs = epochs
    t.eval_every = 10
    t.checkpoint_every = 10
    t.steps_per_execution = steps_per_epoch
    m = config.model
    m.num_classes = 10
    m.noise_dim = 100
    m.generator_loss = "feature_matching"
    m.minibatch_kernels = 0
    m.minibatch_kernel_dim = 5
    m.generator_normalization = "batch"
    m.unlabeled_weight = 1.0
    m.label_smoothing = 0.0
    m.historical_averaging = 0.0
    m.ema_decay = 0.9999
    return config
