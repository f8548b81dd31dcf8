"""The command line starts quietly, and its quick commands import no backend."""

import os
import subprocess
import sys

import pytest

from tests.backends import REPO

BACKENDS = ("tensorflow", "keras", "jax", "torch")


def _run(*args, env=None):
    env = {k: v for k, v in (env or os.environ).items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)


def test_list_and_info_read_json_only():
    code = ("import sys; from ssgm_zoo import cli; cli.main(['list']); "
            "cli.main(['info', 'm1m2-mnist-100', '--json']); "
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {BACKENDS!r}))")
    result = _run("-c", code)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "m1m2-mnist-100" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"
    # A spread over seeds says runs; one model's classifier over label splits says so.
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert "(5 runs)" in lines["m1m2-mnist-100"]
    assert "(5 label splits)" in lines["m1-mnist"]


def test_commands_that_load_a_model_print_no_backend_start_up_lines(tmp_path):
    out = tmp_path / "grid.png"
    result = _run("-m", "ssgm_zoo", "sample", "m1m2-mnist-100", "--output", str(out),
                  "--num", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert out.is_file() and "Wrote a 2x10 grid" in result.stdout
    assert result.stderr == ""


def test_errors_still_reach_stderr_when_quiet(tmp_path):
    result = _run("-m", "ssgm_zoo", "sample", "m1m2-mnist-100", "--output",
                  str(tmp_path / "grid.png"), "--class", "12")
    assert result.returncode == 2
    assert result.stderr.startswith("ssgm-zoo sample: error: --class must lie in [0, 10)")


def test_use_backend_refuses_to_switch_once_keras_is_loaded(monkeypatch):
    import keras

    import ssgm_zoo

    active = keras.backend.backend()
    other = "jax" if active == "tensorflow" else "tensorflow"
    monkeypatch.setenv("KERAS_BACKEND", active)
    ssgm_zoo.use_backend(active)
    with pytest.raises(RuntimeError, match=f"imported with the '{active}' backend before "
                                           f"'{other}'"):
        ssgm_zoo.use_backend(other)
    with pytest.raises(ValueError, match="Unknown Keras backend 'torch'"):
        ssgm_zoo.use_backend("torch")
