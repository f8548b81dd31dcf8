"""The family's models through the shared harness; weights trained on one backend load on
the other."""

import keras
import pytest

from ssgm_zoo import testing

pytest.importorskip("jax")


@pytest.mark.parametrize("case", ["convnet", "pseudo_label", "mean_teacher", "ladder"])
def test_harness_checks_pass(case, tmp_path):
    testing.run_model_tests(f"tests.ssl_cnn.cases:{case}", tmp_path)


@pytest.mark.skipif(keras.backend.backend() == "jax", reason="run from the TensorFlow suite")
def test_weights_move_between_backends(tmp_path):
    testing.run_cross_backend_test("tests.ssl_cnn.cases:mean_teacher", tmp_path, source="jax",
                                   target="tensorflow")
