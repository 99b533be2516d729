"""``LocalQueue``: the TaskQueue port in one SQLite file, for ``make run``, the CLI and tests.

The CLI, the dev host and test processes share the file, so every change runs in a
``BEGIN IMMEDIATE`` transaction (atomic across threads and processes) on a WAL-mode database.
Times are wall-clock seconds, the same in every process. Messages come out oldest first; one that
was received and not deleted becomes visible again after its visibility timeout, keeping its place.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from shared.adapters.private_files import connect_private_sqlite
from shared.adapters.queue_names import validate_body, validate_queue_name, validate_receive
from shared.clock import SystemClock
from shared.errors import BackendUnavailable, ConcurrencyConflict, NotFound
from shared.ports import Clock, QueuedMessage

__all__ = ["LocalQueue"]

logger = logging.getLogger(__name__)

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS messages ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " id TEXT NOT NULL UNIQUE,"
    " queue TEXT NOT NULL,"
    " body TEXT NOT NULL,"
    " visible_at REAL NOT NULL,"
    " dequeue_count INTEGER NOT NULL DEFAULT 0,"
    " receipt TEXT NOT NULL DEFAULT '',"
    " inserted_at REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS messages_visible ON messages (queue, visible_at, seq)",
)


class LocalQueue:
    """LOCAL STAND-IN for :class:`~shared.adapters.azure_queue.AzureStorageQueue`.

    Production refuses it at start-up (``CASEDESK_QUEUE=local``, ARCHITECTURE §8); it warns when
    constructed so nobody mistakes it for the real thing. Logs never carry a message body."""

    def __init__(self, path: str | Path, *, clock: Clock | None = None) -> None:
        self._path = Path(path)
        self._clock: Clock = clock or SystemClock()
        self._local = threading.local()
        self._ready = False
        self._ready_lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        logger.warning(
            "LocalQueue is a LOCAL stand-in for Azure Storage queues (%s); it is refused in production",
            self._path,
        )

    # -- TaskQueue ---------------------------------------------------------------------------
    def send(self, queue: str, body: str) -> None:
        validate_queue_name(queue)
        validate_body(body)
        now = self._now()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO messages (id, queue, body, visible_at, inserted_at) VALUES (?, ?, ?, ?, ?)",
                (str(uuid.uuid4()), queue, body, now, now),
            )

    def receive(
        self, queue: str, *, max_messages: int = 16, visibility_timeout: int = 30
    ) -> list[QueuedMessage]:
        validate_queue_name(queue)
        validate_receive(max_messages, visibility_timeout)
        now = self._now()
        taken: list[QueuedMessage] = []
        with self._write() as conn:
            rows = conn.execute(
                "SELECT seq, id, body, dequeue_count FROM messages "
                "WHERE queue = ? AND visible_at <= ? ORDER BY seq LIMIT ?",
                (queue, now, max_messages),
            ).fetchall()
            for seq, message_id, body, count in rows:
                receipt = secrets.token_urlsafe(16)
                conn.execute(
                    "UPDATE messages SET dequeue_count = ?, receipt = ?, visible_at = ? WHERE seq = ?",
                    (count + 1, receipt, now + visibility_timeout, seq),
                )
                taken.append(QueuedMessage(message_id, receipt, body, count + 1))
        return taken

    def delete(self, queue: str, message: QueuedMessage) -> None:
        validate_queue_name(queue)
        with self._write() as conn:
            row = conn.execute(
                "SELECT receipt FROM messages WHERE queue = ? AND id = ?", (queue, message.id)
            ).fetchone()
            if row is None:
                raise NotFound("no such queue message")
            if row[0] != message.receipt:
                raise ConcurrencyConflict("the queue message was received again since")
            conn.execute("DELETE FROM messages WHERE queue = ? AND id = ?", (queue, message.id))

    def check(self) -> None:
        try:
            self._conn().execute("SELECT 1 FROM messages LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise BackendUnavailable("the local queue database cannot be read", service="queue") from exc

    def close(self) -> None:
        """Close every connection this object opened (tests; the dev host keeps them)."""
        with self._ready_lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()
        self._local = threading.local()

    # -- SQLite ------------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                # 0600 in a 0700 directory, like the store beside it (shared.adapters.private_files).
                conn = connect_private_sqlite(
                    self._path, isolation_level=None, timeout=10.0, check_same_thread=False
                )
                conn.execute("PRAGMA synchronous=NORMAL")
            except (OSError, sqlite3.Error) as exc:
                raise BackendUnavailable(
                    "the local queue database cannot be opened", service="queue"
                ) from exc
            self._local.conn = conn
            with self._ready_lock:
                self._connections.append(conn)
        if not self._ready:
            with self._ready_lock:
                if not self._ready:
                    self._prepare(conn)
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> None:
        """Once per process: WAL mode (it needs a moment of exclusive access: retry) and the table."""
        for attempt in range(50):
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                for statement in _SCHEMA:
                    conn.execute(statement)
                break
            except sqlite3.OperationalError as exc:
                if attempt == 49:
                    raise BackendUnavailable(
                        "the local queue database stays locked", service="queue"
                    ) from exc
                time.sleep(0.05)
        self._ready = True

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise BackendUnavailable("the local queue database is busy", service="queue") from exc
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            with suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise BackendUnavailable("the local queue database failed", service="queue") from exc
            raise

    def _now(self) -> float:
        return self._clock.now().timestamp()
