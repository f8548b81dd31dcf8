"""Small classifiers of the MNIST-3,000 family for the shared model test harness."""

import numpy as np

from ssgm_zoo.models.ssl_cnn import CNNClassifier, LadderNetwork, MeanTeacher, PseudoLabel
from ssgm_zoo.testing import ModelCase

_RNG = np.random.default_rng(0)
X = _RNG.random((32, 28, 28, 1)).astype("float32")
Y = _RNG.integers(0, 10, 32)
FIXED = np.random.default_rng(1).random((5, 28, 28, 1)).astype("float32")
AUGMENT = {"max_rotation": 10.0, "max_shift": 2.0, "max_scale": 0.1, "max_shear": 5.0,
           "elastic_alpha": 20.0, "elastic_sigma": 3.0}


def _outputs(model):
    return {"proba": model.predict_proba(FIXED, check_polarity=False)}


def _case(make, unlabeled=True):
    streams = {"labeled": {"x": X[:12], "y": Y[:12]}}
    sizes = {"labeled": 6}
    if unlabeled:
        streams["unlabeled"] = {"x": X[12:]}
        sizes["unlabeled"] = 10
    return ModelCase(make_model=make, train_data=streams, batch_sizes=sizes, outputs=_outputs,
                     optimizer={"name": "sgd", "learning_rate": 0.05, "momentum": 0.9})


def convnet():
    """The deeper CNN (batch normalisation), narrow."""
    return _case(lambda seed: CNNClassifier(network="convnet", filters=(4, 8), dense_units=(8,),
                                            seed=seed), unlabeled=False)


def pseudo_label():
    return _case(lambda seed: PseudoLabel(augmentation=AUGMENT, threshold=0.0, seed=seed))


def mean_teacher():
    return _case(lambda seed: MeanTeacher(network="convnet", filters=(4,), dense_units=(8,),
                                          augmentation=AUGMENT, rampup_steps=3, seed=seed))


def _ladder(seed):
    model = LadderNetwork(hidden_units=(16, 8), denoising_weights=(10.0, 1.0, 0.1, 0.1),
                          seed=seed)
    # The paper's combinator start (a2 = a7 = 1, the rest 0) makes every estimate 0
    # whatever the layer above says, so the decoder's V get no gradient on the first
    # step by construction; the harness checks a model a few steps in.
    rng = np.random.default_rng(seed)
    for a in model.combinators:
        a.assign(rng.normal(size=a.shape).astype("float32"))
    return model


def ladder():
    return _case(_ladder)
