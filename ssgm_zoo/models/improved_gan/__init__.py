"""Salimans et al. 2016, "Improved Techniques for Training GANs": the semi-supervised GAN.

The family folder: ``model.py`` (``ImprovedGAN``), ``networks.py`` (the
authors' MNIST and CIFAR-10 networks), ``layers.py`` (weight normalisation,
minibatch discrimination, virtual batch normalisation), ``paper.py`` (the
paper's numbers), ``configs.py`` (what ``zoo_configs/improved_gan/`` shares),
``builders.py`` (a model and its training streams from a config) and
``family.py`` (the registration: model card, paper results, table, protocol).

The classes are imported on first use, so reading the family's registration
needs no backend.

Example:
>>> from ssgm_zoo.models.improved_gan import ImprovedGAN
>>> ImprovedGAN(discriminator_units=(16,), generator_units=(8,)).sample(2, seed=0).shape
(2, 28, 28, 1)
"""

import importlib

_CLASSES = {
    "ImprovedGAN": "model",
    "MLPDiscriminator": "networks", "ConvDiscriminator": "networks",
    "MLPGenerator": "networks", "ConvGenerator": "networks",
    "WeightNormDense": "layers", "WeightNormConv2D": "layers",
    "WeightNormConv2DTranspose": "layers", "MinibatchDiscrimination": "layers",
    "VirtualBatchNormalization": "layers",
}

__all__ = list(_CLASSES)


def __getattr__(name):
    if name in _CLASSES:
        return getattr(importlib.import_module(f"{__name__}.{_CLASSES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
