"""The zoo's registry: every family's entry records, by name.

Each family keeps its records in its own folder
(``ssgm_zoo/models/<family>/entries/<name>.json``), with the files of the
entries it ships beside them (``entries/<name>/``). ``$SSGM_ZOO_ENTRIES``
(folders separated by ``os.pathsep``) adds folders of records, searched first
(a record there shadows one of the same name shipped with a family), and
``$SSGM_ZOO_MIRROR`` folders of entry files (local copies), also searched first.

Reading the registry imports no backend.
"""

import difflib
import fnmatch
import json
import os
import pathlib

from ssgm_zoo import families
from ssgm_zoo.zoo.records import EntryRecord, RegistryError, validate_name

__all__ = ["RegistryError", "UnknownEntryError", "list_models", "model_info", "records",
           "broken_records",
           "record_path", "entry_dirs", "mirror_dirs", "clear_cache", "validate_name",
           "results_table"]

_CACHE = {}


class UnknownEntryError(KeyError):
    """No entry has that name; the message lists close matches."""

    def __str__(self):
        return str(self.args[0])


def _env_dirs(variable):
    return [pathlib.Path(p) for p in os.environ.get(variable, "").split(os.pathsep) if p]


def entry_dirs():
    """Folders of records: ``$SSGM_ZOO_ENTRIES``, then each family's ``entries/``."""
    return _env_dirs("SSGM_ZOO_ENTRIES") + [
        f.entries_dir for f in families.all_families().values()]


def mirror_dirs():
    """Folders searched for entry folders: ``$SSGM_ZOO_MIRROR``, then the record folders."""
    return _env_dirs("SSGM_ZOO_MIRROR") + entry_dirs()


def clear_cache():
    """Forgets the records read so far (after a record file was written)."""
    _CACHE.clear()


def _read(directory):
    """``({name: (record, path)}, {name: problem})`` of one folder of record files.

    A record that cannot be read is set aside with its problem, so one broken
    file does not take the other entries down.
    """
    good, broken = {}, {}
    for path in sorted(pathlib.Path(directory).glob("*.json")):
        try:
            with open(path) as f:
                data = json.load(f)
            record = EntryRecord.from_dict(data, name=path.stem)
            families.get(record.family).model(record.model_name)
        except (OSError, ValueError, KeyError) as error:  # JSON, schema, family, model
            broken[path.stem] = f"Record file {path} is broken: {error}"
            continue
        good[record.name] = (record, path)
    return good, broken


def _all():
    dirs = tuple(str(d) for d in entry_dirs() if d.is_dir())
    if dirs not in _CACHE:
        merged, broken = {}, {}
        for directory in dirs:
            good, bad = _read(directory)
            # An earlier folder shadows a later one, as on a search path: a record
            # rebuilt under $SSGM_ZOO_ENTRIES replaces the shipped one of that name.
            broken.update({n: m for n, m in bad.items() if n not in merged and n not in broken})
            for name, entry in good.items():
                if name not in merged and name not in broken:
                    merged[name] = entry
        _CACHE.clear()
        _CACHE[dirs] = (merged, broken)
    return _CACHE[dirs]


def broken_records():
    """``{name: problem}`` of the record files that could not be read (left out of the zoo)."""
    return dict(_all()[1])


def records():
    """All records, ``{name: EntryRecord}``."""
    return {name: record for name, (record, _) in sorted(_all()[0].items())}


def record_path(name):
    """The JSON file holding entry ``name``'s record."""
    model_info(name)
    return _all()[0][name][1]


def list_models(pattern=None):
    """Names of the zoo's entries, optionally filtered by a shell-style wildcard.

    Args:
        pattern: e.g. ``"m1m2-*"``; None lists all.

    Returns:
        Sorted list of entry names.

    Example:
    >>> import ssgm_zoo
    >>> ssgm_zoo.list_models("m1m2-mnist-1*")
    ['m1m2-mnist-100', 'm1m2-mnist-1000']
    """
    return [n for n in records() if pattern is None or fnmatch.fnmatchcase(n, pattern)]


def model_info(name):
    """The record of an entry (an ``EntryRecord``): family, data, metrics, command, files, ...

    Raises:
        UnknownEntryError: no such entry (close matches are listed).
        RegistryError: the name is malformed.

    Example:
    >>> import ssgm_zoo
    >>> record = ssgm_zoo.model_info("m1m2-mnist-100")
    >>> record.num_labeled, record.headline_metric
    (100, 'test_error_rate')
    """
    validate_name(name)
    all_records = records()
    broken = broken_records()
    if name in broken:
        raise RegistryError(broken[name])
    if name not in all_records:
        close = difflib.get_close_matches(name, list(all_records), n=5, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise UnknownEntryError(
            f"No zoo entry named {name!r}.{hint} `ssgm-zoo list` shows all "
            f"{len(all_records)} entries."
        )
    return all_records[name]


def results_table(family_name):
    """The Markdown results table of a family (as in its docs page), from its records.

    Raises:
        ValueError: the family has no results table.
    """
    family = families.get(family_name)
    if family.results_table is None:
        raise ValueError(f"Family {family.name!r} has no results table.")
    return family.results_table([r for r in records().values() if r.family == family.name])
