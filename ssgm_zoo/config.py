"""Defaults shared by every experiment config in ``zoo_configs/``, and config loading.

A config file ``zoo_configs/<family>/<name>.py`` defines ``get_config(arg)``
returning an ``ml_collections.ConfigDict`` that starts from ``base_config``
(or a family's own starting point built on it) and overrides what differs, so
each default lives in one place. ``tools/train.py`` takes
``--config=path.py:arg`` and ``--config.a.b=value`` overrides.
"""

import importlib.util
import os

import ml_collections

__all__ = ["base_config", "parse_arg", "load_config_file", "ConfigFileError"]


class ConfigFileError(ValueError):
    """A config file cannot be loaded; the message says why and what to do."""


def base_config(family, model_name, entry):
    """The fields every config has, with the shared defaults.

    Args:
        family: the model family (a folder of ``ssgm_zoo/models/``).
        model_name: one of the family's models.
        entry: the zoo entry this config reproduces.
    """
    config = ml_collections.ConfigDict()
    config.family = family
    config.model_name = model_name
    config.entry = entry
    config.dataset = "mnist"
    config.num_validation = 10_000  # 50k train / 10k validation / 10k test
    config.num_labeled = 0  # 0: unsupervised
    config.label_seed = -1  # -1: use the run seed
    config.seed = 0
    config.model = ml_collections.ConfigDict()
    config.train = ml_collections.ConfigDict()
    config.train.epochs = 1
    config.train.steps_per_epoch = 100
    config.train.batch_sizes = ml_collections.ConfigDict()
    config.train.optimizer = {"name": "adam", "learning_rate": 1e-3}
    config.train.eval_every = 10
    config.train.eval_batch_size = 1000
    config.train.checkpoint_every = 10
    config.train.steps_per_execution = 10
    config.train.jit_compile = True  # XLA; False only to measure what XLA gains
    return config


def parse_arg(arg, default_labels=None):
    """``"100"``, ``"100,smoke"`` or ``"smoke"`` -> (number of labels, smoke?).

    Example:
    >>> parse_arg("100,smoke")
    (100, True)
    """
    parts = [p for p in (arg or "").split(",") if p]
    smoke = "smoke" in parts
    numbers = [p for p in parts if p != "smoke"]
    unknown = [p for p in numbers if not p.isdigit()]
    if unknown or len(numbers) > 1:
        raise ValueError(f"Config argument {arg!r}: expected 'N', 'N,smoke' or 'smoke'.")
    return (int(numbers[0]) if numbers else default_labels), smoke


def load_config_file(spec):
    """The ConfigDict of ``path/to/config.py[:arg]``, as ``--config`` would give it.

    Raises:
        FileNotFoundError: the file does not exist (the message says where
            configs live).
        ConfigFileError: the file cannot be imported (for example a config
            written for an older version of ssgm-zoo).
    """
    path, _, arg = str(spec).partition(":")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Config file {path} does not exist; the zoo's configs are in "
                                "zoo_configs/<family>/.")
    module_spec = importlib.util.spec_from_file_location("_ssgm_zoo_config", path)
    module = importlib.util.module_from_spec(module_spec)
    try:
        module_spec.loader.exec_module(module)
    except ImportError as error:
        raise ConfigFileError(
            f"Config file {path} cannot be imported ({error}). Configs written for ssgm-zoo 0.1 "
            "imported helpers that moved into their family's folder; use the config of the same "
            "name in zoo_configs/<family>/. Run directories trained with an old config resume "
            "with the new one.") from error
    return module.get_config(arg) if arg else module.get_config()
