"""Writing predicted labels as a Kaggle-style submission CSV.

The file is ``<id_column>,<label_column>`` then one line per image, in input
order, with ``\\n`` line endings::

    ID,label
    0,7
    1,2

Kaggle's Digit Recognizer wants ``ImageId,Label`` with IDs from 1:
``write_predictions_csv(path, labels, id_column="ImageId", label_column="Label",
first_id=1)``.

Writing is atomic, through ``ssgm_zoo.files.atomic_write``: the rows go to a
temporary file in the destination folder, which is flushed, fsync'ed and then
renamed over ``path``. On any error the temporary file is removed, so no
partial file is left and a file already at ``path`` is untouched. This module
imports neither TensorFlow nor Keras.
"""

import csv
import os
import pathlib

import numpy as np

from ssgm_zoo.files import atomic_write

__all__ = ["write_predictions_csv"]

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
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; expected a file name such as "
                                f"{path / 'predictions.csv'}")
    with atomic_write(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([id_column, label_column])
        writer.writerows(zip(row_ids, labels.tolist()))
    return path
