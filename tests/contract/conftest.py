"""Fixtures giving each contract test a fresh, empty adapter of the port under test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.adapters.memory import MemoryStore
from shared.adapters.sqlite import SqliteStore
from shared.ports import Store
from tests.fakes import ManualClock

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
