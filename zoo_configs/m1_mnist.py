"""M1 (VAE) on MNIST, Kingma et al. 2014 section 4.1, with a logistic-regression
classifier on its latent codes for N labels ("M1+TSVM" in the paper's table 1).

Usage: ``--config=zoo_configs/m1_mnist.py`` (N=100 for the classifier),
``zoo_configs/m1_mnist.py:600``, or ``:smoke`` for a seconds-long CPU run.
"""

from ssgm_zoo.config import base_config, parse_arg


def get_config(arg=""):
    num_labeled, smoke = parse_arg(arg, default_labels=100)
    config = base_config("m1", "m1-mnist")
    config.num_labeled = num_labeled  # only for the latent classifier
    m = config.model
    m.image_shape = (28, 28, 1)
    m.latent_dim = 50
    m.hidden_units = (500, 500)
    m.activation = "softplus"
    m.init_std = 1e-3
    m.weight_prior_scale = 1.0 / 50_000  # N(0, I) weight prior, per training image
    t = config.train
    t.batch_sizes.unlabeled = 1000  # batch 1000 as in the authors' code
    t.steps_per_epoch = 50
    t.epochs = 1000
    t.optimizer.learning_rate = 3e-4
    t.eval_every = 25
    t.checkpoint_every = 25
    t.steps_per_execution = 50
    config.classifier = {"l2": 1e-3, "steps": 2000, "learning_rate": 0.5}
    if smoke:
        m.latent_dim, m.hidden_units = 8, (64,)
        t.batch_sizes.unlabeled, t.steps_per_epoch, t.epochs = 100, 10, 2
        t.eval_every = t.checkpoint_every = 1
        t.steps_per_execution = 5
        t.optimizer.learning_rate = 1e-3
        m.init_std = 0.05
    return config
