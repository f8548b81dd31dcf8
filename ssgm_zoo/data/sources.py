"""Raw image datasets as uint8 arrays, from their original files or tensorflow-datasets.

Two routes, chosen by ``data_dir``:

* ``data_dir`` given: the dataset's original files are read from that folder
  (MNIST / Fashion-MNIST IDX, the CIFAR-10 binary version, SVHN cropped
  ``.mat``). This route never touches the network and never imports
  ``tensorflow_datasets`` (nor TensorFlow), so it works on offline machines
  and keeps ``import`` time small.
* ``data_dir=None``: ``tensorflow_datasets.load`` (which may download).

Both give ``images`` uint8 ``[N, H, W, C]`` and ``labels`` int32 ``[N]`` in the
dataset's original order, so the same seed selects the same labeled examples
whichever route supplied the data.
"""

import dataclasses
import gzip
import hashlib
import os
import zlib

import numpy as np

__all__ = ["DataError", "DatasetInfo", "DATASETS", "SHA256", "load_arrays"]

SPLITS = ("train", "test")


class DataError(Exception):
    """A dataset could not be found or read; the message names the file and the fix."""


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What the loaders know about one dataset.

    Attributes:
        name: the name ``load_arrays`` takes.
        display_name: the name used in messages.
        tfds_name: the tensorflow-datasets name.
        image_shape: ``(H, W, C)`` of one image.
        num_classes: number of classes (labels are ``0 .. num_classes - 1``).
        class_names: one name per label.
        num_examples: ``{"train": N, "test": N}`` of the full original splits.
        subdirs: sub-folders of ``data_dir`` searched (before ``data_dir`` itself).
        source: where the original files come from (quoted in error messages).
    """

    name: str
    display_name: str
    tfds_name: str
    image_shape: tuple
    num_classes: int
    class_names: tuple
    num_examples: dict
    subdirs: tuple
    source: str


_DIGITS = tuple(str(i) for i in range(10))

DATASETS = {
    "mnist": DatasetInfo(
        name="mnist", display_name="MNIST", tfds_name="mnist", image_shape=(28, 28, 1),
        num_classes=10, class_names=_DIGITS, num_examples={"train": 60000, "test": 10000},
        subdirs=("mnist",),
        source="https://storage.googleapis.com/cvdf-datasets/mnist/ (the files "
               "tensorflow-datasets downloads)"),
    "fashion_mnist": DatasetInfo(
        name="fashion_mnist", display_name="Fashion-MNIST", tfds_name="fashion_mnist",
        image_shape=(28, 28, 1), num_classes=10,
        class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                     "Sneaker", "Bag", "Ankle boot"),
        num_examples={"train": 60000, "test": 10000},
        subdirs=("fashion_mnist", "fashion-mnist"),
        source="https://github.com/zalandoresearch/fashion-mnist (or Debian's "
               "`apt-get install dataset-fashion-mnist`, into /usr/share/datasets/fashion-mnist/)"),
    "cifar10": DatasetInfo(
        name="cifar10", display_name="CIFAR-10", tfds_name="cifar10", image_shape=(32, 32, 3),
        num_classes=10,
        class_names=("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                     "ship", "truck"),
        num_examples={"train": 50000, "test": 10000},
        subdirs=("cifar10", "cifar-10"),
        source="https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz (the binary version; "
               "extract it)"),
    "svhn": DatasetInfo(
        name="svhn", display_name="SVHN (cropped digits)", tfds_name="svhn_cropped",
        image_shape=(32, 32, 3), num_classes=10, class_names=_DIGITS,
        num_examples={"train": 73257, "test": 26032},
        subdirs=("svhn", "svhn_cropped"),
        source="http://ufldl.stanford.edu/housenumbers/ (train_32x32.mat, test_32x32.mat)"),
}

# Other spellings people use, mapped to the names above.
_ALIASES = {"fashion-mnist": "fashion_mnist", "fashionmnist": "fashion_mnist",
            "cifar-10": "cifar10", "svhn_cropped": "svhn"}

# sha256 of the *uncompressed* original files (``zcat FILE | sha256sum``). Hashing the
# uncompressed bytes makes the check independent of how a copy was gzipped.
SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte":
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte":
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte":
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte":
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion_mnist": {
        "train-images-idx3-ubyte":
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte":
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte":
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte":
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}

_IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_CIFAR_FILES = {
    "train": tuple(f"data_batch_{i}.bin" for i in range(1, 6)),
    "test": ("test_batch.bin",),
}
_CIFAR_SUBDIR = "cifar-10-batches-bin"
_CIFAR_RECORD = 1 + 32 * 32 * 3
_SVHN_FILES = {"train": ("train_32x32.mat",), "test": ("test_32x32.mat",)}
_IDX_MAGIC = {"images": 0x00000803, "labels": 0x00000801}  # uint8 data, 3 resp. 1 dims


def dataset_info(name):
    """Returns the ``DatasetInfo`` of ``name`` (aliases such as ``"svhn_cropped"`` accepted).

    Args:
        name: a key of ``DATASETS`` or an alias.

    Returns:
        The ``DatasetInfo``.

    Raises:
        ValueError: unknown name (the message lists the known ones).

    Example:
        >>> dataset_info("svhn_cropped").image_shape
        (32, 32, 3)
    """
    key = str(name).lower()
    key = _ALIASES.get(key, key)
    if key not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(sorted(DATASETS))}")
    return DATASETS[key]


def load_arrays(name, split, data_dir=None, *, verify=False, tfds_data_dir=None, download=True):
    """Loads one split of a dataset as uint8 images and int32 labels, in the original order.

    Args:
        name: ``"mnist"``, ``"fashion_mnist"``, ``"cifar10"`` or ``"svhn"``.
        split: ``"train"`` or ``"test"``.
        data_dir: a folder holding the dataset's original files, either directly
            or in a sub-folder named after the dataset (``data_dir/mnist/``). Expected
            files: MNIST / Fashion-MNIST ``{train,t10k}-{images-idx3,labels-idx1}-ubyte``
            (``.gz`` or uncompressed); CIFAR-10 ``data_batch_{1..5}.bin`` and
            ``test_batch.bin`` (also inside ``cifar-10-batches-bin/``); SVHN
            ``{train,test}_32x32.mat``. None: use tensorflow-datasets instead.
        verify: MNIST / Fashion-MNIST only: check the sha256 of each file's
            uncompressed bytes against ``SHA256``. Ignored on the
            tensorflow-datasets route (tfds checks its own downloads).
        tfds_data_dir: tensorflow-datasets' ``data_dir`` (None: its default,
            ``~/tensorflow_datasets``). Only used when ``data_dir`` is None.
        download: let tensorflow-datasets download and prepare missing data.
            Only used when ``data_dir`` is None.

    Returns:
        ``(images, labels)``: uint8 ``[N, H, W, C]`` (28x28x1 for MNIST and
        Fashion-MNIST, 32x32x3 for CIFAR-10 and SVHN) and int32 ``[N]`` in
        ``0 .. 9`` (SVHN's label 10 for the digit 0 becomes 0).

    Raises:
        ValueError: unknown dataset or split, or ``verify=True`` for a dataset
            without a checksum table.
        DataError: a folder or file is missing, truncated, corrupt or of the
            wrong format, a checksum does not match, or tensorflow-datasets
            failed; the message names the file and says what to do.

    Example:
        >>> images, labels = load_arrays(
        ...     "mnist", "train", data_dir="../shared/data")  # doctest: +SKIP
        >>> images.shape, images.dtype, labels[:3]  # doctest: +SKIP
        ((60000, 28, 28, 1), dtype('uint8'), array([5, 0, 4], dtype=int32))
    """
    info = dataset_info(name)
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if data_dir is None:
        images, labels = _load_tfds(info, split, tfds_data_dir=tfds_data_dir, download=download)
    else:
        if verify and info.name not in SHA256:
            raise ValueError(f"verify=True: no known checksums for {info.display_name}; "
                             f"only for {', '.join(sorted(SHA256))}")
        reader = {"mnist": _load_idx, "fashion_mnist": _load_idx,
                  "cifar10": _load_cifar10, "svhn": _load_svhn}[info.name]
        images, labels = reader(info, split, os.path.expanduser(os.fspath(data_dir)), verify)
    if images.shape[1:] != info.image_shape or len(images) != len(labels):
        raise DataError(f"{info.display_name} {split}: got images {images.shape} and labels "
                        f"{labels.shape}, expected [N, {', '.join(map(str, info.image_shape))}] "
                        "and [N]")
    return np.ascontiguousarray(images, dtype=np.uint8), labels.astype(np.int32)


# --- locating files ---------------------------------------------------------------------


def _search_dirs(info, data_dir):
    """The existing folders where ``info``'s files may be, most specific first."""
    if not os.path.isdir(data_dir):
        raise DataError(
            f"data directory {data_dir} does not exist (or is not a folder); pass the folder "
            f"that holds the original {info.display_name} files, or data_dir=None to use "
            "tensorflow-datasets")
    dirs = [os.path.join(data_dir, sub) for sub in info.subdirs] + [data_dir]
    if info.name == "cifar10":
        # The archive extracts to cifar-10-batches-bin/; accept it below any candidate.
        dirs = [d for base in dirs for d in (os.path.join(base, _CIFAR_SUBDIR), base)]
    return [d for d in dirs if os.path.isdir(d)]


def _variants(filename, allow_gz):
    return (filename, filename + ".gz") if allow_gz else (filename,)


def _find_in(folder, filename, allow_gz):
    for candidate in _variants(filename, allow_gz):
        path = os.path.join(folder, candidate)
        if os.path.isfile(path):
            return path
    return None


def _missing_file_error(info, filename, folders, allow_gz, hint=""):
    wanted = (f"{filename}.gz (or uncompressed {filename})" if allow_gz else filename)
    where = " or ".join(folders)
    return DataError(
        f"expected {info.display_name} file {wanted} in {where}; download it from "
        f"{info.source} or with tensorflow-datasets (name {info.tfds_name!r}), or pass the "
        f"folder that holds the original files{hint}")


def _locate(info, split, data_dir, filenames, allow_gz):
    """Paths of ``filenames``, all taken from the first folder that holds the first one."""
    folders = _search_dirs(info, data_dir)
    for folder in folders:
        if _find_in(folder, filenames[0], allow_gz):
            break
    else:
        raise _missing_file_error(info, filenames[0], folders or [data_dir], allow_gz,
                                  _format_hint(info, folders))
    paths = []
    for filename in filenames:
        path = _find_in(folder, filename, allow_gz)
        if path is None:
            raise _missing_file_error(info, filename, [folder], allow_gz)
        paths.append(path)
    return paths


def _format_hint(info, folders):
    """Explains a near miss: the right data in a form this loader does not read."""
    for folder in folders:
        if info.name == "cifar10":
            if os.path.isfile(os.path.join(folder, "cifar-10-binary.tar.gz")):
                return (f" (found cifar-10-binary.tar.gz in {folder}: extract it there with "
                        f"`tar xzf cifar-10-binary.tar.gz -C {folder}`)")
            if os.path.isfile(os.path.join(folder, "data_batch_1")):
                return (f" (found data_batch_1 in {folder}, from the Python pickle version; "
                        "this loader reads the binary version, cifar-10-binary.tar.gz)")
    return ""


def _read_bytes(path):
    """The file's content, gunzipped when it ends in ``.gz``."""
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                return f.read()
        with open(path, "rb") as f:
            return f.read()
    except (OSError, EOFError, zlib.error) as e:
        # gzip reports a cut-off download as EOFError and a damaged one as
        # BadGzipFile (an OSError) or zlib.error; all mean "fetch it again".
        kind = ("is truncated or not a valid gzip file" if path.endswith(".gz")
                else "could not be read")
        raise DataError(f"{path} {kind} ({type(e).__name__}: {e}); delete it and download "
                        "it again") from e


# --- MNIST and Fashion-MNIST (IDX) -------------------------------------------------------


def _parse_idx(raw, path, kind, display_name):
    """Decodes an IDX file of uint8 data: magic, big-endian dims, then the values."""
    magic = _IDX_MAGIC[kind]
    ndim = magic & 0xFF
    if len(raw) < 4 or int.from_bytes(raw[:4], "big") != magic:
        found = (f"0x{int.from_bytes(raw[:4], 'big'):08x}" if len(raw) >= 4
                 else f"missing (only {len(raw)} bytes)")
        raise DataError(
            f"{path}: bad magic number {found}, expected 0x{magic:08x} (an IDX {kind} file of "
            f"uint8 with {ndim} dimension(s)); it is not an original {display_name} {kind} "
            "file: download it again")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: {len(raw)} bytes, too short for the {header}-byte IDX header; "
                        "the file is truncated: download it again")
    dims = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    if kind == "images" and dims[1:] != (28, 28):
        raise DataError(f"{path}: images of {dims[1]}x{dims[2]} pixels, expected 28x28; not an "
                        f"original {display_name} file")
    expected = header + int(np.prod(dims))
    if len(raw) != expected:
        raise DataError(f"{path}: {len(raw)} bytes (uncompressed), but its header promises "
                        f"{dims} values, i.e. {expected} bytes; the file is truncated or "
                        "corrupt: download it again")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(dims)


def _check_sha256(info, path, filename, raw):
    expected = SHA256[info.name][filename]
    found = hashlib.sha256(raw).hexdigest()
    if found != expected:
        raise DataError(
            f"{path}: sha256 of the uncompressed content is {found}, expected {expected} for "
            f"the original {info.display_name} {filename}; the file is corrupt or not the "
            "original: download it again")


def _check_not_other_dataset(info, path, filename, raw):
    """Catches MNIST and Fashion-MNIST mixed up: both use the very same file names."""
    found = hashlib.sha256(raw).hexdigest()  # label files are small: this costs nothing
    for other, table in SHA256.items():
        if other != info.name and table.get(filename) == found:
            raise DataError(
                f"{path} holds the {DATASETS[other].display_name} labels, not "
                f"{info.display_name}; pass the folder with the {info.display_name} files "
                f"(or load {other!r})")


def _load_idx(info, split, data_dir, verify):
    image_file, label_file = _IDX_FILES[split]
    image_path, label_path = _locate(info, split, data_dir, (image_file, label_file), True)
    label_raw = _read_bytes(label_path)
    _check_not_other_dataset(info, label_path, label_file, label_raw)
    if verify:
        _check_sha256(info, label_path, label_file, label_raw)
    labels = _parse_idx(label_raw, label_path, "labels", info.display_name)
    image_raw = _read_bytes(image_path)
    if verify:
        _check_sha256(info, image_path, image_file, image_raw)
    images = _parse_idx(image_raw, image_path, "images", info.display_name)
    if len(images) != len(labels):
        raise DataError(f"{image_path} has {len(images)} images but {label_path} has "
                        f"{len(labels)} labels; the two files do not belong together")
    _check_label_range(labels, info, label_path)
    # frombuffer views the immutable bytes; copy so callers get an ordinary writable array.
    return images[..., None].copy(), labels.astype(np.int32)


def _check_label_range(labels, info, path):
    if labels.size and (labels.min() < 0 or labels.max() >= info.num_classes):
        raise DataError(f"{path}: labels range over {labels.min()}..{labels.max()}, expected "
                        f"0..{info.num_classes - 1}; not an original {info.display_name} file")


# --- CIFAR-10 (binary version) -----------------------------------------------------------


def _load_cifar10(info, split, data_dir, verify):
    paths = _locate(info, split, data_dir, _CIFAR_FILES[split], False)
    images, labels = [], []
    for path in paths:
        raw = _read_bytes(path)
        if not raw or len(raw) % _CIFAR_RECORD:
            raise DataError(
                f"{path}: {len(raw)} bytes, not a positive multiple of {_CIFAR_RECORD} (1 label "
                "byte + 3072 pixel bytes per image); the file is truncated or not from the "
                "CIFAR-10 binary version: download cifar-10-binary.tar.gz again")
        records = np.frombuffer(raw, np.uint8).reshape(-1, _CIFAR_RECORD)
        _check_label_range(records[:, 0], info, path)
        labels.append(records[:, 0])
        # Each record stores the red, green and blue 32x32 planes one after another
        # (channels first); models here take channels last.
        images.append(records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    return np.concatenate(images), np.concatenate(labels).astype(np.int32)


# --- SVHN cropped digits (MATLAB v5) -----------------------------------------------------


def _load_svhn(info, split, data_dir, verify):
    (path,) = _locate(info, split, data_dir, _SVHN_FILES[split], False)
    try:
        # Imported here: only SVHN needs scipy (extra "svhn"), and the import is slow.
        from scipy import io as scipy_io
    except ImportError as e:
        raise DataError(f"reading {path} needs scipy, which is not installed: "
                        "`pip install scipy` (or `pip install ssgm-zoo[svhn]`)") from e
    try:
        mat = scipy_io.loadmat(path)
    except Exception as e:  # scipy raises ValueError, MatReadError, OSError, ... by damage
        raise DataError(f"{path} could not be read as a MATLAB v5 .mat file ({type(e).__name__}: "
                        f"{e}); it is truncated or corrupt: download it again") from e
    if "X" not in mat or "y" not in mat:
        found = sorted(k for k in mat if not k.startswith("__"))
        raise DataError(f"{path}: no 'X' and 'y' variables (found {found}); not an SVHN "
                        "cropped-digits file")
    x = np.asarray(mat["X"])
    y = np.asarray(mat["y"]).reshape(-1)
    if x.ndim != 4 or x.shape[:3] != (32, 32, 3) or x.shape[3] != len(y) or x.dtype != np.uint8:
        raise DataError(f"{path}: X is {x.dtype} {x.shape}, y has {len(y)} labels; expected "
                        "uint8 X of shape [32, 32, 3, N] and N labels")
    if y.size and (y.min() < 0 or y.max() > 10 or np.any(y != np.round(y))):
        raise DataError(f"{path}: labels range over {y.min()}..{y.max()}, expected 1..10")
    # SVHN writes the digit 0 as label 10 (MATLAB is 1-based); every other source here
    # uses 0..9 for digits.
    labels = y.astype(np.int32)
    labels[labels == 10] = 0
    # X is stored image-last, [H, W, C, N]; move the example axis to the front.
    return np.ascontiguousarray(x.transpose(3, 0, 1, 2)), labels


# --- tensorflow-datasets ----------------------------------------------------------------


def _load_tfds(info, split, *, tfds_data_dir, download):
    offline = (f"To work offline, pass data_dir= a folder holding the original "
               f"{info.display_name} files (from {info.source}).")
    try:
        # Imported here: the data_dir route must work (and stay fast) without tfds.
        import tensorflow_datasets as tfds
    except ImportError as e:
        raise DataError("tensorflow-datasets is not installed (`pip install tensorflow-datasets`). "
                        + offline) from e
    try:
        images, labels = tfds.as_numpy(tfds.load(
            info.tfds_name, split=split, batch_size=-1, as_supervised=True,
            data_dir=tfds_data_dir, download=download))
    except Exception as e:  # tfds raises AssertionError, DatasetNotFoundError, network errors...
        where = tfds_data_dir or "its default folder (~/tensorflow_datasets or $TFDS_DATA_DIR)"
        raise DataError(
            f"tensorflow-datasets could not load {info.tfds_name!r} split {split!r} from "
            f"{where} (download={download}): {type(e).__name__}: {e}. {offline}") from e
    return np.asarray(images), np.asarray(labels)
