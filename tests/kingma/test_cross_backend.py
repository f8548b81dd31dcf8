"""Kingma models through the shared harness; weights trained on one backend load on the other."""

import keras
import pytest

from ssgm_zoo import testing

pytest.importorskip("jax")

CASES = ["tests.kingma.cases:m1", "tests.kingma.cases:m2", "tests.kingma.cases:m1m2"]


@pytest.mark.parametrize("case", CASES)
def test_harness_checks_pass(case, tmp_path):
    testing.run_model_tests(case, tmp_path)


@pytest.mark.parametrize("case", CASES[1:])
@pytest.mark.parametrize("source,target", [("tensorflow", "jax"), ("jax", "tensorflow")])
def test_weights_move_between_backends(case, source, target, tmp_path):
    if keras.backend.backend() == "jax" and "tensorflow" in (source, target):
        pytest.skip("run from the TensorFlow suite")
    testing.run_cross_backend_test(case, tmp_path, source=source, target=target)
