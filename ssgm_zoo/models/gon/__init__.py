"""Bond-Taylor & Willcocks 2021, "Gradient Origin Networks": GON, variational and implicit GON.

The family folder: ``model.py`` (``GON``, ``VariationalGON``, ``ImplicitGON``),
``layers.py`` (batch-statistics normalisation, SIREN layers, the activations),
``paper.py`` (the paper's and a reproduction's numbers), ``configs.py`` (what
``zoo_configs/gon/`` shares), ``builders.py`` (a model and its training
stream from a config) and ``family.py`` (the registration: model cards,
table, protocol).

The classes are imported on first use, so reading the family's registration
needs no backend.

Example:
>>> import numpy as np
>>> from ssgm_zoo.models.gon import GON
>>> GON(latent_dim=4, filters=2).reconstruct(np.zeros((2, 28, 28, 1), "float32")).shape
(2, 32, 32, 1)
"""

import importlib

_CLASSES = {
    "GON": "model", "VariationalGON": "model", "ImplicitGON": "model",
    "BatchStatNormalization": "layers", "SirenDense": "layers",
}

__all__ = list(_CLASSES)


def __getattr__(name):
    if name in _CLASSES:
        return getattr(importlib.import_module(f"{__name__}.{_CLASSES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
