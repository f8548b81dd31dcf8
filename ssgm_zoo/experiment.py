"""Runs an experiment config end to end: data, model, training, export, metrics.

``tools/train.py`` is a thin command line over ``run``. A run directory holds:

  run_config.json        the resolved config, as used
  labeled_indices.json   the labeled examples (semi-supervised runs)
  metrics.jsonl/.csv     one record per epoch; tensorboard/ the same as scalars
  checkpoints/           full training state for exact resume
  model/                 the trained model in Keras's layout (config.json,
                         metadata.json, model.weights.h5) plus labeled_indices.json
  metrics.json           final metrics on the validation and test splits
"""

import datetime
import json
import os
import platform
import time

import keras

from ssgm_zoo import checkpoint, data
from ssgm_zoo.models.kingma import M1, M1M2, M2
from ssgm_zoo.training import Trainer

__all__ = ["run", "build_model", "FAMILIES", "resolve_m1"]

FAMILIES = ("m1", "m2", "m1m2")
MODEL_DIR = "model"
INDICES_FILE = "labeled_indices.json"


def _to_dict(config):
    return config.to_dict() if hasattr(config, "to_dict") else dict(config)


def resolve_m1(reference):
    """An M1 from a model directory, or from a zoo entry name (``m1-mnist``)."""
    if not reference:
        raise ValueError(
            "config.m1_checkpoint is empty: M1+M2 needs a trained M1 (a model directory "
            "written by tools/train.py with zoo_configs/m1_mnist.py, or a zoo entry name)."
        )
    if os.path.isdir(reference):
        return checkpoint.load_model_dir(reference)
    from ssgm_zoo import zoo  # registry: only for entry names

    return zoo.load_pretrained(reference)


def build_model(config, splits, labeled_indices):
    """The model a config describes; M1+M2 also loads its M1 and picks z1 dims."""
    family = config["family"]
    kwargs = dict(_to_dict(config["model"]))
    seed = int(config["seed"])
    num_unlabeled = len(splits["train"][1])
    if family == "m1":
        return M1(**kwargs, seed=seed)
    if family == "m2":
        return M2(**kwargs, num_labeled=len(labeled_indices), num_unlabeled=num_unlabeled,
                  seed=seed)
    if family == "m1m2":
        m1 = resolve_m1(config["m1_checkpoint"])
        dims = m1.active_dimensions(splits["train"][0], threshold=config["active_threshold"])
        return M1M2(m1, dims, **kwargs, num_labeled=len(labeled_indices),
                    num_unlabeled=num_unlabeled, seed=seed)
    raise ValueError(f"Unknown family {family!r}; expected one of {FAMILIES}.")


def _device_description():
    try:
        devices = keras.distribution.list_devices()
    except Exception:  # pragma: no cover - backend without the helper
        devices = []
    return {"backend": keras.backend.backend(), "devices": [str(d) for d in devices],
            "machine": platform.machine(), "processor": platform.processor() or None,
            "cpu_count": os.cpu_count()}


def prepare(config, workdir=None, *, data_dir=None, verbose=1,
            eval_splits=("validation", "test")):
    """Data, model and ``Trainer`` for ``config`` (what ``run`` and the benchmark share).

    Returns:
        ``(trainer, splits, labeled_indices_or_None, resolved_config_dict)``.
    """
    resolved = _to_dict(config)
    seed = int(resolved["seed"])
    label_seed = seed if resolved.get("label_seed", -1) < 0 else int(resolved["label_seed"])
    resolved["label_seed"] = label_seed
    if workdir:
        os.makedirs(workdir, exist_ok=True)
        _write_json(os.path.join(workdir, "run_config.json"), resolved)

    splits = data.load_splits(resolved["dataset"], data_dir=data_dir,
                              num_validation=resolved["num_validation"])
    x_train, y_train = splits["train"]
    num_labeled = int(resolved.get("num_labeled") or 0)
    indices = None
    if num_labeled:
        indices = data.balanced_labeled_indices(y_train, num_labeled, seed=label_seed)
        if workdir:
            data.save_indices(os.path.join(workdir, INDICES_FILE), indices,
                              num_labeled=num_labeled, seed=label_seed,
                              dataset=resolved["dataset"])

    keras.utils.set_random_seed(seed)
    model = build_model(resolved, splits, indices if indices is not None else [])
    train_data = {"unlabeled": {"x": x_train}}
    if resolved["family"] != "m1":
        train_data["labeled"] = {"x": x_train[indices], "y": y_train[indices]}
    t = resolved["train"]
    trainer = Trainer(
        model,
        train_data=train_data,
        batch_sizes=dict(t["batch_sizes"]),
        steps_per_epoch=t["steps_per_epoch"],
        epochs=t["epochs"],
        optimizer=t["optimizer"],
        seed=seed,
        eval_data={name: {"x": splits[name][0], "y": splits[name][1]}
                   for name in eval_splits},
        eval_every=t["eval_every"],
        eval_batch_size=t["eval_batch_size"],
        workdir=workdir,
        checkpoint_every=t["checkpoint_every"],
        steps_per_execution=t["steps_per_execution"],
        verbose=verbose,
        # Everything but the stopping point must match to resume; so a finished
        # run can be extended by raising train.epochs.
        fingerprint={**resolved, "train": {k: v for k, v in t.items() if k != "epochs"}},
    )
    return trainer, splits, indices, resolved


def run(config, workdir, *, data_dir=None, verbose=1):
    """Trains the model of ``config`` in ``workdir`` (resuming if it holds a checkpoint).

    Args:
        config: a ``ConfigDict`` from ``zoo_configs/`` (overrides applied).
        workdir: the run directory.
        data_dir: folder with the dataset's original files; None uses
            tensorflow-datasets (which may download).
        verbose: 1 for progress bars.

    Returns:
        The final metrics (also written to ``workdir/metrics.json``).
    """
    started = time.time()
    trainer, splits, indices, resolved = prepare(config, workdir, data_dir=data_dir,
                                                 verbose=verbose)
    model = trainer.model
    seed, label_seed = int(resolved["seed"]), resolved["label_seed"]
    num_labeled = 0 if indices is None else len(indices)
    history = trainer.fit()
    metrics = {"entry": resolved.get("entry"), "family": resolved["family"],
               "dataset": resolved["dataset"], "num_labeled": num_labeled, "seed": seed,
               "label_seed": label_seed, "epochs": trainer.epoch}
    for split in ("validation", "test"):
        metrics.update({f"{split}_{k}": v for k, v in trainer.evaluate(split).items()})
    metrics["train_seconds"] = sum(r["epoch_seconds"] for r in history)
    metrics["wall_seconds"] = time.time() - started
    metrics["finished"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    metrics["device"] = _device_description()

    extra = {}
    if indices is not None:  # the model directory carries the run's labeled split as written
        with open(os.path.join(workdir, INDICES_FILE)) as f:
            extra[INDICES_FILE] = json.load(f)
    checkpoint.save_model_dir(model, os.path.join(workdir, MODEL_DIR),
                              metadata={"metrics": _scalars(metrics), "config": resolved},
                              extra_files=extra)
    _write_json(os.path.join(workdir, "metrics.json"), metrics)
    return metrics


def _scalars(metrics):
    return {k: v for k, v in metrics.items() if isinstance(v, (int, float, str)) or v is None}


def _write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2, default=str)
    os.replace(tmp, path)
