"""Optimizer specs: Adam without bias correction against the authors' update written out."""

import keras
import numpy as np
import pytest

from ssgm_zoo.training.optimizers import WithoutBiasCorrection, make_optimizer


def authors_adam(w, grads, lr, beta_1=0.9, beta_2=0.999):
    """dpkingma/nips14-ssl adam.py's update, in numpy."""
    m, v = np.zeros_like(w), np.zeros_like(w)
    for g in grads:
        m += (1 - beta_1) * (g - m)
        v += (1 - beta_2) * (g**2 - v)
        w = w - lr * m / np.sqrt(v)
    return w


def test_adam_without_bias_correction_takes_the_authors_steps():
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(40, 6)).astype("float64")
    w0 = rng.normal(size=6)
    optimizer = make_optimizer({"name": "adam", "learning_rate": 3e-4,
                                "bias_correction": False, "epsilon": 1e-12})
    variable = keras.Variable(w0.astype("float32"))
    for g in grads:
        optimizer.apply([keras.ops.convert_to_tensor(g.astype("float32"))], [variable])
    expected = authors_adam(w0, grads, 3e-4)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(variable), expected, rtol=0,
                               atol=2e-6)
    # Keras Adam's own (bias-corrected) steps end elsewhere: the test can tell them apart.
    corrected = keras.optimizers.Adam(3e-4, epsilon=1e-12)
    other = keras.Variable(w0.astype("float32"))
    for g in grads:
        corrected.apply([keras.ops.convert_to_tensor(g.astype("float32"))], [other])
    assert np.abs(keras.ops.convert_to_numpy(other) - expected).max() > 1e-3


def test_schedule_round_trips_and_bad_specs_are_named():
    schedule = WithoutBiasCorrection(1e-3, 0.5, 0.99)
    again = WithoutBiasCorrection.from_config(schedule.get_config())
    assert float(again(0)) == pytest.approx(1e-3 * 0.5 / np.sqrt(0.01), rel=1e-6)
    with pytest.raises(ValueError, match="bias_correction=False is for Adam"):
        make_optimizer({"name": "sgd", "bias_correction": False})
    with pytest.raises(ValueError, match="train.optimizer"):
        make_optimizer({"name": "no_such_optimizer"})


def test_linear_decay_spec_keeps_then_lowers_the_learning_rate_to_zero():
    optimizer = make_optimizer({"name": "adam", "learning_rate": 0.2, "linear_decay": [4, 8]})
    schedule = optimizer._learning_rate
    values = [float(schedule(step)) for step in (0, 4, 6, 8, 12)]
    np.testing.assert_allclose(values, [0.2, 0.2, 0.1, 0.0, 0.0], atol=1e-7)
    with pytest.raises(ValueError, match="start_step < end_step"):
        make_optimizer({"name": "adam", "linear_decay": [8, 4]})


def test_a_linear_decay_ending_before_the_last_step_is_refused_with_the_fix():
    spec = {"name": "sgd", "learning_rate": 0.1, "linear_decay": [6, 10]}
    make_optimizer(spec, total_steps=10)
    make_optimizer(spec, total_steps=8)  # a shortened run: the rate never reaches 0
    with pytest.raises(ValueError, match=r"linear_decay \[6, 10\] brings the learning rate to 0 "
                                         r"at step 10, but training runs 15 steps: the last 5 "
                                         r"would not move.*linear_decay=\"\(11, 15\)\""):
        make_optimizer(spec, total_steps=15)


def test_errors_name_where_the_spec_sits_in_the_config():
    spec = {"name": "adam", "linear_decay": [1, 2]}
    with pytest.raises(ValueError, match=r"^train.optimizer.generator.linear_decay .*"
                                         r"--config.train.optimizer.generator.linear_decay="):
        make_optimizer(spec, total_steps=4, path="train.optimizer.generator")
