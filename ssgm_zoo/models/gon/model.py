"""Gradient Origin Networks (Bond-Taylor & Willcocks, ICLR 2021): encoders made of a gradient.

A GON has a decoder ``F`` and no encoder. The latent code of an image ``x`` is
one step of gradient descent on the reconstruction loss from the origin,

    z = -step * dL(x, F(z0)) / dz0   at z0 = 0,

and the decoder is trained on ``L(x, F(z))`` through that gradient (a second
order derivative). ``inner_steps > 1`` takes more steps from there, which a
reproduction found lowers the loss. The inner gradient comes from
``ssgm_zoo.training.gradients.value_and_grad``; nothing here names a backend.

The inner loss is the authors' batch mean of per-image losses; it is divided
by ``inner_batch_size`` (their batch size, 64) whatever the batch, so an
image's code does not scale with how many images are encoded together. Batch
normalisation still uses the batch's statistics (``BatchStatNormalization``),
as in training, so encode in batches of dozens of images or more.

Three models share this:

* ``GON``: the authors' ``GON.py``, a transposed-conv decoder with batch
  normalisation, 32x32 images, per-pixel mean squared error;
* ``VariationalGON``: their ``Variational-GON.py``: two dense layers map the
  origin gradient to a mean and a log-variance, the loss is the summed
  Bernoulli cross-entropy plus the KL divergence, samples decode N(0, I);
* ``ImplicitGON``: their ``Implicit-GON.py``: a SIREN ``F(coordinates, z)``
  renders an image at any resolution; the loss is the summed squared error.

GON and implicit GON sample from a full-covariance Gaussian fitted to the
training latents: a debiased exponential moving average of their mean and
second moment over recent batches (decay 0.99, about the last 100 batches the
authors keep).

Metrics (``evaluation_sums``): ``reconstruction_error``, the squared error
summed over the pixels of one image at the model's resolution, averaged over
images (pixels in [0, 1]); ``pixel_mse``, the same per pixel; and
``origin_reconstruction_error``, the error of ``F(0)``, the image the decoder
draws before the gradient step (the baseline the step must beat).
"""

import math

import keras
import numpy as np
from keras import ops

from ssgm_zoo.models.base import Objective, ZooModel
from ssgm_zoo.models.gon.layers import (BatchStatNormalization, SirenDense, activation_function,
                                       counter_normal, torch_uniform)
from ssgm_zoo.training.gradients import value_and_grad

__all__ = ["GON", "VariationalGON", "ImplicitGON"]


class _GradientOrigin(ZooModel):
    """What the three gradient-origin networks share: the origin gradient, the
    objective, the metrics, the latent statistics and the user methods."""

    objectives = (Objective("loss", streams=("images",)),)
    can_sample = True
    can_reconstruct = True
    has_features = True

    def __init__(self, image_shape=(28, 28, 1), resolution=32, latent_dim=32, inner_steps=1,
                 inner_step_size=1.0, inner_batch_size=64, latent_decay=0.99, seed=0,
                 **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(int(s) for s in image_shape)
        self.resolution, self.latent_dim = int(resolution), int(latent_dim)
        self.inner_steps, self.inner_step_size = int(inner_steps), float(inner_step_size)
        self.inner_batch_size = int(inner_batch_size)
        self.latent_decay, self.seed = float(latent_decay), int(seed)
        if self.inner_steps < 1:
            raise ValueError(f"inner_steps must be at least 1, got {inner_steps}.")
        if self.latent_dim < 1 or self.resolution < 4 or self.inner_batch_size < 1:
            raise ValueError("latent_dim, resolution and inner_batch_size must be positive "
                             f"(resolution >= 4), got {latent_dim}, {resolution} and "
                             f"{inner_batch_size}.")
        if not 0.0 < self.latent_decay < 1.0:
            raise ValueError(f"latent_decay must lie in (0, 1), got {latent_decay}.")
        self.channels = self.image_shape[-1]
        d = self.latent_dim
        self.latent_mean = self.add_weight(shape=(d,), initializer="zeros", trainable=False,
                                           name="latent_mean")
        self.latent_moment = self.add_weight(shape=(d, d), initializer="zeros",
                                             trainable=False, name="latent_moment")
        self.latent_batches = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                              name="latent_batches")
        self.seed_generator = keras.random.SeedGenerator(self.seed + 1000)

    # -- what each model defines ---------------------------------------------
    def decode(self, z, training=False):
        """``(images [B, R, R, C], extra per-image loss [B] or None)`` from codes ``z``."""
        raise NotImplementedError

    def image_loss(self, x, images):
        """The per-image reconstruction loss the model trains on, in the authors' units."""
        raise NotImplementedError

    # -- the model -------------------------------------------------------------
    def prepare_images(self, x):
        """Images as the decoder draws them: float32, resized bilinearly to the resolution."""
        x = ops.convert_to_tensor(x, "float32")
        if tuple(x.shape[1:3]) != (self.resolution, self.resolution):
            x = ops.image.resize(x, (self.resolution, self.resolution), interpolation="bilinear")
        return x

    def prepare_training_data(self, arrays):
        """Resizes the training images once, before training."""
        return {**arrays, "x": ops.convert_to_numpy(self.prepare_images(arrays["x"]))}

    def loss_per_image(self, x, z, training=False):
        """``(per-image loss [B], decoded images)`` of prepared images ``x`` at codes ``z``."""
        images, extra = self.decode(z, training=training)
        loss = self.image_loss(x, images)
        return (loss if extra is None else loss + extra), images

    def inner_loss_per_image(self, x, z, training=False):
        """The per-image loss whose gradient gives the codes (the training loss)."""
        return self.loss_per_image(x, z, training=training)[0]

    def latent(self, x, training=False):
        """The codes of prepared images ``x``: gradient steps from the origin,
        differentiable with respect to the decoder's weights."""
        z = ops.zeros((ops.shape(x)[0], self.latent_dim), dtype="float32")

        def inner(z):
            return ops.sum(self.inner_loss_per_image(x, z, training=training)) / (
                self.inner_batch_size)

        for _ in range(self.inner_steps):
            _, grad = value_and_grad(inner, z)
            z = z - self.inner_step_size * grad
        return z

    def compute_objective(self, name, batch, training=True):
        del name
        x = batch["images"]["x"]
        z = self.latent(x, training=training)
        loss, images = self.loss_per_image(x, z, training=training)
        if training:
            self._track_latents(ops.stop_gradient(z))
        squared = ops.sum(ops.square(images - x), axis=(1, 2, 3))
        return ops.mean(loss), {"reconstruction_error": ops.mean(squared)}

    def _track_latents(self, z):
        batches = self.latent_batches + 1.0
        decay = self.latent_decay
        rate = (1.0 - decay) / (1.0 - ops.exp(batches * math.log(decay)))
        n = ops.cast(ops.shape(z)[0], "float32")
        mean = ops.mean(z, axis=0)
        moment = ops.matmul(ops.transpose(z), z) / n
        self.latent_batches.assign(batches)
        self.latent_mean.assign(self.latent_mean + rate * (mean - self.latent_mean))
        self.latent_moment.assign(self.latent_moment + rate * (moment - self.latent_moment))

    # -- evaluation ------------------------------------------------------------
    def evaluation_sums(self, batch):
        x = self.prepare_images(batch["x"])
        images, _ = self.decode(self.latent(x))
        origin, _ = self.decode(ops.zeros((ops.shape(x)[0], self.latent_dim), "float32"))
        per_image = ops.sum(ops.square(images - x), axis=(1, 2, 3))
        at_origin = ops.sum(ops.square(origin - x), axis=(1, 2, 3))
        return {"count": ops.cast(ops.shape(x)[0], "float32"),
                "reconstruction_error": ops.sum(per_image),
                "origin_reconstruction_error": ops.sum(at_origin)}

    def finalize_evaluation(self, totals):
        """Per-image means, and ``pixel_mse``: the reconstruction error per pixel."""
        out = super().finalize_evaluation(dict(totals))
        out["pixel_mse"] = out["reconstruction_error"] / (self.resolution ** 2 * self.channels)
        return out

    # -- users -----------------------------------------------------------------
    def _batches(self, images, batch_size):
        for x in self.image_batches(images, batch_size, check_polarity=False):
            yield self.prepare_images(x)

    def encode(self, images, batch_size=1000):
        """Latent codes ``[N, latent_dim]`` of images (``[N, H, W, C]`` in [0, 1] or uint8)."""
        return np.concatenate([ops.convert_to_numpy(self.latent(x))
                               for x in self._batches(images, batch_size)])

    def features(self, images, batch_size=1000, **image_options):
        del image_options
        return self.encode(images, batch_size)

    def reconstruct(self, images, batch_size=1000, size=None):
        """Reconstructions ``[N, R, R, C]`` in [0, 1] of images (R: the model's resolution;
        an implicit GON renders any ``size``)."""
        out = []
        for x in self._batches(images, batch_size):
            out.append(ops.convert_to_numpy(self.render(self.latent(x), size)))
        return np.clip(np.concatenate(out), 0.0, 1.0)

    def render(self, z, size=None):
        """Images drawn at codes ``z``; ``size`` must be the resolution (None) but for an
        implicit GON."""
        if size not in (None, self.resolution):
            raise ValueError(f"{type(self).__name__} draws {self.resolution}x{self.resolution} "
                             f"images only, not {size}x{size}; an ImplicitGON renders any size.")
        return self.decode(z)[0]

    def reconstruction_error(self, images, batch_size=1000):
        """``{"reconstruction_error", "pixel_mse", "origin_reconstruction_error"}`` of
        images, as the training evaluation measures them."""
        return self.evaluation_metrics(images, batch_size=batch_size)

    def latent_distribution(self):
        """``(mean, covariance)`` of the training latents (recent batches)."""
        mean = ops.convert_to_numpy(self.latent_mean).astype("float64")
        moment = ops.convert_to_numpy(self.latent_moment).astype("float64")
        return mean, moment - np.outer(mean, mean)

    def sample_latents(self, num, seed=0):
        """``num`` codes from the Gaussian fitted to the training latents."""
        if float(self.latent_batches) == 0:
            raise ValueError(f"{type(self).__name__} samples from the distribution of its "
                             "training latents, and this model has not been trained.")
        mean, cov = self.latent_distribution()
        # A square root of the covariance's nearest positive semi-definite matrix: the
        # statistics of a float16 entry, rounded, give a few eigenvalues slightly below 0
        # (-5e-4 against a largest of 3.7 for gon-mnist), which a Cholesky factor refuses.
        values, vectors = np.linalg.eigh((cov + cov.T) / 2)
        root = vectors * np.sqrt(np.clip(values, 0.0, None))
        eps = np.random.default_rng(seed).standard_normal((int(num), len(mean)))
        return (mean + eps @ root.T).astype("float32")

    def sample(self, num, *, labels=None, seed=None):
        """``num`` generated images ``[num, R, R, C]`` in [0, 1]."""
        if labels is not None:
            raise ValueError(f"{type(self).__name__} is unconditional; it takes no labels.")
        num = int(num)
        if num < 1:
            raise ValueError(f"num must be a positive number of images, got {num}.")
        return self.generate(self.sample_latents(num, seed=0 if seed is None else int(seed)))

    def generate(self, codes):
        """Images ``[num, R, R, C]`` in [0, 1] drawn at ``codes``, points of the space
        ``sample_latents`` draws from: its draws, or any other codes placed there."""
        codes = np.asarray(codes, dtype="float32")
        if codes.ndim != 2 or codes.shape[-1] != self.latent_dim:
            raise ValueError(f"codes must have shape [num, {self.latent_dim}], "
                             f"got {codes.shape}.")
        return np.clip(ops.convert_to_numpy(self._draw(ops.convert_to_tensor(codes))), 0, 1)

    def _draw(self, codes):
        return self.decode(codes)[0]

    def get_config(self):
        return {**super().get_config(), "image_shape": list(self.image_shape),
                "resolution": self.resolution, "latent_dim": self.latent_dim,
                "inner_steps": self.inner_steps, "inner_step_size": self.inner_step_size,
                "inner_batch_size": self.inner_batch_size, "latent_decay": self.latent_decay,
                "seed": self.seed}


def _conv_decoder(owner, in_channels, filters):
    """The authors' decoder's layers: 1x1 -> 4x4 (4x4 kernel, valid), then three 4x4
    stride-2 transposed convs to 32x32, batch-normalised but for the last."""
    convs, norms, size, channels = [], [], 1, in_channels
    widths = [filters * 4, filters * 2, filters, owner.channels]
    for k, width in enumerate(widths):
        first = k == 0
        fan_in = width * 16  # PyTorch computes a transposed conv's fan-in from its outputs
        conv = keras.layers.Conv2DTranspose(
            width, 4, strides=1 if first else 2, padding="valid" if first else "same",
            kernel_initializer=torch_uniform(fan_in, owner.seed + 2 * k),
            bias_initializer=torch_uniform(fan_in, owner.seed + 2 * k + 1), name=f"deconv{k}")
        conv.build((None, size, size, channels))
        convs.append(conv)
        size, channels = (4 if first else size * 2), width
        if k < len(widths) - 1:
            norms.append(BatchStatNormalization(width, name=f"norm{k}"))
    if size != owner.resolution:
        raise ValueError(f"The conv decoder draws {size}x{size} images; set resolution={size}.")
    return convs, norms


def _run_conv_decoder(model, z):
    """Sigmoid images ``[B, 32, 32, C]`` of the conv decoder at codes ``z``."""
    act = activation_function(model.activation)
    h = ops.reshape(z, (-1, 1, 1, ops.shape(z)[-1]))
    for conv, norm in zip(model.deconvs[:-1], model.norms):
        h = act(norm(conv(h)))
    return ops.sigmoid(model.deconvs[-1](h))


@keras.saving.register_keras_serializable(package="ssgm_zoo.gon")
class GON(_GradientOrigin):
    """The gradient origin network with the authors' conv decoder (``GON.py``).

    Args:
        image_shape: the input images' shape; they are resized to ``resolution``.
        resolution: the decoder's image side (32).
        latent_dim: ``nz`` (theirs: 32).
        filters: ``ngf`` (theirs: 16).
        activation: the decoder's nonlinearity (theirs: ``"elu"``).
        inner_steps, inner_step_size: gradient steps from the origin (theirs: 1 of size 1).
        inner_batch_size: the batch size the inner loss's mean divides by (theirs: 64).
        latent_decay: decay of the latent statistics used for sampling.
        seed: initializer seed.

    Example:
    >>> model = GON(latent_dim=4, filters=2)
    >>> model.encode(np.zeros((3, 28, 28, 1), "float32")).shape
    (3, 4)
    """

    def __init__(self, filters=16, activation="elu", **kwargs):
        super().__init__(**kwargs)
        activation_function(activation)  # an unknown name is refused here
        self.filters, self.activation = int(filters), activation
        self.deconvs, self.norms = _conv_decoder(self, self.latent_dim, self.filters)
        self.built = True

    def decode(self, z, training=False):
        return _run_conv_decoder(self, z), None

    def image_loss(self, x, images):
        # The authors' ((g - x)**2).sum(1).mean(): summed over channels, mean over pixels.
        return ops.mean(ops.sum(ops.square(images - x), axis=-1), axis=(1, 2))

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "activation": self.activation}


@keras.saving.register_keras_serializable(package="ssgm_zoo.gon")
class VariationalGON(_GradientOrigin):
    """The variational GON (``Variational-GON.py``): dense layers map the origin gradient
    to a mean and log-variance; the loss is the summed Bernoulli cross-entropy plus
    ``kl_weight`` times the KL divergence to N(0, I); samples decode N(0, I).

    Args:
        filters: ``ngf`` (theirs: 32); ``latent_dim`` is ``nz`` (theirs: 48).
        activation, kl_weight: the decoder's nonlinearity and the KL weight (1).
        Others: as ``GON``.
    """

    def __init__(self, filters=32, activation="elu", kl_weight=1.0, **kwargs):
        kwargs.setdefault("latent_dim", 48)
        super().__init__(**kwargs)
        activation_function(activation)
        self.filters, self.activation = int(filters), activation
        self.kl_weight = float(kl_weight)
        d = self.latent_dim
        self.mean_layer, self.log_var_layer = (
            keras.layers.Dense(d, kernel_initializer=torch_uniform(d, self.seed + 100 + k),
                               bias_initializer=torch_uniform(d, self.seed + 110 + k), name=n)
            for k, n in enumerate(("mean", "log_var")))
        self.mean_layer.build((None, d))
        self.log_var_layer.build((None, d))
        self.deconvs, self.norms = _conv_decoder(self, d, self.filters)
        self.built = True

    def posterior(self, z):
        """``(mean, log_var)`` of the codes ``z``."""
        return self.mean_layer(z), self.log_var_layer(z)

    def decode(self, z, training=False, noise=None):
        """``(images, kl_weight * KL)`` at codes ``z``: the decoder reads a draw of the
        posterior in training (or with ``noise``, the draw's standard normal part), its
        mean otherwise."""
        mean, log_var = self.posterior(z)
        code = mean
        if training and noise is None:
            noise = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
        if noise is not None:
            code = mean + ops.exp(0.5 * log_var) * noise
        kl = -0.5 * ops.sum(1.0 + log_var - ops.square(mean) - ops.exp(log_var), axis=-1)
        return _run_conv_decoder(self, code), self.kl_weight * kl

    def inner_loss_per_image(self, x, z, training=False):
        """The inner loss at a draw of the posterior, as in training, also when encoding.

        The authors' model never leaves training mode, so its origin pass always
        decodes a draw: batch normalisation sees a spread batch. The posterior's
        mean at the origin is the same for every image, and normalising a batch of
        identical activations multiplies the gradient by 1/sqrt(epsilon): codes
        encoded from the mean were 12 times larger than in training at
        initialisation. Out of training the draw is fixed (``counter_normal``), so
        encoding is deterministic and the same on every backend.
        """
        noise = None
        if not training:
            noise = counter_normal(ops.shape(z)[0], self.latent_dim, self.seed)
        images, kl = self.decode(z, training=training, noise=noise)
        return self.image_loss(x, images) + kl

    def image_loss(self, x, images):
        p = ops.clip(images, 1e-7, 1.0 - 1e-7)  # PyTorch's BCE clamps its logs at -100
        return -ops.sum(x * ops.log(p) + (1.0 - x) * ops.log(1.0 - p), axis=(1, 2, 3))

    def sample_latents(self, num, seed=0):
        """``num`` draws from the prior N(0, I), which the decoder reads after the dense
        layers."""
        return np.random.default_rng(seed).standard_normal(
            (int(num), self.latent_dim)).astype("float32")

    def _draw(self, codes):
        # Codes here are points after the dense layers, where the prior is N(0, I)
        # (draws of the prior, of the posterior, or of a distribution fitted there).
        return _run_conv_decoder(self, codes)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "activation": self.activation,
                "kl_weight": self.kl_weight}


def coordinate_grid(size):
    """``[size * size, 2]`` pixel coordinates in [-1, 1], row then column, row-major."""
    axis = np.linspace(-1.0, 1.0, int(size), dtype="float32")
    rows, cols = np.meshgrid(axis, axis, indexing="ij")
    return np.stack([rows.ravel(), cols.ravel()], axis=-1)


@keras.saving.register_keras_serializable(package="ssgm_zoo.gon")
class ImplicitGON(_GradientOrigin):
    """The implicit GON (``Implicit-GON.py``): a SIREN maps a pixel's coordinates and the
    image's code to its intensity, so an image renders at any resolution.

    Args:
        hidden_units: the SIREN's widths (theirs: 256, 256, 256, 256).
        w0: SIREN's frequency factor (30).
        resolution: the side at which it trains and is measured (theirs: 28).
        Others: as ``GON`` (``latent_dim`` theirs: 32).
    """

    def __init__(self, hidden_units=(256, 256, 256, 256), w0=30.0, **kwargs):
        kwargs.setdefault("resolution", 28)
        super().__init__(**kwargs)
        self.hidden_units = tuple(int(u) for u in hidden_units)
        self.w0 = float(w0)
        sizes = [2 + self.latent_dim, *self.hidden_units, self.channels]
        self.siren_layers = [
            SirenDense(a, b, w0=self.w0, first=k == 0, last=k == len(sizes) - 2,
                       seed=self.seed + 2 * k, name=f"siren{k}")
            for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))]
        self.built = True

    def render(self, z, size=None):
        """Images ``[B, size, size, C]`` drawn by the SIREN at codes ``z``, any ``size``."""
        size = self.resolution if size is None else int(size)
        coords = ops.convert_to_tensor(coordinate_grid(size))
        b, p = ops.shape(z)[0], int(size) ** 2
        h = ops.concatenate([ops.broadcast_to(coords[None], (b, p, 2)),
                             ops.broadcast_to(z[:, None, :], (b, p, self.latent_dim))], axis=-1)
        for layer in self.siren_layers:
            h = layer(h)
        return ops.reshape(h, (b, int(size), int(size), self.channels))

    def decode(self, z, training=False):
        return self.render(z, self.resolution), None

    def image_loss(self, x, images):
        # The authors' ((g - x)**2).sum(1).mean() over [B, pixels, C]: summed over pixels.
        return ops.mean(ops.sum(ops.square(images - x), axis=(1, 2)), axis=-1)

    def get_config(self):
        return {**super().get_config(), "hidden_units": list(self.hidden_units), "w0": self.w0}
