"""Weights trained on one Keras backend load and predict the same on the other."""

import json

import numpy as np
import pytest

from tests.backends import run_python

pytest.importorskip("jax")

# Trains a tiny M2 (or M1+M2) for a few steps on `backend`, saves it, and
# writes its class probabilities and class-conditional samples for fixed inputs.
TRAIN = r"""
import json, sys
import numpy as np
from ssgm_zoo import checkpoint
from ssgm_zoo.models import M1, M1M2, M2
from ssgm_zoo.training import Trainer
kind, out = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(0)
x = rng.random((60, 28, 28, 1)).astype("float32"); y = rng.integers(0, 10, 60)
if kind == "m2":
    model = M2(hidden_units=(16,), latent_dim=3, num_labeled=10, num_unlabeled=60, seed=0, init_std=0.05)
else:
    model = M1M2(M1(latent_dim=5, hidden_units=(8,), seed=0, init_std=0.3), [0, 1, 3],
                 hidden_units=(8,), latent_dim=2, num_labeled=10, num_unlabeled=60, seed=0)
Trainer(model, train_data={"unlabeled": {"x": x}, "labeled": {"x": x[:10], "y": y[:10]}},
        batch_sizes={"unlabeled": 20, "labeled": 5}, steps_per_epoch=3, epochs=1,
        optimizer={"learning_rate": 1e-2}, seed=0, verbose=0).fit()
checkpoint.save_model_dir(model, out)
print(json.dumps(OUTPUTS(model)))
"""

EVAL = r"""
import json, sys
from ssgm_zoo import checkpoint
model = checkpoint.load_model_dir(sys.argv[1])
print(json.dumps(OUTPUTS(model)))
"""

OUTPUTS = r"""
import numpy as np, keras
def OUTPUTS(model):
    import keras
    x = np.random.default_rng(1).random((8, 28, 28, 1)).astype("float32")
    z = np.random.default_rng(2).normal(size=(4, model.latent_dim)).astype("float32")
    return {"backend": keras.backend.backend(),
            "proba": model.predict_proba(x).tolist(),
            "samples": model.sample([0, 3, 7, 9], z=z).tolist()}
"""


@pytest.mark.parametrize("kind", ["m2", "m1m2"])
@pytest.mark.parametrize("source,target", [("tensorflow", "jax"), ("jax", "tensorflow")])
def test_weights_move_between_backends(kind, source, target, tmp_path):
    trained = run_python(source, OUTPUTS + TRAIN, kind, tmp_path / "model")
    loaded = run_python(target, OUTPUTS + EVAL, tmp_path / "model")
    assert (trained["backend"], loaded["backend"]) == (source, target)
    np.testing.assert_allclose(loaded["proba"], trained["proba"], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(loaded["samples"], trained["samples"], rtol=1e-4, atol=1e-6)
    assert len(json.dumps(trained["proba"])) > 0
