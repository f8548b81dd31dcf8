"""Test metrics of trained checkpoints, and mean ± std over several runs.

  python tools/evaluate.py --checkpoints=runs/m1m2-mnist-100-s0/model,runs/m1m2-mnist-100-s1/model \
      --data_dir=../shared/data
  python tools/evaluate.py --checkpoints=runs/m1-mnist-s0/model \
      --latent_classifier_labels=100 --label_seeds=0,1,2,3,4 --data_dir=../shared/data

The spread is the sample standard deviation (ddof=1) over checkpoints (or, for
M1's latent classifier, over label splits).
"""

import json
import os

from absl import app, flags

_CHECKPOINTS = flags.DEFINE_list("checkpoints", None, "Model directories (or run directories).")
_DATA_DIR = flags.DEFINE_string("data_dir", os.environ.get("SSGM_ZOO_DATA_DIR"),
                                "Folder with the datasets' original files.")
_DATASET = flags.DEFINE_string("dataset", "mnist", "Dataset of the test split.")
_LABELS = flags.DEFINE_integer("latent_classifier_labels", 0,
                               "M1 only: fit logistic regression on this many labeled codes.")
_LABEL_SEEDS = flags.DEFINE_list("label_seeds", ["0"], "Seeds of the labeled splits (M1).")
_BACKEND = flags.DEFINE_enum("backend", None, ["tensorflow", "jax"], "Keras backend.")
_JSON = flags.DEFINE_bool("json", False, "Print one JSON object.")
flags.mark_flags_as_required(["checkpoints"])


def main(argv):
    del argv
    if _BACKEND.value:
        os.environ["KERAS_BACKEND"] = _BACKEND.value
    from ssgm_zoo import checkpoint, data, evaluation

    splits = data.load_splits(_DATASET.value, data_dir=_DATA_DIR.value)
    results = []
    for path in _CHECKPOINTS.value:
        if os.path.isdir(os.path.join(path, "model")):
            path = os.path.join(path, "model")
        model = checkpoint.load_model_dir(path)
        if _LABELS.value:
            for seed in map(int, _LABEL_SEEDS.value):
                idx = data.balanced_labeled_indices(splits["train"][1], _LABELS.value, seed=seed)
                err = evaluation.latent_classifier_error_rate(model, splits["train"],
                                                              splits["test"], idx)
                results.append({"checkpoint": path, "label_seed": seed,
                                "test_latent_classifier_error_rate": err})
        else:
            err = evaluation.error_rate(model, *splits["test"])
            results.append({"checkpoint": path, "test_error_rate": err})
    key = "test_latent_classifier_error_rate" if _LABELS.value else "test_error_rate"
    mean, std, n = evaluation.mean_std([r[key] for r in results])
    summary = {"metric": key, "mean": mean, "std": std, "n": n,
               "estimator": "sample standard deviation (ddof=1)", "runs": results}
    if _JSON.value:
        print(json.dumps(summary))
        return
    for r in results:
        print(f"{r['checkpoint']}{' label seed %d' % r['label_seed'] if 'label_seed' in r else ''}:"
              f" {100 * r[key]:.2f}%")
    print(f"{key}: {100 * mean:.2f}% ± {100 * std:.2f}% (n={n}, sample std)")


if __name__ == "__main__":
    app.run(main)
