"""The lab's supervised baseline and its techniques, one at a time (MNIST, 3,000 labels).

Usage: ``--config=zoo_configs/ssl_cnn/supervised.py:baseline`` (the PyTorch
MNIST example's CNN and training), or one technique: ``:nesterov``,
``:no_dropout``, ``:affine``, ``:elastic``, ``:he``, ``:all``; add
``,smoke`` for a seconds-long CPU run. The split and the techniques are
described in ``ssgm_zoo/models/ssl_cnn/configs.py``.
"""

from ssgm_zoo.models.ssl_cnn import configs


def get_config(arg="baseline"):
    technique, smoke = configs.parse_lab_arg(arg, configs.TECHNIQUES, "baseline")
    config = configs.lab_config(f"cnn-mnist-3000-{technique.replace('_', '-')}", "cnn")
    configs.apply_technique(config, technique)
    return configs.smoke(config) if smoke else config
