"""Semi-supervised GAN on permutation-invariant MNIST, Salimans et al. 2016 (table 1).

Usage: ``--config=zoo_configs/improved_gan/mnist.py:100`` (labels: 20, 50,
100, 200), ``:100,smoke`` for a seconds-long CPU run. The supervised-only
baseline is ``--config.model.unlabeled_weight=0``; the ablations set
``--config.model.generator_loss=non_saturating`` (no feature matching),
``--config.model.minibatch_kernels=100`` (minibatch discrimination) or
``--config.model.ema_decay=0`` (no weight average).

Facts from the authors' ``train_mnist_feature_matching.py``: the networks of
``ssgm_zoo/models/improved_gan/networks.py``, Adam lr 0.003 and beta1 0.5,
batches of 100, 300 epochs of 600 batches (180,000 updates of each player),
labels per class 2, 5, 10 or 20, a weight average with rate 1e-4 for testing.
They train on all 60,000 training images; we keep the last 10,000 as the
validation split (50,000 unlabeled images) and keep their number of updates.
"""

from ssgm_zoo.config import parse_arg
from ssgm_zoo.models.improved_gan.configs import improved_gan_config


def get_config(arg="100"):
    num_labeled, smoke, _ = parse_arg(arg, default_labels=100)
    config = improved_gan_config(f"improved-gan-mnist-{num_labeled}", "mnist",
                                 learning_rate=0.003, epochs=300)
    config.num_labeled = num_labeled
    m = config.model
    m.architecture = "mlp"
    m.image_shape = (28, 28, 1)
    m.discriminator_units = (1000, 500, 250, 250, 250)
    m.generator_units = (500, 500)
    m.input_noise = 0.3
    m.hidden_noise = 0.5
    if smoke:
        m.discriminator_units, m.generator_units = (64, 32), (32,)
        m.ema_decay = 0.9
        t = config.train
        t.steps_per_epoch, t.epochs, t.steps_per_execution = 20, 2, 10
        t.eval_every = t.checkpoint_every = 1
        t.batch_sizes.labeled = t.batch_sizes.unlabeled = 50
    return config
