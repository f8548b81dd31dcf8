"""The training engine shared by every model family, and its gradient helper."""

from ssgm_zoo.training.engine import (MultiSeedTrainer, Trainer, TrainingDivergedError,
                                     batch_indices, xla_compiled)
from ssgm_zoo.training.gradients import value_and_grad

__all__ = ["Trainer", "MultiSeedTrainer", "TrainingDivergedError", "batch_indices",
           "value_and_grad", "xla_compiled"]
