"""M2 on MNIST images with N labels, Kingma et al. 2014 section 4.1 (table 1).

Usage: ``--config=zoo_configs/kingma/m2_mnist.py:100`` (N in 100, 600, 1000, 3000),
``:100,smoke`` for a seconds-long CPU run.
"""

from ml_collections.config_dict import FieldReference

from ssgm_zoo.config import parse_arg
from ssgm_zoo.models.kingma.configs import kingma_config, m2_schedule


def get_config(arg="100"):
    num_labeled, smoke, _ = parse_arg(arg, default_labels=100)
    config = kingma_config("m2", f"m2-mnist-{num_labeled}")
    config.num_labeled = num_labeled
    m = config.model
    m.data_shape = (28, 28, 1)
    m.num_classes = 10
    m.latent_dim = 50
    m.hidden_units = (500,)
    m.likelihood = "bernoulli"
    # Our departure, alpha = 10 instead of the authors' 0.1: with 0.1, p(x|y,z)
    # ignores y and the validation error climbs back after 25 epochs (26 % there,
    # 34 % at 50); with 10 the decoder comes to use y and the error keeps falling
    # (18 % at 100 epochs). The measurements (N = 100 only) are in docs/kingma2014.md.
    m.alpha = 10.0
    m.activation = "softplus"
    m.weight_prior = True
    # The smoke run's 60 steps are too few to leave the authors' 1e-3 start: it
    # keeps Glorot-uniform, Keras's Adam and no KL schedule.
    full = not smoke
    # The authors' initialisation, N(0, 1e-3^2) with their biases (init_std=None
    # gives Glorot-uniform), and their Adam without
    # bias correction: the best of the four starts on validation after 20
    # epochs (docs/kingma2014.md).
    m.init_std = FieldReference(0.001 if full else None, field_type=float)
    m.authors_init = full
    config.train.optimizer.bias_correction = not full
    # Our departure: the KL of q(z|x,y) weighted 5 at first, falling to 1 (the
    # bound) over the first 1,000 steps, so that z is a dear carrier of the class
    # while q(y|x) learns; on validation it was below alpha = 10 alone at every
    # epoch from 30 to 100 (16.8 % against 18.1 % at 100), one seed each, within
    # the seed-to-seed spread (docs/kingma2014.md).
    m.kl_weight_start, m.kl_weight_steps = (5.0, 1000) if full else (1.0, 0)
    m2_schedule(config, num_labeled, smoke)
    return config
