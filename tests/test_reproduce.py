"""tools/reproduce.py's functions on the toy family: choosing runs by name, and
several processes sharing one work directory (locks, and a manifest each
process writes only its own runs into)."""

import dataclasses
import importlib
import json

import pytest

from ssgm_zoo import families, reproduce
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


def test_locks_are_not_packed(toy, tmp_path, data_dir):
    _run(tmp_path, data_dir, names=["first"])
    assert (tmp_path / ".locks" / "first.lock").exists()
    reproduce.pack(str(tmp_path), str(tmp_path / "out"))
    restored = reproduce.unpack(str(tmp_path / "out"), str(tmp_path / "back"))
    assert "manifest.json" in restored and not any(".locks" in p for p in restored)
