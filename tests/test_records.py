"""Typed zoo records: round trip, and errors that name the record and the field."""

import copy
import dataclasses

import pytest

from ssgm_zoo.zoo import registry
from ssgm_zoo.zoo.records import EntryRecord, RegistryError


@pytest.fixture
def shipped():
    return registry.model_info("m1m2-mnist-100").to_dict()


def test_a_record_round_trips_through_json_form(shipped):
    record = EntryRecord.from_dict(copy.deepcopy(shipped))
    assert record.to_dict() == shipped
    assert record.headline is record.metrics[record.headline_metric]
    assert record.headline.repeats == "runs"
    assert dataclasses.replace(record.headline, num_runs=1).repeats == "run"
    assert registry.model_info("m1-mnist").headline.repeats == "label splits"


@pytest.mark.parametrize("change,message", [
    (lambda d: d.pop("metrics"), "lacks \\['metrics'\\]"),
    (lambda d: d.update(num_labels=100), "unknown fields \\['num_labels'\\]"),
    (lambda d: d["files"].pop("config.json"), "lists no config.json"),
    (lambda d: d.update(headline_metric="test_nothing"), "headline metric 'test_nothing'"),
    (lambda d: d["files"]["README.md"].update(sha256="abc"), "64-hex sha256"),
    (lambda d: d["metrics"]["test_error_rate"].pop("unit"), "metric 'test_error_rate', lacks"),
    (lambda d: d.update(hub={"repo_id": "a/b", "revision": "main"}), "commit sha"),
    (lambda d: d.update(schema_version=1), "schema version 1"),
    (lambda d: d.update(name="../x"), "Invalid entry name"),
    (lambda d: d.update(weights_dtype="int8"), "weights_dtype must be one of"),
])
def test_malformed_records_name_their_problem(shipped, change, message):
    data = copy.deepcopy(shipped)
    change(data)
    with pytest.raises(RegistryError, match=message):
        EntryRecord.from_dict(data)


@pytest.mark.parametrize("name", sorted(registry.records()))
def test_every_shipped_records_command_gives_the_config_its_run_recorded(name):
    """A default changed after an entry was made must be restated in its command."""
    from ssgm_zoo.zoo.publishing import command_differences
    from tests.backends import REPO

    assert command_differences(registry.model_info(name), root=REPO) == {}


def test_amending_a_command_checks_it_and_rewrites_the_card(tmp_path):
    import json
    import shutil

    from ssgm_zoo import files
    from ssgm_zoo.zoo.publishing import amend_command
    from tests.backends import REPO

    record = registry.model_info("m1m2-mnist-100")
    source = registry.record_path(record.name)
    shutil.copy(source, tmp_path / source.name)
    shutil.copytree(source.parent / record.name, tmp_path / record.name)
    weights = files.sha256_file(tmp_path / record.name / "model.weights.h5")
    command = record.training.command
    wrong = command + " --config.model.latent_dim=20"
    with pytest.raises(ValueError, match="model.latent_dim recorded 50, command gives 20"):
        amend_command(record.name, wrong, tmp_path, root=REPO)
    assert json.loads((tmp_path / source.name).read_text()) == record.to_dict()  # untouched
    # Restating a value the run had is a command that gives the same config.
    right = command + f" --config.train.epochs={record.training.config['train']['epochs']}"
    amended = amend_command(record.name, right, tmp_path, root=REPO)
    card = tmp_path / record.name / "README.md"
    assert amended.training.command == right and right in card.read_text()
    assert amended.files["README.md"].sha256 == files.sha256_file(card)
    assert json.loads((tmp_path / source.name).read_text()) == amended.to_dict()
    assert files.sha256_file(tmp_path / record.name / "model.weights.h5") == weights
    assert amended.replace(training=record.training, files=record.files) == record


@pytest.mark.parametrize("name", sorted(registry.records()))
def test_every_shipped_model_card_is_the_one_its_record_writes(name):
    """A change to the card's layout or number formats is followed by rewriting the
    shipped cards (``publishing.amend_command`` with the same command does it)."""
    from ssgm_zoo import families
    from ssgm_zoo.zoo.publishing import model_card

    record = registry.model_info(name)
    card = families.get(record.family).entries_dir / name / "README.md"
    assert card.read_text() == model_card(record)


def test_make_entry_amend_command_refuses_a_wrong_command_with_a_message(tmp_path):
    import shutil
    import subprocess
    import sys

    from tests.backends import REPO

    record = registry.model_info("m1m2-mnist-100")
    source = registry.record_path(record.name)
    shutil.copy(source, tmp_path / source.name)
    shutil.copytree(source.parent / record.name, tmp_path / record.name)
    before = (tmp_path / source.name).read_bytes()
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "make_entry.py"), "--amend_command",
         f"--name={record.name}", f"--entries={tmp_path}",
         f"--command={record.training.command} --config.model.latent_dim=20"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 1
    assert "make_entry: m1m2-mnist-100: the command does not give the config" in result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / source.name).read_bytes() == before


def _copy_entry(name, folder):
    import shutil

    record = registry.model_info(name)
    source = registry.record_path(name)
    shutil.copy(source, folder / source.name)
    shutil.copytree(source.parent / name, folder / name)
    return record


def test_amending_a_latent_classifier_measures_the_shipped_weights_again(tmp_path, data_dir):
    """Label spreading on label split 0 of the shipped M1 gives the error rate its
    record publishes (the record's headline, measured again); the card follows."""
    import json

    from ssgm_zoo import files
    from ssgm_zoo.zoo import loading
    from ssgm_zoo.zoo.publishing import amend_latent_classifier, model_card

    record = _copy_entry("m1-mnist", tmp_path)
    old = record.metrics["test_latent_classifier_error_rate"]
    assert old.details["latent_classifier"] == "label_spreading"
    weights = files.sha256_file(tmp_path / record.name / "model.weights.h5")
    amended = amend_latent_classifier(record.name, tmp_path, data_dir=data_dir, num_labeled=100,
                                      label_seeds=[0], classifier="label_spreading",
                                      description="Measured again.")
    metric = amended.metrics["test_latent_classifier_error_rate"]
    assert metric.per_run == pytest.approx(old.per_run[:1], abs=2e-4)  # 2 images
    assert metric.num_runs == 1 and metric.details["label_seeds"] == [0]
    card = tmp_path / record.name / "README.md"
    assert card.read_text() == model_card(amended) and "Measured again." in card.read_text()
    assert json.loads((tmp_path / f"{record.name}.json").read_text()) == amended.to_dict()
    assert files.sha256_file(tmp_path / record.name / "model.weights.h5") == weights
    loading.verify_files(tmp_path / record.name, amended)
    assert amended.replace(metrics=record.metrics, description=record.description,
                           files=record.files) == record


def test_amending_a_latent_classifier_refuses_damaged_weights_and_models_without_codes(
        tmp_path, data_dir):
    from ssgm_zoo.zoo import loading
    from ssgm_zoo.zoo.publishing import amend_latent_classifier

    record = _copy_entry("m1-mnist", tmp_path)
    weights = tmp_path / record.name / "model.weights.h5"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    before = (tmp_path / f"{record.name}.json").read_bytes()
    card = (tmp_path / record.name / "README.md").read_bytes()
    with pytest.raises(loading.IntegrityError, match="model.weights.h5 is modified"):
        amend_latent_classifier(record.name, tmp_path, data_dir=data_dir, num_labeled=100,
                                label_seeds=[0], classifier="logistic")
    assert (tmp_path / f"{record.name}.json").read_bytes() == before
    assert (tmp_path / record.name / "README.md").read_bytes() == card
    cnn = _copy_entry("ssl-cnn-mnist-3000", tmp_path)
    with pytest.raises(ValueError, match="ssl-cnn-mnist-3000: .* has no latent features"):
        amend_latent_classifier(cnn.name, tmp_path, data_dir=data_dir, num_labeled=100,
                                label_seeds=[0], classifier="logistic")
    with pytest.raises(ValueError, match="Unknown latent classifier 'tsvm'"):
        amend_latent_classifier(record.name, tmp_path, num_labeled=100, label_seeds=[0],
                                classifier="tsvm")
