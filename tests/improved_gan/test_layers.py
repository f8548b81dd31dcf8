"""The paper's layers against independent numpy computations."""

import numpy as np
import pytest
from keras import ops

from ssgm_zoo.models.improved_gan import (MinibatchDiscrimination, VirtualBatchNormalization,
                                          WeightNormConv2D, WeightNormConv2DTranspose,
                                          WeightNormDense)

RNG = np.random.default_rng(0)


def np_(x):
    return ops.convert_to_numpy(x)


def test_weight_norm_dense_is_the_explicitly_normalised_product():
    layer = WeightNormDense(5, seed=1)
    layer.build((None, 7))
    g, b = RNG.random(5).astype("float32") + 0.5, RNG.normal(size=5).astype("float32")
    layer.g.assign(g)
    layer.b.assign(b)
    x = RNG.normal(size=(4, 7)).astype("float32")
    v = np_(layer.v)
    w = np.stack([g[j] * v[:, j] / np.linalg.norm(v[:, j]) for j in range(5)], axis=1)
    np.testing.assert_allclose(np_(layer(x)), x @ w + b, rtol=1e-5, atol=1e-5)
    # Scaling v changes nothing: only its direction counts.
    layer.v.assign(3.0 * v)
    np.testing.assert_allclose(np_(layer(x)), x @ w + b, rtol=1e-5, atol=1e-5)


def test_weight_norm_convolutions_normalise_each_output_channel():
    conv = WeightNormConv2D(3, 3, seed=2)
    conv.build((None, 6, 6, 2))
    w = np_(conv.kernel())
    assert np.allclose(np.sqrt((w ** 2).sum(axis=(0, 1, 2))), 1.0, rtol=1e-5)
    deconv = WeightNormConv2DTranspose(2, 5, 2, seed=3)
    deconv.build((None, 4, 4, 3))
    deconv.g.assign(np.array([2.0, 0.5], "float32"))
    w = np_(deconv.kernel())  # [k, k, out, in]
    np.testing.assert_allclose(np.sqrt((w ** 2).sum(axis=(0, 1, 3))), [2.0, 0.5], rtol=1e-5)
    assert tuple(deconv(np.zeros((1, 4, 4, 3), "float32")).shape) == (1, 8, 8, 2)


@pytest.mark.parametrize("make,shape", [
    (lambda: WeightNormDense(6, activation="relu", init_scale=1.0, seed=4), (50, 9)),
    (lambda: WeightNormConv2D(4, 3, init_scale=0.1, seed=5), (10, 5, 5, 3)),
    (lambda: WeightNormConv2DTranspose(3, 5, 2, init_scale=0.1, seed=6), (10, 4, 4, 2))])
def test_data_dependent_init_gives_centred_pre_activations_of_the_chosen_scale(make, shape):
    layer = make()
    layer.build((None, *shape[1:]))
    x = (3.0 * RNG.normal(size=shape) + 1.0).astype("float32")
    out = np_(layer.initialize(x))
    pre = np_(layer.linear(x) + layer.b)  # after initialisation, as the layer now computes it
    axes = tuple(range(pre.ndim - 1))
    np.testing.assert_allclose(pre.mean(axis=axes), 0.0, atol=1e-4)
    np.testing.assert_allclose(pre.std(axis=axes), layer.init_scale, rtol=1e-3)
    np.testing.assert_allclose(out, np_(layer(x)), rtol=1e-4, atol=1e-5)


def test_minibatch_discrimination_matches_a_direct_loop():
    layer = MinibatchDiscrimination(num_kernels=3, dim_per_kernel=2, seed=7)
    layer.build((None, 4))
    layer.log_scale.assign(RNG.normal(size=(3, 2)).astype("float32") * 0.3)
    x = RNG.normal(size=(5, 4)).astype("float32")
    theta, log_scale, b = np_(layer.theta), np_(layer.log_scale), np_(layer.b)
    t = theta * np.exp(log_scale) / np.sqrt((theta ** 2).sum(axis=0))
    m = np.einsum("ni,ikd->nkd", x, t)
    expected = np.zeros((5, 3))
    for i in range(5):
        for k in range(3):
            for j in range(5):
                if j != i:
                    expected[i, k] += np.exp(-np.abs(m[i, k] - m[j, k]).sum())
    expected += b
    out = np_(layer(x))
    np.testing.assert_allclose(out[:, :4], x)
    np.testing.assert_allclose(out[:, 4:], expected, rtol=1e-5, atol=1e-6)
    # Initialisation centres the features on its batch and keeps the output consistent.
    init_out = np_(layer.initialize(x))
    np.testing.assert_allclose(init_out[:, 4:].mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(np_(layer(x)), init_out, rtol=1e-4, atol=1e-5)


def test_virtual_batch_norm_is_batch_norm_over_the_reference_plus_the_example():
    layer = VirtualBatchNormalization(center=True, scale=True, epsilon=1e-5)
    layer.build((None, 3))
    layer.beta.assign(np.array([0.1, -0.2, 0.3], "float32"))
    layer.gamma.assign(np.array([1.5, 0.5, 2.0], "float32"))
    reference = RNG.normal(size=(6, 3)).astype("float32")
    x = (2.0 * RNG.normal(size=(4, 3)) + 1.0).astype("float32")
    out, ref_out = map(np_, layer(x, reference))

    def bn(batch, rows):
        mean, var = batch.mean(axis=0), batch.var(axis=0)
        return (rows - mean) / np.sqrt(var + 1e-5) * [1.5, 0.5, 2.0] + [0.1, -0.2, 0.3]

    np.testing.assert_allclose(ref_out, bn(reference, reference), rtol=1e-4, atol=1e-5)
    for i in range(4):  # each example alone joins the reference batch
        joined = np.concatenate([reference, x[i:i + 1]])
        np.testing.assert_allclose(out[i], bn(joined, x[i]), rtol=1e-4, atol=1e-5)
    # So an example's output does not depend on the rest of its batch.
    np.testing.assert_allclose(np_(layer(x[:1], reference)[0]), out[:1], rtol=1e-5)
