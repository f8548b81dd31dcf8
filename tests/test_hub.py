"""Tests for ssgm_zoo.zoo.hub against a loopback Hub (tests/hub_server.py).

The real huggingface_hub client talks real HTTP to 127.0.0.1; every test gets its own
server, HF_HOME and cache, so nothing touches ~/.cache/huggingface or the network.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import random
import time

import pytest
from huggingface_hub import HfApi, constants, snapshot_download

from ssgm_zoo.zoo import hub
from ssgm_zoo.zoo.hub import HubError, download_entry, parse_hf_url, publish_entry

try:  # tests/ on sys.path (pytest's default rootdir-relative import)
    from hub_server import FakeHubServer
except ImportError:  # tests/ imported as a package
    from tests.hub_server import FakeHubServer

TOKEN = "hf_test_write_token"
REPO = "ssgm-zoo/m1m2-mnist-100"
ENTRY_FILES = [
    "README.md",
    "config.json",
    "labeled_indices.json",
    "metadata.json",
    "model.weights.h5",
]


# ------------------------------------------------------------------------------------------
# Fixtures
# ------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def hf_home(tmp_path, monkeypatch) -> pathlib.Path:
    """A private HF_HOME/cache per test, no token, online, telemetry off.

    huggingface_hub reads most env variables once at import into `huggingface_hub.constants`,
    so the constants are patched too (ENDPOINT is *not* patched: tests pass `endpoint=`).
    """
    home = tmp_path / "hf_home"
    cache = home / "hub"
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    for name in (
        "HF_TOKEN",
        "HUGGING_FACE_HUB_TOKEN",
        "HF_HUB_OFFLINE",
        "TRANSFORMERS_OFFLINE",
        "HF_OIDC_RESOURCE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(constants, "HF_HOME", str(home))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(home / "token"))
    monkeypatch.setattr(constants, "HF_STORED_TOKENS_PATH", str(home / "stored_tokens"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
    return home


@pytest.fixture
def cache_dir(hf_home) -> pathlib.Path:
    return hf_home / "hub"


@pytest.fixture
def server():
    """A running loopback Hub; stopped (and checked for unknown endpoints) after the test."""
    srv = FakeHubServer(token=TOKEN).start()
    try:
        yield srv
    finally:
        srv.stop()
    assert (
        srv.unhandled == []
    ), f"client called endpoints the fake Hub does not implement: {srv.unhandled}"


def make_entry(root: pathlib.Path, *, seed: int = 0, weights_size: int = 20_000) -> pathlib.Path:
    """A fake zoo entry directory; weights are random bytes."""
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    (root / "config.json").write_text(json.dumps({"model": "m1m2", "latent_dim": 50}))
    (root / "metadata.json").write_text(json.dumps({"name": "m1m2-mnist-100", "seed": seed}))
    (root / "labeled_indices.json").write_text(json.dumps(list(range(100))))
    (root / "model.weights.h5").write_bytes(bytes(rng.getrandbits(8) for _ in range(weights_size)))
    (root / "README.md").write_text(
        "---\nlicense: apache-2.0\nlibrary_name: keras\n---\n# m1m2-mnist-100\n"
    )
    return root


def sha256_of(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def local_hashes(entry: pathlib.Path) -> dict[str, str]:
    return {name: sha256_of(entry / name) for name in ENTRY_FILES}


def publish(entry: pathlib.Path, server: FakeHubServer, **kwargs) -> hub.PublishResult:
    kwargs.setdefault("token", TOKEN)
    return publish_entry(entry, REPO, endpoint=server.url, **kwargs)


def download(server: FakeHubServer, revision: str, cache: pathlib.Path, **kwargs) -> pathlib.Path:
    kwargs.setdefault("filenames", ENTRY_FILES)
    kwargs.setdefault("repo_id", REPO)
    return download_entry(revision=revision, cache_dir=cache, endpoint=server.url, **kwargs)


# ------------------------------------------------------------------------------------------
# Publish / download round trip
# ------------------------------------------------------------------------------------------


def test_publish_then_download_pinned_revisions(tmp_path, server, cache_dir):
    entry = make_entry(tmp_path / "entry")
    v1_hashes = local_hashes(entry)

    first = publish(entry, server)
    assert len(first.commit_sha) == 40 and int(first.commit_sha, 16) >= 0
    assert first.commit_sha == server.head(REPO)
    assert first.url == f"{server.url}/{REPO}"
    assert [name for name, _, _ in first.files] == ENTRY_FILES
    assert first.sha256 == v1_hashes

    snapshot = download(server, first.commit_sha, cache_dir)
    assert (
        snapshot == cache_dir / "models--ssgm-zoo--m1m2-mnist-100" / "snapshots" / first.commit_sha
    )
    assert {name: sha256_of(snapshot / name) for name in ENTRY_FILES} == v1_hashes

    # Change the weights only: new commit, and only the changed file is in it.
    (entry / "model.weights.h5").write_bytes(os.urandom(20_000))
    v2_hashes = local_hashes(entry)
    second = publish(entry, server, commit_message="retrain")
    assert second.commit_sha != first.commit_sha
    assert second.commit_sha == server.head(REPO)
    assert server.repos[REPO].commits[-1].message == "retrain"

    new = download(server, second.commit_sha, cache_dir)
    assert {name: sha256_of(new / name) for name in ENTRY_FILES} == v2_hashes
    assert sha256_of(new / "model.weights.h5") != v1_hashes["model.weights.h5"]

    # The old pinned revision still gives the old bytes, from the cache and from the server.
    old = download(server, first.commit_sha, cache_dir)
    assert {name: sha256_of(old / name) for name in ENTRY_FILES} == v1_hashes
    fresh_cache = tmp_path / "fresh-cache"
    old_fresh = download(server, first.commit_sha, fresh_cache)
    assert old_fresh.is_relative_to(fresh_cache)
    assert {name: sha256_of(old_fresh / name) for name in ENTRY_FILES} == v1_hashes

    # A branch name resolves to the latest commit.
    assert download(server, "main", tmp_path / "branch-cache").name == second.commit_sha

    # Only the requested files are fetched (names are literal, not glob patterns).
    only = download(server, second.commit_sha, tmp_path / "one-file", filenames=["config.json"])
    assert sorted(p.name for p in only.iterdir()) == ["config.json"]
    with pytest.raises(HubError, match=r"'\*\.json' not found in Hub repo"):
        download(server, second.commit_sha, tmp_path / "one-file", filenames=["*.json"])


def test_republish_unchanged_entry_makes_no_new_commit(tmp_path, server):
    entry = make_entry(tmp_path / "entry")
    first = publish(entry, server)
    again = publish(entry, server)
    assert again.commit_sha == first.commit_sha
    assert len(server.repos[REPO].commits) == 2  # the Hub's initial .gitattributes commit + ours


def test_publish_without_xet_uses_plain_create_commit(tmp_path, server, cache_dir, monkeypatch):
    """With hf_xet disabled, upload_folder takes the legacy create_commit path: same endpoints."""
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
    entry = make_entry(tmp_path / "entry", seed=3)
    result = publish(entry, server)
    snapshot = download(server, result.commit_sha, cache_dir)
    assert {name: sha256_of(snapshot / name) for name in ENTRY_FILES} == local_hashes(entry)


def test_token_from_hf_token_env(tmp_path, server, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    result = publish_entry(make_entry(tmp_path / "entry"), REPO, endpoint=server.url)
    assert result.commit_sha == server.head(REPO)


def test_private_repo_needs_token_to_download(tmp_path, server, cache_dir):
    result = publish(make_entry(tmp_path / "entry"), server, private=True)
    assert server.repos[REPO].private
    with pytest.raises(HubError, match=f"'{REPO}' not found.*HF_TOKEN"):
        download(server, result.commit_sha, cache_dir)
    snapshot = download(server, result.commit_sha, cache_dir, token=TOKEN)
    assert (snapshot / "config.json").is_file()


def test_server_speaks_enough_hub_for_snapshot_download_and_model_info(tmp_path, server, cache_dir):
    entry = make_entry(tmp_path / "entry")
    (entry / "extras").mkdir()
    (entry / "extras" / "notes.txt").write_text("hello")
    result = publish(entry, server)

    api = HfApi(endpoint=server.url)
    info = api.model_info(REPO, revision=result.commit_sha, files_metadata=True)
    assert info.sha == result.commit_sha
    sizes = {s.rfilename: s.size for s in info.siblings}
    assert sizes["extras/notes.txt"] == 5 and ".gitattributes" in sizes
    assert sorted(api.list_repo_files(REPO)) == sorted(
        [".gitattributes", *ENTRY_FILES, "extras/notes.txt"]
    )

    folder = snapshot_download(
        REPO,
        revision=result.commit_sha,
        endpoint=server.url,
        cache_dir=cache_dir,
        allow_patterns=["*.json", "extras/*"],
    )
    got = sorted(
        p.relative_to(folder).as_posix() for p in pathlib.Path(folder).rglob("*") if p.is_file()
    )
    assert got == ["config.json", "extras/notes.txt", "labeled_indices.json", "metadata.json"]

    # Sub-directory files come back through download_entry too.
    snapshot = download(
        server, result.commit_sha, cache_dir, filenames=["extras/notes.txt", "config.json"]
    )
    assert (snapshot / "extras" / "notes.txt").read_text() == "hello"


# ------------------------------------------------------------------------------------------
# Dry run and local validation
# ------------------------------------------------------------------------------------------


def test_dry_run_lists_files_and_makes_no_request(tmp_path, server):
    entry = make_entry(tmp_path / "entry")
    (entry / "extras").mkdir()
    (entry / "extras" / "notes.txt").write_text("hello")
    (entry / ".git").mkdir()  # never uploaded by upload_folder, so never listed
    (entry / ".git" / "HEAD").write_text("ref: refs/heads/main\n")

    result = publish(entry, server, dry_run=True, token=None)
    assert server.requests == []
    assert REPO not in server.repos
    assert result.commit_sha is None and result.dry_run
    expected = sorted(
        (name, (entry / name).stat().st_size, sha256_of(entry / name))
        for name in [*ENTRY_FILES, "extras/notes.txt"]
    )
    assert result.files == expected

    # The dry-run list is exactly what a real publish uploads.
    real = publish(entry, server)
    uploaded = set(server.files_at(REPO, real.commit_sha)) - {".gitattributes"}
    assert uploaded == {name for name, _, _ in result.files}


@pytest.mark.parametrize("missing", ["config.json", "model.weights.h5", "README.md"])
def test_publish_refuses_incomplete_entry(tmp_path, server, missing):
    entry = make_entry(tmp_path / "entry")
    (entry / missing).unlink()
    with pytest.raises(HubError, match=f"missing required file.*{missing}"):
        publish(entry, server)
    with pytest.raises(HubError, match=missing):
        publish(entry, server, dry_run=True)
    assert server.requests == []


def test_publish_refuses_non_directory(tmp_path, server):
    with pytest.raises(HubError, match="not a directory"):
        publish(tmp_path / "nope", server)


# ------------------------------------------------------------------------------------------
# Offline mode
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["hub_constant", "env_var", "argument"])
def test_offline_returns_cached_entry_without_any_request(
    tmp_path, server, cache_dir, monkeypatch, how
):
    result = publish(make_entry(tmp_path / "entry"), server)
    online = download(server, result.commit_sha, cache_dir)
    server.clear_log()

    kwargs = {}
    if how == "hub_constant":  # HF_HUB_OFFLINE=1 at import time
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    elif how == "env_var":  # HF_HUB_OFFLINE=1 set after huggingface_hub was imported
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    else:
        kwargs["local_files_only"] = True
    offline = download(server, result.commit_sha, cache_dir, **kwargs)
    assert offline == online
    assert {name: sha256_of(offline / name) for name in ENTRY_FILES} == result.sha256
    assert server.requests == []

    # A subset of the cached files works too; a branch name was never cached -> clear error.
    assert (
        download(server, result.commit_sha, cache_dir, filenames=["config.json"], **kwargs)
        == online
    )
    with pytest.raises(HubError, match="not in the local Hugging Face cache"):
        download(server, "main", cache_dir, **kwargs)
    assert server.requests == []


def test_offline_uncached_entry_says_what_to_do(server, cache_dir, monkeypatch):
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    sha = "0123456789abcdef0123456789abcdef01234567"
    with pytest.raises(HubError) as excinfo:
        download(server, sha, cache_dir)
    message = str(excinfo.value)
    for needle in (
        REPO,
        sha,
        "README.md",
        "HF_HUB_OFFLINE=1 is set",
        "unset HF_HUB_OFFLINE",
        "source=<dir>",
    ):
        assert needle in message
    assert server.requests == []


def test_offline_partly_cached_entry_is_not_returned(tmp_path, server, cache_dir):
    result = publish(make_entry(tmp_path / "entry"), server)
    download(server, result.commit_sha, cache_dir, filenames=["config.json"])
    server.clear_log()
    with pytest.raises(
        HubError, match=r"'model.weights.h5'.* not in the local Hugging Face cache.*local_files_only"
    ):
        download(server, result.commit_sha, cache_dir, local_files_only=True)
    assert server.requests == []


def test_local_files_only_uncached_entry(server, cache_dir):
    with pytest.raises(HubError, match=r"local_files_only=True was passed.*source=<dir>"):
        download(server, "f" * 40, cache_dir, local_files_only=True)
    assert server.requests == []


# ------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------


def test_publish_with_wrong_token_is_refused(tmp_path, server):
    entry = make_entry(tmp_path / "entry")
    with pytest.raises(HubError, match=r"authentication refused \(HTTP 401\).*HF_TOKEN") as excinfo:
        publish(entry, server, token="hf_wrong")
    assert REPO in str(excinfo.value)
    assert REPO not in server.repos

    # Also when the repo already exists (create_repo(exist_ok=True) tolerates the 401).
    first = publish(entry, server)
    (entry / "config.json").write_text("{}")
    with pytest.raises(HubError, match="HTTP 401"):
        publish(entry, server, token="hf_wrong")
    assert server.head(REPO) == first.commit_sha


def test_publish_without_any_token_is_refused(tmp_path, server):
    with pytest.raises(HubError, match="HTTP 401"):
        publish(make_entry(tmp_path / "entry"), server, token=None)
    assert REPO not in server.repos


def test_download_unknown_repo(server, cache_dir):
    with pytest.raises(HubError, match="Hub repo 'ssgm-zoo/nope' not found") as excinfo:
        download(server, "main", cache_dir, repo_id="ssgm-zoo/nope")
    assert server.url in str(excinfo.value)


@pytest.mark.parametrize("revision", ["a" * 40, "no-such-branch"])
def test_download_unknown_revision(tmp_path, server, cache_dir, revision):
    publish(make_entry(tmp_path / "entry"), server)
    with pytest.raises(HubError, match=f"revision '{revision}' not found in Hub repo '{REPO}'"):
        download(server, revision, cache_dir)


def test_download_missing_file(tmp_path, server, cache_dir):
    result = publish(make_entry(tmp_path / "entry"), server)
    with pytest.raises(
        HubError,
        match=f"'weights.npz' not found in Hub repo '{REPO}' at revision '{result.commit_sha}'",
    ):
        download(server, result.commit_sha, cache_dir, filenames=["config.json", "weights.npz"])


def test_download_with_wrong_token(tmp_path, server, cache_dir):
    result = publish(make_entry(tmp_path / "entry"), server)
    with pytest.raises(HubError, match="access denied \\(HTTP 401\\).*HF_TOKEN"):
        download(server, result.commit_sha, cache_dir, token="hf_wrong")


def test_server_down_is_a_bounded_hub_error(tmp_path, server, cache_dir):
    entry = make_entry(tmp_path / "entry")
    result = publish(entry, server)
    download(server, result.commit_sha, cache_dir, filenames=["config.json"])
    server.stop()

    # huggingface_hub retries a refused connection 5 times with backoff (1+2+4+8+8 = 23 s of
    # sleep; huggingface_hub has no setting for it) before it gives up: bounded, not instant.
    start = time.monotonic()
    with pytest.raises(
        HubError, match=f"could not reach the Hub at {server.url}.*'{REPO}'.*{result.commit_sha}"
    ):
        download(server, result.commit_sha, cache_dir)  # weights are not cached yet
    assert time.monotonic() - start < 45, "the download must give up, not hang"
    start = time.monotonic()
    with pytest.raises(HubError, match="could not reach the Hub.*HF_ENDPOINT"):
        publish(entry, server)
    assert time.monotonic() - start < 10, "create_repo is not retried: publishing fails at once"

    # Files already cached for the pinned commit need no server.
    snapshot = download(server, result.commit_sha, cache_dir, filenames=["config.json"])
    assert sha256_of(snapshot / "config.json") == result.sha256["config.json"]


def test_download_argument_validation():
    with pytest.raises(ValueError, match="invalid filename '../x'"):
        download_entry(REPO, revision="main", filenames=["../x"])
    with pytest.raises(ValueError, match="'filenames' is empty"):
        download_entry(REPO, revision="main", filenames=[])
    with pytest.raises(ValueError, match="empty revision"):
        download_entry(REPO, revision="", filenames=["config.json"])
    with pytest.raises(ValueError, match="repo id"):
        download_entry("a/b/c", revision="main", filenames=["config.json"])


# ------------------------------------------------------------------------------------------
# parse_hf_url
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, expected",
    [
        ("hf://ssgm-zoo/m1m2-mnist-100", ("ssgm-zoo/m1m2-mnist-100", None)),
        ("hf://ssgm-zoo/m1m2-mnist-100@main", ("ssgm-zoo/m1m2-mnist-100", "main")),
        ("hf://Org_1/model.v2@" + "ab" * 20, ("Org_1/model.v2", "ab" * 20)),
        ("hf://a/b@refs/pr/1", ("a/b", "refs/pr/1")),
        ("hf://a/b@v1.0", ("a/b", "v1.0")),
    ],
)
def test_parse_hf_url_good(url, expected):
    assert parse_hf_url(url) == expected


@pytest.mark.parametrize(
    "url, message",
    [
        ("hf://../x", r"bad org '\.\.'"),
        ("hf://a/../b", "has 2 slashes"),
        ("hf://a/b/c", "has 2 slashes"),
        ("hf://a", r"has no '/'; expected '<org>/<name>'"),
        ("hf://", "invalid Hub repo id ''"),
        ("hf:///b", "empty org"),
        ("hf://a/", "empty name"),
        ("hf://a/b..c", r"bad name 'b\.\.c': Cannot have -- or \.\."),
        ("hf://a/b--c", "bad name 'b--c': Cannot have --"),
        ("hf://a/b.git", "bad name 'b.git'"),
        ("hf://.a/b", r"bad org '\.a': .*cannot start or end with '-' or '\.'"),
        ("hf://a/-b", "bad name '-b'"),
        ("hf://a b/c", "bad org 'a b': .*alphanumeric"),
        ("hf://a/b\n", r"bad name 'b\\n'"),
        ("hf://a/b@", "empty revision"),
        ("hf://a/b@../main", "invalid revision"),
        ("hf://a/b@x@y", "invalid revision"),
        ("hf://a/b@main/", "invalid revision"),
        ("https://huggingface.co/a/b", "not a Hugging Face Hub URL"),
        ("a/b", "not a Hugging Face Hub URL"),
        ("hf://" + "a" * 97 + "/b", "bad org 'a+'.*maximum length is 96"),
    ],
)
def test_parse_hf_url_bad(url, message):
    with pytest.raises(ValueError, match=message):
        parse_hf_url(url)
