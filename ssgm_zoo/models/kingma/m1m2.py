"""M1+M2: M2 trained on the latent space of a frozen, pretrained M1 (Kingma et al. 2014, 2.3)."""

import keras
import numpy as np
from keras import ops

from ssgm_zoo.models.kingma import elbo
from ssgm_zoo.models.kingma.m1 import M1  # noqa: F401  (the docstring example)
from ssgm_zoo.models.kingma.m2 import M2

__all__ = ["M1M2"]


@keras.saving.register_keras_serializable(package="ssgm_zoo")
class M1M2(M2):
    """The stacked model: images -> z1 ~ q(z1|x) of a frozen M1 -> a Gaussian M2 on z1.

    Training features are resampled from q(z1|x) every minibatch; at test time
    the mean of q(z1|x) is used. Only the dimensions of z1 listed in
    ``feature_indices`` reach M2 (the authors keep those whose q-means vary
    across the data, ``M1.active_dimensions``). p(z1|y,z2) is Gaussian, its
    log-variance learned per dimension or, with ``decoder_variance="per_example"``
    as in the authors' code, an output of the decoder.

    Args:
        m1: a trained ``M1`` (or its serialized config); it is frozen.
        feature_indices: the z1 dimensions fed to M2.
        **kwargs: ``M2`` arguments (``data_shape`` and ``likelihood`` are set here).

    Example:
    >>> m1 = M1(latent_dim=8, hidden_units=(32,))
    >>> model = M1M2(m1, feature_indices=[0, 2, 5], hidden_units=(16,), latent_dim=4)
    >>> model.classify(np.zeros((3, 28, 28, 1))).shape
    (3,)
    """

    #: M1's weights may come from another zoo entry (``base_entry``), not stored twice.
    shared_submodel = "m1"

    def __init__(self, m1, feature_indices, **kwargs):
        if isinstance(m1, dict):
            m1 = keras.saving.deserialize_keras_object(m1)
        kwargs.pop("data_shape", None)
        kwargs.pop("likelihood", None)
        self.feature_indices = [int(i) for i in feature_indices]
        if not self.feature_indices:
            raise ValueError("feature_indices is empty: M2 needs at least one z1 dimension.")
        if max(self.feature_indices) >= m1.latent_dim or min(self.feature_indices) < 0:
            raise ValueError(f"feature_indices must lie in [0, {m1.latent_dim}).")
        super().__init__(data_shape=(len(self.feature_indices),), likelihood="gaussian", **kwargs)
        self.m1 = m1
        self.m1.trainable = False

    @property
    def image_shape(self):
        return self.m1.image_shape

    def z1_posterior(self, x):
        """Mean and log-variance of q(z1|x) on the kept dimensions."""
        mean, log_var = self.m1.encode(x)
        take = lambda t: ops.stop_gradient(ops.take(t, self.feature_indices, axis=1))
        return take(mean), take(log_var)

    def input_vectors(self, x, training=False):
        """z1 of images, on the kept dimensions: a sample of q(z1|x) when training, else its mean."""
        mean, log_var = self.z1_posterior(x)
        if training:
            return elbo.reparameterized_sample(mean, log_var, self.seed_generator)
        return mean

    def prepare_training_data(self, arrays, batch_size=5000):
        """Replaces images by q(z1|x)'s parameters, computed once: M1 is frozen, so
        encoding every minibatch again would redo the same work each step."""
        arrays = dict(arrays)
        x = arrays.pop("x")
        parts = [self.z1_posterior(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]
        arrays["z1_mean"] = np.concatenate([ops.convert_to_numpy(m) for m, _ in parts])
        arrays["z1_log_var"] = np.concatenate([ops.convert_to_numpy(v) for _, v in parts])
        return arrays

    def training_vectors(self, arrays):
        # A fresh z1 ~ q(z1|x) for every minibatch (authors' code).
        return elbo.reparameterized_sample(arrays["z1_mean"], arrays["z1_log_var"],
                                           self.seed_generator)

    def decode_mean(self, z, labels):
        """Images: the M1 decoder applied to the mean of p(z1|y, z2).

        z1 dimensions that M2 does not model are set to their prior mean, 0.
        """
        z1_kept = super().decode_mean(z, labels)
        # Scatter the kept dimensions back into z1 with a one-hot projection, so
        # this stays in keras.ops (traceable on either backend).
        projection = ops.one_hot(ops.convert_to_tensor(self.feature_indices, "int32"),
                                 self.m1.latent_dim)
        return self.m1.decode(ops.matmul(z1_kept, projection))

    def to_images(self, decoded):
        return decoded

    def get_config(self):
        config = super().get_config()
        for key in ("data_shape", "likelihood"):
            config.pop(key)
        config["m1"] = keras.saving.serialize_keras_object(self.m1)
        config["feature_indices"] = list(self.feature_indices)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["m1"] = keras.saving.deserialize_keras_object(config["m1"])
        return cls(**config)
