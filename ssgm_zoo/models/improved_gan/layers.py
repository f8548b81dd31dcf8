"""Layers of Salimans et al. 2016 ("Improved Techniques for Training GANs").

* ``WeightNormDense``, ``WeightNormConv2D``, ``WeightNormConv2DTranspose``:
  weight normalisation (Salimans & Kingma 2016), ``w = g * v / ||v||`` with
  the norm taken per output unit, and data-dependent initialisation:
  ``initialize(x)`` sets ``g`` and ``b`` so that the layer's pre-activations
  on ``x`` have zero mean and standard deviation ``init_scale`` per unit.
* ``MinibatchDiscrimination`` (section 3.2): features that measure how close
  each example is to the others of its minibatch.
* ``VirtualBatchNormalization`` (section 3.4): normalises each example with
  the statistics of a fixed reference batch plus the example itself.

Every layer is written in ``keras.ops``, so it runs on both backends.
"""

import math

import keras
from keras import ops

__all__ = ["WeightNormDense", "WeightNormConv2D", "WeightNormConv2DTranspose",
           "MinibatchDiscrimination", "VirtualBatchNormalization"]

_PACKAGE = "ssgm_zoo.improved_gan"


class _WeightNorm(keras.layers.Layer):
    """What the weight-normalised layers share: ``v``, ``g``, ``b`` and the initialisation.

    Args:
        activation: applied after the bias (a Keras activation name or None).
        scale_trainable: whether ``g`` is trained (the authors' MNIST
            discriminator trains it only in its output layer).
        init_scale: the standard deviation of each unit's pre-activation after
            ``initialize``.
        kernel_stddev: ``v`` starts from N(0, kernel_stddev^2); None for
            Glorot-uniform.
        seed: seed of ``v``'s initializer.
    """

    #: axes of the kernel summed for one output unit's norm; axes of the output
    #: that ``initialize`` averages over (all but the channel axis).
    kernel_axes = ()

    def __init__(self, activation=None, scale_trainable=True, init_scale=1.0,
                 kernel_stddev=0.05, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.activation_name = activation
        self.activation = keras.activations.get(activation)
        self.scale_trainable = bool(scale_trainable)
        self.init_scale = float(init_scale)
        self.kernel_stddev = None if kernel_stddev is None else float(kernel_stddev)
        self.seed = seed

    def _kernel_initializer(self):
        if self.kernel_stddev is None:
            return keras.initializers.GlorotUniform(seed=self.seed)
        return keras.initializers.RandomNormal(stddev=self.kernel_stddev, seed=self.seed)

    def _add_weights(self, kernel_shape, units):
        self.v = self.add_weight(shape=kernel_shape, initializer=self._kernel_initializer(),
                                 name="v")
        self.g = self.add_weight(shape=(units,), initializer="ones", name="g",
                                 trainable=self.scale_trainable)
        self.b = self.add_weight(shape=(units,), initializer="zeros", name="b")

    def kernel(self):
        """The effective kernel ``g * v / ||v||`` (norm per output unit)."""
        norm = ops.sqrt(ops.sum(ops.square(self.v), axis=self.kernel_axes, keepdims=True))
        return self.v * (ops.reshape(self.g, ops.shape(norm)) / norm)

    def linear(self, x):
        """``x`` times the effective kernel, without the bias."""
        raise NotImplementedError

    def call(self, x):
        return self.activation(self.linear(x) + self.b)

    def initialize(self, x):
        """Data-dependent initialisation on the batch ``x``; returns the layer's output on it."""
        t = self.linear(ops.convert_to_tensor(x, "float32"))
        axes = tuple(range(len(t.shape) - 1))
        mean = ops.mean(t, axis=axes)
        inv_std = self.init_scale / ops.sqrt(ops.mean(ops.square(t - mean), axis=axes))
        self.g.assign(self.g * inv_std)
        self.b.assign(-mean * inv_std)
        return self.activation((t - mean) * inv_std)

    def get_config(self):
        return {**super().get_config(), "activation": self.activation_name,
                "scale_trainable": self.scale_trainable, "init_scale": self.init_scale,
                "kernel_stddev": self.kernel_stddev, "seed": self.seed}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class WeightNormDense(_WeightNorm):
    """A weight-normalised dense layer (inputs of rank > 2 are flattened).

    Example:
    >>> layer = WeightNormDense(3, activation="relu", seed=0)
    >>> layer.build((None, 4)); tuple(layer(ops.ones((2, 4))).shape)
    (2, 3)
    """

    kernel_axes = (0,)

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)

    def build(self, input_shape):
        fan_in = math.prod(int(d) for d in input_shape[1:])
        self._add_weights((fan_in, self.units), self.units)

    def linear(self, x):
        x = ops.reshape(x, (ops.shape(x)[0], -1))
        return ops.matmul(x, self.kernel())

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class WeightNormConv2D(_WeightNorm):
    """A weight-normalised 2-D convolution, channels last (norm per output channel)."""

    kernel_axes = (0, 1, 2)

    def __init__(self, filters, kernel_size=3, strides=1, padding="same", **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.strides = int(filters), int(kernel_size), int(strides)
        self.padding = padding

    def build(self, input_shape):
        k = self.kernel_size
        self._add_weights((k, k, int(input_shape[-1]), self.filters), self.filters)

    def linear(self, x):
        return ops.conv(x, self.kernel(), strides=self.strides, padding=self.padding)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class WeightNormConv2DTranspose(_WeightNorm):
    """A weight-normalised transposed convolution ("same" padding: output = input x strides)."""

    kernel_axes = (0, 1, 3)  # Keras keeps transposed kernels as [k, k, out, in]

    def __init__(self, filters, kernel_size=5, strides=2, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.strides = int(filters), int(kernel_size), int(strides)

    def build(self, input_shape):
        k = self.kernel_size
        self._add_weights((k, k, self.filters, int(input_shape[-1])), self.filters)

    def linear(self, x):
        return ops.conv_transpose(x, self.kernel(), strides=self.strides, padding="same")

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "strides": self.strides}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class MinibatchDiscrimination(keras.layers.Layer):
    """Minibatch discrimination (Salimans et al. 2016, section 3.2).

    Each example's features ``x`` are projected to ``num_kernels`` rows of
    ``dim_per_kernel`` numbers, ``M = x T``; for each kernel ``k`` the layer
    adds ``o_k(x_i) = sum_{j != i} exp(-||M_ik - M_jk||_1) + b_k`` to the
    features, so the discriminator can tell a batch of near-copies from a
    batch of real data. As in the authors' code, ``T`` is weight-normalised
    (``T = theta * exp(log_scale) / ||theta||`` over the input axis) and
    ``initialize`` scales the distances and sets ``b`` from a batch.

    Returns ``[x, o]`` (the input features followed by ``num_kernels`` more).
    """

    def __init__(self, num_kernels=100, dim_per_kernel=5, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.num_kernels, self.dim_per_kernel, self.seed = (int(num_kernels),
                                                            int(dim_per_kernel), seed)

    def build(self, input_shape):
        shape = (int(input_shape[-1]), self.num_kernels, self.dim_per_kernel)
        self.theta = self.add_weight(
            shape=shape, name="theta",
            initializer=keras.initializers.RandomNormal(stddev=0.05, seed=self.seed))
        self.log_scale = self.add_weight(shape=shape[1:], initializer="zeros", name="log_scale")
        self.b = self.add_weight(shape=(self.num_kernels,),
                                 initializer=keras.initializers.Constant(-1.0), name="b")

    def distances(self, x):
        """``[N, N, num_kernels]`` L1 distances between the examples' kernel rows."""
        norm = ops.sqrt(ops.sum(ops.square(self.theta), axis=0))
        t = self.theta * (ops.exp(self.log_scale) / norm)
        m = ops.einsum("ni,ikd->nkd", x, t)
        return ops.sum(ops.abs(m[:, None] - m[None, :]), axis=-1)

    def _closeness(self, distances):
        n = ops.shape(distances)[0]
        others = 1.0 - ops.eye(n, dtype=distances.dtype)[:, :, None]  # leaves out j = i
        return ops.sum(ops.exp(-distances) * others, axis=1)

    def call(self, x):
        return ops.concatenate([x, self._closeness(self.distances(x)) + self.b], axis=-1)

    def initialize(self, x):
        """Scales the distances to a mean nearest-neighbour distance of 2 on ``x`` and
        centres the features; returns the layer's output on ``x``."""
        x = ops.convert_to_tensor(x, "float32")
        d = self.distances(x)
        n = ops.shape(d)[0]
        nearest = ops.min(d + 1e6 * ops.eye(n, dtype=d.dtype)[:, :, None], axis=1)
        half_mean = 0.5 * ops.mean(nearest, axis=0)
        self.log_scale.assign(self.log_scale - ops.log(half_mean)[:, None])
        f = self._closeness(d / half_mean)
        mean = ops.mean(f, axis=0)
        self.b.assign(-mean)
        return ops.concatenate([x, f - mean], axis=-1)

    def get_config(self):
        return {**super().get_config(), "num_kernels": self.num_kernels,
                "dim_per_kernel": self.dim_per_kernel, "seed": self.seed}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class VirtualBatchNormalization(keras.layers.Layer):
    """Virtual batch normalisation (Salimans et al. 2016, section 3.4).

    ``call(x, reference)`` normalises the reference batch with its own
    statistics and each example of ``x`` with the statistics of the reference
    batch *plus that example*, so an example's output does not depend on the
    other examples of its batch. Returns ``(x_normalised, reference_normalised)``;
    the reference's output feeds the next layer's reference.

    Args:
        center: add a learned offset (``beta``).
        scale: multiply by a learned scale (``gamma``).
        epsilon: added to the variance.
    """

    def __init__(self, center=True, scale=False, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.center, self.scale, self.epsilon = bool(center), bool(scale), float(epsilon)

    def build(self, input_shape):
        channels = (int(input_shape[-1]),)
        self.beta = (self.add_weight(shape=channels, initializer="zeros", name="beta")
                     if self.center else None)
        self.gamma = (self.add_weight(shape=channels, initializer="ones", name="gamma")
                      if self.scale else None)

    def _affine(self, x):
        if self.gamma is not None:
            x = x * self.gamma
        return x if self.beta is None else x + self.beta

    def call(self, x, reference):
        axes = tuple(range(len(reference.shape) - 1))
        ref_mean = ops.mean(reference, axis=axes)
        ref_square = ops.mean(ops.square(reference), axis=axes)
        ref_out = (reference - ref_mean) / ops.sqrt(ref_square - ops.square(ref_mean)
                                                     + self.epsilon)
        # Each example joins the reference batch: weight 1 / (n + 1), the reference n / (n + 1).
        count = math.prod(reference.shape[a] for a in axes)
        x_axes = tuple(range(1, len(x.shape) - 1))  # spatial axes of one example, if any
        x_count = math.prod(x.shape[a] for a in x_axes)
        weight = x_count / (count + x_count)
        x_mean = ops.mean(x, axis=x_axes, keepdims=True) if x_axes else x
        x_square = ops.mean(ops.square(x), axis=x_axes, keepdims=True) if x_axes else ops.square(x)
        mean = weight * x_mean + (1 - weight) * ref_mean
        square = weight * x_square + (1 - weight) * ref_square
        out = (x - mean) / ops.sqrt(square - ops.square(mean) + self.epsilon)
        return self._affine(out), self._affine(ref_out)

    def get_config(self):
        return {**super().get_config(), "center": self.center, "scale": self.scale,
                "epsilon": self.epsilon}
