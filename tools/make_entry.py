"""Makes a zoo entry (mirror folder, model card, registry record) from training runs.

  python tools/make_entry.py --name=m1m2-mnist-100 --runs=runs/m1m2-mnist-100-s0,... \
      --base_entry=m1-mnist --command="python tools/train.py ..." --data_dir=../shared/data

For M1 (``--latent_classifier_labels=100``) it also measures M1 + logistic
regression over ``--label_seeds``.
"""

import os
import pathlib

from absl import app, flags

_NAME = flags.DEFINE_string("name", None, "Entry name.")
_RUNS = flags.DEFINE_list("runs", None, "Run directories of tools/train.py.")
_COMMAND = flags.DEFINE_string("command", None, "The training command, {seed} for the seed.")
_BASE = flags.DEFINE_string("base_entry", None, "Entry whose M1 an M1+M2 entry shares.")
_DESCRIPTION = flags.DEFINE_string("description", "", "Model card paragraph.")
_DATA_DIR = flags.DEFINE_string("data_dir", os.environ.get("SSGM_ZOO_DATA_DIR"), "Data folder.")
_LABELS = flags.DEFINE_integer("latent_classifier_labels", 0, "M1: labels for the classifier.")
_LABEL_SEEDS = flags.DEFINE_list("label_seeds", ["0", "1", "2", "3", "4"], "M1: label seeds.")
_ROOT = pathlib.Path(__file__).resolve().parents[1] / "ssgm_zoo" / "zoo"
_MIRROR = flags.DEFINE_string("mirror", str(_ROOT / "mirror"), "Mirror root.")
_ENTRIES = flags.DEFINE_string("entries", str(_ROOT / "entries"), "Records folder.")
flags.mark_flags_as_required(["name", "runs", "command"])


def main(argv):
    del argv
    from ssgm_zoo.zoo import publishing

    extra = {}
    if _LABELS.value:
        extra["test_latent_classifier_error_rate"] = publishing.latent_classifier_metric(
            _RUNS.value, _LABELS.value, [int(s) for s in _LABEL_SEEDS.value],
            data_dir=_DATA_DIR.value)
    record = publishing.build_entry(
        _NAME.value, _RUNS.value, mirror_root=_MIRROR.value, entries_dir=_ENTRIES.value,
        command=_COMMAND.value, base_entry=_BASE.value, extra_metrics=extra,
        description=_DESCRIPTION.value, data_dir=_DATA_DIR.value)
    size = sum(f["size"] for f in record["files"].values())
    print(f"Wrote entry {record['name']} ({size / 1e6:.2f} MB): {record['headline_metric']} = "
          f"{record['metrics'][record['headline_metric']]['checkpoint']:.4f}")


if __name__ == "__main__":
    app.run(main)
