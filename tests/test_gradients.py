"""The gradient helper: an inner gradient, differentiated again, on both backends."""

import keras
import numpy as np
import pytest
from keras import ops

from ssgm_zoo.testing import run_python
from ssgm_zoo.training.gradients import value_and_grad, variable_gradients
from tests.models import GradientOriginAE, images

pytest.importorskip("jax")


def test_value_and_grad_is_the_analytic_gradient():
    x = np.array([[0.5, -1.0, 2.0]], "float32")
    value, grad = value_and_grad(lambda z: ops.sum(ops.sin(z) * z), x)
    np.testing.assert_allclose(float(value), np.sum(np.sin(x) * x), rtol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(grad), np.sin(x) + x * np.cos(x), rtol=1e-5)


def _finite_difference_check(cut):
    """Gradients of a gradient-origin loss w.r.t. decoder weights against central
    differences; returns the largest relative error over 12 weight entries."""
    model = GradientOriginAE(cut_inner_gradient=cut, seed=2)
    x = images(6, seed=1)
    variables = model.trainable_variables
    _, grads = variable_gradients(lambda: model.reconstruction_loss(x), variables)
    rng = np.random.default_rng(0)
    worst = 0.0
    for k in rng.choice(len(variables), 12):
        v, g = variables[k], ops.convert_to_numpy(grads[k])
        index = tuple(rng.integers(0, s) for s in v.shape)
        base = np.asarray(v.value, "float64")
        values = []
        for step in (1e-2, -1e-2):
            moved = base.copy()
            moved[index] += step
            v.assign(moved.astype("float32"))
            values.append(float(model.reconstruction_loss(x)))
        v.assign(base.astype("float32"))
        numeric = (values[0] - values[1]) / 2e-2
        # The floor: a float32 loss of about 7 has central differences good to about
        # 1e-4, so a tiny gradient (2.5e-3 on JAX's CPU) cannot be checked relatively.
        worst = max(worst, abs(numeric - g[index]) / max(1e-2, abs(numeric)))
    return float(worst)


def test_second_order_gradient_matches_finite_differences_and_fails_if_cut():
    assert _finite_difference_check(cut=False) < 2e-2
    assert _finite_difference_check(cut=True) > 5e-2  # the check does catch a cut gradient


@pytest.mark.skipif(keras.backend.backend() == "jax", reason="this run is already on JAX")
def test_second_order_gradient_matches_finite_differences_on_jax():
    code = ("import json; from tests.test_gradients import _finite_difference_check as c; "
            "print(json.dumps([c(False), c(True)]))")
    uncut, cut = run_python("jax", code)
    assert uncut < 2e-2 and cut > 5e-2
