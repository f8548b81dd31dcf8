"""Improved GAN models through the shared harness; weights trained on one backend load on
the other."""

import keras
import pytest

from ssgm_zoo import testing

pytest.importorskip("jax")



def test_harness_checks_pass(tmp_path):
    # The conv networks train, save and load in test_model.py's CIFAR-10 test.
    testing.run_model_tests("tests.improved_gan.cases:mlp", tmp_path)


@pytest.mark.skipif(keras.backend.backend() == "jax", reason="run from the TensorFlow suite")
def test_weights_move_between_backends(tmp_path):
    testing.run_cross_backend_test("tests.improved_gan.cases:mlp", tmp_path, source="jax",
                                   target="tensorflow")
