"""The GON entries shipped in the repository: records, files, hashes, configs, and what a
loaded entry computes (its recorded test reconstruction error, codes, samples)."""

import numpy as np
import pytest

from ssgm_zoo import data, testing
from ssgm_zoo.models.gon import family as gon
from ssgm_zoo.zoo import registry
from tests.backends import REPO

SHIPPED = testing.shipped_entries("gon")
ENTRY_RUNS = {r.name: r for r in gon.protocol() if r.entry is not None}


def test_the_shipped_entries_are_the_protocols_conv_gons_at_least():
    # The implicit GON entry waits for the GPU runs (docs/gon.md).
    assert set(SHIPPED) <= set(ENTRY_RUNS)
    assert {gon.gon_run_name(d, gon.ENTRY_LATENT) for d in gon.DATASET_NAMES} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_entry_files_exist_and_match_their_hashes(name):
    testing.run_shipped_entry_files_test(name)


@pytest.mark.parametrize("name", SHIPPED)
def test_the_protocol_config_of_the_entry_is_the_one_it_was_trained_with(name):
    testing.run_protocol_entry_test(ENTRY_RUNS[name], REPO)


@pytest.mark.parametrize("name", SHIPPED)
def test_loaded_entry_reproduces_its_recorded_reconstruction_error(name, data_dir):
    model = testing.run_entry_test(name, data_dir)
    record = registry.model_info(name)
    x, _ = data.load_splits(record.dataset, data_dir=str(data_dir))["test"]
    measured = model.reconstruction_error(x)  # batches of 1000, as the record's
    for key in ("reconstruction_error", "pixel_mse"):
        assert measured[key] == pytest.approx(record.metrics[f"test_{key}"].published,
                                              rel=1e-3)
    # The gradient step from the origin is what encodes: far better than F(0).
    assert measured["reconstruction_error"] < 0.2 * measured["origin_reconstruction_error"]
    images = np.asarray(model.sample(8, seed=0))
    assert images.shape == (8, model.resolution, model.resolution, model.channels)
    assert np.all((images >= 0) & (images <= 1)) and images.std() > 0.05


@pytest.mark.parametrize("name", SHIPPED)
def test_the_model_card_shows_the_per_pixel_error_in_significant_digits(name):
    record = registry.model_info(name)
    card = (REPO / "ssgm_zoo" / "models" / "gon" / "entries" / name / "README.md").read_text()
    assert f"| test_pixel_mse | {record.metrics['test_pixel_mse'].published:.3g} |" in card
