"""A classifier of the family and its training streams from a config.

The labeled stream is the run's labeled images (the held-out validation
images excluded); the unlabeled stream is every other training image, the
held-out ones excluded too (in the lab's split: 60,000 - 3,000 = 57,000).
The supervised ``CNNClassifier`` reads the labeled stream only.
"""

import numpy as np

from ssgm_zoo.models.ssl_cnn.ladder import LadderNetwork
from ssgm_zoo.models.ssl_cnn.model import CNNClassifier, MeanTeacher, PseudoLabel

__all__ = ["build_cnn", "build_pseudo_label", "build_mean_teacher", "build_ladder",
           "unlabeled_indices"]


def unlabeled_indices(num_train, labeled, held_out=None):
    """Indices of the training images that are neither labeled nor held out, ascending.

    Example:
    >>> unlabeled_indices(6, [1, 4], [0]).tolist()
    [2, 3, 5]
    """
    used = np.zeros(int(num_train), bool)
    used[np.asarray(labeled, dtype=np.int64)] = True
    if held_out is not None:
        used[np.asarray(held_out, dtype=np.int64)] = True
    return np.flatnonzero(~used)


def _build(cls, config, data, unlabeled):
    if data.labeled_indices is None or not len(data.labeled_indices):
        raise ValueError(f"{cls.__name__} needs labels: set config.num_labeled (e.g. 3000).")
    x, y = data.splits["train"]
    idx = data.labeled_indices
    model = cls(**config["model"], seed=int(config["seed"]))
    streams = {"labeled": {"x": x[idx], "y": y[idx]}}
    if unlabeled:
        rest = unlabeled_indices(len(x), idx, getattr(data, "validation_indices", None))
        streams["unlabeled"] = {"x": x[rest]}
    return model, streams


def build_cnn(config, data):
    return _build(CNNClassifier, config, data, unlabeled=False)


def build_pseudo_label(config, data):
    return _build(PseudoLabel, config, data, unlabeled=True)


def build_mean_teacher(config, data):
    return _build(MeanTeacher, config, data, unlabeled=True)


def build_ladder(config, data):
    return _build(LadderNetwork, config, data, unlabeled=True)
