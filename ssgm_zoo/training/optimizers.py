"""Optimizers from a config's ``train.optimizer`` spec.

A spec is a Keras optimizer's config plus its ``name``, e.g.
``{"name": "adam", "learning_rate": 3e-4}``. One key more is understood:
``"bias_correction": False`` (Adam only) takes Adam's steps without the
bias correction of its moment estimates, as the code of Kingma et al. 2014
(dpkingma/nips14-ssl, ``adam.py``) does:

    m_t = beta_1 m_{t-1} + (1 - beta_1) g_t
    v_t = beta_2 v_{t-1} + (1 - beta_2) g_t^2
    w_t = w_{t-1} - lr m_t / sqrt(v_t)

Keras Adam divides by ``sqrt(v_t) + epsilon`` and multiplies the learning
rate by ``sqrt(1 - beta_2^t) / (1 - beta_1^t)``; the schedule below cancels
that factor, so with a small ``epsilon`` the two updates agree to float
precision (the authors' has no epsilon at all; give ``"epsilon": 0`` for
exactly theirs, at the risk of 0/0 for a weight whose gradient is exactly 0).

``"linear_decay": [start_step, end_step]`` keeps the learning rate until
``start_step`` and lowers it linearly to 0 at ``end_step`` (Salimans et al.
2016's CIFAR-10 schedule: the last 400 of 1200 epochs). Its steps are
absolute: a run made longer than ``end_step`` is refused (its last steps
would not move the weights), so that lengthening a config's
``train.epochs`` without moving its decay fails at once, naming the fix.
"""

import keras
from keras import ops

__all__ = ["WithoutBiasCorrection", "LinearDecayToZero", "make_optimizer", "without_decay_from"]


@keras.saving.register_keras_serializable(package="ssgm_zoo")
class WithoutBiasCorrection(keras.optimizers.schedules.LearningRateSchedule):
    """Adam's learning rate times ``(1 - beta_1^t) / sqrt(1 - beta_2^t)``.

    Given to Keras Adam (with the same betas), it undoes Adam's bias
    correction: the step becomes ``learning_rate * m_t / (sqrt(v_t) + eps)``.
    With the default betas that step is ``(1 - beta_1^t) / sqrt(1 - beta_2^t)``
    times the corrected one: 3.2 times at step 1, 6.5 at step 10, 3.2 at step
    100, 2.0 at step 300, 1.26 at step 1,000, within 5 % of it from step 2,400.

    Args:
        learning_rate: the uncorrected step's learning rate (float or schedule).
        beta_1, beta_2: the betas the Adam optimizer uses.
    """

    def __init__(self, learning_rate, beta_1=0.9, beta_2=0.999):
        self.learning_rate = learning_rate
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)

    def __call__(self, step):
        t = ops.cast(step, "float32") + 1.0  # Keras Adam's step count, from 1
        lr = self.learning_rate
        if isinstance(lr, keras.optimizers.schedules.LearningRateSchedule):
            lr = lr(step)
        return lr * (1.0 - ops.power(self.beta_1, t)) / ops.sqrt(1.0 - ops.power(self.beta_2, t))

    def get_config(self):
        lr = self.learning_rate
        if isinstance(lr, keras.optimizers.schedules.LearningRateSchedule):
            lr = keras.saving.serialize_keras_object(lr)
        return {"learning_rate": lr, "beta_1": self.beta_1, "beta_2": self.beta_2}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config["learning_rate"], dict):
            config["learning_rate"] = keras.saving.deserialize_keras_object(
                config["learning_rate"])
        return cls(**config)


@keras.saving.register_keras_serializable(package="ssgm_zoo")
class LinearDecayToZero(keras.optimizers.schedules.LearningRateSchedule):
    """``learning_rate`` until ``start_step``, then linearly down to 0 at ``end_step``.

    Example:
    >>> schedule = LinearDecayToZero(1.0, start_step=10, end_step=20)
    >>> [round(float(schedule(s)), 2) for s in (0, 10, 15, 20, 30)]
    [1.0, 1.0, 0.5, 0.0, 0.0]
    """

    def __init__(self, learning_rate, start_step, end_step):
        if not 0 <= int(start_step) < int(end_step):
            raise ValueError(f"linear_decay needs 0 <= start_step < end_step, got "
                             f"{start_step} and {end_step}.")
        self.learning_rate = float(learning_rate)
        self.start_step, self.end_step = int(start_step), int(end_step)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        left = (self.end_step - step) / float(self.end_step - self.start_step)
        return self.learning_rate * ops.clip(left, 0.0, 1.0)

    def get_config(self):
        return {"learning_rate": self.learning_rate, "start_step": self.start_step,
                "end_step": self.end_step}


def make_optimizer(spec, total_steps=None, path="train.optimizer"):
    """A Keras optimizer from a spec (see the module docstring).

    Args:
        spec: the spec.
        total_steps: the steps the optimizer will take, if known.
        path: where the spec sits in the config, for error messages.

    Raises:
        ValueError: ``bias_correction`` given for an optimizer other than Adam,
            an unknown optimizer name, or a ``linear_decay`` that ends before
            ``total_steps``.
    """
    spec = dict(spec)
    name = spec.pop("name", "adam")
    bias_correction = spec.pop("bias_correction", True)
    decay = spec.pop("linear_decay", None)
    if decay is not None:
        schedule = LinearDecayToZero(spec.get("learning_rate", 1e-3), *decay)
        if total_steps is not None and schedule.end_step < int(total_steps):
            raise ValueError(
                f"{path}.linear_decay {list(decay)} brings the learning rate to 0 at "
                f"step {schedule.end_step}, but training runs {int(total_steps)} steps: the "
                f"last {int(total_steps) - schedule.end_step} would not move the weights. "
                f"Move the decay with the length (e.g. --config.{path}.linear_decay="
                f"\"({schedule.start_step + int(total_steps) - schedule.end_step}, "
                f"{int(total_steps)})\"), or train fewer epochs.")
        spec["learning_rate"] = schedule
    if not bias_correction:
        if str(name).lower() != "adam":
            raise ValueError(f"bias_correction=False is for Adam, not {name!r}.")
        spec["learning_rate"] = WithoutBiasCorrection(
            spec.get("learning_rate", 1e-3), spec.get("beta_1", 0.9), spec.get("beta_2", 0.999))
    try:
        return keras.optimizers.get({"class_name": name, "config": spec})
    except (ValueError, TypeError) as error:
        raise ValueError(f"{path} {dict(name=name, **spec)!r}: {error}") from error


def without_decay_from(spec, step):
    """``spec`` (or any JSON value holding specs) less every ``linear_decay`` that
    begins at ``step`` or later: up to ``step`` the learning rate is the same without it.

    Two runs whose configurations are equal after this took the same steps up to
    ``step`` (what ``Trainer.branch`` relies on).

    Example:
    >>> without_decay_from({"name": "sgd", "linear_decay": [7500, 10000]}, 7500)
    {'name': 'sgd'}
    >>> without_decay_from({"name": "sgd", "linear_decay": [5000, 10000]}, 7500)
    {'name': 'sgd', 'linear_decay': [5000, 10000]}
    """
    if isinstance(spec, dict):
        return {k: without_decay_from(v, step) for k, v in spec.items()
                if not (k == "linear_decay" and (v is None or int(v[0]) >= step))}
    if isinstance(spec, list):
        return [without_decay_from(v, step) for v in spec]
    return spec
