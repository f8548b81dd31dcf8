"""Classifiers for MNIST with few labels: a supervised CNN, pseudo-labeling, mean teacher.

Every model holds one network (``networks.py``) and one augmentation
(``augment.py``, applied in training only) and trains through the shared
engine:

* ``CNNClassifier``: cross-entropy on the labeled images only; the lab's
  baseline and its techniques (optimizer, dropout, augmentation,
  initialisation) are configs of it.
* ``PseudoLabel`` (Lee 2013, "Pseudo-Label: the simple and efficient
  semi-supervised learning method for deep neural networks"): the unlabeled
  images' cross-entropy against the network's own most probable class,
  weighted by ``alpha(t)``, which rises linearly from 0 at step
  ``ramp_start`` to ``unlabeled_weight`` at ``ramp_end``. The targets come
  from the network in evaluation mode on the unaugmented image and carry no
  gradient; with ``threshold > 0`` only targets whose probability reaches it
  count (the confidence mask of Sohn et al. 2020's FixMatch), and the sum is
  still divided by the whole batch.
* ``MeanTeacher`` (Tarvainen & Valpola 2017): a teacher whose weights are an
  exponential moving average of the student's (decay ``min(1 - 1/(t+1),
  ema_decay)``, as their code) gives targets on a second augmentation of the
  same images; the consistency cost is the squared distance between the two
  softmax outputs, summed over classes and averaged over the batch (labeled
  and unlabeled images), weighted by ``consistency_weight * exp(-5 (1 -
  t/rampup_steps)^2)`` until ``rampup_steps`` and by ``consistency_weight``
  after. The teacher classifies.

``t`` is the number of training steps taken, kept in the model (``steps``),
so a resumed run continues its schedules.
"""

import keras
from keras import ops

from ssgm_zoo.models.base import Objective, ZooModel, matching_weights
from ssgm_zoo.models.ssl_cnn.augment import DigitAugmentation
from ssgm_zoo.models.ssl_cnn.networks import make_network

__all__ = ["CNNClassifier", "PseudoLabel", "MeanTeacher", "AUGMENTATION_KEYS"]

AUGMENTATION_KEYS = ("max_rotation", "max_shift", "max_scale", "max_shear", "elastic_alpha",
                     "elastic_sigma", "probability")


def _cross_entropy(logits, labels):
    """Mean cross-entropy of integer ``labels`` under ``logits``."""
    labels = ops.cast(labels, "int32")
    return ops.mean(ops.logsumexp(logits, axis=-1)
                    - ops.take_along_axis(logits, labels[:, None], axis=-1)[:, 0])


@keras.saving.register_keras_serializable(package="ssgm_zoo.ssl_cnn")
class CNNClassifier(ZooModel):
    """A CNN trained on the labeled images alone (the supervised baseline).

    Args:
        network: ``"lab"`` (the PyTorch MNIST example's CNN) or ``"convnet"``.
        image_shape: ``(H, W, C)``.
        num_classes: the classes.
        filters, dense_units: the ``convnet``'s widths (unused by ``lab``).
        dropout: the network's dropout rate (0: none).
        initializer: ``"torch"``, ``"he_normal"`` or ``"glorot_uniform"``.
        augmentation: ``{key: value}`` of ``DigitAugmentation``'s arguments
            (``max_rotation``, ``max_shift``, ``max_scale``, ``max_shear``,
            ``elastic_alpha``, ``elastic_sigma``); None or ``{}``: none.
        seed: initialiser, dropout and augmentation seed.

    Example:
    >>> import numpy as np
    >>> model = CNNClassifier(seed=0)
    >>> model.predict_proba(np.zeros((2, 28, 28, 1), "float32")).shape
    (2, 10)
    """

    objectives = (Objective("loss", streams=("labeled",)),)
    can_classify = True

    def __init__(self, network="lab", image_shape=(28, 28, 1), num_classes=10,
                 filters=(32, 64, 128), dense_units=(128,), dropout=0.5, initializer="torch",
                 augmentation=None, seed=0, **kwargs):
        super().__init__(**kwargs)
        augmentation = dict(augmentation or {})
        unknown = sorted(set(augmentation) - set(AUGMENTATION_KEYS))
        if unknown:
            raise ValueError(f"Unknown augmentation settings {unknown}; the known ones are "
                             f"{', '.join(AUGMENTATION_KEYS)}.")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"dropout must lie in [0, 1), got {dropout}.")
        self.network_name = network
        self.image_shape = tuple(int(s) for s in image_shape)
        self.num_classes = int(num_classes)
        self.filters = tuple(int(f) for f in filters)
        self.dense_units = tuple(int(u) for u in dense_units)
        self.dropout, self.initializer, self.seed = float(dropout), initializer, int(seed)
        self.augmentation = {k: float(v) for k, v in augmentation.items()}
        self.network = self._make_network("network")
        self.augment = DigitAugmentation(**self.augmentation, seed=self.seed + 1000,
                                         name="augment")
        self.steps = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                     name="steps")
        self.built = True

    def _make_network(self, name):
        return make_network(self.network_name, image_shape=self.image_shape,
                            num_classes=self.num_classes, dropout=self.dropout,
                            initializer=self.initializer, seed=self.seed, filters=self.filters,
                            dense_units=self.dense_units, name=name)

    def objective_variables(self, name):
        del name
        return self.network.trainable_variables

    def class_logits(self, x, training=False):
        return self.network(ops.convert_to_tensor(x, "float32"), training=training)

    def supervised_loss(self, labeled):
        """Cross-entropy of the augmented labeled images."""
        logits = self.network(self.augment(labeled["x"], training=True), training=True)
        return _cross_entropy(logits, labeled["y"])

    def compute_objective(self, name, batch, training=True):
        loss = self.supervised_loss(batch["labeled"])
        return loss, {"supervised": loss}

    def after_updates(self):
        self.steps.assign(self.steps + 1.0)

    def get_config(self):
        return {**super().get_config(), "network": self.network_name,
                "image_shape": self.image_shape, "num_classes": self.num_classes,
                "filters": self.filters, "dense_units": self.dense_units,
                "dropout": self.dropout, "initializer": self.initializer,
                "augmentation": dict(self.augmentation), "seed": self.seed}

    def classifier_config(self):
        """The constructor arguments of a plain ``CNNClassifier`` with this network."""
        keys = ("network", "image_shape", "num_classes", "filters", "dense_units", "dropout",
                "initializer", "augmentation", "seed")
        config = self.get_config()
        return {k: config[k] for k in keys}


@keras.saving.register_keras_serializable(package="ssgm_zoo.ssl_cnn")
class PseudoLabel(CNNClassifier):
    """Pseudo-labeling (Lee 2013), with FixMatch's confidence threshold as an option.

    Args:
        unlabeled_weight: ``alpha_f``, the final weight of the unlabeled
            images' cross-entropy (Lee: 3).
        ramp_start, ramp_end: the steps between which the weight rises
            linearly from 0 (``ramp_end <= ramp_start``: the full weight from
            the start).
        threshold: the probability a target needs to count (0: every target,
            as Lee).
        **kwargs: ``CNNClassifier``'s.
    """

    objectives = (Objective("loss", streams=("labeled", "unlabeled")),)

    def __init__(self, unlabeled_weight=3.0, ramp_start=0, ramp_end=0, threshold=0.0,
                 **kwargs):
        super().__init__(**kwargs)
        if float(unlabeled_weight) < 0 or not 0.0 <= float(threshold) < 1.0:
            raise ValueError("unlabeled_weight must be >= 0 and threshold in [0, 1), got "
                             f"{unlabeled_weight} and {threshold}.")
        if int(ramp_start) < 0:
            raise ValueError(f"ramp_start must be >= 0, got {ramp_start}.")
        self.unlabeled_weight, self.threshold = float(unlabeled_weight), float(threshold)
        self.ramp_start, self.ramp_end = int(ramp_start), int(ramp_end)

    def weight(self, step):
        """``alpha(step)``."""
        if self.ramp_end <= self.ramp_start:
            return ops.cast(self.unlabeled_weight, "float32")
        ramp = (ops.cast(step, "float32") - self.ramp_start) / (self.ramp_end - self.ramp_start)
        return self.unlabeled_weight * ops.clip(ramp, 0.0, 1.0)

    def pseudo_label_loss(self, x):
        """``(loss, fraction of targets kept)`` of an unlabeled batch."""
        probabilities = ops.softmax(ops.stop_gradient(self.network(x, training=False)), axis=-1)
        targets = ops.argmax(probabilities, axis=-1)
        keep = ops.cast(ops.max(probabilities, axis=-1) >= self.threshold, "float32")
        logits = self.network(self.augment(x, training=True), training=True)
        per_image = (ops.logsumexp(logits, axis=-1)
                     - ops.take_along_axis(logits, ops.cast(targets, "int32")[:, None],
                                           axis=-1)[:, 0])
        return ops.mean(per_image * keep), ops.mean(keep)

    def compute_objective(self, name, batch, training=True):
        supervised = self.supervised_loss(batch["labeled"])
        unlabeled, kept = self.pseudo_label_loss(batch["unlabeled"]["x"])
        weight = self.weight(self.steps)
        return supervised + weight * unlabeled, {
            "supervised": supervised, "pseudo_label": unlabeled, "weight": weight,
            "kept": kept}

    def get_config(self):
        return {**super().get_config(), "unlabeled_weight": self.unlabeled_weight,
                "ramp_start": self.ramp_start, "ramp_end": self.ramp_end,
                "threshold": self.threshold}


@keras.saving.register_keras_serializable(package="ssgm_zoo.ssl_cnn")
class MeanTeacher(CNNClassifier):
    """Mean teacher (Tarvainen & Valpola 2017): consistency with a weight-averaged teacher.

    Args:
        consistency_weight: the cost's weight after the ramp-up.
        rampup_steps: the steps of the sigmoid-shaped ramp-up (0: none).
        ema_decay: the teacher's decay once ``1 - 1/(t+1)`` exceeds it.
        **kwargs: ``CNNClassifier``'s.
    """

    objectives = (Objective("loss", streams=("labeled", "unlabeled")),)

    def __init__(self, consistency_weight=10.0, rampup_steps=0, ema_decay=0.99, **kwargs):
        super().__init__(**kwargs)
        if float(consistency_weight) < 0 or int(rampup_steps) < 0:
            raise ValueError("consistency_weight and rampup_steps must be >= 0, got "
                             f"{consistency_weight} and {rampup_steps}.")
        if not 0.0 < float(ema_decay) < 1.0:
            raise ValueError(f"ema_decay must lie in (0, 1), got {ema_decay}.")
        self.consistency_weight = float(consistency_weight)
        self.rampup_steps, self.ema_decay = int(rampup_steps), float(ema_decay)
        self.teacher = self._make_network("teacher")
        self.teacher.trainable = False
        for w, t in matching_weights(self.network, self.teacher):
            t.assign(w)

    def weight(self, step):
        """The consistency weight at ``step``."""
        if not self.rampup_steps:
            return ops.cast(self.consistency_weight, "float32")
        phase = 1.0 - ops.clip(ops.cast(step, "float32") / self.rampup_steps, 0.0, 1.0)
        return self.consistency_weight * ops.exp(-5.0 * phase * phase)

    def consistency_loss(self, x):
        """Mean over images of the squared distance between student and teacher softmaxes,
        each on its own augmentation of ``x``."""
        student = ops.softmax(self.network(self.augment(x, training=True), training=True))
        teacher = ops.softmax(ops.stop_gradient(
            self.teacher(self.augment(x, training=True), training=True)))
        return ops.mean(ops.sum(ops.square(student - teacher), axis=-1))

    def compute_objective(self, name, batch, training=True):
        supervised = self.supervised_loss(batch["labeled"])
        x = ops.concatenate([batch["labeled"]["x"], batch["unlabeled"]["x"]], axis=0)
        consistency = self.consistency_loss(x)
        weight = self.weight(self.steps)
        return supervised + weight * consistency, {
            "supervised": supervised, "consistency": consistency, "weight": weight}

    def after_updates(self):
        steps = self.steps + 1.0
        self.steps.assign(steps)
        decay = ops.minimum(1.0 - 1.0 / steps, self.ema_decay)
        for w, t in matching_weights(self.network, self.teacher):
            t.assign(decay * t + (1.0 - decay) * ops.cast(w, t.dtype))

    def class_logits(self, x, training=False):
        return self.teacher(ops.convert_to_tensor(x, "float32"), training=training)

    def evaluation_sums(self, batch):
        sums = super().evaluation_sums(batch)
        logits = self.network(ops.convert_to_tensor(batch["x"], "float32"), training=False)
        wrong = ops.not_equal(ops.argmax(logits, axis=-1), ops.cast(batch["y"], "int32"))
        sums["student_errors"] = ops.sum(ops.cast(wrong, "float32"))
        return sums

    def finalize_evaluation(self, totals):
        out = super().finalize_evaluation(totals)
        out["student_error_rate"] = out.pop("student_errors")
        return out

    def for_entry(self):
        """A ``CNNClassifier`` holding the teacher's weights: it classifies as this model
        does, at half the weights."""
        shipped = CNNClassifier.from_config(self.classifier_config())
        for t, w in matching_weights(self.teacher, shipped.network):
            w.assign(t)
        shipped.steps.assign(self.steps)
        return shipped

    def get_config(self):
        return {**super().get_config(), "consistency_weight": self.consistency_weight,
                "rampup_steps": self.rampup_steps, "ema_decay": self.ema_decay}
