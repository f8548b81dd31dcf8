"""End-to-end runs of the smoke configs on real MNIST (seconds each on CPU)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from ssgm_zoo import checkpoint, data, experiment
from ssgm_zoo.config import load_config_file
from tests.backends import REPO


def config(name, arg="smoke", **train):
    c = load_config_file(REPO / "zoo_configs" / "kingma" / f"{name}.py:{arg}")
    for key, value in train.items():
        c.train[key] = value
    return c


@pytest.fixture(scope="module")
def m2_run(tmp_path_factory, data_dir):
    workdir = tmp_path_factory.mktemp("m2")
    metrics = experiment.run(config("m2_mnist", "100,smoke"), str(workdir),
                             data_dir=str(data_dir), verbose=0)
    return workdir, metrics


def test_m2_smoke_run_lowers_the_loss_and_beats_chance_clearly(m2_run):
    workdir, metrics = m2_run
    history = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
    assert len(history) == 3
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert metrics["test_error_rate"] < 0.5  # chance is 0.9
    assert metrics["epochs"] == 3 and metrics["num_labeled"] == 100


def test_run_directory_holds_config_indices_model_and_metrics(m2_run, data_dir):
    workdir, metrics = m2_run
    for name in ("run_config.json", "labeled_indices.json", "metrics.json", "metrics.csv"):
        assert (workdir / name).is_file(), name
    assert sorted(os.listdir(workdir / "model")) == [
        "config.json", "labeled_indices.json", "metadata.json", "model.weights.h5"]
    saved = json.loads((workdir / "labeled_indices.json").read_text())
    labels = data.load_splits("mnist", data_dir=str(data_dir))["train"][1]
    expected = data.balanced_labeled_indices(labels, 100, seed=0)
    assert saved["indices"] == expected.tolist() and saved["seed"] == 0
    # The exported model reproduces the run's test error.
    model = checkpoint.load_model_dir(workdir / "model")
    x, y = data.load_splits("mnist", data_dir=str(data_dir))["test"]
    assert np.mean(model.classify(x) != y) == pytest.approx(metrics["test_error_rate"], abs=1e-9)
    meta = json.loads((workdir / "model" / "metadata.json").read_text())
    assert meta["parameter_count"] == model.count_params()


def test_extending_a_finished_run_matches_an_uninterrupted_one(tmp_path, data_dir):
    short = config("m2_mnist", "100,smoke", epochs=1)
    experiment.run(short, str(tmp_path / "a"), data_dir=str(data_dir), verbose=0)
    longer = config("m2_mnist", "100,smoke", epochs=2)
    experiment.run(longer, str(tmp_path / "a"), data_dir=str(data_dir), verbose=0)
    experiment.run(longer, str(tmp_path / "b"), data_dir=str(data_dir), verbose=0)
    a = checkpoint.load_model_dir(tmp_path / "a" / "model")
    b = checkpoint.load_model_dir(tmp_path / "b" / "model")
    for u, v in zip(a.weights, b.weights):
        np.testing.assert_array_equal(np.asarray(u.value), np.asarray(v.value))


def test_m1_then_m1m2_smoke_runs(tmp_path, data_dir):
    m1_metrics = experiment.run(config("m1_mnist"), str(tmp_path / "m1"),
                                data_dir=str(data_dir), verbose=0)
    assert m1_metrics["test_neg_elbo"] < 400  # an untrained decoder gives ~545 nats
    c = config("m1m2_mnist", "100,smoke")
    c.m1_checkpoint = str(tmp_path / "m1" / "model")
    experiment.run(c, str(tmp_path / "m1m2"), data_dir=str(data_dir), verbose=0)
    history = [json.loads(line) for line in (tmp_path / "m1m2" / "metrics.jsonl").open()]
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert history[-1]["train_classification_nll"] < history[0]["train_classification_nll"]
    model = checkpoint.load_model_dir(tmp_path / "m1m2" / "model")
    assert 0 < len(model.feature_indices) <= 8


def test_m1m2_without_an_m1_says_what_to_do(tmp_path, data_dir):
    with pytest.raises(ValueError, match="m1_checkpoint is empty"):
        experiment.run(config("m1m2_mnist", "100,smoke"), str(tmp_path), data_dir=str(data_dir),
                       verbose=0)


def test_bad_data_directory_is_named_in_the_error(tmp_path):
    with pytest.raises(data.DataError, match=str(tmp_path / "nowhere")):
        experiment.run(config("m2_mnist", "100,smoke"), str(tmp_path / "run"),
                       data_dir=str(tmp_path / "nowhere"), verbose=0)


def test_train_tool_runs_a_config_with_overrides(tmp_path, data_dir):
    result = subprocess.run(
        [sys.executable, "tools/train.py", "--config=zoo_configs/kingma/m2_mnist.py:100,smoke",
         f"--workdir={tmp_path}", "--seed=3", f"--data_dir={data_dir}", "--quiet",
         "--config.train.epochs=1", "--config.train.steps_per_epoch=5"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr[-3000:]
    resolved = json.loads((tmp_path / "run_config.json").read_text())
    assert resolved["seed"] == 3 and resolved["train"]["steps_per_epoch"] == 5
    assert json.loads((tmp_path / "metrics.json").read_text())["epochs"] == 1


def test_several_seeds_write_the_run_directories_single_runs_write(tmp_path, data_dir):
    c = config("m2_mnist", "100,smoke", epochs=1, steps_per_epoch=5)
    results = experiment.run_seeds(c, str(tmp_path / "s{seed}"), [3, 4],
                                   data_dir=str(data_dir), verbose=0)
    assert [m["seed"] for m in results] == [3, 4]
    splits = [json.loads((tmp_path / f"s{s}" / "labeled_indices.json").read_text())["indices"]
              for s in (3, 4)]
    assert splits[0] != splits[1]
    assert all((tmp_path / f"s{s}" / "model" / "model.weights.h5").is_file() for s in (3, 4))
    with pytest.raises(ValueError, match="must contain {seed}"):
        experiment.run_seeds(c, str(tmp_path / "x"), [0, 1], data_dir=str(data_dir), verbose=0)
