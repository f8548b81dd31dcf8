"""A gradient a model takes inside its own forward pass, differentiable again.

A gradient-origin network encodes an image as z = -dL/dz at z = 0 and trains
its decoder through that gradient, so the engine's gradient of the training
loss is a second-order one. ``value_and_grad`` gives model code that inner
gradient without naming a backend; with the engine's ``ssgm_zoo.training``
it is, beside the engine itself, the only module with backend-specific code.

* TensorFlow: a nested ``tf.GradientTape``; the engine's outer tape records
  the inner gradient's computation, so it is differentiated through.
* JAX: ``jax.value_and_grad`` inside the engine's traced step. Updates that
  ``fn`` makes to Keras variables (batch-norm statistics, seed generators)
  are carried out of the inner differentiation into the step's state.
  Called eagerly (outside training), such updates are discarded.

Example:
>>> from keras import ops
>>> value, grad = value_and_grad(lambda z: ops.sum(z ** 3), ops.ones((2,)))
>>> float(value), ops.convert_to_numpy(grad).tolist()
(2.0, [3.0, 3.0])
"""

import keras

__all__ = ["value_and_grad", "variable_gradients"]


def value_and_grad(fn, x):
    """``(fn(x), d fn(x) / d x)``, both differentiable with respect to what ``fn`` reads.

    Args:
        fn: maps a tensor shaped like ``x`` to a scalar tensor; it may read
            model variables (their gradients then flow through the returned
            gradient to the engine's update).
        x: the point at which to differentiate (e.g. zeros for the origin).

    Returns:
        ``(value, gradient)``: the scalar and a tensor shaped like ``x``.
    """
    backend = keras.backend.backend()
    x = keras.ops.convert_to_tensor(x)
    if backend == "tensorflow":
        return _tensorflow(fn, x)
    if backend == "jax":
        return _jax(fn, x)
    raise ValueError(f"value_and_grad runs on the 'tensorflow' and 'jax' backends, not {backend!r}.")


def _tensorflow(fn, x):
    import tensorflow as tf

    with tf.GradientTape() as tape:
        tape.watch(x)
        value = fn(x)
    return value, tape.gradient(value, x)


def _jax(fn, x):
    import jax
    from keras.src.backend.common.stateless_scope import get_stateless_scope

    scope = get_stateless_scope()
    if scope is None:
        # Eagerly: a scope of our own catches fn's variable updates, which are dropped.
        with keras.StatelessScope():
            return _jax(fn, x)
    before = dict(scope.state_mapping)

    def inner(x):
        value = fn(x)
        # What fn assigned (inner-trace values) leaves the differentiation as output.
        changed = {k: v for k, v in scope.state_mapping.items() if before.get(k) is not v}
        return value, changed

    (value, changed), grad = jax.value_and_grad(inner, has_aux=True)(x)
    scope.state_mapping.update(changed)
    return value, grad


def variable_gradients(fn, variables, *, has_aux=False):
    """Gradients of the scalar ``fn()`` with respect to Keras ``variables``.

    For checks outside the engine (the shared model test harness): which
    variables a loss reaches, and finite differences. Compiled with XLA on JAX
    (eager JAX dispatch is slow for many small operations). Updates ``fn``
    makes to variables are discarded on JAX.

    Args:
        fn: returns a scalar, or ``(scalar, aux)`` with ``has_aux``.
        variables: the Keras variables to differentiate with respect to.
        has_aux: whether ``fn`` also returns auxiliary values.

    Returns:
        ``(value, [gradient for each variable])``, or ``((value, aux), [...])``
        with ``has_aux``. A variable the loss does not reach gets None on
        TensorFlow and zeros on JAX.

    Example:
    >>> w = keras.Variable(2.0)
    >>> value, (grad,) = variable_gradients(lambda: w * w, [w])
    >>> float(value), float(grad)
    (4.0, 4.0)
    """
    backend = keras.backend.backend()
    variables = list(variables)
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            out = fn()
        value = out[0] if has_aux else out
        grads = tape.gradient(value, [v.value for v in variables],
                              unconnected_gradients=tf.UnconnectedGradients.NONE)
        return out, grads
    if backend == "jax":
        import jax

        def of_values(values):
            with keras.StatelessScope(state_mapping=list(zip(variables, values))):
                return fn()

        compiled = jax.jit(jax.value_and_grad(of_values, has_aux=has_aux))
        out, grads = compiled([v.value for v in variables])
        return out, list(grads)
    raise ValueError(f"variable_gradients runs on 'tensorflow' and 'jax', not {backend!r}.")
