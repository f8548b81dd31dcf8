"""A family's whole protocol in one command: every run of its results table.

``tools/reproduce.py`` is the command line over these functions. The family
lists its runs (``Family.protocol``); each is a config trained with several
seeds as one multi-seed run (``experiment.run_seeds``) in
``<workdir>/<name>-s<seed>``. Whatever the work directory already holds
resumes; a time budget stops training cleanly at a checkpoint; and
``manifest.json`` records each run's state, seeds, directories and command,
which ``make_entries`` turns into zoo entries (and so into the family's table).

Several processes may work in one directory at once (``--runs`` gives each
its rows): a run is trained by whichever process holds its lock
(``<workdir>/.locks/<name>.lock``; the others skip it), and each process
writes to ``manifest.json`` only the runs it holds, merged under a lock into
what is on disk. The locks are ``ssgm_zoo.locks``'s (released when their
process ends, however it ends); each run directory also has the lock every
training process takes (``experiment.run_seeds``), so a ``tools/train.py``
started by hand on a run's directory is skipped too.

Results made on another machine come back in pieces: ``pack`` writes what
entries and tables need (final models, metrics, logs, configs; for unfinished
runs their latest checkpoint, to resume) as a gzipped tar split into parts of
at most 16 MiB, and ``unpack`` restores them, into any directory: a manifest's
run directories are read in the work directory as it is now (``run_dirs``). An
unfinished run whose config names a path inside the work directory (a protocol
override with ``{workdir}``) resumes only under that path: elsewhere its
checkpoint's configuration differs and training refuses it, saying which field.
"""

import glob
import io
import os
import pathlib
import shlex
import tarfile
import time

from ssgm_zoo import experiment, families, files, locks

__all__ = ["plan", "run_protocol", "status", "run_dirs", "finished_metrics", "make_entries",
           "pack", "unpack", "MANIFEST", "PART_BYTES"]

MANIFEST = "manifest.json"
LOCKS = ".locks"
PART_BYTES = 16 * 1024 * 1024
_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def plan(family_name, *, seeds=None, labels=None, names=None):
    """The family's protocol runs (``ProtocolRun``), narrowed to ``seeds`` and ``labels``,
    and to the runs called ``names`` when given (in the protocol's order).

    Raises:
        ValueError: the family has no protocol, or ``names`` holds a name that is
            not one of its runs.
    """
    family = families.get(family_name)
    if family.protocol is None:
        raise ValueError(f"Family {family.name!r} has no protocol to reproduce.")
    return family, _named(family, family.protocol(seeds=seeds, labels=labels), names)


def _named(family, runs, names):
    """``runs`` narrowed to ``names`` (all of them for None), in the protocol's order."""
    if names is None:
        return runs
    unknown = [n for n in names if n not in {r.name for r in runs}]
    if unknown:
        raise ValueError(f"No run called {', '.join(map(repr, unknown))} in the "
                         f"{family.name} protocol; its runs are: "
                         f"{', '.join(r.name for r in runs)}.")
    return [r for r in runs if r.name in set(names)]


def _read_manifest(workdir, required=False):
    """The manifest of ``workdir``; an empty one where none exists yet, unless
    ``required`` (then ``FileNotFoundError`` says that no protocol has run there)."""
    path = os.path.join(workdir, MANIFEST)
    if not os.path.exists(path):
        if required:
            raise FileNotFoundError(f"{path} does not exist: no protocol has run in "
                                    f"{workdir} (tools/reproduce.py FAMILY --workdir=... first).")
        return {"runs": {}}
    return files.read_json(path)


def _write_manifest(workdir, manifest):
    files.atomic_write_json(os.path.join(workdir, MANIFEST), manifest, indent=1)


def _lock_path(workdir, name):
    return os.path.join(workdir, LOCKS, f"{name}.lock")


def _lock(workdir, name, *, wait):
    """``locks.hold`` on ``<workdir>/.locks/<name>.lock``."""
    return locks.hold(_lock_path(workdir, name), wait=wait)


def _merge_manifest(workdir, family, order, held):
    """Writes ``held`` (``{run name: manifest entry}``, the runs this process holds)
    into the manifest on disk, keeping every other run as it is there, in ``order``;
    returns the merged manifest."""
    with _lock(workdir, MANIFEST, wait=True):
        on_disk = _read_manifest(workdir)
        runs = {**on_disk["runs"], **held}
        names = [n for n in order if n in runs] + [n for n in runs if n not in order]
        merged = {**on_disk, "family": family, "runs": {n: runs[n] for n in names}}
        _write_manifest(workdir, merged)
    return merged


def run_dirs(workdir, run):
    """The run directories of a manifest entry ``run``, in ``workdir`` as it is now.

    The manifest records each seed's directory as the machine that trained it
    named it; a protocol's run directories are always direct children of its
    work directory, so a work directory unpacked elsewhere (``unpack``) or
    moved is read where it is.
    """
    return [os.path.join(workdir, os.path.basename(os.path.normpath(d)))
            for d in run.get("run_dirs", ())]


def _metrics_files(workdir, run):
    """Where each seed of manifest entry ``run`` writes its final metrics."""
    return [os.path.join(d, experiment.METRICS_FILE) for d in run_dirs(workdir, run)]


def finished_metrics(workdir):
    """``{run name: [final metrics of each finished seed]}`` of a protocol work
    directory, in the manifest's order (runs no seed of which has finished are left
    out): what a family's table over its protocol reads.

    Raises:
        FileNotFoundError: ``workdir`` has no manifest.
    """
    out = {}
    for name, run in _read_manifest(workdir, required=True)["runs"].items():
        seeds = [files.read_json(f) for f in _metrics_files(workdir, run) if os.path.exists(f)]
        if seeds:
            out[name] = seeds
    return out


def _run_dir(workdir, run):
    """The run directories' template: ``experiment.seed_workdir`` fills in ``{seed}``."""
    return f"{workdir}/{run.name}-s{{seed}}"


def _command(run, workdir, data_dir, backend, extra):
    args = ["python", "tools/train.py", f"--config={run.config}",
            f"--workdir={_run_dir(workdir, run)}",
            f"--seeds={','.join(map(str, run.seeds))}"]
    if data_dir:
        args.append(f"--data_dir={data_dir}")
    if backend:
        args.append(f"--backend={backend}")
    args += [f"--config.{k}={v}" for k, v in {**_overrides(run, workdir), **extra}.items()]
    return " ".join(shlex.quote(a) for a in args)


def _overrides(run, workdir):
    return {k: (v.replace("{workdir}", str(workdir)) if isinstance(v, str) else v)
            for k, v in run.overrides.items()}


def _config(run, workdir, extra, config_arg):
    """The run's config with its overrides and ``extra`` (``{"train.epochs": 5}``) applied."""
    from ssgm_zoo.config import load_config_file

    path, _, arg = run.config.partition(":")
    if config_arg:
        arg = ",".join(p for p in (arg, config_arg) if p)
    config = load_config_file(os.path.join(_REPO, path) + (f":{arg}" if arg else ""))
    config.update_from_flattened_dict({**_overrides(run, workdir), **extra})
    return config


def run_protocol(family_name, workdir, *, data_dir=None, seeds=None, labels=None,
                 names=None, budget_minutes=None, overrides=None, config_arg=None, verbose=1,
                 log=print):
    """Trains every run of the protocol not yet finished in ``workdir``, in order,
    skipping those another process is training.

    Args:
        family_name: the family.
        workdir: where runs live (created if needed); what it holds resumes.
        data_dir: the datasets' folder.
        seeds, labels: narrow the protocol.
        names: only the runs of these names (``["m1m2-mnist-100"]``).
        budget_minutes: stop cleanly, at checkpoints, once this much time has
            passed (runs resume on the next call).
        overrides: config fields set on every run (``{"train.epochs": 5}``).
        config_arg: appended to every config's argument (``"smoke"``).
        verbose: progress bars.
        log: where one-line progress messages go.

    Returns:
        The manifest (also in ``workdir/manifest.json``).
    """
    import keras

    family, protocol = plan(family_name, seeds=seeds, labels=labels)
    runs, order = _named(family, protocol, names), [r.name for r in protocol]
    os.makedirs(workdir, exist_ok=True)
    deadline = None if budget_minutes is None else time.monotonic() + 60 * budget_minutes
    extra = dict(overrides or {})
    backend = keras.backend.backend()
    manifest = _merge_manifest(workdir, family.name, order, {})
    for run in runs:
        with _lock(workdir, run.name, wait=False) as held:
            if not held:
                log(f"{run.name}: another process is training it; skipped")
                continue
            # What is on disk now: another process may have trained it meanwhile.
            manifest = _read_manifest(workdir)
            entry = dict(manifest["runs"].get(run.name, {}))
            entry.update({"config": run.config, "seeds": list(run.seeds),
                          "run_dirs": [experiment.seed_workdir(_run_dir(workdir, run), s,
                                                               len(run.seeds))
                                       for s in run.seeds],
                          "command": _command(run, workdir, data_dir, backend, extra),
                          "entry": None if run.entry is None else dict(run.entry)})
            if entry.get("state") == "finished" and all(
                    map(os.path.exists, _metrics_files(workdir, entry))):
                manifest = _merge_manifest(workdir, family.name, order, {run.name: entry})
                continue
            blocked = [n for n in run.needs
                       if manifest["runs"].get(n, {}).get("state") != "finished"]
            if blocked:
                entry["state"] = f"waiting for {', '.join(blocked)}"
            elif deadline is not None and time.monotonic() >= deadline:
                entry["state"] = _unfinished(entry)
            else:
                log(f"{run.name}: seeds {', '.join(map(str, run.seeds))}")
                started = time.monotonic()
                try:
                    results = experiment.run_seeds(_config(run, workdir, extra, config_arg),
                                                   _run_dir(workdir, run), run.seeds,
                                                   data_dir=data_dir, verbose=verbose,
                                                   deadline=deadline)
                except locks.RunDirectoryBusy as busy:  # a tools/train.py started by hand
                    log(f"{run.name}: skipped: {busy}")
                    entry["state"] = _unfinished(entry)
                else:
                    entry["seconds"] = entry.get("seconds", 0.0) + time.monotonic() - started
                    entry["state"] = "partial" if results is None else "finished"
            manifest = _merge_manifest(workdir, family.name, order, {run.name: entry})
    return manifest


def _unfinished(entry):
    """The state of a run that did not train to its end in this call."""
    return "partial" if entry.get("state") == "partial" else "pending"


def status(workdir):
    """``{run name: state}`` from the manifest (``finished``, ``partial``, ``pending``, ...),
    with ``" (training now)"`` added where a process holds the run or one of its
    run directories."""
    return {name: run.get("state", "pending") + (" (training now)"
                                                 if _training_now(workdir, name, run) else "")
            for name, run in _read_manifest(workdir)["runs"].items()}


def _training_now(workdir, name, run):
    """Whether a process holds run ``name``'s lock or one of its run directories' (creates
    nothing: works read-only)."""
    paths = [_lock_path(workdir, name)]
    paths += [os.path.join(d, locks.RUN_LOCK) for d in run_dirs(workdir, run)]
    return any(locks.held_elsewhere(p) for p in paths)


def make_entries(workdir, *, data_dir=None, entries_dir=None, names=None):
    """Builds the zoo entry of every finished run of the manifest; returns the records.

    Args:
        workdir: the protocol's work directory.
        data_dir: the datasets' folder.
        entries_dir: where records and entry folders go (default: the family's).
        names: only these runs.

    Raises:
        FileNotFoundError: ``workdir`` has no manifest.
    """
    from ssgm_zoo.zoo import publishing

    manifest = _read_manifest(workdir, required=True)
    family = families.get(manifest["family"])
    records = []
    for name, run in manifest["runs"].items():
        if run.get("state") != "finished" or run.get("entry") is None:
            continue
        if names and name not in names:
            continue
        options = dict(run["entry"])
        records.append(publishing.build_entry(
            name, run_dirs(workdir, run), entries_dir=entries_dir or family.entries_dir,
            command=run["command"], data_dir=data_dir, **options))
    return records


def _packed(workdir):
    """The files of ``workdir`` worth bringing back: all but intermediate checkpoints
    and locks."""
    keep = []
    for root, dirs, names in os.walk(workdir):
        rel = os.path.relpath(root, workdir)
        parts = [] if rel == "." else rel.split(os.sep)
        if "checkpoints" in parts or parts[:1] == [LOCKS]:
            continue
        finished = os.path.exists(os.path.join(root, experiment.METRICS_FILE))
        if "checkpoints" in dirs and not finished:
            # An unfinished run keeps its latest checkpoint, to resume elsewhere.
            done = sorted(glob.glob(os.path.join(root, "checkpoints", "epoch_*")))
            if done:
                keep += [os.path.join(done[-1], name) for name in os.listdir(done[-1])]
        dirs[:] = [d for d in dirs if d != "checkpoints"]
        keep += [os.path.join(root, n) for n in names if n != locks.RUN_LOCK]
    return sorted(keep)


def pack(workdir, out_dir, *, part_bytes=PART_BYTES, name="results"):
    """Writes ``workdir``'s results as ``out_dir/<name>.tar.gz.partNNN`` pieces.

    Returns:
        The part files, in order.
    """
    os.makedirs(out_dir, exist_ok=True)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in _packed(workdir):
            tar.add(path, arcname=os.path.relpath(path, workdir), recursive=False)
    blob = buffer.getvalue()
    parts = []
    for k, lo in enumerate(range(0, max(len(blob), 1), part_bytes)):
        part = os.path.join(out_dir, f"{name}.tar.gz.part{k:03d}")
        with files.atomic_write(part, "wb") as f:
            f.write(blob[lo:lo + part_bytes])
        parts.append(part)
    return parts


def unpack(in_dir, workdir, *, name="results"):
    """Restores what ``pack`` wrote into ``workdir``; returns the files restored.

    Raises:
        FileNotFoundError: no parts in ``in_dir``.
        ValueError: a part is missing from the sequence, or the archive holds
            a path outside ``workdir`` or a link.
    """
    parts = sorted(glob.glob(os.path.join(in_dir, f"{name}.tar.gz.part*")))
    if not parts:
        raise FileNotFoundError(f"No {name}.tar.gz.part* files in {in_dir}.")
    expected = [os.path.join(in_dir, f"{name}.tar.gz.part{k:03d}") for k in range(len(parts))]
    if parts != expected:
        raise ValueError(f"The parts in {in_dir} are not numbered 000 to {len(parts) - 1:03d}: "
                         f"{[os.path.basename(p) for p in parts]}.")
    blob = b"".join(pathlib.Path(p).read_bytes() for p in parts)
    os.makedirs(workdir, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        members = tar.getmembers()
        for m in members:
            if not (m.isfile() or m.isdir()):
                raise ValueError(f"The archive holds {m.name!r}, which is not a plain file.")
        tar.extractall(workdir, filter="data")
    return [m.name for m in members if m.isfile()]

