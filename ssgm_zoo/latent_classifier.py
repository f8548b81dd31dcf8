"""Multinomial logistic regression on a model's latent codes.

The latent-classifier evaluation of every model with latent features
(``ZooModel.features``): L2-regularised logistic regression trained on the
labeled codes only, which needs no extra library. It is fit by full-batch
gradient descent in numpy: labeled sets are small (100 to 3000 codes of tens
of dimensions). A paper may have used another classifier on its codes; the
entry's record names ours.
"""

import numpy as np

__all__ = ["LatentLogisticRegression"]


class LatentLogisticRegression:
    """Softmax regression ``p(y|z) = softmax(z W + b)`` with an L2 penalty on ``W``.

    Args:
        l2: weight of ``0.5 * ||W||^2`` per example.
        steps: gradient steps.
        learning_rate: step size (features are standardised first).

    Example:
    >>> clf = LatentLogisticRegression().fit(np.eye(4)[[0, 1, 2, 3]] * 3, [0, 1, 0, 1])
    >>> clf.predict(np.eye(4)[[0, 1]] * 3).tolist()
    [0, 1]
    """

    def __init__(self, l2=1e-3, steps=2000, learning_rate=0.5):
        self.l2, self.steps, self.learning_rate = l2, steps, learning_rate

    def fit(self, features, labels, num_classes=None):
        z = np.asarray(features, np.float64)
        y = np.asarray(labels, np.int64)
        k = int(num_classes or y.max() + 1)
        self.mean_, self.scale_ = z.mean(0), z.std(0) + 1e-8
        z = (z - self.mean_) / self.scale_
        onehot = np.eye(k)[y]
        self.w_, self.b_ = np.zeros((z.shape[1], k)), np.zeros(k)
        for _ in range(self.steps):
            p = self._softmax(z @ self.w_ + self.b_)
            grad = (p - onehot) / len(z)  # d(mean cross-entropy)/d(logits)
            self.w_ -= self.learning_rate * (z.T @ grad + self.l2 * self.w_)
            self.b_ -= self.learning_rate * grad.sum(0)
        return self

    @staticmethod
    def _softmax(logits):
        logits = logits - logits.max(-1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(-1, keepdims=True)

    def predict_proba(self, features):
        z = (np.asarray(features, np.float64) - self.mean_) / self.scale_
        return self._softmax(z @ self.w_ + self.b_)

    def predict(self, features):
        return self.predict_proba(features).argmax(-1)
