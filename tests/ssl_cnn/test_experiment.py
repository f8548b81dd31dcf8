"""The lab's split through the shared runner, the configs, short real runs of each method,
and the entry's predictions CSV."""

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from ssgm_zoo import config as config_lib
from ssgm_zoo import checkpoint, cli, data, experiment, families, load_pretrained
from ssgm_zoo.models.ssl_cnn import builders, configs
from ssgm_zoo.zoo import publishing, registry
from tests.backends import REPO


def _prepare(spec, data_dir, seed=0, workdir=None):
    config = config_lib.load_config_file(spec)
    config.seed = seed
    return experiment.prepare(config, workdir, data_dir=str(data_dir), verbose=0)


def test_the_split_is_3000_balanced_labels_500_held_out_and_57000_unlabeled(data_dir, tmp_path):
    _, run_data, resolved = _prepare("zoo_configs/ssl_cnn/mean_teacher.py:lab", data_dir,
                                     workdir=str(tmp_path / "run"))
    x, y = run_data.splits["train"]
    assert len(x) == 60_000  # no Kingma validation split: the lab's 60,000
    labeled, held = run_data.labeled_indices, run_data.validation_indices
    assert len(labeled) == 2_500 and len(held) == 500
    assert not set(labeled.tolist()) & set(held.tolist())
    assert np.bincount(y[labeled], minlength=10).tolist() == [250] * 10
    assert np.bincount(y[held], minlength=10).tolist() == [50] * 10
    vx, vy = run_data.splits["validation"]
    np.testing.assert_array_equal(vx, x[held])
    np.testing.assert_array_equal(vy, y[held])
    _, streams = builders.build_mean_teacher(resolved, run_data)
    assert len(streams["labeled"]["x"]) == 2_500 and len(streams["unlabeled"]["x"]) == 57_000
    # The file beside the run records both parts of the split.
    record = json.loads((tmp_path / "run" / "labeled_indices.json").read_text())
    assert record["indices"] == labeled.tolist()
    assert record["validation_indices"] == held.tolist()

    _, again, _ = _prepare("zoo_configs/ssl_cnn/mean_teacher.py:lab", data_dir)
    np.testing.assert_array_equal(again.labeled_indices, labeled)  # deterministic
    np.testing.assert_array_equal(again.validation_indices, held)
    _, other, _ = _prepare("zoo_configs/ssl_cnn/mean_teacher.py:lab", data_dir, seed=1)
    assert set(other.labeled_indices.tolist()) != set(labeled.tolist())


@pytest.mark.parametrize("technique", configs.TECHNIQUES)
def test_every_technique_config_builds(technique):
    config = config_lib.load_config_file(f"zoo_configs/ssl_cnn/supervised.py:{technique}")
    family, spec = families.resolve(config.to_dict())
    assert (family.name, spec.name) == ("ssl_cnn", "cnn")
    assert config.num_labeled == 3000 and config.labeled_validation == 500


def test_bad_config_arguments_are_named():
    with pytest.raises(ValueError, match="dropout_everywhere"):
        config_lib.load_config_file("zoo_configs/ssl_cnn/supervised.py:dropout_everywhere")
    with pytest.raises(ValueError, match="resnet"):
        config_lib.load_config_file("zoo_configs/ssl_cnn/mean_teacher.py:resnet")


@pytest.fixture(scope="module")
def mean_teacher_run(tmp_path_factory, data_dir):
    run = tmp_path_factory.mktemp("mean_teacher") / "run"
    config = config_lib.load_config_file("zoo_configs/ssl_cnn/mean_teacher.py:lab,smoke")
    config.train.epochs, config.train.steps_per_epoch = 2, 40
    return run, experiment.run(config, str(run), data_dir=str(data_dir), verbose=0)


# The supervised CNN trains in the harness (tests/ssl_cnn/test_cross_backend.py).
@pytest.mark.parametrize("spec", ["pseudo_label.py:lab,smoke",
                                  "mean_teacher.py:lab,smoke", "ladder.py:smoke"])
def test_a_short_real_run_of_each_method_beats_chance(spec, tmp_path, data_dir, request):
    if spec.startswith("mean_teacher"):
        _, metrics = request.getfixturevalue("mean_teacher_run")
    else:
        config = config_lib.load_config_file(f"zoo_configs/ssl_cnn/{spec}")
        config.train.epochs, config.train.steps_per_epoch = 2, 40
        metrics = experiment.run(config, str(tmp_path / "run"), data_dir=str(data_dir),
                                 verbose=0)
    # Chance is 0.9; 80 steps under dropout and strong augmentation measured 0.50 to 0.59.
    assert metrics["test_error_rate"] < 0.7, metrics
    assert metrics["validation_error_rate"] < 0.75, metrics  # 100 held-out labeled images


def test_the_entry_writes_a_kaggle_csv(mean_teacher_run, tmp_path, data_dir, monkeypatch):
    run, metrics = mean_teacher_run
    monkeypatch.setenv("SSGM_ZOO_ENTRIES", str(tmp_path / "entries"))
    registry.clear_cache()
    try:
        record = publishing.build_entry("ssl-cnn-test-3000", [run], command="train",
                                        entries_dir=tmp_path / "entries", data_dir=str(data_dir))
        assert record.model_name == "mean_teacher" and record.num_labeled == 200
        assert load_pretrained("ssl-cnn-test-3000").count_params() == record.parameter_count
        out = tmp_path / "predictions.csv"
        assert cli.main(["predict", "ssl-cnn-test-3000", "--output", str(out), "--data_dir",
                         str(data_dir), "--id_column", "ImageId", "--label_column", "Label",
                         "--first_id", "1"]) == 0
    finally:
        registry.clear_cache()
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["ImageId", "Label"] and len(rows) == 10_001
    assert [r[0] for r in rows[1:3]] == ["1", "2"]
    labels = np.array([int(r[1]) for r in rows[1:]])
    _, y = data.load_arrays("mnist", "test", str(data_dir))
    assert np.mean(labels != y) == pytest.approx(metrics["test_error_rate"], abs=1e-12)


def test_runs_log_the_training_error_on_the_labeled_images(mean_teacher_run, data_dir):
    run, metrics = mean_teacher_run
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert all("labeled_error_rate" in r for r in records), records[0].keys()
    # The final value is the exported classifier's error on the run's training labels.
    split = json.loads((run / "labeled_indices.json").read_text())
    x, y = data.load_arrays("mnist", "train", str(data_dir))
    idx = np.asarray(split["indices"])
    assert len(idx) == 100  # the smoke split: 200 labels, 100 held out
    model = checkpoint.load_model_dir(run / experiment.MODEL_DIR)
    wrong = np.mean(model.classify(x[idx]) != y[idx])
    assert metrics["labeled_error_rate"] == pytest.approx(wrong, abs=1e-6)
    assert records[-1]["labeled_error_rate"] == pytest.approx(wrong, abs=1e-6)


def test_evaluate_labeled_needs_labels(data_dir):
    config = config_lib.load_config_file("zoo_configs/ssl_cnn/supervised.py:baseline,smoke")
    config.num_labeled, config.labeled_validation = 0, 0
    with pytest.raises(ValueError, match="evaluate_labeled"):
        experiment.prepare(config, None, data_dir=str(data_dir), verbose=0)


def test_the_figure_tool_draws_the_test_digits_a_run_gets_wrong(mean_teacher_run, tmp_path,
                                                                data_dir):
    run, metrics = mean_teacher_run
    out = tmp_path / "wrong.png"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "tools/figures.py", f"--model_dir={run / experiment.MODEL_DIR}",
         "--misclassified", f"--data_dir={data_dir}", f"--output={out}"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    wrong = round(metrics["test_error_rate"] * 10_000)
    assert f"{wrong} of 10000 test images misclassified" in result.stdout
    assert out.stat().st_size > 10_000


def test_a_float16_entry_records_what_its_stored_weights_measure(mean_teacher_run, tmp_path,
                                                                 data_dir, monkeypatch):
    run, metrics = mean_teacher_run
    entries = tmp_path / "entries"
    monkeypatch.setenv("SSGM_ZOO_ENTRIES", str(entries))
    registry.clear_cache()
    try:
        full = publishing.build_entry("ssl-cnn-test-32", [run], command="train",
                                      entries_dir=entries, data_dir=str(data_dir))
        half = publishing.build_entry("ssl-cnn-test-16", [run], command="train",
                                      entries_dir=entries, data_dir=str(data_dir),
                                      weights_dtype="float16")
        assert registry.model_info("ssl-cnn-test-16").weights_dtype == "float16"
        assert "weights_dtype" not in json.loads((entries / "ssl-cnn-test-32.json").read_text())
        model = load_pretrained("ssl-cnn-test-16")
    finally:
        registry.clear_cache()
    size = {r.name: r.files["model.weights.h5"].size for r in (full, half)}
    # Two bytes fewer per weight (HDF5's own overhead stays: small models halve less).
    assert size["ssl-cnn-test-32"] - size["ssl-cnn-test-16"] >= 2 * half.parameter_count
    assert "stored in float16" in (entries / "ssl-cnn-test-16" / "README.md").read_text()
    # Published values: the stored weights, measured again on the run's own splits.
    x, y = data.load_arrays("mnist", "test", str(data_dir))
    test = half.metrics["test_error_rate"]
    assert test.published == pytest.approx(np.mean(model.classify(x) != y), abs=1e-12)
    assert test.details["published_as_trained"] == metrics["test_error_rate"]
    assert test.per_run == (metrics["test_error_rate"],)  # the run as it trained
    held = json.loads((run / "labeled_indices.json").read_text())["validation_indices"]
    xt, yt = data.load_arrays("mnist", "train", str(data_dir))
    assert half.metrics["validation_error_rate"].published == pytest.approx(
        np.mean(model.classify(xt[held]) != yt[held]), abs=1e-12)
    assert half.metrics["test_errors_first_1000"].published == int(
        np.sum(model.classify(x[:1000]) != y[:1000]))
    with pytest.raises(ValueError, match="weights_dtype"):
        publishing.build_entry("ssl-cnn-test-8", [run], command="train", entries_dir=entries,
                               data_dir=str(data_dir), weights_dtype="int8")


def test_run_splits_rebuild_the_splits_a_run_saved(mean_teacher_run, data_dir):
    run, _ = mean_teacher_run
    saved = json.loads((run / "labeled_indices.json").read_text())
    splits, indices, held = experiment.run_splits(
        json.loads((run / "run_config.json").read_text()), data_dir=str(data_dir))
    assert indices.tolist() == saved["indices"] and held.tolist() == saved["validation_indices"]
    np.testing.assert_array_equal(splits["validation"][0], splits["train"][0][held])
    np.testing.assert_array_equal(splits["validation"][1], splits["train"][1][held])
