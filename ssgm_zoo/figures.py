"""Figures for docs/ (``tools/figures.py``): learning curves of training runs and the
test images a classifier gets wrong."""

import io
import os

import numpy as np

from ssgm_zoo import files
from ssgm_zoo.images import to_unit_float
from ssgm_zoo.training.logs import read_records

__all__ = ["plot_curves", "plot_misclassified"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, output):
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=110, format="png")
    _pyplot().close(fig)
    from PIL import Image

    with files.atomic_write(output, "wb") as f:
        _paletted(Image.open(buffer)).save(f, format="png", optimize=True)


def _paletted(image):
    """``image`` (opaque, as matplotlib renders a figure) with a palette of at most 256
    colours, by PIL's median cut: the same pixels when it has no more colours (grids of
    digits), else the nearest of 256 (the antialiased edges of curves). About a third
    of the bytes of matplotlib's RGBA file, for figures that the repository's size
    budget carries."""
    from PIL import Image

    rgba = image.convert("RGBA")
    rgb = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")
    return rgb.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def plot_curves(run_dirs, metrics, output, x="epoch", labels=None):
    """One panel per metric, one line per run (its ``metrics.jsonl``), saved as a PNG.

    Error rates are drawn on a log scale. The file is written atomically.

    Args:
        x: the horizontal axis, ``"epoch"`` or ``"step"`` (runs whose epochs
            differ in length).
        labels: the runs' names in the legend; None uses their folders' names.
    """
    if x not in ("epoch", "step"):
        raise ValueError(f"x must be 'epoch' or 'step', got {x!r}.")
    if labels is not None and len(labels) != len(run_dirs):
        raise ValueError(f"{len(labels)} labels for {len(run_dirs)} runs.")
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.5), squeeze=False)
    lowest = {metric: float("inf") for metric in metrics}
    for k, run in enumerate(run_dirs):
        records = read_records(run)
        name = labels[k] if labels else os.path.basename(str(run).rstrip("/"))
        for ax, metric in zip(axes[0], metrics):
            points = [(r[x], r[metric]) for r in records if metric in r]
            if points:
                ax.plot(*zip(*points), label=name)
                lowest[metric] = min(lowest[metric], min(v for _, v in points))
    for ax, metric in zip(axes[0], metrics):
        ax.set_xlabel(x)
        ax.set_title(metric)
        if "error" in metric:
            # A log scale drops zeros (a training error of 0): linear below 1e-3 then.
            if lowest[metric] <= 0:
                ax.set_yscale("symlog", linthresh=1e-3)
            else:
                ax.set_yscale("log")
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=7)
    fig.tight_layout()
    _save(fig, output)


def plot_misclassified(predicted, images, labels, output, *, columns=10, max_images=200,
                       title=None):
    """The images whose ``predicted`` label is not their label (the first
    ``max_images`` of them), in a grid titled "label→predicted", saved as a PNG
    (atomically).

    Args:
        predicted, labels: ``[N]`` integer labels.
        images: ``[N, H, W]`` or ``[N, H, W, 1]`` images, uint8 or in [0, 1].
        columns: images per row.
        max_images: the most images drawn.
        title: the figure's title; None says how many are wrong and how many drawn.

    Returns:
        The number of misclassified images (drawn or not).
    """
    predicted, labels = np.asarray(predicted), np.asarray(labels)
    if predicted.shape != labels.shape or len(labels) != len(images):
        raise ValueError(f"predicted {predicted.shape}, labels {labels.shape} and "
                         f"{len(images)} images must have one entry per image.")
    wrong = np.flatnonzero(predicted != labels)
    if not len(wrong):
        raise ValueError("No image is misclassified: there is nothing to draw.")
    if int(max_images) < 1:
        raise ValueError(f"max_images must be positive, got {max_images}.")
    drawn = wrong[:int(max_images)]
    drawn_images = to_unit_float(np.asarray(images)[drawn])
    plt = _pyplot()
    rows = -(-len(drawn) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 0.9, rows * 1.05 + 0.4),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i, image in zip(axes.flat, drawn, drawn_images):
        ax.imshow(image.squeeze(), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"{labels[i]}\u2192{predicted[i]}", fontsize=8, pad=2)
    if title is None:
        shown = "" if len(drawn) == len(wrong) else f", the first {len(drawn)} shown"
        title = f"{len(wrong)} of {len(labels)} misclassified{shown} (label\u2192predicted)"
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    _save(fig, output)
    return len(wrong)
