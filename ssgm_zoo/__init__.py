"""ssgm-zoo: semi-supervised deep generative models for Keras 3, with pretrained checkpoints.

Example:
>>> import ssgm_zoo
>>> model = ssgm_zoo.load_pretrained("m1m2-mnist-100")  # doctest: +SKIP
>>> model.classify(images)  # doctest: +SKIP

Submodules are imported on first use, so ``import ssgm_zoo`` stays cheap and
does not fix the Keras backend before a command line has chosen it.
"""

import importlib

from ssgm_zoo.version import __version__

_LAZY = {
    "list_models": "ssgm_zoo.zoo",
    "load_pretrained": "ssgm_zoo.zoo",
    "model_info": "ssgm_zoo.zoo",
    "families": "ssgm_zoo",
    "Trainer": "ssgm_zoo.training",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name):
    if name == "families":
        return importlib.import_module("ssgm_zoo.families")
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ssgm_zoo' has no attribute {name!r}")
