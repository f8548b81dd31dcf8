"""Small gradient-origin networks for the shared model test harness (ssgm_zoo.testing)."""

import numpy as np

from ssgm_zoo.models.gon import GON, ImplicitGON, VariationalGON
from ssgm_zoo.testing import ModelCase

_RNG = np.random.default_rng(0)
X = _RNG.random((24, 28, 28, 1)).astype("float32")
FIXED = np.random.default_rng(1).random((6, 28, 28, 1)).astype("float32")


def _outputs(model):
    out = {"reconstructions": model.reconstruct(FIXED), "codes": model.encode(FIXED)}
    if float(model.latent_batches) > 0 or isinstance(model, VariationalGON):
        out["samples"] = model.sample(3, seed=5)
    return out


def _case(make_model):
    return ModelCase(make_model=make_model, train_data={"images": {"x": X}},
                     batch_sizes={"images": 8}, outputs=_outputs,
                     optimizer={"learning_rate": 1e-3})


def gon():
    """The conv GON, narrow, two inner steps (so the second step is saved and moved too).

    At the origin every image has the same first-layer activations, so batch
    normalisation divides the inner gradient by ``sqrt(epsilon)``, about 300:
    float32 rounding that differs between backends (1e-7) reaches the outputs
    at about 1e-3.
    """
    case = _case(lambda seed: GON(latent_dim=6, filters=2, inner_steps=2, inner_batch_size=8,
                                  seed=seed))
    case.backend_tolerance = {"rtol": 5e-3, "atol": 2e-3}
    return case


def variational():
    return _case(lambda seed: VariationalGON(latent_dim=5, filters=2, inner_batch_size=8,
                                             seed=seed))


def implicit():
    return _case(lambda seed: ImplicitGON(latent_dim=4, hidden_units=(8, 8), resolution=12,
                                          inner_batch_size=8, seed=seed))
