"""MNIST with 3,000 labels (a course lab): a supervised CNN baseline and semi-supervised CNNs.

The family folder: ``networks.py`` (the PyTorch MNIST example's CNN, a deeper
VGG-style CNN), ``augment.py`` (affine and elastic distortions of digits, in
the compiled step), ``model.py`` (``CNNClassifier``, ``PseudoLabel``,
``MeanTeacher``), ``paper.py`` (the methods' publications), ``configs.py``
(what ``zoo_configs/ssl_cnn/`` shares), ``builders.py`` (a model and its
streams from a config: the labeled images and the unlabeled rest) and
``family.py`` (the registration: model cards, table, protocol).

The classes are imported on first use, so reading the family's registration
needs no backend.

Example:
>>> import numpy as np
>>> from ssgm_zoo.models.ssl_cnn import CNNClassifier
>>> CNNClassifier(seed=0).classify(np.zeros((3, 28, 28), "uint8")).shape
(3,)
"""

import importlib

_CLASSES = {
    "CNNClassifier": "model", "PseudoLabel": "model", "MeanTeacher": "model",
    "LadderNetwork": "ladder", "LabCNN": "networks", "ConvNet": "networks", "DigitAugmentation": "augment",
}

__all__ = list(_CLASSES)


def __getattr__(name):
    if name in _CLASSES:
        return getattr(importlib.import_module(f"{__name__}.{_CLASSES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
