"""GON models through the shared harness; weights trained on one backend load on the other."""

import keras
import pytest

from ssgm_zoo import testing

pytest.importorskip("jax")


@pytest.mark.parametrize("case", ["gon", "variational", "implicit"])
def test_harness_checks_pass(case, tmp_path):
    testing.run_model_tests(f"tests.gon.cases:{case}", tmp_path)


@pytest.mark.skipif(keras.backend.backend() == "jax", reason="run from the TensorFlow suite")
def test_weights_move_between_backends(tmp_path):
    testing.run_cross_backend_test("tests.gon.cases:gon", tmp_path, source="jax",
                                   target="tensorflow")
