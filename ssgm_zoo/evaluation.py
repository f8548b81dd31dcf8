"""Test metrics of trained models, and their summary over runs.

Over several runs we report the mean and the *sample* standard deviation
(ddof=1, the unbiased variance estimator's square root), as the paper's
"mean ± std" over seeds.
"""

import math

import keras
import numpy as np

from ssgm_zoo.models.kingma.latent_classifier import LatentLogisticRegression

__all__ = ["error_rate", "latent_classifier_error_rate", "mean_std"]


def error_rate(model, images, labels, batch_size=1000):
    """Fraction of images whose ``model.classify`` differs from ``labels``."""
    predicted = model.classify(images, batch_size=batch_size)
    return float(np.mean(predicted != np.asarray(labels)))


def _codes(m1, images, batch_size=5000):
    return np.concatenate([keras.ops.convert_to_numpy(m1.encode(images[i:i + batch_size])[0])
                           for i in range(0, len(images), batch_size)])


def latent_classifier_error_rate(m1, train, test, labeled_indices, **classifier_kwargs):
    """M1 + logistic regression: fit on the labeled codes (means of q(z|x)), test error.

    Args:
        m1: a trained ``M1``.
        train: ``(images, labels)`` of the training split.
        test: ``(images, labels)`` to measure on.
        labeled_indices: indices into ``train`` of the labeled examples.
        **classifier_kwargs: ``LatentLogisticRegression`` arguments.
    """
    x, y = train
    clf = LatentLogisticRegression(**classifier_kwargs)
    clf.fit(_codes(m1, x[labeled_indices]), y[labeled_indices], num_classes=10)
    return float(np.mean(clf.predict(_codes(m1, test[0])) != test[1]))


def mean_std(values):
    """``(mean, sample std, n)``; std is NaN for a single value."""
    values = [float(v) for v in values]
    if not values:
        raise ValueError("mean_std needs at least one value.")
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, math.nan, 1
    var = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return mean, math.sqrt(var), len(values)
