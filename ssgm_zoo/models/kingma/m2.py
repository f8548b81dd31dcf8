"""M2: the generative semi-supervised model (Kingma et al. 2014, section 2.2)."""

import keras
import numpy as np
from keras import ops

from ssgm_zoo.models.base import ZooModel
from ssgm_zoo.models.kingma import elbo
from ssgm_zoo.models.kingma.m1 import binarize
from ssgm_zoo.models.kingma.networks import MLP, GaussianHead, _initializer, flatten

__all__ = ["M2"]

LIKELIHOODS = ("bernoulli", "gaussian")
DECODER_VARIANCES = ("per_dimension", "per_example")


@keras.saving.register_keras_serializable(package="ssgm_zoo")
class M2(ZooModel):
    """p(x|y,z) p(y) p(z) with inference networks q(z|x,y) and q(y|x).

    The objective is eq. 9 of the paper, normalised per training example:

        J_alpha = sum_labeled -L(x, y) + sum_unlabeled -U(x)
                  + alpha * N_total/N_labeled * sum_labeled -log q(y|x)

    where L is the labeled bound (eq. 6), U the unlabeled bound with y summed
    out exactly over the classes (eq. 7), and the classification weight is
    ``alpha`` scaled by the ratio of total to labeled examples as in the
    authors' code. Minibatch means stand in for the sums.

    Args:
        data_shape: shape of one input: ``(28, 28, 1)`` images, or ``(d,)`` features.
        num_classes: number of classes.
        latent_dim: dimension of z.
        hidden_units: hidden layer sizes of each network.
        likelihood: ``"bernoulli"`` for binarised images, ``"gaussian"`` for
            real features (M1+M2's p(z1|y,z2)).
        decoder_variance: the Gaussian likelihood's log-variance:
            ``"per_dimension"``, one learned value per feature, or
            ``"per_example"``, a linear layer on the decoder's last hidden layer
            as in the authors' code (ignored for ``"bernoulli"``).
        alpha: the classification weight before scaling (0.1).
        num_labeled: labeled examples in the training set.
        num_unlabeled: unlabeled examples in the training set.
        activation: hidden activation (softplus).
        init_std: standard deviation of the initial weights (the authors'
            1e-3), or None for Glorot-uniform.
        authors_init: the rest of the authors' initialisation (needs
            ``init_std``): the VAE networks' hidden biases drawn like the weights,
            q(z|x,y)'s log-variance layer starting at zero.
        weight_prior: add the authors' N(0, I) prior on the weights.
        kl_weight_start: our departure, not the authors': in training, the
            weight of KL(q(z|x,y) || p(z)) in both bounds starts here and falls
            linearly to 1 over ``kl_weight_steps`` steps. Above 1 it makes z a
            dearer carrier of the class than y in the early steps (1: the
            exact bounds throughout). The training metrics ``labeled_bound``
            and ``unlabeled_bound`` carry the same weight while it lasts.
        kl_weight_steps: the steps of that schedule (0: none).
        seed: seeds initialisation and the model's random state.

    Example:
    >>> model = M2(hidden_units=(32,), latent_dim=4)
    >>> model.sample(2, labels=[0, 1], seed=0).shape
    (2, 28, 28, 1)
    >>> model.sample_grid(3, seed=0).shape  # one style per row, one class per column
    (3, 10, 28, 28, 1)
    """

    can_classify = True
    can_sample = True
    conditional = True

    def __init__(self, data_shape=(28, 28, 1), num_classes=10, latent_dim=50,
                 hidden_units=(500,), likelihood="bernoulli", alpha=0.1, num_labeled=100,
                 num_unlabeled=50000, activation="softplus", init_std=1e-3, weight_prior=True,
                 seed=None, authors_init=False, decoder_variance="per_dimension",
                 kl_weight_start=1.0, kl_weight_steps=0, **kwargs):
        super().__init__(**kwargs)
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"likelihood must be one of {LIKELIHOODS}, got {likelihood!r}.")
        if decoder_variance not in DECODER_VARIANCES:
            raise ValueError(f"decoder_variance must be one of {DECODER_VARIANCES}, "
                             f"got {decoder_variance!r}.")
        if float(kl_weight_start) <= 0 or int(kl_weight_steps) < 0:
            raise ValueError("kl_weight_start must be > 0 and kl_weight_steps >= 0, got "
                             f"{kl_weight_start} and {kl_weight_steps}.")
        if num_labeled < 1 or num_unlabeled < 0:
            raise ValueError("num_labeled must be >= 1 and num_unlabeled >= 0.")
        self.data_shape = tuple(int(s) for s in data_shape)
        self.data_dim = int(np.prod(self.data_shape))
        self.num_classes = int(num_classes)
        self.latent_dim = int(latent_dim)
        self.hidden_units = tuple(int(u) for u in hidden_units)
        self.likelihood = likelihood
        self.alpha = float(alpha)
        self.num_labeled = int(num_labeled)
        self.num_unlabeled = int(num_unlabeled)
        self.activation = activation
        self.init_std = None if init_std is None else float(init_std)
        self.weight_prior = bool(weight_prior)
        self.seed = seed
        self.authors_init = bool(authors_init)
        self.decoder_variance = decoder_variance
        self.kl_weight_start = float(kl_weight_start)
        self.kl_weight_steps = int(kl_weight_steps)
        s = None if seed is None else int(seed) * 1000
        d, k, h = self.data_dim, self.num_classes, self.hidden_units
        bias_std = self.init_std if self.authors_init else 0.0
        # The authors' q(y|x) starts with zero biases; their VAE networks do not.
        self.classifier = MLP(d, h, activation, output_dim=k, init_std=init_std, seed=s,
                              name="classifier")
        self.encoder = GaussianHead(d + k, h, self.latent_dim, activation, init_std,
                                    authors_init=self.authors_init,
                                    seed=None if s is None else s + 300, name="encoder")
        self.decoder = MLP(self.latent_dim + k, h[::-1], activation, output_dim=d,
                           init_std=init_std, hidden_bias_std=bias_std,
                           seed=None if s is None else s + 600, name="decoder")
        self.decoder_log_var_layer = None
        if likelihood == "gaussian" and decoder_variance == "per_example":
            self.decoder_log_var_layer = keras.layers.Dense(
                d, kernel_initializer=_initializer(init_std, None if s is None else s + 900),
                name="decoder_log_var_out")
            self.decoder_log_var_layer.build((None, h[0]))
        elif likelihood == "gaussian":
            self.decoder_log_var = self.add_weight(shape=(d,), initializer="zeros",
                                                   name="decoder_log_var")
        self.seed_generator = keras.random.SeedGenerator(0 if seed is None else int(seed))
        # Training steps taken, for the KL weight's schedule (only a model that
        # has one holds the counter, so other models' weight files are unchanged).
        self.steps = None
        if self.kl_weight_steps:
            self.steps = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                         name="steps")
        self.built = True

    @property
    def image_shape(self):
        return self.data_shape

    # -- inputs ---------------------------------------------------------------
    def input_vectors(self, x, training=False):
        """The vectors the model is a density over. Images: flattened, and
        dynamically binarised when training with a Bernoulli likelihood."""
        x = flatten(ops.convert_to_tensor(x, "float32"))
        if training and self.likelihood == "bernoulli":
            x = binarize(x, self.seed_generator)
        return x

    def training_vectors(self, arrays):
        """Input vectors of one stream's training batch (``arrays`` as the engine gathered it)."""
        return self.input_vectors(arrays["x"], training=True)

    # -- the bounds -----------------------------------------------------------
    def class_logits(self, x, training=False):
        """Logits of q(y|x)."""
        return self.classifier(self.input_vectors(x, training=training))

    def _decode(self, z, y_onehot):
        return self._decode_with_log_var(z, y_onehot)[0]

    def _decode_with_log_var(self, z, y_onehot):
        """p(x|y,z)'s logits (Bernoulli), or its mean and log-variance (Gaussian)."""
        hidden = self.decoder.hidden_output(ops.concatenate([z, y_onehot], axis=-1))
        decoded = self.decoder.output_layer(hidden)
        if self.likelihood == "bernoulli":
            return decoded, None
        if self.decoder_log_var_layer is not None:
            return decoded, self.decoder_log_var_layer(hidden)
        return decoded, ops.broadcast_to(self.decoder_log_var, ops.shape(decoded))

    def _log_likelihood(self, x, decoded, log_var=None):
        if self.likelihood == "bernoulli":
            return elbo.bernoulli_log_likelihood(x, decoded)
        return elbo.gaussian_log_likelihood(x, decoded, log_var)

    def labeled_bound(self, x, y_onehot, eps, kl_weight=1.0):
        """L(x, y) = E_q(z|x,y)[log p(x|y,z)] + log p(y) - KL(q(z|x,y) || p(z)) (eq. 6).

        Args:
            x: feature vectors ``[B, D]``.
            y_onehot: one-hot labels ``[B, K]``.
            eps: standard normal noise ``[B, latent_dim]`` for the reparameterised z.
            kl_weight: the KL term's weight (1: the bound).
        """
        mean, log_var = self.encoder(ops.concatenate([x, y_onehot], axis=-1))
        return self._bound_given_posterior(x, y_onehot, mean, log_var, eps, kl_weight)

    def _bound_given_posterior(self, x, y_onehot, mean, log_var, eps, kl_weight=1.0):
        z = mean + ops.exp(0.5 * log_var) * eps
        log_px = self._log_likelihood(x, *self._decode_with_log_var(z, y_onehot))
        log_py = -np.log(self.num_classes)  # uniform p(y)
        return log_px + log_py - kl_weight * elbo.gaussian_kl_to_standard_normal(mean, log_var)

    def kl_weight(self):
        """The training KL weight at the current step (``kl_weight_start`` -> 1)."""
        if self.steps is None:
            return ops.convert_to_tensor(1.0, "float32")
        done = ops.clip(ops.cast(self.steps, "float32") / self.kl_weight_steps, 0.0, 1.0)
        return self.kl_weight_start + (1.0 - self.kl_weight_start) * done

    def after_updates(self):
        if self.steps is not None:
            self.steps.assign(self.steps + 1.0)

    def unlabeled_bound(self, x, eps, logits=None, kl_weight=1.0):
        """U(x) = sum_y q(y|x) L(x, y) + H(q(y|x)) (eq. 7), y summed out exactly.

        Args:
            x: feature vectors ``[B, D]``.
            eps: noise ``[B, K, latent_dim]``, one draw per (example, class).
            logits: q(y|x) logits if already computed.
            kl_weight: the KL term's weight in each L(x, y) (1: the bound).
        """
        b, k = ops.shape(x)[0], self.num_classes
        logits = self.classifier(x) if logits is None else logits
        # Every example paired with every class: rows (i, y) in example-major order.
        # q(z|x,y) shares its first layer's product with x across the classes.
        mean, log_var = self.encoder.call_per_class(x, k)
        x_all = ops.repeat(x, k, axis=0)
        y_all = ops.tile(ops.eye(k, dtype=x.dtype), (b, 1))
        bounds = ops.reshape(self._bound_given_posterior(
            x_all, y_all, mean, log_var, ops.reshape(eps, (-1, self.latent_dim)), kl_weight),
            (b, k))
        q = ops.softmax(logits, axis=-1)
        return ops.sum(q * bounds, axis=-1) + elbo.categorical_entropy(logits)

    def _noise(self, *batch_shape):
        return keras.random.normal((*batch_shape, self.latent_dim), seed=self.seed_generator)

    # -- the engine's protocol ------------------------------------------------
    def compute_objective(self, name, batch, training=True):
        x_l = self.training_vectors(batch["labeled"])
        y_l = ops.one_hot(ops.cast(batch["labeled"]["y"], "int32"), self.num_classes)
        x_u = self.training_vectors(batch["unlabeled"])
        n_l, n_u = self.num_labeled, self.num_unlabeled
        total = n_l + n_u

        kl_weight = self.kl_weight()
        labeled = self.labeled_bound(x_l, y_l, self._noise(ops.shape(x_l)[0]), kl_weight)
        unlabeled = self.unlabeled_bound(x_u, self._noise(ops.shape(x_u)[0], self.num_classes),
                                         kl_weight=kl_weight)
        logits_l = self.classifier(x_l)
        log_q_y = ops.sum(y_l * ops.log_softmax(logits_l, axis=-1), axis=-1)

        loss = ((n_l / total) * -ops.mean(labeled) + (n_u / total) * -ops.mean(unlabeled)
                + self.alpha * -ops.mean(log_q_y))
        if self.weight_prior:
            loss += elbo.weight_prior_penalty(self.trainable_weights) / total
        accuracy = ops.mean(ops.cast(ops.argmax(logits_l, -1) == ops.argmax(y_l, -1), "float32"))
        terms = {"labeled_bound": ops.mean(labeled), "unlabeled_bound": ops.mean(unlabeled),
                 "classification_nll": -ops.mean(log_q_y), "labeled_accuracy": accuracy}
        if self.steps is not None:
            terms["kl_weight"] = kl_weight
        return loss, terms

    # -- users ----------------------------------------------------------------
    def call(self, x):
        return self.class_logits(x)

    def decode_mean(self, z, labels):
        """Mean of p(x|y,z): pixel probabilities (Bernoulli) or feature means (Gaussian)."""
        y = ops.one_hot(ops.convert_to_tensor(labels, "int32"), self.num_classes)
        decoded = self._decode(ops.convert_to_tensor(z, "float32"), y)
        return ops.sigmoid(decoded) if self.likelihood == "bernoulli" else decoded

    def to_images(self, decoded):
        return ops.reshape(decoded, (-1, *self.data_shape))

    def sample(self, num=None, *, labels=None, z=None, seed=None):
        """Class-conditional samples: the mean of p(x|y, z) for each label.

        Args:
            num: number of samples (default: one per label).
            labels: class of each sample (default: the classes in turn).
            z: latent codes ``[num, latent_dim]``; drawn from N(0, I) if None.
            seed: seed for z.

        Returns:
            numpy images ``[num, *image shape]``.
        """
        if num is None:
            if labels is None:
                raise ValueError("Give the number of samples, their labels, or both.")
            num = len(labels)
        labels = self._check_labels(labels, num)
        if len(labels) != int(num):
            raise ValueError(f"{len(labels)} labels for {num} samples; give one per sample.")
        if z is None:
            z = keras.random.normal((int(num), self.latent_dim), seed=seed)
        return ops.convert_to_numpy(self.to_images(self.decode_mean(z, labels)))

    def sample_grid(self, rows, *, columns=None, label=None, seed=None):
        """A grid of samples: without ``label``, the paper's figure 1 (``analogies``:
        one z per row, one class per column); with it, ``rows x columns`` samples
        of that class."""
        if label is None:
            if columns not in (None, self.num_classes):
                raise ValueError(f"The analogies grid has one column per class "
                                 f"({self.num_classes}).")
            return self.analogies(rows, seed=seed)
        columns = columns or self.num_classes
        images = self.sample(rows * columns, labels=np.full(rows * columns, int(label)),
                             seed=seed)
        return images.reshape(rows, columns, *images.shape[1:])

    def analogies(self, num_styles, seed=None):
        """The paper's figure 1 grid: ``num_styles`` z's, each decoded with every class.

        Returns:
            numpy images ``[num_styles, num_classes, *image shape]``.
        """
        z = keras.random.normal((int(num_styles), self.latent_dim), seed=seed)
        z = ops.repeat(z, self.num_classes, axis=0)
        labels = np.tile(np.arange(self.num_classes), int(num_styles))
        images = self.sample(labels=labels, z=z)
        return images.reshape(int(num_styles), self.num_classes, *images.shape[1:])

    def reconstruct(self, x, labels=None):
        """Mean of p(x|y, z) at z = mean of q(z|x, y); y = argmax q(y|x) if not given."""
        vectors = self.input_vectors(x)
        if labels is None:
            labels = ops.argmax(self.classifier(vectors), axis=-1)
        y = ops.one_hot(ops.convert_to_tensor(labels, "int32"), self.num_classes)
        mean, _ = self.encoder(ops.concatenate([vectors, y], axis=-1))
        return ops.convert_to_numpy(self.to_images(self.decode_mean(mean, labels)))

    def get_config(self):
        return {**super().get_config(), "data_shape": list(self.data_shape),
                "num_classes": self.num_classes, "latent_dim": self.latent_dim,
                "hidden_units": list(self.hidden_units), "likelihood": self.likelihood,
                "alpha": self.alpha, "num_labeled": self.num_labeled,
                "num_unlabeled": self.num_unlabeled, "activation": self.activation,
                "init_std": self.init_std, "weight_prior": self.weight_prior,
                "seed": self.seed, "authors_init": self.authors_init,
                "decoder_variance": self.decoder_variance,
                "kl_weight_start": self.kl_weight_start, "kl_weight_steps": self.kl_weight_steps}
