"""Defaults the Kingma et al. 2014 configs in ``zoo_configs/kingma/`` share."""

from ssgm_zoo.config import base_config

__all__ = ["ADAM", "kingma_config", "m2_schedule"]

# Adam as in the authors' code (dpkingma/nips14-ssl): lr 3e-4, beta1 0.9, beta2 0.999.
# Their adam.py leaves out the bias correction and epsilon: set
# ``bias_correction=False`` (ssgm_zoo.training.optimizers) for their update.
ADAM = {"name": "adam", "learning_rate": 3e-4, "beta_1": 0.9, "beta_2": 0.999,
        "bias_correction": True}


def kingma_config(model_name, entry):
    """A config of this family: the shared base with the authors' optimizer."""
    config = base_config("kingma", model_name, entry)
    config.train.optimizer = dict(ADAM)
    return config


def m2_schedule(config, num_labeled, smoke):
    """M2's semi-supervised schedule (M2 and M1+M2), from the authors' code.

    About 100 minibatches per epoch at N = 100, 200 otherwise; each minibatch
    holds 1/steps of the 50,000 unlabeled and of the N labeled images; 3000
    epochs. The smoke variant trains a tiny model for 60 steps in seconds.
    """
    m, t = config.model, config.train
    t.steps_per_epoch = 100 if num_labeled == 100 else 200
    t.batch_sizes.unlabeled = 50_000 // t.steps_per_epoch
    t.batch_sizes.labeled = max(1, num_labeled // t.steps_per_epoch)
    t.epochs = 3000
    t.eval_every = 50
    t.checkpoint_every = 50
    t.steps_per_execution = 100
    if smoke:
        m.latent_dim, m.hidden_units = 8, (64,)
        t.batch_sizes.unlabeled, t.batch_sizes.labeled = 100, 10
        t.eval_every = t.checkpoint_every = 1
        t.steps_per_execution = 5
        t.optimizer.learning_rate = 1e-3
        # A 60-step run learns from the labels only with a stronger weight on them.
        m.alpha = 5.0
        t.steps_per_epoch, t.epochs = 20, 3
    return config
