"""Store calls per request, counted where the ports are built (ARCHITECTURE §12).

:class:`MeteredStore` passes every call to the real adapter and, while a :func:`metering` block
is open in the calling context (one HTTP request, one timer run), counts it by kind: point
reads (``read``, ``read_many``, ``read_points``), queries (``query``, ``count``, ``scan``) and
writes (``create``, ``upsert``, ``replace``, ``delete``, ``patch``, ``batch``). The HTTP
plumbing logs the three numbers with every request (``storeReads``, ``storeQueries``,
``storeWrites``), so a load run or production telemetry shows what each route costs in store
calls — the figure the capacity plan (``docs/capacity.md``) prices in request units — without
a profiler or a test double.

The counter lives in a :class:`contextvars.ContextVar`: each request's thread (or task) counts
its own calls, and a call outside any block (a CLI command, a test) costs one lookup.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from shared.ports import BatchOperation, Item, Page, PatchOperation, Query, Scalar, Store

__all__ = ["Meter", "MeteredStore", "metering"]


@dataclass
class Meter:
    """The store calls of one unit of work, by kind."""

    reads: int = 0
    queries: int = 0
    writes: int = 0

    @property
    def total(self) -> int:
        return self.reads + self.queries + self.writes


_current: ContextVar[Meter | None] = ContextVar("casedesk_store_meter", default=None)


@contextmanager
def metering() -> Iterator[Meter]:
    """Count the store calls made in this context until the block ends."""
    meter = Meter()
    token = _current.set(meter)
    try:
        yield meter
    finally:
        _current.reset(token)


def _count(kind: str) -> None:
    meter = _current.get()
    if meter is not None:
        setattr(meter, kind, getattr(meter, kind) + 1)


class MeteredStore:
    """A :class:`~shared.ports.Store` that counts each call into the open :class:`Meter`."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:  # adapter extras (ensure_containers, close)
        return getattr(self.inner, name)

    def read(self, container: str, partition: str, id: str) -> Item:
        _count("reads")
        return self.inner.read(container, partition, id)

    def read_many(self, container: str, partition: str, ids: Sequence[str]) -> dict[str, Item]:
        _count("reads")
        return self.inner.read_many(container, partition, ids)

    def read_points(self, container: str, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Item]:
        _count("reads")
        return self.inner.read_points(container, keys)

    def create(self, container: str, item: Item) -> Item:
        _count("writes")
        return self.inner.create(container, item)

    def upsert(self, container: str, item: Item) -> Item:
        _count("writes")
        return self.inner.upsert(container, item)

    def replace(self, container: str, item: Item, *, if_match: str) -> Item:
        _count("writes")
        return self.inner.replace(container, item, if_match=if_match)

    def delete(self, container: str, partition: str, id: str, *, if_match: str | None = None) -> None:
        _count("writes")
        self.inner.delete(container, partition, id, if_match=if_match)

    def patch(
        self,
        container: str,
        partition: str,
        id: str,
        operations: Sequence[PatchOperation],
        *,
        if_match: str | None = None,
    ) -> Item:
        _count("writes")
        return self.inner.patch(container, partition, id, operations, if_match=if_match)

    def query(self, container: str, partition: str, query: Query) -> Page:
        _count("queries")
        return self.inner.query(container, partition, query)

    def count(self, container: str, partition: str, query: Query) -> int:
        _count("queries")
        return self.inner.count(container, partition, query)

    def batch(
        self, container: str, partition: str, operations: Sequence[BatchOperation]
    ) -> list[Item | None]:
        _count("writes")
        return self.inner.batch(container, partition, operations)

    def scan(self, container: str, *, equals: Mapping[str, Scalar] | None = None) -> Iterator[Item]:
        _count("queries")
        return self.inner.scan(container, equals=equals)

    def scan_page(self, container: str, *, limit: int = 100, continuation: str | None = None) -> Page:
        _count("queries")
        return self.inner.scan_page(container, limit=limit, continuation=continuation)

    def delete_partition(
        self,
        container: str,
        partition: str,
        *,
        keep: Collection[str] = (),
        equals: Mapping[str, Scalar] | None = None,
    ) -> int:
        _count("writes")
        return self.inner.delete_partition(container, partition, keep=keep, equals=equals)

    def grouped(self) -> AbstractContextManager[None]:
        return self.inner.grouped()  # not a store call: the calls in it are counted

    def check(self) -> None:
        self.inner.check()
