"""Layers of the gradient-origin networks: batch-statistics normalisation and SIREN layers.

* ``BatchStatNormalization``: batch normalisation that always uses the
  statistics of the batch at hand, as the authors' PyTorch models do (they
  are never put in evaluation mode). At the origin every image has the same
  first-layer activations, so the normalisation's Jacobian there, not its
  moving averages, shapes the latent codes: moving averages collected in
  training would give codes of another scale at test time.
* ``SirenDense``: a dense layer followed by ``sin(w0 x)`` (Sitzmann et al.
  2020), with their initialisation: the first layer's weights uniform in
  ``±1/fan_in``, the others' in ``±sqrt(6/fan_in)/w0``; biases as PyTorch's
  ``nn.Linear`` draws them, uniform in ``±1/sqrt(fan_in)``.
* ``activation_function(name)``: the decoder nonlinearities the activation ablation
  compares.
* ``counter_normal(rows, columns, seed)``: standard normal draws that depend
  on their position and a seed only (an integer hash, then Box-Muller), the
  same on every backend and at every call: the fixed noise of a variational
  GON's evaluation.
"""

import math

import keras
import numpy as np
from keras import ops

__all__ = ["BatchStatNormalization", "SirenDense", "activation_function", "ACTIVATIONS",
           "torch_uniform", "counter_normal"]

ACTIVATIONS = {
    "elu": ops.elu,
    "relu": ops.relu,
    "tanh": ops.tanh,
    "leaky_relu": lambda x: ops.leaky_relu(x, negative_slope=0.01),  # PyTorch's default
    "softplus": ops.softplus,
    "selu": ops.selu,
    "sine": ops.sin,
}


def activation_function(name):
    """The nonlinearity called ``name`` (one of ``ACTIVATIONS``)."""
    if name not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {name!r}; choose one of "
                         f"{', '.join(ACTIVATIONS)}.")
    return ACTIVATIONS[name]


def _mix(h):
    """A 32-bit integer hash (the finaliser of MurmurHash3), exact on every backend."""
    for multiplier in (0x85EBCA6B, 0xC2B2AE35):
        h = ops.bitwise_xor(h, ops.right_shift(h, np.uint32(16))) * np.uint32(multiplier)
    return ops.bitwise_xor(h, ops.right_shift(h, np.uint32(16)))


def counter_normal(rows, columns, seed):
    """``[rows, columns]`` standard normal draws, a function of their positions and
    ``seed`` only (``rows`` may be a traced batch size).

    Example:
    >>> z = ops.convert_to_numpy(counter_normal(2000, 50, seed=0))
    >>> bool(abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01)
    True
    """
    index = (ops.cast(ops.arange(rows), "uint32")[:, None] * np.uint32(columns)
             + ops.cast(ops.arange(columns), "uint32")[None, :])
    key = np.uint32((int(seed) * 0x9E3779B9 + 0x7F4A7C15) & 0xFFFFFFFF)
    uniforms = []
    for stream in (0, 1):
        h = _mix(index * np.uint32(2) + np.uint32(stream) + key)
        # 24 random bits, centred in their bins: in (0, 1), never 0.
        uniforms.append((ops.cast(ops.right_shift(h, np.uint32(8)), "float32") + 0.5)
                        / 16777216.0)
    return ops.sqrt(-2.0 * ops.log(uniforms[0])) * ops.cos(2.0 * math.pi * uniforms[1])


def torch_uniform(fan_in, seed):
    """Uniform in ``±1/sqrt(fan_in)``: PyTorch's default for linear and conv layers."""
    bound = 1.0 / math.sqrt(fan_in)
    return keras.initializers.RandomUniform(-bound, bound, seed=seed)


@keras.saving.register_keras_serializable(package="ssgm_zoo.gon")
class BatchStatNormalization(keras.layers.Layer):
    """Normalises each channel with its batch mean and (biased) variance, then scales
    and shifts it; no moving averages.

    Args:
        channels: the size of the last axis.
        epsilon: added to the variance (PyTorch's 1e-5).
    """

    def __init__(self, channels, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.channels, self.epsilon = int(channels), float(epsilon)
        self.gamma = self.add_weight(shape=(self.channels,), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(self.channels,), initializer="zeros", name="beta")
        self.built = True

    def call(self, x):
        axes = tuple(range(len(x.shape) - 1))
        mean = ops.mean(x, axis=axes, keepdims=True)
        variance = ops.mean(ops.square(x - mean), axis=axes, keepdims=True)
        return (x - mean) * ops.rsqrt(variance + self.epsilon) * self.gamma + self.beta

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="ssgm_zoo.gon")
class SirenDense(keras.layers.Layer):
    """``sin(w0 (x W + b))``, or ``x W + b`` for the last layer, with SIREN's initialisation.

    Args:
        input_dim, units: the layer's sizes.
        w0: the frequency factor (30 in SIREN and the authors' implicit GON).
        first: the first layer (weights uniform in ``±1/input_dim``).
        last: the output layer (no sine).
        seed: initializer seed.
    """

    def __init__(self, input_dim, units, w0=30.0, first=False, last=False, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.input_dim, self.units, self.w0 = int(input_dim), int(units), float(w0)
        self.first, self.last, self.seed = bool(first), bool(last), int(seed)
        bound = 1.0 / self.input_dim if self.first else math.sqrt(6.0 / self.input_dim) / self.w0
        self.kernel = self.add_weight(
            shape=(self.input_dim, self.units), name="kernel",
            initializer=keras.initializers.RandomUniform(-bound, bound, seed=self.seed))
        self.bias = self.add_weight(shape=(self.units,), name="bias",
                                    initializer=torch_uniform(self.input_dim, self.seed + 1))
        self.built = True

    def call(self, x):
        y = ops.matmul(x, self.kernel) + self.bias
        return y if self.last else ops.sin(self.w0 * y)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "units": self.units,
                "w0": self.w0, "first": self.first, "last": self.last, "seed": self.seed}
