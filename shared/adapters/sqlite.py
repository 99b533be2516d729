"""``SqliteStore``: the embedded default Store: one file, one table per container, WAL mode.

Every write that has a precondition runs in a ``BEGIN IMMEDIATE`` transaction, so check-and-set
is atomic across threads and processes (the dev host serves on several threads). Expired items
are invisible on every read (the port's rule); :meth:`SqliteStore.sweep_expired` deletes them.
:meth:`SqliteStore.grouped` runs a thread's writes in one transaction (the retention purge).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from shared.adapters import documents
from shared.adapters.private_files import connect_private_sqlite
from shared.errors import AlreadyExists, BackendUnavailable, ConcurrencyConflict, InvalidInput, NotFound
from shared.indexes import EMBEDDED_INDEXES
from shared.ports import (
    CONTAINERS,
    BatchOperation,
    Clock,
    Item,
    Page,
    PatchOperation,
    Query,
    Scalar,
)

__all__ = ["SqliteStore"]

_LIVE = "(expires IS NULL OR expires > ?)"


class SqliteStore:
    def __init__(self, path: Path, clock: Clock) -> None:
        self._path = path
        self._clock = clock
        self._local = threading.local()
        self._schema_ready = False
        self._schema_lock = threading.Lock()
        self._writer = threading.Lock()

    # -- connection and transactions -------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                # 0600 in a 0700 directory: names, e-mail addresses, password hashes, wrapped keys.
                conn = connect_private_sqlite(self._path, isolation_level=None, timeout=10.0)
                conn.execute("PRAGMA synchronous=NORMAL")
                # Reads through a memory map instead of a read() per page (the OS page cache
                # either way), and a larger page cache per connection: cheaper point reads. The
                # map covers files up to SQLite's own limit (2 GiB on Linux): a larger file read
                # its pages beyond 256 MiB with one pread() each (10,000 purged cases: 1.8 GB).
                conn.execute("PRAGMA mmap_size=2147418112")
                conn.execute("PRAGMA cache_size=-16384")
                # A checkpoint (two fsyncs) after ~40 MB of write-ahead log instead of ~4 MB:
                # it runs inside the commit that crosses the mark, under the writer lock, and a
                # page rewritten often (an index's) is copied once per checkpoint.
                conn.execute("PRAGMA wal_autocheckpoint=10000")
                # Statement journals (a multi-row write inside a transaction keeps one, to undo
                # just that statement) in memory, not in temporary files: a group's deletes
                # (``grouped``) wrote ~400 pages per purged case to files in /var/tmp.
                conn.execute("PRAGMA temp_store=MEMORY")
            except (OSError, sqlite3.Error) as exc:
                raise BackendUnavailable("the SQLite store cannot be opened") from exc
            self._local.conn = conn
        if not self._schema_ready:
            with self._schema_lock:
                if not self._schema_ready:
                    self._prepare(conn)
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> None:
        """Once per process: WAL mode (persistent in the file) and the tables. Switching to WAL
        needs a moment of exclusive access, which a busy new file may not give at once: retry."""
        for attempt in range(50):
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as exc:
                if attempt == 49:
                    raise BackendUnavailable("the SQLite store stays locked") from exc
                time.sleep(0.05)
        for container in CONTAINERS:
            conn.execute(
                f'CREATE TABLE IF NOT EXISTS "{container}" (pk TEXT NOT NULL, id TEXT NOT NULL, '
                "etag TEXT NOT NULL, expires REAL, doc TEXT NOT NULL, PRIMARY KEY (pk, id))"
            )
            by_type = f'CREATE INDEX IF NOT EXISTS "{container}_type" ON "{container}" '
            conn.execute(by_type + "(json_extract(doc, '$.type'))")
            # The list queries' own indexes (partition, fields…, id, expiry): a page is a range
            # scan that stops after the page, and a count reads the index alone — the expiry
            # is in it (shared/indexes.py; Cosmos indexes every path by itself).
            for fields in EMBEDDED_INDEXES[container]:
                name = _index_name(container, fields)
                columns = ", ".join(_json(f) for f in fields)
                create = f'CREATE INDEX IF NOT EXISTS "{name}" ON "{container}"'
                conn.execute(f"{create} (pk, {columns}, id, expires)")
        self._schema_ready = True

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        # SQLite has one writer at a time. Threads of this process queue on a Python lock, which
        # hands over the moment it is released; left to SQLite, a waiting writer polls with
        # sleeps of 1, 2, 5, 10… ms (its busy handler), which under concurrent requests cost
        # more than the writes. Other processes (the CLI) still meet the busy timeout.
        conn = self._conn()
        if self._in_group():  # the group's transaction is open: a savepoint keeps this write whole
            with self._savepoint(conn):
                yield conn
            return
        with self._writer:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def _statement(self) -> Iterator[sqlite3.Connection]:
        """One write statement, atomic by itself (no BEGIN/COMMIT around it): under the writer
        lock, or inside the calling thread's group, which holds the lock already."""
        conn = self._conn()
        if self._in_group():
            yield conn
            return
        with self._writer:
            yield conn

    @staticmethod
    @contextmanager
    def _savepoint(conn: sqlite3.Connection) -> Iterator[None]:
        conn.execute("SAVEPOINT part")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK TO part")
            conn.execute("RELEASE part")
            raise
        conn.execute("RELEASE part")

    def _in_group(self) -> bool:
        return bool(getattr(self._local, "group", False))

    @contextmanager
    def grouped(self) -> Iterator[None]:
        """The calling thread's writes until the block ends in ONE transaction (the port's
        :meth:`~shared.ports.Store.grouped`): one commit, and each page they touch written to
        the write-ahead log once, instead of once per call. Reads in the block see its writes;
        other connections see them when it ends. A batch in it stays all or nothing (a
        savepoint), and so does a group inside it: if the inner block raises, its writes are
        undone and the outer one goes on. If the outer block raises, all of it is undone. The
        writer lock is held for the whole block, so other writers of this process wait."""
        conn = self._conn()
        if self._in_group():
            with self._savepoint(conn):
                yield
            return
        with self._writer:
            conn.execute("BEGIN IMMEDIATE")
            self._local.group = True
            try:
                yield
            except BaseException:
                self._local.group = False
                conn.execute("ROLLBACK")
                raise
            self._local.group = False
            try:
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                conn.execute("ROLLBACK")
                raise BackendUnavailable("the SQLite store could not commit") from exc

    def _now(self) -> float:
        return self._clock.now().timestamp()

    # -- single-row primitives (run inside a transaction or a read) -------------------------
    def _get(
        self, conn: sqlite3.Connection, container: str, partition: str, id: str
    ) -> tuple[Item, str] | None:
        table = _table(container)
        row = conn.execute(
            f'SELECT doc, etag FROM "{table}" WHERE pk = ? AND id = ? AND {_LIVE}',  # noqa: S608 - table from CONTAINERS
            (partition, id, self._now()),
        ).fetchone()
        return (json.loads(row[0]), row[1]) if row else None

    def _existing(
        self, conn: sqlite3.Connection, container: str, partition: str, id: str, if_match: str | None
    ) -> tuple[Item, str]:
        found = self._get(conn, container, partition, id)
        if found is None:
            raise NotFound("item not found")
        if if_match is not None and found[1] != if_match:
            raise ConcurrencyConflict("the item was changed by someone else")
        return found

    def _put(
        self,
        conn: sqlite3.Connection,
        container: str,
        item: Item,
        *,
        mode: str,
        if_match: str | None,
        prepared: tuple[Item, str, str, str] | None = None,
    ) -> Item:
        doc, text, partition, item_id = prepared or documents.prepare_encoded(
            container, item, self._clock.now()
        )
        if mode == "replace":
            self._existing(conn, container, partition, item_id, if_match)
        etag = f'"{uuid.uuid4()}"'
        row = (partition, item_id, etag, doc.get(documents.EXPIRES), text)
        insert = f'INSERT INTO "{_table(container)}" (pk, id, etag, expires, doc) VALUES (?, ?, ?, ?, ?)'  # noqa: S608
        if mode == "create":
            # The primary key refuses an existing id; only then is it worth telling an expired
            # item (invisible, so replaced) from a live one.
            try:
                conn.execute(insert, row)
            except sqlite3.IntegrityError:
                if self._get(conn, container, partition, item_id) is not None:
                    raise AlreadyExists("an item with this id exists") from None
            else:
                return documents.public_view(doc, etag, fresh=True)
        conn.execute(insert.replace("INSERT INTO", "INSERT OR REPLACE INTO", 1), row)
        return documents.public_view(doc, etag, fresh=True)

    def _delete(
        self, conn: sqlite3.Connection, container: str, partition: str, id: str, if_match: str | None
    ) -> None:
        if if_match is None:  # no need to read (and decode) the item: the row count tells
            self._delete_live(conn, container, partition, [id])
            return
        self._existing(conn, container, partition, id, if_match)
        conn.execute(f'DELETE FROM "{_table(container)}" WHERE pk = ? AND id = ?', (partition, id))  # noqa: S608

    def _delete_live(
        self, conn: sqlite3.Connection, container: str, partition: str, ids: Sequence[str]
    ) -> None:
        """Delete these live items of one partition — all, or none and ``NotFound`` if one is
        missing or expired — in ONE statement, atomic by itself: outside a transaction it needs
        no BEGIN/COMMIT, so the writer lock is held for one statement only (each statement
        hands the GIL back and forth, which costs most when many threads write). The guard is
        an uncorrelated subquery, evaluated once, before the first row goes."""
        table = _table(container)
        marks = ", ".join("?" * len(ids))
        live = f"pk = ? AND id IN ({marks}) AND {_LIVE}"
        args = (partition, *ids, self._now())
        cursor = conn.execute(
            f'DELETE FROM "{table}" WHERE {live} AND (SELECT COUNT(*) FROM "{table}" WHERE {live}) = ?',  # noqa: S608
            (*args, *args, len(ids)),
        )
        if cursor.rowcount != len(ids):
            raise NotFound("item not found")

    # -- Store -----------------------------------------------------------------------------
    def read(self, container: str, partition: str, id: str) -> Item:
        doc, etag = self._existing(self._conn(), container, partition, id, None)
        return documents.public_view(doc, etag, fresh=True)

    def read_many(self, container: str, partition: str, ids: Sequence[str]) -> dict[str, Item]:
        wanted = documents.check_read_many(ids)
        if not wanted:
            return {}
        marks = ", ".join("?" * len(wanted))
        rows = self._conn().execute(
            f'SELECT doc, etag FROM "{_table(container)}" WHERE pk = ? AND id IN ({marks}) AND {_LIVE}',  # noqa: S608
            (partition, *wanted, self._now()),
        )
        found = (documents.public_view(json.loads(doc), etag, fresh=True) for doc, etag in rows.fetchall())
        return {str(item["id"]): item for item in found}

    def read_points(self, container: str, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Item]:
        wanted = documents.check_read_points(keys)
        if not wanted:
            return {}
        pairs = " OR ".join(["(pk = ? AND id = ?)"] * len(wanted))
        rows = self._conn().execute(
            f'SELECT pk, doc, etag FROM "{_table(container)}" WHERE ({pairs}) AND {_LIVE}',  # noqa: S608
            (*[v for key in wanted for v in key], self._now()),
        )
        found: dict[tuple[str, str], Item] = {}
        for pk, doc, etag in rows.fetchall():
            item = documents.public_view(json.loads(doc), etag, fresh=True)
            found[(str(pk), str(item["id"]))] = item
        return found

    def create(self, container: str, item: Item) -> Item:
        # The common case in one statement (SQLite makes a lone INSERT atomic by itself): the
        # primary key refuses an existing id. Only then is it worth a transaction, to tell an
        # expired item (invisible, so replaced) from a live one (AlreadyExists).
        doc, text, partition, item_id = documents.prepare_encoded(container, item, self._clock.now())
        etag = f'"{uuid.uuid4()}"'
        try:
            with self._statement() as conn:
                conn.execute(
                    f'INSERT INTO "{_table(container)}" (pk, id, etag, expires, doc) VALUES (?, ?, ?, ?, ?)',  # noqa: S608
                    (partition, item_id, etag, doc.get(documents.EXPIRES), text),
                )
        except sqlite3.IntegrityError:
            with self._write() as conn:
                return self._put(conn, container, item, mode="create", if_match=None)
        return documents.public_view(doc, etag, fresh=True)

    def upsert(self, container: str, item: Item) -> Item:
        with self._write() as conn:
            return self._put(conn, container, item, mode="upsert", if_match=None)

    def replace(self, container: str, item: Item, *, if_match: str) -> Item:
        with self._write() as conn:
            return self._put(conn, container, item, mode="replace", if_match=if_match)

    def delete(self, container: str, partition: str, id: str, *, if_match: str | None = None) -> None:
        if if_match is None:  # one statement, atomic by itself: no transaction around it
            with self._statement() as conn:
                self._delete_live(conn, container, partition, [id])
            return
        with self._write() as conn:
            self._delete(conn, container, partition, id, if_match)

    def patch(
        self,
        container: str,
        partition: str,
        id: str,
        operations: Sequence[PatchOperation],
        *,
        if_match: str | None = None,
    ) -> Item:
        with self._write() as conn:
            doc, _ = self._existing(conn, container, partition, id, if_match)
            patched = documents.apply_patch(doc, operations, documents.partition_field(container))
            return self._put(conn, container, patched, mode="upsert", if_match=None)

    def _where(self, partition: str, query: Query) -> tuple[list[str], list[Any]]:
        """The WHERE clauses and arguments of ``query`` in ``partition`` (names validated)."""
        documents.validate_query(query)
        where = ["pk = ?", _LIVE]
        args: list[Any] = [partition, self._now()]
        for name, value in query.equals.items():
            if value is None:
                where.append(f"json_type(doc, '$.{name}') = 'null'")
            else:
                where.append(f"{_json(name)} = ?")
                args.append(value)
        if query.range_field:
            # The id is its own column (the primary key's second part: a range on it is a seek).
            column = "id" if query.range_field == "id" else _json(query.range_field)
            where.append(f"{column} IS NOT NULL")
            if query.gte is not None:
                where.append(f"{column} >= ?")
                args.append(query.gte)
            if query.lt is not None:
                where.append(f"{column} < ?")
                args.append(query.lt)
        return where, args

    def count(self, container: str, partition: str, query: Query) -> int:
        where, args = self._where(partition, query)
        sql = f'SELECT COUNT(*) FROM "{_table(container)}" WHERE {" AND ".join(where)}'  # noqa: S608
        return int(self._conn().execute(sql, args).fetchone()[0])

    def query(self, container: str, partition: str, query: Query) -> Page:
        where, args = self._where(partition, query)
        direction = "DESC" if query.descending else "ASC"
        field = "id" if query.order_by == "id" else _json(query.order_by)
        if query.continuation:
            clause, values = _after(field, query.descending, *documents.keyset_after(query.continuation))
            where.append(clause)
            args += values
        order = f"ORDER BY id {direction}"
        if field != "id":
            order = f"ORDER BY {field} {direction}, id {direction}"
        table = _table(container)
        sql = f'SELECT doc, etag FROM "{table}" WHERE {" AND ".join(where)} {order} LIMIT ?'  # noqa: S608
        rows = self._conn().execute(sql, (*args, query.limit + 1)).fetchall()
        items = [
            documents.public_view(json.loads(doc), etag, fresh=True) for doc, etag in rows[: query.limit]
        ]
        more = len(rows) > query.limit
        token = documents.keyset_token(items[-1], query.order_by) if more else None
        return Page(items=items, continuation=token)

    def batch(
        self, container: str, partition: str, operations: Sequence[BatchOperation]
    ) -> list[Item | None]:
        pk_field = documents.partition_field(container)
        documents.check_batch_limits(operations)
        # Validate and encode every item before taking the write lock: the lock is then held for
        # the database work only (the relay writes batches of ~100 items).
        now = self._clock.now()
        prepared: list[tuple[Item, str, str, str] | None] = []
        for op in operations:
            if op.op == "delete":
                if op.id is None:
                    raise InvalidInput("a batch delete needs an id")
                prepared.append(None)
                continue
            if op.item is None or op.item.get(pk_field) != partition:
                raise InvalidInput("every item of a batch must be in the batch's partition")
            if op.op not in ("create", "upsert", "replace"):
                raise InvalidInput(f"unknown batch operation {op.op!r}")
            prepared.append(documents.prepare_encoded(container, op.item, now))
        ids = [str(op.id) for op in operations]
        if all(op.op == "delete" and op.if_match is None for op in operations) and len(set(ids)) == len(ids):
            # Only unconditional deletes (the purges'): one statement, all or none.
            with self._statement() as conn:
                self._delete_live(conn, container, partition, ids)
            return [None] * len(ids)
        results: list[Item | None] = []
        with self._write() as conn:  # one transaction: all steps or none
            for op, ready in zip(operations, prepared, strict=True):
                if ready is None:
                    self._delete(conn, container, partition, str(op.id), op.if_match)
                    results.append(None)
                else:
                    item = op.item or {}
                    results.append(
                        self._put(conn, container, item, mode=op.op, if_match=op.if_match, prepared=ready)
                    )
        return results

    def scan(self, container: str, *, equals: Mapping[str, Scalar] | None = None) -> Iterator[Item]:
        # The filters run in SQL: the relay scans for pending effects every few seconds, and the
        # index on ``type`` (see _prepare) makes that cost what it finds, not the table's size.
        where: list[str] = [_LIVE]
        args: list[Any] = [self._now()]
        for name, value in (equals or {}).items():
            documents.validate_query(Query(equals={name: value}))
            if value is None:
                where.append(f"json_type(doc, '$.{name}') = 'null'")
            else:
                where.append(f"json_extract(doc, '$.{name}') = ?")
                args.append(value)
        rows = self._conn().execute(
            f'SELECT doc, etag FROM "{_table(container)}" WHERE {" AND ".join(where)} ORDER BY pk, id',  # noqa: S608
            args,
        )
        for doc_text, etag in rows.fetchall():
            doc = json.loads(doc_text)
            if all(doc.get(k) == v for k, v in (equals or {}).items()):  # JSON types, exactly
                yield documents.public_view(doc, etag, fresh=True)

    def scan_page(self, container: str, *, limit: int = 100, continuation: str | None = None) -> Page:
        # The primary key (pk, id) is the order: a page is a range seek, whatever the table's size.
        documents.check_scan_limit(limit)
        where: list[str] = [_LIVE]
        args: list[Any] = [self._now()]
        if continuation:
            partition, last_id = documents.scan_after(continuation)
            where.append("(pk, id) > (?, ?)")  # a row value: a seek on the primary key
            args += [partition, last_id]
        sql = (
            f'SELECT pk, id, doc, etag FROM "{_table(container)}" WHERE {" AND ".join(where)} '  # noqa: S608
            "ORDER BY pk, id LIMIT ?"
        )
        rows = self._conn().execute(sql, (*args, limit + 1)).fetchall()
        items = [documents.public_view(json.loads(doc), etag, fresh=True) for _, _, doc, etag in rows[:limit]]
        token = documents.scan_token(rows[limit - 1][0], rows[limit - 1][1]) if len(rows) > limit else None
        return Page(items=items, continuation=token)

    def delete_partition(
        self,
        container: str,
        partition: str,
        *,
        keep: Collection[str] = (),
        equals: Mapping[str, Scalar] | None = None,
    ) -> int:
        # One statement, atomic by itself: the partition (or what ``equals`` selects) goes at
        # once or not at all. Expired items too: no expiry clause.
        documents.validate_query(Query(equals=equals or {}))
        where: list[str] = ["pk = ?"]
        args: list[Any] = [partition]
        for name, value in (equals or {}).items():  # the same filters as a query's (``_where``)
            if value is None:
                where.append(f"json_type(doc, '$.{name}') = 'null'")
            else:
                where.append(f"{_json(name)} = ?")
                args.append(value)
        kept = sorted({str(i) for i in keep})
        if kept:
            where.append(f"id NOT IN ({', '.join('?' * len(kept))})")
            args += kept
        sql = f'DELETE FROM "{_table(container)}" WHERE {" AND ".join(where)}'  # noqa: S608 - table from CONTAINERS
        with self._statement() as conn:  # one statement, atomic by itself
            return int(conn.execute(sql, args).rowcount)

    def sweep_expired(self) -> int:
        """Physically delete expired items (Cosmos does this by itself). Returns the count."""
        removed = 0
        with self._write() as conn:
            for container in CONTAINERS:
                cursor = conn.execute(f'DELETE FROM "{container}" WHERE expires <= ?', (self._now(),))  # noqa: S608
                removed += cursor.rowcount
        return removed

    def check(self) -> None:
        try:
            self._conn().execute("SELECT 1").fetchone()
        except sqlite3.Error as exc:
            raise BackendUnavailable("the SQLite store does not answer") from exc


def _index_name(container: str, fields: tuple[str, ...]) -> str:
    """A list index's name. ``<container>_type`` is the cross-partition index on the type alone,
    so a list index on the type alone is ``<container>_pk_type``: with the same name, ``CREATE
    INDEX IF NOT EXISTS`` would skip it and every query of one type would scan its partition."""
    if fields == ("type",):
        return f"{container}_pk_type"
    return f"{container}_{'_'.join(fields)}"


def _json(field: str) -> str:
    """A top-level field as SQL — the same text in queries and indexes, so SQLite matches them."""
    return f"json_extract(doc, '$.{field}')"


def _after(field: str, descending: bool, value: Scalar, last_id: str) -> tuple[str, list[Any]]:
    """The keyset condition "after (value, last_id)" in the order (field, id): SQLite sorts
    NULL (a missing field) before every value, so a null position needs its own form."""
    if field == "id":
        return ("id < ?" if descending else "id > ?"), [last_id]
    if value is None:
        if descending:
            return f"({field} IS NULL AND id < ?)", [last_id]
        return f"(({field} IS NULL AND id > ?) OR {field} IS NOT NULL)", [last_id]
    if descending:
        return f"({field} < ? OR ({field} = ? AND id < ?) OR {field} IS NULL)", [value, value, last_id]
    return f"({field} > ? OR ({field} = ? AND id > ?))", [value, value, last_id]


def _table(container: str) -> str:
    documents.partition_field(
        container
    )  # raises for unknown containers: table names come from CONTAINERS only
    return container
