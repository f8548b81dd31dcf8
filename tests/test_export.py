"""Tests of ssgm_zoo.zoo.export: exact Kaggle-style text, validation, atomic writes
(no partial or temporary file left, an existing file untouched) and the round trip
(read back with the csv module, as a user would)."""

import ast
import csv
import os
import pathlib

import numpy as np
import pytest

from ssgm_zoo.zoo import export
from ssgm_zoo.zoo.export import write_predictions_csv


def read_back(path, id_column="ID", label_column="label"):
    """``(ids as str, labels as int64)`` of a predictions CSV, through the csv module."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return ([r[id_column] for r in rows],
            np.array([int(r[label_column]) for r in rows], np.int64))


def test_default_header_and_rows_exact_text(tmp_path):
    path = tmp_path / "pred.csv"
    assert write_predictions_csv(path, np.array([7, 2, 1, 0], np.int64)) == path
    assert path.read_bytes() == b"ID,label\n0,7\n1,2\n2,1\n3,0\n"


def test_kaggle_digit_recognizer_columns(tmp_path):
    path = tmp_path / "submission.csv"
    write_predictions_csv(str(path), [3, 9, 9], id_column="ImageId", label_column="Label",
                          first_id=1)
    assert path.read_text() == "ImageId,Label\n1,3\n2,9\n3,9\n"


@pytest.mark.parametrize("labels", [[5, 6], (5, 6), np.array([5, 6], np.uint8),
                                    np.array([5, 6], np.int32),
                                    np.array([5, 6], dtype=object)])
def test_integer_label_kinds(tmp_path, labels):
    write_predictions_csv(tmp_path / "p.csv", labels, first_id=10)
    assert (tmp_path / "p.csv").read_text() == "ID,label\n10,5\n11,6\n"


def test_explicit_ids_round_trip(tmp_path):
    path = tmp_path / "p.csv"
    names = ["1.png", "2.png", "10.png", "a, b.png"]
    write_predictions_csv(path, [1, 2, 3, 4], ids=names, id_column="file")
    assert path.read_text().splitlines()[:2] == ["file,label", "1.png,1"]
    ids, labels = read_back(path, id_column="file")
    assert ids == names and labels.tolist() == [1, 2, 3, 4]
    write_predictions_csv(path, [0, 1], ids=np.array([100, 7]))
    assert path.read_text() == "ID,label\n100,0\n7,1\n"


def test_round_trip(tmp_path):
    labels = np.random.default_rng(0).integers(0, 10, 1000)
    path = tmp_path / "p.csv"
    write_predictions_csv(path, labels, id_column="ImageId", label_column="Label", first_id=1)
    ids, got = read_back(path, id_column="ImageId", label_column="Label")
    assert ids == [str(i) for i in range(1, 1001)]
    np.testing.assert_array_equal(got, labels)
    table = np.loadtxt(path, dtype=np.int64, delimiter=",", skiprows=1, ndmin=2)
    np.testing.assert_array_equal(table, np.column_stack([np.arange(1, 1001), labels]))


def test_reader_is_not_part_of_the_package():
    assert not hasattr(export, "read_predictions_csv")
    assert export.__all__ == ["write_predictions_csv"]


@pytest.mark.parametrize("kwargs,error,fragment", [
    ({"labels": [1.0, 2.0]}, TypeError, "astype(int)"),
    ({"labels": [1.5, 2.0]}, TypeError, "float64"),
    ({"labels": [True, False]}, TypeError, "bool"),
    ({"labels": ["1", "2"]}, TypeError, "<U1"),
    ({"labels": np.array([1, 2, 3.5], dtype=object)}, TypeError, "labels[2]"),
    ({"labels": np.array([1, True], dtype=object)}, TypeError, "labels[1]"),
    ({"labels": np.zeros((2, 10), int)}, ValueError, "argmax"),
    ({"labels": 3}, ValueError, "1-D"),
    ({"labels": []}, ValueError, "empty"),
    ({"labels": [1], "id_column": ""}, ValueError, "id_column"),
    ({"labels": [1], "label_column": "a,b"}, ValueError, "commas"),
    ({"labels": [1], "label_column": 'say "x"'}, ValueError, "quotes"),
    ({"labels": [1], "id_column": "a\nb"}, ValueError, "line breaks"),
    ({"labels": [1], "id_column": " ID"}, ValueError, "spaces"),
    ({"labels": [1], "id_column": 5}, ValueError, "string"),
    ({"labels": [1], "id_column": "x", "label_column": "x"}, ValueError, "differ"),
    ({"labels": [1], "first_id": 1.0}, TypeError, "first_id"),
    ({"labels": [1], "first_id": 1, "ids": [5]}, ValueError, "either ids or first_id"),
    ({"labels": [1, 2], "ids": [5]}, ValueError, "one id per label"),
    ({"labels": [1, 2], "ids": [5, 5]}, ValueError, "distinct"),
    ({"labels": [1, 2], "ids": ["a", "a"]}, ValueError, "distinct"),
    ({"labels": [1, 2], "ids": ["a", ""]}, ValueError, "ids[1]"),
    ({"labels": [1, 2], "ids": [0.5, 1.5]}, TypeError, "float64"),
])
def test_bad_arguments_write_nothing(tmp_path, kwargs, error, fragment):
    path = tmp_path / "p.csv"
    with pytest.raises(error) as info:
        write_predictions_csv(path, **kwargs)
    assert fragment in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_missing_folder_and_folder_path(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        write_predictions_csv(tmp_path / "no_such_dir" / "p.csv", [1])
    assert "no_such_dir" in str(info.value) and "does not exist" in str(info.value)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "out").mkdir()
    with pytest.raises(IsADirectoryError, match="is a folder"):
        write_predictions_csv(tmp_path / "out", [1])
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("existing", [False, True])
@pytest.mark.parametrize("failing", ["replace", "fsync", "writerows"])
def test_failure_leaves_no_partial_file_and_old_file_untouched(tmp_path, monkeypatch,
                                                               existing, failing):
    path = tmp_path / "p.csv"
    old = b"ID,label\n0,1\n"
    if existing:
        path.write_bytes(old)
    seen = {}

    def boom(*args, **kwargs):
        # By now the rows were written to the temporary file: make sure it exists.
        seen["files"] = sorted(p.name for p in tmp_path.iterdir())
        raise OSError(f"simulated {failing} failure")

    if failing == "replace":
        monkeypatch.setattr(export.os, "replace", boom)
    elif failing == "fsync":
        monkeypatch.setattr(export.os, "fsync", boom)
    else:
        real_writer = export.csv.writer

        class HalfWriter:
            def __init__(self, f, **kwargs):
                self._w = real_writer(f, **kwargs)
                self.writerow = self._w.writerow

            def writerows(self, rows):
                for i, row in enumerate(rows):
                    if i == 3:
                        boom()
                    self._w.writerow(row)

        monkeypatch.setattr(export.csv, "writer", HalfWriter)
    with pytest.raises(OSError, match=f"simulated {failing}"):
        write_predictions_csv(path, list(range(10)))
    assert any(name.endswith(".tmp") for name in seen["files"])  # the failure was mid-write
    assert sorted(p.name for p in tmp_path.iterdir()) == (["p.csv"] if existing else [])
    if existing:
        assert path.read_bytes() == old


def test_replacing_an_existing_file_and_permissions(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("old content that is longer than the new one\n" * 50)
    write_predictions_csv(path, [4])
    assert path.read_text() == "ID,label\n0,4\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv"]
    umask = os.umask(0)
    os.umask(umask)
    fresh = tmp_path / "fresh.csv"
    write_predictions_csv(fresh, [4])
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask  # not the 0600 of a temp file


def test_module_imports_no_tensorflow_or_keras():
    tree = ast.parse(pathlib.Path(export.__file__).read_text())
    names = {alias.name.split(".")[0] for node in ast.walk(tree)
             if isinstance(node, (ast.Import, ast.ImportFrom))
             for alias in (node.names if isinstance(node, ast.Import)
                           else [ast.alias(node.module or "")])}
    assert names <= {"csv", "os", "pathlib", "numpy", "ssgm_zoo"}, names
