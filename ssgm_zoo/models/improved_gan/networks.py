"""The discriminators and generators of the authors' MNIST and CIFAR-10 code.

Facts from openai/improved-gan (``mnist_svhn_cifar10/``):

* MNIST discriminator: Gaussian noise (sigma 0.3) on the input, then dense
  1000-500-250-250-250 ReLU layers, each followed by Gaussian noise (sigma
  0.5), then dense 10; every dense layer weight-normalised with data-dependent
  initialisation, ``v`` from N(0, 0.1^2), ``g`` trained only in the output
  layer. Feature matching reads the last 250-unit layer (before its noise).
* MNIST generator: 100-d uniform noise, dense 500 softplus with batch
  normalisation (no scale), twice, then dense 784 sigmoid, weight-normalised
  with a trained scale and no data-dependent initialisation.
* CIFAR-10 discriminator: dropout 0.2 on the input, three 3x3 conv 96 (the
  third stride 2), dropout 0.5, three 3x3 conv 192 (the third stride 2),
  dropout 0.5, a 3x3 valid conv 192, two 1x1 conv 192, global mean pooling,
  dense 10; weight norm everywhere, leaky ReLU 0.2, ``v`` from N(0, 0.05^2).
  Feature matching reads the pooled features.
* CIFAR-10 generator: dense 4x4x512, transposed 5x5 convs (stride 2) to 256
  and 128 channels with batch norm and ReLU, then to 3 channels with tanh,
  weight-normalised with data-dependent initialisation (scale 0.1).

The discriminators see images in [0, 1] (the convolutional one maps them to
[-1, 1] itself, as the authors' data was); the generators produce images in
[0, 1], so real and generated images always live in the same space.
"""

import math

import keras
from keras import ops

from ssgm_zoo.models.improved_gan.layers import (MinibatchDiscrimination, VirtualBatchNormalization,
                                                 WeightNormConv2D, WeightNormConv2DTranspose,
                                                 WeightNormDense)

__all__ = ["MLPDiscriminator", "ConvDiscriminator", "MLPGenerator", "ConvGenerator",
           "NORMALIZATIONS"]

_PACKAGE = "ssgm_zoo.improved_gan"
NORMALIZATIONS = ("batch", "virtual", "none")


def _leaky_relu(x):
    return ops.leaky_relu(x, negative_slope=0.2)


class _Discriminator(keras.layers.Layer):
    """``call(x, training)`` -> ``(class logits [N, K], features for feature matching)``.

    ``initialize(x)`` runs the data-dependent initialisation of every
    weight-normalised layer (and of minibatch discrimination) on ``x``, in
    order, each layer seeing the already initialised layers' outputs.
    """

    def _apply(self, layer, h, init):
        if init and hasattr(layer, "initialize"):
            return layer.initialize(h)
        return layer(h)

    def _build_head(self, width, kernel_stddev):
        """Minibatch discrimination (if asked for) and the K-logit output layer,
        on features of ``width`` units."""
        self.minibatch = None
        if self.minibatch_kernels:
            self.minibatch = MinibatchDiscrimination(self.minibatch_kernels,
                                                     self.minibatch_kernel_dim,
                                                     seed=self.seed + 200, name="minibatch")
            self.minibatch.build((None, width))
            width += self.minibatch_kernels
        self.output_layer = WeightNormDense(self.num_classes, scale_trainable=True,
                                            kernel_stddev=kernel_stddev, seed=self.seed + 300,
                                            name="logits")
        self.output_layer.build((None, width))

    def _head(self, h, init):
        if self.minibatch is not None:
            h = self._apply(self.minibatch, h, init)
        return self._apply(self.output_layer, h, init)

    def initialize(self, x):
        self.forward(x, training=True, init=True)

    def call(self, x, training=False):
        return self.forward(x, training=training, init=False)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class MLPDiscriminator(_Discriminator):
    """The authors' MNIST discriminator (see the module docstring).

    Args:
        input_dim: pixels per image.
        hidden_units: the dense layers' widths.
        num_classes: K, the real classes (the fake class's logit is fixed at 0).
        input_noise, hidden_noise: standard deviations of the Gaussian noise.
        minibatch_kernels: 0 for none, else the number of minibatch
            discrimination kernels added before the output layer.
        minibatch_kernel_dim: their dimension.
        seed: initializer and noise seed.
    """

    def __init__(self, input_dim=784, hidden_units=(1000, 500, 250, 250, 250), num_classes=10,
                 input_noise=0.3, hidden_noise=0.5, minibatch_kernels=0, minibatch_kernel_dim=5,
                 seed=0, **kwargs):
        super().__init__(**kwargs)
        self.input_dim, self.num_classes, self.seed = int(input_dim), int(num_classes), int(seed)
        self.hidden_units = tuple(int(u) for u in hidden_units)
        self.input_noise, self.hidden_noise = float(input_noise), float(hidden_noise)
        self.minibatch_kernels = int(minibatch_kernels)
        self.minibatch_kernel_dim = int(minibatch_kernel_dim)
        self.input_noise_layer = keras.layers.GaussianNoise(self.input_noise, seed=seed)
        self.dense_layers, self.noise_layers = [], []
        width = self.input_dim
        for k, units in enumerate(self.hidden_units):
            layer = WeightNormDense(units, activation="relu", scale_trainable=False,
                                    kernel_stddev=0.1, seed=seed + 1 + k, name=f"dense_{k}")
            layer.build((None, width))
            self.dense_layers.append(layer)
            self.noise_layers.append(keras.layers.GaussianNoise(self.hidden_noise,
                                                                seed=seed + 101 + k))
            width = units
        self._build_head(width, kernel_stddev=0.1)
        self.built = True

    def forward(self, x, training, init):
        h = ops.reshape(ops.convert_to_tensor(x, "float32"), (ops.shape(x)[0], self.input_dim))
        h = self.input_noise_layer(h, training=training)
        features = h
        for dense, noise in zip(self.dense_layers, self.noise_layers):
            features = self._apply(dense, h, init)
            h = noise(features, training=training)
        return self._head(h, init), features

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim,
                "hidden_units": list(self.hidden_units), "num_classes": self.num_classes,
                "input_noise": self.input_noise, "hidden_noise": self.hidden_noise,
                "minibatch_kernels": self.minibatch_kernels,
                "minibatch_kernel_dim": self.minibatch_kernel_dim, "seed": self.seed}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class ConvDiscriminator(_Discriminator):
    """The authors' CIFAR-10 discriminator (see the module docstring).

    Args:
        image_shape: ``(H, W, C)``.
        filters: the two block widths (96, 192).
        num_classes: K.
        input_dropout, dropout: dropout rates on the input and after each block.
        minibatch_kernels, minibatch_kernel_dim: minibatch discrimination on
            the pooled features (0: none).
        seed: initializer and dropout seed.
    """

    def __init__(self, image_shape=(32, 32, 3), filters=(96, 192), num_classes=10,
                 input_dropout=0.2, dropout=0.5, minibatch_kernels=0, minibatch_kernel_dim=5,
                 seed=0, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(int(s) for s in image_shape)
        self.filters = tuple(int(f) for f in filters)
        self.num_classes, self.seed = int(num_classes), int(seed)
        self.input_dropout, self.dropout = float(input_dropout), float(dropout)
        self.minibatch_kernels = int(minibatch_kernels)
        self.minibatch_kernel_dim = int(minibatch_kernel_dim)
        a, b = self.filters
        # (filters, kernel, strides, padding), then None for a dropout layer.
        plan = [(a, 3, 1, "same"), (a, 3, 1, "same"), (a, 3, 2, "same"), None,
                (b, 3, 1, "same"), (b, 3, 1, "same"), (b, 3, 2, "same"), None,
                (b, 3, 1, "valid"), (b, 1, 1, "same"), (b, 1, 1, "same")]
        self.stack = [keras.layers.Dropout(self.input_dropout, seed=seed)]
        shape = (None, *self.image_shape)
        for k, step in enumerate(plan):
            if step is None:
                self.stack.append(keras.layers.Dropout(self.dropout, seed=seed + 1 + k))
                continue
            f, kernel, strides, padding = step
            layer = WeightNormConv2D(f, kernel, strides, padding, activation=_leaky_relu,
                                     scale_trainable=False, kernel_stddev=0.05,
                                     seed=seed + 1 + k, name=f"conv_{k}")
            layer.build(shape)
            self.stack.append(layer)
            shape = layer.compute_output_spec(keras.KerasTensor(shape)).shape
        self._build_head(b, kernel_stddev=0.05)
        self.built = True

    def forward(self, x, training, init):
        h = 2.0 * ops.convert_to_tensor(x, "float32") - 1.0  # the authors' data was in [-1, 1]
        for layer in self.stack:
            if isinstance(layer, keras.layers.Dropout):
                h = layer(h, training=training)
            else:
                h = self._apply(layer, h, init)
        features = ops.mean(h, axis=(1, 2))
        return self._head(features, init), features

    def get_config(self):
        return {**super().get_config(), "image_shape": list(self.image_shape),
                "filters": list(self.filters), "num_classes": self.num_classes,
                "input_dropout": self.input_dropout, "dropout": self.dropout,
                "minibatch_kernels": self.minibatch_kernels,
                "minibatch_kernel_dim": self.minibatch_kernel_dim, "seed": self.seed}


class _Generator(keras.layers.Layer):
    """``call(z, training)`` -> images in [0, 1]; ``initialize(z)`` for the layers that
    have data-dependent initialisation.

    ``normalization`` is ``"batch"`` (the authors': batch statistics while
    training, moving averages when sampling), ``"virtual"`` (virtual batch
    normalisation against a fixed reference batch of noise drawn at
    construction: every sample is independent of its batch) or ``"none"``.
    """

    def _check(self, normalization):
        if normalization not in NORMALIZATIONS:
            raise ValueError(f"normalization must be one of {', '.join(NORMALIZATIONS)}, "
                             f"got {normalization!r}.")
        return normalization

    def _norm_layer(self, k):
        if self.normalization == "batch":
            return keras.layers.BatchNormalization(center=True, scale=False, momentum=0.9,
                                                   epsilon=1e-6, name=f"batch_norm_{k}")
        if self.normalization == "virtual":
            return VirtualBatchNormalization(center=True, scale=False, epsilon=1e-6,
                                             name=f"virtual_batch_norm_{k}")
        return None

    def _add_reference(self):
        self.reference_noise = None
        if self.normalization == "virtual":
            self.reference_noise = self.add_weight(
                shape=(self.reference_batch_size, self.noise_dim), trainable=False,
                initializer=keras.initializers.RandomUniform(0.0, 1.0, seed=self.seed + 500),
                name="reference_noise")

    def _inputs(self, z):
        """The noise and, for virtual batch normalisation, the reference noise (else None)."""
        ref = self.reference_noise
        return ops.convert_to_tensor(z, "float32"), (None if ref is None
                                                     else ops.convert_to_tensor(ref))

    def _block(self, layer, norm, activation, h, ref, training):
        """``activation(norm(layer(.)))`` on the batch and, if there is one, the
        reference batch, which virtual batch normalisation normalises against."""
        h = layer(h)
        ref = None if ref is None else layer(ref)
        if norm is not None and self.normalization == "virtual":
            h, ref = norm(h, ref)
        elif norm is not None:
            h = norm(h, training=training)
        return activation(h), None if ref is None else activation(ref)

    def initialize(self, z):
        self.forward(z, training=True, init=True)

    def call(self, z, training=False):
        return self.forward(z, training=training, init=False)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class MLPGenerator(_Generator):
    """The authors' MNIST generator (see the module docstring).

    Args:
        noise_dim: dimension of the uniform noise.
        hidden_units: the hidden layers' widths.
        output_shape: the image shape.
        normalization: ``"batch"``, ``"virtual"`` or ``"none"`` (see ``_Generator``).
        reference_batch_size: the reference batch of virtual batch normalisation.
        seed: initializer seed.
    """

    def __init__(self, noise_dim=100, hidden_units=(500, 500), image_shape=(28, 28, 1),
                 normalization="batch", reference_batch_size=100, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.noise_dim, self.seed = int(noise_dim), int(seed)
        self.hidden_units = tuple(int(u) for u in hidden_units)
        self.image_shape = tuple(int(s) for s in image_shape)
        self.normalization = self._check(normalization)
        self.reference_batch_size = int(reference_batch_size)
        self.dense_layers, self.norm_layers = [], []
        width = self.noise_dim
        for k, units in enumerate(self.hidden_units):
            norm = self._norm_layer(k)
            dense = keras.layers.Dense(units, use_bias=norm is None, name=f"dense_{k}",
                                       kernel_initializer=keras.initializers.GlorotUniform(
                                           seed=seed + 1 + k))
            dense.build((None, width))
            if norm is not None:
                norm.build((None, units))
            self.dense_layers.append(dense)
            self.norm_layers.append(norm)
            width = units
        self.output_layer = WeightNormDense(math.prod(self.image_shape), activation="sigmoid", scale_trainable=True,
                                            kernel_stddev=None, seed=seed + 100, name="pixels")
        self.output_layer.build((None, width))
        self._add_reference()
        self.built = True

    def forward(self, z, training, init):
        h, ref = self._inputs(z)
        for dense, norm in zip(self.dense_layers, self.norm_layers):
            h, ref = self._block(dense, norm, ops.softplus, h, ref, training)
        x = self.output_layer(h)  # no data-dependent initialisation here (the authors')
        return ops.reshape(x, (ops.shape(x)[0], *self.image_shape))

    def get_config(self):
        return {**super().get_config(), "noise_dim": self.noise_dim,
                "hidden_units": list(self.hidden_units), "image_shape": list(self.image_shape),
                "normalization": self.normalization,
                "reference_batch_size": self.reference_batch_size, "seed": self.seed}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class ConvGenerator(_Generator):
    """The authors' CIFAR-10 generator (see the module docstring).

    Args:
        noise_dim: dimension of the uniform noise.
        filters: channels of the 4x4 block and of the two transposed convolutions
            (512, 256, 128).
        image_shape: ``(H, W, C)``; H and W must be 8 times the base size 4.
        normalization, reference_batch_size, seed: as for ``MLPGenerator``.
    """

    def __init__(self, noise_dim=100, filters=(512, 256, 128), image_shape=(32, 32, 3),
                 normalization="batch", reference_batch_size=100, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.noise_dim, self.seed = int(noise_dim), int(seed)
        self.filters = tuple(int(f) for f in filters)
        self.image_shape = tuple(int(s) for s in image_shape)
        self.normalization = self._check(normalization)
        self.reference_batch_size = int(reference_batch_size)
        if len(self.filters) != 3 or self.image_shape[0] % 8 or self.image_shape[1] % 8:
            raise ValueError("ConvGenerator takes three filter counts and an image whose sides "
                             f"are multiples of 8, got {self.filters} and {self.image_shape}.")
        self.base = (self.image_shape[0] // 8, self.image_shape[1] // 8)
        init = keras.initializers.RandomNormal
        units = self.base[0] * self.base[1] * self.filters[0]
        self.dense = keras.layers.Dense(units, use_bias=self.normalization == "none",
                                        kernel_initializer=init(stddev=0.05, seed=seed + 1),
                                        name="dense")
        self.dense.build((None, self.noise_dim))
        self.norm_layers = [self._norm_layer(0)]
        if self.norm_layers[0] is not None:
            self.norm_layers[0].build((None, *self.base, self.filters[0]))
        self.deconvs = []
        shape = (None, *self.base, self.filters[0])
        for k, f in enumerate(self.filters[1:]):
            layer = keras.layers.Conv2DTranspose(
                f, 5, strides=2, padding="same", use_bias=self.normalization == "none",
                kernel_initializer=init(stddev=0.05, seed=seed + 2 + k), name=f"deconv_{k}")
            layer.build(shape)
            shape = (None, shape[1] * 2, shape[2] * 2, f)
            norm = self._norm_layer(k + 1)
            if norm is not None:
                norm.build(shape)
            self.deconvs.append(layer)
            self.norm_layers.append(norm)
        self.output_layer = WeightNormConv2DTranspose(
            self.image_shape[-1], 5, 2, activation="tanh", scale_trainable=True, init_scale=0.1,
            kernel_stddev=0.05, seed=seed + 100, name="pixels")
        self.output_layer.build(shape)
        self._add_reference()
        self.built = True

    def forward(self, z, training, init):
        h, ref = self._inputs(z)

        def dense(t):  # to the 4x4 block
            return ops.reshape(self.dense(t), (-1, *self.base, self.filters[0]))

        h, ref = self._block(dense, self.norm_layers[0], ops.relu, h, ref, training)
        for layer, norm in zip(self.deconvs, self.norm_layers[1:]):
            h, ref = self._block(layer, norm, ops.relu, h, ref, training)
        x = self.output_layer.initialize(h) if init else self.output_layer(h)
        return 0.5 * (x + 1.0)  # tanh's [-1, 1] to pixels in [0, 1]

    def get_config(self):
        return {**super().get_config(), "noise_dim": self.noise_dim,
                "filters": list(self.filters), "image_shape": list(self.image_shape),
                "normalization": self.normalization,
                "reference_batch_size": self.reference_batch_size, "seed": self.seed}
