"""How much an M2 uses its label y: the measures of issue 9's audit.

An M2 can reach a solution where p(x|y,z) ignores y: z then carries the whole
image, q(y|x) gets no signal from the unlabeled bound, and the classifier is
left to its few labels. These numbers show it:

* ``pixel_change_label``: the mean absolute change of p(x|y,z)'s mean when y
  changes with z fixed (over every pair of classes and ``num_codes`` draws
  z ~ N(0, I));
* ``pixel_change_code``: the same when z changes (two independent draws) with y
  fixed; a model that uses y has the first of the same order as the second;
* ``bound_error_rate``: the error of classifying by argmax_y L(x, y), the
  generative model's own choice (z at q(z|x,y)'s mean);
* ``classifier_error_rate``, ``classifier_entropy`` (nats) and
  ``classifier_top_probability``: q(y|x)'s error, mean entropy and mean largest
  probability.
"""

import numpy as np
from keras import ops

__all__ = ["label_dependence"]


def label_dependence(model, images, labels, *, num_codes=100, seed=0, batch_size=500):
    """The measures above for an M2 (a model with ``labeled_bound`` and ``decode_mean``).

    Args:
        model: an M2.
        images: images ``[N, H, W, C]`` in [0, 1].
        labels: their int labels ``[N]``.
        num_codes: draws of z for the pixel changes.
        seed: the draws' seed.
        batch_size: images per batch for the bounds.

    Returns:
        ``{measure: float}``.
    """
    if not (hasattr(model, "labeled_bound") and hasattr(model, "decode_mean")):
        raise ValueError(f"{type(model).__name__} is not an M2: it has no labeled bound "
                         "L(x, y) and no decoder p(x|y,z) to measure.")
    labels = np.asarray(labels)
    k = model.num_classes
    bounds, logits = [], []
    for lo in range(0, len(images), batch_size):
        x = model.input_vectors(images[lo:lo + batch_size])
        b = int(ops.shape(x)[0])
        x_all = ops.repeat(x, k, axis=0)
        y_all = ops.tile(ops.eye(k, dtype="float32"), (b, 1))
        eps = ops.zeros((b * k, model.latent_dim))
        bounds.append(np.asarray(ops.reshape(model.labeled_bound(x_all, y_all, eps), (b, k))))
        logits.append(np.asarray(model.classifier(x)))
    bounds, logits = np.concatenate(bounds), np.concatenate(logits)
    log_q = logits - np.max(logits, -1, keepdims=True)
    log_q = log_q - np.log(np.exp(log_q).sum(-1, keepdims=True))
    q = np.exp(log_q)

    rng = np.random.default_rng(seed)
    z = rng.standard_normal((2, num_codes, model.latent_dim)).astype("float32")
    classes = np.tile(np.arange(k), num_codes)
    means = [np.asarray(model.decode_mean(np.repeat(z[i], k, axis=0), classes)).reshape(
        num_codes, k, -1) for i in range(2)]
    by_label = np.abs(means[0][:, :, None] - means[0][:, None, :]).mean(-1)  # [codes, k, k]
    off_diagonal = ~np.eye(k, dtype=bool)
    return {
        "classifier_error_rate": float(np.mean(np.argmax(logits, -1) != labels)),
        "bound_error_rate": float(np.mean(np.argmax(bounds, -1) != labels)),
        "pixel_change_label": float(by_label[:, off_diagonal].mean()),
        "pixel_change_code": float(np.abs(means[0] - means[1]).mean()),
        "classifier_entropy": float(-(q * log_q).sum(-1).mean()),
        "classifier_top_probability": float(q.max(-1).mean()),
    }
