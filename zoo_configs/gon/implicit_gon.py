"""Implicit gradient origin network: a SIREN over pixel coordinates (``Implicit-GON.py``).

Usage: ``--config=zoo_configs/gon/implicit_gon.py:mnist`` (or
``fashion_mnist``), ``:mnist,smoke`` for a seconds-long CPU run.

Facts from the authors' code: 32 latents, SIREN layers [34, 256, 256, 256,
256, 1] with w0 30, 28x28 images (not resized), the squared error summed over
pixels, Adam lr 1e-4, batches of 64. Their script is a 500-step demo; we
train 100 epochs.
"""

from ssgm_zoo.models.gon.configs import gon_config, parse_gon_arg


def get_config(arg="mnist"):
    dataset, latent, smoke = parse_gon_arg(arg, default_latent=32)
    slug = dataset.replace("_", "-")
    suffix = "" if latent == 32 else f"-z{latent}"
    config = gon_config("implicit_gon", f"implicit-gon-{slug}{suffix}", dataset, epochs=100)
    m = config.model
    m.latent_dim = latent
    m.resolution = 28
    m.hidden_units = (256, 256, 256, 256)
    m.w0 = 30.0
    if smoke:
        m.hidden_units = (32, 32)
        t = config.train
        t.steps_per_epoch, t.epochs, t.steps_per_execution = 20, 2, 10
        t.eval_every = t.checkpoint_every = 1
        t.batch_sizes.images = 32
        t.optimizer = {**t.optimizer, "learning_rate": 1e-3}
    return config
