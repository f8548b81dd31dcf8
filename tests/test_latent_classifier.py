"""Classifiers on latent codes: logistic regression and transductive label spreading."""

import numpy as np
import pytest

from ssgm_zoo.latent_classifier import LabelSpreading, LatentLogisticRegression


def moons(n=400, seed=0):
    """Two interleaved half circles: not linearly separable, but connected along each."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, np.pi, n)
    first = np.stack([np.cos(t), np.sin(t)], 1)
    second = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1)
    codes = np.concatenate([first, second]) + rng.normal(0, 0.05, (2 * n, 2))
    return codes, np.repeat([0, 1], n)


def test_label_spreading_follows_the_data_where_a_linear_classifier_cannot():
    codes, truth = moons()
    labels = np.full(len(codes), -1)
    known = [0, 1, 400, 401]  # two labels per class
    labels[known] = truth[known]
    spread = LabelSpreading(k=8).fit_predict(codes, labels)
    linear = LatentLogisticRegression().fit(codes[known], truth[known]).predict(codes)
    assert np.mean(spread != truth) < 0.02
    assert np.mean(linear != truth) > np.mean(spread != truth) + 0.05


def test_neighbours_are_the_nearest_other_codes_whatever_the_block_size():
    codes = np.random.default_rng(1).normal(size=(57, 3))
    distances = ((codes[:, None] - codes[None]) ** 2).sum(-1)
    np.fill_diagonal(distances, np.inf)
    expected = np.sort(np.argsort(distances, 1)[:, :4], 1)
    for block in (5, 57, 1000):
        got = np.sort(LabelSpreading(k=4, block=block).neighbours(codes), 1)
        np.testing.assert_array_equal(got, expected)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="at least one labeled"):
        LabelSpreading(k=2).fit_predict(np.zeros((5, 2)), np.full(5, -1))
    with pytest.raises(ValueError, match="3 labels for 5 codes"):
        LabelSpreading(k=2).fit_predict(np.zeros((5, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="more than k"):
        LabelSpreading(k=5).fit_predict(np.zeros((5, 2)), np.zeros(5))
    with pytest.raises(ValueError, match="0 < alpha < 1"):
        LabelSpreading(alpha=1.0)


class _Codes:
    """A model whose latent features are its inputs."""

    has_features = True

    def features(self, x):
        return np.asarray(x)


def test_the_entry_metric_records_the_classifier_it_used_and_refuses_unknown_ones():
    from ssgm_zoo import data, evaluation

    splits = {"train": moons(seed=0), "test": moons(seed=1)}
    spread, linear = (evaluation.latent_classifier_metric(_Codes(), splits, 4, [0, 1], name)
                      for name in ("label_spreading", "logistic"))
    assert spread.details["latent_classifier"] == "label_spreading"
    assert spread.details["classifier"] == evaluation.LATENT_CLASSIFIERS["label_spreading"]
    assert linear.details["latent_classifier"] == "logistic"
    assert spread.num_runs == 2 and spread.mean < 0.05 < linear.mean
    for name, metric in (("label_spreading", spread), ("logistic", linear)):  # = one at a time
        for seed, value in zip((0, 1), metric.per_run):
            indices = data.balanced_labeled_indices(splits["train"][1], 4, seed=seed)
            assert value == evaluation.latent_classifier_error_rate(
                _Codes(), splits["train"], splits["test"], indices, classifier=name)
    with pytest.raises(ValueError, match="tsvm"):
        evaluation.latent_classifier_metric(_Codes(), splits, 4, [0], "tsvm")


def test_a_shared_neighbour_graph_gives_the_same_classes_and_must_fit_the_codes():
    codes, truth = moons()
    labels = np.full(len(codes), -1)
    labels[[0, 400]] = truth[[0, 400]]
    spreading = LabelSpreading(k=8)
    graph = spreading.neighbours(codes)
    np.testing.assert_array_equal(spreading.fit_predict(codes, labels, neighbours=graph),
                                  spreading.fit_predict(codes, labels))
    with pytest.raises(ValueError, match=r"neighbours must be \[800, 8\]"):
        spreading.fit_predict(codes, labels, neighbours=graph[:, :4])
