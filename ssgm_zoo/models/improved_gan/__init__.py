"""Salimans et al. 2016, "Improved Techniques for Training GANs": the semi-supervised GAN.

``ImprovedGAN`` (``model.py``) with the authors' MNIST and CIFAR-10 networks
(``networks.py``) and the paper's layers (``layers.py``); ``family.py``
registers the family, ``builders.py`` builds a model from a config.
"""

from ssgm_zoo.models.improved_gan.layers import (MinibatchDiscrimination,
                                                 VirtualBatchNormalization, WeightNormConv2D,
                                                 WeightNormConv2DTranspose, WeightNormDense)
from ssgm_zoo.models.improved_gan.model import ImprovedGAN
from ssgm_zoo.models.improved_gan.networks import (ConvDiscriminator, ConvGenerator,
                                                   MLPDiscriminator, MLPGenerator)

__all__ = ["ImprovedGAN", "MLPDiscriminator", "ConvDiscriminator", "MLPGenerator",
           "ConvGenerator", "WeightNormDense", "WeightNormConv2D", "WeightNormConv2DTranspose",
           "MinibatchDiscrimination", "VirtualBatchNormalization"]
