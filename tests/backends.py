"""Running a snippet under another Keras backend, in a subprocess (see ssgm_zoo.testing)."""

from ssgm_zoo.testing import REPO, backend_env, run_python

__all__ = ["REPO", "backend_env", "run_python"]
