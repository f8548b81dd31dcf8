"""Training throughput and time-to-target of a config on the current device.

Used by ``tools/benchmark.py`` for every family: it builds the run exactly as
``tools/train.py`` would (same data on the device, same compiled steps) and
times it, keeping compilation apart from steady-state speed.
"""

import time

import keras

from ssgm_zoo import experiment

__all__ = ["throughput", "time_to_target", "seeds_throughput", "PEAK_FLOPS"]

#: Peak FP32 (non-tensor-core) rates by device kind, for the achieved fraction;
#: XLA may run FP32 matrix products on tensor cores (TF32), whose peak is higher.
PEAK_FLOPS = {"H100": 67e12, "H200": 67e12}


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


def _device_peak():
    devices = keras.distribution.list_devices()
    if keras.backend.backend() == "jax":
        import jax

        kind = jax.devices()[0].device_kind
    else:
        kind = str(devices[0]) if devices else ""
    for name, peak in PEAK_FLOPS.items():
        if name in kind:
            return kind, peak
    return kind, None


def seeds_throughput(config, *, seed_counts=(1, 5, 10), data_dir=None, epochs=2,
                     seed_loop="auto"):
    """Speed of S seeds trained as one program, for each S in ``seed_counts``.

    For each S: the compiling first epoch, then the median of ``epochs`` timed
    epochs; images per second over all seeds; the speed-up over S separate
    runs (S times the single-seed epoch, measured here with S = 1); XLA's
    count of floating-point operations per epoch and the achieved fraction of
    the device's peak (JAX; None where unknown).

    Returns:
        ``{"rows": [...], "device": ..., "backend": ...}``.
    """
    from ssgm_zoo import data
    from ssgm_zoo.training import MultiSeedTrainer

    config = _copy(config)
    config.train.epochs = 1 + int(epochs)
    config.train.eval_every = 10**9
    splits = data.load_splits(config.dataset, data_dir=data_dir,
                              num_validation=config.num_validation)
    kind, peak = _device_peak()
    rows, single = [], None
    for count in sorted(set(int(c) for c in seed_counts) | {1}):
        trainers = [trainer for trainer, _, _ in experiment.prepare_seeds(
            config, range(count), data_dir=data_dir, verbose=0, eval_splits=(),
            splits=splits)]
        multi = MultiSeedTrainer(trainers, seed_loop=seed_loop)
        flops = multi.flops_per_epoch()
        histories = multi.fit()
        joint = [r.get("epoch_seconds_all_seeds", r["epoch_seconds"]) for r in histories[0]]
        timed = sorted(joint[1:])
        median = timed[len(timed) // 2]
        if count == 1:
            single = median
        images = count * trainers[0].steps_per_epoch * _images_per_step(trainers[0])
        rows.append({
            "seeds": count,
            "seed_loop": multi.seed_loop if count > 1 else None,
            "compile_epoch_seconds": joint[0],
            "epoch_seconds": median,
            "epoch_seconds_per_seed": median / count,
            "images_per_second": images / median,
            "speedup_over_separate_runs": count * single / median,
            "flops_per_epoch": flops,
            "achieved_fraction_of_peak": None if flops is None or peak is None
            else flops / median / peak,
        })
    wanted = set(int(c) for c in seed_counts)
    return {"config_entry": config.get("entry"), "backend": keras.backend.backend(),
            "device": kind, "peak_flops": peak,
            "rows": [r for r in rows if r["seeds"] in wanted]}
