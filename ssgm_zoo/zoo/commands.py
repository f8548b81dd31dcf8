"""What the ``ssgm-zoo`` subcommands do; ``ssgm_zoo.cli`` only parses arguments.

Each function takes the parsed ``argparse.Namespace`` and prints its result;
the work itself is in importable functions (``evaluate_entry``,
``predict_labels``, ``sample_grid``) that return data.
"""

import json
import math
import os
import sys

import numpy as np

from ssgm_zoo.zoo import hub, registry
from ssgm_zoo.zoo.loading import EntryNotFoundError, IntegrityError, load_pretrained

__all__ = ["evaluate_entry", "predict_labels", "sample_grid", "USER_ERRORS"]


def _user_errors():
    from ssgm_zoo.data import DataError
    from ssgm_zoo.zoo.inputs import InputError

    return (registry.RegistryError, registry.UnknownEntryError, IntegrityError,
            EntryNotFoundError, hub.HubError, InputError, DataError, FileNotFoundError,
            ValueError)


USER_ERRORS = _user_errors()


def _percent(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{100 * value:.2f}%"


def _headline(record):
    name = record["headline_metric"]
    metric = record["metrics"][name]
    text = _percent(metric.get("mean", metric.get("checkpoint")))
    if metric.get("num_runs", 1) > 1 and not math.isnan(metric.get("std", math.nan)):
        text += f" ± {_percent(metric['std'])} ({metric['num_runs']} runs)"
    return name, text


# -- list / info -----------------------------------------------------------------
def list_entries(args):
    names = registry.list_models(args.pattern)
    if not names:
        print(f"No entries match {args.pattern!r}.")
        return 0
    if getattr(args, "markdown", False):
        print(markdown_table(names))
        return 0
    rows = [("entry", "family", "labels", "metric", "ours", "paper")]
    for name in names:
        record = registry.model_info(name)
        metric, text = _headline(record)
        paper = record["metrics"][metric].get("paper")
        rows.append((name, record["family"], str(record.get("num_labels") or "-"),
                     metric, text, _percent(paper)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return 0


def markdown_table(names):
    """The zoo table of docs/zoo.md: entry, paper metric, ours, size, command."""
    lines = ["| entry | metric (test) | paper | ours: mean ± std (runs) | this checkpoint | "
             "size | command |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for name in names:
        record = registry.model_info(name)
        metric, text = _headline(record)
        m = record["metrics"][metric]
        paper = m.get("paper")
        paper_text = f"{_percent(paper)} ± {_percent(m.get('paper_std'))}" if paper else "-"
        size = sum(f["size"] for f in record["files"].values()) / 1e6
        lines.append(f"| `{name}` | {metric} | {paper_text} | {text} | "
                     f"{_percent(m['checkpoint'])} | {size:.2f} MB | "
                     f"`{record['training']['command']}` |")
    return "\n".join(lines)


def info(args):
    record = registry.model_info(args.name)
    print(json.dumps(record, indent=2))
    if not args.json:
        card = _model_card(record)
        if card:
            print("\n" + card)
    return 0


def _model_card(record):
    for mirror in registry.mirror_dirs():
        path = mirror / record["name"] / "README.md"
        if path.is_file():
            return path.read_text()
    return None


# -- evaluate -------------------------------------------------------------------
def _test_split(record, data_dir):
    from ssgm_zoo import data

    return data.load_splits(record["dataset"], data_dir=data_dir)


def evaluate_entry(name, *, data_dir=None, source=None, revision=None):
    """Recomputes an entry's recorded test metrics on this machine.

    Returns:
        ``{"entry", "split", "num_images", "metrics": {name: {"measured", "recorded"}},
        "counts": {...}}`` with error rates as fractions and counts as integers.
    """
    from ssgm_zoo import evaluation

    record = registry.model_info(name)
    model = load_pretrained(name, source=source, revision=revision)
    splits = _test_split(record, data_dir)
    x, y = splits["test"]
    out = {"entry": name, "split": "test", "num_images": int(len(y)), "metrics": {},
           "counts": {}}
    recorded = record["metrics"]
    if "test_error_rate" in recorded:
        predicted = model.classify(x)
        errors = int(np.sum(predicted != y))
        out["metrics"]["test_error_rate"] = {
            "measured": errors / len(y), "recorded": recorded["test_error_rate"]["checkpoint"]}
        out["counts"]["test_errors"] = errors
    if "test_latent_classifier_error_rate" in recorded:
        spec = recorded["test_latent_classifier_error_rate"]
        from ssgm_zoo import data

        indices = data.balanced_labeled_indices(splits["train"][1], spec["num_labels"],
                                                seed=spec["label_seed"])
        measured = evaluation.latent_classifier_error_rate(model, splits["train"], (x, y),
                                                           indices)
        out["metrics"]["test_latent_classifier_error_rate"] = {
            "measured": measured, "recorded": spec["checkpoint"]}
        out["counts"]["test_latent_classifier_errors"] = int(round(measured * len(y)))
    return out


def evaluate(args):
    result = evaluate_entry(args.name, data_dir=args.data_dir, source=args.source,
                            revision=args.revision)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{result['entry']}: {result['num_images']} {result['split']} images")
    for metric, values in result["metrics"].items():
        print(f"  {metric}: {_percent(values['measured'])} measured, "
              f"{_percent(values['recorded'])} recorded")
    return 0


# -- predict --------------------------------------------------------------------
def predict_labels(name, *, input_path=None, data_dir=None, source=None, revision=None,
                   batch_size=1000):
    """Predicted labels for ``input_path`` (or the entry's test split).

    Returns:
        ``(labels, known_labels_or_None)``.
    """
    from ssgm_zoo.zoo.inputs import read_labeled_images

    record = registry.model_info(name)
    model = load_pretrained(name, source=source, revision=revision)
    if not hasattr(model, "classifier"):
        raise ValueError(f"{name} is not a classifier (family {record['family']}); "
                         "`predict` needs an M2 or M1+M2 entry.")
    if input_path is None:
        images, known = _test_split(record, data_dir)["test"]
    else:
        images, known = read_labeled_images(input_path, image_shape=tuple(record["image_shape"]))
    return model.classify(images, batch_size=batch_size), known


def predict(args):
    from ssgm_zoo.zoo.export import write_predictions_csv

    labels, known = predict_labels(args.name, input_path=args.input, data_dir=args.data_dir,
                                   source=args.source, revision=args.revision,
                                   batch_size=args.batch_size)
    write_predictions_csv(args.output, labels, id_column=args.id_column,
                          label_column=args.label_column, first_id=args.first_id)
    where = args.input or "the test split"
    print(f"Wrote {len(labels)} predictions for {where} to {args.output}.")
    if known is not None:
        error = float(np.mean(labels != np.asarray(known)))
        print(f"Error rate against the known labels: {_percent(error)} "
              f"({int(np.sum(labels != known))} of {len(labels)}).")
    return 0


# -- sample ---------------------------------------------------------------------
def sample_grid(name, *, label=None, num=10, seed=0, source=None, revision=None):
    """Generated images as a grid array ``[rows, cols, H, W, C]`` in [0, 1]."""
    record = registry.model_info(name)
    model = load_pretrained(name, source=source, revision=revision)
    if record["family"] == "m1":
        if label is not None:
            raise ValueError(f"{name} is unconditional; --class needs an M2 or M1+M2 entry.")
        images = model.sample(num * 10, seed=seed)
        return images.reshape(num, 10, *images.shape[1:])
    if label is None:
        return model.analogies(num, seed=seed)
    if not 0 <= label < model.num_classes:
        raise ValueError(f"--class must lie in [0, {model.num_classes}), got {label}.")
    images = model.sample(np.full(num * 10, label), seed=seed)
    return images.reshape(num, 10, *images.shape[1:])


def save_grid_png(grid, path):
    """Writes a ``[rows, cols, H, W, C]`` grid in [0, 1] as one PNG (atomically)."""
    from PIL import Image

    rows, cols, h, w, c = grid.shape
    canvas = np.ones((rows * (h + 2) + 2, cols * (w + 2) + 2, c), "float32")
    for i in range(rows):
        for j in range(cols):
            canvas[2 + i * (h + 2):2 + i * (h + 2) + h, 2 + j * (w + 2):2 + j * (w + 2) + w] = (
                grid[i, j])
    pixels = (np.clip(canvas, 0, 1) * 255).round().astype("uint8")
    image = Image.fromarray(pixels[..., 0] if c == 1 else pixels)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"Folder {directory} for {path} does not exist.")
    tmp = f"{path}.tmp-{os.getpid()}.png"
    try:
        image.save(tmp, format="PNG")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def sample(args):
    grid = sample_grid(args.name, label=args.label, num=args.num, seed=args.seed,
                       source=args.source, revision=args.revision)
    save_grid_png(grid, args.output)
    print(f"Wrote a {grid.shape[0]}x{grid.shape[1]} grid of samples to {args.output}.",
          file=sys.stdout)
    return 0
