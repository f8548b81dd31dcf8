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

    At the origin every image has the same activations, so batch normalisation
    divides the inner gradient by ``sqrt(epsilon)``, about 300, at each layer:
    the codes are ill-conditioned. Measured on this case (TensorFlow and JAX, CPU,
    2026-12-02), multiplying every weight by ``1 + 1e-6 N(0, 1)`` moves the codes
    (up to 2 in size) by up to 3e-3, so float32 rounding that differs between
    backends and machines moves them by as much (a CI machine: 5e-3). The codes
    get ``atol`` 2e-2; the decoded images, which the codes feed, 5e-3.
    """
    case = _case(lambda seed: GON(latent_dim=6, filters=2, inner_steps=2, inner_batch_size=8,
                                  seed=seed))
    case.backend_tolerance = {"rtol": 5e-3, "atol": 5e-3}
    case.output_tolerances = {"codes": {"rtol": 1e-2, "atol": 2e-2}}
    return case


def variational():
    return _case(lambda seed: VariationalGON(latent_dim=5, filters=2, inner_batch_size=8,
                                             seed=seed))


def implicit():
    return _case(lambda seed: ImplicitGON(latent_dim=4, hidden_units=(8, 8), resolution=12,
                                          inner_batch_size=8, seed=seed))
