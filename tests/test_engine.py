"""The training engine: batching, determinism, resume, divergence, logs, alternation."""

import csv
import json
import os

import keras
import numpy as np
import pytest
from keras import ops

from ssgm_zoo.models.base import ZooModel
from ssgm_zoo.training import Trainer, TrainingDivergedError, batch_indices
from tests.models import NoisyAutoencoder, TinyGAN


def test_batch_indices_are_shuffled_passes_and_any_range_matches_a_full_replay():
    full = batch_indices(7, 1, num_items=10, batch_size=4, start_step=0, num_steps=5)
    flat = full.reshape(-1)
    assert sorted(flat[:10]) == list(range(10))  # first pass: a permutation
    assert sorted(flat[10:20]) == list(range(10))  # second pass: another one
    assert not np.array_equal(flat[:10], flat[10:20])
    pieces = [batch_indices(7, 1, 10, 4, start, n) for start, n in [(0, 2), (2, 1), (3, 2)]]
    np.testing.assert_array_equal(np.concatenate(pieces), full)
    other_stream = batch_indices(7, 2, 10, 4, 0, 5)
    assert not np.array_equal(other_stream, full)


def tiny_model(seed=0):
    return NoisyAutoencoder(seed=seed)


def images(n=120, seed=0):
    return np.random.default_rng(seed).random((n, 4, 4, 1)).astype("float32")


def make_trainer(model, workdir=None, epochs=4, **kwargs):
    x = images()
    defaults = dict(train_data={"unlabeled": {"x": x}}, batch_sizes={"unlabeled": 20},
                    steps_per_epoch=3, epochs=epochs, optimizer={"learning_rate": 3e-3},
                    seed=5, workdir=workdir, steps_per_execution=2, verbose=0,
                    eval_data={"validation": {"x": x[:40], "y": np.zeros(40, "int32")}},
                    fingerprint={"test": 1})
    defaults.update(kwargs)
    return Trainer(model, **defaults)


def weights(model):
    return [np.asarray(v.value) for v in model.variables]


def assert_same_weights(a, b):
    for x, y in zip(weights(a), weights(b)):
        np.testing.assert_array_equal(x, y)


def test_same_seed_gives_identical_runs_and_training_lowers_the_loss():
    a, b = tiny_model(), tiny_model()
    history = make_trainer(a).fit()
    make_trainer(b).fit()
    assert_same_weights(a, b)
    assert history[-1]["train_loss"] < history[0]["train_loss"]


def test_resumed_run_ends_with_the_weights_of_an_uninterrupted_run(tmp_path):
    straight = tiny_model()
    make_trainer(straight, workdir=str(tmp_path / "a"), epochs=4).fit()

    first = tiny_model()
    make_trainer(first, workdir=str(tmp_path / "b"), epochs=2).fit()
    resumed = tiny_model(seed=123)  # different init: everything must come from the checkpoint
    trainer = make_trainer(resumed, workdir=str(tmp_path / "b"), epochs=4)
    history = trainer.fit()
    assert [r["epoch"] for r in history] == [1, 2, 3, 4]
    assert_same_weights(straight, resumed)
    lines = (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in lines] == [1, 2, 3, 4]


def test_resume_with_another_configuration_is_refused(tmp_path):
    make_trainer(tiny_model(), workdir=str(tmp_path), epochs=1).fit()
    with pytest.raises(ValueError, match="different configuration"):
        make_trainer(tiny_model(), workdir=str(tmp_path), epochs=2, fingerprint={"test": 2}).fit()


def test_evaluation_frequency_does_not_change_training(tmp_path):
    a, b = tiny_model(), tiny_model()
    make_trainer(a, eval_every=1).fit()
    make_trainer(b, eval_every=100).fit()
    assert_same_weights(a, b)


def test_logs_checkpoints_and_tensorboard_are_written(tmp_path):
    history = make_trainer(tiny_model(), workdir=str(tmp_path), epochs=3, keep_checkpoints=2,
                           eval_every=2).fit()
    assert sorted(os.listdir(tmp_path / "checkpoints")) == ["epoch_000002", "epoch_000003"]
    with open(tmp_path / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    assert float(rows[-1]["train_loss"]) == pytest.approx(history[-1]["train_loss"])
    assert "validation_squared_error" in history[1]
    assert "validation_squared_error" not in history[0]
    events = os.listdir(tmp_path / "tensorboard")
    assert len(events) == 1
    tf = pytest.importorskip("tensorflow")
    tags = set()
    for record in tf.data.TFRecordDataset(str(tmp_path / "tensorboard" / events[0])):
        event = tf.compat.v1.Event.FromString(record.numpy())
        tags.update(v.tag for v in event.summary.value)
    assert {"train_loss", "train_code_norm", "validation_squared_error"} <= tags


def test_a_run_without_its_tensorboard_writer_stops_before_training(tmp_path, monkeypatch):
    import sys

    # As on a machine where tensorboardX cannot import (protobuf missing).
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    trainer = make_trainer(tiny_model(), workdir=str(tmp_path / "run"), epochs=2)
    with pytest.raises(ImportError, match="tensorboardX.*protobuf"):
        trainer.fit()
    assert trainer.epoch == 0
    assert not (tmp_path / "run" / "checkpoints").exists()
    assert not (tmp_path / "run" / "metrics.jsonl").exists()


@keras.saving.register_keras_serializable(package="ssgm_zoo_tests")
class Toy(ZooModel):
    """log(w) goes to NaN once gradient steps push w below zero."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.w = self.add_weight(shape=(), initializer=keras.initializers.Constant(1.0), name="w")
        self.built = True

    def compute_objective(self, name, batch, training=True):
        loss = ops.log(self.w) + 0.0 * ops.sum(batch["unlabeled"]["x"])
        return loss, {}


def test_non_finite_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    model = Toy()
    trainer = make_trainer(model, workdir=str(tmp_path), epochs=50, eval_data=None,
                           optimizer={"name": "sgd", "learning_rate": 0.15},
                           steps_per_execution=1)
    with pytest.raises(TrainingDivergedError, match="Non-finite loss") as error:
        trainer.fit()
    kept = sorted(os.listdir(tmp_path / "checkpoints"))
    assert kept and str(tmp_path / "checkpoints" / kept[-1]) in str(error.value)
    with np.load(tmp_path / "checkpoints" / kept[-1] / "state.npz") as state:
        assert np.isfinite(state["model/w"]) and state["model/w"] > 0


@keras.saving.register_keras_serializable(package="ssgm_zoo_tests")
class TwoPlayers(ZooModel):
    """Objective "a" moves only ``a`` towards ``b``; then "b" moves ``b`` towards the new ``a``."""

    objectives = ("a", "b")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.a = self.add_weight(shape=(), initializer="zeros", name="a")
        self.b = self.add_weight(shape=(), initializer="ones", name="b")
        self.built = True

    def objective_variables(self, name):
        return [self.a] if name == "a" else [self.b]

    def compute_objective(self, name, batch, training=True):
        gap = self.a - self.b
        return ops.square(gap) + 0.0 * ops.sum(batch["unlabeled"]["x"]), {"gap": gap}


def test_objectives_update_their_own_variables_in_order():
    model = TwoPlayers()
    history = make_trainer(model, epochs=1, steps_per_epoch=1, eval_data=None,
                           optimizer={"name": "sgd", "learning_rate": 0.25}).fit()
    # a <- 0 - 0.25 * 2 * (0 - 1) = 0.5 ; then b <- 1 - 0.25 * 2 * (1 - 0.5) = 0.75
    assert float(model.a.value) == pytest.approx(0.5)
    assert float(model.b.value) == pytest.approx(0.75)
    assert {"train_a_loss", "train_b_loss", "train_a_gap", "train_b_gap"} <= set(history[0])


def test_mismatched_streams_are_rejected():
    with pytest.raises(ValueError, match="same streams"):
        make_trainer(tiny_model(), batch_sizes={"labeled": 2})


def test_an_objective_with_own_batches_reads_other_items_than_the_shared_batch():
    trainer = make_trainer(TinyGAN(), epochs=1, steps_per_epoch=1, eval_data=None)
    indices = trainer._indices(0, 1)
    assert set(indices) == {"", "generator"}  # the shared group and the generator's own
    shared, own = indices[""]["unlabeled"][0], indices["generator"]["unlabeled"][0]
    assert not np.array_equal(shared, own)
    history = trainer.fit()
    # The generator's logged batch sum is that of its own batch.
    x = images()
    assert history[0]["train_generator_batch_sum"] == pytest.approx(float(x[own].sum()),
                                                                   rel=1e-5)


def test_initialize_runs_once_on_a_new_run_and_not_on_resume(tmp_path):
    model = TinyGAN()
    make_trainer(model, workdir=str(tmp_path), epochs=1, eval_data=None).fit()
    assert model.initialize_calls == 1
    batch_mean = np.asarray(model.data_mean.value)
    assert batch_mean.shape == (16,) and 0.3 < batch_mean.mean() < 0.7
    resumed = TinyGAN(seed=4)
    make_trainer(resumed, workdir=str(tmp_path), epochs=2, eval_data=None).fit()
    assert resumed.initialize_calls == 0


def test_metrics_on_generated_samples_are_logged_at_evaluation_epochs():
    history = make_trainer(TinyGAN(), epochs=2, eval_every=2).fit()
    assert "generated_pixel_mean" not in history[0]
    assert 0 < history[1]["generated_pixel_mean"] < 1
    assert "validation_real_logit" in history[1]


class Overlapping(TinyGAN):
    def objective_variables(self, name):
        return self.trainable_variables


def test_overlapping_variables_of_disjoint_objectives_are_refused():
    with pytest.raises(ValueError, match="updated by both 'discriminator' and 'generator'"):
        make_trainer(Overlapping(), eval_data=None)


def test_an_objective_reading_an_unknown_stream_is_refused():
    class Labeled(TinyGAN):
        objectives = (ZooModel.objectives[0].__class__("loss", streams=("labeled",)),)

    with pytest.raises(ValueError, match="reads streams \\['labeled'\\]"):
        make_trainer(Labeled(), eval_data=None)


def test_a_deadline_stops_at_a_checkpoint_and_the_run_resumes_to_the_same_end(tmp_path):
    import time

    straight = tiny_model()
    make_trainer(straight, workdir=str(tmp_path / "a"), epochs=3, checkpoint_every=5).fit()
    stopped = make_trainer(tiny_model(), workdir=str(tmp_path / "b"), epochs=3,
                           checkpoint_every=5)
    stopped.fit(deadline=time.monotonic())
    assert stopped.stopped_early and stopped.epoch == 1
    assert stopped.latest_checkpoint().endswith("epoch_000001")
    resumed = tiny_model(seed=9)
    make_trainer(resumed, workdir=str(tmp_path / "b"), epochs=3, checkpoint_every=5).fit()
    assert_same_weights(straight, resumed)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TensorFlow's draws")
def test_tensorflow_draws_name_philox_and_a_run_keeps_the_algorithm_it_began_with(tmp_path):
    import tensorflow as tf

    from ssgm_zoo.training.engine import _tf_random_alg

    def draw(alg):
        generator = keras.random.SeedGenerator(5)
        step = tf.function(lambda: keras.random.normal((50, 7), seed=generator),
                           jit_compile=True)
        with _tf_random_alg(alg):
            return step().numpy()

    # Draws from a seed generator (what models use) come out the same, only faster.
    np.testing.assert_array_equal(draw("philox"), draw(None))
    assert tf.random.stateless_normal.__name__ == "stateless_random_normal"  # put back

    def run(workdir=None, epochs=4, alg="philox"):
        model = tiny_model()
        trainer = make_trainer(model, workdir, epochs=epochs, checkpoint_every=1)
        trainer.tf_random_alg = alg
        trainer.fit()
        return model, trainer

    philox, default = run()[0], run(alg=None)[0]
    assert_same_weights(philox, default)
    # A run begun with TF's default (a checkpoint from before) resumes with it.
    run(tmp_path, epochs=2, alg=None)
    resumed, trainer = run(tmp_path)
    assert trainer.tf_random_alg is None
    assert_same_weights(resumed, default)


class RunningMean(ZooModel):
    """Fits ``w`` to the data mean and keeps the mean of ``w`` over the steps (after_updates)."""

    def __init__(self):
        super().__init__()
        self.w = self.add_weight(shape=(), initializer="zeros", name="w")
        self.steps = self.add_weight(shape=(), initializer="zeros", trainable=False, name="steps")
        self.mean_w = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                      name="mean_w")
        self.built = True

    def compute_objective(self, name, batch, training=True):
        return ops.mean(ops.square(ops.mean(batch["unlabeled"]["x"]) - self.w)), {}

    def after_updates(self):
        steps = self.steps + 1.0
        self.mean_w.assign(self.mean_w + (self.w - self.mean_w) / steps)
        self.steps.assign(steps)


def test_after_updates_runs_once_per_step_after_the_update():
    model = RunningMean()
    make_trainer(model, epochs=4, eval_data=None,
                 optimizer={"name": "sgd", "learning_rate": 0.5}).fit()
    # 4 epochs of 3 steps; replay the steps' w by hand from the batches' means.
    x = images()
    w, ws = 0.0, []
    for step in range(12):
        idx = batch_indices(5, 0, len(x), 20, step, 1)[0]
        w -= 0.5 * 2 * (w - float(x[idx].mean()))
        ws.append(w)
    assert float(model.steps.value) == 12
    np.testing.assert_allclose(float(model.w.value), ws[-1], rtol=1e-5)
    np.testing.assert_allclose(float(model.mean_w.value), np.mean(ws), rtol=1e-5)
