"""Small M1, M2 and M1+M2 for the shared model test harness (ssgm_zoo.testing)."""

import numpy as np
from keras import ops

from ssgm_zoo.models.kingma import M1, M1M2, M2
from ssgm_zoo.testing import ModelCase

_RNG = np.random.default_rng(0)
X = _RNG.random((60, 28, 28, 1)).astype("float32")
Y = _RNG.integers(0, 10, 60)
FIXED = np.random.default_rng(1).random((8, 28, 28, 1)).astype("float32")
SEMI = {"unlabeled": {"x": X}, "labeled": {"x": X[:10], "y": Y[:10]}}


def _z(dim):
    return np.random.default_rng(2).normal(size=(4, dim)).astype("float32")


def m1():
    return ModelCase(
        make_model=lambda seed: M1(latent_dim=4, hidden_units=(8,), init_std=0.05, seed=seed),
        train_data={"unlabeled": {"x": X}}, batch_sizes={"unlabeled": 20},
        outputs=lambda m: {"codes": m.features(FIXED),
                           "decoded": ops.convert_to_numpy(m.decode(_z(4)))})


def _classifier_outputs(model):
    return {"proba": model.predict_proba(FIXED),
            "samples": model.sample(labels=[0, 3, 7, 9], z=_z(model.latent_dim))}


def m2():
    return ModelCase(
        make_model=lambda seed: M2(hidden_units=(16,), latent_dim=3, num_labeled=10,
                                   num_unlabeled=60, init_std=0.05, seed=seed),
        train_data=SEMI, batch_sizes={"unlabeled": 20, "labeled": 5},
        outputs=_classifier_outputs)


def m1m2():
    return ModelCase(
        make_model=lambda seed: M1M2(M1(latent_dim=5, hidden_units=(8,), seed=0, init_std=0.3),
                                     [0, 1, 3], hidden_units=(8,), latent_dim=2,
                                     num_labeled=10, num_unlabeled=60, seed=seed,
                                     # the KL weight's schedule (and its step counter)
                                     kl_weight_start=3.0, kl_weight_steps=4),
        train_data=SEMI, batch_sizes={"unlabeled": 20, "labeled": 5},
        outputs=_classifier_outputs)
