"""Fixtures of the MNIST-3,000 family's tests."""

import pytest

from ssgm_zoo import data


@pytest.fixture(scope="session")
def mnist_test_images(data_dir):
    """The first 1,000 MNIST test images, float32 ``[N, 28, 28, 1]`` in [0, 1]."""
    x, _ = data.load_arrays("mnist", "test", str(data_dir))
    return data.to_unit_float(x[:1000]).reshape(-1, 28, 28, 1)


@pytest.fixture(scope="session")
def mnist_train(data_dir):
    """The first 20,000 MNIST training images and labels, and the test labels."""
    x, y = data.load_arrays("mnist", "train", str(data_dir))
    _, test_y = data.load_arrays("mnist", "test", str(data_dir))
    return {"x": data.to_unit_float(x[:20_000]).reshape(-1, 28, 28, 1), "y": y[:20_000],
            "test_labels": test_y}
