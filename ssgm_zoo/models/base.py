"""What every zoo model provides to the training engine and to users.

The engine (``ssgm_zoo.training``) only calls the methods below, so a family
adds a model by subclassing ``ZooModel`` and writing its objective in
``keras.ops``; it never touches gradients, optimizers or backends.
"""

import keras
import numpy as np
from keras import ops

__all__ = ["ZooModel"]

SEED_STATE_NAME = "seed_generator_state"


class ZooModel(keras.Model):
    """Base class of ssgm-zoo models.

    Subclasses create every sublayer *and its weights* in ``__init__`` (JAX
    compiled steps cannot create variables lazily) and implement:

    * ``compute_objective(name, batch, training)`` -> ``(loss, {term: value})``
      for each name in ``objectives`` (one objective for VAEs, two for GANs);
    * ``evaluation_sums(batch)`` -> per-batch sums that
      ``finalize_evaluation`` turns into metrics (defaults: classification
      errors for models that can ``classify``).
    """

    #: Names of the objectives the engine optimises, in update order.
    objectives = ("loss",)

    def objective_variables(self, name):
        """Trainable variables updated by objective ``name`` (default: all)."""
        del name
        return self.trainable_variables

    def compute_objective(self, name, batch, training=True):
        raise NotImplementedError

    def prepare_training_data(self, arrays):
        """Maps a stream's arrays once, before training, to what the steps read.

        The default is the identity; a model with a frozen front end computes it
        here once instead of in every step (M1+M2 stores q(z1|x)'s parameters).
        """
        return arrays

    def reset_random_state(self, seed):
        """Re-seeds every seed generator in the model from ``seed``."""
        generators = [v for v in self.non_trainable_variables if v.name == SEED_STATE_NAME]
        for k, state in enumerate(generators):
            state.assign(np.array([seed, k], dtype=state.dtype))

    # -- evaluation -------------------------------------------------------
    def evaluation_sums(self, batch):
        """Sums over one evaluation batch ``{"x": images, "y": labels}``."""
        logits = self.class_logits(batch["x"], training=False)
        wrong = ops.not_equal(ops.argmax(logits, axis=-1), ops.cast(batch["y"], "int32"))
        return {"errors": ops.sum(ops.cast(wrong, "float32")),
                "count": ops.cast(ops.shape(wrong)[0], "float32")}

    def finalize_evaluation(self, totals):
        """Turns summed ``evaluation_sums`` into metrics."""
        count = totals.pop("count")
        out = {k: v / count for k, v in totals.items()}
        if "errors" in out:
            out["error_rate"] = out.pop("errors")
        return out

    # -- user-facing helpers ----------------------------------------------
    def class_logits(self, x, training=False):
        raise NotImplementedError(f"{type(self).__name__} is not a classifier.")

    def classify(self, images, batch_size=1000):
        """Predicted class of each image.

        Args:
            images: array ``[N, H, W, C]`` (or ``[N, H*W*C]``) in [0, 1].
            batch_size: images per forward pass.

        Returns:
            int64 numpy array ``[N]``.
        """
        return np.argmax(self.predict_proba(images, batch_size=batch_size), axis=-1)

    def predict_proba(self, images, batch_size=1000):
        """Class probabilities ``q(y|x)`` as a numpy array ``[N, num_classes]``."""
        images = np.asarray(images, dtype="float32")
        out = []
        for lo in range(0, len(images), batch_size):
            logits = self.class_logits(ops.convert_to_tensor(images[lo : lo + batch_size]))
            out.append(ops.convert_to_numpy(ops.softmax(logits, axis=-1)))
        return np.concatenate(out) if out else np.zeros((0, self.num_classes), "float32")
