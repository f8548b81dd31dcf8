"""Hugging Face Hub transport for zoo entries: parse ``hf://`` URLs, download, publish.

A zoo entry is a directory holding ``config.json``, ``metadata.json``, ``model.weights.h5``,
``README.md`` (the model card) and possibly a few more small files.  On the Hub, each entry
lives in its own model repository (e.g. ``ssgm-zoo/m1m2-mnist-100``) and the registry pins
the exact commit (``revision``, 40 hex digits) and the files to fetch.

This module only moves files; it knows nothing about models.  Downloads go through the
standard Hugging Face cache (``$HF_HUB_CACHE``, by default ``~/.cache/huggingface/hub``), so
``HF_HUB_OFFLINE=1``, ``HF_ENDPOINT``, ``HF_TOKEN`` and friends behave as in any other
``huggingface_hub`` based tool.  Every failure is reported as a :class:`HubError` whose
message names the repository, revision and file involved and says what to do about it.

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
import hashlib
import os
import pathlib
import re
import sys
from typing import Iterable, Mapping

import huggingface_hub
from huggingface_hub import constants as hf_constants
from huggingface_hub.utils import (
    EntryNotFoundError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

__all__ = [
    "HF_URL_SCHEME",
    "REQUIRED_PUBLISH_FILES",
    "HubError",
    "PublishResult",
    "download_entry",
    "list_entry_files",
    "parse_hf_url",
    "publish_entry",
    "validate_repo_id",
]

HF_URL_SCHEME = "hf://"

#: Files without which a directory is not a publishable zoo entry.
REQUIRED_PUBLISH_FILES = ("config.json", "model.weights.h5", "README.md")

# One part of a repo id ("<org>" or "<name>"); the Hub also caps each part at 96 characters.
_REPO_PART_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_REPO_PART_MAX_LEN = 96
# A branch/tag name or a commit sha; "refs/pr/1" style refs are allowed.
_REVISION_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
_COMMIT_SHA_RE = re.compile(r"[0-9a-f]{40}")
# Folders that `HfApi.upload_folder` never uploads (its default ignore patterns).
_NEVER_UPLOADED_DIRS = ((".git",), (".cache", "huggingface"))
_TRUE_VALUES = {"1", "ON", "YES", "TRUE"}


class HubError(Exception):
    """A Hub download or publish failed; the message says which repo/revision/file and what to do.

    The underlying ``huggingface_hub`` / HTTP exception, when there is one, is chained as
    ``__cause__``.
    """


@dataclasses.dataclass(frozen=True)
class PublishResult:
    """What :func:`publish_entry` uploaded (or would upload, for a dry run).

    Attributes:
        repo_id: The Hub repository, ``"<org>/<name>"``.
        files: ``(name, size_in_bytes, sha256_hex)`` for every uploaded file, sorted by name;
            names are POSIX paths relative to the entry directory.
        commit_sha: The 40-hex commit holding the upload (pin it as the registry
            ``revision``), or ``None`` for a dry run.
        url: The repository's web page, e.g. ``https://huggingface.co/ssgm-zoo/m1m2-mnist-100``.
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


# ------------------------------------------------------------------------------------------
# Validation and parsing
# ------------------------------------------------------------------------------------------


def validate_repo_id(repo_id: str) -> str:
    """Check that ``repo_id`` is exactly ``"<org>/<name>"`` with safe characters.

    Each part must match ``[A-Za-z0-9][A-Za-z0-9._-]*`` (at most 96 characters) and may not
    contain ``".."``; no leading, trailing or extra slashes.

    Args:
        repo_id: The candidate repository id.

    Returns:
        ``repo_id`` unchanged.

    Raises:
        ValueError: naming the offending part.

    Example:
        >>> validate_repo_id("ssgm-zoo/m2-mnist-100")
        'ssgm-zoo/m2-mnist-100'
    """
    if not isinstance(repo_id, str) or not repo_id:
        raise ValueError(f"invalid Hub repo id {repo_id!r}: expected '<org>/<name>'")
    parts = repo_id.split("/")
    if len(parts) != 2:
        what = (
            "is missing the '/<name>' part" if len(parts) == 1 else f"has {len(parts) - 1} slashes"
        )
        raise ValueError(
            f"invalid Hub repo id {repo_id!r}: {what}; expected exactly '<org>/<name>'"
        )
    for label, part in zip(("org", "name"), parts):
        if not part:
            raise ValueError(f"invalid Hub repo id {repo_id!r}: empty {label}")
        if ".." in part:
            raise ValueError(f"invalid Hub repo id {repo_id!r}: {label} {part!r} contains '..'")
        if not _REPO_PART_RE.fullmatch(part):
            raise ValueError(
                f"invalid Hub repo id {repo_id!r}: {label} {part!r} must start with a letter"
                " or digit and contain only letters, digits, '.', '_' and '-'"
            )
        if len(part) > _REPO_PART_MAX_LEN:
            raise ValueError(
                f"invalid Hub repo id {repo_id!r}: {label} is longer than"
                f" {_REPO_PART_MAX_LEN} characters"
            )
    return repo_id


def _validate_revision(revision: str, context: str) -> str:
    if not isinstance(revision, str) or not revision:
        raise ValueError(
            f"{context}: empty revision; expected a branch name or a 40-hex commit sha"
        )
    if (
        not _REVISION_RE.fullmatch(revision)
        or ".." in revision
        or "//" in revision
        or revision.endswith("/")
    ):
        raise ValueError(
            f"{context}: invalid revision {revision!r}; expected a branch/tag name or a 40-hex"
            " commit sha"
        )
    return revision


def parse_hf_url(url: str) -> tuple[str, str | None]:
    """Split ``"hf://<org>/<name>[@<revision>]"`` into ``(repo_id, revision_or_None)``.

    Args:
        url: A Hub URL such as ``"hf://ssgm-zoo/m1m2-mnist-100"`` or
            ``"hf://ssgm-zoo/m1m2-mnist-100@0123...cdef"``.

    Returns:
        ``(repo_id, revision)``; ``revision`` is ``None`` when the URL has no ``@`` part.

    Raises:
        ValueError: if the scheme is not ``hf://``, the repo id is not exactly
            ``<org>/<name>`` with safe characters (no ``..``, no extra slashes), or the
            revision is empty or malformed.  The message names the bad part.

    Example:
        >>> parse_hf_url("hf://ssgm-zoo/m2-mnist-100")
        ('ssgm-zoo/m2-mnist-100', None)
        >>> parse_hf_url("hf://ssgm-zoo/m2-mnist-100@v1.0")
        ('ssgm-zoo/m2-mnist-100', 'v1.0')
    """
    if not isinstance(url, str) or not url.startswith(HF_URL_SCHEME):
        raise ValueError(
            f"not a Hugging Face Hub URL: {url!r}; expected 'hf://<org>/<name>[@<revision>]'"
        )
    rest = url[len(HF_URL_SCHEME) :]
    repo_id, has_revision, revision = rest.partition("@")
    validate_repo_id(repo_id)
    if not has_revision:
        return repo_id, None
    if not revision:
        raise ValueError(f"invalid Hub URL {url!r}: empty revision after '@'")
    _validate_revision(revision, f"invalid Hub URL {url!r}")
    return repo_id, revision


def _validate_filenames(filenames: Iterable[str], repo_id: str) -> list[str]:
    names = [filenames] if isinstance(filenames, str) else list(filenames)
    if not names:
        raise ValueError(f"download_entry({repo_id!r}): 'filenames' is empty")
    for name in names:
        parts = name.split("/") if isinstance(name, str) else []
        if (
            not parts
            or "\\" in name
            or name.startswith("/")
            or any(p in ("", ".", "..") for p in parts)
        ):
            raise ValueError(
                f"download_entry({repo_id!r}): invalid filename {name!r}; expected a relative"
                " POSIX path"
            )
    if len(set(names)) != len(names):
        raise ValueError(f"download_entry({repo_id!r}): duplicate filenames in {names}")
    return names


# ------------------------------------------------------------------------------------------
# Error translation
# ------------------------------------------------------------------------------------------


def _endpoint(endpoint: str | None) -> str:
    # $HF_ENDPOINT is read per call: huggingface_hub reads it only at import.
    return (endpoint or os.environ.get("HF_ENDPOINT") or hf_constants.ENDPOINT).rstrip("/")


def _env_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").upper() in _TRUE_VALUES


def _hub_offline() -> bool:
    """Offline mode as huggingface_hub sees it (read at its import) or as the env says now."""
    is_offline_mode = getattr(hf_constants, "is_offline_mode", None)  # huggingface_hub >= 1.0
    hub_says = is_offline_mode() if is_offline_mode else bool(hf_constants.HF_HUB_OFFLINE)
    return hub_says or _env_offline()


def _exception_chain(err: BaseException) -> list[BaseException]:
    chain, seen, todo = [], set(), [err]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        chain.append(current)
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return chain


def _transport_error_types() -> tuple[type, ...]:
    """Network-level exception classes of whichever HTTP stack huggingface_hub uses.

    Only already-imported stacks are considered (an exception can't come from the others)."""
    types: list[type] = [TimeoutError]
    for module_name, attr in (
        ("httpx2", "TransportError"),
        ("httpx", "TransportError"),
        ("requests", "ConnectionError"),
        ("requests", "Timeout"),
    ):
        candidate = getattr(sys.modules.get(module_name), attr, None)
        if isinstance(candidate, type):
            types.append(candidate)
    return tuple(types)


def _is_offline_error(err: BaseException) -> bool:
    return any(isinstance(e, OfflineModeIsEnabled) for e in _exception_chain(err))


def _connection_error(err: BaseException) -> BaseException | None:
    """The network-level error in ``err``'s chain (connection refused, timeout, ...), if any."""
    types = _transport_error_types()
    for e in _exception_chain(err):
        if isinstance(e, OfflineModeIsEnabled):
            continue
        if isinstance(e, types) or (
            isinstance(e, ConnectionError) and not isinstance(e, HfHubHTTPError)
        ):
            return e
    return None


def _http_status(err: BaseException) -> int | None:
    response = getattr(err, "response", None)
    return getattr(response, "status_code", None)


def _short(err: BaseException) -> str:
    """The server's own error message if it sent one, else the first line of ``err``."""
    server_message = getattr(err, "server_message", None)
    if server_message:
        return " ".join(str(server_message).split())
    text = str(err).strip().splitlines()
    first = next((line for line in text if line.strip()), "")
    return f"{type(err).__name__}: {first}" if first else type(err).__name__


def _download_error(
    err: BaseException,
    *,
    repo_id: str,
    revision: str,
    filenames: list[str],
    endpoint: str | None,
    cache_dir: str | os.PathLike | None,
    local_files_only: bool | None,
) -> HubError:
    """Translate a huggingface_hub/HTTP failure about ``filenames`` into an actionable HubError."""
    ep = _endpoint(endpoint)
    quoted = ", ".join(f"'{name}'" for name in filenames)
    plural = "s" if len(filenames) > 1 else ""
    what = f"file{plural} {quoted} of Hub repo '{repo_id}' at revision '{revision}'"
    # Not cached while offline (hf_hub_download's LocalEntryNotFoundError), or a request that
    # huggingface_hub blocked because HF_HUB_OFFLINE was set (OfflineModeIsEnabled).
    offline_miss = isinstance(err, LocalEntryNotFoundError) and (local_files_only or _hub_offline())
    if offline_miss or _is_offline_error(err):
        cache = cache_dir or hf_constants.HF_HUB_CACHE
        if local_files_only:
            why, fix = "local_files_only=True was passed", "pass local_files_only=False"
        else:
            why, fix = "HF_HUB_OFFLINE=1 is set", "unset HF_HUB_OFFLINE"
        return HubError(
            f"{what} is not in the local Hugging Face cache ({cache}) and {why}; {fix} to"
            f" download it from {ep}, or pass source=<dir> pointing at a local copy of the entry."
        )
    if isinstance(err, RevisionNotFoundError):
        return HubError(
            f"revision '{revision}' not found in Hub repo '{repo_id}' at {ep} (while fetching"
            f" {quoted}); check the pinned revision (a branch name or a full 40-hex commit sha)."
        )
    status = _http_status(err)
    if (
        isinstance(err, HfHubHTTPError)
        and status in (401, 403)
        and not _is_repo_not_found_code(err)
    ):
        return HubError(
            f"access denied (HTTP {status}) to {what} at {ep}; pass token=... or set HF_TOKEN to"
            f" a token that can read '{repo_id}' (or unset an invalid HF_TOKEN)."
            f" Server said: {_short(err)}"
        )
    if isinstance(err, RepositoryNotFoundError):
        return HubError(
            f"Hub repo '{repo_id}' not found at {ep} (while fetching {quoted} at revision"
            f" '{revision}'); check the repo id, or pass token=... / set HF_TOKEN if the repo is"
            " private."
        )
    if isinstance(err, EntryNotFoundError) and not isinstance(err, LocalEntryNotFoundError):
        return HubError(
            f"file {quoted} not found in Hub repo '{repo_id}' at revision '{revision}' ({ep});"
            " check the registry's file list against the files of that commit."
        )
    conn = _connection_error(err)
    if conn is not None:
        return HubError(
            f"could not reach the Hub at {ep} to fetch {what} ({_short(conn)}); check your network"
            " connection / HF_ENDPOINT, set HF_HUB_OFFLINE=1 to use only the local cache, or pass"
            " source=<dir> pointing at a local copy of the entry."
        )
    return HubError(f"failed to fetch {what} from {ep}: {_short(err)}")


def _is_repo_not_found_code(err: BaseException) -> bool:
    response = getattr(err, "response", None)
    headers = getattr(response, "headers", None) or {}
    return headers.get("X-Error-Code") == "RepoNotFound"


# ------------------------------------------------------------------------------------------
# Download
# ------------------------------------------------------------------------------------------


def _sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _snapshot_dir(paths: Mapping[str, str], repo_id: str, revision: str) -> pathlib.Path:
    """The snapshot directory that contains every downloaded file (they must share one)."""
    roots = set()
    for name, path in paths.items():
        depth = len(name.split("/"))
        roots.add(pathlib.Path(path).parents[depth - 1])
    if len(roots) != 1:
        raise HubError(
            f"the files of Hub repo '{repo_id}' at revision '{revision}' came from different"
            f" commits ({sorted(r.name for r in roots)}): the branch moved during the download;"
            " pin a commit sha."
        )
    return roots.pop()


def _preflight(
    repo_id: str, revision: str, names: list[str], *, endpoint: str | None, token: str | None
) -> None:
    """One ``model_info`` call: fails fast (no retries) on a dead endpoint, an unknown repo or
    revision, and reports every missing file at once before anything is downloaded."""
    api = huggingface_hub.HfApi(endpoint=endpoint, token=token)
    info = api.model_info(repo_id, revision=revision, timeout=hf_constants.HF_HUB_ETAG_TIMEOUT)
    if info.siblings is None:
        return
    available = {s.rfilename for s in info.siblings}
    missing = [name for name in names if name not in available]
    if missing:
        quoted = ", ".join(f"'{name}'" for name in missing)
        raise HubError(
            f"file(s) {quoted} not found in Hub repo '{repo_id}' at revision '{revision}'"
            f" (commit {info.sha}, {_endpoint(endpoint)}); it has: {', '.join(sorted(available))}."
            " Check the registry's file list against that commit."
        )


def download_entry(
    repo_id: str,
    *,
    revision: str,
    filenames: Iterable[str],
    cache_dir: str | os.PathLike | None = None,
    endpoint: str | None = None,
    local_files_only: bool | None = None,
    token: str | None = None,
    expected_sha256: Mapping[str, str] | None = None,
) -> pathlib.Path:
    """Download exactly ``filenames`` of ``repo_id`` at ``revision`` into the HF cache.

    Files already cached for a pinned commit sha are returned without any network access.
    Otherwise one ``model_info`` request checks the repo, revision and file list (failing fast
    when the Hub is unreachable) and each file is fetched with
    :func:`huggingface_hub.hf_hub_download`.

    Args:
        repo_id: ``"<org>/<name>"``, e.g. ``"ssgm-zoo/m1m2-mnist-100"``.
        revision: The registry's pinned 40-hex commit sha (a branch name also works but is
            not reproducible).
        filenames: Paths inside the repo to fetch, e.g. ``["config.json", "model.weights.h5"]``.
        cache_dir: Hugging Face cache directory; ``None`` means the standard one
            (``$HF_HUB_CACHE``, by default ``~/.cache/huggingface/hub``).
        endpoint: Hub URL; ``None`` means ``$HF_ENDPOINT`` or ``https://huggingface.co``.
        local_files_only: ``True`` never touches the network, ``False`` allows it; ``None``
            (default) follows ``HF_HUB_OFFLINE``.
        token: Hub token for private repos; ``None`` uses ``HF_TOKEN`` / the saved login.
        expected_sha256: Optional ``{filename: sha256_hex}`` (the registry's ``files``); each
            listed file is hashed after download and a mismatch raises :class:`HubError`.

    Returns:
        The local snapshot directory (``<cache>/models--<org>--<name>/snapshots/<commit>``)
        holding the requested files (read-only symlinks into the cache: do not modify them).

    Raises:
        ValueError: ``repo_id``, ``revision`` or a filename is malformed.
        HubError: the repo, revision or a file does not exist; the Hub is unreachable; the
            entry is not cached while offline; access is denied; or a checksum differs.  The
            message names the repo, revision and file and says what to do.

    Example:
        >>> path = download_entry(                                        # doctest: +SKIP
        ...     "ssgm-zoo/m1m2-mnist-100",
        ...     revision="0123456789abcdef0123456789abcdef01234567",
        ...     filenames=["config.json", "model.weights.h5", "README.md"],
        ... )
        >>> sorted(p.name for p in path.iterdir())                         # doctest: +SKIP
        ['README.md', 'config.json', 'model.weights.h5']
    """
    validate_repo_id(repo_id)
    _validate_revision(revision, f"download_entry({repo_id!r})")
    names = _validate_filenames(filenames, repo_id)
    offline = bool(local_files_only) if local_files_only is not None else _hub_offline()

    def fail(err: BaseException, filenames: list[str]) -> HubError:
        return _download_error(
            err,
            repo_id=repo_id,
            revision=revision,
            filenames=filenames,
            endpoint=endpoint,
            cache_dir=cache_dir,
            local_files_only=local_files_only,
        )

    # Resolved per call (not at import, as huggingface_hub's URL template is), so
    # HF_ENDPOINT / constants.ENDPOINT changes made after import take effect.
    endpoint = _endpoint(endpoint)
    paths: dict[str, str] = {}
    # 1. A commit is immutable: if every file is cached for it, no request is needed at all.
    if _COMMIT_SHA_RE.fullmatch(revision):
        cached = {
            name: huggingface_hub.try_to_load_from_cache(
                repo_id, name, cache_dir=cache_dir, revision=revision
            )
            for name in names
        }
        if all(isinstance(path, str) for path in cached.values()):
            paths = dict(cached)  # type: ignore[arg-type]

    if not paths:
        # 2. Online: validate repo/revision/files in one request (hf_hub_download would
        #    retry a refused connection with backoff for ~20 s before giving up).
        if not offline:
            try:
                _preflight(repo_id, revision, names, endpoint=endpoint, token=token)
            except HubError:
                raise
            except Exception as err:
                raise fail(err, names) from err
        # 3. Fetch (or, offline, look up) every file.
        for name in names:
            try:
                paths[name] = huggingface_hub.hf_hub_download(
                    repo_id,
                    name,
                    revision=revision,
                    repo_type="model",
                    cache_dir=cache_dir,
                    endpoint=endpoint,
                    token=token,
                    local_files_only=offline,
                )
            except Exception as err:
                raise fail(err, [name]) from err

    snapshot = _snapshot_dir(paths, repo_id, revision)
    for name, expected in (expected_sha256 or {}).items():
        if name not in paths:
            raise ValueError(
                f"download_entry({repo_id!r}): expected_sha256 names {name!r}, which is not in"
                " filenames"
            )
        actual = _sha256_file(paths[name])
        if actual != expected.lower():
            raise HubError(
                f"sha256 mismatch for file '{name}' of Hub repo '{repo_id}' at revision"
                f" '{revision}': expected {expected}, got {actual} ({paths[name]}). The registry"
                " and the Hub disagree (wrong revision pinned?) or the cache is corrupted: delete"
                " that cached file and retry."
            )
    return snapshot


# ------------------------------------------------------------------------------------------
# Publish
# ------------------------------------------------------------------------------------------


def list_entry_files(local_dir: str | os.PathLike) -> list[tuple[str, int, str]]:
    """Every file of an entry directory as ``(name, size, sha256)``, sorted by name.

    Names are POSIX paths relative to ``local_dir``; sub-directories are included.  ``.git/``
    and ``.cache/huggingface/`` are skipped, exactly like ``HfApi.upload_folder`` does, so
    this is the list of files :func:`publish_entry` uploads.

    Args:
        local_dir: The entry directory.

    Returns:
        ``[(name, size_in_bytes, sha256_hex), ...]``.

    Example:
        >>> list_entry_files("runs/m2-mnist-100")                         # doctest: +SKIP
        [('README.md', 2048, '9f86...'), ('config.json', 512, 'e3b0...'), ...]
    """
    root = pathlib.Path(local_dir)
    files = []
    for path in sorted(root.glob("**/*")):
        if not path.is_file():
            continue
        parts = path.relative_to(root).parts
        if any(
            parts[i : i + len(skip)] == skip
            for skip in _NEVER_UPLOADED_DIRS
            for i in range(len(parts))
        ):
            continue
        files.append((pathlib.PurePath(*parts).as_posix(), path.stat().st_size, _sha256_file(path)))
    return sorted(files)


def _publish_error(
    err: BaseException, *, local_dir: pathlib.Path, repo_id: str, endpoint: str | None
) -> HubError:
    ep = _endpoint(endpoint)
    what = f"publishing {local_dir} to Hub repo '{repo_id}' at {ep}"
    namespace = repo_id.split("/")[0]
    status = _http_status(err)
    if _is_offline_error(err):
        return HubError(
            f"{what} failed: HF_HUB_OFFLINE=1 is set; unset it to publish, or use dry_run=True."
        )
    if isinstance(err, HfHubHTTPError) and status in (401, 403):
        return HubError(
            f"{what} failed: authentication refused (HTTP {status}); pass token=... or set"
            f" HF_TOKEN to a token with write access to '{namespace}'. Server said: {_short(err)}"
        )
    if isinstance(err, RepositoryNotFoundError):
        return HubError(
            f"{what} failed: the repo was not found and could not be created; check that the"
            f" token can write to '{namespace}'. Server said: {_short(err)}"
        )
    conn = _connection_error(err)
    if conn is not None:
        return HubError(
            f"{what} failed: could not reach the Hub ({_short(conn)}); check the network /"
            " HF_ENDPOINT."
        )
    if isinstance(err, HfHubHTTPError):
        return HubError(f"{what} failed: the Hub refused the upload (HTTP {status}): {_short(err)}")
    return HubError(f"{what} failed: {_short(err)}")


def publish_entry(
    local_dir: str | os.PathLike,
    repo_id: str,
    *,
    token: str | None = None,
    endpoint: str | None = None,
    private: bool = False,
    dry_run: bool = False,
    commit_message: str | None = None,
) -> PublishResult:
    """Upload an entry directory to a Hub model repo (created if needed) in one commit.

    Every file of ``local_dir`` (see :func:`list_entry_files`) is uploaded with
    ``HfApi.upload_folder``; files identical to the current remote ones are skipped by the
    client.  Files already in the repo but absent locally are left alone.

    Args:
        local_dir: Entry directory; must contain ``config.json``, ``model.weights.h5`` and
            ``README.md``.
        repo_id: Target ``"<org>/<name>"``.
        token: Hub token with write access; ``None`` uses ``HF_TOKEN`` / the saved login.
        endpoint: Hub URL; ``None`` means ``$HF_ENDPOINT`` or ``https://huggingface.co``.
        private: Create the repo as private (ignored when it already exists).
        dry_run: Only list what would be uploaded; no network access at all.
        commit_message: Commit summary; defaults to ``"Upload zoo entry <repo_id>"``.

    Returns:
        A :class:`PublishResult`; ``commit_sha`` is the commit to pin in the registry
        (``None`` for a dry run).

    Raises:
        ValueError: ``repo_id`` is malformed.
        HubError: ``local_dir`` is not a directory or lacks a required file; the token is
            missing/invalid; the Hub is unreachable or offline mode is on; the Hub refused
            the commit.

    Example:
        >>> entry = "runs/m2-mnist-100"
        >>> plan = publish_entry(entry, "ssgm-zoo/m2-mnist-100", dry_run=True)  # doctest: +SKIP
        >>> [name for name, size, sha in plan.files]                            # doctest: +SKIP
        ['README.md', 'config.json', 'metadata.json', 'model.weights.h5']
        >>> publish_entry(entry, "ssgm-zoo/m2-mnist-100").commit_sha            # doctest: +SKIP
        '4f1c...'
    """
    validate_repo_id(repo_id)
    folder = pathlib.Path(local_dir)
    if not folder.is_dir():
        raise HubError(f"cannot publish {folder} to '{repo_id}': not a directory")
    missing = [name for name in REQUIRED_PUBLISH_FILES if not (folder / name).is_file()]
    if missing:
        raise HubError(
            f"cannot publish {folder} to '{repo_id}': missing required file(s)"
            f" {', '.join(missing)};"
            f" a zoo entry needs {', '.join(REQUIRED_PUBLISH_FILES)}."
        )
    files = list_entry_files(folder)
    url = f"{_endpoint(endpoint)}/{repo_id}"
    if dry_run:
        return PublishResult(repo_id=repo_id, files=files, commit_sha=None, url=url)

    api = huggingface_hub.HfApi(endpoint=_endpoint(endpoint), token=token)
    try:
        repo_url = api.create_repo(repo_id, repo_type="model", exist_ok=True, private=private)
        commit = api.upload_folder(
            folder_path=str(folder),
            repo_id=repo_id,
            repo_type="model",
            commit_message=commit_message or f"Upload zoo entry {repo_id}",
        )
    except Exception as err:
        raise _publish_error(err, local_dir=folder, repo_id=repo_id, endpoint=endpoint) from err
    return PublishResult(
        repo_id=repo_id, files=files, commit_sha=commit.oid, url=str(repo_url) or url
    )
