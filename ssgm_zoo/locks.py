"""Advisory file locks: one process at a time trains a run directory or writes a manifest.

The locks are ``flock`` locks on small files. The operating system releases
them when their process ends, however it ends, so a crashed run never leaves
a directory locked (the lock file stays, empty and harmless). Where ``fcntl``
is missing (Windows) there are no locks, and one process at a time must use a
directory.
"""

import contextlib
import os

try:
    import fcntl
except ImportError:  # Windows: no locks
    fcntl = None

__all__ = ["hold", "held_elsewhere", "hold_run_dirs", "RunDirectoryBusy", "RUN_LOCK"]

RUN_LOCK = ".lock"


class RunDirectoryBusy(RuntimeError):
    """Another process is training in a run directory."""


@contextlib.contextmanager
def hold(path, *, wait):
    """Holds the lock file ``path`` (created, with its folder, if needed).

    Yields True while held; False (holding nothing) when another process holds
    it and ``wait`` is False. With ``wait`` True, waits for it.
    """
    if fcntl is None:
        yield True
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def held_elsewhere(path):
    """Whether another process holds the lock file ``path`` (creates nothing, so it
    works on a read-only directory)."""
    if fcntl is None or not os.path.exists(path):
        return False
    try:
        with open(path) as f:
            fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


@contextlib.contextmanager
def hold_run_dirs(run_dirs):
    """Holds ``<run dir>/.lock`` of every one of ``run_dirs`` (creating the directories)
    for as long as the block trains in them.

    Raises:
        RunDirectoryBusy: another process holds one of them; this process then
            holds none and has written nothing but the empty lock files.
    """
    with contextlib.ExitStack() as stack:
        for run_dir in run_dirs:
            path = os.path.join(run_dir, RUN_LOCK)
            if not stack.enter_context(hold(path, wait=False)):
                raise RunDirectoryBusy(
                    f"Another process is training in {run_dir} (it holds {path}); wait for it "
                    "to finish or stop it, or give this run another --workdir.")
        yield
