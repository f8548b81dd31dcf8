"""Model families of the zoo, one sub-package each (see ``ssgm_zoo.families``).

``ZooModel`` and ``Objective`` are the protocol every family's models follow;
they are imported on first use, so listing families needs no backend.
"""

import importlib

__all__ = ["ZooModel", "Objective"]


def __getattr__(name):
    if name in __all__:
        return getattr(importlib.import_module("ssgm_zoo.models.base"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
