"""Writing predicted labels as a Kaggle-style submission CSV, and reading one back.

The file is ``<id_column>,<label_column>`` then one line per image, in input
order, with ``\\n`` line endings::

    ID,label
    0,7
    1,2

Kaggle's Digit Recognizer wants ``ImageId,Label`` with IDs from 1:
``write_predictions_csv(path, labels, id_column="ImageId", label_column="Label",
first_id=1)``.

Writing is atomic: the rows go to a temporary file in the destination folder,
which is flushed, fsync'ed and then renamed over ``path`` (``os.replace``). On
any error the temporary file is removed, so no partial file is left and a file
already at ``path`` is untouched. This module imports neither TensorFlow nor
Keras.
"""

import csv
import os
import pathlib
import re
import secrets

import numpy as np

from ssgm_zoo.zoo.inputs import InputError

__all__ = ["write_predictions_csv", "read_predictions_csv", "InputError"]

_FORBIDDEN = (",", '"', "\n", "\r")


def _check_column_names(id_column, label_column):
    for what, name in (("id_column", id_column), ("label_column", label_column)):
        if not isinstance(name, str) or not name:
            raise ValueError(f"{what} must be a non-empty string, got {name!r}")
        if any(ch in name for ch in _FORBIDDEN) or name != name.strip():
            raise ValueError(f"{what} {name!r} must not contain commas, quotes or line breaks "
                             "nor start or end with spaces")
    if id_column == label_column:
        raise ValueError(f"id_column and label_column must differ, both are {id_column!r}")


def _is_int_value(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _check_labels(labels):
    array = np.asarray(labels)
    if array.ndim != 1:
        hint = (" (scores or one-hot? pass labels.argmax(axis=1))" if array.ndim == 2 else "")
        raise ValueError(f"labels must be 1-D, one integer per image, got shape "
                         f"{array.shape}{hint}")
    if array.size == 0:
        raise ValueError("labels is empty; expected one label per image")
    if array.dtype.kind in "ui":
        return array.astype(np.int64)
    if array.dtype.kind == "O":
        for i, v in enumerate(array):
            if not _is_int_value(v):
                raise TypeError(f"labels[{i}] is {v!r} ({type(v).__name__}); expected integers")
        return array.astype(np.int64)
    integral = (array.dtype.kind == "f" and np.isfinite(array).all()
                and (array == np.round(array)).all())
    hint = " (all integral: convert with labels.astype(int))" if integral else ""
    raise TypeError(f"labels must be integers, got dtype {array.dtype}{hint}")


def _check_ids(ids, n):
    array = np.asarray(ids)
    if array.ndim != 1 or array.shape[0] != n:
        raise ValueError(f"ids must be 1-D with one id per label ({n}), got shape {array.shape}")
    if array.dtype.kind in "ui":
        values = [int(v) for v in array]
    elif array.dtype.kind in "UO":
        values = []
        for i, v in enumerate(array):
            if _is_int_value(v):
                values.append(int(v))
            elif isinstance(v, str) and v.strip() and v == v.strip() and \
                    "\n" not in v and "\r" not in v:
                values.append(v)
            else:
                raise ValueError(f"ids[{i}] is {v!r}; expected integers or non-empty strings "
                                 "without surrounding spaces or line breaks")
    else:
        raise TypeError(f"ids must be integers or strings, got dtype {array.dtype}")
    if len(set(map(str, values))) != len(values):
        seen = set()
        for v in values:
            if str(v) in seen:
                raise ValueError(f"ids must be distinct; {v!r} appears more than once")
            seen.add(str(v))
    return values


def write_predictions_csv(path, labels, *, id_column="ID", label_column="label", first_id=0,
                          ids=None):
    """Writes predicted labels as a Kaggle-style CSV, atomically.

    Args:
        path: the CSV file to write; its folder must exist. An existing file
            is replaced only once the new one is completely written.
        labels: 1-D integers, one per image, in input order.
        id_column: name of the ID column (Kaggle Digit Recognizer: ``"ImageId"``).
        label_column: name of the label column (Kaggle Digit Recognizer: ``"Label"``).
        first_id: the first ID; IDs are ``first_id, first_id + 1, ...``.
        ids: explicit IDs instead (1-D, one per label, distinct integers or
            strings, e.g. PNG file names); ``first_id`` must then stay 0.

    Returns:
        ``pathlib.Path`` of the written file.

    Raises:
        ValueError: bad column names (empty, equal, containing commas, quotes
            or line breaks), labels not 1-D or empty, bad ``ids`` or
            ``first_id``, or both ``ids`` and ``first_id`` given.
        TypeError: labels (or ids) that are not integers.
        FileNotFoundError: the folder of ``path`` does not exist.
        IsADirectoryError: ``path`` is a folder.
        OSError: writing failed; no partial file is left.

    Example:
        >>> import tempfile, os
        >>> f = os.path.join(tempfile.mkdtemp(), "submission.csv")
        >>> _ = write_predictions_csv(f, [7, 2, 1], id_column="ImageId",
        ...                           label_column="Label", first_id=1)
        >>> print(open(f).read(), end="")
        ImageId,Label
        1,7
        2,2
        3,1
    """
    _check_column_names(id_column, label_column)
    labels = _check_labels(labels)
    if ids is not None:
        if not (_is_int_value(first_id) and first_id == 0):
            raise ValueError("give either ids or first_id, not both")
        row_ids = _check_ids(ids, len(labels))
    else:
        if not _is_int_value(first_id):
            raise TypeError(f"first_id must be an integer, got {first_id!r}")
        row_ids = range(int(first_id), int(first_id) + len(labels))
    path = pathlib.Path(os.fspath(path))
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"{path}: the folder {folder} does not exist; create it first")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; expected a file name such as "
                                f"{path / 'predictions.csv'}")
    tmp = _create_temp(folder, path.name)
    try:
        fd = os.open(tmp, os.O_WRONLY)
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow([id_column, label_column])
            writer.writerows(zip(row_ids, labels.tolist()))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_folder(folder)
    return path


def _create_temp(folder, name):
    """Creates an empty hidden temporary file next to the target (mode 0666 minus umask)."""
    while True:
        tmp = folder / f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return tmp
        except FileExistsError:
            continue


def _fsync_folder(folder):
    """Makes the rename durable where the platform allows it (POSIX); best effort."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_predictions_csv(path, *, id_column="ID", label_column="label"):
    """Reads a predictions CSV as written by ``write_predictions_csv``.

    The two columns may be in either order; other columns are ignored.

    Args:
        path: the CSV file.
        id_column: name of the ID column.
        label_column: name of the label column.

    Returns:
        ``(ids, labels)``: ids as an int64 array when every ID is an integer,
        else a str array; labels an int64 array; both in file order.

    Raises:
        InputError: the file is missing, empty or unreadable, a column is
            missing, a line has the wrong number of values, an ID is empty or
            repeated, or a label is not an integer; the message names the file
            and the line (the header is line 1).
        ValueError: bad column names.

    Example:
        >>> import tempfile, os
        >>> f = os.path.join(tempfile.mkdtemp(), "p.csv")
        >>> _ = write_predictions_csv(f, [7, 2])
        >>> ids, labels = read_predictions_csv(f)
        >>> ids.tolist(), labels.tolist()
        ([0, 1], [7, 2])
    """
    _check_column_names(id_column, label_column)
    path = pathlib.Path(os.fspath(path))
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        raise InputError(f"{path}: {what}; expected a predictions CSV file.")
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            return _parse_predictions(csv.reader(f), path, id_column, label_column)
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: is not UTF-8 text ({e}).") from None
    except csv.Error as e:
        raise InputError(f"{path}: is not a valid CSV file ({e}).") from None
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e}).") from None


def _parse_predictions(reader, path, id_column, label_column):
    expected = f"a header {id_column},{label_column}"
    header = next(reader, None)
    if header is None:
        raise InputError(f"{path}: the file is empty; expected {expected}.")
    header = [name.strip() for name in header]
    for name in (id_column, label_column):
        if header.count(name) != 1:
            problem = "has no" if name not in header else "has more than one"
            raise InputError(f"{path}: line 1 (header) {problem} column {name!r} (found "
                             f"{', '.join(map(repr, header))}); expected {expected}.")
    i_id, i_label = header.index(id_column), header.index(label_column)
    ids, labels, seen = [], [], {}
    for row in reader:
        line = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(header):
            raise InputError(f"{path}: line {line} has {len(row)} values; expected "
                             f"{len(header)}, one per header column.")
        id_text, label_text = row[i_id].strip(), row[i_label].strip()
        if not id_text:
            raise InputError(f"{path}: line {line}, column {id_column!r}: the ID is missing.")
        if id_text in seen:
            raise InputError(f"{path}: line {line}, column {id_column!r}: ID {id_text!r} "
                             f"repeats line {seen[id_text]}; expected distinct IDs.")
        seen[id_text] = line
        try:
            label = int(label_text)
        except ValueError:
            raise InputError(f"{path}: line {line}, column {label_column!r}: "
                             f"{label_text!r} is not an integer label.") from None
        ids.append(id_text)
        labels.append(label)
    # IDs are integers only when every one is written as one ("7", "-3"; not "007").
    if all(re.fullmatch(r"-?(0|[1-9][0-9]{0,17})", v) for v in ids):
        id_array = np.array([int(v) for v in ids], np.int64)
    else:
        id_array = np.array(ids, str)
    try:
        label_array = np.array(labels, np.int64)
    except OverflowError:
        raise InputError(f"{path}: a label does not fit in 64 bits.") from None
    return id_array, label_array
