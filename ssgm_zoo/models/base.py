"""What every zoo model provides to the training engine and to users.

The engine (``ssgm_zoo.training``) only calls the methods below, so a family
adds a model by subclassing ``ZooModel`` and writing its objectives in
``keras.ops``; it never touches gradients, optimizers or backends. A model
that needs a gradient inside its forward pass (a gradient-origin network)
takes it with ``ssgm_zoo.training.gradients.value_and_grad``.

The protocol, in the order the engine uses it:

* ``objectives``: the losses, each an ``Objective`` naming the data streams it
  reads and whether it draws batches of its own (a GAN's generator and
  discriminator read different unlabeled batches); one optimizer each,
  updated in this order every step;
* ``objective_variables(name)``: what each objective updates;
  ``disjoint_objectives = True`` makes the engine check that no variable is
  updated by two objectives;
* ``prepare_training_data(arrays)``: once per stream, before training;
* ``initialize(batch)``: once, before the first step of a new run (not on
  resume), for data-dependent initialisation;
* ``compute_objective(name, batch, training)`` -> ``(loss, {term: value})``;
* ``after_updates()``: inside every step, after all objectives' updates
  (averages of the weights, such as a GAN's moving average of its
  discriminator), changing only non-trainable variables;
* ``evaluation_sums(batch)`` / ``finalize_evaluation(totals)``: metrics on
  the evaluation splits; ``generated_metrics(seed)``: metrics on generated
  samples, evaluated beside them.

Users get ``classify`` / ``predict_proba`` (classifiers), ``sample`` and
``sample_grid`` (generators), ``reconstruct`` (autoencoding models) and
``features`` (models with a latent space, used by the latent-classifier
evaluation); the class attributes ``can_classify``, ``can_sample``,
``can_reconstruct``, ``has_features`` and ``conditional`` say which apply.
"""

import dataclasses

import keras
import numpy as np
from keras import ops

__all__ = ["ZooModel", "Objective", "matching_weights"]

SEED_STATE_NAME = "seed_generator_state"


def matching_weights(source, target):
    """``(weight of source, the same weight of target)`` for two networks built alike
    (a weight average, a teacher, the copy a zoo entry ships), matched by each
    weight's path below its network's name; random-state weights are left out."""
    def relative(w, owner):
        prefix = owner.name + "/"
        return w.path[len(prefix):] if w.path.startswith(prefix) else w.path

    targets = {relative(w, target): w for w in target.weights}
    return [(w, targets[relative(w, source)]) for w in source.weights
            if w.name != SEED_STATE_NAME]


@dataclasses.dataclass(frozen=True)
class Objective:
    """One loss the engine minimises with an optimizer of its own.

    Args:
        name: the objective's name (also the prefix of its logged metrics when
            a model has several).
        streams: the training streams its batch holds (e.g. ``("labeled",
            "unlabeled")``); None for every stream.
        own_batches: True to draw batches independent of the other
            objectives' (the streams are still stored once on the device);
            False to share each step's batch with the other objectives that
            also share.

    Example:
    >>> Objective("generator", streams=("unlabeled",), own_batches=True).name
    'generator'
    """

    name: str
    streams: tuple = None
    own_batches: bool = False


class ZooModel(keras.Model):
    """Base class of ssgm-zoo models.

    Subclasses create every sublayer *and its weights* in ``__init__`` (JAX
    compiled steps cannot create variables lazily), list every constructor
    argument in ``get_config``, and implement ``compute_objective``.
    """

    #: The losses the engine optimises, in update order.
    objectives = (Objective("loss"),)
    #: True when no variable may be updated by two objectives (checked by the engine).
    disjoint_objectives = False
    #: What users can ask of the model.
    can_classify = False
    can_sample = False
    can_reconstruct = False
    has_features = False
    #: True when ``sample`` takes class labels.
    conditional = False
    #: The attribute holding a sub-model whose weights an entry may take from
    #: another entry (``EntryRecord.base_entry``), or None.
    shared_submodel = None

    def objective_variables(self, name):
        """Trainable variables updated by objective ``name`` (default: all)."""
        del name
        return self.trainable_variables

    def compute_objective(self, name, batch, training=True):
        """``(loss, {term: scalar})`` of objective ``name`` on ``batch``
        (``{stream: {key: array}}`` holding the objective's streams)."""
        raise NotImplementedError

    def prepare_training_data(self, arrays):
        """Maps a stream's arrays once, before training, to what the steps read.

        The default is the identity; a model with a frozen front end computes it
        here once instead of in every step (M1+M2 stores q(z1|x)'s parameters).
        """
        return arrays

    def initialize(self, batch):
        """Runs once before the first training step of a new run, eagerly.

        ``batch`` is ``{stream: {key: array}}`` with one batch of every stream.
        The default does nothing; weight-normalised layers set their scales
        and biases from it (data-dependent initialisation).
        """
        del batch

    def after_updates(self):
        """Runs inside every training step, after every objective's update.

        It may assign non-trainable variables only (a moving average of some
        weights, a step counter); the engine keeps those assignments on both
        backends. The default does nothing, and the engine skips the call for
        models that do not override it.
        """

    def for_entry(self):
        """The model a zoo entry ships: by default this trained model itself.

        A family may return a lighter model of the same class that classifies
        and samples exactly as this one evaluates, without the weights only
        training needs (a weight average's source, a history of past weights).
        """
        return self

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

    def generated_metrics(self, seed):
        """Metrics on generated samples, logged as ``generated_<name>`` at each evaluation.

        The default has none (an empty dict); the engine calls it eagerly with
        a fixed ``seed``, so the values of different epochs are comparable.
        """
        del seed
        return {}

    # -- user-facing helpers ----------------------------------------------
    def class_logits(self, x, training=False):
        raise NotImplementedError(f"{type(self).__name__} is not a classifier.")

    def image_batches(self, images, batch_size=1000, *, invert=False, check_polarity=True,
                      verbose=0):
        """User images, checked once and yielded as float32 batches in [0, 1].

        The one conversion the command line uses too (``ssgm_zoo.images``):
        ``[N, H, W, C]``, ``[N, H, W]`` (one channel) or ``[N, H*W*C]``;
        integers 0 .. 255 (scaled by 1/255) or floats in [0, 1]. Grayscale
        images are expected light on dark, like MNIST: images that look
        inverted are refused unless ``invert=True`` (use ``1 - x``) or
        ``check_polarity=False`` (use them as they are). ``verbose=1`` shows a
        progress bar.

        Raises:
            ValueError (``ssgm_zoo.images.InputError``): naming what is wrong
                with the input or the batch size.
        """
        from ssgm_zoo import images as checks

        checked = checks.check_images(images, self.image_shape)
        batch_size = checks.check_batch_size(batch_size)
        if check_polarity and not invert:
            checks.check_polarity(checked, fix="invert=True")
        bar = keras.utils.Progbar(len(checked), unit_name="image") if verbose else None
        for lo in range(0, len(checked), batch_size):
            x = checks.to_unit_float(checked[lo : lo + batch_size])
            yield (1.0 - x) if invert else x
            if bar is not None:
                bar.update(min(lo + batch_size, len(checked)))

    def evaluation_metrics(self, images, labels=None, batch_size=1000):
        """The metrics the training evaluation logs (``evaluation_sums`` summed over
        batches, then ``finalize_evaluation``), computed eagerly on ``images``.

        ``labels`` (int ``[N]``) are required by models whose metrics need them
        (classifiers); images are used as they are (no polarity check).
        """
        labels = None if labels is None else np.asarray(labels)
        totals = {}
        for k, x in enumerate(self.image_batches(images, batch_size, check_polarity=False)):
            batch = {"x": x}
            if labels is not None:
                batch["y"] = labels[k * batch_size:(k + 1) * batch_size]
            for key, value in self.evaluation_sums(batch).items():
                totals[key] = totals.get(key, 0.0) + float(value)
        return self.finalize_evaluation(totals)

    def classify(self, images, batch_size=1000, **image_options):
        """Predicted class of each image.

        Args:
            images: as ``image_batches`` takes them (e.g. uint8 ``[N, 28, 28]``
                or floats in [0, 1] ``[N, 28, 28, 1]``).
            batch_size: images per forward pass.
            **image_options: ``invert``, ``check_polarity``, ``verbose`` of
                ``image_batches``.

        Returns:
            int64 numpy array ``[N]``.
        """
        return np.argmax(self.predict_proba(images, batch_size=batch_size, **image_options),
                         axis=-1)

    def predict_proba(self, images, batch_size=1000, **image_options):
        """Class probabilities ``q(y|x)`` as a numpy array ``[N, num_classes]``
        (arguments as for ``classify``)."""
        if not self.can_classify:
            raise NotImplementedError(f"{type(self).__name__} is not a classifier.")
        out = [ops.convert_to_numpy(ops.softmax(self.class_logits(ops.convert_to_tensor(x)),
                                                axis=-1))
               for x in self.image_batches(images, batch_size, **image_options)]
        return np.concatenate(out)

    def features(self, images, batch_size=1000, **image_options):
        """Latent codes of images as a numpy array ``[N, D]`` (models with ``has_features``;
        arguments as for ``classify``)."""
        raise NotImplementedError(f"{type(self).__name__} has no latent features.")

    def sample(self, num, *, labels=None, seed=None):
        """``num`` generated images ``[num, H, W, C]`` in [0, 1] (models with ``can_sample``).

        Conditional models take ``labels`` (one class per image; by default
        the classes in turn), the others refuse them.
        """
        raise NotImplementedError(f"{type(self).__name__} does not generate images.")

    def reconstruct(self, images, batch_size=1000, size=None):
        """Reconstructions of images ``[N, R, R, C]`` in [0, 1] (models with
        ``can_reconstruct``); ``size`` asks for another resolution where the model
        can render one."""
        raise NotImplementedError(f"{type(self).__name__} does not reconstruct images.")

    def sample_grid(self, rows, *, columns=10, label=None, seed=None):
        """A grid ``[rows, columns, H, W, C]`` of generated images.

        The default fills it with ``sample``; conditional models may show one
        style per row and one class per column instead (see the subclass).
        """
        if label is not None and not self.conditional:
            raise ValueError(f"{type(self).__name__} is unconditional; it takes no class.")
        labels = None if label is None else np.full(rows * columns, int(label))
        images = self.sample(rows * columns, labels=labels, seed=seed)
        return images.reshape(rows, columns, *images.shape[1:])

    def _check_labels(self, labels, num):
        """Class labels for ``num`` conditional samples: given, or the classes in turn."""
        if labels is None:
            return np.arange(int(num)) % self.num_classes
        labels = np.asarray(labels)
        if labels.ndim != 1 or labels.dtype.kind not in "iu":
            raise ValueError(f"labels must be a 1-D array of class indices, got shape "
                             f"{labels.shape} and dtype {labels.dtype}.")
        if labels.size and (labels.min() < 0 or labels.max() >= self.num_classes):
            raise ValueError(f"labels must lie in [0, {self.num_classes}), got values from "
                             f"{labels.min()} to {labels.max()}.")
        return labels.astype("int32")
