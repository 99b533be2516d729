"""``MemoryQueue``: the TaskQueue port in a dict, for unit tests and for ``bootstrap.use`` when a
test passes no queue. It passes the same contract suite as the SQLite and Azure adapters."""

from __future__ import annotations

import itertools
import secrets
import threading
import uuid
from dataclasses import dataclass

from shared.adapters.queue_names import validate_body, validate_queue_name, validate_receive
from shared.clock import SystemClock
from shared.errors import ConcurrencyConflict, NotFound
from shared.ports import Clock, QueuedMessage

__all__ = ["MemoryQueue"]


@dataclass
class _Entry:
    id: str
    seq: int
    body: str
    visible_at: float
    dequeue_count: int = 0
    receipt: str = ""


class MemoryQueue:
    """Messages in process memory; visibility timeouts follow ``clock`` (a manual one in tests)."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock: Clock = clock or SystemClock()
        self._queues: dict[str, dict[str, _Entry]] = {}
        self._seq = itertools.count()
        self._lock = threading.Lock()

    def send(self, queue: str, body: str) -> None:
        validate_queue_name(queue)
        validate_body(body)
        entry = _Entry(str(uuid.uuid4()), next(self._seq), body, self._now())
        with self._lock:
            self._queues.setdefault(queue, {})[entry.id] = entry

    def receive(
        self, queue: str, *, max_messages: int = 16, visibility_timeout: int = 30
    ) -> list[QueuedMessage]:
        validate_queue_name(queue)
        validate_receive(max_messages, visibility_timeout)
        now = self._now()
        with self._lock:
            visible = sorted(
                (e for e in self._queues.get(queue, {}).values() if e.visible_at <= now), key=lambda e: e.seq
            )[:max_messages]
            taken = []
            for entry in visible:
                entry.dequeue_count += 1
                entry.receipt = secrets.token_urlsafe(16)
                entry.visible_at = now + visibility_timeout
                taken.append(QueuedMessage(entry.id, entry.receipt, entry.body, entry.dequeue_count))
        return taken

    def delete(self, queue: str, message: QueuedMessage) -> None:
        validate_queue_name(queue)
        with self._lock:
            entries = self._queues.get(queue, {})
            entry = entries.get(message.id)
            if entry is None:
                raise NotFound("no such queue message")
            if entry.receipt != message.receipt:
                raise ConcurrencyConflict("the queue message was received again since")
            del entries[message.id]

    def check(self) -> None:
        return None

    def _now(self) -> float:
        return self._clock.now().timestamp()
