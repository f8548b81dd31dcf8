"""The lab's shipped entry: record, files, hashes, config, and the Kaggle CSV it writes."""

import csv
import json

import numpy as np
import pytest

from ssgm_zoo import cli, data, testing
from ssgm_zoo.config import load_config_file
from ssgm_zoo.models.ssl_cnn import family as lab
from ssgm_zoo.zoo import registry
from tests.backends import REPO

SHIPPED = testing.shipped_entries("ssl_cnn")


def test_the_entry_is_shipped():
    assert lab.ENTRY in SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_entry_files_exist_and_match_their_hashes(name):
    testing.run_shipped_entry_files_test(name)


def test_the_protocol_config_of_the_entry_is_the_one_it_was_trained_with():
    run, = [r for r in lab.protocol() if r.entry is not None]
    assert run.name == lab.ENTRY
    record = registry.model_info(lab.ENTRY)
    config = load_config_file(REPO / run.config)
    assert config.entry == lab.ENTRY
    assert record.model_name == config.model_name == "mean_teacher"
    assert record.num_labeled == config.num_labeled == 3000
    assert record.training.config["model"] == json.loads(config.model.to_json())
    assert run.config in record.training.command


def test_loaded_entry_reproduces_its_recorded_metric_on_a_test_slice(data_dir):
    testing.run_entry_test(lab.ENTRY, data_dir)


def test_predict_writes_the_kaggle_csv_of_the_recorded_test_error(tmp_path, data_dir):
    out = tmp_path / "predictions.csv"
    assert cli.main(["predict", lab.ENTRY, "--output", str(out), "--data_dir", str(data_dir),
                     "--id_column", "ImageId", "--label_column", "Label", "--first_id",
                     "1"]) == 0
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["ImageId", "Label"] and len(rows) == 10_001
    assert [r[0] for r in rows[1:3]] == ["1", "2"]
    labels = np.array([int(r[1]) for r in rows[1:]])
    _, y = data.load_arrays("mnist", "test", str(data_dir))
    record = registry.model_info(lab.ENTRY)
    assert np.mean(labels != y) == pytest.approx(
        record.metrics["test_error_rate"].published, abs=1e-12)
