"""Multinomial logistic regression on a model's latent codes.

The latent-classifier evaluation of every model with latent features
(``ZooModel.features``): L2-regularised logistic regression trained on the
labeled codes only, which needs no extra library. It is fit by full-batch
gradient descent in numpy: labeled sets are small (100 to 3000 codes of tens
of dimensions). A paper may have used another classifier on its codes; the
entry's record names ours.
"""

import numpy as np

__all__ = ["LatentLogisticRegression", "LabelSpreading"]


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


class LabelSpreading:
    """Transductive label spreading (Zhou et al. 2004) over a k-nearest-neighbour graph.

    Labels flow from the labeled codes to every other code along a graph that
    joins each code to its ``k`` nearest neighbours (Euclidean, symmetrised):
    ``F <- alpha * S F + (1 - alpha) * Y`` with ``S = D^-1/2 W D^-1/2``,
    repeated ``iterations`` times; each code takes the class of its largest
    ``F``. It is transductive, like the paper's TSVM: the codes to be labelled
    (the test set too) are part of the graph. numpy only: the neighbours are
    found by blocked matrix products (60,000 codes of 50 dimensions: 31 s of
    CPU time on this project's 2-core machine, 2026-12-06).

    Args:
        k: neighbours per code.
        alpha: how much of a code's score comes from its neighbours (0 to 1).
        iterations: propagation steps.
        block: rows per block of the neighbour search (memory: block x n floats).

    Example:
    >>> codes = np.concatenate([np.zeros((5, 2)), np.ones((5, 2)) * 5])
    >>> codes += np.arange(10)[:, None] * 0.01
    >>> labels = np.full(10, -1); labels[0], labels[9] = 0, 1
    >>> LabelSpreading(k=3).fit_predict(codes, labels).tolist()
    [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    """

    def __init__(self, k=10, alpha=0.99, iterations=200, block=1000):
        if k < 1 or not 0 < alpha < 1 or iterations < 1:
            raise ValueError("LabelSpreading needs k >= 1, 0 < alpha < 1 and iterations >= 1.")
        self.k, self.alpha = int(k), float(alpha)
        self.iterations, self.block = int(iterations), int(block)

    def neighbours(self, codes):
        """Indices ``[n, k]`` of each code's ``k`` nearest other codes.

        Exact, and faster than a partition of every row of the distance
        matrix: the ``k``-th smallest distance to every ``stride``-th code
        bounds the true ``k``-th from above, so only the codes within that
        bound (about ``k * stride`` a row) are sorted.
        """
        z = np.asarray(codes, np.float32)
        n, k = len(z), self.k
        if n <= k:
            raise ValueError(f"{n} codes: label spreading needs more than k = {k}.")
        stride = 8 if n >= 8 * (k + 1) else 1
        norms = (z * z).sum(1)
        out = np.empty((n, k), np.int64)
        for lo in range(0, n, self.block):
            hi = min(n, lo + self.block)
            d = z[lo:hi] @ z.T  # squared distances, in place: no more block-sized arrays
            d *= -2.0
            d += norms[None, :]
            d += norms[lo:hi, None]
            d[np.arange(hi - lo), np.arange(lo, hi)] = np.inf  # not its own neighbour
            bound = np.partition(d[:, ::stride], k - 1, axis=1)[:, k - 1]
            rows, cols = np.nonzero(d <= bound[:, None])  # at least k per row
            order = np.lexsort((d[rows, cols], rows))  # by row, then distance
            first = np.searchsorted(rows[order], np.arange(hi - lo))
            out[lo:hi] = cols[order][first[:, None] + np.arange(k)]
        return out

    def fit_predict(self, codes, labels, neighbours=None):
        """Classes of every code; ``labels`` holds the known class or -1.

        ``neighbours``: ``self.neighbours(codes)`` if already computed (it
        depends on the codes only, so label splits of the same codes share it).

        Raises:
            ValueError: no labeled code, labels and codes of different lengths,
                or ``neighbours`` not ``[len(codes), k]``.
        """
        labels = np.asarray(labels, np.int64)
        if len(labels) != len(codes):
            raise ValueError(f"{len(labels)} labels for {len(codes)} codes.")
        known = labels >= 0
        if not known.any():
            raise ValueError("label spreading needs at least one labeled code (label >= 0).")
        num_classes = int(labels.max()) + 1
        idx = self.neighbours(codes) if neighbours is None else np.asarray(neighbours)
        if idx.shape != (len(codes), self.k):
            raise ValueError(f"neighbours must be [{len(codes)}, {self.k}] (codes, k), "
                             f"got {list(idx.shape)}.")
        n = len(labels)
        flat = idx.ravel()
        degree = self.k + np.bincount(flat, minlength=n)  # W = A + A^T
        scale = 1.0 / np.sqrt(degree)
        y = np.zeros((n, num_classes))
        y[known, labels[known]] = 1.0
        f = y.copy()
        for _ in range(self.iterations):
            g = f * scale[:, None]
            spread = g[idx].sum(1)  # A g
            for c in range(num_classes):  # A^T g
                spread[:, c] += np.bincount(flat, weights=np.repeat(g[:, c], self.k),
                                            minlength=n)
            f = self.alpha * scale[:, None] * spread + (1 - self.alpha) * y
        return f.argmax(1)
