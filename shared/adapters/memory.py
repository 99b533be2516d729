"""``MemoryStore``: the Store port in a dict, for unit tests of services. It passes the same
contract suite as SQLite and Cosmos, so a service test on it means the same thing."""

from __future__ import annotations

import contextlib
import copy
import threading
import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from shared.adapters import documents
from shared.errors import AlreadyExists, ConcurrencyConflict, InvalidInput, NotFound
from shared.ports import (
    BatchOperation,
    Clock,
    Item,
    Page,
    PatchOperation,
    Query,
    Scalar,
)

__all__ = ["MemoryStore"]

_Key = tuple[str, str, str]  # container, partition, id
_TYPE_RANK = {type(None): 0, bool: 1, int: 2, float: 2, str: 3}


def _sort_key(value: Any) -> tuple[int, Any]:
    # Cosmos orders null < booleans < numbers < strings; mixed types in one field are unusual
    # but must not crash a sort.
    # Objects and lists sort like null (a keyset token keeps them as null: see keyset_token).
    rank = _TYPE_RANK.get(type(value), 0)
    return (rank, value if rank in (1, 2, 3) else 0)


def matching(rows: list[Item], query: Query) -> list[Item]:
    """The rows a :class:`Query`'s filters select (equality, then the range)."""
    return [
        r
        for r in rows
        if all(r.get(k) == v for k, v in query.equals.items())
        and (query.range_field is None or _in_range(r.get(query.range_field), query))
    ]


def query_page(rows: list[Item], query: Query) -> Page:
    """Evaluate a :class:`Query` over already-loaded rows: ordered by the sort field then ``id``
    (a total order), continued after the last row's (sort value, id) — a keyset, not an offset."""
    selected = matching(rows, query)

    def key(r: Item) -> tuple[tuple[int, Any], str]:
        return (_sort_key(r.get(query.order_by) if query.order_by != "id" else r["id"]), r["id"])

    selected.sort(key=key, reverse=query.descending)
    if query.continuation:
        value, last_id = documents.keyset_after(query.continuation)
        after = (_sort_key(value), last_id)
        if query.descending:
            selected = [r for r in selected if key(r) < after]
        else:
            selected = [r for r in selected if key(r) > after]
    page = selected[: query.limit]
    more = len(selected) > query.limit
    token = documents.keyset_token(page[-1], query.order_by) if more else None
    return Page(items=page, continuation=token)


def _in_range(value: Any, query: Query) -> bool:
    if value is None:
        return False
    try:
        if query.gte is not None and value < query.gte:
            return False
        return not (query.lt is not None and value >= query.lt)
    except TypeError:
        return False


class MemoryStore:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._docs: dict[_Key, tuple[Item, str]] = {}
        self._lock = threading.RLock()

    # -- helpers -----------------------------------------------------------------------------
    def _live(self, key: _Key) -> tuple[Item, str] | None:
        found = self._docs.get(key)
        if found is None or documents.is_expired(found[0], self._clock.now()):
            return None
        return found

    def _existing(self, key: _Key, if_match: str | None) -> tuple[Item, str]:
        found = self._live(key)
        if found is None:
            raise NotFound("item not found")
        if if_match is not None and found[1] != if_match:
            raise ConcurrencyConflict("the item was changed by someone else")
        return found

    def _put(self, container: str, doc: Item, partition: str, item_id: str) -> Item:
        etag = f'"{uuid.uuid4()}"'
        self._docs[(container, partition, item_id)] = (doc, etag)
        return documents.public_view(doc, etag)

    # -- Store -------------------------------------------------------------------------------
    def read(self, container: str, partition: str, id: str) -> Item:
        documents.partition_field(container)
        with self._lock:
            doc, etag = self._existing((container, partition, id), None)
            return documents.public_view(doc, etag)

    def read_many(self, container: str, partition: str, ids: Sequence[str]) -> dict[str, Item]:
        documents.partition_field(container)
        wanted = documents.check_read_many(ids)
        with self._lock:
            found = {i: self._live((container, partition, i)) for i in wanted}
            return {i: documents.public_view(*hit) for i, hit in found.items() if hit is not None}

    def read_points(self, container: str, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Item]:
        documents.partition_field(container)
        wanted = documents.check_read_points(keys)
        with self._lock:
            found = {k: self._live((container, *k)) for k in wanted}
            return {k: documents.public_view(*hit) for k, hit in found.items() if hit is not None}

    def create(self, container: str, item: Item) -> Item:
        with self._lock:
            doc, partition, item_id = documents.prepare_for_write(container, item, self._clock.now())
            if self._live((container, partition, item_id)) is not None:
                raise AlreadyExists("an item with this id exists")
            return self._put(container, doc, partition, item_id)

    def upsert(self, container: str, item: Item) -> Item:
        with self._lock:
            doc, partition, item_id = documents.prepare_for_write(container, item, self._clock.now())
            return self._put(container, doc, partition, item_id)

    def replace(self, container: str, item: Item, *, if_match: str) -> Item:
        with self._lock:
            doc, partition, item_id = documents.prepare_for_write(container, item, self._clock.now())
            self._existing((container, partition, item_id), if_match)
            return self._put(container, doc, partition, item_id)

    def delete(self, container: str, partition: str, id: str, *, if_match: str | None = None) -> None:
        documents.partition_field(container)
        with self._lock:
            self._existing((container, partition, id), if_match)
            del self._docs[(container, partition, id)]

    def patch(
        self,
        container: str,
        partition: str,
        id: str,
        operations: Sequence[PatchOperation],
        *,
        if_match: str | None = None,
    ) -> Item:
        pk_field = documents.partition_field(container)
        with self._lock:
            doc, _ = self._existing((container, partition, id), if_match)
            patched = documents.apply_patch(doc, operations, pk_field)
            # Like Cosmos, any write (a patch too) restarts the ttl clock.
            new_doc, _, _ = documents.prepare_for_write(container, patched, self._clock.now())
            return self._put(container, new_doc, partition, id)

    def query(self, container: str, partition: str, query: Query) -> Page:
        documents.partition_field(container)
        documents.validate_query(query)
        with self._lock:
            now = self._clock.now()
            # Shallow views to select and order; only the page is copied for the caller.
            rows = [
                {**doc, "_etag": etag}
                for (c, p, _), (doc, etag) in self._docs.items()
                if c == container and p == partition and not documents.is_expired(doc, now)
            ]
            page = query_page(rows, query)
            items = [documents.public_view(row, row["_etag"]) for row in page.items]
        return Page(items=items, continuation=page.continuation)

    def count(self, container: str, partition: str, query: Query) -> int:
        documents.partition_field(container)
        documents.validate_query(query)
        with self._lock:
            now = self._clock.now()
            rows = [
                doc
                for (c, p, _), (doc, _etag) in self._docs.items()
                if c == container and p == partition and not documents.is_expired(doc, now)
            ]
            return len(matching(rows, query))

    def batch(
        self, container: str, partition: str, operations: Sequence[BatchOperation]
    ) -> list[Item | None]:
        pk_field = documents.partition_field(container)
        documents.check_batch_limits(operations)
        with self._lock:
            # Run on a copy and swap it in only if every step succeeded: all or nothing.
            saved = dict(self._docs)
            try:
                return [self._batch_step(container, partition, pk_field, op) for op in operations]
            except Exception:
                self._docs = saved
                raise

    def _batch_step(self, container: str, partition: str, pk_field: str, op: BatchOperation) -> Item | None:
        if op.op == "delete":
            if op.id is None:
                raise InvalidInput("a batch delete needs an id")
            self.delete(container, partition, op.id, if_match=op.if_match)
            return None
        if op.item is None or op.item.get(pk_field) != partition:
            raise InvalidInput("every item of a batch must be in the batch's partition")
        if op.op == "create":
            return self.create(container, op.item)
        if op.op == "upsert":
            return self.upsert(container, op.item)
        if op.op == "replace" and op.if_match is not None:
            return self.replace(container, op.item, if_match=op.if_match)
        if op.op == "replace":
            self.read(container, partition, str(op.item.get("id")))
            return self.upsert(container, op.item)
        raise InvalidInput(f"unknown batch operation {op.op!r}")

    def scan(self, container: str, *, equals: Mapping[str, Scalar] | None = None) -> Iterator[Item]:
        documents.partition_field(container)
        now = self._clock.now()
        with self._lock:
            snapshot = [copy.deepcopy(v) for (c, _, _), v in self._docs.items() if c == container]
        for doc, etag in snapshot:
            if documents.is_expired(doc, now):
                continue
            if all(doc.get(k) == v for k, v in (equals or {}).items()):
                yield documents.public_view(doc, etag)

    def scan_page(self, container: str, *, limit: int = 100, continuation: str | None = None) -> Page:
        documents.partition_field(container)
        documents.check_scan_limit(limit)
        after = documents.scan_after(continuation) if continuation else None
        now = self._clock.now()
        with self._lock:
            keys = sorted(
                (p, i)
                for (c, p, i), (doc, _) in self._docs.items()
                if c == container and (after is None or (p, i) > after) and not documents.is_expired(doc, now)
            )[: limit + 1]
            items = [documents.public_view(*self._docs[(container, p, i)]) for p, i in keys[:limit]]
        more = len(keys) > limit
        return Page(items, documents.scan_token(*keys[limit - 1]) if more else None)

    def delete_partition(
        self,
        container: str,
        partition: str,
        *,
        keep: Collection[str] = (),
        equals: Mapping[str, Scalar] | None = None,
    ) -> int:
        documents.partition_field(container)
        documents.validate_query(Query(equals=equals or {}))
        kept = set(keep)
        with self._lock:
            doomed = [
                key
                for key, doc in self._docs.items()
                if key[0] == container
                and key[1] == partition
                and key[2] not in kept
                and all(doc[0].get(k) == v for k, v in (equals or {}).items())
            ]
            for key in doomed:
                del self._docs[key]
        return len(doomed)

    def grouped(self) -> AbstractContextManager[None]:
        """Each call applies when it is made, like Cosmos (the port allows it)."""
        return contextlib.nullcontext()

    def check(self) -> None:
        return None
