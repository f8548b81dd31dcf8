"""The wheel a user installs holds the whole package: every module and every zoo entry."""

import importlib.util
import pathlib
import runpy
import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.backends import REPO


def _can_build_wheels():
    if importlib.util.find_spec("wheel") is not None:
        return True
    try:
        import setuptools.command.bdist_wheel  # noqa: F401  (setuptools >= 70.1)
    except ImportError:
        return False
    return True


def _tracked_files():
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs a git checkout to know the tracked files")
    out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True,
                         capture_output=True).stdout.decode()
    return [f for f in out.split("\0") if f and (REPO / f).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    if not _can_build_wheels():
        pytest.skip("neither `wheel` nor setuptools >= 70.1 is installed")
    tracked = _tracked_files()
    src = tmp_path_factory.mktemp("src")
    for f in tracked:  # a clean copy: nothing built in the checkout travels with it
        (src / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / f, src / f)
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "-w", str(out), str(src)],
        capture_output=True, text=True)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    (path,) = out.glob("ssgm_zoo-*.whl")
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        entry_points = next(z.read(n).decode() for n in names
                            if n.endswith(".dist-info/entry_points.txt"))
    return tracked, names, entry_points


def test_wheel_holds_every_module_and_entry_file(wheel):
    tracked, names, _ = wheel
    package = [f for f in tracked if f.startswith("ssgm_zoo/")]
    modules = [f for f in package if f.endswith(".py")]
    entries = [f for f in package if "/entries/" in f]
    assert modules and entries
    assert any(f.endswith("model.weights.h5") for f in entries)
    missing = sorted(set(modules + entries) - names)
    assert not missing, f"left out of the wheel: {missing[:10]}"
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    # Nothing outside the package (tests, tools, docs) lands in site-packages.
    top = {n.split("/")[0] for n in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"ssgm_zoo"}


def test_wheel_has_the_command_line(wheel):
    _, _, entry_points = wheel
    assert "ssgm-zoo = ssgm_zoo.cli:main" in entry_points


def test_every_folder_that_ships_files_is_a_listed_package(monkeypatch):
    """Newer setuptools warns at every build about an importable folder that ships files
    but is not a listed package (the families' `entries` folders, which hold no module)."""
    import setuptools

    captured = {}
    monkeypatch.setattr(setuptools, "setup", lambda **kwargs: captured.update(kwargs))
    monkeypatch.chdir(REPO)
    runpy.run_path(str(REPO / "setup.py"), run_name="__main__")
    packages = set(captured["packages"])
    shipping = {str(pathlib.PurePosixPath(f).parent).replace("/", ".")
                for f in _tracked_files() if f.startswith("ssgm_zoo/")}
    importable = {p for p in shipping if all(part.isidentifier() for part in p.split("."))}
    assert any(p.endswith(".entries") for p in importable)
    assert importable <= packages, sorted(importable - packages)
