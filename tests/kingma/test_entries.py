"""The Kingma entries shipped in the repository: records, files, hashes, configs, predictions."""

import pytest

from ssgm_zoo import families, testing
from ssgm_zoo.config import load_config_file
from ssgm_zoo.zoo import registry
from tests.backends import REPO

FAMILY = families.get("kingma")
SHIPPED = testing.shipped_entries("kingma")
CONFIGS = [("m1_mnist.py", "m1-mnist"), ("m2_mnist.py:100", "m2-mnist-100")] + [
    (f"m1m2_mnist.py:{n}", f"m1m2-mnist-{n}") for n in (100, 600, 1000, 3000)]


def test_the_required_entries_are_shipped_in_the_family_folder():
    assert {"m1-mnist", "m2-mnist-100", "m1m2-mnist-100", "m1m2-mnist-600",
            "m1m2-mnist-1000", "m1m2-mnist-3000"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_entry_files_exist_and_match_their_hashes(name):
    record = testing.run_shipped_entry_files_test(name)
    if record.base_entry:
        assert record.base_entry in SHIPPED and record.base_weights_group == "layers/m1"


@pytest.mark.parametrize("spec,name", CONFIGS)
def test_every_config_that_claims_an_entry_has_one(spec, name):
    config = load_config_file(REPO / "zoo_configs" / "kingma" / spec)
    assert (config.family, config.entry) == ("kingma", name)
    record = registry.model_info(name)
    assert record.model_name == config.model_name
    assert record.training.config["num_labeled"] == config.num_labeled
    assert "zoo_configs/kingma/" in record.training.command


def test_paper_numbers_come_from_the_family_not_the_records():
    record = registry.model_info("m1m2-mnist-100")
    assert "paper" not in record.to_dict()["metrics"]["test_error_rate"]
    theirs = FAMILY.paper_value("m1m2", 100, "test_error_rate")
    assert (theirs.mean, theirs.std) == pytest.approx((0.0333, 0.0014))
    assert FAMILY.paper_value("m1", 100, "test_latent_classifier_error_rate").note


@pytest.mark.parametrize("name", SHIPPED)
def test_loaded_entry_reproduces_its_recorded_metric_on_a_test_slice(name, data_dir):
    testing.run_entry_test(name, data_dir)


def test_the_protocol_publishes_m2_only_at_100_labels_and_in_float16():
    """The repository's 25 MB: M2 on pixels is 2.6 MB an entry even in float16."""
    from ssgm_zoo.models.kingma import family

    m2 = {r.name: r.entry for r in family.protocol() if r.name.startswith("m2-")}
    assert m2["m2-mnist-100"]["weights_dtype"] == "float16"
    assert registry.model_info("m2-mnist-100").weights_dtype == "float16"
    assert all(m2[f"m2-mnist-{n}"] is None for n in (600, 1000, 3000))


def test_the_fast_variant_changes_only_the_schedule():
    """``:N,fast`` is our departure: the authors' model and objective, a larger step."""
    paper = load_config_file(REPO / "zoo_configs" / "kingma" / "m1m2_mnist.py:100").to_dict()
    fast = load_config_file(REPO / "zoo_configs" / "kingma" / "m1m2_mnist.py:100,fast").to_dict()
    assert fast["train"].pop("optimizer") == {**paper["train"].pop("optimizer"),
                                              "learning_rate": 1e-3}
    assert (fast["train"].pop("epochs"), paper["train"].pop("epochs")) == (400, 3000)
    for key in ("eval_every", "checkpoint_every"):
        assert (fast["train"].pop(key), paper["train"].pop(key)) == (10, 50)
    assert fast == paper
    with pytest.raises(ValueError, match="smoke run has no variants"):
        load_config_file(REPO / "zoo_configs" / "kingma" / "m1m2_mnist.py:100,smoke,fast")
