"""Test metrics of trained checkpoints, and mean ± std over several runs.

  python tools/evaluate.py --checkpoints=runs/m1m2-mnist-100-s0/model,runs/m1m2-mnist-100-s1/model \
      --data_dir=../shared/data
  python tools/evaluate.py --checkpoints=runs/m1-mnist-s0/model \
      --latent_classifier_labels=100 --label_seeds=0,1,2,3,4 --data_dir=../shared/data \
      [--latent_classifier=label_spreading] [--split=validation]

Classifiers report their test error; with ``--latent_classifier_labels`` a
model with latent features reports a classifier on its codes instead. The
spread is the sample standard deviation (ddof=1) over checkpoints (or over
label splits).
"""

import json
import os

from absl import app, flags

import ssgm_zoo
from ssgm_zoo.evaluation import LATENT_CLASSIFIERS

_CHECKPOINTS = flags.DEFINE_list("checkpoints", None, "Model directories (or run directories).")
_DATA_DIR = flags.DEFINE_string("data_dir", os.environ.get("SSGM_ZOO_DATA_DIR"),
                                "Folder with the datasets' original files.")
_DATASET = flags.DEFINE_string("dataset", "mnist", "Dataset of the test split.")
_LABELS = flags.DEFINE_integer("latent_classifier_labels", 0,
                               "Fit a classifier on the latent features of this many labels.")
_LABEL_SEEDS = flags.DEFINE_list("label_seeds", ["0"], "Seeds of the labeled splits.")
_CLASSIFIER = flags.DEFINE_enum("latent_classifier", "logistic", list(LATENT_CLASSIFIERS),
                                "Classifier on the latent codes: logistic regression on the "
                                "labeled codes, or transductive label spreading.")
_SPLIT = flags.DEFINE_enum("split", "test", ["test", "validation"],
                           "Split to measure on (validation: to choose settings).")
_BACKEND = flags.DEFINE_enum("backend", None, ["tensorflow", "jax"], "Keras backend.")
_JSON = flags.DEFINE_bool("json", False, "Print one JSON object.")
flags.mark_flags_as_required(["checkpoints"])


def main(argv):
    del argv
    if _BACKEND.value:
        ssgm_zoo.use_backend(_BACKEND.value)
    from ssgm_zoo import evaluation

    summary = evaluation.evaluate_checkpoints(_CHECKPOINTS.value, dataset=_DATASET.value,
                                   data_dir=_DATA_DIR.value,
                                   latent_classifier_labels=_LABELS.value,
                                   label_seeds=[int(s) for s in _LABEL_SEEDS.value],
                                   latent_classifier=_CLASSIFIER.value, split=_SPLIT.value)
    if _JSON.value:
        print(json.dumps(summary))
        return
    key = summary["metric"]
    for r in summary["runs"]:
        seed = f" label seed {r['label_seed']}" if "label_seed" in r else ""
        print(f"{r['checkpoint']}{seed}: {100 * r[key]:.2f}%")
    print(f"{key}: {100 * summary['mean']:.2f}% ± {100 * summary['std']:.2f}% "
          f"(n={summary['n']}, sample std)")


if __name__ == "__main__":
    app.run(main)
