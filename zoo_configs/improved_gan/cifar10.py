"""Semi-supervised GAN on CIFAR-10, Salimans et al. 2016 (table 2).

Usage: ``--config=zoo_configs/improved_gan/cifar10.py:4000`` (labels: 1000,
2000, 4000, 8000). CIFAR-10 is not on this project's machines: the data
directory must hold ``cifar10/cifar-10-batches-bin`` (the binary version), or
leave ``--data_dir`` out to use tensorflow-datasets.

Facts from the authors' ``train_cifar_feature_matching.py``: the conv
networks of ``ssgm_zoo/models/improved_gan/networks.py``, Adam lr 3e-4 and
beta1 0.5, batches of 100, 1200 epochs with the learning rate decaying
linearly to 0 over the last 400, feature matching on the pooled features.
They train on all 50,000 training images; we keep the last 5,000 as the
validation split.
"""

from ssgm_zoo.config import parse_arg
from ssgm_zoo.models.improved_gan.configs import improved_gan_config


def get_config(arg="4000"):
    num_labeled, smoke, _ = parse_arg(arg, default_labels=4000)
    steps = 45_000 // 100
    config = improved_gan_config(f"improved-gan-cifar10-{num_labeled}", "cifar10",
                                 learning_rate=3e-4, epochs=1200, steps_per_epoch=steps)
    config.num_validation = 5_000
    config.num_labeled = num_labeled
    config.train.optimizer["linear_decay"] = (800 * steps, 1200 * steps)
    m = config.model
    m.architecture = "conv"
    m.image_shape = (32, 32, 3)
    m.discriminator_filters = (96, 192)
    m.generator_filters = (512, 256, 128)
    m.input_dropout = 0.2
    m.dropout = 0.5
    if smoke:
        m.discriminator_filters, m.generator_filters = (8, 16), (16, 8, 8)
        m.ema_decay = 0.9
        t = config.train
        t.steps_per_epoch, t.epochs, t.steps_per_execution = 4, 1, 2
        t.eval_every = t.checkpoint_every = 1
        t.batch_sizes.labeled = t.batch_sizes.unlabeled = 20
        t.optimizer["linear_decay"] = (2, 4)
    return config
