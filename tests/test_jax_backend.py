"""The engine, protocol and model tests again, on Keras's JAX backend (in a subprocess)."""

import subprocess
import sys

import keras
import pytest

from ssgm_zoo.testing import REPO, backend_env

pytest.importorskip("jax")


@pytest.mark.skipif(keras.backend.backend() == "jax", reason="this run is already on JAX")
def test_engine_and_model_tests_pass_on_jax():
    # The code that differs by backend: the engine's JAX path, the gradient helper
    # inside it, and each family's models (through the harness) and loss terms.
    files = ["tests/test_engine.py", "tests/test_multiseed.py", "tests/test_protocol.py",
             "tests/test_optimizers.py",
             "tests/kingma/test_elbo.py", "tests/kingma/test_cross_backend.py",
             "tests/improved_gan/test_layers.py", "tests/improved_gan/test_cross_backend.py",
             # The conv GON trains on JAX in test_weights_move_between_backends.
             "tests/gon/test_cross_backend.py::test_harness_checks_pass[implicit]",
             # Shipped entries trained on TensorFlow measure their records on JAX (the
             # variational GON encodes at a fixed draw, which must match across backends).
             "tests/gon/test_entries.py::"
             "test_loaded_entry_reproduces_its_recorded_reconstruction_error[gon-mnist]",
             "tests/gon/test_entries.py::test_loaded_entry_reproduces_its_recorded_"
             "reconstruction_error[variational-gon-mnist]",
             # The mean teacher trains on JAX in its test_weights_move_between_backends.
             "tests/ssl_cnn/test_cross_backend.py::test_harness_checks_pass[pseudo_label]"]
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             *files], cwd=REPO, env=backend_env("jax"), capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
