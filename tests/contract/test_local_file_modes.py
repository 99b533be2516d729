"""The local adapters keep their files to the service's own OS user (issue 14, item 9).

The embedded store holds names, e-mail addresses, password hashes and wrapped keys: its database
and the ``-wal``/``-shm`` files beside it are 0600, like the key file, and the data directory is
0700 — on a fresh directory, whichever adapter happens to create it first.
"""

from __future__ import annotations

import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from shared.adapters.local_blob import LocalBlobStore
from shared.adapters.local_keys import LocalKeyFile
from shared.adapters.local_queue import LocalQueue
from shared.adapters.outbox import OutboxMailer
from shared.adapters.sqlite import SqliteStore
from shared.ports import Email
from tests.fakes import ManualClock


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def modes_under(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): mode(p) for p in [root, *root.rglob("*")]}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A data directory that does not exist yet, two levels below an existing one."""
    return tmp_path / "fresh" / "data"


def test_the_store_database_and_its_wal_files_are_private(data: Path) -> None:
    store = SqliteStore(data / "casedesk.sqlite3", ManualClock())
    store.create("users", {"id": "u1", "userId": "u1", "email": "anna@example.ch"})
    files = modes_under(data)
    assert {"casedesk.sqlite3-wal", "casedesk.sqlite3-shm"} <= files.keys()  # written, still open
    assert files == {".": 0o700, **dict.fromkeys(files.keys() - {"."}, 0o600)}
    assert mode(data.parent) == 0o700  # a missing parent is created private too


def test_the_queue_database_and_its_wal_files_are_private(data: Path) -> None:
    queue = LocalQueue(data / "queues.sqlite3")
    try:
        queue.send("mail", "{}")
        files = modes_under(data)
    finally:
        queue.close()
    assert {"queues.sqlite3", "queues.sqlite3-wal", "queues.sqlite3-shm"} <= files.keys()
    assert files == {".": 0o700, **dict.fromkeys(files.keys() - {"."}, 0o600)}


def test_a_database_from_before_the_fix_is_tightened_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "casedesk.sqlite3"
    earlier = SqliteStore(path, ManualClock())  # kept open: its -wal and -shm stay in place
    earlier.create("users", {"id": "u1", "userId": "u1"})
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.chmod(0o644)
    reopened = SqliteStore(path, ManualClock())
    assert reopened.read("users", "u1", "u1")["id"] == "u1"
    assert [mode(p) for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"))] == [0o600] * 3


def users_seen_by_another_process(path: Path) -> int:
    script = "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM users').fetchone()[0])"
    return int(
        subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, check=True).stdout
    )


def test_a_new_connection_leaves_the_locks_of_the_open_ones_alone(tmp_path: Path) -> None:
    """Creating or tightening the file must not close a descriptor of it: that would drop this
    process's SQLite locks, and another process would take itself for the last user, checkpoint
    and delete the -wal file under our open connection (writes then get lost)."""
    path = tmp_path / "casedesk.sqlite3"
    store = SqliteStore(path, ManualClock())
    store.create("users", {"id": "u1", "userId": "u1"})
    second = threading.Thread(target=lambda: store.read("users", "u1", "u1"))  # its own connection
    second.start()
    second.join()
    assert users_seen_by_another_process(path) == 1
    assert Path(f"{path}-wal").exists()  # the other process knew it was not alone
    store.create("users", {"id": "u2", "userId": "u2"})
    assert users_seen_by_another_process(path) == 2


# Each returns its adapter: the test keeps it open, so the -wal and -shm files stay in place.
def _store(data: Path) -> object:
    store = SqliteStore(data / "casedesk.sqlite3", ManualClock())
    store.create("users", {"id": "u1", "userId": "u1"})
    return store


def _queue(data: Path) -> object:
    queue = LocalQueue(data / "queues.sqlite3")
    queue.send("mail", "{}")
    return queue


def _blobs(data: Path) -> object:
    blobs = LocalBlobStore(data / "blobs")
    blobs.put("case-1/doc-1", b"ciphertext")
    return blobs


def _keys(data: Path) -> object:
    keys = LocalKeyFile(data / "keys" / "kek.json")
    keys.current()
    return keys


def _outbox(data: Path) -> object:
    outbox = OutboxMailer(data / "outbox")
    outbox.send(Email("anna@example.ch", "Hallo", "text", "<p>html</p>"))
    return outbox


#: keyed by the adapter ids of the contract suites (tests/conftest.py counts them per adapter)
FIRST: dict[str, Callable[[Path], object]] = {
    "sqlite": _store, "local_queue": _queue, "local_blob": _blobs, "local_keys": _keys, "outbox": _outbox,
}  # fmt: skip


@pytest.fixture(params=FIRST)
def first(request: pytest.FixtureRequest) -> Iterator[Callable[[Path], object]]:
    yield FIRST[request.param]


def test_the_data_directory_is_private_whichever_adapter_creates_it(
    data: Path, first: Callable[[Path], object]
) -> None:
    adapters = [first(data), *(write(data) for write in FIRST.values() if write is not first)]
    modes = modes_under(data)
    next(a for a in adapters if isinstance(a, LocalQueue)).close()
    directories = {name for name in modes if (data / name).is_dir()}
    assert {"blobs", "keys", "outbox", "casedesk.sqlite3", "queues.sqlite3"} <= {
        n.split("/")[0] for n in modes
    }
    assert {n: m for n, m in modes.items() if n in directories} == dict.fromkeys(directories, 0o700)
    assert {n: m for n, m in modes.items() if n not in directories} == dict.fromkeys(
        modes.keys() - directories, 0o600
    )
