"""tools/reproduce.py's functions on the toy family: choosing runs by name, and
several processes sharing one work directory (locks, and a manifest each
process writes only its own runs into); the run directory's lock that every
training process holds (``ssgm_zoo.locks``)."""

import dataclasses
import importlib
import json
import subprocess
import sys

import pytest

from ssgm_zoo import experiment, families, locks, reproduce
from tests.backends import REPO
fcntl = pytest.importorskip("fcntl")

NAMES = ["first", "second", "third"]


def _protocol(seeds=None, labels=None):
    del labels
    return [families.ProtocolRun(name=n, config="tests/toy_family/config.py",
                                 seeds=tuple(seeds or (0,)), entry=None) for n in NAMES]


@pytest.fixture
def toy(monkeypatch):
    family = importlib.import_module("tests.toy_family.family").FAMILY
    family = dataclasses.replace(family, protocol=_protocol)
    monkeypatch.setitem(families._REGISTRY, family.name, family)
    return family


def _run(workdir, data_dir, **kwargs):
    messages = []
    manifest = reproduce.run_protocol("toy", str(workdir), data_dir=str(data_dir), verbose=0,
                                      log=messages.append, **kwargs)
    return manifest, messages


def test_names_choose_runs_and_an_unknown_name_is_refused(toy, tmp_path, data_dir):
    with pytest.raises(ValueError, match=r"No run called 'fourth'.*first, second, third"):
        reproduce.plan("toy", names=["second", "fourth"])
    manifest, _ = _run(tmp_path, data_dir, names=["third", "first"])
    assert list(manifest["runs"]) == ["first", "third"]  # the protocol's order
    assert reproduce.status(str(tmp_path)) == {"first": "finished", "third": "finished"}
    assert not (tmp_path / "second-s0").exists()
    metrics = json.loads((tmp_path / "third-s0" / "metrics.json").read_text())
    assert metrics["family"] == "toy" and metrics["epochs"] == 1
    # The rest of the protocol joins the same manifest, in order.
    manifest, _ = _run(tmp_path, data_dir)
    assert list(manifest["runs"]) == NAMES
    assert set(reproduce.status(str(tmp_path)).values()) == {"finished"}


def test_a_run_another_process_holds_is_skipped_and_its_manifest_entry_kept(
        toy, tmp_path, data_dir):
    # Another process trains "second" and has written its own entry.
    (tmp_path / "manifest.json").write_text(json.dumps(
        {"family": "toy", "runs": {"second": {"state": "partial", "seconds": 12.5}}}))
    (tmp_path / ".locks").mkdir()
    with open(tmp_path / ".locks" / "second.lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert reproduce.status(str(tmp_path)) == {"second": "partial (training now)"}
        manifest, messages = _run(tmp_path, data_dir)
        assert "second: another process is training it; skipped" in messages
        assert not (tmp_path / "second-s0").exists()
        assert manifest["runs"]["second"] == {"state": "partial", "seconds": 12.5}
        assert list(manifest["runs"]) == NAMES
        assert json.loads((tmp_path / "manifest.json").read_text()) == manifest
    # Once it is free, the next call trains it.
    manifest, messages = _run(tmp_path, data_dir)
    assert messages == ["second: seeds 0"]
    assert manifest["runs"]["second"]["state"] == "finished"
    assert manifest["runs"]["second"]["seconds"] > 12.5


def test_a_work_directory_moved_elsewhere_is_read_where_it_is(toy, tmp_path, data_dir):
    _run(tmp_path / "first_machine", data_dir, names=["first", "second"])
    (tmp_path / "first_machine").rename(tmp_path / "here")  # the manifest names the old paths
    here = str(tmp_path / "here")
    metrics = reproduce.finished_metrics(here)
    assert list(metrics) == ["first", "second"]
    assert [m["seed"] for m in metrics["first"]] == [0]
    assert reproduce.status(here) == {"first": "finished", "second": "finished"}
    manifest, messages = _run(tmp_path / "here", data_dir)
    assert messages == ["third: seeds 0"]  # the finished runs are not trained again
    assert not (tmp_path / "first_machine").exists()
    with pytest.raises(FileNotFoundError, match="no protocol has run"):
        reproduce.finished_metrics(str(tmp_path / "elsewhere"))
    with pytest.raises(FileNotFoundError, match="no protocol has run"):  # was a KeyError
        reproduce.make_entries(str(tmp_path / "elsewhere"))


def test_a_call_given_only_the_manifest_trains_its_rows_and_unpacks_beside_the_rest(
        toy, tmp_path, data_dir):
    # docs/performance.md's GPU procedure: here "first" and "second" are done; a call
    # carries in the manifest alone, trains "third", and its pieces come back here.
    here, call = tmp_path / "here", tmp_path / "call"
    _run(here, data_dir, names=["first", "second"])
    call.mkdir()
    (call / "manifest.json").write_text((here / "manifest.json").read_text())
    _, messages = _run(call, data_dir, names=["third"])
    assert messages == ["third: seeds 0"]
    assert sorted(p.name for p in call.iterdir() if not p.name.startswith(".")) == [
        "manifest.json", "third-s0"]
    reproduce.pack(str(call), str(tmp_path / "out"))
    reproduce.unpack(str(tmp_path / "out"), str(here))
    assert reproduce.status(str(here)) == {name: "finished" for name in NAMES}
    assert list(reproduce.finished_metrics(str(here))) == NAMES


def test_locks_are_not_packed(toy, tmp_path, data_dir):
    _run(tmp_path, data_dir, names=["first"])
    assert (tmp_path / ".locks" / "first.lock").exists()
    reproduce.pack(str(tmp_path), str(tmp_path / "out"))
    restored = reproduce.unpack(str(tmp_path / "out"), str(tmp_path / "back"))
    assert "manifest.json" in restored and not any(".locks" in p for p in restored)


def _config():
    return importlib.import_module("tests.toy_family.config").get_config()


def test_a_run_directory_another_process_trains_in_is_left_untouched(toy, tmp_path, data_dir):
    free, busy = tmp_path / "s0", tmp_path / "s1"
    with locks.hold(str(busy / ".lock"), wait=True):
        assert locks.held_elsewhere(str(busy / ".lock"))
        with pytest.raises(locks.RunDirectoryBusy, match=f"training in {busy} "):
            experiment.run_seeds(_config(), str(tmp_path / "s{seed}"), [0, 1],
                                 data_dir=str(data_dir), verbose=0)
        # Neither seed started: no config, split, log or checkpoint anywhere.
        assert sorted(p.name for p in free.iterdir()) == [".lock"]
        assert sorted(p.name for p in busy.iterdir()) == [".lock"]
    # Released (by the failed call too): both seeds train now.
    results = experiment.run_seeds(_config(), str(tmp_path / "s{seed}"), [0, 1],
                                   data_dir=str(data_dir), verbose=0)
    assert [m["seed"] for m in results] == [0, 1]
    assert not locks.held_elsewhere(str(busy / ".lock"))


def test_reproduce_skips_a_run_whose_directory_is_trained_by_hand(toy, tmp_path, data_dir):
    with locks.hold(str(tmp_path / "second-s0" / ".lock"), wait=True):
        manifest, messages = _run(tmp_path, data_dir)
        assert any(m.startswith("second: skipped: Another process is training in ")
                   for m in messages)
        assert manifest["runs"]["second"]["state"] == "pending"
        assert reproduce.status(str(tmp_path))["second"] == "pending (training now)"
        assert manifest["runs"]["first"]["state"] == manifest["runs"]["third"]["state"] \
            == "finished"
    manifest, messages = _run(tmp_path, data_dir)
    assert messages == ["second: seeds 0"] and manifest["runs"]["second"]["state"] == "finished"
    reproduce.pack(str(tmp_path), str(tmp_path / "out"))
    restored = reproduce.unpack(str(tmp_path / "out"), str(tmp_path / "back"))
    assert "second-s0/metrics.json" in restored
    assert not any(p.endswith(".lock") for p in restored)


def test_train_refuses_a_busy_run_directory_with_a_message(tmp_path, data_dir):
    run_dir = tmp_path / "run"
    with locks.hold(str(run_dir / ".lock"), wait=True):
        done = subprocess.run(
            [sys.executable, "tools/train.py", "--config=tests/toy_family/config.py",
             f"--workdir={run_dir}", f"--data_dir={data_dir}", "--quiet"],
            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert f"train: Another process is training in {run_dir}" in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in run_dir.iterdir()) == [".lock"]
