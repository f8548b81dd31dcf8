"""Datasets: original files or tensorflow-datasets in, NumPy arrays and splits out.

Example:
>>> from ssgm_zoo import data
>>> splits = data.load_splits("mnist", data_dir="../shared/data")  # doctest: +SKIP
>>> idx = data.balanced_labeled_indices(splits["train"][1], 100, seed=0)  # doctest: +SKIP

Importing this package needs NumPy only; TensorFlow, tensorflow-datasets and
SciPy are imported when a loader needs them.
"""

from ssgm_zoo.data.sources import (
    DATASETS,
    SHA256,
    DataError,
    DatasetInfo,
    dataset_info,
    load_arrays,
)
from ssgm_zoo.data.splits import (
    balanced_labeled_indices,
    hold_out_labeled,
    load_indices,
    load_splits,
    mnist_protocol,
    save_indices,
    to_unit_float,
    train_validation_split,
)

__all__ = [
    "DATASETS",
    "SHA256",
    "DataError",
    "DatasetInfo",
    "dataset_info",
    "load_arrays",
    "load_splits",
    "mnist_protocol",
    "train_validation_split",
    "to_unit_float",
    "balanced_labeled_indices",
    "hold_out_labeled",
    "save_indices",
    "load_indices",
]
