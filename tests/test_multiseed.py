"""Several seeds in one program: each seed equals its single run; resume; divergence."""

import json

import keras
import numpy as np
import pytest

from ssgm_zoo.training import MultiSeedTrainer, Trainer, TrainingDivergedError
from tests.models import NoisyAutoencoder, TinyGAN, images

X = images(120)


def trainer(seed, workdir=None, epochs=3, model_class=TinyGAN, cache=None, **kwargs):
    model = model_class(seed=seed)
    labeled = {"x": X[seed * 10:(seed + 1) * 10]}  # per-seed data, as a labeled subset is
    defaults = dict(train_data={"unlabeled": {"x": X}, "own": labeled},
                    batch_sizes={"unlabeled": 16, "own": 5}, steps_per_epoch=4, epochs=epochs,
                    optimizer={"learning_rate": 1e-2}, seed=seed, verbose=0,
                    steps_per_execution=2, workdir=workdir, device_cache=cache,
                    eval_data={"validation": {"x": X[:32], "y": np.zeros(32, "int32")}},
                    eval_every=2, fingerprint={"test": 1})
    defaults.update(kwargs)
    return Trainer(model, **defaults)


def weights(model):
    return [np.asarray(v.value) for v in model.variables]


def assert_close(a, b):
    for x, y in zip(weights(a), weights(b)):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("seed_loop", ["vmap", "map"])
def test_each_seed_of_a_joint_run_equals_its_single_run(seed_loop):
    cache = {}
    joint = [trainer(s, cache=cache) for s in (0, 1, 2)]
    multi = MultiSeedTrainer(joint, seed_loop=seed_loop)
    assert multi.seed_loop == seed_loop
    histories = multi.fit()
    assert joint[0]._data["unlabeled"]["x"] is joint[2]._data["unlabeled"]["x"]  # once on device
    for seed, t in zip((0, 1, 2), joint):
        single = trainer(seed)
        single_history = single.fit()
        assert_close(single.model, t.model)
        for mine, theirs in zip(histories[seed], single_history):
            for key, value in theirs.items():
                if key.startswith(("train_", "validation_", "generated_")):
                    assert mine[key] == pytest.approx(value, rel=1e-4, abs=1e-6), key
    assert not np.allclose(weights(joint[0].model)[0], weights(joint[1].model)[0])


def test_a_joint_run_stopped_and_resumed_equals_one_that_was_not(tmp_path):
    straight = [trainer(s, tmp_path / f"a{s}") for s in (0, 1)]
    MultiSeedTrainer(straight).fit()
    MultiSeedTrainer([trainer(s, tmp_path / f"b{s}", epochs=1) for s in (0, 1)]).fit()
    resumed = [trainer(s, tmp_path / f"b{s}") for s in (0, 1)]
    histories = MultiSeedTrainer(resumed).fit()
    for a, b in zip(straight, resumed):
        assert_close(a.model, b.model)
    assert [r["epoch"] for r in histories[1]] == [1, 2, 3]
    lines = (tmp_path / "b1" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in lines] == [1, 2, 3]


@keras.saving.register_keras_serializable(package="ssgm_zoo_tests")
class Exploding(NoisyAutoencoder):
    """Seed 1's loss becomes NaN in its second epoch. What differs between seeds must be
    state (a variable), not a Python attribute: a joint run traces one seed's model."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_value = self.add_weight(shape=(), trainable=False, name="seed_value",
                                          initializer=keras.initializers.Constant(self.seed))
        self.steps_seen = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                          name="steps_seen")

    def compute_objective(self, name, batch, training=True):
        loss, terms = super().compute_objective(name, batch, training)
        blow = keras.ops.where((self.seed_value == 1) & (self.steps_seen >= 4), np.nan, 0.0)
        self.steps_seen.assign(self.steps_seen + 1)
        return loss + blow, terms


def test_a_diverging_seed_stops_the_run_naming_it_and_keeps_every_checkpoint(tmp_path):
    trainers = [trainer(s, tmp_path / f"s{s}", model_class=Exploding, checkpoint_every=1)
                for s in (0, 1)]
    with pytest.raises(TrainingDivergedError, match="of seed 1 at epoch 2"):
        MultiSeedTrainer(trainers).fit()
    assert trainers[1].latest_checkpoint().endswith("epoch_000001")
    assert trainers[0].latest_checkpoint() is not None  # every seed's last good one is kept


def test_seeds_that_differ_in_more_than_their_seed_are_refused():
    with pytest.raises(ValueError, match="differs from seed 0"):
        MultiSeedTrainer([trainer(0), trainer(1, steps_per_epoch=5)])
    with pytest.raises(ValueError, match="must differ"):
        MultiSeedTrainer([trainer(0), trainer(0)])
    with pytest.raises(ValueError, match="seed_loop must be one of"):
        MultiSeedTrainer([trainer(0)], seed_loop="pmap")
