"""Model directories whose weights are stored in float16: rounding, the file, loading."""

import h5py
import keras
import numpy as np
import pytest

from ssgm_zoo import checkpoint
from tests.models import PACKAGE, NoisyAutoencoder


@keras.saving.register_keras_serializable(package=PACKAGE)
class CountingAutoencoder(NoisyAutoencoder):
    """With a float32 step counter, as models with schedules or averages keep."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.steps = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                     name="steps")


def _arrays(path):
    found = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: found.__setitem__(name, obj[()])
                     if isinstance(obj, h5py.Dataset) else None)
    return found


def test_a_float16_directory_loads_exactly_what_rounding_gives(tmp_path):
    model = NoisyAutoencoder(seed=1)
    float32_dir = checkpoint.save_model_dir(model, tmp_path / "float32")
    checkpoint.round_weights(model, "float16")
    kernel = np.asarray(model.encoder.kernel.value)
    assert kernel.dtype == np.float32
    np.testing.assert_array_equal(kernel, kernel.astype(np.float16).astype(np.float32))
    path = checkpoint.save_model_dir(model, tmp_path / "float16", weights_dtype="float16")

    float32, float16 = (_arrays(f"{d}/{checkpoint.WEIGHTS_FILE}") for d in (float32_dir, path))
    assert float32.keys() == float16.keys()
    for name, x in float16.items():  # floats halve; the seed generator's integers stay
        assert x.dtype == (np.float16 if float32[name].dtype == np.float32
                           and float32[name].size > 1 else float32[name].dtype), name
    loaded = checkpoint.load_model_dir(path)
    for a, b in zip(loaded.weights, model.weights):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(np.asarray(a.value), np.asarray(b.value))
    assert '"weights_dtype": "float16"' in (tmp_path / "float16" / "metadata.json").read_text()


def test_step_counters_keep_float32_in_a_float16_directory(tmp_path):
    """180,001 (a 300-epoch GAN's steps) is beyond float16; 2,049 is between its integers."""
    for steps in (2049.0, 180001.0):
        model = CountingAutoencoder(seed=1)
        model.steps.assign(steps)
        checkpoint.round_weights(model, "float16")
        assert float(model.steps.numpy()) == steps
        path = checkpoint.save_model_dir(model, tmp_path / str(steps), weights_dtype="float16")
        stored = [x for x in _arrays(f"{path}/{checkpoint.WEIGHTS_FILE}").values() if x.size == 1]
        assert [(x.dtype, float(x)) for x in stored] == [(np.float32, steps)]
        assert float(checkpoint.load_model_dir(path).steps.numpy()) == steps


def test_weights_beyond_float16_are_refused_by_name_and_left_as_they_were(tmp_path):
    model = NoisyAutoencoder(seed=1)
    big = np.asarray(model.decoder.kernel.value).copy()
    big[0, 0] = 1e6
    model.decoder.kernel.assign(big)
    before = np.asarray(model.encoder.kernel.value).copy()
    with pytest.raises(ValueError, match="decoder.*float16's range"):
        checkpoint.round_weights(model, "float16")
    np.testing.assert_array_equal(np.asarray(model.encoder.kernel.value), before)
    path = checkpoint.save_model_dir(model, tmp_path / "m")
    with pytest.raises(ValueError, match="float16's range"):
        checkpoint.cast_weights_file(f"{path}/{checkpoint.WEIGHTS_FILE}", tmp_path / "w.h5")
    assert not (tmp_path / "w.h5").exists()


def test_an_unknown_dtype_is_named(tmp_path):
    with pytest.raises(ValueError, match="bfloat16"):
        checkpoint.save_model_dir(NoisyAutoencoder(), tmp_path / "m", weights_dtype="bfloat16")
    assert not (tmp_path / "m").exists()
