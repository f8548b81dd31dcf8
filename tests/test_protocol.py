"""The model protocol proven on two tiny models outside every family: a two-player
GAN and a gradient-origin autoencoder, through the engine and the shared harness,
on both backends."""

import keras
import pytest

from ssgm_zoo import testing

pytest.importorskip("jax")

CASES = ["tests.models:gan_case", "tests.models:gradient_origin_case"]


@pytest.mark.parametrize("case", CASES)
def test_harness_checks_pass_on_this_backend(case, tmp_path):
    testing.run_model_tests(case, tmp_path)


@pytest.mark.skipif(keras.backend.backend() == "jax", reason="run from the TensorFlow suite")
@pytest.mark.parametrize("case", CASES)
def test_trained_on_jax_loads_on_tensorflow(case, tmp_path):
    """With the test above (trained here, on TensorFlow), each model trains on both."""
    other = "jax" if keras.backend.backend() == "tensorflow" else "tensorflow"
    history = testing.run_cross_backend_test(case, tmp_path, source=other,
                                             target=keras.backend.backend())
    assert history and all(k in history[0] for k in ("epoch", "step"))
