"""Runs a family's whole protocol: every run its results table needs, every seed.

  python tools/reproduce.py FAMILY --workdir=runs/FAMILY --data_dir=../shared/data \
      --backend=jax [--seeds=0,1,2,3,4] [--labels=100,600] [--runs=NAME,...] \
      [--budget_minutes=8]
  python tools/reproduce.py FAMILY --workdir=runs/FAMILY --status
  python tools/reproduce.py FAMILY --workdir=runs/FAMILY --pack=$OUT       # pieces <= 16 MiB
  python tools/reproduce.py FAMILY --workdir=runs/FAMILY --unpack=DIR
  python tools/reproduce.py FAMILY --workdir=runs/FAMILY --make_entries --data_dir=...

FAMILY is a family's name (a folder of ``ssgm_zoo/models/``; ``ssgm-zoo list`` shows them).
Seeds of one config train as one multi-seed program; what ``--workdir`` holds
resumes; ``--budget_minutes`` stops at checkpoints when the time is spent and
prints what is left. ``--runs`` trains only the named runs: several processes
may share one work directory, each skipping the runs another is training
(``--status`` marks them "training now"). ``--override=train.epochs=5`` (repeatable) and
``--config_arg=smoke`` change every run (for short trials). A work directory may be
unpacked or moved anywhere: its runs are read where it is, not where the manifest
says the first machine kept them.
"""

import ast
import os

from absl import app, flags

import ssgm_zoo

_WORKDIR = flags.DEFINE_string("workdir", None, "The protocol's work directory.")
_DATA_DIR = flags.DEFINE_string("data_dir", os.environ.get("SSGM_ZOO_DATA_DIR"), "Data folder.")
_BACKEND = flags.DEFINE_enum("backend", None, ["tensorflow", "jax"], "Keras backend.")
_SEEDS = flags.DEFINE_list("seeds", None, "Seeds (default: the family's).")
_LABELS = flags.DEFINE_list("labels", None, "Numbers of labels (default: the family's).")
_RUNS = flags.DEFINE_list("runs", None, "Only these runs of the protocol (default: all).")
_BUDGET = flags.DEFINE_float("budget_minutes", None, "Stop at checkpoints after this long.")
_OVERRIDES = flags.DEFINE_multi_string("override", [], "key=value set on every run's config.")
_CONFIG_ARG = flags.DEFINE_string("config_arg", None, "Appended to every config's argument.")
_STATUS = flags.DEFINE_bool("status", False, "Print each run's state and stop.")
_PACK = flags.DEFINE_string("pack", None, "Write the results as pieces into this folder.")
_UNPACK = flags.DEFINE_string("unpack", None, "Restore pieces from this folder.")
_MAKE = flags.DEFINE_bool("make_entries", False, "Build the entries of finished runs.")
_QUIET = flags.DEFINE_bool("quiet", False, "No progress bars.")
flags.mark_flags_as_required(["workdir"])


def _value(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def main(argv):
    if len(argv) != 2:
        raise app.UsageError("Usage: python tools/reproduce.py FAMILY --workdir=DIR [...]")
    if _BACKEND.value:
        ssgm_zoo.use_backend(_BACKEND.value)
    from ssgm_zoo import reproduce

    family, workdir = argv[1], _WORKDIR.value
    if _UNPACK.value:
        restored = reproduce.unpack(_UNPACK.value, workdir)
        print(f"Restored {len(restored)} files into {workdir}.")
    elif _PACK.value:
        for part in reproduce.pack(workdir, _PACK.value):
            print(f"{part} ({os.path.getsize(part) / 2**20:.1f} MiB)")
    elif _MAKE.value:
        for record in reproduce.make_entries(workdir, data_dir=_DATA_DIR.value):
            print(f"{record.name}: {record.headline_metric} = {record.headline.published:.4f}")
    elif not _STATUS.value:
        overrides = dict(o.split("=", 1) for o in _OVERRIDES.value)
        reproduce.run_protocol(
            family, workdir, data_dir=_DATA_DIR.value,
            seeds=[int(s) for s in _SEEDS.value] if _SEEDS.value else None,
            labels=[int(n) for n in _LABELS.value] if _LABELS.value else None,
            names=_RUNS.value,
            budget_minutes=_BUDGET.value,
            overrides={k: _value(v) for k, v in overrides.items()},
            config_arg=_CONFIG_ARG.value, verbose=0 if _QUIET.value else 1)
    states = reproduce.status(workdir)
    if not states:
        print(f"{workdir} holds no runs yet (no {reproduce.MANIFEST}).")
    width = max(map(len, states), default=0)
    for name, state in states.items():
        print(f"{name:{width}s}  {state}")


if __name__ == "__main__":
    app.run(main)
