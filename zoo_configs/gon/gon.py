"""Gradient origin network with the authors' conv decoder (Bond-Taylor & Willcocks 2021).

Usage: ``--config=zoo_configs/gon/gon.py:mnist`` (or ``fashion_mnist``), with
a latent size ``:mnist,64`` (default 256, the published entry; the authors'
``GON.py`` uses 32), ``:mnist,smoke`` for a seconds-long CPU run. The
activation ablation sets ``--config.model.activation=relu`` (``tanh``,
``leaky_relu``, ``softplus``, ``selu``, ``sine``); two gradient steps from
the origin: ``--config.model.inner_steps=2``.

Facts from the authors' ``GON.py``: ngf 16, ELU, batch norm, sigmoid output,
32x32 images (MNIST resized), Adam lr 1e-4, batches of 64. The reproduction
we compare with trained 500 epochs.
"""

from ssgm_zoo.models.gon.configs import gon_config, parse_gon_arg


def get_config(arg="mnist"):
    dataset, latent, smoke = parse_gon_arg(arg, default_latent=256)
    slug = dataset.replace("_", "-")
    entry = f"gon-{slug}" if latent == 256 else f"gon-{slug}-z{latent}"
    config = gon_config("gon", entry, dataset, epochs=500)
    m = config.model
    m.latent_dim = latent
    m.filters = 16
    m.activation = "elu"
    if smoke:
        m.filters = 4
        t = config.train
        t.steps_per_epoch, t.epochs, t.steps_per_execution = 20, 2, 10
        t.eval_every = t.checkpoint_every = 1
        t.batch_sizes.images = 32
        t.optimizer = {**t.optimizer, "learning_rate": 1e-3}
    return config
