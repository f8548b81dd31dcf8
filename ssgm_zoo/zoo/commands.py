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

from ssgm_zoo import families, files
from ssgm_zoo.zoo import registry
from ssgm_zoo.zoo.loading import EntryNotFoundError, IntegrityError, load_pretrained

__all__ = ["evaluate_entry", "predict_labels", "sample_grid", "model_sample_grid",
           "model_reconstruction_grid", "save_grid_image", "image_format", "USER_ERRORS"]


def _user_errors():
    from ssgm_zoo.data import DataError
    from ssgm_zoo.zoo.hub import HubError
    from ssgm_zoo.zoo.inputs import InputError

    return (registry.RegistryError, registry.UnknownEntryError, IntegrityError,
            EntryNotFoundError, HubError, InputError, DataError, FileNotFoundError,
            files.OutputPathError, families.UnknownFamilyError, ValueError)


USER_ERRORS = _user_errors()


def _percent(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{100 * value:.2f}%"


def _headline(record):
    metric = record.headline
    value = metric.mean if metric.mean is not None else metric.published
    text = _format(record.headline_metric, value)
    if metric.num_runs > 1 and metric.std is not None:
        spread = _format(record.headline_metric, metric.std)
        text += f" ± {spread} ({metric.num_runs} {metric.repeats})"
    return record.headline_metric, text


def _format(metric_name, value):
    if "error_rate" in metric_name:
        return _percent(value)
    return "-" if value is None else f"{value:.2f}"


def _paper(record, metric_name=None):
    """The paper's value of a record's metric, as text ("-" if the paper has none)."""
    metric_name = metric_name or record.headline_metric
    metric = record.metrics[metric_name]
    theirs = families.get(record.family).paper_value(
        record.model_name, record.num_labeled or metric.details.get("num_labeled"), metric_name)
    if theirs is None:
        return "-"
    spread = "" if theirs.std is None else f" ± {_format(metric_name, theirs.std)}"
    return f"{_format(metric_name, theirs.mean)}{spread}"


# -- list / info -----------------------------------------------------------------
def list_entries(args):
    for problem in registry.broken_records().values():
        print(f"ssgm-zoo list: warning: {problem} (left out)", file=sys.stderr)
    names = registry.list_models(args.pattern)
    if not names:
        print(f"No entries match {args.pattern!r}.")
        return 0
    if getattr(args, "markdown", False):
        print(markdown_table(names))
        return 0
    rows = [("entry", "family", "model", "labels", "metric", "ours", "paper")]
    for name in names:
        record = registry.model_info(name)
        metric, text = _headline(record)
        rows.append((name, record.family, record.model_name, str(record.num_labeled or "-"),
                     metric, text, _paper(record)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return 0


def markdown_table(names):
    """The zoo table of docs/zoo.md: entry, paper metric, ours, size, command."""
    lines = ["| entry | family | metric (test) | paper | ours: mean ± std (runs) | "
             "this checkpoint | size | command |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name in names:
        record = registry.model_info(name)
        metric, text = _headline(record)
        size = sum(f.size for f in record.files.values()) / 1e6
        lines.append(f"| `{name}` | {record.family} | {metric} | {_paper(record)} | {text} | "
                     f"{_format(metric, record.headline.published)} | {size:.2f} MB | "
                     f"`{record.training.command}` |")
    return "\n".join(lines)


def info(args):
    record = registry.model_info(args.name)
    print(json.dumps(record.to_dict(), indent=2))
    if not args.json:
        card = _model_card(record)
        if card:
            print("\n" + card)
    return 0


def _model_card(record):
    """The entry's model card from the first local copy whose sha256 matches the record.

    Raises:
        IntegrityError: every local copy of the card differs from the record.
    """
    expected = record.files["README.md"]
    damaged = []
    for mirror in registry.mirror_dirs():
        path = mirror / record.name / "README.md"
        if path.is_file():
            if files.sha256_file(path) == expected.sha256:
                return path.read_text()
            damaged.append(str(path))
    if damaged:
        raise IntegrityError(f"{record.name}: the model card {', '.join(damaged)} does not match "
                             f"its recorded sha256 {expected.sha256}; not shown. Reinstall "
                             "ssgm-zoo or restore the file.")
    return None


# -- evaluate -------------------------------------------------------------------
def _splits(record, data_dir):
    from ssgm_zoo import data

    return data.load_splits(record.dataset, data_dir=data_dir)


def evaluate_entry(name, *, data_dir=None, source=None, revision=None):
    """Recomputes an entry's recorded test metrics on this machine.

    The classification error (classifiers), the latent classifier's error
    (models with latent features) and whatever the family's ``evaluate`` hook
    recomputes; stochastic metrics it does not know are left out.

    Returns:
        ``{"entry", "split", "num_images", "metrics": {name: {"measured", "recorded"}},
        "counts": {...}}`` with error rates as fractions and counts as integers.
    """
    from ssgm_zoo import data, evaluation

    record = registry.model_info(name)
    model = load_pretrained(name, source=source, revision=revision)
    splits = _splits(record, data_dir)
    x, y = splits["test"]
    out = {"entry": name, "split": "test", "num_images": int(len(y)), "metrics": {},
           "counts": {}}
    recorded = record.metrics
    if "test_error_rate" in recorded and model.can_classify:
        predicted = model.classify(x)
        errors = int(np.sum(predicted != y))
        out["metrics"]["test_error_rate"] = {
            "measured": errors / len(y), "recorded": recorded["test_error_rate"].published}
        out["counts"]["test_errors"] = errors
    if "test_latent_classifier_error_rate" in recorded:
        details = recorded["test_latent_classifier_error_rate"].details
        indices = data.balanced_labeled_indices(splits["train"][1], details["num_labeled"],
                                                seed=details["label_seed"])
        measured = evaluation.latent_classifier_error_rate(
            model, splits["train"], (x, y), indices,
            classifier=details.get("latent_classifier", "logistic"))
        out["metrics"]["test_latent_classifier_error_rate"] = {
            "measured": measured, "recorded": recorded["test_latent_classifier_error_rate"].published}
        out["counts"]["test_latent_classifier_errors"] = int(round(measured * len(y)))
    family = families.get(record.family)
    if family.evaluate is not None:
        for metric, value in family.evaluate(model, record, splits).items():
            out["metrics"][metric] = {"measured": value,
                                      "recorded": recorded[metric].published}
    return out


def evaluate(args):
    result = evaluate_entry(args.name, data_dir=args.data_dir, source=args.source,
                            revision=args.revision)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{result['entry']}: {result['num_images']} {result['split']} images")
    for metric, values in result["metrics"].items():
        print(f"  {metric}: {_format(metric, values['measured'])} measured, "
              f"{_format(metric, values['recorded'])} recorded")
    return 0


# -- predict --------------------------------------------------------------------
#: Inputs at least this large get a progress bar.
PROGRESS_FROM = 50_000


def predict_labels(name, *, input_path=None, data_dir=None, source=None, revision=None,
                   batch_size=1000, invert=False, check_polarity=True):
    """Predicted labels for ``input_path`` (or the entry's test split).

    The input is read in its own dtype and converted a batch at a time, so a
    large file costs no float copy of the whole of it.

    Returns:
        ``(labels, known_labels_or_None)``.
    """
    from ssgm_zoo import images as checks
    from ssgm_zoo.zoo.inputs import read_labeled_images

    checks.check_batch_size(batch_size)
    record = registry.model_info(name)
    model = load_pretrained(name, source=source, revision=revision)
    if not model.can_classify:
        raise ValueError(f"{name} is not a classifier ({record.title}); `predict` needs an "
                         "entry whose model classifies (see `ssgm-zoo list`).")
    if input_path is None:
        images, known = _splits(record, data_dir)["test"]
    else:
        images, known = read_labeled_images(input_path, image_shape=tuple(record.image_shape),
                                            num_classes=model.num_classes, scale=False)
    fix = "--invert" if input_path is not None else "invert=True"
    try:
        labels = model.classify(images, batch_size=batch_size, invert=invert,
                                check_polarity=check_polarity,
                                verbose=int(len(images) >= PROGRESS_FROM))
    except checks.InputError as error:  # name the file, and the command line's option
        message = str(error).replace("images:", f"{input_path or 'the test split'}:", 1)
        raise checks.InputError(message.replace("invert=True", fix).replace(
            "turn this check off", "pass --no_polarity_check")) from None
    return labels, known


def predict(args):
    from ssgm_zoo.zoo.export import write_predictions_csv

    files.check_output_path(args.output, inputs=[args.input])
    labels, known = predict_labels(args.name, input_path=args.input, data_dir=args.data_dir,
                                   source=args.source, revision=args.revision,
                                   batch_size=args.batch_size, invert=args.invert,
                                   check_polarity=not args.no_polarity_check)
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
#: The largest grid ``sample`` draws: rows of ``sample_grid`` (ten images each).
MAX_ROWS = 100


def sample_grid(name, *, label=None, num=10, seed=0, source=None, revision=None):
    """Generated images as a grid array ``[rows, cols, H, W, C]`` in [0, 1]."""
    _check_rows(num)  # before the model is loaded
    return model_sample_grid(load_pretrained(name, source=source, revision=revision), name,
                             label=label, num=num, seed=seed)


def _check_rows(num):
    if isinstance(num, bool) or not isinstance(num, (int, np.integer)) \
            or not 1 <= num <= MAX_ROWS:
        raise ValueError(f"--num must be a whole number of rows from 1 to {MAX_ROWS}, got "
                         f"{num!r}.")


def model_sample_grid(model, name, *, label=None, num=10, seed=0):
    """``sample_grid`` for a loaded model (``name`` says which, in errors)."""
    _check_rows(num)
    if not model.can_sample:
        raise ValueError(f"{name} does not generate images.")
    if label is not None:
        if not model.conditional:
            raise ValueError(f"{name} is unconditional; --class needs a conditional model.")
        if not 0 <= label < model.num_classes:
            raise ValueError(f"--class must lie in [0, {model.num_classes}), got {label}.")
    return model.sample_grid(num, label=label, seed=seed)


def model_reconstruction_grid(model, name, images, *, num=4, columns=10, size=None):
    """A grid ``[2 * num, columns, R, R, C]``: rows of test images (resized to the
    reconstructions' size R) each followed by a row of their reconstructions."""
    _check_rows(num)
    if not model.can_reconstruct:
        raise ValueError(f"{name} does not reconstruct images.")
    count = num * columns
    if len(images) < count:
        raise ValueError(f"{num} rows of {columns} need {count} images, got {len(images)}.")
    images = images[:count]
    recon = model.reconstruct(images, size=size)
    import keras

    originals = images.astype("float32") / (255.0 if images.dtype == np.uint8 else 1.0)
    if originals.ndim == 3:
        originals = originals[..., None]
    originals = keras.ops.convert_to_numpy(
        keras.ops.image.resize(originals, recon.shape[1:3], interpolation="bilinear"))
    rows = []
    for r in range(num):
        cut = slice(r * columns, (r + 1) * columns)
        rows += [np.clip(originals[cut], 0, 1), recon[cut]]
    return np.stack(rows)


#: Image formats a grid can be saved in, by file extension (all of them PIL's).
IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".bmp": "BMP", ".gif": "GIF",
                 ".tif": "TIFF", ".tiff": "TIFF", ".webp": "WEBP"}


def image_format(path):
    """The PIL format the name of ``path`` asks for; ValueError naming the choices."""
    suffix = os.path.splitext(str(path))[1].lower()
    if suffix not in IMAGE_FORMATS:
        what = f"its extension {suffix!r}" if suffix else "it has no extension"
        raise files.OutputPathError(
            f"{path}: cannot tell the image format ({what}); end the name with one of "
            f"{', '.join(IMAGE_FORMATS)}.")
    return IMAGE_FORMATS[suffix]


def save_grid_image(grid, path):
    """Writes a ``[rows, cols, H, W, C]`` grid in [0, 1] as one image (atomically), in
    the format its name asks for (``image_format``)."""
    from PIL import Image

    rows, cols, h, w, c = grid.shape
    canvas = np.ones((rows * (h + 2) + 2, cols * (w + 2) + 2, c), "float32")
    for i in range(rows):
        for j in range(cols):
            canvas[2 + i * (h + 2):2 + i * (h + 2) + h, 2 + j * (w + 2):2 + j * (w + 2) + w] = (
                grid[i, j])
    pixels = (np.clip(canvas, 0, 1) * 255).round().astype("uint8")
    image = Image.fromarray(pixels[..., 0] if c == 1 else pixels)
    with files.atomic_write(path, "wb") as f:
        image.save(f, format=image_format(path))


def sample(args):
    files.check_output_path(args.output)
    image_format(args.output)
    grid = sample_grid(args.name, label=args.label, num=args.num, seed=args.seed,
                       source=args.source, revision=args.revision)
    save_grid_image(grid, args.output)
    print(f"Wrote a {grid.shape[0]}x{grid.shape[1]} grid of samples to {args.output}.",
          file=sys.stdout)
    return 0
