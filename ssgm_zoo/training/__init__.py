"""The training engine and run helpers shared by every model family."""

from ssgm_zoo.training.engine import Trainer, TrainingDivergedError, batch_indices

__all__ = ["Trainer", "TrainingDivergedError", "batch_indices"]
