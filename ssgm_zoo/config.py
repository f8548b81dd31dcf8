"""Defaults shared by every experiment config in ``zoo_configs/``, and config loading.

A config file ``zoo_configs/<family>/<name>.py`` defines ``get_config(arg)``
returning an ``ml_collections.ConfigDict`` that starts from ``base_config``
(or a family's own starting point built on it) and overrides what differs, so
each default lives in one place. ``tools/train.py`` takes
``--config=path.py:arg`` and ``--config.a.b=value`` overrides; ``parse_flags``
lets such an override be ``None`` whatever the field's type.
"""

import importlib.util
import os
import shlex
import typing

import ml_collections

__all__ = ["base_config", "parse_arg", "load_config_file", "parse_flags", "parse_flags_with_usage",
           "config_from_command", "ConfigFileError"]


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


class ConfigArg(typing.NamedTuple):
    """What a config file's argument names: see ``parse_arg``."""

    num_labeled: typing.Optional[int]
    smoke: bool
    variants: frozenset


def parse_arg(arg, default_labels=None, *, variants=()):
    """``"100"``, ``"100,smoke"`` or ``"smoke"`` -> ``ConfigArg(num_labeled, smoke,
    variants)``.

    ``variants`` are the names of a config file's named variants (e.g.
    ``("fast",)``); ``"100,fast"`` is accepted only where they include ``"fast"``,
    and the result's ``variants`` is the set of those named (empty otherwise).

    Example:
    >>> parse_arg("100,smoke")
    ConfigArg(num_labeled=100, smoke=True, variants=frozenset())
    >>> num_labeled, smoke, named = parse_arg("100,fast", variants=("fast",))
    >>> "fast" in named
    True
    """
    parts = [p for p in (arg or "").split(",") if p]
    smoke = "smoke" in parts
    named = frozenset(p for p in parts if p in variants)
    numbers = [p for p in parts if p != "smoke" and p not in named]
    unknown = [p for p in numbers if not p.isdigit()]
    if unknown or len(numbers) > 1:
        words = "".join(f", 'N,{v}'" for v in variants)
        raise ValueError(f"Config argument {arg!r}: expected 'N', 'N,smoke'{words} or 'smoke'.")
    if smoke and named:
        raise ValueError(f"Config argument {arg!r}: the smoke run has no variants "
                         f"(drop {', '.join(sorted(named))}).")
    labels = int(numbers[0]) if numbers else default_labels
    return ConfigArg(labels, smoke, named)


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


def parse_flags(argv, flag_values=None, name="config"):
    """Parses command-line flags as absl does, and also takes ``--config.a.b=None``.

    ml_collections parses an override with the type of the field's default,
    so a float field cannot be set to None from the command line
    (``could not convert string to float: 'None'``), although a config file
    can set it. This takes such overrides out of ``argv``, parses the rest,
    then sets those fields to None in the parsed config. A tool gives
    ``parse_flags_with_usage`` to ``absl.app.run(main, flags_parser=...)``.

    Args:
        argv: the command line, program name first.
        flag_values: the ``absl.flags.FlagValues`` to parse into (default
            ``absl.flags.FLAGS``); it defines the config flag ``name``.
        name: the name of the config flag.

    Returns:
        The arguments absl left unparsed, program name first.

    Raises:
        absl.flags.IllegalFlagValueError: an override names a field the config
            does not have.
    """
    from absl import flags

    flag_values = flags.FLAGS if flag_values is None else flag_values
    prefix = f"--{name}."
    nones, rest = [], []
    for arg in argv:
        key, sep, value = arg.partition("=")
        if key.startswith(prefix) and sep and value == "None":
            nones.append(key[len(prefix):])
        else:
            rest.append(arg)
    try:
        remaining = flag_values(rest)
    except (AttributeError, KeyError) as error:  # ml_collections' for an unknown field
        detail = str(error.args[0] if error.args else error).strip("'\"")
        raise flags.IllegalFlagValueError(
            f"A {prefix}* override names a field the config does not have ({detail}); "
            "overrides given: "
            + " ".join(a for a in argv if a.startswith(prefix))) from error
    config = flag_values[name].value
    for path in nones:
        *parents, field = path.split(".")
        node = config
        for part in parents + [field]:
            if not isinstance(node, ml_collections.ConfigDict) or part not in node:
                raise flags.IllegalFlagValueError(
                    f"{prefix}{path}=None: the config has no field {part!r} there.")
            if part != field:
                node = node[part]
        node[field] = None
    return remaining


def parse_flags_with_usage(argv):
    """``parse_flags`` on ``absl.flags.FLAGS`` for ``absl.app.run``: a parsing
    error is printed as absl prints its own, and the program exits with 1."""
    import sys

    from absl import flags

    try:
        return parse_flags(argv)
    except flags.Error as error:
        sys.stderr.write(f"FATAL Flags parsing error: {error}\n"
                         "Pass --helpshort or --helpfull to see help on flags.\n")
        sys.exit(1)


def config_from_command(command, root="."):
    """The config a ``tools/train.py`` command line trains with.

    Its ``--config=FILE[:ARG]``, ``--config.a.b=value`` overrides and
    ``--seed=N`` are parsed as ``tools/train.py`` parses them (``None``
    included); other flags are ignored. A relative config path is taken from
    ``root`` (the repository, where ``zoo_configs/`` is).

    Example:
    >>> config_from_command("python tools/train.py --config=zoo_configs/a.py:100 "
    ...                     "--config.train.epochs=5 --seed=2")  # doctest: +SKIP

    Raises:
        ValueError: the command has no ``--config=``, or ``{seed}`` is left in it.
        absl.flags.Error: an override does not parse.
    """
    from absl import flags
    from ml_collections import config_flags

    if "{seed}" in command:
        raise ValueError("Put a seed in the command's {seed} before parsing it.")
    args = shlex.split(command)
    files = [a.split("=", 1)[1] for a in args if a.startswith("--config=")]
    if len(files) != 1:
        raise ValueError(f"The command needs one --config=FILE[:ARG]: {command}")
    path = files[0] if os.path.isabs(files[0]) else os.path.join(root, files[0])
    argv = (["train.py", f"--config={path}"]
            + [a for a in args if a.startswith("--config.")])
    values = flags.FlagValues()
    config_flags.DEFINE_config_file("config", flag_values=values, sys_argv=argv)
    parse_flags(argv, flag_values=values)
    config = values.config
    seeds = [a.split("=", 1)[1] for a in args if a.startswith("--seed=")]
    if seeds:
        config.seed = int(seeds[-1])
    return config
