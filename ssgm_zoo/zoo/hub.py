"""Hugging Face Hub transport for zoo entries: parse ``hf://`` URLs, download, publish.

Each zoo entry (``config.json``, ``metadata.json``, ``model.weights.h5``, ``README.md``, ...)
lives in its own Hub model repo, e.g. ``ssgm-zoo/m1m2-mnist-100``; the registry pins the commit
(``revision``) and the files. This module only moves files, through ``huggingface_hub`` and its
standard cache, so ``HF_HUB_OFFLINE``, ``HF_ENDPOINT``, ``HF_TOKEN`` and friends work as in any
Hub tool (checking sha256s is ``zoo.loading``'s job). Every failure is a :class:`HubError` that
names the repo, revision and files and says what to do.

Example:
    >>> from ssgm_zoo.zoo import hub
    >>> hub.parse_hf_url("hf://ssgm-zoo/m1m2-mnist-100@main")
    ('ssgm-zoo/m1m2-mnist-100', 'main')
    >>> entry_dir = hub.download_entry(                                   # doctest: +SKIP
    ...     "ssgm-zoo/m1m2-mnist-100",
    ...     revision="0123456789abcdef0123456789abcdef01234567",
    ...     filenames=["config.json", "metadata.json", "model.weights.h5", "README.md"],
    ... )
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import re
from typing import Iterable

import huggingface_hub
from huggingface_hub import constants
from huggingface_hub.utils import (
    DEFAULT_IGNORE_PATTERNS,
    EntryNotFoundError,
    HFValidationError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
    filter_repo_objects,
)

from ssgm_zoo.files import sha256_file

__all__ = ["HF_URL_SCHEME", "REQUIRED_PUBLISH_FILES", "HubError", "PublishResult",
           "download_entry", "list_entry_files", "parse_hf_url", "publish_entry",
           "validate_repo_id"]

HF_URL_SCHEME = "hf://"
#: Files without which a directory is not a publishable zoo entry.
REQUIRED_PUBLISH_FILES = ("config.json", "model.weights.h5", "README.md")
# A branch/tag name ("refs/pr/1" allowed) or a commit sha; no "..", "//" or trailing "/".
_REVISION_RE = re.compile(r"(?!.*\.\.)(?!.*//)[A-Za-z0-9][A-Za-z0-9._/-]*(?<!/)")


class HubError(Exception):
    """A Hub download or publish failed; the message says what to do.

    The ``huggingface_hub`` exception, if any, is chained as ``__cause__``.
    """


@dataclasses.dataclass(frozen=True)
class PublishResult:
    """What :func:`publish_entry` uploaded (or would upload, for a dry run).

    Attributes:
        repo_id: The Hub repository, ``"<org>/<name>"``.
        files: ``(posix_name, size_in_bytes, sha256_hex)`` of every file, sorted by name.
        commit_sha: The 40-hex commit of the upload (the registry's ``revision``); ``None``
            for a dry run.
        url: The repository's web page.
    """

    repo_id: str
    files: list[tuple[str, int, str]]
    commit_sha: str | None
    url: str

    @property
    def dry_run(self) -> bool:
        """True when nothing was uploaded."""
        return self.commit_sha is None

    @property
    def sha256(self) -> dict[str, str]:
        """``{filename: sha256}``, in the registry's ``files`` format."""
        return {name: digest for name, _, digest in self.files}


def validate_repo_id(repo_id: str) -> str:
    """Check that ``repo_id`` is ``"<org>/<name>"``, each part valid for the Hub.

    Args:
        repo_id: The candidate id; each part goes through
            ``huggingface_hub.utils.validate_repo_id``.

    Returns:
        ``repo_id`` unchanged.

    Raises:
        ValueError: naming the offending part.

    Example:
        >>> validate_repo_id("ssgm-zoo/m2-mnist-100")
        'ssgm-zoo/m2-mnist-100'
    """
    parts = repo_id.split("/") if isinstance(repo_id, str) else []
    if len(parts) != 2:
        what = "has no '/'" if len(parts) < 2 else f"has {len(parts) - 1} slashes"
        raise ValueError(f"invalid Hub repo id {repo_id!r}: {what}; expected '<org>/<name>'")
    for label, part in zip(("org", "name"), parts):
        if not part:
            raise ValueError(f"invalid Hub repo id {repo_id!r}: empty {label}")
        try:
            huggingface_hub.utils.validate_repo_id(part)
        except HFValidationError as err:
            raise ValueError(
                f"invalid Hub repo id {repo_id!r}: bad {label} {part!r}: {err}") from err
    return repo_id


def _check_revision(revision: str, context: str) -> None:
    if not isinstance(revision, str) or not _REVISION_RE.fullmatch(revision):
        what = "empty revision" if not revision else f"invalid revision {revision!r}"
        raise ValueError(f"{context}: {what}; expected a branch/tag name or a 40-hex commit sha")


def parse_hf_url(url: str) -> tuple[str, str | None]:
    """Split ``"hf://<org>/<name>[@<revision>]"`` into ``(repo_id, revision_or_None)``.

    Args:
        url: A Hub URL, e.g. ``"hf://ssgm-zoo/m1m2-mnist-100@<40-hex sha>"``.

    Returns:
        ``(repo_id, revision)``; ``revision`` is ``None`` without an ``@`` part.

    Raises:
        ValueError: naming the bad part: not ``hf://``, a bad repo id (see
            :func:`validate_repo_id`), an empty or malformed revision.

    Example:
        >>> parse_hf_url("hf://ssgm-zoo/m2-mnist-100")
        ('ssgm-zoo/m2-mnist-100', None)
        >>> parse_hf_url("hf://ssgm-zoo/m2-mnist-100@v1.0")
        ('ssgm-zoo/m2-mnist-100', 'v1.0')
    """
    if not isinstance(url, str) or not url.startswith(HF_URL_SCHEME):
        raise ValueError(f"not a Hugging Face Hub URL: {url!r}; expected"
                         " 'hf://<org>/<name>[@<revision>]'")
    repo_id, has_revision, revision = url[len(HF_URL_SCHEME):].partition("@")
    validate_repo_id(repo_id)
    if has_revision:
        _check_revision(revision, f"invalid Hub URL {url!r}")
    return repo_id, revision if has_revision else None


def _endpoint(endpoint: str | None) -> str:
    # huggingface_hub reads $HF_ENDPOINT and $HF_HUB_OFFLINE at import; we read them per call.
    return (endpoint or os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")


def _offline() -> bool:
    env = os.environ.get("HF_HUB_OFFLINE", "").upper() in ("1", "ON", "YES", "TRUE")
    return env or bool(constants.HF_HUB_OFFLINE)


def _short(err: BaseException) -> str:
    """The server's message if it sent one, else the exception's first line."""
    text = " ".join((getattr(err, "server_message", None) or str(err).split("\n")[0]).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def download_entry(repo_id: str, *, revision: str, filenames: Iterable[str],
                   cache_dir: str | os.PathLike | None = None, endpoint: str | None = None,
                   local_files_only: bool | None = None,
                   token: str | None = None) -> pathlib.Path:
    """Fetch exactly ``filenames`` of ``repo_id`` at ``revision``, one ``hf_hub_download`` each.

    Args:
        repo_id: ``"<org>/<name>"``, e.g. ``"ssgm-zoo/m1m2-mnist-100"``.
        revision: The registry's pinned 40-hex commit sha (or a branch name).
        filenames: Paths inside the repo, taken literally (not as patterns).
        cache_dir: Hugging Face cache; ``None`` means ``$HF_HUB_CACHE``.
        endpoint: Hub URL; ``None`` means ``$HF_ENDPOINT`` or ``https://huggingface.co``.
        local_files_only: ``True``: cache only, no network; ``None`` follows ``HF_HUB_OFFLINE``.
        token: Hub token; ``None`` uses ``HF_TOKEN`` / the saved login.

    Returns:
        The snapshot folder ``<cache>/models--<org>--<name>/snapshots/<commit>`` holding the
        files (read-only links into the cache). Files cached for a pinned commit are reused.

    Raises:
        ValueError: ``repo_id``, ``revision`` or a filename is malformed.
        HubError: unknown repo, revision or file; access denied; Hub unreachable; files
            not cached while offline.
    """
    validate_repo_id(repo_id)
    context = f"download_entry({repo_id!r})"
    _check_revision(revision, context)
    names = list(dict.fromkeys([filenames] if isinstance(filenames, str) else filenames))
    if not names:
        raise ValueError(f"{context}: 'filenames' is empty")
    for name in names:
        if not isinstance(name, str) or "\\" in name or {"", ".", ".."} & set(name.split("/")):
            raise ValueError(
                f"{context}: invalid filename {name!r}; expected a relative POSIX path")
    endpoint = _endpoint(endpoint)
    offline = _offline() if local_files_only is None else bool(local_files_only)
    quoted = ", ".join(f"'{name}'" for name in names)
    what = f"file(s) {quoted} of Hub repo '{repo_id}' at revision '{revision}'"

    def not_cached(what: str) -> HubError:
        why, fix = (("local_files_only=True was passed", "pass local_files_only=False")
                    if local_files_only else ("HF_HUB_OFFLINE=1 is set", "unset HF_HUB_OFFLINE"))
        return HubError(f"{what} is not in the local Hugging Face cache"
                        f" ({cache_dir or constants.HF_HUB_CACHE}) and {why}; {fix} to download"
                        f" it from {endpoint}, or pass source=<dir> pointing at a local copy of"
                        " the entry.")

    folder = None
    name = names[0]
    uncached: list[str] = []
    try:
        # One file at a time, in this thread, stopping at the first failure: huggingface_hub
        # retries a refused connection 5 times with backoff (about 23 s) and offers no setting
        # for it, so a down Hub costs one file's retries, not one per file (snapshot_download
        # goes on to the next file after a failure; with several workers, one of its (2.4)
        # threads closes the shared HTTP client under the others, which then fail with an
        # AttributeError instead of the connection error).
        # Offline, every file is looked up so that the error lists all those not cached.
        for name in names:
            try:
                path = pathlib.Path(huggingface_hub.hf_hub_download(
                    repo_id, name, revision=revision, cache_dir=cache_dir, endpoint=endpoint,
                    token=token, local_files_only=offline))
            except LocalEntryNotFoundError:
                if not offline:
                    raise
                uncached.append(name)
                continue
            # <cache>/models--<org>--<name>/snapshots/<commit>/<name>
            folder = path.parents[len(pathlib.PurePosixPath(name).parts) - 1]
    except (LocalEntryNotFoundError, OfflineModeIsEnabled) as err:
        # How huggingface_hub reports a network failure (chained as the cause), or offline mode.
        if offline or isinstance(err.__cause__, OfflineModeIsEnabled):
            raise not_cached(what) from err
        raise HubError(f"could not reach the Hub at {endpoint} to fetch {what}"
                       f" ({_short(err.__cause__ or err)}); check your network connection /"
                       " HF_ENDPOINT, set HF_HUB_OFFLINE=1 to use only the local cache, or pass"
                       " source=<dir> pointing at a local copy of the entry.") from err
    except RevisionNotFoundError as err:
        raise HubError(f"revision '{revision}' not found in Hub repo '{repo_id}' at {endpoint}"
                       f" (while fetching {quoted}); check the pinned revision (a branch name or"
                       " a full 40-hex commit sha).") from err
    except RepositoryNotFoundError as err:
        raise HubError(f"Hub repo '{repo_id}' not found at {endpoint} (while fetching {quoted} at"
                       f" revision '{revision}'); check the repo id, or pass token=... / set"
                       " HF_TOKEN if the repo is private.") from err
    except EntryNotFoundError as err:
        raise HubError(f"file '{name}' not found in Hub repo '{repo_id}' at revision"
                       f" '{revision}' ({endpoint}); check the registry's file list against the"
                       " files of that revision.") from err
    except Exception as err:  # HfHubHTTPError, or e.g. a connection lost in the middle of a file
        status = getattr(getattr(err, "response", None), "status_code", None)
        if isinstance(err, HfHubHTTPError) and status in (401, 403):
            raise HubError(f"access denied (HTTP {status}) to {what} at {endpoint}; pass token=..."
                           f" or set HF_TOKEN to a token that can read '{repo_id}' (or unset an"
                           f" invalid HF_TOKEN). Server said: {_short(err)}") from err
        raise HubError(f"failed to fetch '{name}' ({what}) from {endpoint}:"
                       f" {_short(err)}") from err
    if uncached:
        listed = ", ".join(f"'{name}'" for name in uncached)
        raise not_cached(f"file(s) {listed} of Hub repo '{repo_id}' at revision '{revision}'")
    return folder


def list_entry_files(local_dir: str | os.PathLike) -> list[tuple[str, int, str]]:
    """Every file :func:`publish_entry` would upload from ``local_dir``.

    ``.git/`` and ``.cache/huggingface/`` are skipped with ``huggingface_hub``'s own ignore
    patterns, exactly as ``HfApi.upload_folder`` does; sub-folders are included.

    Args:
        local_dir: The entry directory.

    Returns:
        ``[(posix_name, size_in_bytes, sha256_hex), ...]`` sorted by name.
    """
    root = pathlib.Path(local_dir)
    names = sorted(p.relative_to(root).as_posix() for p in root.glob("**/*") if p.is_file())
    return [(name, (root / name).stat().st_size, sha256_file(root / name))
            for name in filter_repo_objects(names, ignore_patterns=DEFAULT_IGNORE_PATTERNS)]


def publish_entry(local_dir: str | os.PathLike, repo_id: str, *, token: str | None = None,
                  endpoint: str | None = None, private: bool = False, dry_run: bool = False,
                  commit_message: str | None = None) -> PublishResult:
    """Upload an entry directory to a Hub model repo (created if needed) in one commit.

    ``HfApi.create_repo`` then ``HfApi.upload_folder``: unchanged files are skipped by the
    client, remote files absent locally are kept.

    Args:
        local_dir: Entry directory with at least :data:`REQUIRED_PUBLISH_FILES`.
        repo_id: Target ``"<org>/<name>"``.
        token: Hub token with write access; ``None`` uses ``HF_TOKEN`` / the saved login.
        endpoint: Hub URL; ``None`` means ``$HF_ENDPOINT`` or ``https://huggingface.co``.
        private: Create the repo as private (ignored when it exists).
        dry_run: Only list what would be uploaded; no network access.
        commit_message: Commit summary; defaults to ``"Upload zoo entry <repo_id>"``.

    Returns:
        A :class:`PublishResult`; its ``commit_sha`` is the revision to pin in the registry.

    Raises:
        ValueError: ``repo_id`` is malformed.
        HubError: not an entry directory; token missing or refused; Hub unreachable or
            offline mode on; the Hub refused the commit.

    Example:
        >>> plan = publish_entry("runs/m2-mnist-100", "ssgm-zoo/m2-mnist-100",  # doctest: +SKIP
        ...                      dry_run=True)
        >>> [name for name, size, sha in plan.files]                            # doctest: +SKIP
        ['README.md', 'config.json', 'metadata.json', 'model.weights.h5']
    """
    validate_repo_id(repo_id)
    folder = pathlib.Path(local_dir)
    if not folder.is_dir():
        raise HubError(f"cannot publish {folder} to '{repo_id}': not a directory")
    missing = [name for name in REQUIRED_PUBLISH_FILES if not (folder / name).is_file()]
    if missing:
        raise HubError(f"cannot publish {folder} to '{repo_id}': missing required file(s)"
                       f" {', '.join(missing)}; a zoo entry needs"
                       f" {', '.join(REQUIRED_PUBLISH_FILES)}.")
    files = list_entry_files(folder)
    endpoint = _endpoint(endpoint)
    if dry_run:
        return PublishResult(repo_id, files, None, f"{endpoint}/{repo_id}")

    api = huggingface_hub.HfApi(endpoint=endpoint, token=token)
    step = "create_repo"
    try:
        repo_url = api.create_repo(repo_id, repo_type="model", exist_ok=True, private=private)
        step = "upload_folder"
        commit = api.upload_folder(folder_path=str(folder), repo_id=repo_id, repo_type="model",
                                   commit_message=commit_message or f"Upload zoo entry {repo_id}")
    except Exception as err:
        status = getattr(getattr(err, "response", None), "status_code", None)
        if isinstance(err, OfflineModeIsEnabled):
            advice = "HF_HUB_OFFLINE=1 is set; unset it to publish, or use dry_run=True"
        elif isinstance(err, HfHubHTTPError) and status in (401, 403):
            advice = (f"authentication refused (HTTP {status}); pass token=... or set HF_TOKEN to"
                      f" a token with write access to '{repo_id.split('/')[0]}'")
        elif isinstance(err, RepositoryNotFoundError):
            advice = "the repo was not found and could not be created; check the token's rights"
        elif isinstance(err, HfHubHTTPError):
            advice = f"the Hub refused the {step} request (HTTP {status})"
        elif step == "create_repo":  # sends a small JSON, reads no file: it is the network
            advice = "could not reach the Hub; check your network connection / HF_ENDPOINT"
        else:
            advice = "check your network connection and the entry's files, then retry"
        raise HubError(f"publishing {folder} to Hub repo '{repo_id}' at {endpoint} failed:"
                       f" {advice} ({_short(err)})") from err
    return PublishResult(repo_id, files, commit.oid, str(repo_url) or f"{endpoint}/{repo_id}")
