"""The terms of the variational bounds of Kingma et al. 2014, in TFP distributions.

Each function returns one value per example (the last axis summed), named
after the term it computes. ``ssgm_zoo.distributions`` supplies the TFP
substrate of the active backend.
"""

from keras import ops

from ssgm_zoo.distributions import tfd

__all__ = [
    "bernoulli_log_likelihood",
    "gaussian_log_likelihood",
    "gaussian_kl_to_standard_normal",
    "categorical_entropy",
    "reparameterized_sample",
    "weight_prior_penalty",
]


def bernoulli_log_likelihood(x, logits):
    """log p(x|.) for binary ``x`` under Bernoulli(sigmoid(logits)), summed over pixels."""
    return ops.sum(tfd.Bernoulli(logits=logits, dtype=x.dtype).log_prob(x), axis=-1)


def gaussian_log_likelihood(x, mean, log_var):
    """log N(x; mean, diag(exp(log_var))), summed over dimensions (M1+M2's p(z1|y,z2))."""
    return ops.sum(tfd.Normal(mean, ops.exp(0.5 * log_var)).log_prob(x), axis=-1)


def gaussian_kl_to_standard_normal(mean, log_var):
    """KL(q(z|.) || N(0, I)) in closed form (Kingma & Welling 2014, appendix B)."""
    q = tfd.Normal(mean, ops.exp(0.5 * log_var))
    p = tfd.Normal(ops.zeros_like(mean), ops.ones_like(mean))
    return ops.sum(tfd.kl_divergence(q, p), axis=-1)


def categorical_entropy(logits):
    """H(q(y|x)), the entropy term of the unlabeled bound U(x) (Kingma et al. 2014, eq. 7)."""
    return tfd.Categorical(logits=logits).entropy()


def reparameterized_sample(mean, log_var, seed):
    """z = mean + sigma * eps with eps ~ N(0, I): the reparameterisation trick."""
    from keras import random

    eps = random.normal(ops.shape(mean), seed=seed, dtype=mean.dtype)
    return mean + ops.exp(0.5 * log_var) * eps


def weight_prior_penalty(kernels):
    """-log N(W; 0, I) up to a constant: the authors' Gaussian prior on the weights."""
    return 0.5 * sum(ops.sum(ops.square(w)) for w in kernels)
