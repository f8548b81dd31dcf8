"""Digit augmentation: geometry against numpy, images stay in range, digits stay themselves."""

import math

import keras
import numpy as np
import pytest
from keras import ops

from ssgm_zoo.models.ssl_cnn.augment import (DigitAugmentation, affine_matrices,
                                             blur_matrix, gaussian_kernel, resample)


def np_(x):
    return ops.convert_to_numpy(x)


def test_resampling_at_shifted_coordinates_shifts_the_image():
    x = np.random.default_rng(0).random((2, 6, 7, 1)).astype("float32")
    rows, cols = np.meshgrid(np.arange(6), np.arange(7), indexing="ij")
    rows = np.broadcast_to(rows, (2, 6, 7)).astype("float32")
    cols = np.broadcast_to(cols, (2, 6, 7)).astype("float32")
    shifted = np_(resample(x, rows + 1.0, cols))  # output row r reads input row r + 1
    np.testing.assert_allclose(shifted[:, :-1], x[:, 1:], atol=1e-6)
    np.testing.assert_array_equal(shifted[:, -1], 0.0)  # outside the image: zeros
    half = np_(resample(x, rows, cols + 0.5))  # bilinear: the mean of two neighbours
    np.testing.assert_allclose(half[:, :, :-1, 0], (x[:, :, :-1, 0] + x[:, :, 1:, 0]) / 2,
                               atol=1e-6)


def test_affine_matrices_are_rotation_times_shear_times_scale():
    angle, shear, scale = 0.3, 0.2, 1.1
    m = np_(affine_matrices(ops.convert_to_tensor([angle]), ops.convert_to_tensor([scale]),
                            ops.convert_to_tensor([shear])))[0]
    rotation = np.array([[math.cos(angle), -math.sin(angle)],
                         [math.sin(angle), math.cos(angle)]])
    expected = rotation @ np.array([[1.0, math.tan(shear)], [0.0, 1.0]]) * scale
    np.testing.assert_allclose(m, expected, rtol=1e-6)


def test_gaussian_kernel_is_normalised_with_the_right_spread():
    k = gaussian_kernel(2.0)
    x = np.arange(len(k)) - len(k) // 2
    assert k.sum() == pytest.approx(1.0, abs=1e-6)
    assert np.sqrt((k * x**2).sum()) == pytest.approx(2.0, rel=0.02)


def test_no_augmentation_and_evaluation_mode_return_the_images_unchanged():
    x = np.random.default_rng(1).random((3, 28, 28, 1)).astype("float32")
    np.testing.assert_array_equal(np_(DigitAugmentation()(x, training=True)), x)
    strong = DigitAugmentation(max_rotation=20, elastic_alpha=34, seed=0)
    np.testing.assert_array_equal(np_(strong(x, training=False)), x)


def test_smoothing_is_a_zero_padded_gaussian_convolution():
    aug = DigitAugmentation(elastic_alpha=1.0, elastic_sigma=1.5)
    field = np.random.default_rng(2).random((2, 13, 15, 2)).astype("float32")
    k = gaussian_kernel(1.5)
    expected = np.empty_like(field)
    for n in range(2):
        for c in range(2):
            rows = np.stack([np.convolve(col, k, mode="same") for col in field[n, :, :, c].T], 1)
            expected[n, :, :, c] = np.stack([np.convolve(row, k, mode="same") for row in rows])
    np.testing.assert_allclose(np_(aug._smooth(ops.convert_to_tensor(field))), expected,
                               atol=1e-6)


def test_augmented_digits_stay_in_range_and_keep_their_class(mnist_test_images, mnist_train):
    """A reference classifier of our own (nearest neighbour on blurred images, 20,000
    training digits) still reads the distorted digits: far above chance, and not far
    below the originals."""
    x, y = mnist_test_images[:200], mnist_train["test_labels"][:200]
    blur = blur_matrix(28, gaussian_kernel(1.5))
    reference = np.einsum("ij,njk,lk->nil", blur, mnist_train["x"][..., 0], blur).reshape(
        len(mnist_train["x"]), -1)
    norms = (reference ** 2).sum(1)

    def nearest_label(images):
        q = np.einsum("ij,njk,lk->nil", blur, images[..., 0], blur).reshape(len(images), -1)
        return mnist_train["y"][np.argmin(norms[None] - 2 * q @ reference.T, axis=1)]

    original = np.mean(nearest_label(x) == y)
    aug = DigitAugmentation(max_rotation=10, max_shift=2, max_scale=0.1, max_shear=10,
                            elastic_alpha=34, elastic_sigma=4, seed=3)
    distorted = np_(aug(x, training=True))
    assert distorted.shape == x.shape and distorted.min() >= 0.0 and distorted.max() <= 1.0
    assert np.abs(distorted - x).mean() > 0.02  # it changed them
    kept = np.mean(nearest_label(distorted) == y)
    assert original > 0.95 and kept > 0.6, (original, kept)  # chance: 0.1
    again = np_(DigitAugmentation(max_rotation=10, max_shift=2, max_scale=0.1, max_shear=10,
                                  elastic_alpha=34, elastic_sigma=4, seed=3)(x, training=True))
    np.testing.assert_allclose(again, distorted, atol=1e-6)  # seeded


@pytest.mark.parametrize("bad", [dict(max_rotation=-1), dict(max_rotation=90),
                                 dict(max_scale=1.0), dict(elastic_sigma=0)])
def test_bad_strengths_are_named(bad):
    with pytest.raises(ValueError, match=next(iter(bad)).split("_")[-1]):
        DigitAugmentation(**bad)


def test_a_probability_below_one_passes_the_other_images_unchanged():
    x = np.random.default_rng(4).random((400, 28, 28, 1)).astype("float32")
    strengths = dict(max_rotation=10, max_shift=2, max_scale=0.1, max_shear=10, elastic_alpha=34)
    every = np_(DigitAugmentation(**strengths, seed=5)(x, training=True))
    np.testing.assert_array_equal(  # 1 is the default: the same draws, the same images
        np_(DigitAugmentation(**strengths, probability=1.0, seed=5)(x, training=True)), every)
    some = np_(DigitAugmentation(**strengths, probability=0.25, seed=5)(x, training=True))
    unchanged = np.all(some == x, axis=(1, 2, 3))
    assert 0.65 < unchanged.mean() < 0.85, unchanged.mean()  # 0.75 expected
    # The transformed ones are those of probability 1 (the same draws come first).
    np.testing.assert_allclose(some[~unchanged], every[~unchanged], atol=1e-6)
    with pytest.raises(ValueError, match="probability must lie in"):
        DigitAugmentation(probability=0.0)
    # A config's model.augmentation may give it.
    from ssgm_zoo.models.ssl_cnn.model import CNNClassifier

    model = CNNClassifier(augmentation={"max_shift": 2, "probability": 0.5}, seed=0)
    assert model.augment.probability == 0.5
    assert CNNClassifier.from_config(model.get_config()).augment.probability == 0.5


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TensorFlow's graph modes")
def test_the_same_draws_eagerly_in_a_graph_and_under_xla():
    # The distortion is compiled with XLA in every TensorFlow mode (engine.xla_compiled):
    # a run without jit_compile augments exactly as one with it.
    import tensorflow as tf

    x = np.random.default_rng(6).random((16, 28, 28, 1)).astype("float32")
    strengths = dict(max_rotation=10, max_shift=2, max_scale=0.1, max_shear=10, elastic_alpha=34,
                     probability=0.5)
    eager, graph, xla = (DigitAugmentation(**strengths, seed=7) for _ in range(3))
    in_graph = tf.function(lambda v: graph(v, training=True))
    in_xla = tf.function(lambda v: xla(v, training=True), jit_compile=True)
    for _ in range(2):  # and the seed generators move on alike
        first = np_(eager(x, training=True))
        np.testing.assert_array_equal(np_(in_graph(x)), first)
        np.testing.assert_array_equal(np_(in_xla(x)), first)
    assert not np.array_equal(first, x)
