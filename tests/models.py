"""Tiny models that exercise the engine and the model protocol, and their harness cases.

None belongs to a family: they prove that the shared engine, gradient helper
and test harness serve a one-objective model with noise, a two-player GAN
(disjoint objectives, own batches, data-dependent initialisation, metrics on
generated samples) and a gradient-origin autoencoder (a gradient inside the
forward pass, trained through it), on both backends.
"""

import keras
import numpy as np
from keras import ops

from ssgm_zoo.models.base import Objective, ZooModel
from ssgm_zoo.testing import ModelCase
from ssgm_zoo.training.gradients import value_and_grad

PACKAGE = "ssgm_zoo_tests"
DIM = 16  # data: [N, 4, 4, 1] images, 16 pixels


def _dense(units, input_dim, seed, activation=None, name=None):
    layer = keras.layers.Dense(units, activation=activation, name=name,
                               kernel_initializer=keras.initializers.GlorotUniform(seed=seed))
    layer.build((None, input_dim))
    return layer


def _flat(x):
    return ops.reshape(ops.convert_to_tensor(x, "float32"), (ops.shape(x)[0], -1))


@keras.saving.register_keras_serializable(package=PACKAGE)
class NoisyAutoencoder(ZooModel):
    """A linear autoencoder with Gaussian noise on its code (the engine tests' model)."""

    can_sample = True

    def __init__(self, latent_dim=4, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim, self.seed = int(latent_dim), int(seed)
        self.encoder = _dense(self.latent_dim, DIM, seed, name="encoder")
        self.decoder = _dense(DIM, self.latent_dim, seed + 1, name="decoder")
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.built = True

    def _errors(self, x):
        x = _flat(x)
        z = self.encoder(x)
        z = z + 0.1 * keras.random.normal(ops.shape(z), seed=self.seed_generator)
        return ops.sum(ops.square(self.decoder(z) - x), axis=-1), z

    def compute_objective(self, name, batch, training=True):
        errors, z = self._errors(batch["unlabeled"]["x"])
        return ops.mean(errors), {"code_norm": ops.mean(ops.sum(ops.square(z), -1))}

    def evaluation_sums(self, batch):
        errors, _ = self._errors(batch["x"])
        return {"squared_error": ops.sum(errors), "count": ops.cast(ops.shape(errors)[0],
                                                                    "float32")}

    def sample(self, num, *, labels=None, seed=None):
        z = keras.random.normal((int(num), self.latent_dim), seed=seed)
        return ops.convert_to_numpy(ops.reshape(self.decoder(z), (-1, 4, 4, 1)))

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim, "seed": self.seed}


@keras.saving.register_keras_serializable(package=PACKAGE)
class TinyGAN(ZooModel):
    """A two-player GAN: the discriminator, then the generator on batches of its own."""

    objectives = (Objective("discriminator", streams=("unlabeled",)),
                  Objective("generator", streams=("unlabeled",), own_batches=True))
    disjoint_objectives = True
    can_sample = True

    def __init__(self, noise_dim=4, hidden=8, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.noise_dim, self.hidden, self.seed = int(noise_dim), int(hidden), int(seed)
        self.gen_hidden = _dense(hidden, noise_dim, seed, "tanh", name="gen_hidden")
        self.gen_out = _dense(DIM, hidden, seed + 1, "sigmoid", name="gen_out")
        self.disc_hidden = _dense(hidden, DIM, seed + 2, "tanh", name="disc_hidden")
        self.disc_out = _dense(1, hidden, seed + 3, name="disc_out")
        # Set from data by initialize(): the discriminator sees centred inputs.
        self.data_mean = self.add_weight(shape=(DIM,), initializer="zeros", trainable=False,
                                         name="data_mean")
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.initialize_calls = 0
        self.built = True

    def objective_variables(self, name):
        layers = ((self.disc_hidden, self.disc_out) if name == "discriminator"
                  else (self.gen_hidden, self.gen_out))
        return [v for layer in layers for v in layer.trainable_variables]

    def generate(self, z):
        return self.gen_out(self.gen_hidden(z))

    def logits(self, x):
        return self.disc_out(self.disc_hidden(_flat(x) - self.data_mean))[:, 0]

    def initialize(self, batch):
        self.initialize_calls += 1
        self.data_mean.assign(ops.mean(_flat(batch["unlabeled"]["x"]), axis=0))

    def compute_objective(self, name, batch, training=True):
        x = batch["unlabeled"]["x"]
        z = keras.random.uniform((ops.shape(x)[0], self.noise_dim), seed=self.seed_generator)
        fake = self.logits(self.generate(z))
        if name == "discriminator":
            real = self.logits(x)
            loss = ops.mean(ops.softplus(-real)) + ops.mean(ops.softplus(fake))
            return loss, {"real_logit": ops.mean(real)}
        return ops.mean(ops.softplus(-fake)), {"batch_sum": ops.sum(x)}

    def evaluation_sums(self, batch):
        real = self.logits(batch["x"])
        return {"real_logit": ops.sum(real),
                "count": ops.cast(ops.shape(real)[0], "float32")}

    def generated_metrics(self, seed):
        images = self.sample(64, seed=seed)
        return {"pixel_mean": float(images.mean())}

    def sample(self, num, *, labels=None, seed=None):
        z = keras.random.uniform((int(num), self.noise_dim), seed=seed)
        return ops.convert_to_numpy(ops.reshape(self.generate(z), (-1, 4, 4, 1)))

    def get_config(self):
        return {**super().get_config(), "noise_dim": self.noise_dim, "hidden": self.hidden,
                "seed": self.seed}


@keras.saving.register_keras_serializable(package=PACKAGE)
class GradientOriginAE(ZooModel):
    """A gradient-origin autoencoder: z = -dL/dz at z = 0, the decoder trained through it.

    Args:
        cut_inner_gradient: stop the gradient at z (wrong on purpose: the tests
            check that a finite-difference test then fails).
    """

    has_features = True

    def __init__(self, latent_dim=3, hidden=8, cut_inner_gradient=False, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim, self.hidden, self.seed = int(latent_dim), int(hidden), int(seed)
        self.cut_inner_gradient = bool(cut_inner_gradient)
        self.decoder_hidden = _dense(hidden, latent_dim, seed, "tanh", name="decoder_hidden")
        self.decoder_out = _dense(DIM, hidden, seed + 1, name="decoder_out")
        self.built = True

    def decode(self, z):
        return self.decoder_out(self.decoder_hidden(z))

    def encode(self, x):
        x = _flat(x)

        def inner(z):
            return ops.sum(ops.square(self.decode(z) - x))

        _, grad = value_and_grad(inner, ops.zeros((ops.shape(x)[0], self.latent_dim)))
        z = -grad
        return ops.stop_gradient(z) if self.cut_inner_gradient else z

    def reconstruction_loss(self, x):
        x = _flat(x)
        return ops.mean(ops.sum(ops.square(self.decode(self.encode(x)) - x), axis=-1))

    def compute_objective(self, name, batch, training=True):
        return self.reconstruction_loss(batch["unlabeled"]["x"]), {}

    def evaluation_sums(self, batch):
        errors = ops.sum(ops.square(self.decode(self.encode(batch["x"])) - _flat(batch["x"])),
                         axis=-1)
        return {"squared_error": ops.sum(errors),
                "count": ops.cast(ops.shape(errors)[0], "float32")}

    def features(self, images, batch_size=1000):
        return ops.convert_to_numpy(self.encode(images))

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim, "hidden": self.hidden,
                "cut_inner_gradient": self.cut_inner_gradient, "seed": self.seed}


def images(n=64, seed=0):
    return np.random.default_rng(seed).random((n, 4, 4, 1)).astype("float32")


_FIXED = images(8, seed=9)
_NOISE = np.random.default_rng(3).random((4, 4)).astype("float32")


def gan_case():
    return ModelCase(
        make_model=lambda seed: TinyGAN(seed=seed),
        train_data={"unlabeled": {"x": images()}}, batch_sizes={"unlabeled": 16},
        outputs=lambda m: {"logits": ops.convert_to_numpy(m.logits(_FIXED)),
                           "samples": ops.convert_to_numpy(m.generate(_NOISE))})


def gradient_origin_case():
    return ModelCase(
        make_model=lambda seed: GradientOriginAE(seed=seed),
        train_data={"unlabeled": {"x": images()}}, batch_sizes={"unlabeled": 16},
        outputs=lambda m: {"codes": m.features(_FIXED),
                           "reconstructions": ops.convert_to_numpy(m.decode(m.encode(_FIXED)))})
