"""TensorFlow Probability distributions for the active Keras backend.

This is the one place that picks a TFP substrate: model code writes
``from ssgm_zoo.distributions import tfd`` and gets ``tfp.distributions`` for
TensorFlow, or ``tfp.substrates.jax.distributions`` for JAX, so the same ELBO
code runs on both backends.

The released ``tensorflow-probability`` (0.25) has a JAX substrate that no
longer imports with current jax; ``tfp-nightly`` works with both backends. The
error raised here says so, and the README's "Running on JAX" section shows the
install line.
"""

import functools

import keras

__all__ = ["get_tfd", "tfd"]

_JAX_HINT = (
    "TensorFlow Probability's JAX substrate failed to import ({error}). The "
    "released tensorflow-probability lags current jax releases; install the "
    "nightly build, which serves both backends: "
    "`pip uninstall -y tensorflow-probability && pip install tfp-nightly` "
    "(see README, 'Running on JAX')."
)


@functools.cache
def get_tfd(backend=None):
    """Returns the ``distributions`` module of TFP for a Keras backend.

    Args:
        backend: ``"tensorflow"`` or ``"jax"``; defaults to the active one.

    Returns:
        The TFP ``distributions`` module matching the backend.

    Raises:
        ImportError: TFP (or its JAX substrate) cannot be imported, with the fix.
        ValueError: the backend has no TFP substrate (e.g. torch).

    Example:
    >>> tfd = get_tfd()
    >>> float(tfd.Normal(0.0, 1.0).log_prob(0.0))  # doctest: +ELLIPSIS
    -0.918...
    """
    backend = backend or keras.backend.backend()
    if backend == "tensorflow":
        try:
            import tensorflow_probability as tfp
        except ImportError as error:  # pragma: no cover - depends on the install
            raise ImportError(
                f"tensorflow-probability is required on the TensorFlow backend ({error}); "
                "`pip install 'tensorflow-probability[tf]'`."
            ) from error
        return tfp.distributions
    if backend == "jax":
        try:
            from tensorflow_probability.substrates import jax as tfp_jax
        except Exception as error:  # the broken substrate raises AttributeError
            raise ImportError(_JAX_HINT.format(error=f"{type(error).__name__}: {error}")) from error
        return tfp_jax.distributions
    raise ValueError(
        f"ssgm-zoo models run on the 'tensorflow' and 'jax' Keras backends; "
        f"the active backend is {backend!r}. Set KERAS_BACKEND accordingly."
    )


class _LazyDistributions:
    """Attribute access resolves the TFP module for the backend active at call time."""

    def __getattr__(self, name):
        return getattr(get_tfd(), name)


tfd = _LazyDistributions()
