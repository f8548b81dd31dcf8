"""Trains a zoo model from an experiment config.

  python tools/train.py --config=zoo_configs/m1m2_mnist.py:100 \
      --workdir=runs/m1m2-100-s0 --seed=0 --data_dir=../shared/data \
      [--backend=jax] [--config.train.epochs=10]

Writes the resolved config, labeled indices, logs, checkpoints, the trained
model (``workdir/model``) and ``metrics.json``; run it again on the same
workdir to resume. ``--branch_from=<run>/checkpoints/epoch_NNNNNN`` begins a
new run at another run's checkpoint, to try a learning-rate decay from there
without training the steps before it again.
"""

import os

from absl import app, flags
from ml_collections import config_flags

import ssgm_zoo
from ssgm_zoo import config as config_lib

_CONFIG = config_flags.DEFINE_config_file("config", None, "Experiment config file[:arg].")
_WORKDIR = flags.DEFINE_string("workdir", None, "Run directory (resumed if it has checkpoints).")
_SEED = flags.DEFINE_integer("seed", None, "Overrides config.seed (also the label-split seed).")
_SEEDS = flags.DEFINE_list("seeds", None,
                           "Several seeds, trained together; --workdir must contain {seed}.")
_SEED_LOOP = flags.DEFINE_enum("seed_loop", "auto", ["auto", "vmap", "map"],
                               "How one program runs several seeds on JAX: vmap, lax.map, or "
                               "auto (map on CPU, vmap elsewhere); the results are the same.")
_DATA_DIR = flags.DEFINE_string(
    "data_dir", os.environ.get("SSGM_ZOO_DATA_DIR"),
    "Folder with the datasets' original files (default $SSGM_ZOO_DATA_DIR); "
    "unset: tensorflow-datasets, which may download.")
_BACKEND = flags.DEFINE_enum("backend", None, ["tensorflow", "jax"],
                             "Keras backend (default: $KERAS_BACKEND or tensorflow).")
_QUIET = flags.DEFINE_bool("quiet", False, "No progress bar.")
_BRANCH_FROM = flags.DEFINE_string(
    "branch_from", None,
    "A checkpoint folder of another run (<run>/checkpoints/epoch_NNNNNN) to begin this one at, "
    "when their configs differ only by a learning-rate decay (train.optimizer.linear_decay) "
    "that begins at its step or later. --workdir must be a new run's, or this branch's (it "
    "then resumes).")
flags.mark_flags_as_required(["config", "workdir"])


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    if _BACKEND.value:
        ssgm_zoo.use_backend(_BACKEND.value)
    from ssgm_zoo import experiment, locks

    config = _CONFIG.value
    if _SEED.value is not None and _SEEDS.value:
        raise app.UsageError("Give --seed or --seeds, not both.")
    if _SEED.value is not None:
        config.seed = _SEED.value
    seeds = [int(s) for s in _SEEDS.value] if _SEEDS.value else [config.seed]
    try:
        results = experiment.run_seeds(config, _WORKDIR.value, seeds, data_dir=_DATA_DIR.value,
                                       verbose=0 if _QUIET.value else 1,
                                       seed_loop=_SEED_LOOP.value,
                                       branch_from=_BRANCH_FROM.value)
    except locks.RunDirectoryBusy as busy:
        raise SystemExit(f"train: {busy}") from None
    for metrics in results:
        print({k: v for k, v in metrics.items()
               if k == "seed" or "error" in k or "elbo" in k})


if __name__ == "__main__":
    app.run(main, flags_parser=config_lib.parse_flags_with_usage)
