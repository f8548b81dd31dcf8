"""A tiny in-memory Hugging Face Hub for tests, served over real HTTP on 127.0.0.1.

The real ``huggingface_hub`` client (2.x, which talks HTTP through ``httpx2``) is pointed at
this server with ``endpoint=server.url``; nothing in the client is patched, so the tests
exercise the same code paths as a publish/download against huggingface.co.

Only model repositories are supported, and only the endpoints that the client calls for
``create_repo``, ``upload_folder``/``create_commit``, ``hf_hub_download``,
``snapshot_download``, ``model_info``/``repo_info``, ``list_repo_tree`` and ``delete_repo``:

======  =====================================================  ===============================
Method  Path                                                   Used by
======  =====================================================  ===============================
POST    /api/repos/create                                      create_repo
DELETE  /api/repos/delete                                      delete_repo
POST    /api/validate-yaml                                     upload_folder (README.md check)
GET     /api/models/{repo}                                     model_info / repo_info (main)
GET     /api/models/{repo}/revision/{rev}                      model_info(revision=...)
GET     /api/models/{repo}/tree/{rev}[/{path}]                 list_repo_tree, snapshot_download
POST    /api/models/{repo}/preupload/{rev}                     upload_folder / create_commit
POST    /api/models/{repo}/commit/{rev}                        upload_folder / create_commit
HEAD    /{repo}/resolve/{rev}/{filename}                       hf_hub_download (metadata)
GET     /{repo}/resolve/{rev}/{filename}                       hf_hub_download (content)
======  =====================================================  ===============================

Design notes (what the client expects, and how this server avoids LFS/Xet):

* ``preupload`` answers ``uploadMode: "regular"`` for every file, so the client sends file
  contents inline (base64) in the NDJSON commit instead of going through LFS or Xet storage.
  It also returns the ``oid`` (git blob sha1) of the file currently at that path, which the
  client uses to skip files that did not change.
* ``HEAD /resolve`` never sends ``X-Xet-Hash`` (so the client downloads with a plain GET), and
  always sends ``X-Repo-Commit`` (the resolved commit) and ``ETag`` (the git blob sha1, which
  becomes the blob name in the local cache).
* Errors carry the ``X-Error-Code`` header the client maps to exception types:
  ``RepoNotFound`` -> RepositoryNotFoundError, ``RevisionNotFound`` -> RevisionNotFoundError,
  ``EntryNotFound`` -> RemoteEntryNotFoundError.  A bad token gets a 401 whose
  ``X-Error-Message`` is ``Invalid credentials in Authorization header`` (the client keeps
  that one as a plain 401 instead of reporting a missing repository).
* Every repository is a list of commits; each commit is a full ``{path: bytes}`` snapshot and
  its sha is the sha1 of (parent, message, file map), i.e. 40 hex digits like git.  Branches
  (only ``main`` is created) point to commits; a revision is a branch name or a full sha.

Typical use (see the ``hub_server`` fixture in ``tests/test_hub.py``)::

    server = FakeHubServer(token="hf_write").start()
    try:
        HfApi(endpoint=server.url, token="hf_write").create_repo("org/name")
        ...
        assert server.requests  # every request seen, as (method, path) tuples
    finally:
        server.stop()
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import http.server
import json
import re
import socket
import threading
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["FakeHubServer", "git_blob_sha1"]

# The Hub creates every repository with this file in an initial commit.
_GITATTRIBUTES = (
    b"*.h5 filter=lfs diff=lfs merge=lfs -text\n*.safetensors filter=lfs diff=lfs merge=lfs -text\n"
)

_SHA_RE = re.compile(r"[0-9a-f]{40}")
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

# With this message huggingface_hub reports a 401 as bad credentials, not as a missing repo
# (see hf_raise_for_status).
_BAD_CREDENTIALS = "Invalid credentials in Authorization header"


def git_blob_sha1(content: bytes) -> str:
    """Git object id of a blob, sha1 of ``b"blob <len>\\0" + content``: the Hub's file ``oid``."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# --------------------------------------------------------------------------------------------
# In-memory storage
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Commit:
    sha: str
    parent: str | None
    message: str
    files: dict[str, bytes]  # full snapshot of the repository at this commit
    date: str


@dataclasses.dataclass
class Repo:
    repo_id: str
    private: bool
    created_at: str
    commits: list[Commit] = dataclasses.field(default_factory=list)
    branches: dict[str, str] = dataclasses.field(default_factory=dict)  # branch name -> commit sha

    def add_commit(self, branch: str, message: str, files: dict[str, bytes]) -> Commit:
        """Append a commit with the full file map ``files`` and move ``branch`` to it."""
        parent = self.branches.get(branch)
        digest = hashlib.sha1()
        digest.update(f"{self.repo_id}\0{parent}\0{message}\0".encode())
        for path in sorted(files):
            digest.update(path.encode() + b"\0" + git_blob_sha1(files[path]).encode() + b"\0")
        commit = Commit(
            sha=digest.hexdigest(), parent=parent, message=message, files=dict(files), date=_now()
        )
        self.commits.append(commit)
        self.branches[branch] = commit.sha
        return commit

    def resolve(self, revision: str) -> Commit | None:
        """A branch name or a full 40-hex commit sha -> that commit (None if unknown)."""
        sha = self.branches.get(revision)
        if sha is None and _SHA_RE.fullmatch(revision):
            sha = revision
        for commit in self.commits:
            if commit.sha == sha:
                return commit
        return None


class ApiError(Exception):
    """An error answer: HTTP status, optional ``X-Error-Code`` and a message."""

    def __init__(
        self, status: int, message: str, code: str | None = None, headers: dict | None = None
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}


def _repo_not_found(repo_id: str) -> ApiError:
    return ApiError(404, f"Repository not found: {repo_id}", code="RepoNotFound")


def _revision_not_found(repo_id: str, revision: str) -> ApiError:
    return ApiError(404, f"Invalid rev id: {revision} (repo {repo_id})", code="RevisionNotFound")


# --------------------------------------------------------------------------------------------
# HTTP layer
# --------------------------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    """Parses a request, dispatches it to a ``FakeHubServer`` route, writes the answer."""

    # Keep-alive, like the real Hub (the client pools connections); every answer therefore
    # carries a Content-Length.
    protocol_version = "HTTP/1.1"
    server: "_HTTPServer"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr logging
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def _dispatch(self, method: str) -> None:
        hub: FakeHubServer = self.server.hub
        split = urlsplit(self.path)
        body = self._read_body()
        request = Request(
            method=method,
            path=split.path,
            query={k: v[-1] for k, v in parse_qs(split.query).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        hub._log(request)
        try:
            status, headers, payload = hub.handle(request)
        except ApiError as err:
            headers = {"X-Error-Message": err.message, **err.headers}
            if err.code:
                headers["X-Error-Code"] = err.code
            status, payload = err.status, {"error": err.message}
        except Exception as err:  # a bug in this server: answer 500 rather than hang the client
            status, headers, payload = 500, {}, {"error": f"fake hub internal error: {err!r}"}
        self._respond(method, status, headers, payload)

    def _read_body(self) -> bytes:
        """Request body, sent with a Content-Length or chunked."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # skip trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # CRLF after each chunk
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _respond(self, method: str, status: int, headers: dict[str, str], payload: Any) -> None:
        if isinstance(payload, (bytes, bytearray)):
            data = bytes(payload)
            headers.setdefault("Content-Type", "application/octet-stream")
        else:
            data = json.dumps(payload).encode()
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        headers.setdefault("Content-Length", str(len(data)))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, " ".join(str(value).split()))  # header values are one line
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(data)


class _HTTPServer(http.server.ThreadingHTTPServer):
    """Threading server that remembers open connections so ``stop()`` can cut keep-alive ones.

    Without this, a handler thread blocked on an idle keep-alive connection would keep
    answering the client after ``stop()``, and "server is down" could not be tested.
    """

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], hub: "FakeHubServer"):
        self.hub = hub
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request, client_address):  # type: ignore[override]
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):  # type: ignore[override]
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_all_connections(self) -> None:
        with self._connections_lock:
            connections, self._connections = list(self._connections), set()
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()


@dataclasses.dataclass
class Request:
    method: str
    path: str  # raw (still %-quoted) path, without the query string
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError as err:
            raise ApiError(400, f"invalid JSON body: {err}") from None


# A route: (method, compiled regex on the raw path, handler method name).
_ROUTES: list[tuple[str, re.Pattern, str]] = [
    (m, re.compile(p), h)
    for m, p, h in [
        ("POST", r"^/api/repos/create$", "_create_repo"),
        ("DELETE", r"^/api/repos/delete$", "_delete_repo"),
        ("POST", r"^/api/validate-yaml$", "_validate_yaml"),
        ("GET", r"^/api/models/(?P<ns>[^/]+)/(?P<name>[^/]+)$", "_model_info"),
        (
            "GET",
            r"^/api/models/(?P<ns>[^/]+)/(?P<name>[^/]+)/revision/(?P<rev>[^/]+)$",
            "_model_info",
        ),
        (
            "GET",
            r"^/api/models/(?P<ns>[^/]+)/(?P<name>[^/]+)/tree/(?P<rev>[^/]+)(?:/(?P<path>.*))?$",
            "_tree",
        ),
        (
            "POST",
            r"^/api/models/(?P<ns>[^/]+)/(?P<name>[^/]+)/preupload/(?P<rev>[^/]+)$",
            "_preupload",
        ),
        ("POST", r"^/api/models/(?P<ns>[^/]+)/(?P<name>[^/]+)/commit/(?P<rev>[^/]+)$", "_commit"),
        (
            "HEAD",
            r"^/(?P<ns>[^/]+)/(?P<name>[^/]+)/resolve/(?P<rev>[^/]+)/(?P<path>.+)$",
            "_resolve",
        ),
        (
            "GET",
            r"^/(?P<ns>[^/]+)/(?P<name>[^/]+)/resolve/(?P<rev>[^/]+)/(?P<path>.+)$",
            "_resolve",
        ),
    ]
]


class FakeHubServer:
    """In-memory Hub serving model repos on ``http://127.0.0.1:<ephemeral port>``.

    Args:
        token: the only bearer token accepted for writes (create/delete repo, preupload,
            commit) and for reading private repos.  Reads of public repos need no token.

    Attributes:
        url: the endpoint to hand to the client (``endpoint=server.url``).
        requests: every request received, as ``(method, path)`` with the query string dropped.
        unhandled: requests that matched no route (a test should assert this stays empty:
            it means the client called an endpoint this server does not implement).
    """

    def __init__(self, token: str = "hf_fake_write_token"):
        self.token = token
        self.repos: dict[str, Repo] = {}
        self.requests: list[tuple[str, str]] = []
        self.unhandled: list[tuple[str, str]] = []
        self._lock = threading.RLock()  # guards repos and the logs
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> "FakeHubServer":
        self._httpd = _HTTPServer(("127.0.0.1", 0), self)
        host, port = self._httpd.server_address[:2]
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and cut open connections: later requests get 'connection refused'."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_all_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None

    def __enter__(self) -> "FakeHubServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ------------------------------------------------------------------ test helpers

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()
            self.unhandled.clear()

    def head(self, repo_id: str, branch: str = "main") -> str:
        """Current commit sha of ``branch`` in ``repo_id``."""
        with self._lock:
            return self.repos[repo_id].branches[branch]

    def files_at(self, repo_id: str, revision: str = "main") -> dict[str, bytes]:
        with self._lock:
            commit = self.repos[repo_id].resolve(revision)
            if commit is None:
                raise KeyError(revision)
            return dict(commit.files)

    def _log(self, request: Request) -> None:
        with self._lock:
            self.requests.append((request.method, request.path))

    # ------------------------------------------------------------------ dispatch

    def handle(self, request: Request) -> tuple[int, dict[str, str], Any]:
        """Route a request; returns (status, headers, JSON-able payload or bytes)."""
        for method, pattern, handler_name in _ROUTES:  # noqa: B007 - used after the loop
            match = pattern.match(request.path)
            if match and method == request.method:
                break
        else:
            with self._lock:
                self.unhandled.append((request.method, request.path))
            raise ApiError(404, f"fake hub: no route for {request.method} {request.path}")
        # Like the Hub, a token that is sent must be valid, even for public reads.
        if "authorization" in request.headers and not self._is_authorized(request):
            raise ApiError(401, _BAD_CREDENTIALS)
        params = {k: unquote(v) for k, v in match.groupdict().items() if v is not None}
        handler: Callable[..., tuple[int, dict[str, str], Any]] = getattr(self, handler_name)
        with self._lock:
            return handler(request, **params)

    # ------------------------------------------------------------------ auth & lookup helpers

    def _is_authorized(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.token}"

    def _require_write(self, request: Request) -> None:
        if "authorization" not in request.headers:
            raise ApiError(401, "You must be authenticated to perform this action (no token sent)")
        if not self._is_authorized(request):
            raise ApiError(401, _BAD_CREDENTIALS)

    def _get_repo(self, request: Request, ns: str, name: str) -> Repo:
        repo_id = f"{ns}/{name}"
        repo = self.repos.get(repo_id)
        # Like the Hub, a private repo is indistinguishable from a missing one without access.
        if repo is None or (repo.private and not self._is_authorized(request)):
            raise _repo_not_found(repo_id)
        return repo

    def _get_commit(self, repo: Repo, revision: str) -> Commit:
        commit = repo.resolve(revision)
        if commit is None:
            raise _revision_not_found(repo.repo_id, revision)
        return commit

    def _get_branch(self, repo: Repo, revision: str) -> str:
        """Writes go to a branch; committing on top of a bare sha is refused."""
        if revision not in repo.branches:
            if repo.resolve(revision) is not None:
                raise ApiError(
                    400, f"Cannot commit to a commit sha ({revision}); use a branch name"
                )
            raise _revision_not_found(repo.repo_id, revision)
        return revision

    # ------------------------------------------------------------------ repo management

    def _create_repo(self, request: Request) -> tuple[int, dict, Any]:
        self._require_write(request)
        payload = request.json() or {}
        if payload.get("type", "model") != "model":
            raise ApiError(400, "fake hub only supports model repos")
        name, org = payload.get("name"), payload.get("organization")
        if (
            not org
            or not isinstance(name, str)
            or not _NAME_RE.fullmatch(name)
            or not _NAME_RE.fullmatch(org)
        ):
            raise ApiError(400, f"invalid repo name: organization={org!r} name={name!r}")
        repo_id = f"{org}/{name}"
        url = f"{self.url}/{repo_id}"
        if repo_id in self.repos:
            return 409, {}, {"error": "You already created this model repo", "url": url}
        private = payload.get("visibility") == "private" or bool(payload.get("private"))
        repo = Repo(repo_id=repo_id, private=private, created_at=_now())
        repo.add_commit("main", "initial commit", {".gitattributes": _GITATTRIBUTES})
        self.repos[repo_id] = repo
        return 200, {}, {"url": url, "name": repo_id, "id": repo_id}

    def _delete_repo(self, request: Request) -> tuple[int, dict, Any]:
        self._require_write(request)
        payload = request.json() or {}
        repo_id = f"{payload.get('organization')}/{payload.get('name')}"
        if self.repos.pop(repo_id, None) is None:
            raise _repo_not_found(repo_id)
        return 200, {}, {}

    def _validate_yaml(self, request: Request) -> tuple[int, dict, Any]:
        """README.md metadata check: only verifies a front matter block is closed."""
        content = (request.json() or {}).get("content", "")
        lines = content.splitlines()
        if (
            lines
            and lines[0].strip() == "---"
            and not any(line.strip() == "---" for line in lines[1:])
        ):
            error = {"message": "README.md metadata block opened with '---' is never closed"}
            return 400, {}, {"errors": [error], "warnings": []}
        return 200, {}, {"errors": [], "warnings": []}

    # ------------------------------------------------------------------ read API

    def _model_info(
        self, request: Request, ns: str, name: str, rev: str = "main"
    ) -> tuple[int, dict, Any]:
        repo = self._get_repo(request, ns, name)
        commit = self._get_commit(repo, rev)
        with_blobs = request.query.get("blobs", "").lower() in ("1", "true")
        siblings = []
        for path in sorted(commit.files):
            sibling: dict[str, Any] = {"rfilename": path}
            if with_blobs:
                sibling.update(
                    size=len(commit.files[path]), blobId=git_blob_sha1(commit.files[path])
                )
            siblings.append(sibling)
        info = {
            "_id": hashlib.sha1(repo.repo_id.encode()).hexdigest()[:24],
            "id": repo.repo_id,
            "modelId": repo.repo_id,
            "author": repo.repo_id.split("/")[0],
            "sha": commit.sha,
            "lastModified": commit.date,
            "createdAt": repo.created_at,
            "private": repo.private,
            "disabled": False,
            "gated": False,
            "downloads": 0,
            "likes": 0,
            "tags": [],
            "siblings": siblings,
        }
        return 200, {}, info

    def _tree(
        self, request: Request, ns: str, name: str, rev: str, path: str = ""
    ) -> tuple[int, dict, Any]:
        """One page with every entry (no ``Link: next`` header => the client stops paginating)."""
        repo = self._get_repo(request, ns, name)
        commit = self._get_commit(repo, rev)
        recursive = request.query.get("recursive", "").lower() in ("1", "true")
        prefix = path.strip("/") + "/" if path.strip("/") else ""
        files = {p: c for p, c in commit.files.items() if p.startswith(prefix)}
        if prefix and not files:
            raise ApiError(404, f"{path} does not exist on {rev}", code="EntryNotFound")
        entries: dict[str, dict[str, Any]] = {}
        for file_path, content in sorted(files.items()):
            parts = file_path[len(prefix) :].split("/")
            # Directories between `prefix` and the file.
            for depth in range(1, len(parts)):
                if not recursive and depth > 1:
                    break
                dir_path = prefix + "/".join(parts[:depth])
                entries.setdefault(
                    dir_path, {"type": "directory", "oid": "0" * 40, "size": 0, "path": dir_path}
                )
            if recursive or len(parts) == 1:
                entries[file_path] = {
                    "type": "file",
                    "oid": git_blob_sha1(content),
                    "size": len(content),
                    "path": file_path,
                }
        return 200, {}, [entries[p] for p in sorted(entries)]

    def _resolve(
        self, request: Request, ns: str, name: str, rev: str, path: str
    ) -> tuple[int, dict, Any]:
        """File metadata (HEAD) or content (GET); regular git blobs only, no LFS/Xet headers."""
        repo = self._get_repo(request, ns, name)
        commit = self._get_commit(repo, rev)
        if path not in commit.files:
            # X-Repo-Commit lets the client cache the non-existence of the file at this commit.
            raise ApiError(
                404,
                f"Entry not found: {path} at {rev}",
                code="EntryNotFound",
                headers={"X-Repo-Commit": commit.sha},
            )
        content = commit.files[path]
        headers = {
            "X-Repo-Commit": commit.sha,
            "ETag": f'"{git_blob_sha1(content)}"',
            "Accept-Ranges": "bytes",
            "Content-Disposition": f'inline; filename="{path.rsplit("/", 1)[-1]}"',
        }
        status, body = 200, content
        range_header = request.headers.get("range")
        if request.method == "GET" and range_header:
            # The client resumes interrupted downloads with "Range: bytes=<start>-".
            match = re.fullmatch(r"bytes=(\d+)-(\d*)", range_header.strip())
            if match is None or int(match.group(1)) >= len(content):
                return 416, {"Content-Range": f"bytes */{len(content)}"}, b""
            start = int(match.group(1))
            end = int(match.group(2)) if match.group(2) else len(content) - 1
            end = min(end, len(content) - 1)
            body = content[start : end + 1]
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{len(content)}"
        # For HEAD, Content-Length is the size of the file (what a GET would send).
        headers["Content-Length"] = str(len(body))
        return status, headers, body

    # ------------------------------------------------------------------ write API

    def _preupload(self, request: Request, ns: str, name: str, rev: str) -> tuple[int, dict, Any]:
        """Tell the client to send every file inline ("regular"): no LFS, no Xet."""
        self._require_write(request)
        repo = self._get_repo(request, ns, name)
        if "create_pr" in request.query:
            raise ApiError(400, "fake hub does not support pull requests")
        branch = self._get_branch(repo, rev)
        current = self._get_commit(repo, branch).files
        answers = []
        for item in (request.json() or {}).get("files", []):
            path = item["path"]
            answers.append(
                {
                    "path": path,
                    "uploadMode": "regular",
                    "shouldIgnore": False,
                    # Remote oid of the same path: the client drops unchanged files from the commit.
                    "oid": git_blob_sha1(current[path]) if path in current else None,
                }
            )
        return 200, {}, {"files": answers, "commitOid": repo.branches[branch]}

    def _commit(self, request: Request, ns: str, name: str, rev: str) -> tuple[int, dict, Any]:
        """Apply an NDJSON commit: a ``header`` line, then ``file``, ``deletedFile`` and
        ``deletedFolder`` lines (``lfsFile`` never comes: preupload said "regular")."""
        self._require_write(request)
        repo = self._get_repo(request, ns, name)
        if "create_pr" in request.query:
            raise ApiError(400, "fake hub does not support pull requests")
        branch = self._get_branch(repo, rev)
        head = self._get_commit(repo, branch)
        try:
            lines = [
                json.loads(line) for line in request.body.decode().splitlines() if line.strip()
            ]
        except ValueError as err:
            raise ApiError(400, f"invalid NDJSON commit payload: {err}") from None
        if not lines or lines[0].get("key") != "header":
            raise ApiError(400, "commit payload must start with a header line")
        header = lines[0]["value"]
        parent = header.get("parentCommit")
        if parent is not None and parent != head.sha:
            raise ApiError(412, f"parentCommit {parent} is not the head of {branch} ({head.sha})")

        files = dict(head.files)
        for line in lines[1:]:
            key, value = line.get("key"), line.get("value") or {}
            path = value.get("path", "")
            if not path or path.startswith("/") or ".." in path.split("/"):
                raise ApiError(400, f"invalid path in commit: {path!r}")
            if key == "file":
                if value.get("encoding") != "base64":
                    raise ApiError(
                        400, f"unsupported encoding {value.get('encoding')!r} for {path}"
                    )
                files[path] = base64.b64decode(value["content"])
            elif key == "deletedFile":
                if path not in files:
                    raise ApiError(
                        404, f"cannot delete {path}: not in {branch}", code="EntryNotFound"
                    )
                del files[path]
            elif key == "deletedFolder":
                folder = path.rstrip("/") + "/"
                files = {p: c for p, c in files.items() if not p.startswith(folder)}
            elif key == "lfsFile":
                # Never happens: preupload always answers "regular".
                raise ApiError(
                    422, f"fake hub does not store LFS files ({path}): expected an inline file"
                )
            else:
                raise ApiError(400, f"unsupported commit operation {key!r}")

        summary = header.get("summary") or "commit"
        commit = repo.add_commit(branch, summary, files)
        return (
            200,
            {},
            {
                "success": True,
                "commitOid": commit.sha,
                "commitUrl": f"{self.url}/{repo.repo_id}/commit/{commit.sha}",
                "pullRequestUrl": None,
            },
        )
