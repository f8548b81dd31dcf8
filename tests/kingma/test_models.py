"""M1, M2 and M1+M2: bounds against explicit formulas, sampling, input checks."""

import numpy as np
import pytest
from keras import ops

from ssgm_zoo.models.kingma import M1, M1M2, M2


def small_m2(**kwargs):
    return M2(hidden_units=(16,), latent_dim=3, num_labeled=10, num_unlabeled=90, seed=3,
              init_std=0.1, **kwargs)


def test_unlabeled_bound_sums_labeled_bounds_over_classes_exactly():
    model = small_m2()
    rng = np.random.default_rng(0)
    x = (rng.random((4, 784)) < 0.3).astype("float32")
    eps = rng.normal(size=(4, 10, 3)).astype("float32")
    got = ops.convert_to_numpy(model.unlabeled_bound(x, eps))
    # U(x) = sum_y q(y|x) L(x, y) + H(q(y|x)), written out as a loop over classes.
    q = ops.convert_to_numpy(ops.softmax(model.classifier(x)))
    expected = np.zeros(4)
    for y in range(10):
        onehot = np.eye(10, dtype="float32")[np.full(4, y)]
        bound = ops.convert_to_numpy(model.labeled_bound(x, onehot, eps[:, y]))
        expected += q[:, y] * bound
    expected += -(q * np.log(q)).sum(-1)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_labeled_bound_is_below_log_likelihood_and_has_prior_term():
    model = small_m2()
    x = np.zeros((2, 784), "float32")
    onehot = np.eye(10, dtype="float32")[[1, 2]]
    eps = np.zeros((2, 3), "float32")
    bound = ops.convert_to_numpy(model.labeled_bound(x, onehot, eps))
    mean, log_var = model.encoder(ops.concatenate([x, onehot], -1))
    kl = ops.convert_to_numpy(
        ops.sum(0.5 * (ops.exp(log_var) + mean**2 - 1 - log_var), -1))
    log_px = ops.convert_to_numpy(ops.sum(
        -ops.softplus(model._decode(mean, onehot)), -1))  # Bernoulli log p(0 | logits)
    np.testing.assert_allclose(bound, log_px - np.log(10) - kl, rtol=1e-5)


def test_class_conditional_samples_share_z_across_classes():
    model = small_m2()
    grid = model.analogies(num_styles=2, seed=1)
    assert grid.shape == (2, 10, 28, 28, 1)
    assert np.all((grid >= 0) & (grid <= 1))
    z = np.zeros((2, 3), "float32")
    same_z = model.sample(labels=[4, 4], z=z)
    np.testing.assert_allclose(same_z[0], same_z[1])
    different = model.sample(labels=[4, 5], z=z)
    assert not np.allclose(different[0], different[1])


def test_m2_rejects_bad_likelihood():
    with pytest.raises(ValueError, match="likelihood"):
        M2(likelihood="poisson")


def test_m1m2_trains_on_precomputed_q_z1_and_classifies_with_the_mean():
    m1 = M1(latent_dim=6, hidden_units=(8,), seed=0, init_std=0.3)
    model = M1M2(m1, [1, 4], hidden_units=(8,), latent_dim=2, num_labeled=5,
                 num_unlabeled=20, seed=0)
    x = np.random.default_rng(0).random((20, 28, 28, 1)).astype("float32")
    prepared = model.prepare_training_data({"x": x, "y": np.arange(20)})
    assert set(prepared) == {"z1_mean", "z1_log_var", "y"}
    assert prepared["z1_mean"].shape == (20, 2)
    mean, _ = m1.encode(x)
    np.testing.assert_allclose(prepared["z1_mean"], ops.convert_to_numpy(mean)[:, [1, 4]],
                               rtol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(model.input_vectors(x)), prepared["z1_mean"],
                               rtol=1e-6)
    assert model.m1.trainable is False
    frozen = {id(v) for v in m1.variables}
    assert not any(id(v) in frozen for v in model.trainable_variables)


def test_m1m2_rejects_out_of_range_feature_indices():
    with pytest.raises(ValueError, match="feature_indices"):
        M1M2(M1(latent_dim=4, hidden_units=(8,)), [0, 4])


def test_m1_active_dimensions_thresholds_std_of_means():
    m1 = M1(latent_dim=5, hidden_units=(8,), seed=0, init_std=0.5)
    x = np.random.default_rng(0).random((50, 28, 28, 1)).astype("float32")
    means = ops.convert_to_numpy(m1.encode(x)[0])
    threshold = float(np.median(means.std(0)))
    assert m1.active_dimensions(x, threshold=threshold) == [
        int(i) for i in np.flatnonzero(means.std(0) > threshold)]


@pytest.mark.parametrize("init_std", [None, 0.1])
def test_every_initial_weight_matrix_of_a_gaussian_head_differs(init_std):
    # Same-shaped kernels built from one seed came out identical: the mean and
    # log-variance layers (and the body's first layer) started as copies.
    from ssgm_zoo.models.kingma.networks import GaussianHead

    head = GaussianHead(8, (8,), 8, init_std=init_std, seed=5)
    kernels = {"body": head.body.hidden[0].kernel, "mean": head.mean.kernel,
               "log_var": head.log_var.kernel}
    kernels = {k: ops.convert_to_numpy(v) for k, v in kernels.items()}
    names = sorted(kernels)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not np.allclose(kernels[a], kernels[b]), (a, b)


def test_m2_kernels_of_one_shape_all_start_different():
    model = M2(data_shape=(6,), likelihood="gaussian", hidden_units=(6,), latent_dim=6,
               num_classes=2, init_std=None, seed=1, decoder_variance="per_example")
    kernels = [ops.convert_to_numpy(v) for v in model.weights if len(v.shape) == 2]
    for i, a in enumerate(kernels):
        for b in kernels[i + 1:]:
            assert a.shape != b.shape or not np.allclose(a, b)


def test_authors_init_starts_q_with_unit_variance_and_draws_hidden_biases():
    model = M2(hidden_units=(16,), latent_dim=3, init_std=1e-3, authors_init=True, seed=0)
    assert not np.any(ops.convert_to_numpy(model.encoder.log_var.kernel))
    assert not np.any(ops.convert_to_numpy(model.encoder.log_var.bias))
    for bias in (model.encoder.body.hidden[0].bias, model.decoder.hidden[0].bias,
                 model.encoder.mean.bias):
        values = ops.convert_to_numpy(bias)
        assert 5e-4 < values.std() < 2e-3
    # q(y|x) keeps zero biases, as in the authors' MLP_Categorical.
    assert not np.any(ops.convert_to_numpy(model.classifier.hidden[0].bias))
    with pytest.raises(ValueError, match="authors_init needs init_std"):
        M2(hidden_units=(4,), latent_dim=2, init_std=None, authors_init=True)


def test_the_command_line_turns_the_authors_start_off_with_init_std_none():
    """``--config.model.init_std=None`` (a float field) parses and means Glorot;
    0 is refused, not taken for None."""
    from absl import flags
    from ml_collections import config_flags

    from ssgm_zoo.config import parse_flags
    from tests.backends import REPO

    argv = ["train.py", f"--config={REPO}/zoo_configs/kingma/m2_mnist.py:100",
            "--config.model.init_std=None", "--config.model.authors_init=False"]
    values = flags.FlagValues()
    config_flags.DEFINE_config_file("config", flag_values=values, sys_argv=argv)
    parse_flags(argv, flag_values=values)
    config = values.config.to_dict()
    assert config["model"]["init_std"] is None
    model = M2(**{**config["model"], "hidden_units": (4,), "latent_dim": 2}, seed=0)
    kernel = ops.convert_to_numpy(model.encoder.mean.kernel)
    assert model.init_std is None and kernel.std() > 0.05  # Glorot, not N(0, 1e-3^2)
    with pytest.raises(ValueError, match="init_std must be positive, or None"):
        M2(hidden_units=(4,), latent_dim=2, init_std=0.0, authors_init=False, seed=0)


def test_per_example_decoder_variance_follows_the_decoder_and_round_trips():
    model = M2(data_shape=(5,), likelihood="gaussian", hidden_units=(7,), latent_dim=3,
               decoder_variance="per_example", init_std=0.3, seed=2)
    z = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    y = np.eye(10, dtype="float32")[[0, 1, 2, 3]]
    mean, log_var = model._decode_with_log_var(z, y)
    log_var = ops.convert_to_numpy(log_var)
    assert log_var.shape == (4, 5)
    assert np.ptp(log_var, axis=0).min() > 0  # differs between examples
    # The bound uses it: log N(x; mean, exp(log_var)) summed over features.
    x = np.random.default_rng(1).normal(size=(4, 5)).astype("float32")
    eps = np.zeros((4, 3), "float32")
    enc_mean, enc_log_var = model.encoder(ops.concatenate([x, y], -1))
    mean, log_var = (ops.convert_to_numpy(t) for t in model._decode_with_log_var(enc_mean, y))
    log_px = (-0.5 * (np.log(2 * np.pi) + log_var + (x - mean) ** 2 / np.exp(log_var))).sum(-1)
    kl = ops.convert_to_numpy(
        ops.sum(0.5 * (ops.exp(enc_log_var) + enc_mean**2 - 1 - enc_log_var), -1))
    got = ops.convert_to_numpy(model.labeled_bound(x, y, eps))
    np.testing.assert_allclose(got, log_px - np.log(10) - kl, rtol=1e-4, atol=1e-4)
    again = M2.from_config(model.get_config())
    assert again.decoder_variance == "per_example"
    assert [tuple(v.shape) for v in again.weights] == [tuple(v.shape) for v in model.weights]
    with pytest.raises(ValueError, match="decoder_variance"):
        M2(decoder_variance="per_pixel")


def test_per_class_posterior_equals_the_posterior_of_every_example_class_pair():
    from ssgm_zoo.models.kingma.networks import GaussianHead

    head = GaussianHead(6 + 4, (9, 7), 3, init_std=0.3, seed=1)
    x = np.random.default_rng(0).normal(size=(5, 6)).astype("float32")
    pairs = np.concatenate([np.repeat(x, 4, 0), np.tile(np.eye(4, dtype="float32"), (5, 1))], 1)
    for got, expected in zip(head.call_per_class(x, 4), head(pairs)):
        np.testing.assert_allclose(ops.convert_to_numpy(got), ops.convert_to_numpy(expected),
                                   rtol=1e-5, atol=1e-6)


def test_label_dependence_sees_a_decoder_that_ignores_y_and_classifies_by_the_bound():
    from ssgm_zoo.models.kingma.diagnostics import label_dependence

    model = small_m2()
    rng = np.random.default_rng(1)
    x = rng.random((12, 28, 28, 1)).astype("float32")
    y = np.arange(12) % 10
    got = label_dependence(model, x, y, num_codes=5, batch_size=5)
    assert got["pixel_change_label"] > 0 and got["pixel_change_code"] > 0
    # argmax_y L(x, y) with z at q(z|x,y)'s mean, as a loop over the classes.
    flat = x.reshape(12, -1)
    bounds = np.stack([ops.convert_to_numpy(model.labeled_bound(
        flat, np.eye(10, dtype="float32")[np.full(12, c)], np.zeros((12, 3), "float32")))
        for c in range(10)], -1)
    assert got["bound_error_rate"] == pytest.approx(np.mean(bounds.argmax(-1) != y))
    q = ops.convert_to_numpy(ops.softmax(model.classifier(flat)))
    assert got["classifier_entropy"] == pytest.approx(-(q * np.log(q)).sum(-1).mean(), rel=1e-5)
    assert got["classifier_top_probability"] == pytest.approx(q.max(-1).mean(), rel=1e-5)
    assert got["classifier_error_rate"] == pytest.approx(np.mean(q.argmax(-1) != y))

    first = model.decoder.hidden[0].kernel  # rows: z, then the one-hot y
    w = ops.convert_to_numpy(first).copy()
    w[3:] = 0.0
    first.assign(w)
    ignoring = label_dependence(model, x, y, num_codes=5)
    # Zero up to rounding: the CPU's matmul kernels may sum rows in different orders.
    assert ignoring["pixel_change_code"] > 0
    assert ignoring["pixel_change_label"] < 1e-6 * ignoring["pixel_change_code"]
    with pytest.raises(ValueError, match="not an M2"):
        label_dependence(M1(hidden_units=(8,), latent_dim=2), x, y)


def test_kl_weight_schedule_falls_from_its_start_to_one_and_weights_only_the_kl():
    model = small_m2(kl_weight_start=3.0, kl_weight_steps=4)
    weights = []
    for _ in range(6):
        weights.append(float(ops.convert_to_numpy(model.kl_weight())))
        model.after_updates()
    np.testing.assert_allclose(weights, [3.0, 2.5, 2.0, 1.5, 1.0, 1.0], rtol=1e-6)

    rng = np.random.default_rng(4)
    x = (rng.random((3, 784)) < 0.3).astype("float32")
    onehot = np.eye(10, dtype="float32")[[0, 5, 9]]
    eps = rng.normal(size=(3, 3)).astype("float32")
    mean, log_var = model.encoder(ops.concatenate([x, onehot], -1))
    kl = ops.convert_to_numpy(ops.sum(0.5 * (ops.exp(log_var) + mean**2 - 1 - log_var), -1))
    exact = ops.convert_to_numpy(model.labeled_bound(x, onehot, eps))
    weighted = ops.convert_to_numpy(model.labeled_bound(x, onehot, eps, kl_weight=2.5))
    np.testing.assert_allclose(weighted, exact - 1.5 * kl, rtol=1e-5)
    # The unlabeled bound weights each class's KL the same way.
    eps_u = rng.normal(size=(3, 10, 3)).astype("float32")
    q = ops.convert_to_numpy(ops.softmax(model.classifier(x)))
    kls = np.stack([ops.convert_to_numpy(ops.sum(0.5 * (ops.exp(lv) + m**2 - 1 - lv), -1))
                    for m, lv in (model.encoder(ops.concatenate(
                        [x, np.eye(10, dtype="float32")[np.full(3, y)]], -1))
                        for y in range(10))], -1)
    np.testing.assert_allclose(
        ops.convert_to_numpy(model.unlabeled_bound(x, eps_u, kl_weight=2.5)),
        ops.convert_to_numpy(model.unlabeled_bound(x, eps_u)) - 1.5 * (q * kls).sum(-1),
        rtol=1e-5)


def test_kl_weight_schedule_is_optional_and_checked():
    # Without a schedule the model holds no step counter: the shipped weight files fit.
    assert "steps" not in [w.name for w in small_m2().weights]
    assert float(ops.convert_to_numpy(small_m2().kl_weight())) == 1.0
    again = M2.from_config(small_m2(kl_weight_start=2.0, kl_weight_steps=10).get_config())
    assert (again.kl_weight_start, again.kl_weight_steps) == (2.0, 10)
    for bad in ({"kl_weight_start": 0.0}, {"kl_weight_steps": -1}):
        with pytest.raises(ValueError, match="kl_weight"):
            small_m2(**bad)


def test_configs_written_before_an_option_existed_get_its_old_behaviour():
    from ssgm_zoo.models.kingma.family import upgrade_config

    old_m2 = {"family": "kingma", "model_name": "m2", "model": {"alpha": 0.1}, "train": {}}
    model = upgrade_config(old_m2)["model"]
    assert (model["kl_weight_start"], model["kl_weight_steps"]) == (1.0, 0)
    assert model["authors_init"] is False and "decoder_variance" not in model
    assert "decoder_variance" in upgrade_config({**old_m2, "model_name": "m1m2"})["model"]
    # M1 has no KL schedule: its config must still build an M1.
    m1 = upgrade_config({"family": "kingma", "model_name": "m1", "model": {}, "train": {}})
    assert "kl_weight_start" not in m1["model"]
    # A value the config states is kept.
    assert upgrade_config({**old_m2, "model": {"kl_weight_steps": 5}})["model"][
        "kl_weight_steps"] == 5
