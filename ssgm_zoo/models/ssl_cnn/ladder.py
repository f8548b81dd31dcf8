"""The Ladder network (Rasmus, Berglund, Honkala, Valpola & Raiko 2015), its MLP version.

An encoder is run twice: clean, and corrupted by Gaussian noise added to the
input and to every normalised pre-activation; a decoder reconstructs each
clean pre-activation from the corrupted one and the layer above. With the
pre-activation ``z_pre(l) = W(l) h(l-1)`` of layer ``l`` (``h(0) = x``):

* encoder: ``z(l) = BN(z_pre(l)) (+ noise)``, ``h(l) = relu(z(l) + beta(l))``;
  the top layer is ``h(L) = softmax(gamma * (z(L) + beta(L)))``; batch
  normalisation without a scale of its own, with the batch's statistics in
  training and moving averages of the clean pass's in evaluation;
* decoder, from the top: ``u(L) = BN(h~(L))``, ``u(l) = BN(V(l+1) z^(l+1))``;
  the vanilla combinator ``z^(l) = (z~(l) - mu(u)) * v(u) + mu(u)`` with
  ``mu(u) = a1 sigmoid(a2 u + a3) + a4 u + a5`` and ``v(u) = a6 sigmoid(a7 u +
  a8) + a9 u + a10`` (ten weights per unit, section 3 / appendix of the paper);
* cost: the cross-entropy of the *corrupted* output on labeled images, plus
  ``sum_l lambda(l) ||z(l) - (z^(l) - mu(l)) / sigma(l)||^2 / width(l)``
  averaged over the unlabeled images, ``mu, sigma`` being the clean pass's
  batch statistics of ``z_pre(l)`` (``0, 1`` for the input layer).

Labeled and unlabeled images are normalised with their own batch statistics,
as the public reimplementations do; the denoising cost is taken on the
unlabeled batch. The clean pass classifies.
"""

import math

import keras
from keras import ops

from ssgm_zoo.models.base import Objective, ZooModel

__all__ = ["LadderNetwork", "batch_moments"]

EPSILON = 1e-10  # the reimplementations' variance floor


def batch_moments(z):
    """Mean and variance over the batch axis."""
    mean = ops.mean(z, axis=0)
    return mean, ops.mean(ops.square(z - mean), axis=0)


def _normalise(z, mean, variance):
    return (z - mean) / ops.sqrt(variance + EPSILON)


@keras.saving.register_keras_serializable(package="ssgm_zoo.ssl_cnn")
class LadderNetwork(ZooModel):
    """The fully connected Ladder network with every layer's denoising cost.

    Args:
        image_shape: ``(H, W, C)`` of the images (flattened at the input).
        num_classes: the classes (the top layer's width).
        hidden_units: the encoder's hidden widths (the paper's MNIST:
            1000, 500, 250, 250, 250).
        noise_std: the corruption's standard deviation (0.3).
        denoising_weights: ``lambda(l)`` for the input, each hidden layer and
            the top (the paper's MNIST: 1000, 10, 0.1, 0.1, 0.1, 0.1, 0.1).
        momentum: of the moving averages used in evaluation.
        seed: initialiser and noise seed.
        decoder: False builds the encoder alone, which classifies but cannot
            train (what a zoo entry ships: ``for_entry``).

    Example:
    >>> import numpy as np
    >>> ladder = LadderNetwork(hidden_units=(8,), denoising_weights=(1.0, 1.0, 1.0))
    >>> ladder.predict_proba(np.zeros((2, 28, 28, 1), "float32")).shape
    (2, 10)
    """

    objectives = (Objective("loss", streams=("labeled", "unlabeled")),)
    can_classify = True

    def __init__(self, image_shape=(28, 28, 1), num_classes=10,
                 hidden_units=(1000, 500, 250, 250, 250), noise_std=0.3,
                 denoising_weights=(1000.0, 10.0, 0.1, 0.1, 0.1, 0.1, 0.1), momentum=0.99,
                 seed=0, decoder=True, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(int(s) for s in image_shape)
        self.num_classes = int(num_classes)
        self.hidden_units = tuple(int(u) for u in hidden_units)
        self.widths = (math.prod(self.image_shape), *self.hidden_units, self.num_classes)
        if len(denoising_weights) != len(self.widths):
            raise ValueError(f"denoising_weights needs {len(self.widths)} values (the input, "
                             f"{len(self.hidden_units)} hidden layers and the top), got "
                             f"{len(denoising_weights)}.")
        if float(noise_std) < 0 or any(float(w) < 0 for w in denoising_weights):
            raise ValueError("noise_std and denoising_weights must be >= 0.")
        self.noise_std = float(noise_std)
        self.denoising_weights = tuple(float(w) for w in denoising_weights)
        self.momentum, self.seed, self.decoder = float(momentum), int(seed), bool(decoder)
        self.seed_generator = keras.random.SeedGenerator(self.seed + 1000)

        normal = lambda k: keras.initializers.RandomNormal(  # noqa: E731
            stddev=1.0 / math.sqrt(self.widths[k - 1]), seed=self.seed + k)
        L = len(self.widths) - 1
        self.encoder_weights, self.betas, self.moving_means, self.moving_variances = [], [], [], []
        for k in range(1, L + 1):
            fan_in, width = self.widths[k - 1], self.widths[k]
            self.encoder_weights.append(self.add_weight(shape=(fan_in, width),
                                                        initializer=normal(k), name=f"W{k}"))
            self.betas.append(self.add_weight(shape=(width,), initializer="zeros",
                                              name=f"beta{k}"))
            self.moving_means.append(self.add_weight(shape=(width,), initializer="zeros",
                                                     trainable=False, name=f"moving_mean{k}"))
            self.moving_variances.append(self.add_weight(
                shape=(width,), initializer="ones", trainable=False, name=f"moving_variance{k}"))
        self.gamma = self.add_weight(shape=(self.num_classes,), initializer="ones", name="gamma")
        # Decoder: V(l) maps layer l's estimate down to layer l-1, for l = L .. 1.
        self.decoder_weights, self.combinators = [], []
        for k in range(1, L + 1 if self.decoder else 1):
            init = keras.initializers.RandomNormal(stddev=1.0 / math.sqrt(self.widths[k]),
                                                   seed=self.seed + 100 + k)
            self.decoder_weights.append(self.add_weight(
                shape=(self.widths[k], self.widths[k - 1]), initializer=init, name=f"V{k}"))
        for k in range(L + 1 if self.decoder else 0):
            values = [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]  # a1 .. a10
            self.combinators.append(self.add_weight(
                shape=(10, self.widths[k]), name=f"a{k}",
                initializer=keras.initializers.Constant(
                    [[v] * self.widths[k] for v in values])))
        self.built = True

    # -- the encoder ---------------------------------------------------------
    def encode(self, x, noise_std, *, training):
        """``(h(L), [z(l)], [(mean, variance) of z_pre(l)])`` for l = 0 .. L.

        ``training`` normalises with the batch's statistics, otherwise with the
        moving averages; ``noise_std > 0`` corrupts the input and every ``z(l)``.
        """
        h = ops.reshape(ops.convert_to_tensor(x, "float32"), (-1, self.widths[0]))
        if noise_std:
            h = h + noise_std * keras.random.normal(ops.shape(h), seed=self.seed_generator)
        zs, moments = [h], [(0.0, 1.0)]
        L = len(self.encoder_weights)
        for k in range(L):
            z_pre = ops.matmul(h, self.encoder_weights[k])
            if training:
                mean, variance = batch_moments(z_pre)
            else:
                mean, variance = self.moving_means[k], self.moving_variances[k]
            z = _normalise(z_pre, mean, variance)
            if noise_std:
                z = z + noise_std * keras.random.normal(ops.shape(z), seed=self.seed_generator)
            zs.append(z)
            moments.append((mean, variance))
            if k == L - 1:
                h = ops.softmax(self.gamma * (z + self.betas[k]), axis=-1)
            else:
                h = ops.relu(z + self.betas[k])
        return h, zs, moments

    def class_logits(self, x, training=False):
        h, _, _ = self.encode(x, 0.0, training=training)
        return ops.log(h + 1e-30)

    # -- the decoder ---------------------------------------------------------
    def combine(self, k, z_noisy, u):
        """The vanilla combinator of layer ``k``."""
        a = self.combinators[k]
        mu = a[0] * ops.sigmoid(a[1] * u + a[2]) + a[3] * u + a[4]
        v = a[5] * ops.sigmoid(a[6] * u + a[7]) + a[8] * u + a[9]
        return (z_noisy - mu) * v + mu

    def denoising_costs(self, x):
        """``[C(l)]`` for l = 0 .. L on an unlabeled batch (each before its ``lambda``), and
        the clean pass's batch moments (for the moving averages)."""
        if not self.decoder:
            raise ValueError("This Ladder network was built without its decoder "
                             "(decoder=False, as a zoo entry ships it): it classifies but has "
                             "no denoising cost to train; train LadderNetwork(decoder=True).")
        _, clean, moments = self.encode(x, 0.0, training=True)
        h_noisy, noisy, _ = self.encode(x, self.noise_std, training=True)
        L = len(self.encoder_weights)
        costs = [None] * (L + 1)
        estimate = None
        for k in range(L, -1, -1):
            u = h_noisy if k == L else ops.matmul(estimate, self.decoder_weights[k])
            u = _normalise(u, *batch_moments(u))
            estimate = self.combine(k, noisy[k], u)
            mean, variance = moments[k]
            normalised = (estimate - mean) / ops.sqrt(ops.convert_to_tensor(variance) + EPSILON) \
                if k else estimate
            costs[k] = ops.mean(ops.sum(ops.square(clean[k] - normalised), axis=-1)) \
                / self.widths[k]
        return costs, moments[1:]

    def compute_objective(self, name, batch, training=True):
        labeled, unlabeled = batch["labeled"], batch["unlabeled"]
        h_noisy, _, _ = self.encode(labeled["x"], self.noise_std, training=True)
        labels = ops.cast(labeled["y"], "int32")
        picked = ops.take_along_axis(h_noisy, labels[:, None], axis=-1)[:, 0]
        supervised = -ops.mean(ops.log(picked + 1e-30))
        costs, moments = self.denoising_costs(unlabeled["x"])
        for k, (mean, variance) in enumerate(moments):
            self.moving_means[k].assign(self.momentum * self.moving_means[k]
                                        + (1 - self.momentum) * mean)
            self.moving_variances[k].assign(self.momentum * self.moving_variances[k]
                                            + (1 - self.momentum) * variance)
        denoising = sum(w * c for w, c in zip(self.denoising_weights, costs))
        terms = {"supervised": supervised, "denoising": denoising}
        terms.update({f"denoising_{k}": c for k, c in enumerate(costs)})
        return supervised + denoising, terms

    def for_entry(self):
        """The encoder alone (``decoder=False``) with this model's weights and moving
        averages: it classifies as this model does, at half the weights."""
        if not self.decoder:
            return self
        shipped = type(self).from_config({**self.get_config(), "decoder": False})
        pairs = [(shipped.encoder_weights, self.encoder_weights), (shipped.betas, self.betas),
                 (shipped.moving_means, self.moving_means),
                 (shipped.moving_variances, self.moving_variances),
                 ([shipped.gamma], [self.gamma])]
        for targets, sources in pairs:
            for target, source in zip(targets, sources):
                target.assign(source)
        return shipped

    def get_config(self):
        return {**super().get_config(), "image_shape": self.image_shape,
                "num_classes": self.num_classes, "hidden_units": self.hidden_units,
                "noise_std": self.noise_std, "denoising_weights": self.denoising_weights,
                "momentum": self.momentum, "seed": self.seed, "decoder": self.decoder}
