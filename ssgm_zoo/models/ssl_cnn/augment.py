"""Data augmentation for digits, in ``keras.ops`` so it runs inside the compiled step.

One resampling does it all: every output pixel ``p`` (in pixel units, the
image centre at the origin) reads the input at ``A p + t + d(p)``, bilinearly,
with zeros outside the image, where

* ``A`` is a random rotation (``max_rotation`` degrees), scaling (a factor in
  ``[1 - max_scale, 1 + max_scale]``) and shear (``max_shear`` degrees),
* ``t`` a random translation of at most ``max_shift`` pixels on each axis,
* ``d`` an elastic displacement field (Simard et al. 2003, section 2): uniform
  noise in ``[-1, 1]`` per pixel and axis, smoothed by a Gaussian of standard
  deviation ``elastic_sigma`` pixels and scaled by ``elastic_alpha``; off when
  ``elastic_alpha`` is 0.

Affine transforms and elastic distortion of a few pixels keep a digit's
class; flips and large rotations do not (a 6 turns into a 9), so they are
not offered.
"""

import math

import keras
import numpy as np
from keras import ops

from ssgm_zoo.training.engine import xla_compiled

__all__ = ["DigitAugmentation", "gaussian_kernel", "blur_matrix", "affine_matrices", "resample"]


def gaussian_kernel(sigma):
    """A normalised 1-D Gaussian of standard deviation ``sigma``, radius ``ceil(3 sigma)``.

    Example:
    >>> k = gaussian_kernel(1.0)
    >>> len(k), round(float(k.sum()), 6)
    (7, 1.0)
    """
    if sigma <= 0:
        raise ValueError(f"sigma must be positive, got {sigma}.")
    radius = max(1, int(math.ceil(3 * sigma)))
    x = np.arange(-radius, radius + 1, dtype="float64")
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return (k / k.sum()).astype("float32")


def affine_matrices(angle, scale, shear):
    """``[N, 2, 2]`` matrices ``R(angle) S(shear) * scale`` (angles in radians) acting on
    ``(row, column)`` offsets."""
    c, s = ops.cos(angle), ops.sin(angle)
    t = ops.tan(shear)
    # rotation [[c, -s], [s, c]] times shear [[1, t], [0, 1]], times the scale
    a00, a01 = c, c * t - s
    a10, a11 = s, s * t + c
    m = ops.stack([ops.stack([a00, a01], -1), ops.stack([a10, a11], -1)], -2)
    return m * scale[:, None, None]


def resample(images, rows, cols):
    """Bilinear samples of ``images`` ``[N, H, W, C]`` at source coordinates ``rows``,
    ``cols`` ``[N, H, W]`` (pixel indices), zero outside the image."""
    n, h, w, c = ops.shape(images)
    batch = ops.broadcast_to(ops.reshape(ops.arange(n, dtype="float32"), (n, 1, 1)),
                             ops.shape(rows))
    channels = []
    for k in range(c):
        channels.append(ops.image.map_coordinates(images[..., k], [batch, rows, cols], order=1,
                                                  fill_mode="constant", fill_value=0.0))
    return ops.stack(channels, axis=-1)


def blur_matrix(size, kernel):
    """``[size, size]`` matrix ``B`` with ``(B v)_i = sum_k kernel[k] v[i + k - r]`` (zero
    outside ``0 .. size - 1``; ``r`` the kernel's radius).

    Example:
    >>> blur_matrix(3, np.array([0.25, 0.5, 0.25])).tolist()
    [[0.5, 0.25, 0.0], [0.25, 0.5, 0.25], [0.0, 0.25, 0.5]]
    """
    radius = len(kernel) // 2
    matrix = np.zeros((size, size), "float32")
    for i in range(size):
        for j in range(max(0, i - radius), min(size, i + radius + 1)):
            matrix[i, j] = kernel[j - i + radius]
    return matrix


@keras.saving.register_keras_serializable(package="ssgm_zoo.ssl_cnn")
class DigitAugmentation(keras.layers.Layer):
    """Random affine and elastic distortions of a batch of images, in training only.

    Args:
        max_rotation: degrees.
        max_shift: pixels.
        max_scale: relative (0.1: factors 0.9 to 1.1).
        max_shear: degrees.
        elastic_alpha: pixels of displacement of the smoothed field (0: none).
        elastic_sigma: the smoothing Gaussian's standard deviation in pixels.
        probability: the share of images transformed, each drawn independently;
            the others pass unchanged (1: every image, as before this option;
            a network that never sees an image without the resampling's blur
            can fail on clean ones, ``docs/ssl_cnn.md``).
        seed: the seed of its random draws.

    Example:
    >>> import numpy as np
    >>> aug = DigitAugmentation(max_rotation=10, max_shift=2, elastic_alpha=8, seed=0)
    >>> x = np.zeros((3, 28, 28, 1), "float32")
    >>> tuple(aug(x, training=True).shape)
    (3, 28, 28, 1)
    """

    def __init__(self, max_rotation=0.0, max_shift=0.0, max_scale=0.0, max_shear=0.0,
                 elastic_alpha=0.0, elastic_sigma=4.0, probability=1.0, seed=0, **kwargs):
        super().__init__(**kwargs)
        values = dict(max_rotation=max_rotation, max_shift=max_shift, max_scale=max_scale,
                      max_shear=max_shear, elastic_alpha=elastic_alpha)
        negative = [k for k, v in values.items() if float(v) < 0]
        if negative:
            raise ValueError(f"Augmentation strengths must be >= 0; {', '.join(negative)} "
                             "is negative.")
        if not float(max_scale) < 1:
            raise ValueError(f"max_scale must be below 1, got {max_scale}.")
        if not 0 <= float(max_rotation) <= 45 or not 0 <= float(max_shear) <= 45:
            raise ValueError("max_rotation and max_shear must lie in [0, 45] degrees "
                             f"(digits turned further change class), got {max_rotation} and "
                             f"{max_shear}.")
        if float(elastic_sigma) <= 0:
            raise ValueError(f"elastic_sigma must be positive, got {elastic_sigma}.")
        if not 0 < float(probability) <= 1:
            raise ValueError(f"probability must lie in (0, 1], got {probability}.")
        self.max_rotation, self.max_shift = float(max_rotation), float(max_shift)
        self.max_scale, self.max_shear = float(max_scale), float(max_shear)
        self.elastic_alpha, self.elastic_sigma = float(elastic_alpha), float(elastic_sigma)
        self.probability = float(probability)
        self.seed = int(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self._kernel = gaussian_kernel(self.elastic_sigma)
        # Compiled with XLA even in TensorFlow runs without it: 6 times faster on a CPU.
        self._distort = xla_compiled(self._distort_all)

    @property
    def active(self):
        return any((self.max_rotation, self.max_shift, self.max_scale, self.max_shear,
                    self.elastic_alpha))

    def _uniform(self, shape, bound):
        return keras.random.uniform(shape, -bound, bound, seed=self.seed_generator)

    def _smooth(self, field):
        """Gaussian smoothing of ``[N, H, W, 2]`` fields, zero outside the image: a
        banded matrix on each axis (faster on CPUs than a convolution with two
        channels)."""
        rows = ops.convert_to_tensor(blur_matrix(field.shape[1], self._kernel))
        cols = ops.convert_to_tensor(blur_matrix(field.shape[2], self._kernel))
        return ops.einsum("ij,njkc,lk->nilc", rows, field, cols)

    def call(self, images, training=False):
        if not training or not self.active:
            return images
        return self._distort(ops.convert_to_tensor(images, "float32"))

    def _distort_all(self, images):
        n = ops.shape(images)[0]
        h, w = images.shape[1], images.shape[2]
        angle = self._uniform((n,), math.radians(self.max_rotation))
        shear = self._uniform((n,), math.radians(self.max_shear))
        scale = 1.0 + self._uniform((n,), self.max_scale)
        shift = self._uniform((n, 2), self.max_shift)
        # Output pixel p reads the input at A^-1-free form: source = A p + t (+ d).
        matrices = affine_matrices(angle, 1.0 / scale, shear)
        centre = ops.convert_to_tensor([(h - 1) / 2.0, (w - 1) / 2.0], "float32")
        grid = np.stack(np.meshgrid(np.arange(h), np.arange(w), indexing="ij"), -1)
        offsets = ops.convert_to_tensor(grid.astype("float32")) - centre  # [H, W, 2]
        source = ops.einsum("nij,hwj->nhwi", matrices, offsets) + centre + shift[:, None, None]
        if self.elastic_alpha:
            noise = self._uniform((n, h, w, 2), 1.0)
            source = source + self.elastic_alpha * self._smooth(noise)
        augmented = resample(images, source[..., 0], source[..., 1])
        if self.probability == 1.0:  # no draw: the random stream stays as it was
            return augmented
        chosen = keras.random.uniform((n,), seed=self.seed_generator) < self.probability
        return ops.where(chosen[:, None, None, None], augmented, images)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "max_rotation": self.max_rotation,
                "max_shift": self.max_shift, "max_scale": self.max_scale,
                "max_shear": self.max_shear, "elastic_alpha": self.elastic_alpha,
                "elastic_sigma": self.elastic_sigma, "probability": self.probability,
                "seed": self.seed}
