"""One contract for the BlobStore port, run against every adapter (ARCHITECTURE §4).

Each test gets a fresh, empty store: a temp directory for ``local_blob``, a new container in a
session-wide Azurite for ``azure_blob``. Whatever passes here may be relied on by capability code
whichever adapter it runs on. The few adapter-specific promises (file modes, a missing container)
are at the end.
"""

from __future__ import annotations

import os
import stat
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from azure.storage.blob import ContainerClient

from shared.adapters.azure_blob import AzureBlobStore, emulator_credential
from shared.adapters.local_blob import LocalBlobStore
from shared.errors import AlreadyExists, BackendUnavailable, InvalidInput, NotFound
from shared.ports import BlobStore
from tests.fixtures.processes import free_port

ADAPTERS = ["local_blob", "azure_blob"]
FAST_FAIL = {"retry_total": 0, "connection_timeout": 2, "read_timeout": 5}


def _azure(url: str, container: str) -> AzureBlobStore:
    return AzureBlobStore(url, container, emulator_credential(), **FAST_FAIL)


@pytest.fixture(params=ADAPTERS, ids=ADAPTERS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "local_blob":
        yield LocalBlobStore(tmp_path / "blobs")
        return
    url = request.getfixturevalue("azurite_blob_url")
    container = f"t{uuid.uuid4().hex}"
    azure = _azure(url, container)
    azure.ensure_container()
    yield azure
    azure.close()
    with ContainerClient(url, container, credential=emulator_credential()) as client:
        client.delete_container()


@pytest.fixture(params=ADAPTERS, ids=ADAPTERS)
def broken_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    """A store whose backend cannot work: the root is a file / nobody listens on the port."""
    if request.param == "local_blob":
        root = tmp_path / "not-a-directory"
        root.write_bytes(b"")
        yield LocalBlobStore(root)
        return
    azure = _azure(f"http://127.0.0.1:{free_port()}/devstoreaccount1", "unreachable")
    yield azure
    azure.close()


@pytest.mark.parametrize(
    "make_data",
    [
        pytest.param(lambda: b"", id="empty"),
        pytest.param(lambda: bytes(range(256)) + bytes(reversed(range(256))), id="all_byte_values"),
        pytest.param(lambda: os.urandom(26 * 1024 * 1024), id="26MiB"),
        pytest.param(lambda: bytearray(b"sealed \x00\xff" * 1000), id="bytearray"),
        # What CaseCipher.sealed_blob lends (a slice of a reused buffer, no copy).
        pytest.param(
            lambda: memoryview(bytearray(b"x" * 100 + b"sealed \x00\xff" * 1000))[100:], id="memoryview"
        ),
    ],
)
def test_put_get_round_trip(
    store: BlobStore, make_data: Callable[[], bytes | bytearray | memoryview]
) -> None:
    data = make_data()
    store.put("cases/c1/doc", data)
    assert store.get("cases/c1/doc") == data
    assert store.exists("cases/c1/doc")
    assert list(store.list()) == ["cases/c1/doc"]


def test_put_existing_without_overwrite_raises_and_keeps_original(store: BlobStore) -> None:
    store.put("x", b"original")
    with pytest.raises(AlreadyExists):
        store.put("x", b"intruder")
    assert store.get("x") == b"original"
    assert list(store.list()) == ["x"]


def test_put_with_overwrite_replaces(store: BlobStore) -> None:
    store.put("x", b"a longer original")
    store.put("x", b"new", overwrite=True)
    assert store.get("x") == b"new"
    store.put("y", b"fresh", overwrite=True)  # overwrite=True also creates
    assert store.get("y") == b"fresh"


def test_get_missing_raises_not_found(store: BlobStore) -> None:
    with pytest.raises(NotFound):
        store.get("missing")
    with pytest.raises(NotFound):
        store.get("missing/nested")


def test_delete_then_get_raises_not_found(store: BlobStore) -> None:
    store.put("a/b", b"1")
    store.put("a/c", b"2")
    store.delete("a/b")
    with pytest.raises(NotFound):
        store.get("a/b")
    assert not store.exists("a/b")
    assert list(store.list()) == ["a/c"]
    assert store.get("a/c") == b"2"


def test_delete_missing_is_fine(store: BlobStore) -> None:
    store.delete("never/written")
    store.put("once", b"1")
    store.delete("once")
    store.delete("once")
    assert not store.exists("once")


def test_exists(store: BlobStore) -> None:
    assert not store.exists("a")
    store.put("a/b", b"")
    assert store.exists("a/b")
    assert not store.exists("a")  # a prefix is not a blob
    assert not store.exists("a/b/c")


def test_a_name_and_names_below_it_coexist(store: BlobStore) -> None:
    store.put("a/b", b"parent")
    store.put("a/b/c", b"child")
    assert (store.get("a/b"), store.get("a/b/c")) == (b"parent", b"child")
    store.delete("a/b")
    assert store.get("a/b/c") == b"child"


def test_list_is_sorted_and_filters_by_prefix(store: BlobStore) -> None:
    for name in ["z/y", "b", "a/c", "ab", "a/b/c", "a.b", "a/b", "a-c"]:
        store.put(name, name.encode())
    everything = ["a-c", "a.b", "a/b", "a/b/c", "a/c", "ab", "b", "z/y"]  # byte order: - . / 0-9 a-z
    assert list(store.list()) == everything
    assert list(store.list("")) == everything
    assert list(store.list("a")) == ["a-c", "a.b", "a/b", "a/b/c", "a/c", "ab"]
    assert list(store.list("a/")) == ["a/b", "a/b/c", "a/c"]
    assert list(store.list("a/b")) == ["a/b", "a/b/c"]
    assert list(store.list("a/b/")) == ["a/b/c"]
    assert list(store.list("z/y")) == ["z/y"]
    for no_match in ["c", "a/d", "a//", "../", "a/b/c/"]:
        assert list(store.list(no_match)) == [], no_match


def test_invalid_prefix_raises_invalid_input(store: BlobStore) -> None:
    for prefix in ["a b", "a\\b", "ä", "x" * 513]:
        with pytest.raises(InvalidInput):
            store.list(prefix)


INVALID_NAMES = {
    "parent": "../x",
    "parent_inside": "a/../b",
    "absolute": "/abs",
    "empty_segment": "a//b",
    "dot_segment": "a/./b",
    "trailing_slash": "a/",
    "trailing_dot": "x.",
    "empty": "",
    "too_long": "a/" * 256 + "a",  # 513 characters of short segments
    "segment_too_long": "x" * 201,
    "too_deep": "/".join(["a"] * 33),
    "space": "a b",
    "backslash": "a\\b",
    "non_ascii": "ä",
}


@pytest.mark.parametrize("name", INVALID_NAMES.values(), ids=INVALID_NAMES.keys())
def test_invalid_names_raise_invalid_input_and_write_nothing(store: BlobStore, name: str) -> None:
    for call in (
        lambda: store.put(name, b"data"),
        lambda: store.put(name, b"data", overwrite=True),
        lambda: store.get(name),
        lambda: store.exists(name),
        lambda: store.delete(name),
    ):
        with pytest.raises(InvalidInput):
            call()
    assert list(store.list()) == []


def test_longest_names_are_accepted(store: BlobStore) -> None:
    longest = "/".join(["a" * 200, "b" * 200, "c" * 110])
    deepest = "/".join(f"s{i}" for i in range(32))
    for name in (longest, deepest, "." * 2 + "x", "-_.x"):
        store.put(name, name.encode())
        assert store.get(name) == name.encode()
    assert len(longest) == 512
    assert list(store.list()) == sorted([longest, deepest, "..x", "-_.x"])


def test_check_passes(store: BlobStore) -> None:
    store.check()


def test_unavailable_backend_raises_backend_unavailable(broken_store: BlobStore) -> None:
    for call in (
        broken_store.check,
        lambda: broken_store.put("a/b", b"data"),
        lambda: broken_store.get("a/b"),
        lambda: broken_store.exists("a/b"),
        lambda: broken_store.delete("a/b"),
        broken_store.list,
    ):
        with pytest.raises(BackendUnavailable) as caught:
            call()
        assert caught.value.__cause__ is not None


# --- adapter-specific promises ----------------------------------------------------------------


def test_local_files_are_private_and_no_temp_files_remain(tmp_path: Path) -> None:
    local = LocalBlobStore(tmp_path / "blobs")
    local.put("a/b/c", b"secret")
    with pytest.raises(AlreadyExists):
        local.put("a/b/c", b"again")
    local.put("a/b/c", b"replaced", overwrite=True)
    entries = list((tmp_path / "blobs").rglob("*"))
    files = [p for p in entries if p.is_file()]
    assert [p.relative_to(tmp_path / "blobs").parts[:-1] for p in files] == [("a", "b")]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o700 for p in entries if p.is_dir())


def test_local_invalid_names_touch_nothing_outside_the_root(tmp_path: Path) -> None:
    local = LocalBlobStore(tmp_path / "root" / "blobs")
    outside = tmp_path / "root" / "victim~blob"
    outside.parent.mkdir()
    outside.write_bytes(b"keep")
    for name in ("../victim", "../../root/victim", "/tmp/x"):
        with pytest.raises(InvalidInput):
            local.put(name, b"evil", overwrite=True)
        with pytest.raises(InvalidInput):
            local.delete(name)
    assert outside.read_bytes() == b"keep"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["root", "victim~blob"]


def test_local_check_creates_a_missing_root(tmp_path: Path) -> None:
    LocalBlobStore(tmp_path / "new" / "blobs").check()
    assert (tmp_path / "new" / "blobs").is_dir()


def test_azure_missing_container_is_backend_unavailable_not_not_found(azurite_blob_url: str) -> None:
    azure = _azure(azurite_blob_url, f"gone{uuid.uuid4().hex}")
    try:
        for call in (
            azure.check,
            lambda: azure.get("a"),
            lambda: azure.exists("a"),
            lambda: azure.delete("x"),
        ):
            with pytest.raises(BackendUnavailable):
                call()
    finally:
        azure.close()


# --- delete_prefix (the retention purge) --------------------------------------------------------


def test_delete_prefix_deletes_a_whole_folder_and_nothing_else(store: BlobStore) -> None:
    inside = ["cases/c1/a", "cases/c1/docs/d1/v1", "cases/c1/docs/d2/v1", "cases/c1/docs/d2/v2"]
    outside = ["cases/c1", "cases/c10/a", "cases/c2/docs/d1/v1", "other/c1/a"]
    for name in inside + outside:
        store.put(name, b"x")
    assert store.delete_prefix("cases/c1/") == 4
    assert list(store.list()) == sorted(outside)
    assert store.delete_prefix("cases/c1/") == 0  # idempotent
    assert store.delete_prefix("cases/never/") == 0
    store.put("cases/c1/docs/d1/v1", b"y")  # the folder can be written again
    assert store.get("cases/c1/docs/d1/v1") == b"y"


def test_delete_prefix_takes_more_than_one_azure_batch(store: BlobStore) -> None:
    names = [f"cases/c1/docs/d{n % 3}/v{n:03d}" for n in range(260)]  # Azure batches hold 256
    for name in names:
        store.put(name, b"x")
    store.put("cases/c2/a", b"x")
    assert store.delete_prefix("cases/c1/") == 260
    assert list(store.list()) == ["cases/c2/a"]


@pytest.mark.parametrize("prefix", ["", "/", "cases/c1", "cases//", "../", "cases/../", "cases/c1/*/"])
def test_delete_prefix_takes_only_a_folder(store: BlobStore, prefix: str) -> None:
    store.put("cases/c1/a", b"x")
    with pytest.raises(InvalidInput):
        store.delete_prefix(prefix)
    assert list(store.list()) == ["cases/c1/a"]


def test_local_delete_prefix_leaves_no_folder_and_no_temp_file(tmp_path: Path) -> None:
    local = LocalBlobStore(tmp_path / "blobs")
    local.put("cases/c1/docs/d1/v1", b"x")
    (tmp_path / "blobs" / "cases" / "c1" / "docs" / "d1" / "~tmp-left-by-a-crash").write_bytes(b"x")
    assert local.delete_prefix("cases/c1/") == 1
    assert sorted(p.name for p in (tmp_path / "blobs").rglob("*")) == ["cases"]


def test_azure_delete_prefix_in_a_missing_container_is_backend_unavailable(azurite_blob_url: str) -> None:
    azure = _azure(azurite_blob_url, f"gone{uuid.uuid4().hex}")
    try:
        with pytest.raises(BackendUnavailable):
            azure.delete_prefix("cases/c1/")
    finally:
        azure.close()
