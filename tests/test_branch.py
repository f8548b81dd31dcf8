"""Branching a run: beginning a new run at another run's checkpoint when their configs
differ only by a learning-rate decay not begun there (``Trainer.branch``,
``tools/train.py --branch_from``)."""

import importlib
import json
import os

import numpy as np
import pytest

from ssgm_zoo import experiment, families
from ssgm_zoo.training import Trainer
from tests.models import NoisyAutoencoder, images

X = images(120)
CONSTANT = {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9}
DECAY = {**CONSTANT, "linear_decay": (6, 12)}  # 3 steps an epoch: from epoch 2 to epoch 4


def trainer(workdir, optimizer, epochs=4, seed=0):
    return Trainer(NoisyAutoencoder(seed=seed), train_data={"unlabeled": {"x": X}},
                   batch_sizes={"unlabeled": 20}, steps_per_epoch=3, epochs=epochs,
                   optimizer=optimizer, seed=0, workdir=str(workdir), steps_per_execution=3,
                   verbose=0, fingerprint={"optimizer": optimizer, "other": 1}, jit_compile=False,
                   eval_data={"validation": {"x": X[:40], "y": np.zeros(40, "int32")}})


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """The step-6 checkpoint of a run with a constant learning rate."""
    workdir = tmp_path_factory.mktemp("constant")
    trainer(workdir, CONSTANT, epochs=2).fit()
    return workdir / "checkpoints" / "epoch_000002"


def optimizer_of(fingerprint):
    return fingerprint["optimizer"]


def weights(t):
    return [np.asarray(v.value) for v in t.model.variables]


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_branch_where_its_decay_begins_ends_as_the_decayed_run_made_from_step_0(
        tmp_path, source):
    straight = trainer(tmp_path / "straight", DECAY)
    straight.fit()
    branch = trainer(tmp_path / "branch", DECAY, epochs=3, seed=9)  # other init: all restored
    written = branch.branch(str(source), optimizer_of)
    assert os.path.basename(written) == "epoch_000002" and branch.epoch == 2
    branch.fit()
    # The command that began the branch resumes it (here: taken on to epoch 4).
    again = trainer(tmp_path / "branch", DECAY, seed=9)
    assert again.branch(str(source), optimizer_of) is None
    history = again.fit()
    for a, b in zip(weights(straight), weights(again)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert [r["epoch"] for r in history] == [1, 2, 3, 4]
    assert [r["train_loss"] for r in history] == pytest.approx(
        [r["train_loss"] for r in straight.history], rel=1e-5)
    records = lines(tmp_path / "branch" / "metrics.jsonl")
    assert [r["epoch"] for r in records] == [1, 2, 3, 4]
    state = json.loads((tmp_path / "branch" / "checkpoints" / "epoch_000004" /
                        "trainer.json").read_text())
    assert state["branched_from"] == {"checkpoint": str(source), "step": 6}
    assert state["fingerprint"]["optimizer"]["linear_decay"] == [6, 12]
    # The decay changed the end: the same run with a constant learning rate differs.
    longer = trainer(tmp_path / "constant", CONSTANT)
    longer.fit()
    assert not all(np.allclose(a.value, b.value) for a, b in
                   zip(longer.model.trainable_variables, again.model.trainable_variables))
    # A work directory holding another run's checkpoints is not branched into.
    with pytest.raises(ValueError, match="already holds .*not a branch from"):
        trainer(tmp_path / "constant", DECAY).branch(str(source), optimizer_of)


@pytest.mark.parametrize("optimizer, message", [
    ({**CONSTANT, "linear_decay": (3, 12)}, r"step 6 or later \(optimizer.linear_decay: "
                                             r"checkpoint '<absent>', now \[3, 12\]"),
    ({**DECAY, "learning_rate": 0.01}, r"optimizer.learning_rate: checkpoint 0.05, now 0.01"),
])
def test_a_branch_whose_steps_before_the_checkpoint_would_differ_is_refused(
        tmp_path, source, optimizer, message):
    with pytest.raises(ValueError, match=message):
        trainer(tmp_path / "branch", optimizer).branch(str(source), optimizer_of)
    assert not (tmp_path / "branch").exists()  # nothing written


def test_a_branch_needs_a_checkpoint_folder(tmp_path):
    with pytest.raises(ValueError, match="is not a checkpoint folder"):
        trainer(tmp_path / "branch", DECAY).branch(str(tmp_path), optimizer_of)


@pytest.fixture
def toy(monkeypatch):
    family = importlib.import_module("tests.toy_family.family").FAMILY
    monkeypatch.setitem(families._REGISTRY, family.name, family)
    return family


def _config(**optimizer):
    config = importlib.import_module("tests.toy_family.config").get_config()
    config.train.epochs = 2
    config.train.jit_compile = False
    config.train.optimizer = {"name": "sgd", "learning_rate": 0.1, **optimizer}
    return config


def test_run_seeds_branches_one_seed_and_records_where_it_began(toy, tmp_path, data_dir):
    experiment.run_seeds(_config(), str(tmp_path / "constant"), [0], data_dir=str(data_dir),
                         verbose=0)
    # The toy config trains 10 steps an epoch: the decay begins at the checkpoint (step 10).
    source = str(tmp_path / "constant" / "checkpoints" / "epoch_000001")
    decayed = _config(linear_decay=(10, 20))
    with pytest.raises(ValueError, match="branch each seed's run on its own"):
        experiment.run_seeds(decayed, str(tmp_path / "b{seed}"), [0, 1], data_dir=str(data_dir),
                             verbose=0, branch_from=source)
    (metrics,) = experiment.run_seeds(decayed, str(tmp_path / "branch"), [0],
                                      data_dir=str(data_dir), verbose=0, branch_from=source)
    (straight,) = experiment.run_seeds(decayed, str(tmp_path / "straight"), [0],
                                       data_dir=str(data_dir), verbose=0)
    assert metrics["branched_from"] == {"checkpoint": source, "step": 10}
    assert metrics["test_error_rate"] == pytest.approx(straight["test_error_rate"], abs=1e-4)
    resolved = json.loads((tmp_path / "branch" / "run_config.json").read_text())
    assert resolved["train"]["optimizer"]["linear_decay"] == [10, 20]
