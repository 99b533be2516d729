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
#: Fields the Store contract suite orders by in the ``cases`` container (tests only).
CONTRACT_ORDERED_FIELDS = {"cases": ("seq", "day", "rank")}


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
        import uuid

        from shared.adapters.cosmos import CosmosStore
        from tests.fixtures.cosmos_server import emulator_client_kwargs

        # Like make_cosmos_store, plus the composite indexes of the fields the suite orders by
        # (the emulator, like Azure, refuses an ORDER BY field, id without one).
        url, key = request.getfixturevalue("cosmos_endpoint")
        cosmos = CosmosStore(url, f"test-{uuid.uuid4().hex}", key, clock, **emulator_client_kwargs())
        cosmos.ensure_containers(CONTRACT_ORDERED_FIELDS)
        yield cosmos


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
