"""The Ladder network's costs against a numpy implementation written from the paper."""

import numpy as np
import pytest
from keras import ops

from ssgm_zoo.models.ssl_cnn.ladder import LadderNetwork

RNG = np.random.default_rng(0)


def np_(x):
    return ops.convert_to_numpy(x)


def _bn(z, mean=None, var=None):
    if mean is None:
        mean, var = z.mean(0), z.var(0)
    return (z - mean) / np.sqrt(var + 1e-10), mean, var


def _numpy_denoising_costs(model, x):
    """The paper's costs without noise (noisy pass = clean pass), in float64."""
    W = [np_(w).astype("float64") for w in model.encoder_weights]
    V = [np_(v).astype("float64") for v in model.decoder_weights]
    A = [np_(a).astype("float64") for a in model.combinators]
    beta = [np_(b).astype("float64") for b in model.betas]
    gamma = np_(model.gamma).astype("float64")
    h = x.reshape(len(x), -1).astype("float64")
    zs, stats = [h], [(0.0, 1.0)]
    for k, w in enumerate(W):
        z, mean, var = _bn(h @ w)
        zs.append(z)
        stats.append((mean, var))
        a = z + beta[k]
        if k == len(W) - 1:
            e = np.exp(gamma * a - (gamma * a).max(-1, keepdims=True))
            h = e / e.sum(-1, keepdims=True)
        else:
            h = np.maximum(a, 0)
    costs, estimate = [None] * len(zs), None
    for k in range(len(zs) - 1, -1, -1):
        u = h if k == len(zs) - 1 else estimate @ V[k]
        u, _, _ = _bn(u)
        a = A[k]
        mu = a[0] / (1 + np.exp(-(a[1] * u + a[2]))) + a[3] * u + a[4]
        v = a[5] / (1 + np.exp(-(a[6] * u + a[7]))) + a[8] * u + a[9]
        estimate = (zs[k] - mu) * v + mu
        mean, var = stats[k]
        normalised = (estimate - mean) / np.sqrt(var + 1e-10) if k else estimate
        costs[k] = ((zs[k] - normalised) ** 2).sum(-1).mean() / zs[k].shape[1]
    return costs


def test_denoising_costs_match_a_numpy_ladder():
    model = LadderNetwork(image_shape=(3, 3, 1), num_classes=4, hidden_units=(6, 5),
                          noise_std=0.0, denoising_weights=(1.0, 1.0, 1.0, 1.0), seed=1)
    for a in model.combinators:  # away from the initial identity-free state
        a.assign(RNG.normal(size=a.shape).astype("float32"))
    x = RNG.random((7, 3, 3, 1)).astype("float32")
    costs, _ = model.denoising_costs(ops.convert_to_tensor(x))
    np.testing.assert_allclose([float(c) for c in costs], _numpy_denoising_costs(model, x),
                               rtol=2e-4)


def test_the_supervised_cost_uses_the_corrupted_output_and_evaluation_the_moving_averages():
    model = LadderNetwork(image_shape=(3, 3, 1), num_classes=4, hidden_units=(6,),
                          noise_std=0.3, denoising_weights=(1.0, 1.0, 1.0), momentum=0.5,
                          seed=2)
    x = RNG.random((8, 3, 3, 1)).astype("float32")
    y = np.array([0, 1, 2, 3, 0, 1, 2, 3])
    batch = {"labeled": {"x": x, "y": y}, "unlabeled": {"x": x}}
    a, terms_a = model.compute_objective("loss", batch)
    b, _ = model.compute_objective("loss", batch)
    assert float(a) != float(b)  # fresh noise each time
    clean = np_(model.class_logits(x, training=True))
    h = x.reshape(8, -1) @ np_(model.encoder_weights[0])
    # Two updates of the moving mean with momentum 0.5 from 0: 0.75 of the batch mean.
    np.testing.assert_allclose(np_(model.moving_means[0]), 0.75 * h.mean(0), rtol=1e-5,
                               atol=1e-6)
    assert float(terms_a["supervised"]) != pytest.approx(
        -np.mean(clean[np.arange(8), y]), rel=1e-3)
    evaluated = np_(model.class_logits(x))
    assert not np.allclose(evaluated, clean)  # moving averages, not the batch's statistics


def test_a_wrong_number_of_denoising_weights_is_named():
    with pytest.raises(ValueError, match="denoising_weights needs 4 values"):
        LadderNetwork(hidden_units=(8, 8), denoising_weights=(1.0, 1.0))


def test_the_entry_ships_the_encoder_alone_and_classifies_as_the_trained_model(tmp_path):
    model = LadderNetwork(image_shape=(3, 3, 1), num_classes=4, hidden_units=(6, 5),
                          denoising_weights=(1.0, 1.0, 1.0, 1.0), seed=3)
    x = RNG.random((8, 3, 3, 1)).astype("float32")
    y = np.array([0, 1, 2, 3, 0, 1, 2, 3])
    model.compute_objective("loss", {"labeled": {"x": x, "y": y}, "unlabeled": {"x": x}})
    model.gamma.assign(RNG.normal(size=4).astype("float32"))  # away from its start
    shipped = model.for_entry()
    assert not shipped.decoder and shipped.for_entry() is shipped
    # Encoder: W, beta, moving mean and variance per layer, and gamma; nothing of the decoder.
    encoder = sum(int(np.prod(v.shape)) for v in model.encoder_weights + model.betas
                  + model.moving_means + model.moving_variances) + 4
    assert shipped.count_params() == encoder < model.count_params()
    np.testing.assert_allclose(np_(shipped.class_logits(x)), np_(model.class_logits(x)),
                               atol=1e-6)
    assert np_(shipped.moving_means[0]).any()  # the trained moving averages came along
    from ssgm_zoo import checkpoint

    loaded = checkpoint.load_model_dir(checkpoint.save_model_dir(shipped, tmp_path / "m"))
    np.testing.assert_allclose(np_(loaded.class_logits(x)), np_(model.class_logits(x)),
                               atol=1e-6)
    with pytest.raises(ValueError, match="without its decoder"):
        shipped.compute_objective("loss", {"labeled": {"x": x, "y": y}, "unlabeled": {"x": x}})
