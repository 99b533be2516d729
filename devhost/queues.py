"""Queue-triggered functions, run the way the Functions host runs them.

One daemon thread per queue function polls its queue through the TaskQueue port
(``shared.bootstrap.ports().queue``: the local SQLite queue under ``make run``, Azurite or Azure
with ``CASEDESK_QUEUE=azure``), in batches of host.json ``batchSize``, polling again at once while
there is work and backing off to ``maxPollingInterval`` (at most 1 s here) when the queue is empty.

Each message received is hidden for host.json ``visibilityTimeout`` and handed to the function as
an ``azure.functions.QueueMessage``. On success it is deleted. On failure it stays, and comes back
after the visibility timeout with its dequeue count one higher; a message whose dequeue count has
reached ``maxDequeueCount`` when it fails (or that arrives above it, after a crash) is copied to
``<queue>-poison`` and deleted — what the Azure host does. A function and its queue are one unit:
a per-function lock keeps the poller and an on-demand drain (``POST /admin/queues/<queue>/drain``)
from running at once. Logs name the function and the message id, never the body.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from azure.functions.queue import QueueMessage

from devhost.invoke import Invoker
from devhost.loader import QueueSettings, QueueSpec
from shared.adapters.queue_names import poison_queue
from shared.errors import ConcurrencyConflict, NotFound
from shared.ports import QueuedMessage, TaskQueue

__all__ = ["DrainResult", "QueueService"]

log = logging.getLogger("devhost.queues")
_MIN_POLL = 0.05  # seconds between polls right after a message, doubling up to the maximum
_RETRY_BACKEND = 5.0  # seconds to wait after the queue backend failed


def _configured_queue() -> TaskQueue:
    from shared import bootstrap  # noqa: PLC0415 - built on first poll, after the settings were checked

    return bootstrap.ports().queue


@dataclass
class DrainResult:
    """Counts of one drain: ``processed`` ran successfully (and were deleted), ``failed`` raised,
    ``poisoned`` went to the poison queue (failed for the last time, or arrived above the limit)."""

    processed: int = 0
    failed: int = 0
    poisoned: int = 0

    def add(self, other: DrainResult) -> None:
        self.processed += other.processed
        self.failed += other.failed
        self.poisoned += other.poisoned


class QueueService:
    def __init__(
        self,
        queues: list[QueueSpec],
        invoker: Invoker,
        settings: QueueSettings,
        port: Callable[[], TaskQueue] = _configured_queue,
    ) -> None:
        self._specs = {q.function.name.lower(): q for q in queues}
        self._locks = {name: threading.Lock() for name in self._specs}
        self._invoker = invoker
        self._settings = settings
        self._port = port
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def __contains__(self, name: str) -> bool:
        """Is there a queue function of this name (case-insensitive, like function names)?"""
        return name.lower() in self._specs

    @property
    def specs(self) -> list[QueueSpec]:
        return list(self._specs.values())

    def listens_to(self, queue: str) -> bool:
        return any(spec.queue_name == queue for spec in self._specs.values())

    def start(self) -> None:
        for spec in self._specs.values():
            thread = threading.Thread(
                target=self._loop, args=(spec,), name=f"devhost-queue-{spec.function.name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def drain(self, queue: str) -> DrainResult:
        """Process every message visible on ``queue`` now, once, with the functions that listen to
        it; return the counts. Messages that fail stay hidden for the visibility timeout, so they
        are not tried twice in one drain."""
        total = DrainResult()
        for spec in self._specs.values():
            if spec.queue_name == queue:
                total.add(self._drain(spec))
        return total

    def run_now(self, name: str, body: str) -> bool:
        """Invoke a queue function once with ``body``, in the background, without a queue
        (``POST /admin/functions/<name>`` with ``{"input": ...}``, as on Azure). False if unknown."""
        spec = self._specs.get(name.lower())
        if spec is None:
            return False
        message = QueuedMessage(f"admin-{uuid.uuid4()}", "", body, 1)

        def run() -> None:
            try:
                self._invoker.call(spec.function, _trigger_value(message))
            except Exception:
                log.exception("queue function %s failed on admin input %s", spec.function.name, message.id)

        threading.Thread(target=run, name=f"devhost-run-{spec.function.name}", daemon=True).start()
        return True

    # -- polling ---------------------------------------------------------------------------------
    def _loop(self, spec: QueueSpec) -> None:
        delay = _MIN_POLL
        failing = False
        while not self._stop.is_set():
            try:
                result = self._drain(spec, once=True)
            except Exception:
                if not failing:  # once per outage, not once per poll
                    log.exception(
                        "queue %s: receiving failed; retrying every %.0f s", spec.queue_name, _RETRY_BACKEND
                    )
                failing = True
                self._stop.wait(_RETRY_BACKEND)
                continue
            if failing:
                log.info("queue %s: receiving works again", spec.queue_name)
                failing = False
            busy = result.processed + result.failed + result.poisoned > 0
            delay = _MIN_POLL if busy else min(delay * 2, self._settings.max_polling_interval)
            self._stop.wait(0 if busy else delay)

    def _drain(self, spec: QueueSpec, *, once: bool = False) -> DrainResult:
        """One batch (``once``) or batches until the queue shows nothing new."""
        result = DrainResult()
        seen: set[str] = set()
        with self._locks[spec.function.name.lower()]:
            port = self._port()
            while True:
                batch = port.receive(
                    spec.queue_name,
                    max_messages=self._settings.batch_size,
                    visibility_timeout=self._settings.visibility_timeout,
                )
                fresh = [m for m in batch if m.id not in seen]
                for message in fresh:
                    seen.add(message.id)
                    self._process(spec, port, message, result)
                if once or not fresh:
                    return result

    def _process(self, spec: QueueSpec, port: TaskQueue, message: QueuedMessage, result: DrainResult) -> None:
        name, limit = spec.function.name, self._settings.max_dequeue_count
        if message.dequeue_count > limit:  # failed its last try without coming back (a crash)
            self._poison(spec, port, message)
            result.poisoned += 1
            return
        log.info(
            "queue function %s: message %s (try %d of %d)", name, message.id, message.dequeue_count, limit
        )
        try:
            self._invoker.call(spec.function, _trigger_value(message))
        except Exception:
            result.failed += 1
            log.exception(
                "queue function %s failed on message %s (try %d of %d)",
                name,
                message.id,
                message.dequeue_count,
                limit,
            )
            if message.dequeue_count >= limit:
                self._poison(spec, port, message)
                result.poisoned += 1
            return
        result.processed += 1
        self._delete(spec, port, message)

    def _poison(self, spec: QueueSpec, port: TaskQueue, message: QueuedMessage) -> None:
        target = poison_queue(spec.queue_name)
        port.send(target, message.body)
        log.warning(
            "queue function %s: message %s moved to %s after %d tries",
            spec.function.name,
            message.id,
            target,
            message.dequeue_count,
        )
        self._delete(spec, port, message)

    @staticmethod
    def _delete(spec: QueueSpec, port: TaskQueue, message: QueuedMessage) -> None:
        try:
            port.delete(spec.queue_name, message)
        except (ConcurrencyConflict, NotFound):
            # Its visibility timeout ran out while the function ran, and it was taken again.
            log.warning(
                "queue function %s: message %s was received again before it could be deleted; "
                "it will run again (raise host.json visibilityTimeout above the function's run time)",
                spec.function.name,
                message.id,
            )


def _trigger_value(message: QueuedMessage) -> QueueMessage:
    # azure-functions leaves QueueMessage.__init__ unannotated (its keyword arguments are untyped).
    return QueueMessage(  # type: ignore[no-untyped-call]
        id=message.id,
        body=message.body.encode("utf-8"),
        dequeue_count=message.dequeue_count,
        pop_receipt=message.receipt,
    )
