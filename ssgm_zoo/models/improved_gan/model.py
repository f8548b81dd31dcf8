"""The semi-supervised GAN of Salimans et al. 2016 (section 5), every technique switchable.

The discriminator is a (K+1)-class classifier whose fake-class logit is fixed
at 0: with ``l(x)`` its K class logits and ``Z(x) = sum_k exp(l_k(x))``, the
probability that ``x`` is real is ``D(x) = Z(x) / (Z(x) + 1) =
sigmoid(logsumexp(l(x)))``, and the class of a real image is ``softmax(l(x))``.

Losses, as the authors' ``train_mnist_feature_matching.py`` writes them
(``lse = logsumexp(l)``, ``softplus(-a) = -log sigmoid(a)``):

* discriminator: ``L_supervised + w * L_unsupervised`` with
  ``L_supervised = mean(lse(l(x_lab)) - l_y(x_lab))`` (cross-entropy over the
  K classes) and ``L_unsupervised = 0.5 mean(-log D(x_unl)) + 0.5
  mean(-log(1 - D(G(z))))``; one-sided label smoothing replaces the real
  images' target 1 by ``1 - label_smoothing``;
* generator: feature matching ``||mean f(x_unl) - mean f(G(z))||^2 /
  features`` (``f``: an intermediate layer of the discriminator), or the
  non-saturating GAN loss ``mean(-log D(G(z)))``;
* historical averaging (section 3.3) adds ``lambda * ||theta - mean of the
  past thetas||^2`` to each player's loss.

Evaluation classifies with an exponential moving average of the
discriminator's weights (the authors' ``disc_param_avg``, rate 1e-4 per
step); ours is debiased (the average of the weights seen so far, each
weighted by ``decay^(age)``), so it is usable from the first step where the
authors' average, started at zero, needs tens of thousands of steps.
"""

import math

import keras
import numpy as np
from keras import ops

from ssgm_zoo.models.base import Objective, ZooModel, matching_weights
from ssgm_zoo.models.improved_gan.networks import (ConvDiscriminator, ConvGenerator,
                                                   MLPDiscriminator, MLPGenerator)

__all__ = ["ImprovedGAN", "ARCHITECTURES", "GENERATOR_LOSSES"]

ARCHITECTURES = ("mlp", "conv")
GENERATOR_LOSSES = ("feature_matching", "non_saturating")


@keras.saving.register_keras_serializable(package="ssgm_zoo.improved_gan")
class ImprovedGAN(ZooModel):
    """A semi-supervised GAN: a (K+1)-class discriminator and a generator.

    Args:
        architecture: ``"mlp"`` (the authors' MNIST networks) or ``"conv"``
            (their CIFAR-10 networks).
        image_shape: ``(H, W, C)`` of the images.
        num_classes: K.
        noise_dim: dimension of the generator's uniform noise.
        discriminator_units: widths of the MLP discriminator's hidden layers.
        generator_units: widths of the MLP generator's hidden layers.
        discriminator_filters: the conv discriminator's two widths.
        generator_filters: the conv generator's three widths.
        input_noise, hidden_noise: the MLP discriminator's Gaussian noise.
        input_dropout, dropout: the conv discriminator's dropout rates.
        generator_loss: ``"feature_matching"`` or ``"non_saturating"``.
        minibatch_kernels, minibatch_kernel_dim: minibatch discrimination in
            the discriminator (0 kernels: off).
        generator_normalization: ``"batch"``, ``"virtual"`` or ``"none"``.
        reference_batch_size: the reference batch of virtual batch normalisation.
        unlabeled_weight: ``w``, the weight of the unsupervised loss (0 trains
            a supervised-only discriminator, the baseline).
        label_smoothing: one-sided label smoothing of the real images (0: off).
        historical_averaging: ``lambda`` (0: off).
        ema_decay: decay of the discriminator's weight average used for
            evaluation (0: evaluate the discriminator itself).
        seed: initializer and noise seed.

    Example:
    >>> gan = ImprovedGAN(discriminator_units=(32,), generator_units=(16,), seed=0)
    >>> gan.sample(2, seed=0).shape, gan.predict_proba(gan.sample(3, seed=1)).shape
    ((2, 28, 28, 1), (3, 10))
    """

    objectives = (Objective("discriminator", streams=("labeled", "unlabeled")),
                  Objective("generator", streams=("unlabeled",), own_batches=True))
    disjoint_objectives = True
    can_classify = True
    can_sample = True

    def __init__(self, architecture="mlp", image_shape=(28, 28, 1), num_classes=10,
                 noise_dim=100, discriminator_units=(1000, 500, 250, 250, 250),
                 generator_units=(500, 500), discriminator_filters=(96, 192),
                 generator_filters=(512, 256, 128), input_noise=0.3, hidden_noise=0.5,
                 input_dropout=0.2, dropout=0.5, generator_loss="feature_matching",
                 minibatch_kernels=0, minibatch_kernel_dim=5, generator_normalization="batch",
                 reference_batch_size=100, unlabeled_weight=1.0, label_smoothing=0.0,
                 historical_averaging=0.0, ema_decay=0.9999, seed=0, **kwargs):
        super().__init__(**kwargs)
        if architecture not in ARCHITECTURES:
            raise ValueError(f"architecture must be one of {', '.join(ARCHITECTURES)}, got "
                             f"{architecture!r}.")
        if generator_loss not in GENERATOR_LOSSES:
            raise ValueError(f"generator_loss must be one of {', '.join(GENERATOR_LOSSES)}, got "
                             f"{generator_loss!r}.")
        if not 0.0 <= float(label_smoothing) < 1.0:
            raise ValueError(f"label_smoothing must lie in [0, 1), got {label_smoothing}.")
        if not 0.0 <= float(ema_decay) < 1.0:
            raise ValueError(f"ema_decay must lie in [0, 1) (0: no average), got {ema_decay}.")
        if float(unlabeled_weight) < 0 or float(historical_averaging) < 0:
            raise ValueError("unlabeled_weight and historical_averaging must be >= 0, got "
                             f"{unlabeled_weight} and {historical_averaging}.")
        self.architecture = architecture
        self.image_shape = tuple(int(s) for s in image_shape)
        self.num_classes, self.noise_dim, self.seed = int(num_classes), int(noise_dim), int(seed)
        self.discriminator_units = tuple(int(u) for u in discriminator_units)
        self.generator_units = tuple(int(u) for u in generator_units)
        self.discriminator_filters = tuple(int(f) for f in discriminator_filters)
        self.generator_filters = tuple(int(f) for f in generator_filters)
        self.input_noise, self.hidden_noise = float(input_noise), float(hidden_noise)
        self.input_dropout, self.dropout = float(input_dropout), float(dropout)
        self.generator_loss = generator_loss
        self.minibatch_kernels = int(minibatch_kernels)
        self.minibatch_kernel_dim = int(minibatch_kernel_dim)
        self.generator_normalization = generator_normalization
        self.reference_batch_size = int(reference_batch_size)
        self.unlabeled_weight = float(unlabeled_weight)
        self.label_smoothing = float(label_smoothing)
        self.historical_averaging = float(historical_averaging)
        self.ema_decay = float(ema_decay)

        self.discriminator = self._make_discriminator("discriminator")
        self.generator = self._make_generator("generator")
        self.averaged_discriminator = None
        if self.ema_decay:
            self.averaged_discriminator = self._frozen(self._make_discriminator(
                "averaged_discriminator"))
        self.historical_discriminator = self.historical_generator = None
        if self.historical_averaging:
            self.historical_discriminator = self._frozen(self._make_discriminator(
                "historical_discriminator"))
            self.historical_generator = self._frozen(self._make_generator(
                "historical_generator"))
        self.average_steps = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                             name="average_steps")
        self.seed_generator = keras.random.SeedGenerator(self.seed + 1000)
        self.built = True

    # -- construction -------------------------------------------------------
    def _make_discriminator(self, name):
        common = dict(num_classes=self.num_classes, minibatch_kernels=self.minibatch_kernels,
                      minibatch_kernel_dim=self.minibatch_kernel_dim, seed=self.seed, name=name)
        if self.architecture == "mlp":
            return MLPDiscriminator(input_dim=int(np.prod(self.image_shape)),
                                    hidden_units=self.discriminator_units,
                                    input_noise=self.input_noise, hidden_noise=self.hidden_noise,
                                    **common)
        return ConvDiscriminator(image_shape=self.image_shape, filters=self.discriminator_filters,
                                 input_dropout=self.input_dropout, dropout=self.dropout, **common)

    def _make_generator(self, name):
        common = dict(noise_dim=self.noise_dim, image_shape=self.image_shape,
                      normalization=self.generator_normalization,
                      reference_batch_size=self.reference_batch_size, seed=self.seed + 10_000,
                      name=name)
        if self.architecture == "mlp":
            return MLPGenerator(hidden_units=self.generator_units, **common)
        return ConvGenerator(filters=self.generator_filters, **common)

    @staticmethod
    def _frozen(network):
        network.trainable = False
        return network

    def objective_variables(self, name):
        network = self.discriminator if name == "discriminator" else self.generator
        return network.trainable_variables

    # -- the model ----------------------------------------------------------
    def noise(self, num, seed=None):
        """``num`` noise vectors, uniform in [0, 1) (the model's seed generator by default)."""
        return keras.random.uniform((num, self.noise_dim),
                                    seed=self.seed_generator if seed is None else seed)

    def generate(self, z, training=False):
        """Images ``[N, H, W, C]`` in [0, 1] from noise ``z``."""
        return self.generator(z, training=training)

    def class_logits(self, x, training=False):
        """The K class logits of the evaluation discriminator (the weight average, if kept)."""
        network = self.averaged_discriminator or self.discriminator
        return network(ops.convert_to_tensor(x, "float32"), training=training)[0]

    @staticmethod
    def real_logit(logits):
        """``logsumexp`` of the class logits: ``D(x) = sigmoid(real_logit)``."""
        return ops.logsumexp(logits, axis=-1)

    def discriminate(self, batches, training=False):
        """The discriminator's ``(logits, features)`` on each of ``batches``.

        Without minibatch discrimination every layer acts on each image alone,
        so the batches go through in one pass (one large product per layer
        instead of several small ones); with it, each batch is its own
        minibatch, as in the authors' code.
        """
        images = [ops.convert_to_tensor(x, "float32") for x in batches]
        if self.minibatch_kernels:
            return [self.discriminator(x, training=training) for x in images]
        sizes = [int(x.shape[0]) for x in images]
        logits, features = self.discriminator(ops.concatenate(images, axis=0),
                                              training=training)
        cuts = np.cumsum(sizes)[:-1].tolist()
        return list(zip(ops.split(logits, cuts), ops.split(features, cuts)))

    def supervised_loss(self, logits, labels):
        """Cross-entropy over the K real classes."""
        labels = ops.cast(labels, "int32")
        chosen = ops.take_along_axis(logits, labels[:, None], axis=-1)[:, 0]
        return ops.mean(self.real_logit(logits) - chosen)

    def unsupervised_loss(self, real_logits, fake_logits):
        """``0.5 E[-log D(x)] + 0.5 E[-log(1 - D(G(z)))]``, real target ``1 - label_smoothing``."""
        real, fake = self.real_logit(real_logits), self.real_logit(fake_logits)
        s = self.label_smoothing
        real_term = (1.0 - s) * ops.softplus(-real) + s * ops.softplus(real)
        return 0.5 * ops.mean(real_term) + 0.5 * ops.mean(ops.softplus(fake))

    def _historical_penalty(self, network, average):
        if average is None:
            return 0.0
        total = 0.0
        for w, a in matching_weights(network, average):
            if w.trainable:
                total = total + ops.sum(ops.square(w - ops.stop_gradient(a)))
        # No history before the first step's update: no penalty.
        return self.historical_averaging * ops.minimum(self.average_steps, 1.0) * total

    def compute_objective(self, name, batch, training=True):
        x_unl = batch["unlabeled"]["x"]
        fake = self.generate(self.noise(ops.shape(x_unl)[0]), training=training)
        if name == "discriminator":
            x_lab, y_lab = batch["labeled"]["x"], batch["labeled"]["y"]
            (lab, _), (unl, _), (gen, _) = self.discriminate(
                [x_lab, x_unl, ops.stop_gradient(fake)], training=training)
            supervised = self.supervised_loss(lab, y_lab)
            unsupervised = self.unsupervised_loss(unl, gen)
            loss = (supervised + self.unlabeled_weight * unsupervised
                    + self._historical_penalty(self.discriminator, self.historical_discriminator))
            wrong = ops.not_equal(ops.argmax(lab, axis=-1), ops.cast(y_lab, "int32"))
            return loss, {"supervised": supervised, "unsupervised": unsupervised,
                          "train_error_rate": ops.mean(ops.cast(wrong, "float32")),
                          "fake_real_probability": ops.mean(ops.sigmoid(self.real_logit(gen)))}
        if self.generator_loss == "feature_matching":
            (_, real_features), (gen_logits, fake_features) = self.discriminate(
                [x_unl, fake], training=training)
            loss = ops.mean(ops.square(ops.mean(fake_features, axis=0)
                                       - ops.stop_gradient(ops.mean(real_features, axis=0))))
        else:
            gen_logits, _ = self.discriminator(fake, training=training)
            loss = ops.mean(ops.softplus(-self.real_logit(gen_logits)))
        loss = loss + self._historical_penalty(self.generator, self.historical_generator)
        return loss, {"fake_real_probability": ops.mean(ops.sigmoid(self.real_logit(gen_logits)))}

    def initialize(self, batch):
        """Data-dependent initialisation of the discriminator on an unlabeled batch (the
        authors' ``init_param``), and of the conv generator's output layer on noise."""
        x = batch["unlabeled"]["x"]
        self.discriminator.initialize(x)
        self.generator.initialize(self.noise(int(ops.shape(x)[0]), seed=self.seed))

    def after_updates(self):
        """Moves the weight averages one step: the discriminator's exponential moving
        average (debiased) and the historical (uniform) averages."""
        steps = self.average_steps + 1.0
        self.average_steps.assign(steps)
        if self.averaged_discriminator is not None:
            decay = self.ema_decay
            rate = (1.0 - decay) / (1.0 - ops.exp(steps * math.log(decay)))
            self._move_average(self.discriminator, self.averaged_discriminator, rate)
        if self.historical_discriminator is not None:
            self._move_average(self.discriminator, self.historical_discriminator, 1.0 / steps)
            self._move_average(self.generator, self.historical_generator, 1.0 / steps)

    @staticmethod
    def _move_average(network, average, rate):
        for w, a in matching_weights(network, average):
            a.assign(a + rate * (ops.cast(w, a.dtype) - a))

    # -- evaluation ---------------------------------------------------------
    def evaluation_sums(self, batch):
        labels = ops.cast(batch["y"], "int32")
        sums = {"count": ops.cast(ops.shape(labels)[0], "float32")}
        networks = {"errors": self.averaged_discriminator or self.discriminator}
        if self.averaged_discriminator is not None:
            networks["discriminator_errors"] = self.discriminator
        for key, network in networks.items():
            logits = network(batch["x"], training=False)[0]
            wrong = ops.not_equal(ops.argmax(logits, axis=-1), labels)
            sums[key] = ops.sum(ops.cast(wrong, "float32"))
        return sums

    def finalize_evaluation(self, totals):
        """``error_rate`` (the evaluation discriminator), ``errors`` (its count of
        misclassified images, the paper's unit) and, with a weight average, the
        trained discriminator's ``discriminator_error_rate``."""
        totals = dict(totals)
        errors = totals["errors"]
        out = super().finalize_evaluation(totals)
        if "discriminator_errors" in out:
            out["discriminator_error_rate"] = out.pop("discriminator_errors")
        out["errors"] = errors
        return out

    def generated_metrics(self, seed):
        """The evaluation discriminator's mean D(x) on 500 generated images."""
        images = self.generate(self.noise(500, seed=seed))
        network = self.averaged_discriminator or self.discriminator
        logits = network(images, training=False)[0]
        return {"real_probability": float(ops.mean(ops.sigmoid(self.real_logit(logits))))}

    def for_entry(self):
        """The evaluation networks alone, for a zoo entry: a model without weight
        averages whose discriminator holds this one's weight average (or its
        discriminator, without one) and whose generator is this one's. It
        classifies, samples and evaluates as this model does, at about a third of
        the weights when the historical averages are kept."""
        if self.averaged_discriminator is None and self.historical_discriminator is None:
            return self
        config = {**self.get_config(), "ema_decay": 0.0, "historical_averaging": 0.0}
        shipped = type(self).from_config(config)
        source = self.averaged_discriminator or self.discriminator
        for w, a in matching_weights(shipped.discriminator, source):
            w.assign(a)
        for w, g in zip(shipped.generator.weights, self.generator.weights):
            w.assign(g)
        shipped.average_steps.assign(self.average_steps)
        return shipped

    # -- users --------------------------------------------------------------
    def sample(self, num, *, labels=None, seed=None):
        """``num`` generated images ``[num, H, W, C]`` in [0, 1] (the generator is
        unconditional: ``labels`` must be None)."""
        if labels is not None:
            raise ValueError("ImprovedGAN's generator is unconditional; it takes no labels.")
        num = int(num)
        if num < 1:
            raise ValueError(f"num must be a positive number of images, got {num}.")
        z = self.noise(num, seed=0 if seed is None else int(seed))
        return ops.convert_to_numpy(self.generate(z, training=False))

    def get_config(self):
        return {**super().get_config(), "architecture": self.architecture,
                "image_shape": list(self.image_shape), "num_classes": self.num_classes,
                "noise_dim": self.noise_dim,
                "discriminator_units": list(self.discriminator_units),
                "generator_units": list(self.generator_units),
                "discriminator_filters": list(self.discriminator_filters),
                "generator_filters": list(self.generator_filters),
                "input_noise": self.input_noise, "hidden_noise": self.hidden_noise,
                "input_dropout": self.input_dropout, "dropout": self.dropout,
                "generator_loss": self.generator_loss,
                "minibatch_kernels": self.minibatch_kernels,
                "minibatch_kernel_dim": self.minibatch_kernel_dim,
                "generator_normalization": self.generator_normalization,
                "reference_batch_size": self.reference_batch_size,
                "unlabeled_weight": self.unlabeled_weight,
                "label_smoothing": self.label_smoothing,
                "historical_averaging": self.historical_averaging,
                "ema_decay": self.ema_decay, "seed": self.seed}
