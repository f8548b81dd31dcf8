"""Gradient-origin networks: the origin gradient against finite differences, the second-order
path to the decoder, SIREN's initialisation, the latent statistics, the configs, and short
real MNIST runs."""

import math

import numpy as np
import pytest
from keras import ops

from ssgm_zoo import config as config_lib
from ssgm_zoo import data, experiment, families
from ssgm_zoo.models.gon import GON, ImplicitGON, VariationalGON
from ssgm_zoo.models.gon.layers import BatchStatNormalization, SirenDense, counter_normal
from ssgm_zoo.training.gradients import value_and_grad, variable_gradients
from tests.gon import cases

RNG = np.random.default_rng(0)


def np_(x):
    return ops.convert_to_numpy(x)


def test_the_code_is_the_negative_gradient_at_the_origin_by_finite_differences():
    model = ImplicitGON(latent_dim=3, hidden_units=(8,), resolution=6, w0=3.0,
                        inner_batch_size=5, seed=2)
    x = model.prepare_images(RNG.random((2, 6, 6, 1)).astype("float32"))
    z = np_(model.latent(x))

    def inner(z0):  # the inner loss: the batch's per-image losses over inner_batch_size
        loss, _ = model.loss_per_image(x, ops.convert_to_tensor(z0.astype("float32")))
        return float(np.sum(np_(loss), dtype="float64")) / 5

    h, expected = 1e-2, np.zeros((2, 3))
    for i in range(2):
        for j in range(3):
            step = np.zeros((2, 3))
            step[i, j] = h
            expected[i, j] = -(inner(step) - inner(-step)) / (2 * h)
    np.testing.assert_allclose(z, expected, rtol=2e-3, atol=1e-5)
    # A second step goes on from there: z2 = z1 - dL/dz at z1.
    two = ImplicitGON.from_config({**model.get_config(), "inner_steps": 2})
    two.set_weights(model.get_weights())
    assert not np.allclose(np_(two.latent(x)), z)


@pytest.mark.parametrize("make", [cases.gon, cases.implicit])
def test_the_decoder_is_trained_through_the_inner_gradient(make):
    model = make().make_model(0)
    x = model.prepare_images(cases.X[:8])
    variables = model.trainable_variables

    def loss(stop):
        z = model.latent(x, training=True)
        z = ops.stop_gradient(z) if stop else z
        return ops.mean(model.loss_per_image(x, z, training=True)[0])

    _, full = variable_gradients(lambda: loss(False), variables)
    _, first_order = variable_gradients(lambda: loss(True), variables)
    differences = [np.abs(np_(a) - np_(b)).max() / (np.abs(np_(a)).max() + 1e-12)
                   for a, b in zip(full, first_order)]
    # With the inner gradient stopped, every weight's gradient changes markedly.
    assert min(differences) > 1e-3 and max(differences) > 0.1, differences


def test_batch_stat_normalization_uses_the_batch_at_hand():
    layer = BatchStatNormalization(3)
    x = RNG.normal(2.0, 3.0, size=(16, 4, 4, 3)).astype("float32")
    y = np_(layer(x))
    np.testing.assert_allclose(y.mean(axis=(0, 1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=(0, 1, 2)), 1.0, rtol=1e-3)
    assert not layer.non_trainable_weights  # no moving statistics


def test_siren_initialisation_follows_sitzmann_et_al():
    first = SirenDense(2000, 256, first=True, seed=0)
    hidden = SirenDense(2000, 256, w0=30.0, seed=1)
    for layer, bound in ((first, 1 / 2000), (hidden, math.sqrt(6 / 2000) / 30)):
        w = np_(layer.kernel)
        assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
        np.testing.assert_allclose(w.std(), bound / math.sqrt(3), rtol=0.02)
        b = np_(layer.bias)
        assert np.abs(b).max() <= 1 / math.sqrt(2000)
    # SIREN's point (Sitzmann et al. 2020, section 3.2): a hidden layer's inputs, outputs of
    # a sine, are arcsine-distributed (variance 1/2), and its pre-activations w0 * x W are
    # then close to a unit normal, whatever the width.
    x = np.sin(RNG.uniform(-np.pi, np.pi, size=(4000, 2000))).astype("float32")
    pre = 30.0 * x @ np_(hidden.kernel)
    assert abs(pre.std() - 1.0) < 0.03
    assert np.all(np_(SirenDense(4, 3, last=True, seed=0)(np.ones((1, 4), "float32"))) ==
                  np_(ops.matmul(np.ones((1, 4), "float32"), SirenDense(
                      4, 3, last=True, seed=0).kernel) + SirenDense(4, 3, last=True,
                                                                    seed=0).bias))


def test_latent_statistics_are_the_debiased_moving_mean_and_second_moment():
    model = GON(latent_dim=3, filters=2, latent_decay=0.5)
    seen = [RNG.normal(size=(10, 3)).astype("float32") for _ in range(3)]
    for z in seen:
        model._track_latents(ops.convert_to_tensor(z))
    w = 0.5 ** np.arange(2, -1, -1)
    mean = sum(wk * z.mean(0) for wk, z in zip(w, seen)) / w.sum()
    moment = sum(wk * z.T @ z / 10 for wk, z in zip(w, seen)) / w.sum()
    got_mean, got_cov = model.latent_distribution()
    np.testing.assert_allclose(got_mean, mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_cov, moment - np.outer(mean, mean), rtol=1e-4, atol=1e-5)
    draws = model.sample_latents(20_000, seed=0)
    np.testing.assert_allclose(np.cov(draws.T), got_cov, atol=0.05 * np.abs(got_cov).max())


def test_sampling_survives_latent_statistics_rounded_to_float16():
    """A float16 entry's rounded second moment leaves its covariance slightly indefinite;
    samples still follow it (a Cholesky factor refused it: gon-mnist, 2026-12-06)."""
    model = GON(latent_dim=4, filters=2)
    z = RNG.normal(size=(64, 4)) @ np.diag([1.0, 0.5, 0.1, 0.0]) + 3.0  # rank 3, far from 0
    model._track_latents(ops.convert_to_tensor(z.astype("float32")))
    for weight in (model.latent_mean, model.latent_moment):
        weight.assign(np_(weight).astype("float16").astype("float32"))
    _, cov = model.latent_distribution()
    assert np.linalg.eigvalsh(cov).min() < 0  # what the entry's statistics look like
    draws = model.sample_latents(20_000, seed=0)
    assert np.all(np.isfinite(draws))
    np.testing.assert_allclose(np.cov(draws.T), cov, atol=0.05 * np.abs(cov).max())


def test_bad_options_are_named():
    with pytest.raises(ValueError, match="activation 'swish'"):
        GON(activation="swish")
    with pytest.raises(ValueError, match="inner_steps"):
        GON(inner_steps=0)
    with pytest.raises(ValueError, match="resolution=32"):
        GON(resolution=28)
    with pytest.raises(ValueError, match="not been trained"):
        GON(latent_dim=2, filters=2).sample(2)
    with pytest.raises(ValueError, match="DATASET"):
        config_lib.load_config_file("zoo_configs/gon/gon.py:cifar10")


def test_configs_build_the_authors_networks():
    config = config_lib.load_config_file("zoo_configs/gon/gon.py:mnist,32").to_dict()
    family, spec = families.resolve(config)
    assert family.name == "gon" and spec.name == "gon" and config["entry"] == "gon-mnist-z32"
    model = GON(**config["model"])
    # The PyTorch model of GON.py has 74,321 parameters (nz 32, ngf 16).
    assert sum(int(np.prod(v.shape)) for v in model.trainable_variables) == 74_321
    assert config_lib.load_config_file("zoo_configs/gon/gon.py:fashion")["entry"] == \
        "gon-fashion-mnist"
    implicit = ImplicitGON(**config_lib.load_config_file(
        "zoo_configs/gon/implicit_gon.py:mnist").to_dict()["model"])
    assert [layer.units for layer in implicit.siren_layers] == [256, 256, 256, 256, 1]
    assert implicit.reconstruct(cases.FIXED[:2], size=64).shape == (2, 64, 64, 1)
    variational = VariationalGON(**config_lib.load_config_file(
        "zoo_configs/gon/variational_gon.py:mnist").to_dict()["model"])
    assert variational.latent_dim == 48 and variational.filters == 32
    runs = family.protocol()
    assert {r.name for r in runs if r.entry is not None} == {
        "gon-mnist", "gon-fashion-mnist", "variational-gon-mnist", "implicit-gon-mnist"}


def test_a_short_real_mnist_run_lowers_the_loss_well_below_the_origin(data_dir):
    # The implicit and variational GONs train in the harness (tests/gon/test_cross_backend.py);
    # docs/gon.md has their real CPU runs.
    config = config_lib.load_config_file("zoo_configs/gon/gon.py:mnist,smoke")
    config.train.epochs, config.train.steps_per_epoch = 3, 30
    splits = data.load_splits("mnist", data_dir=str(data_dir))
    splits = {"train": tuple(a[:4000] for a in splits["train"]),
              "validation": tuple(a[:500] for a in splits["validation"]),
              "test": tuple(a[:500] for a in splits["test"])}
    trainer, _, _ = experiment.prepare(config, splits=splits, verbose=0)
    history = trainer.fit()
    last = history[-1]
    assert last["test_reconstruction_error"] < 0.8 * last["test_origin_reconstruction_error"]
    assert history[-1]["train_loss"] < 0.9 * history[0]["train_loss"]
    assert last["test_pixel_mse"] == pytest.approx(
        last["test_reconstruction_error"] / trainer.model.resolution ** 2)


def test_reconstruction_grids_pair_each_row_of_images_with_its_reconstructions():
    from ssgm_zoo.zoo.commands import model_reconstruction_grid

    model = GON(latent_dim=3, filters=2)
    images = (RNG.random((12, 28, 28)) * 255).astype("uint8")
    grid = model_reconstruction_grid(model, "tiny", images, num=2, columns=5)
    assert grid.shape == (4, 5, 32, 32, 1)
    # One batch: batch normalisation uses the statistics of the images encoded together.
    np.testing.assert_allclose(grid[3], model.reconstruct(images[:10])[5:], atol=1e-6)
    np.testing.assert_allclose(grid[0, 0], np_(model.prepare_images(
        images[:1, ..., None] / 255.0))[0], atol=1e-6)
    with pytest.raises(ValueError, match="need 15 images, got 12"):
        model_reconstruction_grid(model, "tiny", images, num=3, columns=5)
    with pytest.raises(ValueError, match="draws 32x32 images only"):
        model.reconstruct(images[:2], size=64)


def test_counter_normal_is_a_fixed_standard_normal_draw_per_seed():
    z = np_(counter_normal(4000, 48, seed=0))
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1.0) < 0.01
    assert abs(np.mean(z ** 4) - 3.0) < 0.05  # a normal's fourth moment
    assert abs(np.corrcoef(z[:, 0], z[:, 1])[0, 1]) < 0.05  # columns are independent
    np.testing.assert_array_equal(np_(counter_normal(4000, 48, seed=0)), z)  # fixed
    # A row's draws do not depend on how many rows are drawn; another seed, others.
    np.testing.assert_array_equal(np_(counter_normal(10, 48, seed=0)), z[:10])
    assert np.abs(np_(counter_normal(10, 48, seed=1)) - z[:10]).min() > 0


def test_the_variational_gon_encodes_at_a_draw_of_the_posterior_as_it_trains():
    # At the origin the posterior's mean is the same for every image; decoding it,
    # batch normalisation's Jacobian scales the gradient by 1/sqrt(epsilon). The codes
    # must have the scale of training's, where the decoder reads a draw.
    model = VariationalGON(latent_dim=48, filters=8, seed=0)
    images = RNG.random((64, 28, 28, 1)).astype("float32")
    x = model.prepare_images(images)
    trained_scale = np.mean([np.abs(np_(model.latent(x, training=True))).mean()
                             for _ in range(3)])
    encoded = model.encode(images, batch_size=64)
    assert 0.5 < np.abs(encoded).mean() / trained_scale < 2.0
    np.testing.assert_array_equal(model.encode(images, batch_size=64), encoded)  # fixed
    # The code is the negative gradient of the loss at that fixed draw.
    noise = counter_normal(64, 48, 0)
    z0 = ops.zeros((64, 48))
    _, grad = value_and_grad(
        lambda z: ops.sum(model.image_loss(x, model.decode(z, noise=noise)[0])
                          + model.decode(z, noise=noise)[1]) / 64, z0)
    np.testing.assert_allclose(encoded, -np_(grad), rtol=1e-4, atol=1e-6)


def test_the_variational_gon_generates_images_at_codes_of_the_prior_space():
    model = VariationalGON(latent_dim=6, filters=2, seed=0)
    codes = model.sample_latents(5, seed=3)
    images = model.generate(codes)
    assert images.shape == (5, 32, 32, 1) and images.min() >= 0.0 and images.max() <= 1.0
    # sample() is generate() at draws of N(0, I); other codes draw other images.
    np.testing.assert_array_equal(model.sample(5, seed=3), images)
    assert np.abs(model.generate(codes + 1.0) - images).max() > 1e-4
    with pytest.raises(ValueError, match=r"codes must have shape \[num, 6\]"):
        model.generate(np.zeros((5, 7), "float32"))
    # The conv GON draws at codes of its training latents' space the same way.
    gon = GON(latent_dim=4, filters=2, seed=0)
    drawn = gon.generate(np.zeros((3, 4), "float32"))
    np.testing.assert_allclose(drawn, np.clip(np_(gon.decode(ops.zeros((3, 4)))[0]), 0, 1))
