"""Figures for docs/: learning curves of runs and class-conditional sample grids.

  python tools/figures.py --runs=runs/m1m2-mnist-100-s0,runs/m1m2-mnist-100-s1 \
      --metric=validation_error_rate --output=docs/figures/m1m2-100-curves.png
  python tools/figures.py --entry=m1m2-mnist-100 --output=docs/figures/m1m2-100-analogies.png
"""

import json
import os

from absl import app, flags

_RUNS = flags.DEFINE_list("runs", None, "Run directories whose metrics.jsonl to plot.")
_METRICS = flags.DEFINE_list("metric", ["train_loss", "validation_error_rate"],
                             "Metrics to plot, one panel each.")
_ENTRY = flags.DEFINE_string("entry", None, "Zoo entry whose samples to draw.")
_NUM = flags.DEFINE_integer("num", 8, "Rows of the sample grid (one z per row).")
_SEED = flags.DEFINE_integer("seed", 0, "Sampling seed.")
_OUTPUT = flags.DEFINE_string("output", None, "PNG to write.")
flags.mark_flags_as_required(["output"])


def plot_curves(run_dirs, metrics, output):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.5), squeeze=False)
    for run in run_dirs:
        with open(os.path.join(run, "metrics.jsonl")) as f:
            records = [json.loads(line) for line in f]
        for ax, metric in zip(axes[0], metrics):
            points = [(r["epoch"], r[metric]) for r in records if metric in r]
            if points:
                ax.plot(*zip(*points), label=os.path.basename(run.rstrip("/")))
    for ax, metric in zip(axes[0], metrics):
        ax.set_xlabel("epoch")
        ax.set_title(metric)
        if "error" in metric:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(output, dpi=110)


def main(argv):
    del argv
    if _RUNS.value:
        plot_curves(_RUNS.value, _METRICS.value, _OUTPUT.value)
    elif _ENTRY.value:
        from ssgm_zoo.zoo.commands import sample_grid, save_grid_png

        save_grid_png(sample_grid(_ENTRY.value, num=_NUM.value, seed=_SEED.value), _OUTPUT.value)
    else:
        raise app.UsageError("Give --runs or --entry.")
    print(f"Wrote {_OUTPUT.value}")


if __name__ == "__main__":
    app.run(main)
