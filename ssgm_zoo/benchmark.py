"""Training throughput and time-to-target of a config on the current device.

Used by ``tools/benchmark.py`` for every family: it builds the run exactly as
``tools/train.py`` would (same data on the device, same compiled steps) and
times it, keeping compilation apart from steady-state speed.
"""

import time

import keras

from ssgm_zoo import experiment

__all__ = ["throughput", "time_to_target"]


def _copy(config):
    """A copy to change (the caller's config stays as given)."""
    return config.copy_and_resolve_references()


def _images_per_step(trainer):
    return sum(trainer.batch_sizes.values())


def throughput(config, *, data_dir=None, epochs=3):
    """Seconds per epoch and images per second after one warm-up (compiling) epoch.

    Returns:
        dict with ``compile_epoch_seconds``, ``epoch_seconds`` (median of the
        timed epochs), ``steps_per_second``, ``images_per_second`` and the device.
    """
    config = _copy(config)
    config.train.epochs = 1 + int(epochs)
    config.train.eval_every = 10**9  # evaluation is not training time
    trainer, _, _ = experiment.prepare(config, None, data_dir=data_dir, verbose=0)
    history = trainer.fit()
    timed = sorted(r["epoch_seconds"] for r in history[1:])
    median = timed[len(timed) // 2]
    steps = trainer.steps_per_epoch
    return {
        "config_entry": config.get("entry"),
        "backend": keras.backend.backend(),
        "devices": [str(d) for d in keras.distribution.list_devices()],
        "compile_epoch_seconds": history[0]["epoch_seconds"],
        "epoch_seconds": median,
        "epoch_seconds_all": timed,
        "steps_per_epoch": steps,
        "steps_per_second": steps / median,
        "images_per_second": steps * _images_per_step(trainer) / median,
    }


def time_to_target(config, *, metric="validation_error_rate", target, max_epochs,
                   data_dir=None):
    """Wall-clock seconds (compilation included) until ``metric`` <= ``target``.

    Evaluates after every epoch. Returns the seconds and epochs, or
    ``reached: False`` after ``max_epochs``.
    """
    config = _copy(config)
    config.train.epochs = int(max_epochs)
    config.train.eval_every = 1
    # Validation only: test stays untouched by a stopping rule.
    trainer, _, _ = experiment.prepare(config, None, data_dir=data_dir, verbose=0,
                                       eval_splits=("validation",))
    started = time.perf_counter()
    for epoch in range(1, int(max_epochs) + 1):
        trainer.epochs = epoch
        record = trainer.fit()[-1]
        if record[metric] <= target:
            return {"reached": True, "seconds": time.perf_counter() - started, "epochs": epoch,
                    metric: record[metric], "target": target}
    return {"reached": False, "seconds": time.perf_counter() - started,
            "epochs": int(max_epochs), metric: record[metric], "target": target}
