"""The whole Kingma protocol through tools/reproduce.py's functions, on smoke configs."""

import json
import subprocess
import sys

import pytest

from ssgm_zoo import reproduce
from ssgm_zoo.models.kingma.family import results_table
from ssgm_zoo.zoo import registry
from tests.backends import REPO


@pytest.fixture(scope="module")
def protocol(tmp_path_factory, data_dir):
    workdir = tmp_path_factory.mktemp("kingma")
    manifest = reproduce.run_protocol(
        "kingma", str(workdir), data_dir=str(data_dir), seeds=[0, 1], labels=[100],
        overrides={"train.epochs": 1, "train.steps_per_epoch": 5}, config_arg="smoke",
        verbose=0, log=lambda message: None)
    return workdir, manifest


def test_every_run_of_the_table_finishes_in_order(protocol):
    workdir, manifest = protocol
    assert list(manifest["runs"]) == ["m1-mnist", "m1m2-mnist-100", "m2-mnist-100"]
    assert reproduce.status(str(workdir)) == {name: "finished" for name in manifest["runs"]}
    for seed in (0, 1):
        metrics = json.loads((workdir / f"m2-mnist-100-s{seed}" / "metrics.json").read_text())
        assert metrics["seed"] == seed and metrics["epochs"] == 1
    config = json.loads((workdir / "m1m2-mnist-100-s1" / "run_config.json").read_text())
    assert config["m1_checkpoint"] == f"{workdir}/m1-mnist-s0/model"
    command = manifest["runs"]["m1m2-mnist-100"]["command"]
    assert "--seeds=0,1" in command and "--config.m1_checkpoint=" in command


def test_a_second_call_resumes_nothing_twice(protocol, data_dir):
    workdir, _ = protocol
    before = (workdir / "m2-mnist-100-s0" / "metrics.json").stat().st_mtime
    reproduce.run_protocol("kingma", str(workdir), data_dir=str(data_dir), seeds=[0, 1],
                           labels=[100], overrides={"train.epochs": 1,
                                                    "train.steps_per_epoch": 5},
                           config_arg="smoke", verbose=0, log=lambda message: None)
    assert (workdir / "m2-mnist-100-s0" / "metrics.json").stat().st_mtime == before


def test_packed_results_unpack_and_make_entries(protocol, tmp_path, data_dir, monkeypatch):
    workdir, _ = protocol
    parts = reproduce.pack(str(workdir), str(tmp_path / "out"), part_bytes=200_000)
    assert len(parts) > 1 and all(p.endswith(f"part{k:03d}") for k, p in enumerate(parts))
    restored = reproduce.unpack(str(tmp_path / "out"), str(tmp_path / "back"))
    assert "manifest.json" in restored
    assert not any("/checkpoints/" in name for name in restored)  # finished runs: none
    # Entries from the restored runs, the manifest's paths being those of the first
    # machine, which are gone.
    monkeypatch.setenv("SSGM_ZOO_ENTRIES", str(tmp_path / "entries"))
    workdir.rename(tmp_path / "first_machine")
    try:
        records = reproduce.make_entries(str(tmp_path / "back"), data_dir=str(data_dir),
                                         entries_dir=tmp_path / "entries")
    finally:
        (tmp_path / "first_machine").rename(workdir)
    assert [r.name for r in records] == ["m1-mnist", "m1m2-mnist-100", "m2-mnist-100"]
    m1m2 = registry.model_info("m1m2-mnist-100")
    assert m1m2.training.seeds == (0, 1) and m1m2.base_entry == "m1-mnist"
    m1 = registry.model_info("m1-mnist").headline  # the paper's TSVM row: transductive
    assert m1.details["latent_classifier"] == "label_spreading" and m1.num_runs == 5
    assert "| M1 + label spreading (paper: M1+TSVM) (`m1-mnist`) |" in results_table(records)
    registry.clear_cache()


def test_unpack_refuses_a_gap_in_the_parts(protocol, tmp_path):
    workdir, _ = protocol
    parts = reproduce.pack(str(workdir), str(tmp_path / "out"), part_bytes=100_000)
    (tmp_path / "out" / parts[1].rsplit("/", 1)[1]).unlink()
    with pytest.raises(ValueError, match="not numbered"):
        reproduce.unpack(str(tmp_path / "out"), str(tmp_path / "back"))


def test_the_command_line_prints_each_runs_state(protocol):
    workdir, _ = protocol
    result = subprocess.run([sys.executable, "tools/reproduce.py", "kingma",
                             f"--workdir={workdir}", "--status"], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "m1m2-mnist-100" in result.stdout and "finished" in result.stdout
    empty = subprocess.run([sys.executable, "tools/reproduce.py", "kingma",
                            f"--workdir={workdir}/nothing", "--status"], cwd=REPO,
                           capture_output=True, text=True, timeout=120)
    assert empty.returncode == 0 and "holds no runs yet" in empty.stdout
    assert not (workdir / "nothing").exists()
