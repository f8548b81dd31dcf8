"""The training engine shared by every model family.

One ``Trainer`` runs any ``ssgm_zoo`` model on Keras's TensorFlow or JAX
backend, compiled with XLA on both. With ``ssgm_zoo.training.gradients`` it is
the only code that names a backend: models describe *what* to optimise
through a small protocol (``ssgm_zoo.models.base.ZooModel``), the engine
decides *how*.

What it does:
  * Whole datasets sit on the accelerator. Each epoch the host draws only the
    minibatch *indices* (a few KB) from a generator seeded by ``(seed, stream,
    pass)``; the batches are gathered on the device inside the compiled step.
    Index streams are stateless functions of the seed, so they are identical on
    both backends and a resumed run sees exactly the batches it would have seen.
  * Several objectives, each with its own optimizer, updated in order every
    step (a GAN's discriminator then generator; a VAE has one). Each reads the
    streams it names; one that asks for its own batches gets index streams of
    its own over the same stored data.
  * A model's ``initialize`` hook runs once on a batch before a new run starts;
    its ``after_updates`` hook, if it has one, inside every step after the
    objectives' updates (weight averages).
  * ``steps_per_execution`` steps per compiled call (``lax.scan`` on JAX, a
    ``tf.while_loop`` under ``jit_compile`` on TensorFlow).
  * Per-epoch progress bar, TensorBoard scalars, ``metrics.csv`` and
    ``metrics.jsonl`` (``ssgm_zoo.training.logs``), periodic evaluation (on
    the evaluation splits and on generated samples), checkpoints keyed by
    variable path and exact resume (``ssgm_zoo.training.checkpoints``); a
    non-finite loss stops the run with ``TrainingDivergedError`` and leaves the
    last good checkpoint untouched.
"""

import contextlib
import functools
import json
import math
import os
import time

import keras
import numpy as np

from ssgm_zoo.models.base import Objective, ZooModel
from ssgm_zoo.training import checkpoints
from ssgm_zoo.training.logs import RunLog
from ssgm_zoo.training.optimizers import make_optimizer, without_decay_from

__all__ = ["Trainer", "MultiSeedTrainer", "TrainingDivergedError", "batch_indices",
           "xla_compiled"]

CHECKPOINT_DIR = "checkpoints"
SHARED = ""  # the batch group of the objectives that share each step's batch
_INIT_STREAM = 10_000  # index streams of the initialize() batch
_OWN_STREAMS = 1_000  # objective k's own index streams start at (k + 1) * this


def xla_compiled(fn):
    """``fn`` compiled with XLA even where the engine's step is not.

    For a part of a model's step that XLA runs much faster than TensorFlow's
    graph executor, in runs that turn XLA off for the rest (on a CPU, XLA's
    convolutions are slower than TensorFlow's; its gathers and elementwise
    work faster: the digit augmentation of 256 images takes 9 ms instead of
    55). On TensorFlow a ``tf.function`` with ``jit_compile=True``, created
    once per call site and called eagerly or inside the engine's step (inside
    an XLA step it is compiled with the rest); on JAX ``fn`` itself, which the
    engine's ``jax.jit`` compiles with the step. ``fn`` takes and returns
    tensors and may read and update Keras variables (seed generators) and be
    differentiated. TensorFlow draws other random numbers inside XLA than
    outside, so such a part of a step draws the same numbers in runs with and
    without ``jit_compile``.

    Example:
    >>> from keras import ops
    >>> double = xla_compiled(lambda x: 2 * x)
    >>> ops.convert_to_numpy(double(ops.ones((2,)))).tolist()
    [2.0, 2.0]
    """
    if keras.backend.backend() != "tensorflow":
        return fn
    import tensorflow as tf

    return tf.function(fn, jit_compile=True)


class TrainingDivergedError(RuntimeError):
    """A loss became NaN or Inf; the last good checkpoint was kept."""


def batch_indices(seed, stream, num_items, batch_size, start_step, num_steps):
    """Minibatch indices of one data stream for steps ``[start_step, start_step + num_steps)``.

    A stream is read as consecutive shuffled passes over its ``num_items``
    items; pass ``p`` is a permutation drawn from a generator seeded by
    ``(seed, stream, p)`` alone, so indices are reproducible on any machine and
    backend and any step range can be produced without replaying earlier ones.

    Args:
        seed: the run's seed.
        stream: an integer naming the stream (0 for the first, ...).
        num_items: number of items in the stream.
        batch_size: items per step.
        start_step: first global step.
        num_steps: number of steps.

    Returns:
        int32 array of shape ``[num_steps, batch_size]``.

    Example:
    >>> batch_indices(0, 0, num_items=4, batch_size=2, start_step=0, num_steps=2).shape
    (2, 2)
    """
    first = start_step * batch_size
    last = (start_step + num_steps) * batch_size
    pieces = []
    for pass_index in range(first // num_items, (last - 1) // num_items + 1):
        rng = np.random.Generator(np.random.PCG64([seed, stream, pass_index]))
        perm = rng.permutation(num_items)
        lo = max(first - pass_index * num_items, 0)
        hi = min(last - pass_index * num_items, num_items)
        pieces.append(perm[lo:hi])
    return np.concatenate(pieces).astype(np.int32).reshape(num_steps, batch_size)


def _has_after_updates(model):
    return type(model).after_updates is not ZooModel.after_updates


def _objectives(model):
    out = []
    for objective in model.objectives:
        if isinstance(objective, str):  # a bare name reads every stream, sharing batches
            objective = Objective(objective)
        out.append(objective)
    names = [o.name for o in out]
    if not out or len(set(names)) != len(names):
        raise ValueError(f"{type(model).__name__}.objectives must name distinct objectives, "
                         f"got {names}.")
    return tuple(out)


class Trainer:
    """Trains a zoo model with minibatches gathered on the device.

    Args:
        model: a ``ZooModel`` (built: all variables exist).
        train_data: ``{stream: {key: array}}``; e.g. ``{"unlabeled": {"x": X},
            "labeled": {"x": Xl, "y": yl}}``. Every array of a stream has the
            same first dimension. Each objective's ``compute_objective``
            receives a batch of the streams it names, in the same structure.
        batch_sizes: ``{stream: batch size}``.
        steps_per_epoch: optimisation steps per epoch.
        epochs: total number of epochs.
        optimizer: a dict such as ``{"name": "adam", "learning_rate": 3e-4}``,
            used for every objective, or ``{objective: dict}``.
        seed: seeds the index streams and the model's random state.
        eval_data: ``{split: {"x": X, "y": y}}`` evaluated with
            ``model.evaluation_sums``.
        eval_every: evaluate every this many epochs (and after the last).
        eval_batch_size: batch size for evaluation.
        workdir: where logs and checkpoints go; ``None`` keeps nothing on disk.
        checkpoint_every: checkpoint every this many epochs (and after the last).
        keep_checkpoints: how many recent checkpoints to keep.
        steps_per_execution: steps per compiled call.
        jit_compile: compile with XLA.
        verbose: 1 for a progress bar, 0 for none.
        fingerprint: any JSON value identifying the run's configuration; a
            resume with a different fingerprint is refused.
        upgrade_fingerprint: maps a checkpoint's fingerprint written by an
            older version of the package to today's form before comparing
            (identity if None).
        device_cache: a dict shared by the trainers of one multi-seed run, so
            that an array they all train or evaluate on goes to the device once.

    Example (a model whose one weight learns the data's mean):
    >>> from ssgm_zoo.models import ZooModel
    >>> class Mean(ZooModel):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.w = self.add_weight(shape=(), initializer="zeros")
    ...     def compute_objective(self, name, batch, training=True):
    ...         return keras.ops.mean((batch["data"]["x"] - self.w) ** 2), {}
    >>> model = Mean()
    >>> trainer = Trainer(model, train_data={"data": {"x": np.full(8, 3.0, "float32")}},
    ...                   batch_sizes={"data": 4}, steps_per_epoch=50, epochs=2,
    ...                   optimizer={"name": "sgd", "learning_rate": 0.1}, seed=0, verbose=0)
    >>> [r["epoch"] for r in trainer.fit()], round(float(model.w.value), 3)
    ([1, 2], 3.0)
    """

    def __init__(
        self,
        model,
        *,
        train_data,
        batch_sizes,
        steps_per_epoch,
        epochs,
        optimizer,
        seed,
        eval_data=None,
        eval_every=1,
        eval_batch_size=1000,
        workdir=None,
        checkpoint_every=1,
        keep_checkpoints=2,
        steps_per_execution=1,
        jit_compile=True,
        verbose=1,
        fingerprint=None,
        upgrade_fingerprint=None,
        device_cache=None,
    ):
        self.backend = keras.backend.backend()
        if self.backend not in ("tensorflow", "jax"):
            raise ValueError(f"The engine runs on 'tensorflow' or 'jax', not {self.backend!r}.")
        if set(train_data) != set(batch_sizes):
            raise ValueError(
                f"train_data streams {sorted(train_data)} and batch_sizes "
                f"{sorted(batch_sizes)} must name the same streams."
            )
        for name, arrays in train_data.items():
            sizes = {key: len(a) for key, a in arrays.items()}
            if len(set(sizes.values())) != 1:
                raise ValueError(f"Arrays of stream {name!r} differ in length: {sizes}.")
        if steps_per_epoch < 1 or epochs < 0 or steps_per_execution < 1:
            raise ValueError("steps_per_epoch and steps_per_execution must be >= 1, epochs >= 0.")
        self.model = model
        self.streams = sorted(train_data)
        self.num_items = {s: len(next(iter(train_data[s].values()))) for s in self.streams}
        self.batch_sizes = dict(batch_sizes)
        self.steps_per_epoch = int(steps_per_epoch)
        self.epochs = int(epochs)
        self.seed = int(seed)
        self.eval_every = int(eval_every)
        self.eval_batch_size = int(eval_batch_size)
        self.workdir = workdir
        self.checkpoint_every = int(checkpoint_every)
        self.keep_checkpoints = int(keep_checkpoints)
        self.steps_per_execution = min(int(steps_per_execution), self.steps_per_epoch)
        self.jit_compile = jit_compile
        # TensorFlow: the algorithm keras.random's draws use (see _tf_random_alg);
        # a resumed run keeps the one its checkpoints record.
        self.tf_random_alg = "philox"
        self.verbose = verbose
        # Compared with a checkpoint's after a JSON round trip (tuples become lists).
        self.fingerprint = json.loads(json.dumps(fingerprint, default=str))
        self.upgrade_fingerprint = upgrade_fingerprint or (lambda old: old)
        self.history = []
        self.branched_from = None  # set by branch(): the checkpoint this run began at
        self.epoch = 0  # epochs completed
        self.epochs_trained = 0  # of them, those this object trained (not restored)
        self.stopped_early = False  # by fit's deadline
        self._show_seed = False  # set by MultiSeedTrainer: progress bars name the seed

        self.objectives = _objectives(model)
        for objective in self.objectives:
            unknown = set(objective.streams or ()) - set(self.streams)
            if unknown:
                raise ValueError(f"Objective {objective.name!r} reads streams {sorted(unknown)} "
                                 f"that train_data lacks (it has {self.streams}).")
        # Index stream ids: the shared group keeps 0, 1, ... (one per stream, sorted);
        # objective k drawing its own batches uses (k + 1) * _OWN_STREAMS + n.
        self._groups = {}
        for k, objective in enumerate(self.objectives):
            group = objective.name if objective.own_batches else SHARED
            offset = (k + 1) * _OWN_STREAMS if objective.own_batches else 0
            wanted = self._streams_of(objective)
            ids = self._groups.setdefault(group, {})
            for n, stream in enumerate(self.streams):
                if stream in wanted:
                    ids[stream] = offset + n

        # Whole datasets go to the device once, in the form the model trains on.
        cache = {} if device_cache is None else device_cache

        def to_device(array):
            key = id(array)
            if key not in cache:  # the array is kept beside its copy, so its id stays its own
                cache[key] = (array, keras.ops.convert_to_tensor(array))
            return cache[key][1]

        self._data = {
            s: {k: to_device(v) for k, v in model.prepare_training_data(train_data[s]).items()}
            for s in self.streams
        }
        self._eval_data = {
            split: {k: to_device(v) for k, v in arrays.items()}
            for split, arrays in (eval_data or {}).items()
        }

        names = [o.name for o in self.objectives]
        self.optimizers = self._make_optimizers(optimizer, self.epochs * self.steps_per_epoch)
        self._objective_variables = [list(model.objective_variables(n)) for n in names]
        if getattr(model, "disjoint_objectives", False):
            self._check_disjoint()
        for opt, variables in zip(self.optimizers, self._objective_variables):
            opt.build(variables)
        model.reset_random_state(self.seed)
        self._build_steps()

    def _make_optimizers(self, optimizer, total_steps=None):
        """One optimizer per objective from the ``optimizer`` spec (see ``__init__``)."""
        names = [o.name for o in self.objectives]
        per_objective = isinstance(optimizer, dict) and set(optimizer) == set(names) and all(
            isinstance(v, dict) for v in optimizer.values()
        )
        return [make_optimizer(optimizer[name], total_steps, path=f"train.optimizer.{name}")
                if per_objective else make_optimizer(optimizer, total_steps)
                for name in names]

    def _streams_of(self, objective):
        return tuple(self.streams if objective.streams is None else objective.streams)

    def _check_disjoint(self):
        owner = {}
        paths = {id(v): p for p, v in checkpoints.variable_paths(self.model).items()}
        for objective, variables in zip(self.objectives, self._objective_variables):
            for v in variables:
                if id(v) in owner:
                    raise ValueError(
                        f"{type(self.model).__name__} declares disjoint objectives, but variable "
                        f"{paths.get(id(v), v.path)!r} is updated by both {owner[id(v)]!r} and "
                        f"{objective.name!r}.")
                owner[id(v)] = objective.name

    # ------------------------------------------------------------------
    # Compiled steps (the backend-specific part).
    # ------------------------------------------------------------------
    def _batch(self, objective, data, indices, take):
        group = objective.name if objective.own_batches else SHARED
        return {s: {k: take(v, indices[group][s]) for k, v in data[s].items()}
                for s in self._streams_of(objective)}

    def _build_steps(self):
        if self.backend == "jax":
            self._build_jax()
        else:
            self._build_tensorflow()

    def _build_tensorflow(self):
        import tensorflow as tf

        model = self.model
        after_updates = _has_after_updates(model)

        def step_indices(indices, i):
            return {g: {s: v[i] for s, v in streams.items()} for g, streams in indices.items()}

        def take(values, index):
            return tf.gather(values, index, axis=0)

        def one_step(data, indices):
            metrics = {}
            for objective, opt, variables in zip(
                self.objectives, self.optimizers, self._objective_variables
            ):
                batch = self._batch(objective, data, indices, take)
                with tf.GradientTape() as tape:
                    loss, terms = model.compute_objective(objective.name, batch, training=True)
                grads = tape.gradient(loss, variables)
                opt.apply(grads, variables)
                metrics.update(self._name_metrics(objective.name, loss, terms))
            if after_updates:
                model.after_updates()
            return metrics

        # The metric names, found by tracing one step's losses (nothing runs, no
        # state moves): the while loop below needs its accumulators up front.
        def probe(data, indices):
            indices = step_indices(indices, 0)
            metrics = {}
            for objective in self.objectives:
                batch = self._batch(objective, data, indices, take)
                loss, terms = model.compute_objective(objective.name, batch, training=True)
                metrics.update(self._name_metrics(objective.name, loss, terms))
            return metrics

        def chunk(data, indices):
            first = next(iter(next(iter(indices.values())).values()))
            num = tf.shape(first)[0]
            sums = {k: tf.zeros((), "float32") for k in self._metric_names}
            for i in tf.range(num):
                metrics = one_step(data, step_indices(indices, i))
                sums = {k: sums[k] + tf.cast(metrics[k], "float32") for k in sums}
            return {k: v / tf.cast(num, "float32") for k, v in sums.items()}

        specs = {g: {s: tf.TensorSpec([None, self.batch_sizes[s]], tf.int32) for s in streams}
                 for g, streams in self._groups.items()}
        data_spec = tf.nest.map_structure(tf.TensorSpec.from_tensor, self._data)
        self._metric_names = sorted(
            tf.function(probe).get_concrete_function(data_spec, specs).structured_outputs
        )
        self._tf_chunk = tf.function(chunk, jit_compile=self.jit_compile)

        def evaluate(batch):
            return model.evaluation_sums(batch)

        self._tf_eval = tf.function(evaluate, jit_compile=self.jit_compile)

    def _build_jax(self):
        import jax

        model = self.model
        trainable = model.trainable_variables
        non_trainable = model.non_trainable_variables
        position = {id(v): i for i, v in enumerate(trainable)}
        objective_positions = [[position[id(v)] for v in vs] for vs in self._objective_variables]
        after_updates = _has_after_updates(model)

        def stateless(fn, train_values, non_train_values):
            """``fn()`` on these values of the variables; its result and the
            non-trainable values after it (what it assigned, else the old ones)."""
            mapping = list(zip(trainable, train_values)) + list(zip(non_trainable, non_train_values))
            with keras.StatelessScope(state_mapping=mapping) as scope:
                out = fn()
            updated = [scope.get_current_value(v) for v in non_trainable]
            return out, [o if n is None else n for n, o in zip(updated, non_train_values)]

        def run(name, train_values, non_train_values, batch):
            (loss, terms), updated = stateless(
                lambda: model.compute_objective(name, batch, training=True),
                train_values, non_train_values)
            return loss, (terms, updated)

        def one_step(state, data, indices):
            train_values, non_train_values, opt_values = state
            train_values, opt_values = list(train_values), list(opt_values)
            metrics = {}
            for k, (objective, opt) in enumerate(zip(self.objectives, self.optimizers)):
                where = objective_positions[k]
                batch = self._batch(objective, data, indices,
                                    lambda v, i: jax.numpy.take(v, i, axis=0))

                def loss_fn(sub, train_values, non_train_values):
                    full = list(train_values)
                    for j, i in enumerate(where):
                        full[i] = sub[j]
                    return run(objective.name, full, non_train_values, batch)

                sub = [train_values[i] for i in where]
                (loss, (terms, non_train_values)), grads = jax.value_and_grad(
                    loss_fn, has_aux=True
                )(sub, train_values, non_train_values)
                new_sub, opt_values[k] = opt.stateless_apply(opt_values[k], grads, sub)
                for j, i in enumerate(where):
                    train_values[i] = new_sub[j]
                metrics.update(self._name_metrics(objective.name, loss, terms))
            if after_updates:
                _, non_train_values = stateless(model.after_updates, train_values,
                                                non_train_values)
            return (train_values, non_train_values, opt_values), metrics

        def chunk(state, data, indices):
            def body(state, step_indices):
                return one_step(state, data, step_indices)

            state, metrics = jax.lax.scan(body, state, indices)
            return state, jax.tree_util.tree_map(lambda m: m.astype("float32").mean(), metrics)

        def evaluate(train_values, non_train_values, batch):
            mapping = list(zip(trainable, train_values)) + list(zip(non_trainable, non_train_values))
            with keras.StatelessScope(state_mapping=mapping):
                return model.evaluation_sums(batch)

        jit = jax.jit if self.jit_compile else (lambda f, **kw: f)
        # No buffer donation: the state's arrays are the variables' own, and a run
        # stopped mid-epoch (a non-finite loss) must leave the model usable.
        self._jax_chunk_fn = chunk  # MultiSeedTrainer maps it over a seed axis
        self._jax_chunk = jit(chunk)
        self._jax_eval = jit(evaluate)

    def _name_metrics(self, name, loss, terms):
        prefix = "" if len(self.objectives) == 1 else f"{name}_"
        metrics = {f"{prefix}loss": loss}
        metrics.update({f"{prefix}{k}": v for k, v in terms.items()})
        return metrics

    def _jax_state(self):
        return (
            [v.value for v in self.model.trainable_variables],
            [v.value for v in self.model.non_trainable_variables],
            [[v.value for v in opt.variables] for opt in self.optimizers],
        )

    def _jax_assign(self, state):
        train_values, non_train_values, opt_values = state
        for v, x in zip(self.model.trainable_variables, train_values):
            v.assign(x)
        for v, x in zip(self.model.non_trainable_variables, non_train_values):
            v.assign(x)
        for opt, values in zip(self.optimizers, opt_values):
            for v, x in zip(opt.variables, values):
                v.assign(x)

    # ------------------------------------------------------------------
    # The loop.
    # ------------------------------------------------------------------
    def _indices(self, start_step, num_steps):
        return {
            group: {
                s: batch_indices(self.seed, stream_id, self.num_items[s], self.batch_sizes[s],
                                 start_step, num_steps)
                for s, stream_id in ids.items()
            }
            for group, ids in self._groups.items()
        }

    def _initialize_model(self):
        """The model's ``initialize`` hook, on one batch of every stream (index streams of its own)."""
        batch = {}
        for n, s in enumerate(self.streams):
            idx = batch_indices(self.seed, _INIT_STREAM + n, self.num_items[s],
                                self.batch_sizes[s], 0, 1)[0]
            batch[s] = {k: keras.ops.take(v, idx, axis=0) for k, v in self._data[s].items()}
        self.model.initialize(batch)

    def fit(self, deadline=None):
        """Trains up to ``epochs``, resuming from the latest checkpoint in ``workdir``.

        Args:
            deadline: a ``time.monotonic()`` value; once it has passed, training
                stops after the current epoch, at a checkpoint (``stopped_early``
                is then True), to be resumed later.

        Returns:
            The list of per-epoch metric records (also in ``metrics.jsonl``).

        Raises:
            TrainingDivergedError: a loss became NaN or Inf.
        """
        self._start()
        log = self._open_log()
        try:
            while self.epoch < self.epochs:
                self._after_epoch(self._train_epoch(), log)
                if self._out_of_time(deadline):
                    break
        finally:
            if log:
                log.close()
        return self.history

    def _out_of_time(self, deadline):
        """Past ``deadline`` with epochs left: checkpoint (if not just done) and say so."""
        self.stopped_early = (deadline is not None and self.epoch < self.epochs
                              and time.monotonic() >= deadline)
        if self.stopped_early and self.workdir and self.epoch % self.checkpoint_every:
            self.save_checkpoint()
        return self.stopped_early

    def _start(self, path=None):
        """Restores the latest (or ``path``'s) checkpoint, or initializes a new run."""
        if self.restore(path) is None and self.epoch == 0:
            self._initialize_model()

    def _open_log(self):
        log = RunLog(self.workdir) if self.workdir else None
        if log:
            log.truncate(self.epoch)
        return log

    def _train_epoch(self):
        start_step = self.epoch * self.steps_per_epoch
        bar = self._progress_bar()
        state = self._jax_state() if self.backend == "jax" else None
        started = time.perf_counter()
        done = 0
        sums = {}
        while done < self.steps_per_epoch:
            num = min(self.steps_per_execution, self.steps_per_epoch - done)
            indices = self._indices(start_step + done, num)
            if self.backend == "jax":
                state, metrics = self._jax_chunk(state, self._data, indices)
            else:
                with _tf_random_alg(self.tf_random_alg):
                    metrics = self._tf_chunk(self._data, indices)
            metrics = self._check_finite(metrics, start_step + done, num)
            for k, v in metrics.items():
                sums[k] = sums.get(k, 0.0) + v * num
            done += num
            if bar is not None:
                bar.update(done, values=list(metrics.items()))
        if self.backend == "jax":
            self._jax_assign(state)
        return self._end_epoch(sums, time.perf_counter() - started)

    def _progress_bar(self, seeds=None):
        """The epoch's bar; it names the seed of a multi-seed run, or ``seeds`` trained
        together."""
        if not self.verbose:
            return None
        label = (f" (seeds {', '.join(map(str, seeds))})" if seeds
                 else f" (seed {self.seed})" if self._show_seed else "")
        print(f"Epoch {self.epoch + 1}/{self.epochs}{label}")
        return keras.utils.Progbar(self.steps_per_epoch, verbose=self.verbose)

    def _check_finite(self, metrics, first_step, num):
        """Metrics as floats; ``TrainingDivergedError`` if one is NaN or Inf."""
        metrics = {k: float(v) for k, v in metrics.items()}
        bad = [k for k, v in metrics.items() if not math.isfinite(v)]
        if bad:
            raise TrainingDivergedError(
                f"Non-finite {', '.join(bad)} of seed {self.seed} at epoch {self.epoch + 1}, "
                f"steps {first_step}-{first_step + num}: {metrics}. Training stopped; the last "
                f"good checkpoint ({self.latest_checkpoint() or 'none written yet'}) was kept. "
                "Lower the learning rate or check the data."
            )
        return metrics

    def _end_epoch(self, sums, seconds):
        """The epoch's record: mean training metrics, time, and evaluation when due."""
        self.epoch += 1
        self.epochs_trained += 1
        record = {"epoch": self.epoch, "step": self.epoch * self.steps_per_epoch}
        record.update({f"train_{k}": v / self.steps_per_epoch for k, v in sums.items()})
        record["epoch_seconds"] = seconds
        if self.epoch % self.eval_every == 0 or self.epoch == self.epochs:
            for split in sorted(self._eval_data):
                record.update({f"{split}_{k}": v for k, v in self.evaluate(split).items()})
            generated = self.model.generated_metrics(seed=self.seed)
            record.update({f"generated_{k}": float(v) for k, v in generated.items()})
        return record

    def _after_epoch(self, record, log):
        """Logs the record and checkpoints when due."""
        if log:
            log.write(record)
        self.history.append(record)
        last = self.epoch == self.epochs
        if self.workdir and (last or self.epoch % self.checkpoint_every == 0):
            self.save_checkpoint()

    @property
    def eval_splits(self):
        """The names of the splits in ``eval_data``."""
        return tuple(self._eval_data)

    def evaluate(self, split):
        """Evaluates on a split of ``eval_data`` without moving the training random state.

        Returns:
            ``{metric: value}`` from the model's ``evaluation_sums`` (see
            ``ZooModel.finalize_evaluation``).
        """
        arrays = self._eval_data[split]
        n = int(keras.ops.shape(next(iter(arrays.values())))[0])
        totals = {}
        # Values, not references: a TensorFlow variable's ``.value`` is the variable.
        saved = [keras.ops.convert_to_tensor(np.asarray(v.value))
                 for v in self.model.non_trainable_variables]
        if self.backend == "jax":
            train_values = [v.value for v in self.model.trainable_variables]
        for lo in range(0, n, self.eval_batch_size):
            batch = {k: v[lo : lo + self.eval_batch_size] for k, v in arrays.items()}
            if self.backend == "jax":
                sums = self._jax_eval(train_values, saved, batch)
            else:
                with _tf_random_alg(self.tf_random_alg):
                    sums = self._tf_eval(batch)
            for k, v in sums.items():
                totals[k] = totals.get(k, 0.0) + float(v)
        if self.backend == "tensorflow":
            # Evaluation draws from the model's seed generators; put them back so
            # that how often one evaluates never changes the training run.
            for v, x in zip(self.model.non_trainable_variables, saved):
                v.assign(x)
        return self.model.finalize_evaluation(totals)

    # ------------------------------------------------------------------
    # Checkpoints.
    # ------------------------------------------------------------------
    def _checkpoint_root(self):
        return os.path.join(self.workdir, CHECKPOINT_DIR)

    def _optimizer_map(self):
        return {o.name: (opt, variables) for o, opt, variables in
                zip(self.objectives, self.optimizers, self._objective_variables)}

    def latest_checkpoint(self):
        """Path of the newest complete checkpoint in ``workdir``, or None."""
        return checkpoints.latest(self._checkpoint_root()) if self.workdir else None

    def save_checkpoint(self):
        """Writes the full training state (model, optimizers, counters) atomically."""
        state = {"epoch": self.epoch, "step": self.epoch * self.steps_per_epoch,
                 "seed": self.seed, "backend": self.backend, "fingerprint": self.fingerprint,
                 "history": self.history, "tf_random_alg": self.tf_random_alg or "auto_select"}
        if self.branched_from:
            state["branched_from"] = self.branched_from
        return checkpoints.save(self._checkpoint_root(), self.epoch, model=self.model,
                                optimizers=self._optimizer_map(), trainer_state=state,
                                keep=self.keep_checkpoints)

    def restore(self, path=None):
        """Loads the training state from ``path`` or the latest checkpoint; returns the path or None."""
        path = path or self.latest_checkpoint()
        if path is None:
            return None
        state, difference = self._read_checkpoint(path)
        if difference:
            raise ValueError(
                f"Checkpoint {path} was written by a run with a different configuration "
                f"({difference}); use a fresh work directory, or the same configuration to "
                "resume."
            )
        checkpoints.restore(path, model=self.model, optimizers=self._optimizer_map())
        self._adopt(state)
        return path

    def _read_checkpoint(self, path, compared=lambda fingerprint, step: fingerprint):
        """Checkpoint ``path``'s trainer state (its fingerprint in today's form) and
        where that fingerprint differs from this run's once both pass through
        ``compared(fingerprint, step)`` (None if nowhere); with the same
        configuration, another seed's is refused."""
        state = checkpoints.read_state(path)
        old = json.loads(json.dumps(self.upgrade_fingerprint(state["fingerprint"]), default=str))
        theirs = compared(old, int(state["step"]))
        ours = compared(self.fingerprint, int(state["step"]))
        if theirs != ours:
            return {**state, "fingerprint": old}, _first_difference(theirs, ours)
        if state["seed"] != self.seed:
            raise ValueError(f"Checkpoint {path} has seed {state['seed']}, this run {self.seed}.")
        return {**state, "fingerprint": old}, None

    def _adopt(self, state):
        """Takes the counters and history of a restored checkpoint's trainer ``state``."""
        # A run goes on drawing as it began (runs from before 0.3: TF's default).
        alg = state.get("tf_random_alg", "auto_select")
        alg = None if alg == "auto_select" else alg
        if self.backend == "tensorflow" and alg != self.tf_random_alg:
            self.tf_random_alg = alg
            self._build_tensorflow()  # fresh traces, drawn with the run's algorithm
        self.epoch = state["epoch"]
        self.history = state["history"]
        self.branched_from = state.get("branched_from")

    def branch(self, path, optimizer_of):
        """Begins this run at ``path``, a checkpoint of another run whose configuration
        differs from this one's only by learning-rate decay not yet begun at that step.

        Up to the checkpoint both runs took the same steps with the same
        learning rates, so (resume being exact) the branch is the run this
        configuration makes from step 0, without training those steps again:
        e.g. a run with a constant learning rate, branched at step 7,500 into
        one whose ``linear_decay`` starts there. The checkpoint is written to
        this run's folder under this run's fingerprint, with the optimizer
        state carried over (a constant learning rate's variable excepted),
        ``branched_from`` in its trainer state, and the records up to it in the
        metric files; ``fit`` then resumes from it. A work directory already
        branched from ``path`` is left as it is (``fit`` resumes it), so the
        command that began a branch also resumes it.

        Args:
            path: the checkpoint folder (``<run>/checkpoints/epoch_NNNNNN``).
            optimizer_of: maps a fingerprint to its run's optimizer spec (the
                ``optimizer`` argument), to rebuild the source's optimizers.

        Returns:
            The checkpoint written in this run's folder, or None if it was there.

        Raises:
            ValueError: no work directory, one that holds another run's
                checkpoint, ``path`` not a checkpoint, another seed, a
                checkpoint past this run's end, or configurations that differ
                otherwise (named).
        """
        if not self.workdir:
            raise ValueError("A branch is written to a work directory: give workdir.")
        latest = self.latest_checkpoint()
        if latest:
            began = checkpoints.read_state(latest).get("branched_from") or {}
            if began.get("checkpoint") == os.path.abspath(path):
                return None
            raise ValueError(f"{self.workdir} already holds {latest}, not a branch from {path}: "
                             "branch into a fresh work directory.")
        state, difference = self._read_checkpoint(path, without_decay_from)
        step = int(state["step"])
        if difference:
            raise ValueError(
                f"Checkpoint {path} (step {step}) cannot begin this run: the configurations "
                f"differ in more than a learning-rate decay starting at step {step} or later "
                f"({difference}).")
        if state["epoch"] > self.epochs:
            raise ValueError(f"Checkpoint {path} is at epoch {state['epoch']}, past this run's "
                             f"last ({self.epochs}).")
        sources = self._make_optimizers(optimizer_of(state["fingerprint"]))
        for optimizer, variables in zip(sources, self._objective_variables):
            optimizer.build(variables)
        checkpoints.restore(path, model=self.model, optimizers={
            o.name: (opt, v) for o, opt, v in zip(self.objectives, sources,
                                                  self._objective_variables)})
        for source, optimizer in zip(sources, self.optimizers):
            # A constant learning rate is a variable of Keras's optimizers, a schedule is not.
            carried = [v for v in source.variables if v.name != "learning_rate"]
            kept = [v for v in optimizer.variables if v.name != "learning_rate"]
            if [v.name for v in carried] != [v.name for v in kept]:
                raise ValueError(f"Checkpoint {path}: its optimizer's variables "
                                 f"{[v.name for v in carried]} are not this run's "
                                 f"{[v.name for v in kept]}.")
            for a, b in zip(carried, kept):
                b.assign(a.value)
        self._adopt({**state, "branched_from": {"checkpoint": os.path.abspath(path),
                                                "step": step}})
        log = RunLog(self.workdir)
        try:
            log.truncate(0)
            for record in self.history:
                log.write(record)
        finally:
            log.close()
        return self.save_checkpoint()


_TF_STATELESS = ("stateless_normal", "stateless_uniform", "stateless_truncated_normal")


@contextlib.contextmanager
def _tf_random_alg(alg):
    """While TensorFlow traces a step, random draws that name no algorithm use ``alg``.

    Keras's TensorFlow backend draws with ``tf.random.stateless_*`` and no
    ``alg``. Under XLA on CPU, TensorFlow's default compiles to code 20 to 40
    times slower than ``alg="philox"`` (114-133 ms against 3-6 ms for 250,000
    numbers), which made a whole M1+M2 step three times slower with XLA than
    without (docs/performance.md). Draws seeded by a ``SeedGenerator`` (what
    models use) come out the same either way (``tests/test_engine.py``); draws
    from a constant seed may not, so to be safe a run keeps the algorithm it
    began with: new runs name Philox, and a run begun before this (whose
    checkpoints name no algorithm) resumes with the default (``alg=None``).
    Only calls made inside the context are affected; tracing happens in the
    first call.
    """
    if alg is None:
        yield
        return
    import tensorflow as tf

    saved = {name: getattr(tf.random, name) for name in _TF_STATELESS}

    def with_alg(draw):
        @functools.wraps(draw)
        def call(*args, **kwargs):
            kwargs.setdefault("alg", alg)
            return draw(*args, **kwargs)
        return call

    try:
        for name, draw in saved.items():
            setattr(tf.random, name, with_alg(draw))
        yield
    finally:
        for name, draw in saved.items():
            setattr(tf.random, name, draw)


def _schedule_and_shapes(trainer):
    """What the seeds of one multi-seed run must share."""
    return (trainer.backend, trainer.steps_per_epoch, trainer.epochs,
            trainer.steps_per_execution, trainer.batch_sizes, trainer.streams,
            [o.name for o in trainer.objectives], [tuple(v.shape) for v in trainer.model.variables])


def _first_difference(old, new, where=""):
    """Where two JSON values first differ, for the resume error."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            if old.get(key, "<absent>") != new.get(key, "<absent>"):
                return _first_difference(old.get(key, "<absent>"), new.get(key, "<absent>"),
                                         f"{where}.{key}" if where else str(key))
    return f"{where or 'value'}: checkpoint {old!r}, now {new!r}"


class MultiSeedTrainer:
    """Trains several seeds of one configuration together.

    On JAX the seeds run as one compiled program: every state array (weights,
    optimizer state, random state) gets a leading seed axis, the step is
    ``jax.vmap``-ed over it inside the ``lax.scan`` over steps, and data all
    seeds share (the same array, e.g. the unlabeled images) stays on the device
    once while per-seed data (the labeled subset) carries the seed axis. On
    TensorFlow the seeds train one after another. Either way each seed keeps
    its initialisation, labeled split, batch order and noise, and writes the
    logs and checkpoints a single run of that seed writes; seed ``k`` of a
    multi-seed run matches a single run of seed ``k`` to float tolerance.

    The joint program is traced with the first seed's model, so what differs
    between seeds must be state (weights, optimizer and random state) or data,
    never a Python attribute the model's computation reads.

    How the joint program runs the seeds is ``seed_loop``: ``"vmap"`` makes
    each step one larger step over all seeds (what a GPU wants: its small
    kernels become S times larger), ``"map"`` runs the seeds one after another
    inside the program (``lax.map``: on a CPU, whose cores one seed's step
    already fills, batching seeds adds work without adding parallelism), and
    ``"auto"`` picks ``"map"`` on CPU and ``"vmap"`` elsewhere. The results
    are the same either way; ``tools/benchmark.py --seeds`` measures both.

    Args:
        trainers: one ``Trainer`` per seed, alike but for their seed, model
            weights and per-seed data (build them with one ``device_cache``).
        seed_loop: ``"auto"``, ``"vmap"`` or ``"map"`` (JAX only).
    """

    SEED_LOOPS = ("auto", "vmap", "map")

    def __init__(self, trainers, seed_loop="auto"):
        if seed_loop not in self.SEED_LOOPS:
            raise ValueError(f"seed_loop must be one of {self.SEED_LOOPS}, got {seed_loop!r}.")
        self.trainers = list(trainers)
        if not self.trainers:
            raise ValueError("MultiSeedTrainer needs at least one trainer.")
        first = self.trainers[0]
        seeds = [t.seed for t in self.trainers]
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"The seeds of a multi-seed run must differ, got {seeds}.")
        for t in self.trainers[1:]:
            if _schedule_and_shapes(t) != _schedule_and_shapes(first):
                raise ValueError(f"Seed {t.seed} differs from seed {first.seed} in more than "
                                 "its seed (schedule, streams, objectives or model shapes).")
        self.backend = first.backend
        self.seed_loop = seed_loop
        if seed_loop == "auto" and self.backend == "jax":
            import jax

            self.seed_loop = "map" if jax.devices()[0].platform == "cpu" else "vmap"
        for t in self.trainers:
            t._show_seed = len(self.trainers) > 1
        if self.backend == "jax" and len(self.trainers) > 1:
            self._build_jax()

    @property
    def seeds(self):
        return [t.seed for t in self.trainers]

    def _stacked_state(self):
        """Every seed's state, stacked on a leading seed axis."""
        import jax

        return jax.tree_util.tree_map(lambda *xs: jax.numpy.stack(xs),
                                      *[t._jax_state() for t in self.trainers])

    def _stacked_indices(self, start_step, num):
        """Every seed's batch indices for ``num`` steps, stacked on a leading seed axis."""
        import jax

        return jax.tree_util.tree_map(lambda *xs: np.stack(xs),
                                      *[t._indices(start_step, num) for t in self.trainers])

    def _build_jax(self):
        import jax

        first = self.trainers[0]

        def axis(arrays):
            return None if all(a is arrays[0] for a in arrays) else 0

        data_axes = {s: {k: axis([t._data[s][k] for t in self.trainers])
                         for k in first._data[s]} for s in first.streams}
        self._data = {s: {k: first._data[s][k] if data_axes[s][k] is None else
                          jax.numpy.stack([t._data[s][k] for t in self.trainers])
                          for k in first._data[s]} for s in first.streams}
        if self.seed_loop == "vmap":
            mapped = jax.vmap(first._jax_chunk_fn, in_axes=(0, data_axes, 0))
        else:
            def mapped(state, data, indices):
                # Shared arrays stay closed over; the per-seed ones are mapped.
                own = {s: {k: v for k, v in data[s].items() if data_axes[s][k] == 0}
                       for s in data}

                def one(args):
                    seed_state, seed_data, seed_indices = args
                    merged = {s: {k: seed_data[s][k] if data_axes[s][k] == 0 else data[s][k]
                                  for k in data[s]} for s in data}
                    return first._jax_chunk_fn(seed_state, merged, seed_indices)

                return jax.lax.map(one, (state, own, indices))
        self._chunk = jax.jit(mapped) if first.jit_compile else mapped
        for t in self.trainers[1:]:  # one compiled evaluation serves every seed
            t._jax_eval = first._jax_eval

    def _restore(self):
        """Every seed at the same epoch: each one's latest checkpoint, or all at the
        earliest of those when a run stopped between two seeds' checkpoints."""
        for t in self.trainers:
            t._start()
        epochs = {t.epoch for t in self.trainers}
        if len(epochs) > 1:
            common = min(epochs)
            for t in self.trainers:
                if t.epoch != common:
                    path = os.path.join(t._checkpoint_root(), f"epoch_{common:06d}")
                    if not os.path.isdir(path):
                        raise ValueError(
                            f"Seed {t.seed} is at epoch {t.epoch}, another at {common}, and "
                            f"{path} is gone; resume the seeds one by one.")
                    t._start(path)

    def flops_per_epoch(self):
        """XLA's count of the floating-point operations of one epoch of every seed
        (JAX only; None on TensorFlow), from the compiled program's cost analysis.

        XLA counts a loop's body once, whatever its trip count, so this compiles
        a one-step program and multiplies by the steps of an epoch (and, when the
        seeds run in a ``lax.map`` loop, by the number of seeds).
        """
        if self.backend != "jax":
            return None
        first = self.trainers[0]
        if len(self.trainers) > 1:
            compiled = self._chunk.lower(self._stacked_state(), self._data,
                                         self._stacked_indices(0, 1)).compile()
        else:
            compiled = first._jax_chunk.lower(first._jax_state(), first._data,
                                              first._indices(0, 1)).compile()
        analysis = compiled.cost_analysis()
        if isinstance(analysis, (list, tuple)):
            analysis = analysis[0] if analysis else {}
        flops = (analysis or {}).get("flops")
        if flops is None:
            return None
        loops = len(self.trainers) if len(self.trainers) > 1 and self.seed_loop == "map" else 1
        return float(flops) * first.steps_per_epoch * loops

    @property
    def stopped_early(self):
        """Whether a deadline stopped some seed before its last epoch."""
        return any(t.stopped_early for t in self.trainers)

    def fit(self, deadline=None):
        """Trains every seed to ``epochs``, resuming; returns each seed's history.

        ``deadline`` (a ``time.monotonic()`` value) stops every seed at a
        checkpoint once it has passed, as ``Trainer.fit`` does.
        """
        if self.backend != "jax" or len(self.trainers) == 1:
            return [t.fit(deadline) for t in self.trainers]
        import jax

        self._restore()
        logs = [t._open_log() for t in self.trainers]
        first = self.trainers[0]
        try:
            while first.epoch < first.epochs:
                start_step = first.epoch * first.steps_per_epoch
                bar = first._progress_bar(self.seeds)  # one bar: the seeds move together
                state = self._stacked_state()
                started = time.perf_counter()
                done, sums = 0, [{} for _ in self.trainers]
                while done < first.steps_per_epoch:
                    num = min(first.steps_per_execution, first.steps_per_epoch - done)
                    state, metrics = self._chunk(state, self._data,
                                                 self._stacked_indices(start_step + done, num))
                    metrics = {k: np.asarray(v) for k, v in metrics.items()}
                    for i, t in enumerate(self.trainers):
                        mine = t._check_finite({k: v[i] for k, v in metrics.items()},
                                               start_step + done, num)
                        for k, v in mine.items():
                            sums[i][k] = sums[i].get(k, 0.0) + v * num
                    done += num
                    if bar is not None:
                        bar.update(done)
                seconds = time.perf_counter() - started
                for i, t in enumerate(self.trainers):
                    t._jax_assign(jax.tree_util.tree_map(lambda x, i=i: x[i], state))
                    # Each seed's share of the joint time, and the joint time itself.
                    record = t._end_epoch(sums[i], seconds / len(self.trainers))
                    record["epoch_seconds_all_seeds"] = seconds
                    t._after_epoch(record, logs[i])
                if any([t._out_of_time(deadline) for t in self.trainers]):
                    break
        finally:
            for log in logs:
                if log:
                    log.close()
        return [t.history for t in self.trainers]
