"""The ELBO terms of Kingma et al. 2014 against independent computations."""

import numpy as np
from keras import ops

from ssgm_zoo.models.kingma import elbo


def test_gaussian_kl_matches_monte_carlo_estimate():
    rng = np.random.default_rng(0)
    mean = rng.normal(size=(3, 4)).astype("float32")
    log_var = rng.normal(scale=0.5, size=(3, 4)).astype("float32")
    analytic = ops.convert_to_numpy(elbo.gaussian_kl_to_standard_normal(mean, log_var))
    # KL(q || p) = E_q[log q(z) - log p(z)], estimated with 400k samples per row.
    std = np.exp(0.5 * log_var)
    z = mean + std * rng.normal(size=(400_000, 3, 4))
    log_q = -0.5 * (((z - mean) / std) ** 2 + np.log(2 * np.pi) + log_var)
    log_p = -0.5 * (z**2 + np.log(2 * np.pi))
    estimate = (log_q - log_p).sum(-1).mean(0)
    np.testing.assert_allclose(analytic, estimate, rtol=0.02, atol=0.01)
    assert np.all(analytic > 0)


def test_bernoulli_log_likelihood_matches_formula():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(5, 7)).astype("float32")
    x = (rng.random((5, 7)) < 0.5).astype("float32")
    p = 1 / (1 + np.exp(-logits))
    expected = (x * np.log(p) + (1 - x) * np.log(1 - p)).sum(-1)
    got = ops.convert_to_numpy(elbo.bernoulli_log_likelihood(x, logits))
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_gaussian_log_likelihood_matches_formula():
    rng = np.random.default_rng(2)
    x, mean = rng.normal(size=(2, 4, 6)).astype("float32")
    log_var = rng.normal(size=(4, 6)).astype("float32")
    expected = (-0.5 * ((x - mean) ** 2 / np.exp(log_var) + log_var + np.log(2 * np.pi))).sum(-1)
    got = ops.convert_to_numpy(elbo.gaussian_log_likelihood(x, mean, log_var))
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_categorical_entropy_matches_formula():
    logits = np.array([[0.0, 0.0, 0.0], [5.0, -1.0, 0.5]], "float32")
    p = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    expected = -(p * np.log(p)).sum(-1)
    got = ops.convert_to_numpy(elbo.categorical_entropy(logits))
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    np.testing.assert_allclose(got[0], np.log(3), rtol=1e-6)


def test_weight_prior_penalty_is_half_squared_norm():
    weights = [np.ones((2, 3), "float32"), np.full((4,), 2.0, "float32")]
    assert float(elbo.weight_prior_penalty(weights)) == 0.5 * (6 + 16)
