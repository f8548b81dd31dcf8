"""Models and training streams of the Kingma et al. 2014 configs.

Each builder takes a resolved config (a dict) and the run's data
(``ssgm_zoo.experiment.RunData``) and returns ``(model, train_data)``:
M1 trains on the unlabeled stream, M2 and M1+M2 on the unlabeled stream and
the labeled subset.
"""

import os

from ssgm_zoo.models.kingma.m1 import M1
from ssgm_zoo.models.kingma.m1m2 import M1M2
from ssgm_zoo.models.kingma.m2 import M2

__all__ = ["build_m1", "build_m2", "build_m1m2", "resolve_m1"]


def _streams(data, labeled=True):
    x, y = data.splits["train"]
    streams = {"unlabeled": {"x": x}}
    if labeled:
        streams["labeled"] = {"x": x[data.labeled_indices], "y": y[data.labeled_indices]}
    return streams


def _m2_sizes(data):
    if data.labeled_indices is None or not len(data.labeled_indices):
        raise ValueError("M2 and M1+M2 need labels: set config.num_labeled (e.g. 100).")
    return {"num_labeled": len(data.labeled_indices),
            "num_unlabeled": len(data.splits["train"][1])}


def build_m1(config, data):
    return M1(**config["model"], seed=int(config["seed"])), _streams(data, labeled=False)


def build_m2(config, data):
    model = M2(**config["model"], **_m2_sizes(data), seed=int(config["seed"]))
    return model, _streams(data)


def resolve_m1(reference):
    """An M1 from a model directory, or from a zoo entry name (``m1-mnist``)."""
    if not reference:
        raise ValueError(
            "config.m1_checkpoint is empty: M1+M2 needs a trained M1 (a model directory "
            "written by tools/train.py with zoo_configs/kingma/m1_mnist.py, or a zoo entry name).")
    if os.path.isdir(reference):
        from ssgm_zoo import checkpoint

        return checkpoint.load_model_dir(reference)
    from ssgm_zoo import zoo

    return zoo.load_pretrained(reference)


def build_m1m2(config, data):
    """M1+M2: loads the M1 of ``config.m1_checkpoint`` and keeps its active z1 dimensions."""
    m1 = resolve_m1(config["m1_checkpoint"])
    dims = m1.active_dimensions(data.splits["train"][0], threshold=config["active_threshold"])
    model = M1M2(m1, dims, **config["model"], **_m2_sizes(data), seed=int(config["seed"]))
    return model, _streams(data)
