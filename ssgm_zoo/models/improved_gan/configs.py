"""Defaults the configs in ``zoo_configs/improved_gan/`` share."""

from ssgm_zoo.config import base_config

__all__ = ["improved_gan_config"]


def improved_gan_config(entry, dataset, *, learning_rate, epochs, steps_per_epoch=600,
                        batch_size=100):
    """The shared base with the authors' optimizer and batches.

    Adam with beta1 0.5 for both players (``nn.adam_updates(..., mom1=0.5)``;
    theirs adds 1e-8 under the square root, Keras adds 1e-8 after it); one
    discriminator and one generator update per step, each on batches of
    ``batch_size`` labeled (tiled), unlabeled and generated images.
    """
    config = base_config("improved_gan", "improved_gan", entry)
    config.dataset = dataset
    t = config.train
    t.optimizer = {"name": "adam", "learning_rate": learning_rate, "beta_1": 0.5,
                   "beta_2": 0.999, "epsilon": 1e-8}
    t.batch_sizes.labeled = batch_size
    t.batch_sizes.unlabeled = batch_size
    t.steps_per_epoch = steps_per_epoch
    t.epochs = epochs
    t.eval_every = 10
    t.checkpoint_every = 10
    t.steps_per_execution = steps_per_epoch
    return config
