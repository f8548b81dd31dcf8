"""The model and training streams of an Improved GAN config.

The labeled stream is the run's balanced labeled subset of the training
split; the unlabeled stream is the whole training split (the labeled images
included, as in the authors' code). Both are read in batches of the same size,
so a small labeled set is tiled, a fresh permutation per pass.
"""

from ssgm_zoo.models.improved_gan.model import ImprovedGAN

__all__ = ["build_improved_gan"]


def build_improved_gan(config, data):
    if data.labeled_indices is None or not len(data.labeled_indices):
        raise ValueError("The semi-supervised GAN needs labels: set config.num_labeled "
                         "(e.g. 100).")
    x, y = data.splits["train"]
    idx = data.labeled_indices
    model = ImprovedGAN(**config["model"], seed=int(config["seed"]))
    return model, {"labeled": {"x": x[idx], "y": y[idx]}, "unlabeled": {"x": x}}
