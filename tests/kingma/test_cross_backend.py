"""Kingma models through the shared harness; weights trained on one backend load on the other."""

import keras
import pytest

from ssgm_zoo import testing

pytest.importorskip("jax")

CASES = ["tests.kingma.cases:m1", "tests.kingma.cases:m2", "tests.kingma.cases:m1m2"]


@pytest.mark.parametrize("case", CASES)
def test_harness_checks_pass(case, tmp_path):
    testing.run_model_tests(case, tmp_path)


# Each direction once, each semi-supervised model once (M1+M2 holds an M1).
@pytest.mark.skipif(keras.backend.backend() == "jax", reason="run from the TensorFlow suite")
@pytest.mark.parametrize("case,source,target", [
    ("tests.kingma.cases:m2", "tensorflow", "jax"),
    ("tests.kingma.cases:m1m2", "jax", "tensorflow")])
def test_weights_move_between_backends(case, source, target, tmp_path):
    testing.run_cross_backend_test(case, tmp_path, source=source, target=target)
