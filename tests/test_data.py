"""Tests of ssgm_zoo.data: real MNIST / Fashion-MNIST from the offline folder, small
generated files in the other formats, splits, labeled subsets and error messages."""

import gzip
import json
import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from ssgm_zoo import data
from ssgm_zoo.data import DataError

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


# --- real MNIST and Fashion-MNIST ------------------------------------------------------------


@pytest.fixture(scope="module")
def mnist_train(data_dir):
    return data.load_arrays("mnist", "train", data_dir, verify=True)


@pytest.fixture(scope="module")
def mnist_splits(data_dir):
    return data.load_splits("mnist", data_dir)


def test_mnist_train_arrays(mnist_train):
    x, y = mnist_train
    assert x.shape == (60000, 28, 28, 1) and x.dtype == np.uint8
    assert y.shape == (60000,) and y.dtype == np.int32
    assert y[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert np.bincount(y).tolist() == MNIST_TRAIN_COUNTS
    assert x.flags.writeable and x.flags.c_contiguous
    assert x.max() == 255 and x.min() == 0


def test_mnist_test_arrays(data_dir):
    x, y = data.load_arrays("mnist", "test", data_dir, verify=True)
    assert x.shape == (10000, 28, 28, 1) and x.dtype == np.uint8
    assert y.dtype == np.int32
    assert y[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def test_fashion_mnist_arrays(data_dir):
    x, y = data.load_arrays("fashion_mnist", "train", data_dir, verify=True)
    assert x.shape == (60000, 28, 28, 1) and x.dtype == np.uint8
    assert y[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert np.bincount(y).tolist() == [6000] * 10
    x, y = data.load_arrays("fashion_mnist", "test", data_dir, verify=True)
    assert x.shape == (10000, 28, 28, 1)
    assert np.bincount(y).tolist() == [1000] * 10


def test_data_dir_may_be_the_dataset_folder_itself(data_dir):
    x1, y1 = data.load_arrays("mnist", "test", data_dir)
    x2, y2 = data.load_arrays("mnist", "test", str(data_dir / "mnist"))
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)


def test_mnist_and_fashion_mixed_up(data_dir):
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte.*holds the MNIST labels"):
        data.load_arrays("fashion_mnist", "test", data_dir / "mnist")


def test_load_splits_mnist_protocol(mnist_splits, mnist_train):
    assert set(mnist_splits) == {"train", "validation", "test"}
    sizes = {k: len(v[0]) for k, v in mnist_splits.items()}
    assert sizes == {"train": 50000, "validation": 10000, "test": 10000}
    for x, y in mnist_splits.values():
        assert x.dtype == np.float32 and x.shape[1:] == (28, 28, 1)
        assert y.dtype == np.int32 and len(y) == len(x)
        assert x.min() == 0.0 and x.max() == 1.0
    x, y = mnist_train
    # Validation is the *last* 10k of the training file, in the original order.
    np.testing.assert_array_equal(mnist_splits["validation"][1], y[50000:])
    np.testing.assert_array_equal(mnist_splits["train"][1][:10], y[:10])
    np.testing.assert_allclose(mnist_splits["validation"][0][-1], x[-1] / 255.0, rtol=1e-6)


def test_mnist_protocol_from_arrays(mnist_train, mnist_splits):
    proto = data.mnist_protocol(*mnist_train)
    assert set(proto) == {"train", "validation"}
    for k in proto:
        np.testing.assert_array_equal(proto[k][0], mnist_splits[k][0])
        np.testing.assert_array_equal(proto[k][1], mnist_splits[k][1])
        assert proto[k][0].dtype == np.float32 and proto[k][1].dtype == np.int32
    # Without the channel axis too.
    small = data.mnist_protocol(mnist_train[0][:30, ..., 0], mnist_train[1][:30], 10)
    assert small["train"][0].shape == (20, 28, 28, 1)
    with pytest.raises(ValueError, match="28, 28, 1"):
        data.mnist_protocol(np.zeros((5, 32, 32, 3), np.uint8), np.zeros(5, np.int32), 1)


# --- labeled subsets --------------------------------------------------------------------------


def test_balanced_indices_on_mnist(mnist_splits):
    y = mnist_splits["train"][1]
    idx = data.balanced_labeled_indices(y, 100, seed=0)
    assert idx.dtype == np.int64 and idx.shape == (100,)
    assert np.all(np.diff(idx) > 0)  # sorted, no repeats
    assert idx.min() >= 0 and idx.max() < 50000
    assert np.bincount(y[idx], minlength=10).tolist() == [10] * 10
    np.testing.assert_array_equal(idx, data.balanced_labeled_indices(y, 100, seed=0))
    assert not np.array_equal(idx, data.balanced_labeled_indices(y, 100, seed=1))
    # Regression pin, computed once: a change here means runs with the same
    # seed no longer train on the same labeled examples.
    assert idx[:5].tolist() == [805, 1650, 2079, 2408, 2872]
    assert int(idx.sum()) == 2669115
    big = data.balanced_labeled_indices(y, 3000, seed=3)
    assert np.bincount(y[big]).tolist() == [300] * 10


def test_balanced_indices_small_case_is_uniform_per_class():
    y = np.repeat(np.arange(3), 4)  # 4 examples of each of 3 classes
    draws = [data.balanced_labeled_indices(y, 3, seed=seed) for seed in range(1000)]
    assert all(y[idx].tolist() == [0, 1, 2] for idx in draws)
    assert len({tuple(idx.tolist()) for idx in draws}) == 4 ** 3  # all combinations occur
    # Each example of a class is picked about equally often (expected 250 of 1000).
    counts = np.bincount(np.concatenate(draws), minlength=12)
    assert counts.min() > 180 and counts.max() < 320, counts


@pytest.mark.parametrize("num_labeled, match", [
    (0, "positive"), (-10, "positive"), (105, "not divisible"), (100.5, "positive"),
    (True, "positive"),
])
def test_balanced_indices_bad_num_labeled(num_labeled, match):
    y = np.repeat(np.arange(10), 20)
    with pytest.raises(ValueError, match=match):
        data.balanced_labeled_indices(y, num_labeled, seed=0)


def test_balanced_indices_other_errors():
    y = np.repeat(np.arange(10), 5)
    with pytest.raises(ValueError, match="class 0 has 5 examples"):
        data.balanced_labeled_indices(y, 60, seed=0)
    with pytest.raises(ValueError, match="class 10 has 0 examples"):
        data.balanced_labeled_indices(y, 11, seed=0, num_classes=11)
    with pytest.raises(ValueError, match="seed"):
        data.balanced_labeled_indices(y, 10, seed=-1)
    with pytest.raises(ValueError, match="outside"):
        data.balanced_labeled_indices(y, 10, seed=0, num_classes=5)
    with pytest.raises(ValueError, match="integer"):
        data.balanced_labeled_indices(y.astype(float), 10, seed=0)


def test_save_and_load_indices(tmp_path):
    path = tmp_path / "run" / "labeled_indices.json"
    idx = np.array([3, 17, 42], np.int64)
    assert data.save_indices(path, idx, num_labeled=np.int64(3), seed=0, dataset="mnist") == path
    with open(path) as f:
        assert json.load(f) == {"indices": [3, 17, 42], "num_labeled": 3, "seed": 0,
                                "dataset": "mnist"}
    loaded = data.load_indices(path)
    assert loaded["indices"].dtype == np.int64
    np.testing.assert_array_equal(loaded["indices"], idx)
    assert loaded["seed"] == 0 and loaded["dataset"] == "mnist"
    data.save_indices(path, [1], num_labeled=1)  # replaces the file
    assert data.load_indices(path)["indices"].tolist() == [1]
    assert os.listdir(path.parent) == ["labeled_indices.json"]  # no temp files left


def test_save_indices_failure_leaves_old_file(tmp_path):
    path = tmp_path / "labeled_indices.json"
    data.save_indices(path, [1, 2])
    with pytest.raises(TypeError):
        data.save_indices(path, [5], meta=object())
    assert data.load_indices(path)["indices"].tolist() == [1, 2]
    with pytest.raises(ValueError):
        data.save_indices(path, [-1])
    assert os.listdir(tmp_path) == ["labeled_indices.json"]


def test_load_indices_errors(tmp_path):
    with pytest.raises(DataError, match="missing.json"):
        data.load_indices(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(DataError, match="bad.json"):
        data.load_indices(tmp_path / "bad.json")
    (tmp_path / "noidx.json").write_text('{"seed": 0}')
    with pytest.raises(DataError, match="noidx.json"):
        data.load_indices(tmp_path / "noidx.json")


def test_train_validation_split_and_unit_float():
    x = np.arange(10, dtype=np.uint8)
    y = np.arange(10)
    s = data.train_validation_split(x, y, 3)
    assert s["train"][0].tolist() == list(range(7))
    assert s["validation"][1].tolist() == [7, 8, 9]
    assert len(data.train_validation_split(x, y, 0)["validation"][0]) == 0
    for bad in (10, 11, -1):
        with pytest.raises(ValueError, match="num_validation"):
            data.train_validation_split(x, y, bad)
    with pytest.raises(ValueError, match="labels"):
        data.train_validation_split(x, y[:5], 1)
    f = data.to_unit_float(np.array([0, 255, 51], np.uint8))
    assert f.dtype == np.float32 and f.tolist() == pytest.approx([0.0, 1.0, 0.2])
    with pytest.raises(TypeError, match="uint8"):
        data.to_unit_float(np.zeros(3, np.float32))


# --- small files in the original formats ------------------------------------------------------


def _idx_bytes(array, magic):
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + np.ascontiguousarray(array, np.uint8).tobytes()


def _write_mnist(folder, n=3, split="t10k", gz=False, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n, dtype=np.uint8)
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in ((f"{split}-images-idx3-ubyte", _idx_bytes(images, 0x803)),
                          (f"{split}-labels-idx1-ubyte", _idx_bytes(labels, 0x801))):
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(content))
        else:
            (folder / name).write_bytes(content)
    return images, labels


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_idx_generated(tmp_path, gz):
    images, labels = _write_mnist(tmp_path / "mnist", n=4, gz=gz)
    x, y = data.load_arrays("mnist", "test", tmp_path)
    assert x.shape == (4, 28, 28, 1) and x.dtype == np.uint8 and y.dtype == np.int32
    np.testing.assert_array_equal(x[..., 0], images)
    np.testing.assert_array_equal(y, labels)


def _write_cifar(folder, per_file=2, seed=0):
    """Writes the 6 binary batch files; returns the expected HWC images and labels."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    files = {"train": [f"data_batch_{i}.bin" for i in range(1, 6)], "test": ["test_batch.bin"]}
    for split, names in files.items():
        chw, labels = [], []
        for name in names:
            planes = rng.integers(0, 256, (per_file, 3, 32, 32), dtype=np.uint8)
            lab = rng.integers(0, 10, per_file, dtype=np.uint8)
            if not chw:  # a known pixel: (row 1, col 2) is red 200, green 100, blue 50
                planes[0, :, 1, 2] = [200, 100, 50]
            records = np.concatenate([lab[:, None], planes.reshape(per_file, -1)], axis=1)
            (folder / name).write_bytes(records.tobytes())
            chw.append(planes)
            labels.append(lab)
        out[split] = (np.concatenate(chw).transpose(0, 2, 3, 1), np.concatenate(labels))
    return out


@pytest.mark.parametrize("layout", ["cifar10/cifar-10-batches-bin", "cifar-10-batches-bin", "."])
def test_cifar10_binary_generated(tmp_path, layout):
    expected = _write_cifar(tmp_path / layout)
    for split, n in (("train", 10), ("test", 2)):
        x, y = data.load_arrays("cifar10", split, tmp_path)
        assert x.shape == (n, 32, 32, 3) and x.dtype == np.uint8 and y.dtype == np.int32
        assert x[0, 1, 2].tolist() == [200, 100, 50]
        np.testing.assert_array_equal(x, expected[split][0])
        np.testing.assert_array_equal(y, expected[split][1])
    splits = data.load_splits("cifar10", tmp_path, num_validation=4)
    assert [len(splits[k][1]) for k in ("train", "validation", "test")] == [6, 4, 2]
    assert splits["train"][0].dtype == np.float32


def test_cifar10_errors(tmp_path):
    with pytest.raises(DataError, match="data_batch_1.bin"):
        data.load_arrays("cifar10", "train", tmp_path)
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(b"")
    with pytest.raises(DataError, match="extract it"):
        data.load_arrays("cifar10", "train", tmp_path)
    _write_cifar(tmp_path)
    (tmp_path / "test_batch.bin").write_bytes(b"\x00" * 3000)
    with pytest.raises(DataError, match=r"test_batch.bin: 3000 bytes"):
        data.load_arrays("cifar10", "test", tmp_path)
    os.remove(tmp_path / "data_batch_4.bin")
    with pytest.raises(DataError, match="data_batch_4.bin"):
        data.load_arrays("cifar10", "train", tmp_path)


def test_svhn_mat_generated(tmp_path):
    scipy_io = pytest.importorskip("scipy.io")
    rng = np.random.default_rng(0)
    folder = tmp_path / "svhn"
    folder.mkdir()
    x_mat = rng.integers(0, 256, (32, 32, 3, 5), dtype=np.uint8)
    y_mat = np.array([[10], [1], [5], [10], [9]], np.uint8)
    scipy_io.savemat(folder / "train_32x32.mat", {"X": x_mat, "y": y_mat})
    x, y = data.load_arrays("svhn", "train", tmp_path)
    assert x.shape == (5, 32, 32, 3) and x.dtype == np.uint8 and x.flags.c_contiguous
    assert y.dtype == np.int32 and y.tolist() == [0, 1, 5, 0, 9]
    for i in range(5):
        np.testing.assert_array_equal(x[i], x_mat[..., i])
    assert data.load_arrays("svhn_cropped", "train", folder)[1].tolist() == [0, 1, 5, 0, 9]
    with pytest.raises(DataError, match="test_32x32.mat"):
        data.load_arrays("svhn", "test", tmp_path)
    (folder / "test_32x32.mat").write_bytes(b"MATLAB 5.0 but not really" * 3)
    with pytest.raises(DataError, match="test_32x32.mat"):
        data.load_arrays("svhn", "test", tmp_path)
    scipy_io.savemat(folder / "test_32x32.mat", {"X": x_mat[:, :, :1], "y": y_mat})
    with pytest.raises(DataError, match=r"test_32x32.mat: X is uint8 \(32, 32, 1, 5\)"):
        data.load_arrays("svhn", "test", tmp_path)


def test_svhn_without_scipy(tmp_path, monkeypatch):
    (tmp_path / "train_32x32.mat").write_bytes(b"")
    monkeypatch.setitem(sys.modules, "scipy", None)  # makes `import scipy` fail
    monkeypatch.setitem(sys.modules, "scipy.io", None)
    with pytest.raises(DataError, match="needs scipy"):
        data.load_arrays("svhn", "train", tmp_path)


# --- errors naming the file -------------------------------------------------------------------


def test_missing_directory(tmp_path):
    with pytest.raises(DataError, match=r"nowhere.*does not exist"):
        data.load_arrays("mnist", "train", tmp_path / "nowhere")


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte\.gz \(or uncompressed"):
        data.load_arrays("mnist", "train", tmp_path)
    _write_mnist(tmp_path / "mnist", split="train")
    os.remove(tmp_path / "mnist" / "train-labels-idx1-ubyte")
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte.*in .*mnist"):
        data.load_arrays("mnist", "train", tmp_path)


def test_truncated_gz(tmp_path, data_dir):
    raw = (data_dir / "mnist" / "t10k-images-idx3-ubyte.gz").read_bytes()
    folder = tmp_path / "mnist"
    folder.mkdir()
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(raw[: len(raw) // 2])
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(
        (data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes())
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte\.gz is truncated"):
        data.load_arrays("mnist", "test", tmp_path)


def test_bad_magic_and_sizes(tmp_path):
    folder = tmp_path / "mnist"
    images, labels = _write_mnist(folder)
    good_labels = (folder / "t10k-labels-idx1-ubyte").read_bytes()
    (folder / "t10k-labels-idx1-ubyte").write_bytes(_idx_bytes(labels, 0x803))
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte: bad magic number 0x00000803"):
        data.load_arrays("mnist", "test", tmp_path)
    (folder / "t10k-labels-idx1-ubyte").write_bytes(good_labels[:-1])
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte: 10 bytes .*truncated"):
        data.load_arrays("mnist", "test", tmp_path)
    (folder / "t10k-labels-idx1-ubyte").write_bytes(_idx_bytes(labels[:2], 0x801))
    with pytest.raises(DataError, match=r"3 images but .*t10k-labels-idx1-ubyte has 2 labels"):
        data.load_arrays("mnist", "test", tmp_path)
    (folder / "t10k-labels-idx1-ubyte").write_bytes(_idx_bytes(labels + 10, 0x801))
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte: labels range"):
        data.load_arrays("mnist", "test", tmp_path)
    (folder / "t10k-images-idx3-ubyte").write_bytes(_idx_bytes(np.zeros((3, 32, 32)), 0x803))
    (folder / "t10k-labels-idx1-ubyte").write_bytes(good_labels)
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte: images of 32x32"):
        data.load_arrays("mnist", "test", tmp_path)


def test_verify_catches_corrupt_content(tmp_path, data_dir):
    folder = tmp_path / "mnist"
    folder.mkdir()
    src = data_dir / "mnist"
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(
        (src / "t10k-images-idx3-ubyte.gz").read_bytes())
    raw = bytearray(gzip.decompress((src / "t10k-labels-idx1-ubyte.gz").read_bytes()))
    raw[8] = 3  # first test label 7 -> 3: still a well-formed file
    (folder / "t10k-labels-idx1-ubyte").write_bytes(bytes(raw))
    y = data.load_arrays("mnist", "test", tmp_path)[1]  # without verify it loads
    assert y[0] == 3
    expected = data.SHA256["mnist"]["t10k-labels-idx1-ubyte"]
    with pytest.raises(DataError, match=rf"t10k-labels-idx1-ubyte: sha256 .* expected {expected}"):
        data.load_arrays("mnist", "test", tmp_path, verify=True)


def test_bad_arguments(data_dir):
    with pytest.raises(ValueError, match="unknown dataset"):
        data.load_arrays("imagenet", "train", data_dir)
    with pytest.raises(ValueError, match="split"):
        data.load_arrays("mnist", "validation", data_dir)
    with pytest.raises(ValueError, match="no known checksums"):
        data.load_arrays("cifar10", "test", data_dir, verify=True)


def test_dataset_records():
    assert {k: v.tfds_name for k, v in data.DATASETS.items()} == {
        "mnist": "mnist", "fashion_mnist": "fashion_mnist", "cifar10": "cifar10",
        "svhn": "svhn_cropped"}
    assert data.DATASETS["cifar10"].image_shape == (32, 32, 3)
    assert data.DATASETS["fashion_mnist"].class_names[9] == "Ankle boot"
    assert all(len(v.class_names) == v.num_classes == 10 for v in data.DATASETS.values())


# --- the tensorflow-datasets route ------------------------------------------------------------


@pytest.fixture
def connection_attempts(monkeypatch):
    """Every way out to the network fails and is recorded in the returned list."""
    attempts = []

    def no_network(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    return attempts


def test_tfds_route_offline_error(tmp_path, connection_attempts):
    pytest.importorskip("tensorflow_datasets")
    attempts = connection_attempts
    with pytest.raises(DataError) as info:
        data.load_arrays("mnist", "test", tfds_data_dir=str(tmp_path), download=False)
    message = str(info.value)
    assert "tensorflow-datasets could not load 'mnist'" in message
    assert str(tmp_path) in message and "pass data_dir=" in message
    assert attempts == []


def test_data_dir_route_never_imports_tfds(data_dir):
    code = (
        "import sys\n"
        "from ssgm_zoo.data import load_arrays\n"
        f"x, y = load_arrays('mnist', 'test', {str(data_dir)!r})\n"
        "assert x.shape == (10000, 28, 28, 1)\n"
        "loaded = [m for m in ('tensorflow_datasets', 'tensorflow') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_tfds_download_route_runs_until_it_reaches_the_network(tmp_path, monkeypatch,
                                                               connection_attempts):
    """With download=True, everything up to the first connection works (a fresh install
    once failed earlier, on a module tensorflow-datasets imports without requiring)."""
    pytest.importorskip("tensorflow_datasets")
    attempts = connection_attempts
    monkeypatch.setattr(time, "sleep", lambda seconds: None)  # its retries' back-off
    with pytest.raises(DataError) as info:
        data.load_arrays("mnist", "test", tfds_data_dir=str(tmp_path), download=True)
    assert "No module named" not in str(info.value)
    assert attempts, "the download never tried to connect"
