"""Shared pytest fixtures."""

import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def data_dir():
    """The folder with the offline datasets (``mnist/``, ``fashion_mnist/``, ...).

    ``$SSGM_ZOO_DATA_DIR`` if set, else ``<repo>/../shared/data``; skips the
    test, saying why, when that folder is missing.
    """
    path = pathlib.Path(os.environ.get("SSGM_ZOO_DATA_DIR") or REPO.parent / "shared" / "data")
    if not path.is_dir():
        pytest.skip(f"offline datasets not found at {path}; set SSGM_ZOO_DATA_DIR to the folder "
                    "holding mnist/ and fashion_mnist/")
    return path


def pytest_collection_modifyitems(items):
    """The JAX re-run (one test of about five minutes, a subprocess) goes first, so that
    with ``-n 2`` one worker runs it while the other takes the rest."""
    items.sort(key=lambda item: not item.nodeid.startswith("tests/test_jax_backend.py"))
