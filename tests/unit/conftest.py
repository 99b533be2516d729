"""Unit-tier fixtures: the composition root wired with local adapters in a temp dir."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import azure.functions as func
import pytest

from shared import bootstrap
from shared.adapters.local_blob import LocalBlobStore
from shared.adapters.local_keys import LocalKeyFile
from shared.adapters.memory import MemoryStore
from shared.adapters.outbox import OutboxMailer
from shared.adapters.sqlite import SqliteStore
from shared.config import Environment
from shared.ports import Ports, Store
from tests.fakes import CountingStore, ManualClock


def wire(tmp_path: Path, environment: Environment = Environment.TEST) -> Ports:
    """The composition root on a memory store, local adapters in ``tmp_path`` and a manual clock."""
    clock = ManualClock()
    return bootstrap.use(
        store=MemoryStore(clock),
        blobs=LocalBlobStore(tmp_path / "blobs"),
        key_ring=LocalKeyFile(tmp_path / "keys" / "kek.json"),
        mailer=OutboxMailer(tmp_path / "outbox"),
        clock=clock,
        environment=environment,
    )


def wire_counting(
    tmp_path: Path, make_store: Callable[[ManualClock], Store] = MemoryStore
) -> tuple[Ports, CountingStore]:
    """The composition root in development (demo data may be seeded) on a store that counts its
    calls — ``make_store(clock)``, a memory store by default — with local adapters in
    ``tmp_path`` and a manual clock. Callers reset the root (``bootstrap.reset()``) when done."""
    clock = ManualClock()
    store = CountingStore(make_store(clock))
    ports = bootstrap.use(
        store=store,
        blobs=LocalBlobStore(tmp_path / "blobs"),
        key_ring=LocalKeyFile(tmp_path / "keys" / "kek.json"),
        mailer=OutboxMailer(tmp_path / "outbox"),
        clock=clock,
        environment=Environment.DEVELOPMENT,
    )
    return ports, store


@pytest.fixture
def wired(tmp_path: Path) -> Iterator[Ports]:
    yield wire(tmp_path)
    bootstrap.reset()


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[Ports]:
    """Like ``wired``, but in development: the only place demo data may exist."""
    yield wire(tmp_path, Environment.DEVELOPMENT)
    bootstrap.reset()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, clock: ManualClock, tmp_path: Path) -> Store:
    """A fresh embedded store: services are tested on both the fake and the real default."""
    if request.param == "memory":
        return MemoryStore(clock)
    return SqliteStore(tmp_path / "s.sqlite3", clock)


def http_request(
    method: str = "GET",
    url: str = "/api/x",
    *,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    route_params: dict[str, str] | None = None,
) -> func.HttpRequest:
    return func.HttpRequest(method, url, headers=headers or {}, body=body, route_params=route_params or {})
