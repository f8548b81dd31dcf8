"""Checkpoints keyed by variable path: names, restore, and refusing what does not fit."""

import json

import keras
import numpy as np
import pytest

from ssgm_zoo.training import Trainer
from ssgm_zoo.training.checkpoints import CheckpointError, variable_paths
from tests.models import PACKAGE, NoisyAutoencoder, TinyGAN, images


def test_variable_paths_follow_attributes_and_cover_every_variable():
    model = TinyGAN()
    paths = variable_paths(model)
    assert {"gen_hidden/kernel", "disc_out/bias", "data_mean", "seed_generator/state"} <= set(
        paths)
    assert sorted(map(id, paths.values())) == sorted(map(id, model.variables))
    # Independent of how many models this process built before (Keras's own paths are not).
    assert set(variable_paths(TinyGAN())) == set(paths)


def trainer(model, workdir, epochs):
    return Trainer(model, train_data={"unlabeled": {"x": images()}},
                   batch_sizes={"unlabeled": 16}, steps_per_epoch=2, epochs=epochs,
                   optimizer={"learning_rate": 1e-2}, seed=1, workdir=str(workdir), verbose=0,
                   fingerprint={"run": 1})


def test_checkpoint_arrays_are_keyed_by_path_and_list_what_each_optimizer_updates(tmp_path):
    trainer(TinyGAN(), tmp_path, 1).fit()
    folder = tmp_path / "checkpoints" / "epoch_000001"
    with np.load(folder / "state.npz") as state:
        assert "model/disc_hidden/kernel" in state.files
        assert any(k.startswith("optimizer/generator/") for k in state.files)
    manifest = json.loads((folder / "trainer.json").read_text())["optimizer_variables"]
    assert manifest["generator"] == ["gen_hidden/kernel", "gen_hidden/bias", "gen_out/kernel",
                                     "gen_out/bias"]


@keras.saving.register_keras_serializable(package=PACKAGE)
class WithExtraVariable(NoisyAutoencoder):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.scale = self.add_weight(shape=(), initializer="ones", name="scale")


def test_a_model_with_another_variable_is_refused_naming_it(tmp_path):
    trainer(NoisyAutoencoder(), tmp_path, 1).fit()
    with pytest.raises(CheckpointError, match="missing from the checkpoint \\['scale'\\]"):
        trainer(WithExtraVariable(), tmp_path, 2).fit()


def test_checkpoints_of_version_0_1_keyed_by_position_still_resume(tmp_path):
    straight = NoisyAutoencoder()
    trainer(straight, tmp_path / "a", 2).fit()
    # Rewrite the epoch-1 checkpoint of another run the way ssgm-zoo 0.1 wrote it.
    first = NoisyAutoencoder()
    run = trainer(first, tmp_path / "b", 1)
    run.fit()
    folder = tmp_path / "b" / "checkpoints" / "epoch_000001"
    arrays = {f"model/{i:05d}": np.asarray(v.value) for i, v in enumerate(first.variables)}
    arrays.update({f"optimizer0/{i:05d}": np.asarray(v.value)
                   for i, v in enumerate(run.optimizers[0].variables)})
    np.savez(folder / "state.npz", **arrays)
    state = json.loads((folder / "trainer.json").read_text())
    del state["optimizer_variables"]
    (folder / "trainer.json").write_text(json.dumps(state))
    resumed = NoisyAutoencoder(seed=7)
    trainer(resumed, tmp_path / "b", 2).fit()
    for u, v in zip(straight.variables, resumed.variables):
        np.testing.assert_array_equal(np.asarray(u.value), np.asarray(v.value))
    # With a different number of variables the old layout cannot be matched: say so.
    with pytest.raises(CheckpointError, match="keyed arrays by position"):
        trainer(WithExtraVariable(), tmp_path / "b", 3).restore(str(folder))
