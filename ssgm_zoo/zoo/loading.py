"""Finding an entry's files, checking them, and building the model.

Resolution order: an explicit ``source`` (a local directory or
``hf://org/repo[@revision]``), then the mirror directories
(``$SSGM_ZOO_MIRROR``, then the entries shipped inside the package), then the
Hugging Face Hub at the record's pinned revision. Every file's sha256 is
checked against the record before anything is deserialized; only JSON and
HDF5 weights are read.

M1+M2 entries share the M1 of their ``base_entry``: their weights file holds
M2's weights only, and M1's come from the base entry's (checked) file.
"""

import hashlib
import os
import pathlib
import shutil
import tempfile

import h5py

from ssgm_zoo.zoo import hub, registry

__all__ = ["IntegrityError", "EntryNotFoundError", "resolve_entry_dir", "verify_files",
           "load_pretrained", "split_base_weights", "merge_base_weights", "sha256_file"]

# Where an M1+M2 model keeps its M1 inside model.weights.h5 (Keras's layout).
BASE_WEIGHTS_GROUP = "layers/m1"


class IntegrityError(ValueError):
    """A file is missing, truncated or does not match its recorded sha256."""


class EntryNotFoundError(FileNotFoundError):
    """No source, mirror or Hub copy of the entry could be found."""


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_files(directory, record):
    """Checks every file of ``record`` in ``directory``: present, right size, right sha256.

    Raises:
        IntegrityError: naming the file, the expected and the found hash/size.
    """
    directory = pathlib.Path(directory)
    for filename, info in sorted(record["files"].items()):
        path = directory / filename
        if not path.is_file():
            raise IntegrityError(
                f"{record['name']}: {path} is missing (expected sha256 {info['sha256']}).")
        size = path.stat().st_size
        found = sha256_file(path)
        if found != info["sha256"]:
            what = "truncated or corrupt" if size != info["size"] else "modified"
            raise IntegrityError(
                f"{record['name']}: {path} is {what}: expected sha256 {info['sha256']} "
                f"({info['size']} bytes), found {found} ({size} bytes). Nothing was loaded; "
                "delete the file to fetch it again, or restore it.")
    return directory


def resolve_entry_dir(record, *, source=None, revision=None):
    """The local directory holding ``record``'s files (downloaded if needed)."""
    name = record["name"]
    if source is not None:
        source = str(source)
        if source.startswith("hf://"):
            repo_id, url_revision = hub.parse_hf_url(source)
            return hub.download_entry(repo_id, revision=revision or url_revision or "main",
                                      filenames=sorted(record["files"]))
        if not os.path.isdir(source):
            raise EntryNotFoundError(f"source {source!r} for {name} is not a directory.")
        return pathlib.Path(source)
    if revision is None:
        for mirror in registry.mirror_dirs():
            candidate = mirror / name
            if candidate.is_dir():
                return candidate
    info = record.get("hub")
    if not info:
        raise EntryNotFoundError(
            f"{name} is in no mirror ({', '.join(map(str, registry.mirror_dirs()))}) and has "
            "no Hugging Face repository; pass source=<directory>.")
    return hub.download_entry(info["repo_id"], revision=revision or info["revision"],
                              filenames=sorted(record["files"]))


def split_base_weights(weights_path, out_path, group=BASE_WEIGHTS_GROUP):
    """Writes ``weights_path`` without the shared base model's group."""
    shutil.copyfile(weights_path, out_path)
    with h5py.File(out_path, "a") as f:
        del f[group]
    # h5py leaves the freed space in the file; repack to make it small.
    tmp = str(out_path) + ".repack"
    with h5py.File(out_path, "r") as src, h5py.File(tmp, "w") as dst:
        for key, value in src.attrs.items():
            dst.attrs[key] = value
        for key in src:
            src.copy(src[key], dst, name=key)
    os.replace(tmp, out_path)


def merge_base_weights(own_path, base_path, out_path, group=BASE_WEIGHTS_GROUP):
    """Writes a full weights file: ``own_path`` plus the base model's weights under ``group``."""
    shutil.copyfile(own_path, out_path)
    with h5py.File(out_path, "a") as dst, h5py.File(base_path, "r") as base:
        target = dst.require_group(group)
        for key in base:
            base.copy(base[key], target, name=key)


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
    >>> model = ssgm_zoo.load_pretrained("m1m2-mnist-100")  # doctest: +SKIP
    >>> model.classify(images)  # doctest: +SKIP
    """
    from ssgm_zoo import checkpoint

    record = registry.model_info(name)
    directory = verify_files(resolve_entry_dir(record, source=source, revision=revision), record)
    model = checkpoint.load_model_dir(directory, load_weights=False)
    base = record.get("base_entry")
    weights = directory / checkpoint.WEIGHTS_FILE
    if base is None:
        model.load_weights(weights)
        return model
    base_record = registry.model_info(base)
    base_dir = verify_files(resolve_entry_dir(base_record), base_record)
    with tempfile.TemporaryDirectory() as tmp:
        merged = os.path.join(tmp, checkpoint.WEIGHTS_FILE)
        merge_base_weights(weights, base_dir / checkpoint.WEIGHTS_FILE, merged)
        model.load_weights(merged)
    return model
