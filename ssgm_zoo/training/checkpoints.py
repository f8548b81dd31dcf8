"""Training checkpoints: the full state of a run, keyed by where each variable lives.

A checkpoint is a folder ``checkpoints/epoch_NNNNNN/`` holding ``state.npz``
(one array per variable) and ``trainer.json`` (counters, configuration
fingerprint, history, and which variables each optimizer updates). It is
written with ``ssgm_zoo.files.atomic_directory``, so a run killed while
saving leaves the previous checkpoint intact.

Model arrays are keyed by *variable path*: the attribute names that lead from
the model to the variable (``classifier/hidden/0/kernel``,
``seed_generator/state``), as Keras's own weight files do. Adding a variable
to a model therefore adds one key instead of shifting every array, and a
checkpoint that lacks or has extra variables is refused with their names.
Optimizer arrays are keyed by objective and position, with the list of model
paths each optimizer was built on stored beside them and compared on restore.

Checkpoints written before variable paths (keys ``model/00000``, ...) are still
read, by position, when the model has exactly as many variables of the same
shapes; otherwise the error says why they cannot be.
"""

import collections
import json
import os
import shutil

import keras
import numpy as np

from ssgm_zoo import files

__all__ = ["variable_paths", "save", "restore", "read_state", "latest", "CheckpointError",
           "STATE_FILE", "TRAINER_FILE"]

STATE_FILE = "state.npz"
TRAINER_FILE = "trainer.json"
PREFIX = "epoch_"


class CheckpointError(ValueError):
    """A checkpoint does not fit the model or run it is restored into."""


def _layer_children(layer):
    """(name, child) for the public attributes of ``layer`` that hold layers or seed generators."""
    out = []
    for attr, value in sorted(vars(layer).items()):
        if attr.startswith("_"):
            continue
        if isinstance(value, (keras.layers.Layer, keras.random.SeedGenerator, keras.Variable)):
            out.append((attr, value))
        elif isinstance(value, (list, tuple)) and value and all(
                isinstance(v, keras.layers.Layer) for v in value):
            out.extend((f"{attr}/{i}", v) for i, v in enumerate(value))
    return out


def variable_paths(root):
    """Every variable of ``root`` (a layer or model), named by the attributes that reach it.

    Returns:
        ``{path: variable}``, covering ``root.variables`` exactly once each.

    Raises:
        CheckpointError: two variables would get the same path, or a variable
            of ``root.variables`` is reached by no path.

    Example:
    >>> layer = keras.layers.Dense(2)
    >>> layer.build((None, 3))
    >>> sorted(variable_paths(layer))
    ['bias', 'kernel']
    """
    paths = {}
    seen_layers, seen_vars = set(), set()

    def add(path, variable):
        if id(variable) in seen_vars:
            return
        if path in paths:
            raise CheckpointError(f"Two variables of {type(root).__name__} share the path {path!r}.")
        seen_vars.add(id(variable))
        paths[path] = variable

    def visit(layer, prefix):
        if id(layer) in seen_layers:
            return
        seen_layers.add(id(layer))
        children = _layer_children(layer)
        for name, child in children:
            if isinstance(child, keras.Variable):
                add(prefix + name, child)
            elif isinstance(child, keras.random.SeedGenerator):
                add(f"{prefix}{name}/state", child.state)
        nested = {id(v) for _, c in children if isinstance(c, keras.layers.Layer)
                  for v in c.variables}
        own = [v for v in layer.variables if id(v) not in nested and id(v) not in seen_vars]
        counts = collections.Counter(v.name for v in own)
        index = collections.Counter()
        for v in own:
            suffix = "" if counts[v.name] == 1 else f"_{index[v.name]}"
            index[v.name] += 1
            add(f"{prefix}{v.name}{suffix}", v)
        for name, child in children:
            if isinstance(child, keras.layers.Layer):
                visit(child, f"{prefix}{name}/")

    visit(root, "")
    missing = [v.path for v in root.variables if id(v) not in seen_vars]
    if missing:
        raise CheckpointError(f"Variables {missing} of {type(root).__name__} are reached by no "
                              "attribute path.")
    return paths


def latest(root):
    """The newest complete checkpoint folder under ``root``, or None."""
    if not os.path.isdir(root):
        return None
    done = sorted(d for d in os.listdir(root)
                  if d.startswith(PREFIX) and os.path.isfile(os.path.join(root, d, TRAINER_FILE)))
    return os.path.join(root, done[-1]) if done else None


def save(root, epoch, *, model, optimizers, trainer_state, keep=2):
    """Writes checkpoint ``root/epoch_NNNNNN`` atomically and keeps the ``keep`` newest.

    Args:
        root: the checkpoints folder (created if needed).
        epoch: the number of completed epochs.
        model: the model whose variables are saved.
        optimizers: ``{objective: (optimizer, [model variables it updates])}``.
        trainer_state: JSON-able counters, fingerprint and history.
        keep: how many checkpoints to keep.

    Returns:
        The checkpoint folder.
    """
    os.makedirs(root, exist_ok=True)
    paths = variable_paths(model)
    arrays = {f"model/{p}": np.asarray(v.value) for p, v in paths.items()}
    by_id = {id(v): p for p, v in paths.items()}
    manifest = {}
    for name, (optimizer, variables) in optimizers.items():
        manifest[name] = [by_id[id(v)] for v in variables]
        for i, v in enumerate(optimizer.variables):
            arrays[f"optimizer/{name}/{i:05d}"] = np.asarray(v.value)
    target = os.path.join(root, f"{PREFIX}{epoch:06d}")
    with files.atomic_directory(target) as tmp:
        np.savez(tmp / STATE_FILE, **arrays)
        # Inside the temporary folder plain writes suffice: the folder's rename is atomic.
        (tmp / TRAINER_FILE).write_text(
            json.dumps({**trainer_state, "optimizer_variables": manifest}, indent=1))
    done = sorted(d for d in os.listdir(root) if d.startswith(PREFIX))
    for d in done[:-keep] if keep else []:
        shutil.rmtree(os.path.join(root, d), ignore_errors=True)
    return target


def _assign(variable, array, key, path):
    if tuple(variable.shape) != tuple(array.shape):
        raise CheckpointError(f"Checkpoint {path}: {key} has shape {tuple(array.shape)}, the "
                              f"model's variable has {tuple(variable.shape)}.")
    variable.assign(array)


def read_state(path):
    """The trainer state (``trainer.json``) of checkpoint folder ``path``.

    Raises:
        CheckpointError: ``path`` is not a checkpoint folder.
    """
    trainer_file = os.path.join(path, TRAINER_FILE)
    if not os.path.isfile(trainer_file):
        raise CheckpointError(f"{path} is not a checkpoint folder (it has no {TRAINER_FILE}).")
    with open(trainer_file) as f:
        return json.load(f)


def restore(path, *, model, optimizers):
    """Loads checkpoint ``path`` into ``model`` and ``optimizers``; returns its trainer state.

    Raises:
        CheckpointError: the checkpoint's variables (paths, shapes, or what
            each optimizer updates) differ from the model's; the message
            names them.
    """
    state = read_state(path)
    with np.load(os.path.join(path, STATE_FILE)) as stored:
        arrays = {k: stored[k] for k in stored.files}
    if "model/00000" in arrays and "optimizer_variables" not in state:
        _restore_by_position(path, arrays, model, optimizers)
        return state
    paths = variable_paths(model)
    saved = {k[len("model/"):] for k in arrays if k.startswith("model/")}
    missing, extra = sorted(set(paths) - saved), sorted(saved - set(paths))
    if missing or extra:
        raise CheckpointError(
            f"Checkpoint {path} does not match the model's variables: missing from the "
            f"checkpoint {missing or 'none'}, not in the model {extra or 'none'}. Was the model "
            "code or configuration changed? Use a fresh work directory.")
    for p, v in paths.items():
        _assign(v, arrays[f"model/{p}"], f"model/{p}", path)
    by_id = {id(v): p for p, v in paths.items()}
    manifest = state.get("optimizer_variables", {})
    for name, (optimizer, variables) in optimizers.items():
        expected = [by_id[id(v)] for v in variables]
        if manifest.get(name) != expected:
            raise CheckpointError(
                f"Checkpoint {path}: the optimizer of objective {name!r} was built on "
                f"{manifest.get(name)}, this run's on {expected}.")
        for i, v in enumerate(optimizer.variables):
            _assign(v, arrays[f"optimizer/{name}/{i:05d}"], f"optimizer/{name}/{i:05d}", path)
    return state


def _restore_by_position(path, arrays, model, optimizers):
    """Checkpoints of ssgm-zoo 0.1 keyed arrays by position (``model/00000``, ``optimizer0/...``)."""
    model_keys = sorted(k for k in arrays if k.startswith("model/"))
    if len(model_keys) != len(model.variables):
        raise CheckpointError(
            f"Checkpoint {path} was written by ssgm-zoo 0.1, which keyed arrays by position, and "
            f"holds {len(model_keys)} model arrays; this model has {len(model.variables)} "
            "variables, so the arrays cannot be matched to them. Use a fresh work directory.")
    for key, v in zip(model_keys, model.variables):
        _assign(v, arrays[key], key, path)
    for k, (_, (optimizer, _)) in enumerate(optimizers.items()):
        keys = sorted(a for a in arrays if a.startswith(f"optimizer{k}/"))
        if len(keys) != len(optimizer.variables):
            raise CheckpointError(f"Checkpoint {path}: optimizer {k} holds {len(keys)} arrays, "
                                  f"this run's has {len(optimizer.variables)} variables.")
        for key, v in zip(keys, optimizer.variables):
            _assign(v, arrays[key], key, path)
