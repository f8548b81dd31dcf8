"""Train / validation / test splits and the labeled subset of semi-supervised training.

The protocol of Kingma et al. (2014): the last 10,000 of MNIST's 60,000 training
images are the validation set, the first 50,000 the training set; ``N`` labeled
examples (``N / 10`` per class) are drawn from those 50,000 and the rest are
used without labels.
"""

import json
import os

import numpy as np

from ssgm_zoo import files
from ssgm_zoo.data.sources import DataError, dataset_info, load_arrays

__all__ = [
    "to_unit_float",
    "train_validation_split",
    "mnist_protocol",
    "load_splits",
    "balanced_labeled_indices",
    "hold_out_labeled",
    "save_indices",
    "load_indices",
]


def to_unit_float(images):
    """Scales uint8 images to float32 in ``[0, 1]``.

    Args:
        images: uint8 array of any shape.

    Returns:
        float32 array of the same shape, ``images / 255``.

    Raises:
        TypeError: ``images`` is not uint8 (scaling anything else by 1/255 would
            silently give wrong values, e.g. for images already in ``[0, 1]``).

    Example:
        >>> to_unit_float(np.array([0, 51, 255], np.uint8))
        array([0. , 0.2, 1. ], dtype=float32)
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(f"to_unit_float expects uint8 images, got {images.dtype}")
    return images.astype(np.float32) / np.float32(255)


def train_validation_split(images, labels, num_validation):
    """Holds out the last ``num_validation`` examples as the validation set.

    The order is kept, so the split is the same on every machine and matches
    the published protocols (which take the *last* examples, not random ones).

    Args:
        images: array ``[N, ...]``.
        labels: array ``[N]``.
        num_validation: size of the validation set, ``0 <= num_validation < N``.

    Returns:
        ``{"train": (images[:N - v], labels[:N - v]), "validation": (images[N - v:],
        labels[N - v:])}`` (views, not copies).

    Raises:
        ValueError: ``images`` and ``labels`` differ in length, or
            ``num_validation`` is negative or leaves no training example.

    Example:
        >>> s = train_validation_split(np.arange(5), np.arange(5), 2)
        >>> s["train"][1], s["validation"][1]
        (array([0, 1, 2]), array([3, 4]))
    """
    n = len(images)
    if len(labels) != n:
        raise ValueError(f"{n} images but {len(labels)} labels")
    num_validation = int(num_validation)
    if not 0 <= num_validation < n:
        raise ValueError(f"num_validation must be in [0, {n}) for {n} examples, "
                         f"got {num_validation}")
    cut = n - num_validation
    return {"train": (images[:cut], labels[:cut]),
            "validation": (images[cut:], labels[cut:])}


def mnist_protocol(images, labels, num_validation=10000):
    """Kingma et al.'s MNIST split: first 50,000 training, last 10,000 validation.

    Args:
        images: uint8 MNIST training images, ``[60000, 28, 28, 1]`` (or without
            the channel axis).
        labels: their labels ``[60000]``.
        num_validation: examples held out at the end (10,000 in the paper).

    Returns:
        ``{"train": (x, y), "validation": (x, y)}`` with ``x`` float32
        ``[N, 28, 28, 1]`` in ``[0, 1]`` and ``y`` int32 ``[N]``.

    Raises:
        ValueError: images are not 28x28 (x1), or a bad ``num_validation``.
        TypeError: images are not uint8.

    Example:
        >>> x, y = load_arrays("mnist", "train", data_dir="../shared/data")  # doctest: +SKIP
        >>> {k: v[0].shape for k, v in mnist_protocol(x, y).items()}  # doctest: +SKIP
        {'train': (50000, 28, 28, 1), 'validation': (10000, 28, 28, 1)}
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]
    if images.shape[1:] != (28, 28, 1):
        raise ValueError(f"MNIST images must be [N, 28, 28, 1], got {list(images.shape)}")
    split = train_validation_split(images, np.asarray(labels), num_validation)
    return {k: (to_unit_float(x), y.astype(np.int32)) for k, (x, y) in split.items()}


def load_splits(name, data_dir=None, num_validation=10000, **load_kwargs):
    """Train, validation and test sets of a dataset, ready for training code.

    The validation set is the last ``num_validation`` examples of the original
    training split (for MNIST this is Kingma et al.'s 50k / 10k / 10k).

    Args:
        name: ``"mnist"``, ``"fashion_mnist"``, ``"cifar10"`` or ``"svhn"``.
        data_dir: folder with the dataset's original files (see ``load_arrays``);
            None: tensorflow-datasets.
        num_validation: examples held out from the end of the training split.
        **load_kwargs: passed to ``load_arrays`` (``verify``, ``tfds_data_dir``,
            ``download``).

    Returns:
        ``{"train": (x, y), "validation": (x, y), "test": (x, y)}``, ``x`` float32
        ``[N, H, W, C]`` in ``[0, 1]``, ``y`` int32 ``[N]``.

    Raises:
        DataError: the data could not be found or read (see ``load_arrays``).
        ValueError: unknown dataset, or a bad ``num_validation``.

    Example:
        >>> splits = load_splits("mnist", data_dir="../shared/data")  # doctest: +SKIP
        >>> [len(splits[k][0]) for k in ("train", "validation", "test")]  # doctest: +SKIP
        [50000, 10000, 10000]
    """
    dataset_info(name)  # fails fast on a bad name, before reading anything
    train = train_validation_split(*load_arrays(name, "train", data_dir, **load_kwargs),
                                   num_validation)
    splits = {k: (to_unit_float(x), y) for k, (x, y) in train.items()}
    x_test, y_test = load_arrays(name, "test", data_dir, **load_kwargs)
    splits["test"] = (to_unit_float(x_test), y_test)
    return splits


def _uniform_below(bit_generator, n):
    """An unbiased integer in ``[0, n)`` from raw 64-bit PCG64 outputs.

    Built on ``random_raw`` rather than ``Generator.choice``/``integers``: NumPy
    keeps the bit generators' streams fixed across versions but reserves the
    right to change how ``Generator`` methods turn them into numbers. Rejection
    of the top partial block removes modulo bias (it triggers with probability
    below n / 2**64, so in practice never).
    """
    limit = (1 << 64) - (1 << 64) % n
    while True:
        r = int(bit_generator.random_raw())
        if r < limit:
            return r % n


def balanced_labeled_indices(labels, num_labeled, seed, num_classes=None):
    """Picks ``num_labeled / num_classes`` examples of each class, uniformly at random.

    The draw depends on the labels and the seed only: classes are visited in
    order 0, 1, ...; within a class, a partial Fisher-Yates shuffle of that
    class's indices (ascending) is driven by raw PCG64(seed) outputs, so the
    same seed gives the same indices on every machine and NumPy version.

    Args:
        labels: int array ``[N]`` of class ids in ``0 .. num_classes - 1``.
        num_labeled: total number of labeled examples; a positive multiple of
            the number of classes.
        seed: non-negative int.
        num_classes: number of classes; None: ``max(labels) + 1``.

    Returns:
        int64 array ``[num_labeled]`` of indices into ``labels``, sorted ascending.

    Raises:
        ValueError: ``num_labeled`` is not positive or not divisible by the
            number of classes, a class has fewer than ``num_labeled /
            num_classes`` examples, labels are out of range, or a negative seed.

    Example:
        >>> y = np.array([0, 1, 0, 1, 0, 1])
        >>> idx = balanced_labeled_indices(y, 2, seed=0)
        >>> len(idx), sorted(y[idx].tolist())
        (2, [0, 1])
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be a 1-D integer array, got {labels.dtype} "
                         f"{list(labels.shape)}")
    if isinstance(num_labeled, bool) or int(num_labeled) != num_labeled or num_labeled <= 0:
        raise ValueError(f"num_labeled must be a positive integer, got {num_labeled!r}")
    if int(seed) != seed or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    num_labeled, seed = int(num_labeled), int(seed)
    if num_classes is None:
        if not labels.size:
            raise ValueError("labels is empty")
        num_classes = int(labels.max()) + 1
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels range over {labels.min()}..{labels.max()}, outside "
                         f"0..{num_classes - 1}")
    if num_labeled % num_classes:
        raise ValueError(f"num_labeled={num_labeled} is not divisible by the number of "
                         f"classes ({num_classes}); a balanced labeled set needs the same "
                         "count of every class")
    per_class = num_labeled // num_classes
    bit_generator = np.random.Generator(np.random.PCG64(seed)).bit_generator
    chosen = []
    for c in range(num_classes):
        pool = np.flatnonzero(labels == c)
        if len(pool) < per_class:
            raise ValueError(f"class {c} has {len(pool)} examples, fewer than the "
                             f"{per_class} per class that num_labeled={num_labeled} needs")
        for i in range(per_class):
            j = i + _uniform_below(bit_generator, len(pool) - i)
            pool[i], pool[j] = pool[j], pool[i]
        chosen.append(pool[:per_class])
    return np.sort(np.concatenate(chosen)).astype(np.int64)


def hold_out_labeled(labels, indices, num_held_out, seed):
    """Splits labeled examples into a training part and a balanced held-out part.

    For protocols where the labels are all the labels there are (a lab's
    3,000), so model selection must use some of them: ``num_held_out /
    num_classes`` of each class's labeled examples are held out, drawn as
    ``balanced_labeled_indices`` draws (same seed, same split on every
    machine).

    Args:
        labels: int array ``[N]``, the labels of the whole training split.
        indices: the labeled examples' indices into it.
        num_held_out: how many to hold out; a positive multiple of the number
            of classes, smaller than ``len(indices)``.
        seed: non-negative int.

    Returns:
        ``(kept, held_out)``: disjoint sorted int64 arrays whose union is ``indices``.

    Raises:
        ValueError: ``num_held_out`` leaves no labeled example, or is not a
            positive multiple of the number of classes (see
            ``balanced_labeled_indices``).

    Example:
        >>> y = np.array([0, 1, 0, 1, 0, 1])
        >>> kept, held = hold_out_labeled(y, np.array([0, 1, 2, 3]), 2, seed=0)
        >>> len(kept), len(held), sorted(y[held].tolist())
        (2, 2, [0, 1])
    """
    indices = np.sort(np.asarray(indices, dtype=np.int64))
    num_held_out = int(num_held_out)
    if not 0 < num_held_out < len(indices):
        raise ValueError(f"Cannot hold out {num_held_out} of {len(indices)} labeled examples: "
                         "hold out at least one and keep at least one.")
    labels = np.asarray(labels)
    positions = balanced_labeled_indices(labels[indices], num_held_out, seed,
                                         num_classes=int(labels.max()) + 1)
    held = np.zeros(len(indices), bool)
    held[positions] = True
    return indices[~held], indices[held]


def _json_default(value):
    # NumPy scalars and arrays turn up in metadata (seeds, counts); store them as JSON.
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def save_indices(path, indices, **metadata):
    """Writes labeled-example indices and their provenance to a JSON file, atomically.

    The file is written next to ``path`` under a temporary name and then
    renamed over it, so a crash never leaves a half-written index file that a
    resumed run would read.

    Args:
        path: target ``.json`` file (parent folders are created).
        indices: 1-D non-negative ints.
        **metadata: extra JSON-able fields, e.g. ``num_labeled``, ``seed``, ``dataset``.

    Returns:
        ``path``.

    Raises:
        ValueError: ``indices`` is not a 1-D array of non-negative ints.
        TypeError: metadata that JSON cannot hold.

    Example:
        >>> save_indices("runs/x/labeled_indices.json", [3, 17], num_labeled=2,
        ...              seed=0, dataset="mnist")  # doctest: +SKIP
        'runs/x/labeled_indices.json'
    """
    indices = np.asarray(indices)
    if indices.ndim != 1 or (indices.size and not np.issubdtype(indices.dtype, np.integer)):
        raise ValueError(f"indices must be a 1-D integer array, got {indices.dtype} "
                         f"{list(indices.shape)}")
    if indices.size and indices.min() < 0:
        raise ValueError("indices must be non-negative")
    record = {"indices": [int(i) for i in indices], **metadata}
    text = json.dumps(record, default=_json_default)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with files.atomic_write(path) as f:
        f.write(text)
    return path


def load_indices(path):
    """Reads a file written by ``save_indices``.

    Args:
        path: the JSON file.

    Returns:
        Its fields as a dict, with ``"indices"`` as an int64 array.

    Raises:
        DataError: the file is missing, not JSON, or has no valid ``"indices"``.

    Example:
        >>> load_indices("runs/x/labeled_indices.json")["indices"][:2]  # doctest: +SKIP
        array([ 3, 17])
    """
    try:
        with open(path) as f:
            record = json.load(f)
    except FileNotFoundError as e:
        raise DataError(f"labeled-index file {path} does not exist") from e
    except (OSError, ValueError) as e:
        raise DataError(f"{path} is not a readable JSON index file ({e})") from e
    if not isinstance(record, dict) or not isinstance(record.get("indices"), list) or not all(
            isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in record["indices"]):
        raise DataError(f"{path}: expected a JSON object with a list of non-negative integer "
                        "'indices'")
    record["indices"] = np.asarray(record["indices"], dtype=np.int64)
    return record
