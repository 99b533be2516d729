"""The ports: what the core needs from the outside world, as ``typing.Protocol`` interfaces.

Capability code is written once against these; ``shared/adapters`` holds one implementation per
technology (see ARCHITECTURE §3–5), and ``tests/contract`` runs one suite per port over all of them.

Store semantics (shaped after Cosmos DB, the production adapter):

* An item is a JSON object with a string ``id`` and the container's partition-key field
  (see :data:`CONTAINERS`). Reads return the item plus ``_etag`` (opaque, changes on every write).
  Fields starting with ``_`` are reserved for the store and are stripped from what callers write.
* ``ttl`` (seconds, optional) makes an item expire that long after its last write. Expiry is a
  read-time rule of every adapter: an expired item is invisible to reads, queries and
  preconditions, whether or not it has been physically deleted yet (Cosmos deletes lazily,
  the emulator never does, SQLite sweeps).
* Queries run inside one partition only. Cross-partition scans exist (:meth:`Store.scan`) but are
  for timers and admin tools, never a user request path.
* Items are limited to :data:`MAX_ITEM_BYTES` of JSON, the same everywhere, so code that works on
  SQLite cannot produce an item Cosmos would reject.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    # Only for the annotations of :class:`Ports`: ``case_keys`` imports this module.
    from shared.config import Environment
    from shared.crypto.case_keys import CaseCipher, CaseKeys

__all__ = [
    "CONTAINERS",
    "MAX_BATCH_BYTES",
    "MAX_BATCH_OPERATIONS",
    "MAX_ITEM_BYTES",
    "MAX_PATCH_OPERATIONS",
    "MAX_READ_MANY",
    "BatchOperation",
    "BlobStore",
    "Clock",
    "Email",
    "Item",
    "Kek",
    "KeyRing",
    "Mailer",
    "Page",
    "PatchOperation",
    "Ports",
    "Query",
    "QueuedMessage",
    "Store",
    "TaskQueue",
]

Item = dict[str, Any]
Scalar = str | int | float | bool | None

#: Container name → partition-key field (ARCHITECTURE §3). One place; adapters create from it.
CONTAINERS: Mapping[str, str] = {
    "cases": "caseId",
    "users": "userId",
    "directory": "key",
    "orgs": "orgId",
    "audit": "scope",
    "keys": "caseId",
    "sessions": "id",
    "outbox": "mailbox",
}

#: Cosmos DB rejects items over 2 MiB of JSON; we keep a margin for the system properties it adds.
MAX_ITEM_BYTES = 2 * 1024 * 1024 - 16 * 1024
#: Cosmos DB's limits of one transactional batch: operations, and total JSON size.
MAX_BATCH_OPERATIONS = 100
MAX_BATCH_BYTES = 2 * 1024 * 1024
#: Cosmos DB's limit of operations in one patch request.
MAX_PATCH_OPERATIONS = 10
#: Ids in one :meth:`Store.read_many` (one query; keeps its cost and its parameters small).
MAX_READ_MANY = 100


@dataclass(frozen=True)
class Query:
    """A query inside one partition.

    ``equals`` filters top-level fields by equality; ``range_field`` with ``gte``/``lt`` restricts
    one field to a half-open interval; results are ordered by ``order_by`` (default ``id``) and
    cut into pages of ``limit`` items, continued with the token of the previous :class:`Page`.
    """

    equals: Mapping[str, Scalar] = field(default_factory=dict)
    range_field: str | None = None
    gte: Scalar = None
    lt: Scalar = None
    order_by: str = "id"
    descending: bool = False
    limit: int = 100
    continuation: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[Item]
    continuation: str | None


@dataclass(frozen=True)
class PatchOperation:
    """A partial update of one field. ``path`` is JSON-pointer-like (``/a/b``)."""

    op: Literal["set", "remove", "incr"]
    path: str
    value: Any = None


@dataclass(frozen=True)
class BatchOperation:
    """One step of a transactional batch; all steps succeed together or none is applied."""

    op: Literal["create", "upsert", "replace", "delete"]
    item: Item | None = None
    id: str | None = None
    if_match: str | None = None


class Store(Protocol):
    """A Cosmos-shaped document store. Raises ``NotFound``, ``AlreadyExists``,
    ``ConcurrencyConflict``, ``ItemTooLarge``, ``InvalidInput`` or ``BackendUnavailable``."""

    def read(self, container: str, partition: str, id: str) -> Item: ...

    def read_many(self, container: str, partition: str, ids: Sequence[str]) -> dict[str, Item]:
        """The items of one partition with these ids (at most :data:`MAX_READ_MANY`), by id;
        missing and expired ones are simply absent. One round trip instead of one per id."""
        ...

    def read_points(self, container: str, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Item]:
        """The items with these (partition, id) keys, across partitions (at most
        :data:`MAX_READ_MANY`), by key; missing and expired ones are simply absent. One call for
        a page's worth of point reads (the profiles of a list's people), never a scan."""
        ...

    def create(self, container: str, item: Item) -> Item: ...

    def upsert(self, container: str, item: Item) -> Item: ...

    def replace(self, container: str, item: Item, *, if_match: str) -> Item: ...

    def delete(self, container: str, partition: str, id: str, *, if_match: str | None = None) -> None: ...

    def patch(
        self,
        container: str,
        partition: str,
        id: str,
        operations: Sequence[PatchOperation],
        *,
        if_match: str | None = None,
    ) -> Item: ...

    def query(self, container: str, partition: str, query: Query) -> Page: ...

    def count(self, container: str, partition: str, query: Query) -> int:
        """How many items of one partition the query's filters select (order, limit and
        continuation are ignored): one call, whatever the number — never read them to count."""
        ...

    def batch(
        self, container: str, partition: str, operations: Sequence[BatchOperation]
    ) -> list[Item | None]: ...

    def scan(self, container: str, *, equals: Mapping[str, Scalar] | None = None) -> Iterator[Item]:
        """All unexpired items of a container across partitions. Timers and admin tools only."""
        ...

    def delete_partition(
        self,
        container: str,
        partition: str,
        *,
        keep: Collection[str] = (),
        equals: Mapping[str, Scalar] | None = None,
    ) -> int:
        """Delete every item of one partition (expired ones too) — with ``equals``, only those
        whose fields equal these values, as a :class:`Query` filters — except the ids in
        ``keep``; returns how many went. Nothing is read back. Idempotent (an empty partition
        is no error). One statement on SQLite; on Cosmos one query for the ids and pages of
        transactional batch deletes, so not atomic there: a run that dies half-way leaves a part,
        which the next call takes. The retention purge only."""
        ...

    def grouped(self) -> AbstractContextManager[None]:
        """Group the calling thread's store calls until the block ends, where the adapter can:
        SQLite runs them in ONE transaction (one commit and one write-ahead-log write of each
        page touched instead of one per call; reads in the block see its writes, other threads
        see them at the end); memory and Cosmos apply each call when it is made, as without it.
        A batch in a group stays all or nothing. A group in a group is a part of it: if the inner
        block raises, its writes are undone (SQLite) or kept (memory, Cosmos), and the outer
        block may go on. If the outer block raises, its writes are undone (SQLite) or kept.
        So nothing is atomic that would not be without it: only jobs that a rerun finishes from
        whatever was kept use it (the retention purge). On SQLite it holds the writer lock for
        the whole block (other writers of the process wait): keep it short, never wait in it."""
        ...

    def scan_page(self, container: str, *, limit: int = 100, continuation: str | None = None) -> Page:
        """Up to ``limit`` (1–1000) unexpired items of a container across partitions, in the
        order (partition key, id), continued after the last one with ``continuation`` (a
        position, so items written meanwhile never repeat or shift the rest). One bounded call
        per page: what the backup export pages with. Timers and admin tools only."""
        ...

    def check(self) -> None:
        """Raise ``BackendUnavailable`` unless the store answers. Used by the health function."""
        ...


class BlobStore(Protocol):
    """Opaque named blobs (ciphertext only; names are ids, never user file names)."""

    def put(self, name: str, data: bytes | bytearray | memoryview, *, overwrite: bool = False) -> None: ...

    def get(self, name: str) -> bytes: ...

    def delete(self, name: str) -> None: ...

    def exists(self, name: str) -> bool: ...

    def list(self, prefix: str = "") -> Iterator[str]: ...

    def delete_prefix(self, prefix: str) -> int:
        """Delete every blob whose name starts with ``prefix`` (which must end with ``/``: a
        whole "folder", never a partial name); returns how many went. Idempotent. Locally one
        directory sync for all of them, on Azure batch requests of 256. The retention purge only."""
        ...

    def check(self) -> None: ...


@dataclass(frozen=True)
class Kek:
    """One version of the key-encryption key: 32 random bytes and the version that names them."""

    version: str
    key: bytes = field(repr=False)


@runtime_checkable
class KeyRing(Protocol):
    """Holds the key-encryption key (KEK) in its versions. Case data keys are wrapped by it
    (``shared/crypto/case_keys.py``); the KEK itself never leaves the key ring's backing store
    except into process memory."""

    def current(self) -> Kek: ...

    def get(self, version: str) -> Kek: ...

    def rotate(self) -> Kek:
        """Create a new current version; older versions stay readable for unwrapping."""
        ...

    def check(self) -> None: ...


@dataclass(frozen=True)
class Email:
    """An outgoing e-mail. Bodies carry links, never case content (SPEC §4)."""

    to: str
    subject: str
    text: str
    html: str
    language: str = "en"
    tag: str = ""
    #: Idempotency key (the pending effect's id): a mailer sends each key at most once where it
    #: can tell (the outbox always; ACS through its operation id).
    key: str = ""


class Mailer(Protocol):
    def send(self, email: Email) -> str:
        """Send (or queue) the e-mail and return a message id."""
        ...

    def check(self) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


@dataclass(frozen=True)
class QueuedMessage:
    """A message taken from a :class:`TaskQueue`. ``receipt`` proves who took it last (Azure's pop
    receipt): only the latest receiver can delete it. ``dequeue_count`` counts the receives so far,
    this one included."""

    id: str
    receipt: str = field(repr=False)
    body: str = field(repr=False)
    dequeue_count: int


class TaskQueue(Protocol):
    """A durable queue of small text messages (Azure Storage queue semantics, at-least-once).

    Queue names follow Azure's rules (3–63 lowercase letters, digits and single dashes, starting
    and ending with a letter or digit); anything else is ``InvalidInput``. Bodies are text of at
    most 48 KiB in UTF-8 (``ItemTooLarge`` otherwise): references to work, never personal data.
    Raises ``NotFound``, ``ConcurrencyConflict`` or ``BackendUnavailable`` as described below.
    """

    def send(self, queue: str, body: str) -> None: ...

    def receive(
        self, queue: str, *, max_messages: int = 16, visibility_timeout: int = 30
    ) -> list[QueuedMessage]:
        """Up to ``max_messages`` (1–32) visible messages, oldest first. Each is hidden for
        ``visibility_timeout`` seconds (1–604800) and its ``dequeue_count`` goes up by one; if it
        is not deleted meanwhile, it becomes visible again. An empty or missing queue gives []."""
        ...

    def delete(self, queue: str, message: QueuedMessage) -> None:
        """Remove a received message. ``NotFound`` if it is gone; ``ConcurrencyConflict`` if it
        was received again since (its receipt is stale)."""
        ...

    def check(self) -> None: ...


@dataclass(frozen=True)
class Ports:
    """One set of adapters, built by ``shared.bootstrap`` (the composition root) and handed to
    the services. Declared here so services depend on the ports, not on the wiring."""

    environment: Environment
    store: Store
    blobs: BlobStore
    key_ring: KeyRing
    mailer: Mailer
    clock: Clock
    case_keys: CaseKeys
    cipher: CaseCipher
    queue: TaskQueue
