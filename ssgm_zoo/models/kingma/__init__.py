"""Kingma, Rezende, Mohamed & Welling, "Semi-supervised Learning with Deep
Generative Models" (NIPS 2014): M1, M2 and M1+M2.

The family folder: ``m1.py``, ``m2.py``, ``m1m2.py`` (the models),
``networks.py`` and ``elbo.py`` (their layers and bound terms), ``paper.py``
(the paper's numbers), ``configs.py`` (the schedule the configs in
``zoo_configs/kingma/`` share), ``builders.py`` (a model and its training
streams from a config), ``family.py`` (the registration: model cards, paper
results, the results table) and ``entries/`` (records and shipped files).

The model classes are imported on first use, so reading the family's
registration needs no backend.

Example:
>>> from ssgm_zoo.models.kingma import M2
>>> M2(hidden_units=(16,), latent_dim=4).sample(2, labels=[0, 1], seed=0).shape
(2, 28, 28, 1)
"""

import importlib

_CLASSES = {"M1": "m1", "M2": "m2", "M1M2": "m1m2"}

__all__ = list(_CLASSES)


def __getattr__(name):
    if name in _CLASSES:
        return getattr(importlib.import_module(f"{__name__}.{_CLASSES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
