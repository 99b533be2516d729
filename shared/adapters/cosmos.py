"""The Cosmos DB adapter of the ``Store`` port (ARCHITECTURE §3), on the sync azure-cosmos SDK.

Shared rules (validation, size limit, expiry, views) come from :mod:`shared.adapters.documents`;
this module only maps them onto Cosmos calls. Notes on the choices:

* The ``CosmosClient`` is built on first use, never at import or construction: the SDK calls the
  account endpoint in its constructor, and an exception at import time would make every Azure
  function of the app vanish instead of failing one request with ``BackendUnavailable``.
* Expired items are invisible on every read path. Queries filter on ``_expires`` in SQL; point
  operations that must not touch an expired item (``replace``, ``delete``) read it first, because
  Cosmos only accepts an ETag, not a condition, on those calls. ``ttl`` stays in the document so
  Cosmos also deletes it physically in Azure (containers have ``default_ttl=-1``).
* ``patch`` is native (``set``/``remove``/``incr`` are applied server-side, so concurrent ``incr``
  never conflict); expiry is its ``filter_predicate``. An item with a ``ttl`` needs a second write
  to move ``_expires`` (see ``_refresh_expiry``).
* ``batch`` reads the items it touches first (see :mod:`shared.adapters.cosmos_batch`).
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol, cast

from azure.core import MatchConditions
from azure.core.exceptions import AzureError
from azure.cosmos import ContainerProxy, CosmosClient, DatabaseProxy, PartitionKey
from azure.cosmos.exceptions import (
    CosmosAccessConditionFailedError,
    CosmosResourceExistsError,
    CosmosResourceNotFoundError,
)

from shared.adapters import cosmos_sql
from shared.adapters.cosmos_batch import batch_ids, plan_batch
from shared.adapters.cosmos_errors import translate_errors
from shared.adapters.documents import (
    EXPIRES,
    check_read_many,
    check_read_points,
    check_scan_limit,
    is_expired,
    partition_field,
    prepare_for_write,
    public_view,
    scan_after,
    scan_token,
    validate_query,
)
from shared.errors import (
    AlreadyExists,
    BackendUnavailable,
    ConcurrencyConflict,
    InvalidInput,
    ItemTooLarge,
    NotFound,
)
from shared.indexes import indexing_policy
from shared.ports import (
    CONTAINERS,
    MAX_BATCH_OPERATIONS,
    BatchOperation,
    Clock,
    Item,
    Page,
    PatchOperation,
    Query,
    Scalar,
)

__all__ = ["CosmosStore"]

#: Rounds of a write over an expired item (create, batch) that lost a race to a concurrent writer.
_ATTEMPTS = 3


class _Pager(Protocol):
    """What ``ItemPaged.by_page`` returns at run time (its annotation is a bare Iterator)."""

    continuation_token: str | None

    def __iter__(self) -> Iterator[Iterator[dict[str, Any]]]: ...


def _view(doc: Mapping[str, Any]) -> Item:
    return public_view(doc, str(doc["_etag"]), fresh=True)  # decoded by the SDK for this call


def _addressable(container: str, partition: str, id: str, now: datetime) -> bool:
    """Whether an item with this id and partition key could have been written. Anything else
    cannot exist, and must not reach the REST path: an empty id reads the container's feed,
    an id with ``/`` addresses another resource."""
    try:
        prepare_for_write(container, {"id": id, partition_field(container): partition}, now)
    except InvalidInput:
        return False
    return True


def _if_match(etag: str | None) -> dict[str, Any]:
    return {} if etag is None else {"etag": etag, "match_condition": MatchConditions.IfNotModified}


class CosmosStore:
    """``Store`` on Cosmos DB. ``credential`` is a ``TokenCredential`` (managed identity) in Azure
    or the emulator's key; ``client_kwargs`` go to ``CosmosClient`` (timeouts, retries, TLS)."""

    def __init__(
        self, endpoint: str, database: str, credential: Any, clock: Clock, **client_kwargs: Any
    ) -> None:
        self._endpoint = endpoint
        self._database_name = database
        self._credential = credential
        self._clock = clock
        self._client_kwargs = client_kwargs
        self._lock = threading.Lock()
        self._client: CosmosClient | None = None
        self._containers: dict[str, ContainerProxy] = {}

    def _get_client(self) -> CosmosClient:
        client = self._client
        if client is None:
            with self._lock:
                if self._client is None:
                    # A failure here is not cached: the next call tries again.
                    with translate_errors("connect"):
                        self._client = CosmosClient(self._endpoint, self._credential, **self._client_kwargs)
                client = self._client
        return client

    def _database(self) -> DatabaseProxy:
        return self._get_client().get_database_client(self._database_name)

    def _container(self, name: str) -> ContainerProxy:
        partition_field(name)  # unknown container: ValueError, a programming error
        proxy = self._containers.get(name)
        if proxy is None:
            proxy = self._database().get_container_client(name)  # no I/O
            with self._lock:
                proxy = self._containers.setdefault(name, proxy)
        return proxy

    def _now(self) -> datetime:
        return self._clock.now()

    def _read_raw(self, container: str, partition: str, id: str) -> Item | None:
        """The stored document, expired or not; ``None`` if there is none."""
        if not _addressable(container, partition, id, self._now()):
            return None
        with translate_errors("read", container):
            try:
                return dict(self._container(container).read_item(id, partition_key=partition))
            except CosmosResourceNotFoundError:
                return None

    def _read_visible(self, container: str, partition: str, id: str, now: datetime) -> Item:
        doc = self._read_raw(container, partition, id)
        if doc is None or is_expired(doc, now):
            raise NotFound(f"no such item in {container}")
        return doc

    def ensure_containers(self, extra_ordered_fields: Mapping[str, Sequence[str]] | None = None) -> None:
        """Create the database and every container with its composite indexes
        (:mod:`shared.indexes`; emulator and local use only: in Azure the infrastructure creates
        them, and data-plane RBAC may not). ``extra_ordered_fields`` adds ordered fields per
        container (the contract tests order by fields of their own)."""
        extra = extra_ordered_fields or {}
        with translate_errors("ensure_containers"):
            database = self._get_client().create_database_if_not_exists(self._database_name)
            for name, pk_field in CONTAINERS.items():
                database.create_container_if_not_exists(
                    id=name,
                    partition_key=PartitionKey(path=f"/{pk_field}"),
                    default_ttl=-1,
                    indexing_policy=indexing_policy(name, extra.get(name, ())),
                )

    def read(self, container: str, partition: str, id: str) -> Item:
        return _view(self._read_visible(container, partition, id, self._now()))

    def read_many(self, container: str, partition: str, ids: Sequence[str]) -> dict[str, Item]:
        wanted = check_read_many(ids)
        if not wanted:
            return {}
        sql, parameters = cosmos_sql.ids_sql(container, partition, wanted)
        now = self._now()
        with translate_errors("read_many", container):
            docs = self._container(container).query_items(sql, parameters=parameters, partition_key=partition)
            return {str(d["id"]): _view(d) for d in docs if not is_expired(d, now)}

    def read_points(self, container: str, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Item]:
        wanted = check_read_points(keys)
        if not wanted:
            return {}
        pk_field = partition_field(container)
        now = self._now()
        with translate_errors("read_points", container):
            # The SDK's read-many: point reads grouped by physical partition, one call of ours.
            docs = self._container(container).read_items([(i, p) for p, i in wanted])
            return {(str(d[pk_field]), str(d["id"])): _view(d) for d in docs if not is_expired(d, now)}

    def create(self, container: str, item: Item) -> Item:
        now = self._now()
        doc, partition, item_id = prepare_for_write(container, item, now)
        proxy = self._container(container)
        for _ in range(_ATTEMPTS):
            with translate_errors("create", container):
                try:
                    return _view(proxy.create_item(doc))
                except CosmosResourceExistsError:
                    pass
            existing = self._read_raw(container, partition, item_id)
            if existing is None:
                continue  # deleted in between: create again
            if not is_expired(existing, now):
                raise AlreadyExists(f"item exists in {container}")
            with translate_errors("create", container):
                try:  # the expired version counts as absent: overwrite exactly that version
                    return _view(proxy.replace_item(item_id, doc, **_if_match(str(existing["_etag"]))))
                except (CosmosAccessConditionFailedError, CosmosResourceNotFoundError):
                    continue
        raise AlreadyExists(f"item exists in {container}")

    def upsert(self, container: str, item: Item) -> Item:
        doc, _, _ = prepare_for_write(container, item, self._now())
        with translate_errors("upsert", container):
            return _view(self._container(container).upsert_item(doc))

    def replace(self, container: str, item: Item, *, if_match: str) -> Item:
        now = self._now()
        doc, partition, item_id = prepare_for_write(container, item, now)
        current = self._read_visible(container, partition, item_id, now)
        if current["_etag"] != if_match:
            raise ConcurrencyConflict(f"item in {container} was changed")
        with translate_errors("replace", container):
            return _view(self._container(container).replace_item(item_id, doc, **_if_match(if_match)))

    def delete(self, container: str, partition: str, id: str, *, if_match: str | None = None) -> None:
        current = self._read_visible(container, partition, id, self._now())
        if if_match is not None and current["_etag"] != if_match:
            raise ConcurrencyConflict(f"item in {container} was changed")
        with translate_errors("delete", container):
            self._container(container).delete_item(id, partition_key=partition, **_if_match(if_match))

    def patch(
        self,
        container: str,
        partition: str,
        id: str,
        operations: Sequence[PatchOperation],
        *,
        if_match: str | None = None,
    ) -> Item:
        now = self._now()
        sdk_operations = cosmos_sql.patch_operations(container, operations, now)
        if not _addressable(container, partition, id, now):
            raise NotFound(f"no such item in {container}")
        proxy = self._container(container)
        with translate_errors("patch", container):
            try:
                doc = proxy.patch_item(
                    id,
                    partition,
                    sdk_operations,
                    filter_predicate=cosmos_sql.patch_predicate(now),
                    **_if_match(if_match),
                )
            except CosmosAccessConditionFailedError as exc:  # a stale ETag, or expired (the predicate)
                self._read_visible(container, partition, id, now)
                raise ConcurrencyConflict(f"item in {container} was changed") from exc
        if is_expired(doc, now):
            # The emulator checks the predicate against any document with this id, whatever its
            # partition. The change stays invisible behind the unchanged _expires.
            raise NotFound(f"no such item in {container}")
        if "ttl" in doc or EXPIRES in doc:
            return _view(self._refresh_expiry(container, proxy, dict(doc), now))
        return _view(doc)

    def _refresh_expiry(self, container: str, proxy: ContainerProxy, doc: Item, now: datetime) -> Item:
        """Rewrite ``_expires`` after a patch (``ttl`` counts from the last write). A second write,
        because Cosmos, and the emulator strictly, refuse patch paths that start with ``_``."""
        try:
            refreshed, _, item_id = prepare_for_write(container, doc, now)
        except ItemTooLarge:
            return doc  # under Cosmos's 2 MiB but over our margin: keep the earlier expiry
        with translate_errors("patch", container):
            try:
                return dict(proxy.replace_item(item_id, refreshed, **_if_match(str(doc["_etag"]))))
            except (CosmosAccessConditionFailedError, CosmosResourceNotFoundError):
                return doc  # a later write has set the expiry already (or deleted the item)

    def query(self, container: str, partition: str, query: Query) -> Page:
        sql, parameters = cosmos_sql.query_sql(container, partition, query, self._now())
        fingerprint = cosmos_sql.query_fingerprint(container, partition, sql, parameters)
        token = cosmos_sql.unwrap_continuation(query.continuation, fingerprint)
        with translate_errors("query", container):
            pages = self._container(container).query_items(
                sql, parameters=parameters, partition_key=partition, max_item_count=query.limit
            )
            pager = cast(_Pager, pages.by_page(token))
            items: list[Item] = []
            for page in pager:  # Cosmos may answer an empty page before the end: skip those
                items = [_view(doc) for doc in page]
                if items or not pager.continuation_token:
                    break
            return Page(items, cosmos_sql.wrap_continuation(pager.continuation_token, fingerprint))

    def count(self, container: str, partition: str, query: Query) -> int:
        sql, parameters = cosmos_sql.count_sql(container, partition, query, self._now())
        with translate_errors("count", container):
            proxy = self._container(container)
            # SELECT VALUE answers bare numbers, which the SDK's annotation (dicts) does not know.
            found: list[Any] = list(proxy.query_items(sql, parameters=parameters, partition_key=partition))
            return sum(int(value) for value in found)

    def batch(
        self, container: str, partition: str, operations: Sequence[BatchOperation]
    ) -> list[Item | None]:
        now = self._now()
        ids = batch_ids(container, partition, operations, now)
        if not operations:
            return []
        proxy = self._container(container)
        for attempt in range(_ATTEMPTS):
            stored = self._stored(container, partition, ids)
            plan = plan_batch(container, partition, operations, stored, now)
            try:
                with translate_errors("batch", container):
                    results = proxy.execute_item_batch(plan.operations, partition_key=partition)
            except (AlreadyExists, NotFound, ConcurrencyConflict) as exc:
                if getattr(exc.__cause__, "error_index", None) in plan.revived and attempt + 1 < _ATTEMPTS:
                    continue  # an expired item we replace changed in between: plan again
                raise
            return [_view(r["resourceBody"]) if r.get("resourceBody") else None for r in results]
        raise ConcurrencyConflict(f"batch on {container} kept losing races")  # not reached

    def _stored(self, container: str, partition: str, ids: Sequence[str]) -> dict[str, Item]:
        if not ids:
            return {}
        sql, parameters = cosmos_sql.ids_sql(container, partition, ids)
        with translate_errors("batch", container):
            docs = self._container(container).query_items(sql, parameters=parameters, partition_key=partition)
            return {str(doc["id"]): dict(doc) for doc in docs}

    def scan(self, container: str, *, equals: Mapping[str, Scalar] | None = None) -> Iterator[Item]:
        sql, parameters = cosmos_sql.scan_sql(equals or {}, self._now())
        proxy = self._container(container)
        with translate_errors("scan", container):
            docs = proxy.query_items(sql, parameters=parameters, enable_cross_partition_query=True)
            for doc in docs:
                yield _view(doc)

    def scan_page(self, container: str, *, limit: int = 100, continuation: str | None = None) -> Page:
        check_scan_limit(limit)
        after = scan_after(continuation) if continuation else None
        pk_field = partition_field(container)
        now = self._now()
        proxy = self._container(container)
        found: list[dict[str, Any]] = []
        with translate_errors("scan", container):
            if after is not None and pk_field != "id":  # first the rest of the position's partition
                sql, parameters = cosmos_sql.scan_page_sql(
                    container, limit + 1, after, now, rest_of_partition=True
                )
                docs = proxy.query_items(
                    sql, parameters=parameters, partition_key=after[0], max_item_count=limit + 1
                )
                found = [dict(doc) for doc in itertools.islice(docs, limit + 1)]
            if len(found) <= limit:  # then the partitions after it, across the container
                sql, parameters = cosmos_sql.scan_page_sql(container, limit + 1 - len(found), after, now)
                docs = proxy.query_items(
                    sql, parameters=parameters, enable_cross_partition_query=True, max_item_count=limit + 1
                )
                found += [dict(doc) for doc in itertools.islice(docs, limit + 1 - len(found))]
        items = [_view(doc) for doc in found[:limit]]
        last = found[limit - 1] if len(found) > limit else None
        return Page(items, scan_token(str(last[pk_field]), str(last["id"])) if last else None)

    def delete_partition(
        self,
        container: str,
        partition: str,
        *,
        keep: Collection[str] = (),
        equals: Mapping[str, Scalar] | None = None,
    ) -> int:
        """The partition's ids (expired items too: no expiry filter) that ``equals`` selects,
        then transactional batches of up to :data:`MAX_BATCH_OPERATIONS` deletes. Not atomic
        across batches (the port says so): a call that dies half-way leaves a part, which the
        next call takes."""
        pk_field = partition_field(container)  # unknown container: ValueError
        validate_query(Query(equals=equals or {}))
        if not _addressable(container, partition, "x", self._now()):
            return 0
        kept = {str(i) for i in keep}
        proxy = self._container(container)
        sql = f'SELECT c.id FROM c WHERE c["{pk_field}"] = @pk'  # noqa: S608 - a name from CONTAINERS
        parameters: list[dict[str, Any]] = [{"name": "@pk", "value": partition}]
        for index, (name, value) in enumerate((equals or {}).items()):  # validated names only
            sql += f' AND c["{name}"] = @e{index}'
            parameters.append({"name": f"@e{index}", "value": value})
        deleted = 0
        with translate_errors("delete_partition", container):
            docs = proxy.query_items(sql, parameters=parameters, partition_key=partition)
            ids = [str(d["id"]) for d in docs if str(d["id"]) not in kept]
        for start in range(0, len(ids), MAX_BATCH_OPERATIONS):
            chunk = ids[start : start + MAX_BATCH_OPERATIONS]
            try:
                with translate_errors("delete_partition", container):
                    proxy.execute_item_batch([("delete", (i,), {}) for i in chunk], partition_key=partition)
                deleted += len(chunk)
            except NotFound:  # one went meanwhile (a concurrent purge): the rest one by one
                for item_id in chunk:
                    with translate_errors("delete_partition", container):
                        try:
                            proxy.delete_item(item_id, partition_key=partition)
                            deleted += 1
                        except CosmosResourceNotFoundError:
                            pass
        return deleted

    def grouped(self) -> AbstractContextManager[None]:
        """Each call applies when it is made: Cosmos has transactions within one partition
        only (``batch``), and the port promises nothing more (the purge's groups span several)."""
        return contextlib.nullcontext()

    def check(self) -> None:
        database = self._database()  # a failed connect is BackendUnavailable already
        try:
            database.read()
        except AzureError as exc:  # any status, even 404: the store cannot serve
            raise BackendUnavailable("cosmos check failed") from exc
