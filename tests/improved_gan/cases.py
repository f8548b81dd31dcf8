"""Small semi-supervised GANs for the shared model test harness (ssgm_zoo.testing)."""

import numpy as np
from keras import ops

from ssgm_zoo.models.improved_gan import ImprovedGAN
from ssgm_zoo.testing import ModelCase

_RNG = np.random.default_rng(0)
X = _RNG.random((40, 28, 28, 1)).astype("float32")
Y = _RNG.integers(0, 10, 40)
FIXED = np.random.default_rng(1).random((6, 28, 28, 1)).astype("float32")
CIFAR = _RNG.random((16, 32, 32, 3)).astype("float32")


def _samples(model):
    # Fixed noise from numpy: keras.random's draws for one seed differ between backends.
    noise = np.random.default_rng(2).random((4, model.noise_dim)).astype("float32")
    return ops.convert_to_numpy(model.generate(noise))


def _outputs(model):
    return {"proba": model.predict_proba(FIXED, check_polarity=False), "samples": _samples(model)}


def mlp():
    """The MNIST networks, small, with every technique on (so each is saved and moved)."""
    return ModelCase(
        make_model=lambda seed: ImprovedGAN(
            discriminator_units=(32, 16), generator_units=(16,), noise_dim=8,
            minibatch_kernels=4, minibatch_kernel_dim=3, generator_normalization="virtual",
            reference_batch_size=8, label_smoothing=0.1, historical_averaging=0.01,
            ema_decay=0.9, seed=seed),
        train_data={"labeled": {"x": X[:10], "y": Y[:10]}, "unlabeled": {"x": X}},
        batch_sizes={"labeled": 10, "unlabeled": 10}, outputs=_outputs)


def conv():
    """The CIFAR-10 networks at the real image shape, narrow."""
    return ModelCase(
        make_model=lambda seed: ImprovedGAN(
            architecture="conv", image_shape=(32, 32, 3), discriminator_filters=(4, 8),
            generator_filters=(8, 4, 4), noise_dim=8, ema_decay=0.9, seed=seed),
        train_data={"labeled": {"x": CIFAR[:8], "y": Y[:8]}, "unlabeled": {"x": CIFAR}},
        batch_sizes={"labeled": 8, "unlabeled": 8},
        outputs=lambda m: {"proba": m.predict_proba(CIFAR[:4]), "samples": _samples(m)})
