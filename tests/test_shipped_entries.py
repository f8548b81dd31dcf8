"""The entries shipped in the repository: records, files, hashes, configs, predictions."""

import pytest

from ssgm_zoo import data
from ssgm_zoo.config import load_config_file
from ssgm_zoo.zoo import registry, verify_files
from ssgm_zoo.zoo.loading import load_pretrained
from tests.backends import REPO

SHIPPED = registry.list_models()
MIRROR = REPO / "ssgm_zoo" / "zoo" / "mirror"

# Every config that claims a zoo entry: (config spec, entry name).
CONFIGS = [("m1_mnist.py", "m1-mnist"), ("m2_mnist.py:100", "m2-mnist-100")] + [
    (f"m1m2_mnist.py:{n}", f"m1m2-mnist-{n}") for n in (100, 600, 1000, 3000)]


def test_the_required_entries_are_shipped():
    assert {"m1-mnist", "m2-mnist-100", "m1m2-mnist-100", "m1m2-mnist-600",
            "m1m2-mnist-1000", "m1m2-mnist-3000"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_entry_files_exist_and_match_their_hashes(name):
    record = registry.model_info(name)
    registry.validate_record(record)
    verify_files(MIRROR / name, record)
    listed = set(record["files"])
    assert {p.name for p in (MIRROR / name).iterdir()} == listed
    if record.get("base_entry"):
        assert record["base_entry"] in SHIPPED


@pytest.mark.parametrize("spec,name", CONFIGS)
def test_every_config_that_claims_an_entry_has_one(spec, name):
    config = load_config_file(REPO / "zoo_configs" / spec)
    assert config.entry == name
    assert name in SHIPPED
    trained = registry.model_info(name)["training"]["config"]
    assert trained["family"] == config.family and trained["num_labeled"] == config.num_labeled


@pytest.mark.parametrize("name", [n for n in SHIPPED if not n.startswith("m1-")])
def test_loaded_entry_reproduces_its_recorded_errors_on_a_test_slice(name, data_dir):
    record = registry.model_info(name)
    expected = record["metrics"]["test_errors_first_1000"]["checkpoint"]
    x, y = data.load_splits(record["dataset"], data_dir=str(data_dir))["test"]
    model = load_pretrained(name)
    assert int((model.classify(x[:1000]) != y[:1000]).sum()) == expected
