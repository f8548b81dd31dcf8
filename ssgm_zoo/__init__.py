"""ssgm-zoo: semi-supervised deep generative models for Keras 3, with pretrained checkpoints.

Example:
>>> import ssgm_zoo
>>> model = ssgm_zoo.load_pretrained("m1m2-mnist-100")  # doctest: +SKIP
>>> model.classify(images)  # doctest: +SKIP

Submodules are imported on first use, so ``import ssgm_zoo`` stays cheap and
does not fix the Keras backend before a command line has chosen it.
"""

import importlib
import os
import sys

from ssgm_zoo.version import __version__

_LAZY = {
    "list_models": "ssgm_zoo.zoo",
    "load_pretrained": "ssgm_zoo.zoo",
    "model_info": "ssgm_zoo.zoo",
    "families": "ssgm_zoo",
    "Trainer": "ssgm_zoo.training",
}

__all__ = ["__version__", "use_backend", *_LAZY]

BACKENDS = ("tensorflow", "jax")


def use_backend(name):
    """Makes ``name`` the Keras backend of this process, or says why it cannot.

    Keras fixes its backend when it is first imported, from ``$KERAS_BACKEND``;
    a command line calls this before anything imports Keras. Once Keras is
    imported, asking for another backend raises instead of training silently
    on the one already loaded.

    Raises:
        ValueError: ``name`` is not a supported backend.
        RuntimeError: Keras is already imported with another backend.
    """
    if name not in BACKENDS:
        raise ValueError(f"Unknown Keras backend {name!r}; ssgm-zoo runs on "
                         f"{' or '.join(BACKENDS)}.")
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "backend"):
        active = keras.backend.backend()
        if active != name:
            raise RuntimeError(f"Keras was imported with the {active!r} backend before "
                               f"{name!r} was asked for; set KERAS_BACKEND={name} before "
                               "starting Python, or import nothing that imports Keras first.")
    os.environ["KERAS_BACKEND"] = name


def __getattr__(name):
    if name == "families":
        return importlib.import_module("ssgm_zoo.families")
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ssgm_zoo' has no attribute {name!r}")
