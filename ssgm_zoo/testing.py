"""The shared model test harness every family's tests call (as keras-hub's ``TestCase``).

A family describes a small instance of each of its models as a *model case*:
a function, importable by name (``"tests.<family>.cases:<model>"``), returning a
``ModelCase``: how to build the model, tiny training data, and the outputs
that must survive saving and a change of backend. ``run_model_tests`` then
checks, on the current backend:

* every objective and its terms are finite on a batch;
* gradients reach every variable of each objective's ``objective_variables``,
  and every trainable variable belongs to some objective (pairwise disjoint
  when the model says so);
* ``from_config(get_config())`` round-trips;
* a few engine steps train it, and a model saved with ``save_model_dir``
  loads with identical outputs;

and ``run_cross_backend_test`` trains it on one backend and loads it on the
other, in subprocesses, with equal outputs. ``run_entry_test`` checks that a
shipped entry reproduces its recorded metric on a test slice.

The JAX backend needs TFP's nightly build where a family uses TFP (see
README); ``$SSGM_ZOO_JAX_SITE`` (default ``<repo>/.jax-site``) is put first on
the JAX subprocesses' path.
"""

import dataclasses
import json
import os
import pathlib
import subprocess
import sys
from typing import Callable, Mapping

import numpy as np

__all__ = ["ModelCase", "run_model_tests", "run_objective_test", "run_gradient_test",
           "run_serialization_test", "run_saving_test", "run_training_test",
           "run_cross_backend_test", "run_entry_test", "run_shipped_entry_files_test",
           "shipped_entries", "backend_env", "run_python"]

REPO = pathlib.Path(__file__).resolve().parents[1]


@dataclasses.dataclass
class ModelCase:
    """A small model of a family, for the harness.

    Attributes:
        make_model: ``seed -> model`` (built, all weights created).
        train_data: ``{stream: {key: array}}`` as the engine takes it.
        batch_sizes: ``{stream: batch size}``.
        outputs: ``model -> {name: array}``, deterministic outputs compared
            after saving and across backends.
        optimizer: the engine's optimizer spec for the training steps.
        backend_tolerance: ``rtol`` and ``atol`` of the outputs' agreement
            across backends; a model whose outputs amplify float32 rounding
            (a gradient taken through batch normalisation at zero variance)
            states a wider one, with its reason.
        output_tolerances: ``{output name: {"rtol", "atol"}}``, a tolerance for
            one output that replaces ``backend_tolerance`` for it, with its reason.
    """

    make_model: Callable
    train_data: Mapping
    batch_sizes: Mapping
    outputs: Callable
    optimizer: Mapping = dataclasses.field(default_factory=lambda: {"learning_rate": 1e-2})
    backend_tolerance: Mapping = dataclasses.field(
        default_factory=lambda: {"rtol": 1e-4, "atol": 1e-5})
    output_tolerances: Mapping = dataclasses.field(default_factory=dict)


def _case(reference):
    from ssgm_zoo.families import load_object

    return load_object(reference)()


def _batch(case, model, objective):
    """One batch of an objective's streams: the first items of each stream."""
    from keras import ops

    streams = case.train_data if objective.streams is None else objective.streams
    return {s: {k: ops.convert_to_tensor(v[:case.batch_sizes[s]])
                for k, v in case.train_data[s].items()} for s in streams}


def _prepared(case, model):
    return {s: model.prepare_training_data(dict(arrays))
            for s, arrays in case.train_data.items()}


def _objectives(model):
    from ssgm_zoo.training.engine import _objectives as engine_objectives

    return engine_objectives(model)


def _objective_values(case, model, objective):
    """``(loss, terms, {variable id: gradient})`` of one objective on a batch."""
    from keras import ops

    from ssgm_zoo.training.gradients import variable_gradients

    prepared = dataclasses.replace(case, train_data=_prepared(case, model))
    batch = _batch(prepared, model, objective)
    variables = list(model.trainable_variables)
    (loss, terms), grads = variable_gradients(
        lambda: model.compute_objective(objective.name, batch, training=True), variables,
        has_aux=True)
    grads = {id(v): None if g is None else ops.convert_to_numpy(g)
             for v, g in zip(variables, grads)}
    return loss, terms, grads


def run_objective_test(case, model):
    """Every objective's loss and terms are finite scalars; returns ``{name: loss}``."""
    return {name: loss for name, (loss, _) in _check_objectives(case, model).items()}


def _check_objectives(case, model):
    from keras import ops

    out = {}
    for objective in _objectives(model):
        loss, terms, grads = _objective_values(case, model, objective)
        for key, value in {"loss": loss, **terms}.items():
            array = ops.convert_to_numpy(value)
            assert array.shape == (), f"{objective.name}/{key} is not a scalar: {array.shape}"
            assert np.isfinite(array), f"{objective.name}/{key} is not finite: {array}"
        out[objective.name] = (float(ops.convert_to_numpy(loss)), grads)
    return out


def run_gradient_test(case, model):
    """Finite objectives whose gradients reach all their variables; every trainable
    variable is trained by some objective (by exactly one, for disjoint objectives)."""
    trained, owners = set(), {}
    for name, (_, grads) in _check_objectives(case, model).items():
        for v in model.objective_variables(name):
            g = grads.get(id(v))
            assert g is not None and np.any(g != 0), (
                f"objective {name!r} does not reach variable {v.path}")
            assert np.all(np.isfinite(g)), f"non-finite gradient for {v.path}"
            if getattr(model, "disjoint_objectives", False):
                assert id(v) not in owners, f"{v.path} is updated by {owners[id(v)]!r} and {name!r}"
            owners[id(v)] = name
            trained.add(id(v))
    untrained = [v.path for v in model.trainable_variables if id(v) not in trained]
    assert not untrained, f"trainable variables no objective updates: {untrained}"


def run_serialization_test(model):
    """``from_config(get_config())`` rebuilds a model with the same config."""
    config = model.get_config()
    clone = type(model).from_config(config)
    assert clone.get_config() == config
    assert len(clone.weights) == len(model.weights)
    return clone


def _assert_outputs_equal(a, b, per_output=None, **tolerance):
    assert set(a) == set(b), (sorted(a), sorted(b))
    for key in a:
        np.testing.assert_allclose(np.asarray(b[key]), np.asarray(a[key]), err_msg=key,
                                   **(per_output or {}).get(key, tolerance))


def run_training_test(case, model, *, steps=3, seed=0):
    """A few engine steps: finite metrics; returns the history."""
    from ssgm_zoo.training import Trainer

    trainer = Trainer(model, train_data=case.train_data, batch_sizes=case.batch_sizes,
                      steps_per_epoch=steps, epochs=1, optimizer=case.optimizer, seed=seed,
                      verbose=0, steps_per_execution=steps)
    history = trainer.fit()
    assert all(np.isfinite(v) for k, v in history[-1].items() if k.startswith("train_"))
    return history


def run_saving_test(case, model, directory):
    """Saved with ``save_model_dir`` and loaded back, the model gives identical outputs."""
    from ssgm_zoo import checkpoint

    checkpoint.save_model_dir(model, directory)
    loaded = checkpoint.load_model_dir(directory)
    assert type(loaded) is type(model)
    _assert_outputs_equal(case.outputs(model), case.outputs(loaded), rtol=0, atol=0)
    return loaded


def run_model_tests(case_reference, tmp_path, *, seed=0):
    """The checks above on the current backend, for the case named ``case_reference``."""
    case = _case(case_reference)
    model = case.make_model(seed)
    run_gradient_test(case, model)  # the objectives' finiteness included
    run_serialization_test(model)
    run_training_test(case, model)
    run_saving_test(case, model, pathlib.Path(tmp_path) / "model")
    return model


# -- other backends, in subprocesses ---------------------------------------------------------
def backend_env(backend):
    """The environment of a subprocess that runs Keras on ``backend`` (on the CPU)."""
    env = dict(os.environ, KERAS_BACKEND=backend, PYTHONUNBUFFERED="1",
               TF_CPP_MIN_LOG_LEVEL="3", JAX_PLATFORMS="cpu", CUDA_VISIBLE_DEVICES="")
    paths = [str(REPO)]
    if backend == "jax":
        site = os.environ.get("SSGM_ZOO_JAX_SITE", str(REPO / ".jax-site"))
        if os.path.isdir(site):
            paths.insert(0, site)
    env["PYTHONPATH"] = os.pathsep.join(paths + [env.get("PYTHONPATH", "")])
    return env


def run_python(backend, code, *args, timeout=600):
    """Runs ``code`` under ``backend``; returns the JSON object it prints last."""
    result = subprocess.run([sys.executable, "-c", code, *map(str, args)],
                            env=backend_env(backend), capture_output=True, text=True,
                            timeout=timeout, cwd=REPO)
    if result.returncode != 0:
        raise AssertionError(f"{backend} subprocess failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


_TRAIN_AND_SAVE = r"""
import json, sys
import numpy as np
from ssgm_zoo import checkpoint, testing
case = testing._case(sys.argv[1])
model = case.make_model(0)
history = testing.run_training_test(case, model)
checkpoint.save_model_dir(model, sys.argv[2])
print(json.dumps({"history": history, "outputs": {k: np.asarray(v).tolist()
                  for k, v in case.outputs(model).items()}}))
"""

_LOAD = r"""
import json, sys
import numpy as np
from ssgm_zoo import checkpoint, testing
case = testing._case(sys.argv[1])
model = checkpoint.load_model_dir(sys.argv[2])
print(json.dumps({"outputs": {k: np.asarray(v).tolist()
                  for k, v in case.outputs(model).items()}}))
"""


def run_cross_backend_test(case_reference, tmp_path, *, source, target):
    """Trains the case a few steps on ``source``, loads it on ``target``: equal outputs.

    Returns:
        The source run's history (engine records).
    """
    directory = pathlib.Path(tmp_path) / f"{source}-model"
    trained = run_python(source, _TRAIN_AND_SAVE, case_reference, directory)
    loaded = run_python(target, _LOAD, case_reference, directory)
    case = _case(case_reference)
    _assert_outputs_equal(trained["outputs"], loaded["outputs"], case.output_tolerances,
                          **case.backend_tolerance)
    return trained["history"]


def shipped_entries(family_name):
    """The names of the entries ``family_name`` ships, in registry order."""
    from ssgm_zoo.zoo import registry

    return [n for n, r in registry.records().items() if r.family == family_name]


def run_shipped_entry_files_test(name):
    """A shipped entry lies in its family's ``entries/`` folder with exactly the files
    its record lists, each matching its recorded sha256; returns the record."""
    from ssgm_zoo import families
    from ssgm_zoo.zoo import registry, verify_files

    record = registry.model_info(name)
    folder = families.get(record.family).entries_dir
    assert registry.record_path(name).parent == folder
    verify_files(folder / name, record)
    assert {p.name for p in (folder / name).iterdir()} == set(record.files)
    return record


def run_protocol_entry_test(run, repo):
    """The entry a family's protocol run names was trained with that run's config:
    the same entry, model, labels and model options, the config in its command,
    and the weight dtype the protocol asks for. Returns the record.

    Args:
        run: a ``families.ProtocolRun`` with an ``entry``.
        repo: the repository root its ``config`` path is relative to.
    """
    from ssgm_zoo.config import load_config_file
    from ssgm_zoo.zoo import registry

    record = registry.model_info(run.name)
    config = load_config_file(pathlib.Path(repo) / run.config)
    assert config.entry == run.name and record.model_name == config.model_name
    assert (record.num_labeled or 0) == config.num_labeled  # None: trained without labels
    assert record.training.config["model"] == json.loads(config.model.to_json())
    assert run.config in record.training.command
    assert record.weights_dtype == run.entry.get("weights_dtype", "float32")
    return record


def run_entry_test(name, data_dir, *, count=1000):
    """A shipped entry loads (sha256-checked) and reproduces its recorded test-slice errors."""
    from ssgm_zoo import data
    from ssgm_zoo.zoo import load_pretrained, model_info

    record = model_info(name)
    model = load_pretrained(name)
    assert model.count_params() == record.parameter_count
    metric = record.metrics.get(f"test_errors_first_{count}")
    if metric is None:
        return model
    x, y = data.load_splits(record.dataset, data_dir=str(data_dir))["test"]
    assert int((model.classify(x[:count]) != y[:count]).sum()) == metric.published
    return model
