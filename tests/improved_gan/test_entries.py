"""The Improved GAN entries shipped in the repository: records, files, hashes, configs."""

import numpy as np
import pytest

from ssgm_zoo import testing
from ssgm_zoo.models.improved_gan import family as gan
from tests.backends import REPO

SHIPPED = testing.shipped_entries("improved_gan")
ENTRY_RUNS = {r.name: r for r in gan.protocol() if r.entry is not None}


def test_every_entry_the_protocol_names_is_shipped():
    assert set(SHIPPED) == set(ENTRY_RUNS)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_entry_files_exist_and_match_their_hashes(name):
    testing.run_shipped_entry_files_test(name)


@pytest.mark.parametrize("name", SHIPPED)
def test_the_protocol_config_of_the_entry_is_the_one_it_was_trained_with(name):
    testing.run_protocol_entry_test(ENTRY_RUNS[name], REPO)


@pytest.mark.parametrize("name", SHIPPED)
def test_loaded_entry_reproduces_its_recorded_metric_and_samples(name, data_dir):
    model = testing.run_entry_test(name, data_dir)
    # The entry is the weight average as the discriminator, plus the generator.
    assert model.ema_decay == 0
    images = np.asarray(model.sample(8, seed=0))
    assert images.shape == (8, 28, 28, 1)
    assert np.all((images >= 0) & (images <= 1)) and images.std() > 0.05
