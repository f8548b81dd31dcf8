"""Figures for docs/: learning curves of training runs (``tools/figures.py``)."""

import os

from ssgm_zoo import files
from ssgm_zoo.training.logs import read_records

__all__ = ["plot_curves"]


def plot_curves(run_dirs, metrics, output):
    """One panel per metric, one line per run (its ``metrics.jsonl``), saved as a PNG.

    Error rates are drawn on a log scale. The file is written atomically.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.5), squeeze=False)
    for run in run_dirs:
        records = read_records(run)
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
    with files.atomic_write(output, "wb") as f:
        fig.savefig(f, dpi=110, format="png")
    plt.close(fig)
