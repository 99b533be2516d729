"""Fixtures giving each contract test a fresh, empty adapter of the port under test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.adapters.keyvault import KeyVaultKeyRing
from shared.adapters.local_keys import LocalKeyFile
from shared.adapters.memory import MemoryStore
from shared.adapters.sqlite import SqliteStore
from shared.ports import KeyRing, Store
from tests.fakes import ManualClock
from tests.fixtures.keyvault_fake import KeyVaultFake

STORE_ADAPTERS = ["memory", "sqlite", "cosmos"]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(params=STORE_ADAPTERS)
def store(request: pytest.FixtureRequest, clock: ManualClock, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore(clock)
    elif request.param == "sqlite":
        yield SqliteStore(tmp_path / "store.sqlite3", clock)
    else:
        from tests.fixtures.cosmos_server import make_cosmos_store

        yield make_cosmos_store(request.getfixturevalue("cosmos_endpoint"), clock)


@pytest.fixture
def sqlite_store(clock: ManualClock, tmp_path: Path) -> Store:
    return SqliteStore(tmp_path / "store.sqlite3", clock)


@pytest.fixture(params=["local_keys", "keyvault"])
def key_ring(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KeyRing]:
    """A KeyRing with a first KEK version, as ops (or the first local run) leaves it."""
    if request.param == "local_keys":
        yield LocalKeyFile(tmp_path / "keys" / "kek.json")
        return
    fake: KeyVaultFake = request.getfixturevalue("keyvault_fake")
    ring = KeyVaultKeyRing(fake.url, "casedesk-kek", fake.credential, **fake.client_kwargs)
    ring.ensure_initial_version()
    yield ring
    ring.close()
