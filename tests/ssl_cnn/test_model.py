"""The classifiers' losses against independent computations, their schedules, the teacher's
average, the networks' sizes and initialisation."""

import math

import numpy as np
import pytest
from keras import ops

from ssgm_zoo.models.ssl_cnn import CNNClassifier, MeanTeacher, PseudoLabel
from ssgm_zoo.models.ssl_cnn.networks import LabCNN

RNG = np.random.default_rng(0)
X = RNG.random((6, 28, 28, 1)).astype("float32")
Y = np.array([0, 1, 2, 3, 4, 5])
XU = RNG.random((8, 28, 28, 1)).astype("float32")


def np_(x):
    return ops.convert_to_numpy(x)


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_the_lab_cnn_is_the_pytorch_example_with_its_default_initialisation():
    net = LabCNN(seed=0)
    assert net.count_params() == 21_840  # 260 + 5,020 + 16,050 + 510, as in PyTorch
    for layer, fan_in in ((net.conv1, 25), (net.conv2, 250), (net.fc1, 320), (net.fc2, 50)):
        bound = 1 / math.sqrt(fan_in)
        kernel, bias = np_(layer.kernel), np_(layer.bias)
        assert np.abs(kernel).max() <= bound and np.abs(kernel).max() > 0.95 * bound
        assert np.abs(bias).max() <= bound and bias.std() > 0.3 * bound  # uniform: 0.58
    he = LabCNN(initializer="he_normal", seed=0)
    assert np_(he.fc1.kernel).std() == pytest.approx(math.sqrt(2 / 320), rel=0.05)
    assert not np_(he.fc1.bias).any()


def test_supervised_loss_is_the_cross_entropy():
    model = CNNClassifier(dropout=0.0, seed=1)
    loss, _ = model.compute_objective("loss", {"labeled": {"x": X, "y": Y}})
    p = softmax(np_(model.class_logits(X)))
    assert float(loss) == pytest.approx(-np.log(p[np.arange(6), Y]).mean(), rel=1e-5)


def test_pseudo_label_loss_thresholds_and_weights_the_networks_own_targets():
    model = PseudoLabel(dropout=0.0, unlabeled_weight=3.0, ramp_start=10, ramp_end=30, seed=2)
    p = softmax(np_(model.class_logits(XU)))
    model.threshold = float(np.median(p.max(-1)))
    keep = p.max(-1) >= model.threshold
    assert 0 < keep.sum() < len(keep)  # the threshold splits this batch
    expected = (-np.log(p.max(-1)) * keep).sum() / len(XU)
    unlabeled, kept = model.pseudo_label_loss(ops.convert_to_tensor(XU))
    assert float(unlabeled) == pytest.approx(expected, rel=1e-5)
    assert float(kept) == pytest.approx(keep.mean())
    assert [float(model.weight(s)) for s in (0, 10, 20, 30, 50)] == pytest.approx(
        [0, 0, 1.5, 3, 3])
    model.steps.assign(20.0)
    loss, terms = model.compute_objective("loss", {"labeled": {"x": X, "y": Y},
                                                   "unlabeled": {"x": XU}})
    assert float(loss) == pytest.approx(float(terms["supervised"]) + 1.5 * expected, rel=1e-5)


def test_pseudo_targets_carry_no_gradient():
    from ssgm_zoo.training.gradients import variable_gradients

    model = PseudoLabel(dropout=0.0, seed=3)
    variables = model.network.trainable_variables
    _, grads = variable_gradients(lambda: model.pseudo_label_loss(ops.convert_to_tensor(XU))[0],
                                  variables)
    # With a fixed target t, d/dlogits CE = softmax - onehot(t); summed over classes: 0.
    logits_bias_grad = np_(grads[-1])
    assert abs(logits_bias_grad.sum()) < 1e-6 and np.abs(logits_bias_grad).max() > 1e-4


def test_mean_teacher_consistency_ramp_and_average():
    model = MeanTeacher(dropout=0.0, consistency_weight=10.0, rampup_steps=100,
                        ema_decay=0.9, seed=4)
    np.testing.assert_array_equal(np_(model.teacher.fc2.kernel), np_(model.network.fc2.kernel))
    model.teacher.fc2.kernel.assign(np_(model.teacher.fc2.kernel) + 0.3)
    student = softmax(np_(model.network(X)))
    teacher = softmax(np_(model.teacher(X)))
    expected = ((student - teacher) ** 2).sum(-1).mean()
    assert float(model.consistency_loss(ops.convert_to_tensor(X))) == pytest.approx(expected,
                                                                                    rel=1e-5)
    assert [float(model.weight(s)) for s in (0, 50, 100, 200)] == pytest.approx(
        [10 * math.exp(-5), 10 * math.exp(-5 * 0.25), 10, 10], rel=1e-5)

    w, t = np_(model.network.fc2.kernel), np_(model.teacher.fc2.kernel)
    model.after_updates()  # step 1: decay min(1 - 1/1, 0.9) = 0: the teacher copies
    np.testing.assert_allclose(np_(model.teacher.fc2.kernel), w, atol=1e-7)
    model.teacher.fc2.kernel.assign(t)
    model.steps.assign(99.0)
    model.after_updates()  # step 100: decay min(0.99, 0.9) = 0.9
    np.testing.assert_allclose(np_(model.teacher.fc2.kernel), 0.9 * t + 0.1 * w, atol=1e-6)


def test_the_mean_teacher_entry_classifies_with_the_teacher():
    model = MeanTeacher(seed=5)
    model.teacher.fc2.bias.assign(np.arange(10, dtype="float32"))
    shipped = model.for_entry()
    assert type(shipped) is CNNClassifier
    assert shipped.count_params() * 2 - 1 == model.count_params()  # one step counter
    np.testing.assert_allclose(shipped.predict_proba(X, check_polarity=False),
                               model.predict_proba(X, check_polarity=False), atol=1e-6)


@pytest.mark.parametrize("bad, match", [(dict(network="resnet"), "network"),
                                        (dict(initializer="zeros"), "initializer"),
                                        (dict(dropout=1.0), "dropout"),
                                        (dict(augmentation={"flip": 1}), "flip")])
def test_bad_options_are_named(bad, match):
    with pytest.raises(ValueError, match=match):
        CNNClassifier(**bad)
