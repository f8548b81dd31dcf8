"""Files the package writes and checks: one atomic-write helper, one sha256 helper.

Every file ssgm-zoo writes for a user (predictions, figures, records, run logs,
checkpoints, model folders) goes through ``atomic_write`` or
``atomic_directory``: the content is written next to the target under a hidden
temporary name, flushed to disk, then renamed over the target. A failure or an
interrupt at any point leaves the target as it was and removes the temporary.
This module needs the standard library only.

Example:
>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "notes.txt")
>>> with atomic_write(path) as f:
...     _ = f.write("hello")
>>> open(path).read()
'hello'
>>> sha256_file(path)[:12]
'2cf24dba5fb0'
"""

import contextlib
import hashlib
import json
import os
import pathlib
import secrets
import shutil
import stat

__all__ = ["sha256_file", "atomic_write", "atomic_write_json", "read_json", "atomic_directory",
           "check_output_path", "OutputPathError"]


class OutputPathError(ValueError):
    """A file cannot be written where asked; the message names the path and why."""


def check_output_path(path, *, inputs=()):
    """Checks, before any work is done, that ``path`` can take a new file.

    Args:
        path: the file to write.
        inputs: paths the command reads; writing over one of them (by any
            spelling: relative, absolute, through a link) is refused.

    Returns:
        ``path`` as a ``pathlib.Path``.

    Raises:
        OutputPathError: the path is empty, is a folder, its folder does not
            exist or cannot be written, or it is one of ``inputs``.
    """
    if path is None or not str(path).strip():
        raise OutputPathError("The output path is empty; give a file name such as out.csv.")
    path = pathlib.Path(os.fspath(path))
    if path.is_dir():
        raise OutputPathError(f"{path} is a folder; expected a file name such as "
                              f"{path / 'out.csv'}.")
    folder = path.parent
    if not folder.is_dir():
        raise OutputPathError(f"{path}: the folder {folder} does not exist; create it first.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputPathError(f"{path}: the folder {folder} is not writable.")
    for source in inputs:
        if source is None:
            continue
        same = os.path.realpath(path) == os.path.realpath(source)
        if not same and path.exists() and os.path.exists(source):
            same = os.path.samefile(path, source)
        if same:
            raise OutputPathError(f"{path} is the input {source}; writing the output there "
                                  "would replace it. Choose another output file.")
    return path


def sha256_file(path):
    """The sha256 of a file's bytes, as 64 lowercase hex digits (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _temporary_name(path):
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")


def _fsync_folder(folder):
    """Makes a rename durable where the platform allows it (POSIX); best effort."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path, mode="w", *, encoding=None, newline=None, durable=True):
    """Opens a temporary file that replaces ``path`` only when the block ends without error.

    Args:
        path: the file to write; its folder must exist.
        mode: ``"w"`` (text) or ``"wb"`` (bytes).
        encoding: text encoding (default UTF-8 for text mode).
        newline: as for ``open``.
        durable: fsync the file and its folder (off for frequent small logs).

    Yields:
        The open temporary file.

    Raises:
        FileNotFoundError: the folder of ``path`` does not exist.
        IsADirectoryError: ``path`` is a folder.

    An existing file keeps its permission bits; a new one gets the default
    (0666 minus the umask). On any exception, ``KeyboardInterrupt`` included,
    the temporary is removed and ``path`` is untouched.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write mode must be 'w' or 'wb', got {mode!r}")
    path = pathlib.Path(os.fspath(path))
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"{path}: the folder {folder} does not exist; create it first")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; expected a file name")
    try:
        keep_mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        keep_mode = None
    while True:
        tmp = _temporary_name(path)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
        except OSError as error:  # name the file asked for, not the temporary
            raise OSError(error.errno, error.strerror, str(path)) from error
    try:
        if mode == "w":
            f = os.fdopen(fd, "w", encoding=encoding or "utf-8", newline=newline)
        else:
            f = os.fdopen(fd, "wb")
        with f:
            yield f
            f.flush()
            if durable:
                os.fsync(f.fileno())
        if keep_mode is not None:
            os.chmod(tmp, keep_mode)
        os.replace(tmp, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if (isinstance(error, OSError) and error.errno is not None
                and error.filename in (None, str(tmp))):
            raise OSError(error.errno, error.strerror, str(path)) from error
        raise
    if durable:
        _fsync_folder(folder)


def read_json(path):
    """The JSON document in the file ``path`` (the counterpart of ``atomic_write_json``)."""
    with open(path) as f:
        return json.load(f)


def atomic_write_json(path, obj, *, indent=1, durable=True, **dump_kwargs):
    """Writes ``obj`` as JSON (with a final newline) through ``atomic_write``."""
    with atomic_write(path, durable=durable) as f:
        json.dump(obj, f, indent=indent, **dump_kwargs)
        f.write("\n")
    return pathlib.Path(path)


@contextlib.contextmanager
def atomic_directory(path):
    """Yields an empty temporary folder that replaces the folder ``path`` when the block succeeds.

    The temporary sits next to ``path``; an existing ``path`` is removed only
    after the new content is complete, then the temporary is renamed into
    place. On any exception the temporary is removed and ``path`` is untouched.

    Example:
    >>> import os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "model")
    >>> with atomic_directory(target) as tmp:
    ...     _ = (tmp / "config.json").write_text("{}")
    >>> os.listdir(target)
    ['config.json']
    """
    path = pathlib.Path(os.fspath(path)).absolute()
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{path}: the folder {path.parent} does not exist; create it first")
    tmp = _temporary_name(path)
    tmp.mkdir()
    try:
        yield tmp
        if path.is_dir() and not path.is_symlink():
            old = _temporary_name(path)
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            if path.exists() or path.is_symlink():
                path.unlink()
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
