"""Defaults the configs in ``zoo_configs/gon/`` share, and their argument."""

from ssgm_zoo.config import base_config

__all__ = ["gon_config", "parse_gon_arg", "DATASETS"]

DATASETS = ("mnist", "fashion_mnist")
_SHORT = {"fashion": "fashion_mnist", "fashion-mnist": "fashion_mnist"}


def parse_gon_arg(arg, default_latent):
    """``"mnist"``, ``"fashion_mnist,256"``, ``"mnist,64,smoke"`` -> (dataset, latent, smoke).

    Example:
    >>> parse_gon_arg("fashion,128,smoke", 32)
    ('fashion_mnist', 128, True)
    """
    parts = [p for p in (arg or "mnist").split(",") if p]
    smoke = "smoke" in parts
    parts = [p for p in parts if p != "smoke"]
    dataset = _SHORT.get(parts[0], parts[0]) if parts and not parts[0].isdigit() else "mnist"
    numbers = [p for p in parts if p.isdigit()]
    other = [p for p in parts if not p.isdigit() and _SHORT.get(p, p) != dataset]
    if dataset not in DATASETS or other or len(numbers) > 1:
        raise ValueError(f"Config argument {arg!r}: expected 'DATASET[,LATENT][,smoke]' with "
                         f"DATASET one of {', '.join(DATASETS)}, e.g. 'mnist,256'.")
    return dataset, (int(numbers[0]) if numbers else default_latent), smoke


def gon_config(model_name, entry, dataset, *, epochs, learning_rate=1e-4, batch_size=64):
    """The authors' training: Adam (PyTorch's defaults but the learning rate 1e-4),
    batches of 64 from the 50,000 training images (the last 10,000 of MNIST's
    training split are our validation split), one epoch = one pass."""
    config = base_config("gon", model_name, entry)
    config.dataset = dataset
    t = config.train
    t.optimizer = {"name": "adam", "learning_rate": learning_rate, "beta_1": 0.9,
                   "beta_2": 0.999, "epsilon": 1e-8}
    t.batch_sizes.images = batch_size
    t.steps_per_epoch = 50_000 // batch_size
    t.epochs = epochs
    t.eval_every = 10
    t.checkpoint_every = 10
    t.steps_per_execution = t.steps_per_epoch
    config.model.inner_batch_size = batch_size
    config.model.inner_steps = 1
    config.model.inner_step_size = 1.0
    return config
