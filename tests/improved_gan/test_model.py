"""The semi-supervised GAN: its losses against explicit formulas, the alternating updates,
the weight averages, the configs, and a short real MNIST run."""

import json

import numpy as np
import pytest
from keras import ops

from ssgm_zoo import config as config_lib
from ssgm_zoo import experiment, families, load_pretrained, testing
from ssgm_zoo.models.improved_gan import ImprovedGAN
from ssgm_zoo.training import Trainer
from ssgm_zoo.zoo import commands, publishing, registry
from tests.improved_gan import cases

RNG = np.random.default_rng(0)


def small(**kwargs):
    defaults = dict(discriminator_units=(16, 8), generator_units=(8,), noise_dim=4, seed=1)
    return ImprovedGAN(**{**defaults, **kwargs})


def np_(x):
    return ops.convert_to_numpy(x)


def test_k_plus_one_losses_match_the_explicit_formulas():
    model = small(label_smoothing=0.1)
    lab = RNG.normal(size=(5, 10)).astype("float32")
    unl = RNG.normal(size=(6, 10)).astype("float32")
    fake = RNG.normal(size=(6, 10)).astype("float32")
    y = RNG.integers(0, 10, 5)

    def k_plus_one(logits):  # softmax over the K classes and a fake class with logit 0
        full = np.concatenate([logits, np.zeros((len(logits), 1))], axis=1).astype("float64")
        e = np.exp(full - full.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    # Supervised: -log p(y | x, y < K+1).
    p = k_plus_one(lab)
    expected = np.mean(-np.log(p[np.arange(5), y] / p[:, :10].sum(axis=1)))
    np.testing.assert_allclose(float(model.supervised_loss(lab, y)), expected, rtol=1e-5)
    # Unsupervised: D(x) = 1 - p(K+1 | x) = Z / (Z + 1); real target 0.9 (smoothing 0.1).
    d_real, d_fake = 1 - k_plus_one(unl)[:, 10], 1 - k_plus_one(fake)[:, 10]
    z = np.exp(unl.astype("float64")).sum(axis=1)
    np.testing.assert_allclose(d_real, z / (z + 1), rtol=1e-6)
    expected = (0.5 * np.mean(-(0.9 * np.log(d_real) + 0.1 * np.log(1 - d_real)))
                + 0.5 * np.mean(-np.log(1 - d_fake)))
    np.testing.assert_allclose(float(model.unsupervised_loss(unl, fake)), expected, rtol=1e-5)


def _batch(n=10):
    x = RNG.random((n, 28, 28, 1)).astype("float32")
    return {"labeled": {"x": x, "y": RNG.integers(0, 10, n)}, "unlabeled": {"x": x}}


def test_feature_matching_and_the_non_saturating_loss_are_what_they_say():
    batch = _batch()
    for loss_name in ("feature_matching", "non_saturating"):
        model = small(generator_loss=loss_name, input_noise=0.0, hidden_noise=0.0)
        model.reset_random_state(3)
        loss, _ = model.compute_objective("generator", batch, training=True)
        model.reset_random_state(3)  # the same noise vectors again
        fake = model.generate(model.noise(10), training=True)
        logits, fake_features = model.discriminator(fake)
        if loss_name == "feature_matching":
            _, real_features = model.discriminator(batch["unlabeled"]["x"])
            diff = np_(fake_features).mean(0) - np_(real_features).mean(0)
            expected = np.mean(diff ** 2)
        else:
            expected = np.mean(np.log1p(np.exp(-np.log(np.exp(np_(logits)).sum(1)))))
        np.testing.assert_allclose(float(loss), expected, rtol=1e-4)


def test_each_update_touches_only_its_own_player():
    case = cases.mlp()
    for frozen in ("discriminator", "generator"):
        model = case.make_model(0)
        optimizer = {"discriminator": {"name": "sgd", "learning_rate": 0.1},
                     "generator": {"name": "sgd", "learning_rate": 0.1}}
        optimizer[frozen]["learning_rate"] = 0.0
        trainer = Trainer(model, train_data=case.train_data, batch_sizes=case.batch_sizes,
                          steps_per_epoch=2, epochs=1, optimizer=optimizer, seed=0, verbose=0,
                          jit_compile=False)
        trainer._initialize_model()
        model.initialize = lambda batch: None  # fit() would initialise again: done already
        before = {id(v): np.asarray(v.value) for v in model.trainable_variables}
        owners = {id(v): name for name in ("discriminator", "generator")
                  for v in model.objective_variables(name)}
        trainer.fit()
        for v in model.trainable_variables:
            moved = not np.array_equal(before[id(v)], np.asarray(v.value))
            assert moved == (owners[id(v)] != frozen), (frozen, v.path)


def test_weight_averages_are_the_debiased_moving_and_the_uniform_means():
    model = small(ema_decay=0.5, historical_averaging=1.0)
    weight = model.discriminator.output_layer.b
    seen = []
    for step in range(4):
        weight.assign(RNG.normal(size=weight.shape).astype("float32"))
        seen.append(np.asarray(weight.value))
        model.after_updates()
    decay_weights = 0.5 ** np.arange(3, -1, -1)
    ema = (decay_weights[:, None] * seen).sum(0) / decay_weights.sum()
    np.testing.assert_allclose(np_(model.averaged_discriminator.output_layer.b), ema, rtol=1e-5)
    np.testing.assert_allclose(np_(model.historical_discriminator.output_layer.b),
                               np.mean(seen, axis=0), rtol=1e-5)
    # The historical penalty, lambda * ||theta - average||^2: only the moved weight
    # differs from its average (the others stayed at their one value).
    penalty = model._historical_penalty(model.discriminator, model.historical_discriminator)
    expected = np.sum((seen[-1] - np.mean(seen, axis=0)) ** 2)
    np.testing.assert_allclose(float(penalty), expected, rtol=1e-5)


def test_bad_options_are_named():
    with pytest.raises(ValueError, match="generator_loss"):
        small(generator_loss="wasserstein")
    with pytest.raises(ValueError, match="normalization"):
        small(generator_normalization="layer")
    with pytest.raises(ValueError, match="label_smoothing"):
        small(label_smoothing=1.0)
    with pytest.raises(ValueError, match="unconditional"):
        small().sample(2, labels=[1, 2])


def test_configs_build_their_models_at_the_papers_sizes():
    mnist = config_lib.load_config_file("zoo_configs/improved_gan/mnist.py:100").to_dict()
    family, spec = families.resolve(mnist)
    assert family.name == "improved_gan" and spec.name == "improved_gan"
    model = ImprovedGAN(**mnist["model"])
    units = [layer.units for layer in model.discriminator.dense_layers]
    assert units == [1000, 500, 250, 250, 250] and model.discriminator.output_layer.units == 10
    assert mnist["train"]["steps_per_epoch"] * mnist["train"]["epochs"] == 180_000
    cifar = config_lib.load_config_file("zoo_configs/improved_gan/cifar10.py:4000").to_dict()
    assert cifar["dataset"] == "cifar10" and cifar["num_labeled"] == 4000
    assert families.get("improved_gan").paper_value("improved_gan", 100,
                                                    "test_error_rate").mean == 0.0093


def test_cifar10_config_trains_saves_and_loads_on_generated_data_of_the_real_shape(tmp_path):
    config = config_lib.load_config_file("zoo_configs/improved_gan/cifar10.py:40,smoke")
    config.train.jit_compile = False  # compiling the conv steps with XLA costs more than they run
    x = RNG.random((60, 32, 32, 3)).astype("float32")
    y = np.arange(60) % 10
    splits = {"train": (x[:40], y[:40]), "validation": (x[40:50], y[40:50]),
              "test": (x[50:], y[50:])}
    trainer, _, resolved = experiment.prepare(config, splits=splits, verbose=0)
    assert resolved["model"]["architecture"] == "conv"
    history = trainer.fit()
    assert np.isfinite(history[-1]["train_discriminator_loss"])
    assert trainer.model.sample(2, seed=0).shape == (2, 32, 32, 3)
    lr = trainer.optimizers[0].learning_rate
    assert float(lr) == 0.0  # the smoke schedule decays to 0 at its last step
    testing.run_saving_test(cases.conv(), trainer.model, tmp_path / "saved")


def test_the_entry_model_keeps_the_evaluation_networks_only():
    model = small(ema_decay=0.5, historical_averaging=1.0)
    model.after_updates()
    for w in model.discriminator.trainable_weights:  # the average now differs from D
        w.assign(w + 0.1)
    model.after_updates()
    shipped = model.for_entry()
    assert shipped.averaged_discriminator is None and shipped.historical_discriminator is None
    assert shipped.count_params() * 2 < model.count_params()
    x = RNG.random((6, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(np_(shipped.class_logits(x)), np_(model.class_logits(x)),
                               rtol=1e-6)
    assert not np.allclose(np_(shipped.class_logits(x)),
                           np_(model.discriminator(x, training=False)[0]))
    np.testing.assert_array_equal(shipped.sample(3, seed=4), model.sample(3, seed=4))
    assert small(ema_decay=0.0).for_entry().ema_decay == 0.0


def test_a_short_real_mnist_run_beats_chance_clearly_and_makes_an_entry(
        tmp_path, data_dir, monkeypatch):
    config = config_lib.load_config_file("zoo_configs/improved_gan/mnist.py:100,smoke")
    run = tmp_path / "run"
    experiment.run(config, str(run), data_dir=str(data_dir), verbose=0)
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["test_error_rate"] < 0.6, metrics  # chance: 0.9
    assert metrics["test_errors"] == round(metrics["test_error_rate"] * 10_000)

    monkeypatch.setenv("SSGM_ZOO_ENTRIES", str(tmp_path / "entries"))
    registry.clear_cache()
    try:
        record = publishing.build_entry("improved-gan-test-100", [run], command="train",
                                        entries_dir=tmp_path / "entries",
                                        data_dir=str(data_dir))
        model = load_pretrained("improved-gan-test-100")
        assert model.averaged_discriminator is None
        assert model.count_params() == record.parameter_count
        result = commands.evaluate_entry("improved-gan-test-100", data_dir=str(data_dir))
        assert result["metrics"]["test_error_rate"]["measured"] == pytest.approx(
            metrics["test_error_rate"], abs=1e-12)
    finally:
        registry.clear_cache()


def test_one_pass_over_several_batches_equals_a_pass_over_each():
    model = small(input_noise=0.0, hidden_noise=0.0)
    a, b = RNG.random((3, 28, 28, 1)).astype("float32"), RNG.random((5, 28, 28, 1)).astype(
        "float32")
    for (logits, features), x in zip(model.discriminate([a, b], training=True), (a, b)):
        alone_logits, alone_features = model.discriminator(x, training=True)
        np.testing.assert_allclose(np_(logits), np_(alone_logits), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(np_(features), np_(alone_features), rtol=1e-5, atol=1e-6)
