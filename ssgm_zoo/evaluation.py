"""Metrics of trained models, shared by every family, and their summary over runs.

Over several runs we report the mean and the *sample* standard deviation
(ddof=1, the unbiased variance estimator's square root), as papers' "mean ±
std" over seeds.
"""

import math

import numpy as np

from ssgm_zoo.zoo.records import Metric

__all__ = ["error_rate", "latent_classifier_error_rate", "latent_classifier_error_rates",
           "latent_classifier_metric", "evaluate_checkpoints", "metric_over_runs", "mean_std",
           "METRIC_UNITS", "LATENT_CLASSIFIER", "LATENT_CLASSIFIERS"]

#: Units of the metrics the shared code knows, by name without the split prefix.
METRIC_UNITS = {
    "error_rate": "fraction of images misclassified",
    "latent_classifier_error_rate": "fraction of images misclassified",
    "neg_elbo": "nats per image (single-sample ELBO)",
}
ESTIMATOR = "mean and sample standard deviation (ddof=1) over runs"
LATENT_CLASSIFIER = ("L2-regularised logistic regression on the model's latent features "
                     "(ZooModel.features), fit on the labeled examples only")
#: The classifiers ``latent_classifier_error_rate`` offers, described.
LATENT_CLASSIFIERS = {
    "logistic": LATENT_CLASSIFIER,
    "label_spreading": ("label spreading (Zhou et al. 2004) over a 10-nearest-neighbour graph of "
                        "the latent features of every training and test image (transductive)"),
}


def error_rate(model, images, labels, batch_size=1000):
    """Fraction of images whose ``model.classify`` differs from ``labels``."""
    predicted = model.classify(images, batch_size=batch_size)
    return float(np.mean(predicted != np.asarray(labels)))


def latent_classifier_error_rate(model, train, test, labeled_indices, *, classifier="logistic",
                                 **classifier_kwargs):
    """A classifier on a model's latent features: fit on the labeled codes, test error.

    Args:
        model: a model with ``has_features`` (its ``features`` are the codes).
        train: ``(images, labels)`` of the training split.
        test: ``(images, labels)`` to measure on.
        labeled_indices: indices into ``train`` of the labeled examples.
        classifier: ``"logistic"`` (``LatentLogisticRegression``, fit on the
            labeled codes only) or ``"label_spreading"`` (``LabelSpreading``,
            transductive: every training and test code is in its graph, only
            the labeled codes' labels are used).
        **classifier_kwargs: the classifier's arguments.

    Raises:
        ValueError: the model has no latent features, or an unknown classifier.
    """
    return latent_classifier_error_rates(model, train, test, [labeled_indices],
                                         classifier=classifier, **classifier_kwargs)[0]


def latent_classifier_error_rates(model, train, test, labeled_index_sets, *,
                                  classifier="logistic", **classifier_kwargs):
    """``latent_classifier_error_rate`` for each of several label splits.

    The codes are computed once, and so is label spreading's neighbour graph,
    which depends on the codes only: most of its time on 60,000 codes.
    """
    from ssgm_zoo.latent_classifier import LabelSpreading, LatentLogisticRegression

    if not getattr(model, "has_features", False):
        raise ValueError(f"{type(model).__name__} has no latent features to classify.")
    if classifier not in LATENT_CLASSIFIERS:
        raise ValueError(f"classifier must be one of {sorted(LATENT_CLASSIFIERS)}, "
                         f"got {classifier!r}.")
    x, y = train
    test_codes = model.features(test[0])
    errors = []
    if classifier == "label_spreading":
        spreading = LabelSpreading(**classifier_kwargs)
        codes = np.concatenate([model.features(x), test_codes])
        graph = spreading.neighbours(codes)
        for labeled_indices in labeled_index_sets:
            labeled_indices = np.asarray(labeled_indices)
            labels = np.full(len(codes), -1)
            labels[labeled_indices] = y[labeled_indices]
            predicted = spreading.fit_predict(codes, labels, neighbours=graph)[len(x):]
            errors.append(float(np.mean(predicted != test[1])))
        return errors
    num_classes = int(max(np.max(y), np.max(test[1]))) + 1
    index_sets = [np.asarray(indices) for indices in labeled_index_sets]
    labeled = np.unique(np.concatenate(index_sets))  # only these training codes are needed
    labeled_codes = model.features(x[labeled])
    for labeled_indices in index_sets:
        clf = LatentLogisticRegression(**classifier_kwargs)
        clf.fit(labeled_codes[np.searchsorted(labeled, labeled_indices)], y[labeled_indices],
                num_classes=num_classes)
        errors.append(float(np.mean(clf.predict(test_codes) != test[1])))
    return errors


def _label_splits(labels, num_labeled, label_seeds):
    """The labeled indices of each label seed (``data.balanced_labeled_indices``)."""
    from ssgm_zoo import data

    return [data.balanced_labeled_indices(labels, num_labeled, seed=seed) for seed in label_seeds]


def metric_over_runs(values, published, *, split="test", unit, estimator=ESTIMATOR,
                     **details):
    """A ``Metric`` with the mean and sample std of ``values`` (one per run)."""
    mean, std, n = mean_std(values)
    return Metric(split=split, published=published, unit=unit, mean=mean,
                  std=None if math.isnan(std) else std, num_runs=n,
                  per_run=tuple(values), estimator=estimator, details=details)


def latent_classifier_metric(model, splits, num_labeled, label_seeds, classifier="logistic"):
    """The latent classifier over several label splits, as a record ``Metric``.

    The published value is the first label seed's. ``details`` names the
    classifier (``latent_classifier``, a key of ``LATENT_CLASSIFIERS``) and
    describes it (``classifier``), so the entry can be measured again with it.
    """
    values = latent_classifier_error_rates(
        model, splits["train"], splits["test"],
        _label_splits(splits["train"][1], num_labeled, label_seeds), classifier=classifier)
    return metric_over_runs(
        values, values[0], unit=METRIC_UNITS["latent_classifier_error_rate"],
        estimator="mean and sample standard deviation (ddof=1) over label splits",
        num_labeled=int(num_labeled), label_seed=int(label_seeds[0]),
        label_seeds=[int(s) for s in label_seeds], latent_classifier=classifier,
        classifier=LATENT_CLASSIFIERS[classifier])


def evaluate_checkpoints(paths, *, dataset, data_dir, latent_classifier_labels=0,
                         label_seeds=(0,), latent_classifier="logistic", split="test"):
    """Per-checkpoint test metrics and their mean ± sample std (``tools/evaluate.py``).

    Args:
        paths: model directories (or run directories holding ``model/``).
        dataset: the dataset of the test split.
        data_dir: folder with the dataset's files (None: tensorflow-datasets).
        latent_classifier_labels: if set, a classifier on the models' latent
            features fit on this many labels, once per label seed, instead of
            the models' own classification error.
        label_seeds: the label splits of that classifier.
        latent_classifier: which classifier (``LATENT_CLASSIFIERS``).
        split: ``"test"``, or ``"validation"`` to choose settings without
            looking at the test set.
    """
    import os

    from ssgm_zoo import checkpoint, data

    if split not in ("test", "validation"):
        raise ValueError(f"split must be 'test' or 'validation', got {split!r}.")
    splits = data.load_splits(dataset, data_dir=data_dir)
    key = (f"{split}_latent_classifier_error_rate" if latent_classifier_labels
           else f"{split}_error_rate")
    results = []
    for path in paths:
        if os.path.isdir(os.path.join(path, "model")):
            path = os.path.join(path, "model")
        model = checkpoint.load_model_dir(path)
        if latent_classifier_labels:
            errors = latent_classifier_error_rates(
                model, splits["train"], splits[split],
                _label_splits(splits["train"][1], latent_classifier_labels, label_seeds),
                classifier=latent_classifier)
            results += [{"checkpoint": path, "label_seed": seed, key: err}
                        for seed, err in zip(label_seeds, errors)]
        elif model.can_classify:
            results.append({"checkpoint": path, key: error_rate(model, *splits[split])})
        else:
            raise ValueError(f"{path} holds no classifier; give latent_classifier_labels for a "
                             "classifier on its latent features.")
    mean, std, n = mean_std([r[key] for r in results])
    summary = {"metric": key, "mean": mean, "std": std, "n": n,
               "estimator": "sample standard deviation (ddof=1)", "runs": results}
    if latent_classifier_labels:
        summary["classifier"] = LATENT_CLASSIFIERS[latent_classifier]
    return summary


def mean_std(values):
    """``(mean, sample std, n)``; std is NaN for a single value.

    Example:
    >>> mean_std([0.03, 0.05])[2]
    2
    """
    values = [float(v) for v in values]
    if not values:
        raise ValueError("mean_std needs at least one value.")
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, math.nan, 1
    var = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return mean, math.sqrt(var), len(values)
