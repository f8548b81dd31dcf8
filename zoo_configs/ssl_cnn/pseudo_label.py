"""Pseudo-labeling (Lee 2013) on MNIST with 3,000 labels.

Usage: ``--config=zoo_configs/ssl_cnn/pseudo_label.py:lab`` (the PyTorch
example's CNN, trains on a CPU) or ``:convnet`` (the deeper CNN, for a GPU);
add ``,smoke`` for a seconds-long CPU run. ``--config.model.threshold=0``
gives Lee's original (every target counts).

On top of the lab's best supervised settings (Nesterov momentum, affine and
elastic augmentation, He initialisation): batches of 64 labeled and 192
unlabeled images; the unlabeled weight rises from 0 at step 1,000 to 3 at
step 6,000 (Lee's alpha_f = 3 and his ramp's shape, in steps); targets count
where the network gives them probability 0.95 or more (FixMatch's
threshold; Lee has none). On the lab's CNN the dropouts are off
(``configs.semi_supervised_config`` says why).
"""

from ssgm_zoo.models.ssl_cnn import configs


def get_config(arg="lab"):
    network, smoke = configs.parse_lab_arg(arg, configs.NETWORKS, "lab")
    config = configs.semi_supervised_config(f"pseudo-label-{network}-mnist-3000",
                                            "pseudo_label", network)
    m = config.model
    m.unlabeled_weight = 3.0
    m.ramp_start = 1000
    m.ramp_end = 6000
    m.threshold = 0.95
    if smoke:
        configs.smoke(config, unlabeled=True)
        m.ramp_start, m.ramp_end = 0, 10
    return config
