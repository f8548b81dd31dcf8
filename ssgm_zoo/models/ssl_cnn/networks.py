"""The classifiers' networks: the PyTorch MNIST example's CNN and a deeper VGG-style CNN.

``LabCNN`` is the classic network of the PyTorch MNIST example
(``pytorch/examples``, ``mnist/main.py`` before 2020) that the lab names as its
baseline: conv 5x5 with 10 channels, max-pool, ReLU; conv 5x5 with 20
channels, channel dropout, max-pool, ReLU; dense 50, ReLU, dropout; dense 10
(21,840 weights). ``ConvNet`` stacks blocks of two 3x3 convolutions with batch
normalisation and ReLU, each block ending in a 2x2 max-pool, then dense layers.

Initialisers (``initializer``): ``"torch"`` is PyTorch's default for conv and
dense layers (weights and biases uniform in ``+-1/sqrt(fan_in)``, i.e.
``kaiming_uniform(a=sqrt(5))``), what the lab's baseline trains with;
``"he_normal"`` (He et al. 2015: normal with variance ``2/fan_in``, biases 0)
is the lab's "He initialisation"; ``"glorot_uniform"`` is Keras's default.
"""

import math

import keras
from keras import layers

__all__ = ["LabCNN", "ConvNet", "INITIALIZERS", "NETWORKS", "make_network"]

INITIALIZERS = ("torch", "he_normal", "glorot_uniform")
NETWORKS = ("lab", "convnet")


def _initializers(kind, fan_in, seed):
    """``(kernel, bias)`` initialisers of a layer with ``fan_in`` inputs."""
    if kind == "torch":
        bound = 1.0 / math.sqrt(fan_in)
        return (keras.initializers.VarianceScaling(1.0 / 3.0, "fan_in", "uniform", seed=seed),
                keras.initializers.RandomUniform(-bound, bound, seed=seed + 1))
    if kind == "he_normal":
        return keras.initializers.HeNormal(seed=seed), "zeros"
    if kind == "glorot_uniform":
        return keras.initializers.GlorotUniform(seed=seed), "zeros"
    raise ValueError(f"initializer must be one of {', '.join(INITIALIZERS)}, got {kind!r}.")


def _conv(filters, size, fan_in, kind, seed, name, use_bias=True, padding="valid"):
    kernel, bias = _initializers(kind, fan_in * size * size, seed)
    return layers.Conv2D(filters, size, padding=padding, kernel_initializer=kernel,
                         bias_initializer=bias, use_bias=use_bias, name=name)


def _dense(units, fan_in, kind, seed, name):
    kernel, bias = _initializers(kind, fan_in, seed)
    return layers.Dense(units, kernel_initializer=kernel, bias_initializer=bias, name=name)


@keras.saving.register_keras_serializable(package="ssgm_zoo.ssl_cnn")
class LabCNN(keras.Model):
    """The PyTorch MNIST example's CNN; returns class logits.

    Args:
        image_shape: ``(H, W, C)``.
        num_classes: outputs.
        dropout: the rate of both dropouts (0.5 in the example; 0 turns them off).
        initializer: one of ``INITIALIZERS``.
        seed: initialiser and dropout seed.
    """

    def __init__(self, image_shape=(28, 28, 1), num_classes=10, dropout=0.5,
                 initializer="torch", seed=0, **kwargs):
        super().__init__(**kwargs)
        self.image_shape, self.num_classes = tuple(image_shape), int(num_classes)
        self.dropout, self.initializer, self.seed = float(dropout), initializer, int(seed)
        channels = self.image_shape[-1]
        self.conv1 = _conv(10, 5, channels, initializer, seed, "conv1")
        self.conv2 = _conv(20, 5, 10, initializer, seed + 2, "conv2")
        self.channel_dropout = layers.SpatialDropout2D(self.dropout, seed=seed + 4)
        self.pool = layers.MaxPooling2D(2)
        h = ((self.image_shape[0] - 4) // 2 - 4) // 2
        w = ((self.image_shape[1] - 4) // 2 - 4) // 2
        self.flatten = layers.Flatten()
        self.fc1 = _dense(50, 20 * h * w, initializer, seed + 5, "fc1")
        self.fc_dropout = layers.Dropout(self.dropout, seed=seed + 7)
        self.fc2 = _dense(self.num_classes, 50, initializer, seed + 8, "fc2")
        self.build((None, *self.image_shape))

    def build(self, input_shape):
        self.conv1.build(input_shape)
        shape = self.conv1.compute_output_shape(input_shape)
        shape = self.pool.compute_output_shape(shape)
        self.conv2.build(shape)
        shape = self.pool.compute_output_shape(self.conv2.compute_output_shape(shape))
        self.fc1.build((None, shape[1] * shape[2] * shape[3]))
        self.fc2.build((None, 50))
        self.built = True

    def call(self, x, training=False):
        h = keras.ops.relu(self.pool(self.conv1(x)))
        h = self.conv2(h)
        if self.dropout:
            h = self.channel_dropout(h, training=training)
        h = keras.ops.relu(self.pool(h))
        h = keras.ops.relu(self.fc1(self.flatten(h)))
        if self.dropout:
            h = self.fc_dropout(h, training=training)
        return self.fc2(h)

    def get_config(self):
        return {**super().get_config(), "image_shape": self.image_shape,
                "num_classes": self.num_classes, "dropout": self.dropout,
                "initializer": self.initializer, "seed": self.seed}


@keras.saving.register_keras_serializable(package="ssgm_zoo.ssl_cnn")
class ConvNet(keras.Model):
    """Blocks of two 3x3 conv + batch norm + ReLU and a 2x2 max-pool, then dense layers.

    Args:
        image_shape: ``(H, W, C)``.
        num_classes: outputs.
        filters: the widths of the blocks (e.g. ``(32, 64, 128)``).
        dense_units: hidden dense widths after the blocks (each with batch
            norm, ReLU and dropout).
        dropout: dropout before each dense layer (0: none).
        initializer: one of ``INITIALIZERS``.
        seed: initialiser and dropout seed.
    """

    def __init__(self, image_shape=(28, 28, 1), num_classes=10, filters=(32, 64, 128),
                 dense_units=(128,), dropout=0.5, initializer="he_normal", seed=0, **kwargs):
        super().__init__(**kwargs)
        self.image_shape, self.num_classes = tuple(image_shape), int(num_classes)
        self.filters = tuple(int(f) for f in filters)
        self.dense_units = tuple(int(u) for u in dense_units)
        self.dropout, self.initializer, self.seed = float(dropout), initializer, int(seed)
        self.convs, self.norms = [], []
        channels, k = self.image_shape[-1], 0
        for block, f in enumerate(self.filters):
            for j in range(2):
                self.convs.append(_conv(f, 3, channels, initializer, seed + k,
                                        f"conv{block + 1}_{j + 1}", use_bias=False,
                                        padding="same"))
                self.norms.append(layers.BatchNormalization(momentum=0.99,
                                                            name=f"norm{block + 1}_{j + 1}"))
                channels, k = f, k + 2
        self.pool = layers.MaxPooling2D(2)
        self.flatten = layers.Flatten()
        h, w = self.image_shape[:2]
        for _ in self.filters:
            h, w = h // 2, w // 2
        width = h * w * channels
        self.dense, self.dense_norms, self.dropouts = [], [], []
        for i, units in enumerate(self.dense_units):
            self.dense.append(_dense(units, width, initializer, seed + 100 + 2 * i,
                                     f"dense{i + 1}"))
            width = units
            self.dense_norms.append(layers.BatchNormalization(momentum=0.99,
                                                              name=f"dense_norm{i + 1}"))
            self.dropouts.append(layers.Dropout(self.dropout, seed=seed + 200 + i))
        self.out_dropout = layers.Dropout(self.dropout, seed=seed + 300)
        self.logits = _dense(self.num_classes, width, initializer, seed + 400, "logits")
        self.build((None, *self.image_shape))

    def build(self, input_shape):
        shape = tuple(input_shape)
        for i, (conv, norm) in enumerate(zip(self.convs, self.norms)):
            conv.build(shape)
            shape = conv.compute_output_shape(shape)
            norm.build(shape)
            if i % 2 == 1:
                shape = self.pool.compute_output_shape(shape)
        width = shape[1] * shape[2] * shape[3]
        for dense, norm in zip(self.dense, self.dense_norms):
            dense.build((None, width))
            width = dense.units
            norm.build((None, width))
        self.logits.build((None, width))
        self.built = True

    def call(self, x, training=False):
        h = x
        for i, (conv, norm) in enumerate(zip(self.convs, self.norms)):
            h = keras.ops.relu(norm(conv(h), training=training))
            if i % 2 == 1:
                h = self.pool(h)
        h = self.flatten(h)
        for dense, norm, drop in zip(self.dense, self.dense_norms, self.dropouts):
            if self.dropout:
                h = drop(h, training=training)
            h = keras.ops.relu(norm(dense(h), training=training))
        if self.dropout:
            h = self.out_dropout(h, training=training)
        return self.logits(h)

    def get_config(self):
        return {**super().get_config(), "image_shape": self.image_shape,
                "num_classes": self.num_classes, "filters": self.filters,
                "dense_units": self.dense_units, "dropout": self.dropout,
                "initializer": self.initializer, "seed": self.seed}


def make_network(network, *, image_shape, num_classes, dropout, initializer, seed, filters,
                 dense_units, name):
    """The network called ``network`` (one of ``NETWORKS``)."""
    if network == "lab":
        return LabCNN(image_shape=image_shape, num_classes=num_classes, dropout=dropout,
                      initializer=initializer, seed=seed, name=name)
    if network == "convnet":
        return ConvNet(image_shape=image_shape, num_classes=num_classes, filters=filters,
                       dense_units=dense_units, dropout=dropout, initializer=initializer,
                       seed=seed, name=name)
    raise ValueError(f"network must be one of {', '.join(NETWORKS)}, got {network!r}.")
