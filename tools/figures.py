"""Figures for docs/: learning curves of runs, sample grids and reconstructions.

  python tools/figures.py --runs=runs/m1m2-mnist-100-s0,runs/m1m2-mnist-100-s1 \
      --metric=validation_error_rate --output=docs/figures/m1m2-100-curves.png
  python tools/figures.py --entry=m1m2-mnist-100 --output=docs/figures/m1m2-100-analogies.png
  python tools/figures.py --model_dir=runs/RUN/model --reconstruct \
      --data_dir=../shared/data --output=docs/figures/RUN-reconstructions.png
  python tools/figures.py --model_dir=runs/RUN/model --misclassified \
      --data_dir=../shared/data --output=docs/figures/RUN-wrong.png
"""

from absl import app, flags

_RUNS = flags.DEFINE_list("runs", None, "Run directories whose metrics.jsonl to plot.")
_METRICS = flags.DEFINE_list("metric", ["train_loss", "validation_error_rate"],
                             "Metrics to plot, one panel each.")
_X = flags.DEFINE_enum("x", "epoch", ["epoch", "step"], "The curves' horizontal axis.")
_LABELS = flags.DEFINE_list("labels", None, "The runs' names in the legend (one per run).")
_ENTRY = flags.DEFINE_string("entry", None, "Zoo entry whose samples to draw.")
_MODEL_DIR = flags.DEFINE_string("model_dir", None,
                                 "A trained model's directory (a run's model/) whose samples to "
                                 "draw, instead of --entry.")
_NUM = flags.DEFINE_integer("num", 8, "Rows of the sample grid (one z per row), or pairs of "
                            "rows of test images and their reconstructions.")
_RECONSTRUCT = flags.DEFINE_bool("reconstruct", False,
                                 "Draw the first test images and their reconstructions.")
_MISCLASSIFIED = flags.DEFINE_bool("misclassified", False,
                                   "Draw every test image the classifier gets wrong.")
_MAX = flags.DEFINE_integer("max_images", 200, "The most misclassified images drawn.")
_DATASET = flags.DEFINE_string("dataset", "mnist",
                               "Dataset of --reconstruct's and --misclassified's test images.")
_DATA_DIR = flags.DEFINE_string("data_dir", None,
                                "Dataset folder for --reconstruct and --misclassified.")
_SIZE = flags.DEFINE_integer("size", None, "Resolution of the reconstructions (models that "
                             "render any size).")
_SEED = flags.DEFINE_integer("seed", 0, "Sampling seed.")
_OUTPUT = flags.DEFINE_string("output", None, "PNG to write.")
flags.mark_flags_as_required(["output"])


def _plot_misclassified():
    from ssgm_zoo import data
    from ssgm_zoo.figures import plot_misclassified

    if bool(_ENTRY.value) == bool(_MODEL_DIR.value):
        raise app.UsageError("--misclassified needs one of --entry and --model_dir.")
    if _ENTRY.value:
        from ssgm_zoo import load_pretrained

        model, name = load_pretrained(_ENTRY.value), _ENTRY.value
    else:
        from ssgm_zoo.checkpoint import load_model_dir

        model, name = load_model_dir(_MODEL_DIR.value), _MODEL_DIR.value
    if not getattr(model, "can_classify", False):
        raise app.UsageError(f"{name} does not classify.")
    x, y = data.load_splits(_DATASET.value, data_dir=_DATA_DIR.value)["test"]
    count = plot_misclassified(model.classify(x), x, y, _OUTPUT.value, max_images=_MAX.value)
    print(f"{count} of {len(y)} test images misclassified by {name}")


def main(argv):
    del argv
    if _RUNS.value:
        from ssgm_zoo.figures import plot_curves

        plot_curves(_RUNS.value, _METRICS.value, _OUTPUT.value, x=_X.value,
                    labels=_LABELS.value)
    elif _MISCLASSIFIED.value:
        _plot_misclassified()
    elif _ENTRY.value:
        from ssgm_zoo.zoo.commands import sample_grid, save_grid_image

        save_grid_image(sample_grid(_ENTRY.value, num=_NUM.value, seed=_SEED.value),
                        _OUTPUT.value)
    elif _MODEL_DIR.value:
        from ssgm_zoo.checkpoint import load_model_dir
        from ssgm_zoo.zoo import commands

        model = load_model_dir(_MODEL_DIR.value)
        if _RECONSTRUCT.value:
            from ssgm_zoo import data

            x, _ = data.load_splits(_DATASET.value, data_dir=_DATA_DIR.value)["test"]
            grid = commands.model_reconstruction_grid(model, _MODEL_DIR.value, x,
                                                      num=_NUM.value, size=_SIZE.value)
        else:
            grid = commands.model_sample_grid(model, _MODEL_DIR.value, num=_NUM.value,
                                              seed=_SEED.value)
        commands.save_grid_image(grid, _OUTPUT.value)
    else:
        raise app.UsageError("Give --runs, --entry or --model_dir.")
    print(f"Wrote {_OUTPUT.value}")


if __name__ == "__main__":
    app.run(main)
