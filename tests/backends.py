"""Running a snippet under another Keras backend, in a subprocess.

The JAX backend needs a TFP build whose JAX substrate imports with current jax
(tfp-nightly; see README). The test command installs it into ``.jax-site``;
``SSGM_ZOO_JAX_SITE`` points elsewhere.
"""

import json
import os
import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[1]


def backend_env(backend):
    env = dict(os.environ, KERAS_BACKEND=backend, PYTHONUNBUFFERED="1",
               TF_CPP_MIN_LOG_LEVEL="3", JAX_PLATFORMS="cpu", CUDA_VISIBLE_DEVICES="")
    paths = [str(REPO)]
    if backend == "jax":
        site = os.environ.get("SSGM_ZOO_JAX_SITE", str(REPO / ".jax-site"))
        if os.path.isdir(site):
            paths.insert(0, site)
    env["PYTHONPATH"] = os.pathsep.join(paths + [env.get("PYTHONPATH", "")])
    return env


def run_python(backend, code, *args, timeout=600):
    """Runs ``code`` under ``backend``; returns the JSON object it prints last."""
    result = subprocess.run([sys.executable, "-c", code, *map(str, args)],
                            env=backend_env(backend), capture_output=True, text=True,
                            timeout=timeout, cwd=REPO)
    if result.returncode != 0:
        raise AssertionError(f"{backend} subprocess failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])
