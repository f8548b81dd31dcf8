"""M1: the latent-feature discriminative model's VAE (Kingma et al. 2014, section 2.1)."""

import keras
import numpy as np
from keras import ops

from ssgm_zoo.models.base import ZooModel
from ssgm_zoo.models.kingma import elbo
from ssgm_zoo.models.kingma.networks import MLP, GaussianHead, flatten

__all__ = ["M1"]


def binarize(x, seed):
    """Dynamic binarisation: a fresh Bernoulli(x) sample each time an image is drawn."""
    return ops.cast(keras.random.uniform(ops.shape(x), seed=seed) < x, x.dtype)


@keras.saving.register_keras_serializable(package="ssgm_zoo")
class M1(ZooModel):
    """VAE with Gaussian q(z|x), N(0, I) prior and Bernoulli p(x|z).

    Trained on the negative ELBO per image (Kingma et al. 2014, eq. 1) plus the
    authors' Gaussian prior on the weights, scaled per example.

    Args:
        image_shape: shape of one image, e.g. ``(28, 28, 1)``.
        latent_dim: dimension of z (50 in the paper's MNIST runs).
        hidden_units: hidden layer sizes of encoder and decoder.
        activation: hidden activation (softplus).
        init_std: standard deviation of the initial weights (the authors'
            1e-3), or None for Glorot-uniform.
        authors_init: the rest of the authors' initialisation (needs
            ``init_std``): hidden biases drawn like the weights and q(z|x)'s
            log-variance layer starting at zero.
        weight_prior_scale: weight of -log N(W; 0, I) per example; the authors
            use 1 / (number of training images).
        seed: seeds initialisation and the model's random state.

    Example:
    >>> model = M1(latent_dim=8, hidden_units=(32,))
    >>> model.sample(4, seed=0).shape
    (4, 28, 28, 1)
    >>> model.features(np.zeros((3, 28, 28, 1))).shape
    (3, 8)
    """

    can_sample = True
    has_features = True

    def __init__(self, image_shape=(28, 28, 1), latent_dim=50, hidden_units=(500, 500),
                 activation="softplus", init_std=1e-3, weight_prior_scale=0.0, seed=None,
                 authors_init=False, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(int(s) for s in image_shape)
        self.input_dim = int(np.prod(self.image_shape))
        self.latent_dim = int(latent_dim)
        self.hidden_units = tuple(int(u) for u in hidden_units)
        self.activation = activation
        self.init_std = None if init_std is None else float(init_std)
        self.authors_init = bool(authors_init)
        self.weight_prior_scale = float(weight_prior_scale)
        self.seed = seed
        s = None if seed is None else int(seed) * 1000
        self.encoder = GaussianHead(self.input_dim, self.hidden_units, self.latent_dim,
                                    activation, init_std, authors_init=self.authors_init,
                                    seed=s, name="encoder")
        self.decoder = MLP(self.latent_dim, self.hidden_units[::-1], activation,
                           output_dim=self.input_dim, init_std=init_std,
                           hidden_bias_std=self.init_std if self.authors_init else 0.0,
                           seed=None if s is None else s + 500, name="decoder")
        self.seed_generator = keras.random.SeedGenerator(0 if seed is None else int(seed))
        self.built = True

    # -- the model ----------------------------------------------------------
    def encode(self, x):
        """Mean and log-variance of q(z|x) for images in [0, 1]."""
        return self.encoder(flatten(ops.convert_to_tensor(x, "float32")))

    def decode_logits(self, z):
        return self.decoder(z)

    def decode(self, z):
        """Pixel probabilities of p(x|z), shaped like images."""
        probs = ops.sigmoid(self.decode_logits(ops.convert_to_tensor(z, "float32")))
        return ops.reshape(probs, (-1, *self.image_shape))

    def reconstruct(self, x):
        """p(x|z) at the mean of q(z|x)."""
        mean, _ = self.encode(x)
        return self.decode(mean)

    def sample(self, num, *, labels=None, seed=None):
        """Pixel probabilities of ``num`` images decoded from z ~ N(0, I)."""
        if labels is not None:
            raise ValueError("M1 is unconditional; it takes no labels.")
        z = keras.random.normal((int(num), self.latent_dim), seed=seed)
        return ops.convert_to_numpy(self.decode(z))

    def features(self, images, batch_size=1000, **image_options):
        """The means of q(z|x): M1's latent codes, ``[N, latent_dim]`` (images as
        ``classify`` takes them)."""
        return np.concatenate([ops.convert_to_numpy(self.encode(x)[0]) for x in
                               self.image_batches(images, batch_size, **image_options)])

    def elbo(self, x_binary, seed):
        """ELBO per image and its terms, for binary images."""
        x = flatten(x_binary)
        mean, log_var = self.encoder(x)
        z = elbo.reparameterized_sample(mean, log_var, seed)
        reconstruction = elbo.bernoulli_log_likelihood(x, self.decoder(z))
        kl = elbo.gaussian_kl_to_standard_normal(mean, log_var)
        return reconstruction - kl, reconstruction, kl

    def call(self, x):
        return self.encode(x)

    # -- the engine's protocol ------------------------------------------------
    def compute_objective(self, name, batch, training=True):
        x = binarize(flatten(batch["unlabeled"]["x"]), self.seed_generator)
        bound, reconstruction, kl = self.elbo(x, self.seed_generator)
        prior = elbo.weight_prior_penalty(self.trainable_weights)
        loss = -ops.mean(bound) + self.weight_prior_scale * prior
        return loss, {"elbo": ops.mean(bound), "reconstruction": ops.mean(reconstruction),
                      "kl": ops.mean(kl)}

    def evaluation_sums(self, batch):
        x = binarize(flatten(batch["x"]), self.seed_generator)
        bound, _, _ = self.elbo(x, self.seed_generator)
        return {"neg_elbo": -ops.sum(bound), "count": ops.cast(ops.shape(bound)[0], "float32")}

    def active_dimensions(self, images, threshold=0.1, batch_size=1000):
        """Latent dimensions whose q-mean varies across ``images`` (std > threshold).

        The authors' M1+M2 code feeds M2 only these dimensions of z1.
        """
        means = self.features(images, batch_size=batch_size)
        return [int(d) for d in np.flatnonzero(means.std(axis=0) > threshold)]

    def get_config(self):
        return {**super().get_config(), "image_shape": list(self.image_shape),
                "latent_dim": self.latent_dim, "hidden_units": list(self.hidden_units),
                "activation": self.activation, "init_std": self.init_std,
                "authors_init": self.authors_init,
                "weight_prior_scale": self.weight_prior_scale, "seed": self.seed}
