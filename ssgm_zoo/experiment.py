"""Runs an experiment config end to end: data, model, training, export, metrics.

``tools/train.py`` is a thin command line over ``run``. The config names its
family and model (``config.family``, ``config.model_name``); the family's
builder makes the model and its training streams, and everything else here is
shared. A run directory holds:

  run_config.json        the resolved config, as used
  labeled_indices.json   the labeled examples (semi-supervised runs)
  metrics.jsonl/.csv     one record per epoch; tensorboard/ the same as scalars
  sessions.jsonl         one line per tools/train.py session (start, end, wall time)
  checkpoints/           full training state for exact resume
  model/                 the trained model in Keras's layout (config.json,
                         metadata.json, model.weights.h5) plus labeled_indices.json
  metrics.json           final metrics on the validation and test splits
  .lock                  held by the process training in it (``ssgm_zoo.locks``)
"""

import dataclasses
import datetime
import json
import os
import platform
import time

from ssgm_zoo import checkpoint, data, families, files, locks

__all__ = ["run", "run_seeds", "prepare", "prepare_seeds", "run_splits", "seed_workdir", "RunData",
           "MODEL_DIR",
           "INDICES_FILE"]

MODEL_DIR = "model"
INDICES_FILE = "labeled_indices.json"
SESSIONS_FILE = "sessions.jsonl"
METRICS_FILE = "metrics.json"  # a finished run's final metrics


@dataclasses.dataclass(frozen=True)
class RunData:
    """What a family's builder gets besides the config.

    Attributes:
        splits: ``{"train", "validation", "test"}: (images, labels)`` as
            ``ssgm_zoo.data.load_splits`` returns them.
        labeled_indices: indices into the training split of the labeled
            examples that train, or None for an unsupervised run.
        validation_indices: indices into the training split of the labeled
            examples held out as the validation split (``config.labeled_validation``),
            or None when the validation split is the end of the training data.
    """

    splits: dict
    labeled_indices: object = None
    validation_indices: object = None


def _to_dict(config):
    return config.to_dict() if hasattr(config, "to_dict") else dict(config)


def _device_description():
    import keras

    try:
        devices = keras.distribution.list_devices()
    except Exception:  # pragma: no cover - backend without the helper
        devices = []
    return {"backend": keras.backend.backend(), "devices": [str(d) for d in devices],
            "machine": platform.machine(), "processor": platform.processor() or None,
            "cpu_count": os.cpu_count()}


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def prepare(config, workdir=None, *, data_dir=None, verbose=1,
            eval_splits=("validation", "test"), splits=None, device_cache=None,
            branch_from=None):
    """Data, model and ``Trainer`` for ``config`` (what ``run`` and the benchmark share).

    Args:
        config: the experiment config (its ``seed`` is the run's).
        workdir: the run directory, or None to keep nothing on disk.
        data_dir: folder with the dataset's original files.
        verbose: 1 for progress bars.
        eval_splits: the splits evaluated during training.
        splits: the dataset's splits if already loaded (the seeds of a
            multi-seed run share them).
        device_cache: shared by the trainers of a multi-seed run (see ``Trainer``).
        branch_from: a checkpoint of another run of this config, except for a
            learning-rate decay not begun there, to begin at (``Trainer.branch``).

    Returns:
        ``(trainer, run_data, resolved_config_dict)``.
    """
    import keras

    from ssgm_zoo.training import Trainer

    family, spec = families.resolve(_to_dict(config))
    resolved = family.upgrade_config(_to_dict(config))
    seed = int(resolved["seed"])
    label_seed = seed if resolved.get("label_seed", -1) < 0 else int(resolved["label_seed"])
    resolved["label_seed"] = label_seed
    splits, indices, held = run_splits(resolved, data_dir=data_dir, splits=splits)
    keras.utils.set_random_seed(seed)
    run_data = RunData(splits=splits, labeled_indices=indices, validation_indices=held)
    model, train_data = families.load_object(spec.build)(resolved, run_data)
    t = resolved["train"]

    def fingerprint(c):
        # Everything but the stopping point (and whether XLA compiles the steps,
        # which changes speed, not results) must match to resume; so a finished
        # run can be extended by raising train.epochs.
        return {**c, "train": {k: v for k, v in c["train"].items()
                               if k not in ("epochs", "jit_compile")}}

    trainer = Trainer(
        model,
        train_data=train_data,
        batch_sizes=dict(t["batch_sizes"]),
        steps_per_epoch=t["steps_per_epoch"],
        epochs=t["epochs"],
        optimizer=t["optimizer"],
        seed=seed,
        eval_data=_eval_data(splits, eval_splits, indices, resolved),
        eval_every=t["eval_every"],
        eval_batch_size=t["eval_batch_size"],
        workdir=workdir,
        checkpoint_every=t["checkpoint_every"],
        steps_per_execution=t["steps_per_execution"],
        jit_compile=t.get("jit_compile", True),
        verbose=verbose,
        fingerprint=fingerprint(resolved),
        upgrade_fingerprint=lambda old: fingerprint(family.upgrade_config(old)),
        device_cache=device_cache,
    )
    if branch_from:
        trainer.branch(branch_from, optimizer_of=lambda old: old["train"]["optimizer"])
    # Written once the config has built a model and its trainer: a config they
    # refuse (or a branch refused) leaves the run directory as it was.
    if workdir:
        os.makedirs(workdir, exist_ok=True)
        files.atomic_write_json(os.path.join(workdir, "run_config.json"), resolved, indent=2,
                                default=str)
        if indices is not None:
            extra = {} if held is None else {
                "labeled_validation": int(resolved["labeled_validation"]),
                "validation_indices": [int(i) for i in held]}
            data.save_indices(os.path.join(workdir, INDICES_FILE), indices,
                              num_labeled=int(resolved["num_labeled"]), seed=label_seed,
                              dataset=resolved["dataset"], **extra)
    return trainer, run_data, resolved


def run_splits(resolved, *, data_dir=None, splits=None):
    """The splits a run of the resolved config ``resolved`` trains and evaluates on.

    Args:
        resolved: a resolved config (a run's ``run_config.json``: its
            ``label_seed`` is set).
        data_dir: folder with the dataset's original files.
        splits: the dataset's splits if already loaded.

    Returns:
        ``(splits, labeled_indices, validation_indices)``: with
        ``config.labeled_validation``, the validation split is that many of
        the labeled images, held out (``validation_indices``; else None);
        ``labeled_indices`` is None without labels.
    """
    if splits is None:
        splits = data.load_splits(resolved["dataset"], data_dir=data_dir,
                                  num_validation=resolved["num_validation"])
    num_labeled = int(resolved.get("num_labeled") or 0)
    held_out = int(resolved.get("labeled_validation") or 0)
    if held_out and (not num_labeled or resolved["num_validation"]):
        raise ValueError("config.labeled_validation holds out part of the labeled examples as "
                         "the validation split: it needs config.num_labeled > 0 and "
                         f"config.num_validation = 0 (got {num_labeled} and "
                         f"{resolved['num_validation']}).")
    if resolved.get("evaluate_labeled") and not num_labeled:
        raise ValueError("config.evaluate_labeled evaluates the labeled training images: it "
                         "needs config.num_labeled > 0.")
    if not num_labeled:
        return splits, None, None
    label_seed = int(resolved["label_seed"])
    indices = data.balanced_labeled_indices(splits["train"][1], num_labeled, seed=label_seed)
    held = None
    if held_out:
        indices, held = data.hold_out_labeled(splits["train"][1], indices, held_out,
                                              seed=label_seed)
        x, y = splits["train"]
        splits = {**splits, "validation": (x[held], y[held])}
    return splits, indices, held


def _eval_data(splits, eval_splits, labeled_indices, resolved):
    """The evaluated splits; with ``config.evaluate_labeled``, also ``"labeled"``: the
    labeled training images (the training accuracy, without augmentation or dropout)."""
    eval_data = {name: {"x": splits[name][0], "y": splits[name][1]} for name in eval_splits}
    if resolved.get("evaluate_labeled"):
        x, y = splits["train"]
        eval_data["labeled"] = {"x": x[labeled_indices], "y": y[labeled_indices]}
    return eval_data


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
    return run_seeds(config, str(workdir), [int(_to_dict(config)["seed"])], data_dir=data_dir,
                     verbose=verbose)[0]


def seed_workdir(workdir, seed, num_seeds):
    """The run directory of ``seed``: ``workdir`` with ``{seed}`` filled in.

    Raises:
        ValueError: several seeds but no ``{seed}`` in ``workdir``.
    """
    workdir = str(workdir)
    if "{seed}" not in workdir:
        if num_seeds > 1:
            raise ValueError(f"The work directory {workdir!r} of a multi-seed run must contain "
                             "{seed} (e.g. runs/m2-mnist-100-s{seed}): each seed writes its own.")
        return workdir
    return workdir.replace("{seed}", str(seed))


def run_seeds(config, workdir, seeds, *, data_dir=None, verbose=1, deadline=None,
              seed_loop="auto", branch_from=None):
    """Trains ``config`` with each of ``seeds``, as one program where the backend allows.

    Every seed gets the run directory a single run of it writes
    (``workdir`` with ``{seed}`` filled in), with its own labeled split,
    initialisation, batch order and noise; on JAX the seeds train together
    (``ssgm_zoo.training.MultiSeedTrainer``), on TensorFlow one after another.

    ``deadline`` (a ``time.monotonic()`` value) stops the seeds at a checkpoint
    once it has passed; the run then resumes with the same call. ``seed_loop``
    is ``MultiSeedTrainer``'s (how one JAX program runs the seeds).
    ``branch_from`` begins a single seed's new run at another run's checkpoint
    (``Trainer.branch``: the configs may differ only by a learning-rate decay
    not begun there); the same call resumes it.

    Each run directory's lock (``<run dir>/.lock``) is held while training, so
    a second process started on one of them stops before it reads or writes
    anything there.

    A seed that had finished before the call (its last checkpoint is its last
    epoch and its ``metrics.json`` is written) trains nothing and is not
    exported again: its metrics are read back as they are, so its model, its
    sessions' log and its ``final_session_wall_seconds`` stay those of the
    session that trained it.

    Returns:
        The final metrics of each seed, in the order of ``seeds``; None when the
        deadline stopped the run before its last epoch.

    Raises:
        locks.RunDirectoryBusy: another process is training in one of the run
            directories.
    """
    from ssgm_zoo.training import MultiSeedTrainer

    started, started_at = time.time(), _now()
    seeds = [int(s) for s in seeds]
    workdirs = [seed_workdir(workdir, seed, len(seeds)) for seed in seeds]
    with locks.hold_run_dirs(workdirs):
        runs = prepare_seeds(config, seeds, workdirs, data_dir=data_dir, verbose=verbose,
                             branch_from=branch_from)
        resumed_from = [trainer.latest_checkpoint() for trainer, _, _ in runs]
        multi = MultiSeedTrainer([trainer for trainer, _, _ in runs], seed_loop=seed_loop)
        multi.fit(deadline)
        if multi.stopped_early:
            return None
        return [_finish(w, trainer, run_data, resolved, started, started_at, resumed)
                if trainer.epochs_trained or not os.path.exists(os.path.join(w, METRICS_FILE))
                else files.read_json(os.path.join(w, METRICS_FILE))
                for w, (trainer, run_data, resolved), resumed
                in zip(workdirs, runs, resumed_from)]


def prepare_seeds(config, seeds, workdirs=None, *, data_dir=None, verbose=1,
                  eval_splits=("validation", "test"), splits=None, branch_from=None):
    """``prepare`` for each of ``seeds``, sharing the loaded splits and the arrays on
    the device (what ``run_seeds`` and the benchmark train with ``MultiSeedTrainer``).

    Args:
        workdirs: one run directory per seed, or None to keep nothing on disk.
        splits: the dataset's splits if already loaded.
        branch_from: ``prepare``'s, for a single seed.

    Returns:
        ``[(trainer, run_data, resolved_config_dict)]``, one per seed.
    """
    seeds = [int(s) for s in seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"Give one or more distinct seeds, got {seeds}.")
    if branch_from and len(seeds) > 1:
        raise ValueError(f"A branch begins one run at one checkpoint ({branch_from}); got "
                         f"{len(seeds)} seeds: branch each seed's run on its own.")
    if splits is None:
        resolved = _to_dict(config)
        splits = data.load_splits(resolved["dataset"], data_dir=data_dir,
                                  num_validation=resolved["num_validation"])
    cache, runs = {}, []
    for seed, workdir in zip(seeds, workdirs or [None] * len(seeds)):
        seeded = _to_dict(config)
        seeded["seed"] = seed
        runs.append(prepare(seeded, workdir, data_dir=data_dir, verbose=verbose,
                            branch_from=branch_from,
                            eval_splits=eval_splits, splits=splits, device_cache=cache))
    return runs


def _finish(workdir, trainer, run_data, resolved, started, started_at, resumed_from):
    """Final metrics, the session's line, the exported model and ``metrics.json`` of a run."""
    model = trainer.model
    indices = run_data.labeled_indices
    history = trainer.history
    metrics = {"entry": resolved.get("entry"), "family": resolved["family"],
               "model_name": resolved["model_name"], "dataset": resolved["dataset"],
               "num_labeled": 0 if indices is None else int(resolved.get("num_labeled") or 0),
               "seed": int(resolved["seed"]), "label_seed": resolved["label_seed"],
               "epochs": trainer.epoch}
    for split in ("labeled", "validation", "test"):
        if split not in trainer.eval_splits:
            continue
        metrics.update({f"{split}_{k}": v for k, v in trainer.evaluate(split).items()})
    metrics["train_seconds"] = sum(r["epoch_seconds"] for r in history)
    metrics["final_session_wall_seconds"] = time.time() - started
    metrics["finished"] = _now()
    metrics["device"] = _device_description()
    if trainer.branched_from:
        metrics["branched_from"] = trainer.branched_from

    session = {"started": started_at, "finished": metrics["finished"],
               "resumed_from": resumed_from, "epochs_done": trainer.epoch,
               "wall_seconds": metrics["final_session_wall_seconds"], "device": metrics["device"]}
    with open(os.path.join(workdir, SESSIONS_FILE), "a") as f:
        f.write(json.dumps(session) + "\n")

    extra = {}
    if indices is not None:  # the model directory carries the run's labeled split as written
        extra[INDICES_FILE] = files.read_json(os.path.join(workdir, INDICES_FILE))
    checkpoint.save_model_dir(model, os.path.join(workdir, MODEL_DIR),
                              metadata={"metrics": _scalars(metrics), "config": resolved},
                              extra_files=extra)
    files.atomic_write_json(os.path.join(workdir, METRICS_FILE), metrics, indent=2,
                            default=str)
    return metrics


def _scalars(metrics):
    return {k: v for k, v in metrics.items() if isinstance(v, (int, float, str)) or v is None}
