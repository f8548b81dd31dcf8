"""The zoo: registry records, verified loading (mirror or Hugging Face Hub), publishing."""

from ssgm_zoo.zoo.loading import (EntryNotFoundError, IntegrityError, load_pretrained,
                                  verify_files)
from ssgm_zoo.zoo.publishing import publish_entries
from ssgm_zoo.zoo.records import EntryRecord, Metric, RegistryError
from ssgm_zoo.zoo.registry import UnknownEntryError, list_models, model_info

__all__ = ["list_models", "load_pretrained", "model_info", "verify_files", "IntegrityError",
           "EntryNotFoundError", "RegistryError", "UnknownEntryError", "publish_entries",
           "EntryRecord", "Metric"]
