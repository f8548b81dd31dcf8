"""Defaults shared by every experiment config in ``zoo_configs/``.

A config file starts from ``base_config`` and overrides what differs, so each
default lives here once.
"""

import ml_collections

# Adam as in the authors' code (dpkingma/nips14-ssl): lr 3e-4, beta1 0.9, beta2 0.999.
ADAM = {"name": "adam", "learning_rate": 3e-4, "beta_1": 0.9, "beta_2": 0.999}


def base_config(family, entry):
    config = ml_collections.ConfigDict()
    config.family = family
    config.entry = entry  # the zoo entry this config reproduces
    config.dataset = "mnist"
    config.num_validation = 10_000  # 50k train / 10k validation / 10k test (paper protocol)
    config.num_labeled = 0  # 0: unsupervised
    config.label_seed = -1  # -1: use the run seed
    config.seed = 0
    config.model = ml_collections.ConfigDict()
    config.train = ml_collections.ConfigDict()
    config.train.epochs = 1
    config.train.steps_per_epoch = 100
    config.train.batch_sizes = ml_collections.ConfigDict()
    config.train.optimizer = dict(ADAM)
    config.train.eval_every = 10
    config.train.eval_batch_size = 1000
    config.train.checkpoint_every = 10
    config.train.steps_per_execution = 10
    return config


def m2_schedule(config, num_labeled, smoke):
    """M2's semi-supervised schedule (M2 and M1+M2), from the authors' code.

    About 100 minibatches per epoch at N = 100, 200 otherwise; each minibatch
    holds 1/steps of the 50,000 unlabeled and of the N labeled images; 3000
    epochs. The smoke variant trains a tiny model for 60 steps in seconds.
    """
    m, t = config.model, config.train
    t.steps_per_epoch = 100 if num_labeled == 100 else 200
    t.batch_sizes.unlabeled = 50_000 // t.steps_per_epoch
    t.batch_sizes.labeled = max(1, num_labeled // t.steps_per_epoch)
    t.epochs = 3000
    t.eval_every = 50
    t.checkpoint_every = 50
    t.steps_per_execution = 100
    if smoke:
        m.latent_dim, m.hidden_units = 8, (64,)
        t.batch_sizes.unlabeled, t.batch_sizes.labeled = 100, 10
        t.eval_every = t.checkpoint_every = 1
        t.steps_per_execution = 5
        t.optimizer.learning_rate = 1e-3
        # A 60-step run learns from the labels only with a stronger weight on them.
        m.alpha = 5.0
        t.steps_per_epoch, t.epochs = 20, 3
    return config


def parse_arg(arg, default_labels=None):
    """``"100"``, ``"100,smoke"`` or ``"smoke"`` -> (number of labels, smoke?)."""
    parts = [p for p in (arg or "").split(",") if p]
    smoke = "smoke" in parts
    numbers = [p for p in parts if p != "smoke"]
    unknown = [p for p in numbers if not p.isdigit()]
    if unknown or len(numbers) > 1:
        raise ValueError(f"Config argument {arg!r}: expected 'N', 'N,smoke' or 'smoke'.")
    return (int(numbers[0]) if numbers else default_labels), smoke


def load_config_file(spec):
    """The ConfigDict of ``path/to/config.py[:arg]``, as ``--config`` would give it."""
    import importlib.util
    import os

    path, _, arg = str(spec).partition(":")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Config file {path} does not exist.")
    module_spec = importlib.util.spec_from_file_location("_ssgm_zoo_config", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.get_config(arg) if arg else module.get_config()
