"""The zoo: registry records, verified loading (mirror or Hugging Face Hub), publishing.

Names are imported on first use, so importing one module of the package
(``ssgm_zoo.zoo.inputs``, say) loads nothing else.
"""

import importlib

_LAZY = {
    "list_models": "registry", "model_info": "registry", "UnknownEntryError": "registry",
    "load_pretrained": "loading", "verify_files": "loading", "IntegrityError": "loading",
    "EntryNotFoundError": "loading", "publish_entries": "publishing",
    "EntryRecord": "records", "Metric": "records", "RegistryError": "records",
}

__all__ = list(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
