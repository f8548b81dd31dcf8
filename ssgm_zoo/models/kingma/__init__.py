"""Kingma, Rezende, Mohamed & Welling, "Semi-supervised Learning with Deep
Generative Models" (NIPS 2014): M1, M2 and M1+M2."""

from ssgm_zoo.models.kingma.m1 import M1
from ssgm_zoo.models.kingma.m1m2 import M1M2
from ssgm_zoo.models.kingma.m2 import M2

__all__ = ["M1", "M2", "M1M2"]
