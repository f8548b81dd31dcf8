"""Model families of the zoo, one sub-package each."""

from ssgm_zoo.models.base import ZooModel
from ssgm_zoo.models.kingma import M1, M1M2, M2

__all__ = ["ZooModel", "M1", "M2", "M1M2"]
