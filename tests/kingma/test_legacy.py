"""Run directories from before families were plug-ins (ssgm-zoo 0.1) resume with today's configs.

``data/legacy_m2_run`` is epoch 1 of a tiny M2 run written by ssgm-zoo 0.1
(commit fbf9267) with
``python tools/train.py --config=zoo_configs/m2_mnist.py:100,smoke --seed=1
--config.train.epochs=1 --config.model.hidden_units=(4,) --config.model.latent_dim=2``
(its config says ``family: m2``, its checkpoint keys arrays by position), and
``data/legacy_m2_epoch2.weights.h5`` the weights the same command with
``--config.train.epochs=2`` reached without interruption under 0.1.
"""

import json
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

from ssgm_zoo import checkpoint
from tests.backends import REPO

DATA = REPO / "tests" / "kingma" / "data"


def _train(workdir, data_dir, *overrides):
    """The command that wrote the legacy run, run today (overrides change it)."""
    flags = {"--config.train.epochs": "2", "--config.model.hidden_units": "(4,)",
             "--config.model.latent_dim": "2", **dict(o.split("=", 1) for o in overrides)}
    return subprocess.run(
        [sys.executable, "tools/train.py", "--config=zoo_configs/kingma/m2_mnist.py:100,smoke",
         f"--workdir={workdir}", "--seed=1", f"--data_dir={data_dir}", "--quiet",
         *(f"{k}={v}" for k, v in flags.items() if v)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3",
             "KERAS_BACKEND": "tensorflow"})


def _weights(path):
    out = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.append((name, obj[()]))
                     if isinstance(obj, h5py.Dataset) else None)
    return sorted(out, key=lambda item: item[0])


def test_a_run_directory_of_version_0_1_resumes_and_ends_as_it_would_have(tmp_path, data_dir):
    workdir = tmp_path / "run"
    shutil.copytree(DATA / "legacy_m2_run", workdir)
    result = _train(workdir, data_dir)
    assert result.returncode == 0, result.stderr[-3000:]
    history = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in history] == [1, 2]
    legacy = json.loads((DATA / "legacy_m2_run" / "metrics.jsonl").read_text().splitlines()[0])
    assert history[0] == legacy  # epoch 1 is the old run's, not retrained
    # The weights equal those ssgm-zoo 0.1 reached in an uninterrupted 2-epoch run.
    resumed = _weights(workdir / "model" / checkpoint.WEIGHTS_FILE)
    expected = _weights(DATA / "legacy_m2_epoch2.weights.h5")
    assert [name for name, _ in resumed] == [name for name, _ in expected]
    # 0.3 computes q(z|x,y)'s first layer once per image for all classes (the
    # same sums in another order), so float rounding differs by about 1e-6;
    # a resume that lost or repeated anything would differ by far more.
    for (name, got), (_, want) in zip(resumed, expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=3e-6, err_msg=name)


def test_a_different_configuration_is_refused_naming_the_difference(tmp_path, data_dir):
    workdir = tmp_path / "run"
    shutil.copytree(DATA / "legacy_m2_run", workdir)
    result = _train(workdir, data_dir, "--config.model.latent_dim=")  # the config's 8
    assert result.returncode != 0
    assert "different configuration (model.latent_dim: checkpoint 2, now 8)" in result.stderr
