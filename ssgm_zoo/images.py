"""The one check and conversion of images that every way into a model goes through.

The command line's readers (``ssgm_zoo.zoo.inputs``) and the models' Python
methods (``classify``, ``predict_proba``, ``features``) both call
``check_images`` and convert batches with ``to_unit_float``, so the same input
gets the same answer, or the same error, either way.

The convention, as the zoo's models were trained:

* shape ``[N, H, W, C]``, or ``[N, H, W]`` when ``C == 1``, or flat rows
  ``[N, H*W*C]`` (in ``H, W, C`` order);
* integers ``0 .. 255`` (scaled by 1/255) or floats in ``[0, 1]`` (used as
  they are); floats in ``0 .. 255``, NaN and Inf are refused, not guessed;
* for grayscale digits and clothes (MNIST, Fashion-MNIST): light strokes on a
  dark background (0 is black). Images whose borders are mostly bright look
  inverted and are refused with the option that inverts them.

Checks run over blocks of images, so a large input costs no float copy of the
whole array; ``to_unit_float`` converts one batch at a time. This module
needs NumPy only.

Example:
>>> x = np.zeros((2, 28, 28), np.uint8)
>>> checked = check_images(x, (28, 28, 1))
>>> checked.shape, checked.dtype
((2, 28, 28, 1), dtype('uint8'))
>>> to_unit_float(checked).dtype
dtype('float32')
>>> check_images(np.zeros((28, 28)), (28, 28, 1))
Traceback (most recent call last):
...
ssgm_zoo.images.InputError: images: found an array of shape (28, 28); expected an array of shape [N, 28, 28, 1] or [N, 28, 28] or [N, 784] (images of 28x28x1). This looks like a single image: add a leading axis, e.g. x[None].
"""

import numpy as np

__all__ = ["InputError", "check_images", "to_unit_float", "as_images", "check_polarity",
           "looks_inverted", "check_batch_size", "check_image_shape"]

_BLOCK = 10_000  # images checked at a time


class InputError(ValueError):
    """Images, labels or a file of them cannot be used.

    The message names the input (the file and the line / column, array key or
    image file where relevant), the problem, and what was expected.
    """


def check_image_shape(image_shape):
    """``image_shape`` as a tuple of positive ints; ValueError otherwise."""
    try:
        shape = tuple(image_shape)
    except TypeError:
        shape = ()
    if not shape or any(isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1
                        for d in shape):
        raise ValueError(f"image_shape must be positive integers such as (28, 28, 1), got "
                         f"{image_shape!r}")
    return tuple(int(d) for d in shape)


def check_batch_size(batch_size):
    """A positive int batch size; ``InputError`` naming the bad value otherwise."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise InputError(f"batch_size must be a positive integer, got {batch_size!r}.")
    return int(batch_size)


def _shape_text(shape):
    return "x".join(map(str, shape))


def check_images(images, image_shape, *, where="images"):
    """Checks images against the convention; returns them as ``[N, *image_shape]``.

    The dtype is kept (no copy where none is needed); ``to_unit_float`` scales
    a batch of the result.

    Args:
        images: an array (or nested lists) of images.
        image_shape: the shape of one image the model takes, e.g. ``(28, 28, 1)``.
        where: what to call the input in messages (a file name, ``"images"``).

    Raises:
        InputError: not an array of numbers, the wrong shape (with a hint for a
            single image or channels-first layout), no images, NaN or Inf,
            values outside 0 .. 255 (integers) or [0, 1] (floats).
    """
    shape = check_image_shape(image_shape)
    if images is None or isinstance(images, (str, bytes)):
        raise InputError(f"{where}: expected an array of images, got "
                         f"{type(images).__name__} {images!r:.60}.")
    array = np.asarray(images)
    size = int(np.prod(shape))
    grayscale = len(shape) == 3 and shape[-1] == 1
    accepted = [f"[N, {', '.join(map(str, shape))}]"]
    if grayscale:
        accepted.append(f"[N, {shape[0]}, {shape[1]}]")
    if len(shape) > 1:
        accepted.append(f"[N, {size}]")
    expected = f"an array of shape {' or '.join(accepted)} (images of {_shape_text(shape)})"
    kind = array.dtype.kind
    if kind not in "uif":
        raise InputError(f"{where}: array has dtype {array.dtype}; expected integers 0 .. 255 "
                         "(e.g. uint8) or floats in [0, 1].")
    n = array.shape[0] if array.ndim else 0
    if array.ndim == len(shape) + 1 and array.shape[1:] == shape:
        pass
    elif grayscale and array.ndim == 3 and array.shape[1:] == shape[:2]:
        array = array[..., None]
    elif array.ndim == 2 and array.shape[1] == size:
        array = array.reshape(n, *shape)
    else:
        hint = ""
        single = {shape, (size,)} | ({shape[:2]} if grayscale else set())
        if array.shape in single:
            hint = " This looks like a single image: add a leading axis, e.g. x[None]."
        elif len(shape) == 3 and array.ndim == 4 and array.shape[1:] == (
                shape[2], shape[0], shape[1]):
            hint = " This looks channels-first: transpose with x.transpose(0, 2, 3, 1)."
        raise InputError(f"{where}: found an array of shape {array.shape}; expected "
                         f"{expected}.{hint}")
    if n == 0:
        raise InputError(f"{where}: contains no images (shape {array.shape}); expected at "
                         "least one image.")
    for lo in range(0, n, _BLOCK):
        _check_values(array[lo:lo + _BLOCK].reshape(min(_BLOCK, n - lo), -1), lo, where, kind)
    return array


def _check_values(flat, offset, where, kind):
    if kind == "f":
        finite = np.isfinite(flat)
        if not finite.all():
            rows = np.flatnonzero(~finite.all(axis=1))
            raise InputError(f"{where}: image {offset + rows[0]} (0-based) contains NaN or Inf; "
                             "expected finite values in [0, 1].")
        low, high = flat.min(), flat.max()
        if low < 0 or high > 1:
            rows = np.flatnonzero((flat < 0).any(axis=1) | (flat > 1).any(axis=1))
            hint = (" The values look like 0 .. 255: divide by 255 (or use uint8) first."
                    if low >= 0 and high <= 255 else "")
            raise InputError(f"{where}: float values must lie in [0, 1], found values in "
                             f"[{low:g}, {high:g}] (first in image {offset + rows[0]}, "
                             f"0-based).{hint}")
        return
    low, high = flat.min(), flat.max()
    if low < 0 or high > 255:
        rows = np.flatnonzero((flat < 0).any(axis=1) | (flat > 255).any(axis=1))
        raise InputError(f"{where}: integer values must lie in 0 .. 255, found values in "
                         f"{low} .. {high} (first in image {offset + rows[0]}, 0-based).")


def to_unit_float(images):
    """Checked images as float32 in [0, 1]: integers divided by 255, floats as they are."""
    images = np.asarray(images)
    if images.dtype.kind == "f":
        return np.ascontiguousarray(images, dtype=np.float32)
    return images.astype(np.float32) / np.float32(255)


def as_images(images, image_shape, *, where="images"):
    """``check_images`` then ``to_unit_float`` on the whole input."""
    return to_unit_float(check_images(images, image_shape, where=where))


def looks_inverted(images, sample=1000):
    """Whether grayscale images look dark-on-light: most of them have bright borders.

    Looks at up to ``sample`` images spread over the input; an image counts as
    bright-bordered when the mean of its outermost pixels is above 0.7 of the
    scale (MNIST digits and Fashion-MNIST items: about 0 and 0.05; inverted,
    about 1; uniform noise, 0.5).
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 1 or min(images.shape[1:3]) < 3:
        return False
    picked = to_unit_float(images[np.linspace(0, len(images) - 1, min(sample, len(images)),
                                              dtype=int)])[..., 0]
    border = np.concatenate([picked[:, 0], picked[:, -1], picked[:, 1:-1, 0],
                             picked[:, 1:-1, -1]], axis=1)
    return bool(np.mean(border.mean(axis=1) > 0.7) > 0.5)


def check_polarity(images, *, where="images", fix="invert=True"):
    """Refuses grayscale images that look inverted (``looks_inverted``), naming the fix."""
    if looks_inverted(images):
        raise InputError(
            f"{where}: most images have bright borders, so they look like dark strokes on a "
            "light background; the models expect light strokes on a dark background (as in "
            f"MNIST). Pass {fix} to invert them, or, if they are meant as they are, turn this "
            "check off.")
