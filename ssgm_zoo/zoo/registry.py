"""The zoo's registry: one JSON record per entry in ``ssgm_zoo/zoo/entries/``.

Records are plain data (no code): what the entry is, the evidence for it
(metrics on a named split, command, config, hardware, wall time), and the
sha256 of every file, which loading checks before anything is deserialized.
"""

import difflib
import fnmatch
import functools
import json
import os
import pathlib
import re

__all__ = [
    "ENTRIES_DIR",
    "NAME_PATTERN",
    "RegistryError",
    "UnknownEntryError",
    "list_models",
    "model_info",
    "records",
    "validate_name",
    "validate_record",
]

ENTRIES_DIR = pathlib.Path(__file__).parent / "entries"
# <family>-<dataset>[-<labels>]: lowercase words joined by single dashes.
NAME_PATTERN = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
REQUIRED_FIELDS = ("name", "family", "paper", "dataset", "task", "files", "metrics",
                   "headline_metric", "training", "parameter_count")
REQUIRED_FILES = ("config.json", "metadata.json", "model.weights.h5", "README.md")
SHA256 = re.compile(r"^[0-9a-f]{64}$")


class RegistryError(ValueError):
    """A record or name is malformed."""


class UnknownEntryError(KeyError):
    """No entry has that name; the message lists close matches."""

    def __str__(self):
        return str(self.args[0])


def validate_name(name):
    """Checks an entry name's form (no paths, no wildcards); returns it."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name) or len(name) > 100:
        raise RegistryError(
            f"Invalid entry name {name!r}: names look like 'm1m2-mnist-100' "
            "(lowercase letters, digits and single dashes; no paths)."
        )
    return name


def validate_record(record, *, name=None):
    """Raises RegistryError naming the first problem of a record."""
    missing = [f for f in REQUIRED_FIELDS if f not in record]
    if missing:
        raise RegistryError(f"Record {name or record.get('name')!r} lacks fields {missing}.")
    validate_name(record["name"])
    if name is not None and record["name"] != name:
        raise RegistryError(f"Record file {name}.json names entry {record['name']!r}.")
    files = record["files"]
    for required in REQUIRED_FILES:
        if required not in files:
            raise RegistryError(f"Record {record['name']!r} lists no {required}.")
    for filename, info in files.items():
        if "/" in filename or "\\" in filename or filename.startswith("."):
            raise RegistryError(f"Record {record['name']!r}: bad file name {filename!r}.")
        if not SHA256.match(str(info.get("sha256", ""))) or int(info.get("size", -1)) < 0:
            raise RegistryError(f"Record {record['name']!r}: {filename} needs sha256 and size.")
    if record["headline_metric"] not in record["metrics"]:
        raise RegistryError(f"Record {record['name']!r}: headline metric not in metrics.")
    base = record.get("base_entry")
    if base is not None:
        validate_name(base)
    hub = record.get("hub")
    if hub is not None and not re.match(r"^[0-9a-f]{40}$", str(hub.get("revision", ""))):
        raise RegistryError(f"Record {record['name']!r}: hub.revision must be a commit sha.")
    return record


@functools.cache
def _load_records(directory):
    out = {}
    directory = pathlib.Path(directory)
    if not directory.is_dir():
        return out
    for path in sorted(directory.glob("*.json")):
        with open(path) as f:
            record = json.load(f)
        out[path.stem] = validate_record(record, name=path.stem)
    return out


def records(directory=None):
    """All records, ``{name: record}``, from ``directory`` (default: the shipped ones)."""
    return dict(_load_records(str(directory or ENTRIES_DIR)))


def list_models(pattern=None):
    """Names of the zoo's entries, optionally filtered by a shell-style wildcard.

    Args:
        pattern: e.g. ``"m1m2-*"``; None lists all.

    Returns:
        Sorted list of entry names.

    Example:
    >>> import ssgm_zoo
    >>> ssgm_zoo.list_models("m1m2-*")  # doctest: +SKIP
    ['m1m2-mnist-100', 'm1m2-mnist-1000', 'm1m2-mnist-3000', 'm1m2-mnist-600']
    """
    names = sorted(records())
    return [n for n in names if pattern is None or fnmatch.fnmatchcase(n, pattern)]


def model_info(name):
    """The record of an entry: family, paper, data, metrics, command, files, ...

    Raises:
        UnknownEntryError: no such entry (close matches are listed).
        RegistryError: the name is malformed.
    """
    validate_name(name)
    all_records = records()
    if name not in all_records:
        close = difflib.get_close_matches(name, list(all_records), n=5, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise UnknownEntryError(
            f"No zoo entry named {name!r}.{hint} `ssgm-zoo list` shows all "
            f"{len(all_records)} entries."
        )
    return json.loads(json.dumps(all_records[name]))  # a copy callers may change


def mirror_dirs():
    """Directories searched for entry folders: $SSGM_ZOO_MIRROR, then the shipped mirror."""
    dirs = []
    env = os.environ.get("SSGM_ZOO_MIRROR")
    if env:
        dirs.extend(pathlib.Path(p) for p in env.split(os.pathsep) if p)
    dirs.append(pathlib.Path(__file__).parent / "mirror")
    return dirs
