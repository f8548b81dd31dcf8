"""Reading a user's own images (and optional labels) for prediction.

The zoo's models were trained on uint8 images scaled by 1/255 to float32 in
``[0, 1]`` (``ssgm_zoo.data.splits.to_unit_float``); every reader here returns
exactly that: float32 ``[N, H, W, C]`` with values in ``[0, 1]``. Like MNIST,
the models expect light strokes on a dark background (0 = black background);
nothing here inverts or rescales images, so black-on-white drawings must be
inverted by the user (``255 - x``).

Supported inputs, chosen by the path's suffix (case-insensitive) or by it being
a folder:

* ``.npy``: one array ``[N, H, W, C]``, ``[N, H, W]`` (when ``C == 1``) or
  ``[N, H*W*C]`` (flattened rows, in ``H, W, C`` order), of an integer dtype
  with values ``0 .. 255`` or a float dtype with values in ``[0, 1]``. Floats
  in ``0 .. 255`` are refused, not guessed: divide them by 255 (or save uint8).
* ``.npz``: the images are the array named ``x`` or ``images`` (or the only
  array); labels, when present, the array named ``y`` or ``labels``.
* a folder of PNG files (``*.png``, any case; other files, sub-folders and
  hidden files, whose names start with ``.``, are ignored), read in *natural*
  order of their names, so ``2.png`` comes before ``10.png`` (``png_files``
  gives that order). Each must be exactly ``H x W`` (nothing is resized),
  8-bit (16-bit grayscale is refused, not rescaled) and fully opaque (no alpha
  below 255, no transparent colour key); read with PIL's ``convert("L")``, or
  ``convert("RGB")`` when ``C == 3``. For ``C == 1``, RGB / RGBA / palette
  images are accepted only when every pixel is gray (R == G == B).
* ``.csv`` in the Kaggle Digit Recognizer layout: a header row
  ``pixel0, pixel1, ..., pixel{H*W*C-1}`` (in that order) plus, optionally, a
  ``label`` column at any position; integer values ``0 .. 255``. The values
  are read in one ``np.loadtxt`` call; errors name the line as a text editor
  or spreadsheet shows it (the header is line 1, the first image line 2) and
  the column.

Every problem with the input raises ``InputError``, whose message names the
file (and the line, array or image file), what is wrong and what is expected.
This module does no model math and imports neither TensorFlow nor Keras.
"""

import csv
import os
import pathlib
import re
import warnings
import zipfile

import numpy as np

from ssgm_zoo.images import InputError, check_image_shape, check_images, to_unit_float

__all__ = ["InputError", "read_images", "read_labeled_images", "png_files", "SUPPORTED_KINDS"]

SUPPORTED_KINDS = ("a .npy file", "a .npz file", "a .csv file (Kaggle pixel layout)",
                   "a folder of .png images")
IMAGE_KEYS = ("x", "images")
LABEL_KEYS = ("y", "labels")
LABEL_COLUMN = "label"




# --- public API -------------------------------------------------------------------------


def read_images(path, *, image_shape=(28, 28, 1)):
    """Reads images for prediction, scaled exactly as in training.

    Args:
        path: a ``.npy``, ``.npz`` or ``.csv`` file, or a folder of ``.png``
            images (see the module docstring for each layout).
        image_shape: ``(H, W, C)`` the model expects; ``(28, 28, 1)`` for MNIST
            and Fashion-MNIST.

    Returns:
        float32 array ``[N, H, W, C]`` with values in ``[0, 1]``, in the
        order of the source (array order, CSV line order, natural file-name
        order for a folder). Integer inputs are divided by 255; float inputs
        (already in ``[0, 1]``) are only cast to float32.

    Raises:
        InputError: the path is missing or of an unsupported kind, the file is
            unreadable, or its content has the wrong shape, dtype or values
            (NaN / Inf, out of range, no images, bad CSV header or cell, color
            or wrongly sized PNG, ...). The message says where and what is
            expected.
        ValueError: ``image_shape`` is not three positive integers.

    Example:
        >>> import numpy as np, tempfile, os
        >>> folder = tempfile.mkdtemp()
        >>> np.save(os.path.join(folder, "digits.npy"), np.full((2, 28, 28), 255, np.uint8))
        >>> x = read_images(os.path.join(folder, "digits.npy"))
        >>> x.shape, x.dtype, float(x.max())
        ((2, 28, 28, 1), dtype('float32'), 1.0)
    """
    images, _ = read_labeled_images(path, image_shape=image_shape)
    return images


def read_labeled_images(path, *, image_shape=(28, 28, 1), num_classes=None, scale=True):
    """Reads images and, when the source has them, their labels.

    Labels come from a CSV ``label`` column or an ``.npz`` array named ``y`` or
    ``labels``; ``.npy`` files and PNG folders have none.

    Args:
        path: as for ``read_images``.
        image_shape: ``(H, W, C)`` the model expects.
        num_classes: if given, labels must lie in ``0 .. num_classes - 1``.
        scale: False returns the checked images in the dtype they were read
            in (uint8 for CSV and PNG), for ``ssgm_zoo.images.to_unit_float``
            to scale a batch at a time (bounded memory for large inputs).

    Returns:
        ``(images, labels)``: images as returned by ``read_images``; labels an
        int64 array ``[N]`` of non-negative class indices, or None when the
        source has no labels.

    Raises:
        InputError: as for ``read_images``; also labels that are not
            non-negative integers, not 1-D, not one per image, or (with
            ``num_classes``) out of range.
        ValueError: ``image_shape`` or ``num_classes`` is invalid.

    Example:
        >>> import numpy as np, tempfile, os
        >>> f = os.path.join(tempfile.mkdtemp(), "mine.npz")
        >>> np.savez(f, x=np.zeros((3, 784), np.uint8), y=np.array([4, 0, 9]))
        >>> images, labels = read_labeled_images(f)
        >>> images.shape, labels.tolist()
        ((3, 28, 28, 1), [4, 0, 9])
    """
    shape = _check_image_shape(image_shape)
    if num_classes is not None and (isinstance(num_classes, bool)
                                    or not isinstance(num_classes, (int, np.integer))
                                    or num_classes < 1):
        raise ValueError(f"num_classes must be a positive integer or None, got {num_classes!r}")
    path = pathlib.Path(os.fspath(path))
    if path.is_dir():
        images, labels, where = _read_png_folder(path, shape), None, str(path)
    elif not path.exists():
        raise InputError(f"{path}: no such file or folder; expected {_kinds()}.")
    else:
        suffix = path.suffix.lower()
        if suffix == ".npy":
            images, labels, where = _read_npy(path, shape), None, str(path)
        elif suffix == ".npz":
            images, labels, where = _read_npz(path, shape)
        elif suffix == ".csv":
            images, labels, where = _read_csv(path, shape)
        else:
            raise InputError(f"{path}: unsupported kind of input "
                             f"({suffix or 'no suffix'}); expected {_kinds()}.")
    if labels is not None and num_classes is not None:
        bad = np.flatnonzero(labels >= num_classes)
        if bad.size:
            raise InputError(f"{where}: label {labels[bad[0]]} of image {bad[0]} (0-based) is "
                             f"out of range; expected class indices 0 .. {num_classes - 1} "
                             f"({bad.size} labels out of range).")
    return (to_unit_float(images) if scale else images), labels


def png_files(folder):
    """The PNG files of ``folder`` in the order ``read_images`` reads them.

    Natural order of the names: runs of digits compare as numbers, the rest
    case-insensitively, so ``img2.png < img10.png``; names that compare equal
    (``01.png``, ``1.png``) fall back to plain string order. Hidden files
    (names starting with ``.``, e.g. macOS ``._1.png``), sub-folders and
    files with other suffixes are left out.

    Args:
        folder: a folder path.

    Returns:
        list of ``pathlib.Path``.

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> for n in ("10.png", "2.png", "notes.txt"): _ = (d / n).write_bytes(b"")
        >>> [p.name for p in png_files(d)]
        ['2.png', '10.png']
    """
    folder = pathlib.Path(os.fspath(folder))
    files = [p for p in folder.iterdir()
             if p.suffix.lower() == ".png" and not p.name.startswith(".") and p.is_file()]
    return sorted(files, key=lambda p: _natural_key(p.name))


# --- helpers ----------------------------------------------------------------------------


def _kinds():
    return ", ".join(SUPPORTED_KINDS[:-1]) + " or " + SUPPORTED_KINDS[-1]


def _natural_key(name):
    parts = re.split(r"([0-9]+)", name)
    # re.split with a capturing group alternates text, number, text, ...; so the
    # same position always holds the same type and tuples compare cleanly.
    return tuple(int(p) if i % 2 else p.casefold() for i, p in enumerate(parts)), name


def _check_image_shape(image_shape):
    shape = check_image_shape(image_shape)
    if len(shape) != 3:
        raise ValueError(f"image_shape must be (height, width, channels), three positive "
                         f"integers, got {image_shape!r}")
    return shape


def _shape_text(shape):
    return "x".join(map(str, shape))


def _to_labels(labels, n, where):
    """Checks labels: 1-D, one per image, non-negative integers; returns int64."""
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[0] == n and labels.shape[1] > 1:
        raise InputError(f"{where}: labels have shape {labels.shape} (one-hot or scores?); "
                         f"expected class indices of shape ({n},), e.g. y.argmax(axis=1).")
    if labels.ndim != 1 or labels.shape[0] != n:
        raise InputError(f"{where}: labels have shape {labels.shape}; expected one class "
                         f"index per image, shape ({n},).")
    if labels.dtype.kind == "f":
        if not np.isfinite(labels).all() or (labels != np.round(labels)).any():
            bad = np.flatnonzero(~np.isfinite(labels) | (labels != np.round(labels)))
            raise InputError(f"{where}: label {labels[bad[0]]} of image {bad[0]} (0-based) is "
                             "not an integer; expected integer class indices.")
    elif labels.dtype.kind not in "ui":
        raise InputError(f"{where}: labels have dtype {labels.dtype}; expected integer class "
                         "indices.")
    if labels.size and labels.min() < 0:
        bad = np.flatnonzero(labels < 0)
        raise InputError(f"{where}: label {labels[bad[0]]} of image {bad[0]} (0-based) is "
                         "negative; expected class indices >= 0.")
    return labels.astype(np.int64)


# --- .npy / .npz ------------------------------------------------------------------------


def _load_numpy(path):
    try:
        with open(path, "rb") as f:
            magic = f.read(6)
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e}).") from None
    if not magic.startswith((b"\x93NUMPY", b"PK")):
        raise InputError(f"{path}: is not a NumPy file (it does not start with the .npy or "
                         ".npz signature); expected an array saved with np.save / np.savez.")
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as e:
        if "pickle" in str(e).lower():
            raise InputError(f"{path}: holds Python objects (a pickled / object array), which "
                             "are not loaded for safety; expected a numeric array, e.g. "
                             "np.save(path, images.astype(np.uint8)).") from None
        raise InputError(f"{path}: not a readable NumPy file ({e}); expected an array saved "
                         "with np.save / np.savez.") from None
    except (OSError, EOFError, zipfile.BadZipFile) as e:
        raise InputError(f"{path}: cannot be read as a NumPy file ({e}); expected an array "
                         "saved with np.save / np.savez.") from None


def _read_npy(path, shape):
    loaded = _load_numpy(path)
    if not isinstance(loaded, np.ndarray):
        loaded.close()
        raise InputError(f"{path}: is an .npz archive despite its .npy suffix; rename it to "
                         ".npz or save a single array with np.save.")
    return check_images(loaded, shape, where=str(path))


def _pick_key(keys, wanted, path, what):
    found = [k for k in wanted if k in keys]
    if len(found) > 1:
        raise InputError(f"{path}: has both arrays {found[0]!r} and {found[1]!r}; expected "
                         f"exactly one {what} array named {' or '.join(map(repr, wanted))}.")
    return found[0] if found else None


def _read_npz(path, shape):
    archive = _load_numpy(path)
    if isinstance(archive, np.ndarray):
        raise InputError(f"{path}: is a single .npy array despite its .npz suffix; rename it "
                         "to .npy, or save with np.savez(path, x=images).")
    with archive:
        keys = list(archive.files)
        if not keys:
            raise InputError(f"{path}: the archive holds no arrays; expected the images as "
                             "array 'x' or 'images'.")
        image_key = _pick_key(keys, IMAGE_KEYS, path, "image")
        label_key = _pick_key(keys, LABEL_KEYS, path, "label")
        if image_key is None:
            if len(keys) == 1:
                image_key = keys[0]
            else:
                raise InputError(f"{path}: cannot tell which array holds the images; found "
                                 f"arrays {', '.join(map(repr, keys))}; expected one named "
                                 "'x' or 'images' (labels, optional: 'y' or 'labels').")
        images = _load_member(archive, image_key, path)
        labels = None if label_key is None else _load_member(archive, label_key, path)
    images = check_images(images, shape, where=f"{path} (array {image_key!r})")
    if labels is not None:
        labels = _to_labels(labels, len(images), f"{path} (array {label_key!r})")
    return images, labels, str(path)


def _load_member(archive, key, path):
    try:
        return archive[key]
    except ValueError as e:
        if "pickle" in str(e).lower():
            raise InputError(f"{path} (array {key!r}): holds Python objects, which are not "
                             "loaded for safety; expected a numeric array.") from None
        raise InputError(f"{path} (array {key!r}): cannot be read ({e}).") from None
    except Exception as e:  # OSError, EOFError, zipfile.BadZipFile, zlib.error: damaged
        raise InputError(f"{path} (array {key!r}): cannot be read, the archive looks "
                         f"damaged ({type(e).__name__}: {e}).") from None


# --- PNG folder -------------------------------------------------------------------------


def _read_png_folder(folder, shape):
    from PIL import Image, UnidentifiedImageError

    h, w, c = shape
    if c not in (1, 3):
        raise InputError(f"{folder}: PNG folders can give images with 1 or 3 channels, the "
                         f"model expects {c}; save the images as a .npy array instead.")
    files = png_files(folder)
    if not files:
        entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
        others = sorted({p.suffix.lower() or "extension-less" for p in entries if p.is_file()})
        subfolders = sorted(p.name for p in entries if p.is_dir())
        found = []
        if others:
            found.append(f"only {', '.join(others)} files")
        if subfolders:
            found.append(f"sub-folders ({', '.join(subfolders[:3])}"
                         f"{', ...' if len(subfolders) > 3 else ''}), which are not searched: "
                         "give the folder that holds the images itself")
        found = f" (it has {'; and '.join(found)})" if found else " (it is empty)"
        raise InputError(f"{folder}: the folder holds no .png images{found}; expected "
                         f"{_shape_text(shape)} PNG images, e.g. 1.png, 2.png, ...")
    images = np.empty((len(files), h, w, c), np.uint8)
    for i, file in enumerate(files):
        try:
            with Image.open(file) as img:
                if img.size != (w, h):
                    raise InputError(f"{file}: image is {img.size[1]}x{img.size[0]} "
                                     f"(height x width); expected exactly {h}x{w} (images are "
                                     "not resized).")
                images[i] = _png_pixels(img, file, c)
        except InputError:
            raise
        except Image.DecompressionBombError as e:
            raise InputError(f"{file}: refused as a decompression bomb ({e}); expected a "
                             f"{h}x{w} PNG.") from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as e:
            raise InputError(f"{file}: cannot be read as a PNG image ({e}); expected a "
                             f"{h}x{w} grayscale PNG.") from None
    return images


_PNG_MODES = ("1", "L", "LA", "P", "RGB", "RGBA")


def _png_pixels(img, file, channels):
    """The pixels of an opened PIL image as uint8 ``[H, W, channels]``.

    Refused, not converted: 16/32-bit grayscale modes (PIL would clip them, not
    scale), any transparent pixel (alpha channel or tRNS colour key) and, when
    one channel is wanted, colour pixels; the checks run before ``convert``,
    which then only repacks the exact 8-bit values. (16-bit RGB/RGBA PNGs are
    opened by PIL itself as 8-bit ``RGB``/``RGBA``, keeping the high byte.)
    """
    if img.mode not in _PNG_MODES:
        depth = " (16-bit or 32-bit)" if img.mode.startswith(("I", "F")) else ""
        raise InputError(f"{file}: has image mode {img.mode!r}{depth}; expected an 8-bit "
                         "grayscale PNG (mode 'L') or 8-bit RGB/RGBA; save it with 8 bits "
                         "per channel (it is not rescaled here).")
    if "A" in img.mode or "transparency" in img.info:
        alpha = np.asarray(img.convert("RGBA"))[..., 3]
        if (alpha != 255).any():
            raise InputError(f"{file}: has transparent pixels ({int((alpha != 255).sum())} with "
                             "alpha < 255), so its gray values are ambiguous; expected opaque "
                             "images: flatten it onto a black background first.")
    if channels == 1 and img.mode not in ("1", "L", "LA"):
        rgb = np.asarray(img.convert("RGB"))
        color = int(((rgb[..., 0] != rgb[..., 1]) | (rgb[..., 1] != rgb[..., 2])).sum())
        if color:
            raise InputError(f"{file}: is a color image (R, G, B differ at {color} pixels); "
                             "expected grayscale images. Convert it yourself if that is "
                             "intended, e.g. with PIL's Image.convert('L').")
    pixels = np.asarray(img.convert("L" if channels == 1 else "RGB"), dtype=np.uint8)
    return pixels.reshape(pixels.shape[0], pixels.shape[1], channels)


# --- CSV --------------------------------------------------------------------------------


def _read_csv(path, shape):
    """Header by the csv module, then every value in one ``np.loadtxt`` call.

    Only when that call fails or a value is out of range is the file read
    again line by line (``_scan_csv``), which names the exact problem or, for
    the few layouts ``np.loadtxt`` refuses but the csv module reads (lines of
    spaces, a quoted line break, ...), returns the values.
    """
    size = shape[0] * shape[1] * shape[2]
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header, label_at = _csv_header(next(reader, None), path, shape, size)
            one_line_header = reader.line_num == 1
        # Without a label column, uint8 makes np.loadtxt itself refuse pixels outside 0 .. 255.
        values = None
        if one_line_header:
            with open(path, encoding="utf-8-sig") as f:
                values = _loadtxt(f, np.uint8 if label_at is None else np.int64, len(header),
                                  skiprows=1, quotechar='"')
        if values is None or not _in_range(values, label_at):
            values = _scan_csv(path, header, label_at)
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: is not UTF-8 text ({e}); expected a CSV file with a "
                         "pixel0, pixel1, ... header.") from None
    except csv.Error as e:
        raise InputError(f"{path}: is not a valid CSV file ({e}).") from None
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e}).") from None
    labels = None if label_at is None else values[:, label_at].astype(np.int64)
    if label_at is None:
        pixels = values.astype(np.uint8, copy=False)
    else:  # the values without the label column (checked to lie in 0 .. 255)
        pixels = np.empty((len(values), size), np.uint8)
        pixels[:, :label_at], pixels[:, label_at:] = values[:, :label_at], values[:, label_at + 1:]
    return pixels.reshape(len(pixels), *shape), labels, str(path)


def _csv_header(header, path, shape, size):
    """Checks the header row; returns ``(names, label column index or None)``."""
    expected_header = (f"a header row pixel0, pixel1, ..., pixel{size - 1} in that order "
                       f"({size} pixels of {_shape_text(shape)} images) and optionally a "
                       f"'{LABEL_COLUMN}' column")
    if header is None:
        raise InputError(f"{path}: the file is empty; expected {expected_header}.")
    header = [name.strip() for name in header]
    if all(_is_int(name) for name in header):
        raise InputError(f"{path}: line 1 holds numbers, not column names (no header row); "
                         f"expected {expected_header}.")
    label_at, pixels = None, 0
    for j, name in enumerate(header):
        if name == LABEL_COLUMN:
            if label_at is not None:
                raise InputError(f"{path}: line 1 (header) has two '{LABEL_COLUMN}' columns "
                                 f"(columns {label_at + 1} and {j + 1}); expected at most one.")
            label_at = j
        elif re.fullmatch(r"pixel[0-9]+", name):
            if name != f"pixel{pixels}":
                raise InputError(f"{path}: line 1 (header), {_column_ref(header, j)}: pixel "
                                 f"columns are out of order or missing; expected "
                                 f"'pixel{pixels}' here; expected {expected_header}.")
            pixels += 1
        else:
            raise InputError(f"{path}: line 1 (header), {_column_ref(header, j)}: unexpected "
                             f"column; expected {expected_header}.")
    if pixels != size:
        raise InputError(f"{path}: line 1 (header) has {pixels} pixel columns "
                         f"(pixel0 .. pixel{pixels - 1}); expected {size}, {expected_header}.")
    return header, label_at


def _loadtxt(source, dtype, columns, skiprows=0, quotechar=None):
    """``np.loadtxt`` of comma-separated integers as ``[N, columns]``; None if it cannot.

    None, never an exception, when a value is not an integer of ``dtype``, a
    line has another number of values, there is no line, or NumPy warns (NumPy
    < 2 parses ``2.0`` as an integer with a DeprecationWarning).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            values = np.loadtxt(source, dtype=dtype, delimiter=",", skiprows=skiprows, ndmin=2,
                                comments=None, quotechar=quotechar)
    except (ValueError, OverflowError, Warning):  # UnicodeDecodeError is a ValueError
        return None
    return values if values.shape[1] == columns and len(values) else None


def _in_range(values, label_at):
    """Pixels in 0 .. 255 and labels >= 0 (uint8 values without labels always are)."""
    if values.dtype == np.uint8:
        return True
    parts = [values] if label_at is None else [values[:, :label_at], values[:, label_at + 1:]]
    return (all(p.min() >= 0 and p.max() <= 255 for p in parts if p.size)
            and (label_at is None or values[:, label_at].min() >= 0))


def _column_ref(header, j):
    return f"column {j + 1} ({header[j]!r})"


def _scan_csv(path, header, label_at, block=1000):
    """The image lines as int64 ``[N, columns]``, read again with the csv module.

    Blocks of ``block`` lines go through ``np.loadtxt``; only a block that fails
    is checked line by line, so the first problem in the file raises an
    InputError naming its line (as an editor counts) and column.
    """
    blocks, rows, lines = [], [], []
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        next(reader)  # the header, already checked
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line, e.g. at the end of the file
            rows.append(row)
            lines.append(reader.line_num)
            if len(rows) == block:
                blocks.append(_check_rows(rows, lines, path, header, label_at))
                rows, lines = [], []
    if rows:
        blocks.append(_check_rows(rows, lines, path, header, label_at))
    if not blocks:
        raise InputError(f"{path}: has a header but no image lines; expected at least one "
                         "line of pixel values after the header.")
    return np.concatenate(blocks)


def _check_rows(rows, lines, path, header, label_at):
    # The cells are already unquoted by the csv module: no quote character here.
    values = _loadtxt([",".join(row) for row in rows], np.int64, len(header))
    if values is not None and len(values) == len(rows) and _in_range(values, label_at):
        return values
    return np.stack([_check_row(row, line, path, header, label_at)
                     for row, line in zip(rows, lines)])


def _check_row(row, line, path, header, label_at):
    """One CSV line as int64 values; raises InputError naming the line and column."""
    if len(row) != len(header):
        raise InputError(f"{path}: line {line} has {len(row)} values; expected "
                         f"{len(header)}, one per header column.")
    try:
        values = np.array(row, dtype=np.int64)
    except (ValueError, OverflowError):
        _raise_bad_cell(row, header, path, line, label_at)
        raise  # not reached: _raise_bad_cell always raises
    bad = np.flatnonzero((values < 0) | (values > 255))
    for j in bad.tolist():
        if j != label_at:
            raise InputError(f"{path}: line {line}, {_column_ref(header, j)}: value "
                             f"{row[j].strip()} is out of range; expected an integer 0 .. 255.")
    if label_at is not None and values[label_at] < 0:
        raise InputError(f"{path}: line {line}, {_column_ref(header, label_at)}: label "
                         f"{row[label_at].strip()} is negative; expected a class index >= 0.")
    return values


def _is_int(text):
    try:
        int(text)
    except ValueError:
        return False
    return True


def _raise_bad_cell(row, header, path, line, label_at):
    for j, cell in enumerate(row):
        text = cell.strip()
        where = f"{path}: line {line}, {_column_ref(header, j)}"
        expected = ("an integer class index" if j == label_at
                    else "an integer 0 .. 255")
        if not text:
            raise InputError(f"{where}: the value is missing; expected {expected}.")
        if not _is_int(text):
            raise InputError(f"{where}: {text!r} is not an integer; expected {expected}.")
        if j == label_at and abs(int(text)) > 2 ** 62:
            raise InputError(f"{where}: label {text} is out of range; expected {expected}.")
        if j != label_at and not 0 <= int(text) <= 255:
            raise InputError(f"{where}: value {text} is out of range; expected {expected}.")
    raise InputError(f"{path}: line {line}: cannot parse the values; expected integers.")
