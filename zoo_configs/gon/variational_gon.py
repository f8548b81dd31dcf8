"""Variational gradient origin network (the authors' ``Variational-GON.py``).

Usage: ``--config=zoo_configs/gon/variational_gon.py:mnist`` (or
``fashion_mnist``), ``:mnist,smoke`` for a seconds-long CPU run.

Facts from the authors' code: nz 48, ngf 32, ELU, the summed Bernoulli
cross-entropy plus the KL divergence (weight 1), Adam lr 1e-4, batches of 64,
300 epochs.
"""

from ssgm_zoo.models.gon.configs import gon_config, parse_gon_arg


def get_config(arg="mnist"):
    dataset, latent, smoke = parse_gon_arg(arg, default_latent=48)
    slug = dataset.replace("_", "-")
    suffix = "" if latent == 48 else f"-z{latent}"
    config = gon_config("variational_gon", f"variational-gon-{slug}{suffix}", dataset,
                        epochs=300)
    m = config.model
    m.latent_dim = latent
    m.filters = 32
    m.activation = "elu"
    m.kl_weight = 1.0
    if smoke:
        m.filters = 4
        t = config.train
        t.steps_per_epoch, t.epochs, t.steps_per_execution = 20, 2, 10
        t.eval_every = t.checkpoint_every = 1
        t.batch_sizes.images = 32
        t.optimizer = {**t.optimizer, "learning_rate": 1e-3}
    return config
