"""Finding an entry's files, checking them, and building the model.

Resolution order: an explicit ``source`` (a local directory or
``hf://org/repo[@revision]``), then the mirror directories
(``$SSGM_ZOO_MIRROR``, then the entries shipped inside each family's folder),
then the Hugging Face Hub at the record's pinned revision. Every file's sha256
is checked against the record before anything is deserialized; only JSON and
HDF5 weights are read.

An entry with a ``base_entry`` shares that entry's weights: its weights file
lacks the group ``base_weights_group``, which comes from the base entry's
(checked) file.
"""

import os
import pathlib
import re
import tempfile

from ssgm_zoo import files
from ssgm_zoo.zoo import registry

__all__ = ["IntegrityError", "EntryNotFoundError", "resolve_entry_dir", "verify_files",
           "load_pretrained", "build_model"]

_COMMIT = re.compile(r"^[0-9a-f]{40}$")


class IntegrityError(ValueError):
    """A file is missing, truncated or does not match its recorded sha256."""


class EntryNotFoundError(FileNotFoundError):
    """No source, mirror or Hub copy of the entry could be found."""


def verify_files(directory, record):
    """Checks every file of ``record`` in ``directory``: present, right size, right sha256.

    Raises:
        IntegrityError: naming the file, what is wrong (missing, truncated,
            larger than recorded, modified) and both hashes and sizes.
    """
    directory = pathlib.Path(directory)
    for filename, info in sorted(record.files.items()):
        path = directory / filename
        if not path.is_file():
            raise IntegrityError(
                f"{record.name}: {path} is missing (expected sha256 {info.sha256}).")
        size = path.stat().st_size
        found = files.sha256_file(path)
        if found != info.sha256:
            what = ("truncated" if size < info.size else
                    "larger than recorded (changed)" if size > info.size else "modified")
            raise IntegrityError(
                f"{record.name}: {path} is {what}: expected sha256 {info.sha256} "
                f"({info.size} bytes), found {found} ({size} bytes). Nothing was loaded.")
    return directory


def _check_revision(name, revision):
    if not _COMMIT.match(str(revision)):
        raise ValueError(f"revision {revision!r} for {name} is not a commit: pin a 40-hex "
                         "commit sha (branches and tags move).")


def resolve_entry_dir(record, *, source=None, revision=None):
    """The local directory holding ``record``'s files, verified against its sha256s.

    A mirror copy that fails the check is passed over for the next one (the
    shipped copy last), then for the Hub; the error lists every damaged copy
    and what to do.

    Raises:
        IntegrityError: every copy found is damaged.
        EntryNotFoundError: there is no copy, or ``revision`` asks for a Hub
            copy of an entry that has none.
    """
    from ssgm_zoo.zoo import hub

    name = record.name
    if source is not None:
        source = str(source)
        if source.startswith("hf://"):
            repo_id, url_revision = hub.parse_hf_url(source)
            directory = hub.download_entry(repo_id, revision=revision or url_revision or "main",
                                           filenames=sorted(record.files))
            return _verified(directory, record, "the Hub's copy in the local cache: delete it "
                             "there to fetch it again")
        if not os.path.isdir(source):
            raise EntryNotFoundError(f"source {source!r} for {name} is not a directory.")
        return _verified(source, record, "restore the file, or load without source=")
    damaged = []
    if revision is not None:
        _check_revision(name, revision)
        if record.hub is None:
            raise EntryNotFoundError(
                f"{name}: a revision asks for a copy on the Hugging Face Hub, and {name} has no "
                "Hub repository (its files ship with ssgm-zoo); load it without revision.")
    else:
        for mirror in registry.mirror_dirs():
            candidate = mirror / name
            if candidate.is_dir():
                try:
                    return verify_files(candidate, record)
                except IntegrityError as error:
                    damaged.append(str(error))
    if record.hub is None:
        if damaged:
            raise IntegrityError(
                "No intact copy of the entry: " + " | ".join(damaged) + " Reinstall ssgm-zoo "
                "(pip install --force-reinstall ssgm-zoo) to restore the shipped copy, or set "
                "SSGM_ZOO_MIRROR to a folder holding a good copy.")
        raise EntryNotFoundError(
            f"{name} is in no mirror ({', '.join(map(str, registry.mirror_dirs()))}) and has "
            "no Hugging Face repository; pass source=<directory>.")
    directory = hub.download_entry(record.hub.repo_id, revision=revision or record.hub.revision,
                                   filenames=sorted(record.files))
    return _verified(directory, record, "the Hub's copy in the local cache: delete it there to "
                     "fetch it again", damaged)


def _verified(directory, record, advice, damaged=()):
    try:
        return verify_files(directory, record)
    except IntegrityError as error:
        raise IntegrityError(" | ".join([*damaged, str(error)]) + f" This is {advice}.") from None


def load_pretrained(name, *, revision=None, source=None):
    """The ready Keras model of a zoo entry, weights verified, on the active backend.

    Args:
        name: entry name, e.g. ``"m1m2-mnist-100"`` (see ``list_models``).
        revision: a Hub revision (commit sha) to load instead of the pinned one.
        source: a local directory or ``hf://org/repo[@revision]`` holding the entry.

    Returns:
        The model, built, with its weights loaded (inference mode: ``trainable``
        stays as saved; call it with ``training=False``, the default).

    Raises:
        UnknownEntryError: no such entry (close matches listed).
        IntegrityError: a file does not match the registry's sha256.
        EntryNotFoundError / HubError: the files cannot be found or fetched.

    Example:
    >>> import ssgm_zoo
    >>> model = ssgm_zoo.load_pretrained("m1m2-mnist-100")
    >>> model.classify(np.zeros((2, 28, 28, 1))).shape
    (2,)
    """
    record = registry.model_info(name)
    return build_model(resolve_entry_dir(record, source=source, revision=revision), record)


def build_model(directory, record):
    """The model of ``record`` from ``directory``, whose files were verified
    (``resolve_entry_dir`` or ``verify_files``); a ``base_entry``'s shared weights
    come from that entry's verified copy."""
    from ssgm_zoo import checkpoint

    directory = pathlib.Path(directory)
    model = checkpoint.load_model_dir(directory, load_weights=False)
    weights = directory / checkpoint.WEIGHTS_FILE
    if record.base_entry is None:
        model.load_weights(weights)
        return model
    base_record = registry.model_info(record.base_entry)
    base_dir = resolve_entry_dir(base_record)
    with tempfile.TemporaryDirectory() as tmp:
        merged = os.path.join(tmp, checkpoint.WEIGHTS_FILE)
        checkpoint.merge_weights(weights, base_dir / checkpoint.WEIGHTS_FILE, merged,
                                 record.base_weights_group)
        model.load_weights(merged)
    return model
