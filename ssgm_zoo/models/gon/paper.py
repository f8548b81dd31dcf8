"""Facts of Bond-Taylor & Willcocks 2021 and of the reproduction this family is measured against.

Every number here is the paper's authors' code's or the reproduction's, never ours.
"""

from ssgm_zoo import families

PAPER = families.Paper(
    title="Gradient Origin Networks",
    authors="Sam Bond-Taylor, Chris G. Willcocks",
    venue="ICLR 2021",
    url="https://arxiv.org/abs/2007.02798",
    code="https://github.com/cwkx/GON",
)

#: A reproducibility report (Chen, Gu & Shang, McGill, 2021), table 1: validation
#: reconstruction loss of the conv GON after 500 epochs, by dataset and latent
#: size. Its unit is not stated; the authors' training loss, which the report
#: ran, is the per-pixel mean squared error, and these values are far above
#: any per-pixel error, so they are most likely squared errors summed over a
#: 32x32 image (our ``reconstruction_error``). Treat the comparison as such.
REPRODUCTION_RECONSTRUCTION = {
    "mnist": {64: 0.59, 128: 0.51, 256: 0.40},
    "fashion_mnist": {64: 2.40, 128: 1.36, 256: 1.10},
}

#: The authors' code's settings (GON.py, Variational-GON.py, Implicit-GON.py).
AUTHORS_SETTINGS = {
    "gon": {"latent_dim": 32, "filters": 16, "learning_rate": 1e-4, "batch_size": 64},
    "variational_gon": {"latent_dim": 48, "filters": 32, "learning_rate": 1e-4,
                        "batch_size": 64},
    "implicit_gon": {"latent_dim": 32, "hidden_units": (256, 256, 256, 256), "w0": 30.0,
                     "learning_rate": 1e-4, "batch_size": 64},
}

#: The authors' PyTorch GON on one H100, as our issue 11 reports it: 1000 steps of
#: batch 64 in 17.3 s (about 3,700 images/s), bound by its CPU data pipeline.
AUTHORS_H100_IMAGES_PER_SECOND = 3700
