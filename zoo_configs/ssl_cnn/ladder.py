"""The Ladder network (Rasmus et al. 2015, MLP version) on MNIST with 3,000 labels.

Usage: ``--config=zoo_configs/ssl_cnn/ladder.py`` (``:smoke`` for a
seconds-long CPU run).

The paper's MNIST settings (section 4.1): encoder 784-1000-500-250-250-250-10,
noise 0.3 on the input and every layer, denoising weights 1000, 10, 0.1, 0.1,
0.1, 0.1, 0.1, Adam with learning rate 0.002 for 100 epochs then decayed
linearly to 0 over 50 more, minibatches of 100. An epoch here is 570 steps of
100 unlabeled images (our 57,000) with 100 labeled images beside them.
"""

import ml_collections

from ssgm_zoo.models.ssl_cnn import configs

STEPS_PER_EPOCH = 570


def get_config(arg=""):
    _, smoke = configs.parse_lab_arg(arg, ("mlp",), "mlp")
    config = configs.lab_config("ladder-mnist-3000", "ladder")
    t = config.train
    t.batch_sizes.labeled = 100
    t.batch_sizes.unlabeled = 100
    t.steps_per_epoch = STEPS_PER_EPOCH
    t.epochs = 150
    t.steps_per_execution = STEPS_PER_EPOCH
    t.optimizer = {"name": "adam", "learning_rate": 0.002,
                   "linear_decay": (100 * STEPS_PER_EPOCH, 150 * STEPS_PER_EPOCH)}
    config.model = ml_collections.ConfigDict()
    m = config.model
    m.image_shape = (28, 28, 1)
    m.num_classes = 10
    m.hidden_units = (1000, 500, 250, 250, 250)
    m.noise_std = 0.3
    m.denoising_weights = (1000.0, 10.0, 0.1, 0.1, 0.1, 0.1, 0.1)
    m.momentum = 0.99
    if smoke:
        configs.smoke(config, unlabeled=True)
        t.optimizer = {"name": "adam", "learning_rate": 0.002}
        m.hidden_units = (100, 50)
        m.denoising_weights = (1000.0, 10.0, 0.1, 0.1)
    return config
