"""Typed zoo records: round trip, and errors that name the record and the field."""

import copy

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
    assert record.training.train_seconds > record.training.final_session_wall_seconds


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
