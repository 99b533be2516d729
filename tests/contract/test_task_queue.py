"""One contract for the TaskQueue port, run against every adapter: in memory, the local SQLite
file, and Azure Storage queues on Azurite.

Each test gets a fresh queue. Time moves with a manual clock for the local adapters and with the
wall clock for Azurite (which stamps its own times), through ``harness.wait(seconds)``. The few
adapter-specific promises (base64 on the wire, several processes on one file) are at the end.
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from shared.adapters.azure_blob import emulator_credential
from shared.adapters.azure_queue import AzureStorageQueue
from shared.adapters.local_queue import LocalQueue
from shared.adapters.memory_queue import MemoryQueue
from shared.adapters.queue_names import MAX_BODY_BYTES, poison_queue
from shared.errors import BackendUnavailable, ConcurrencyConflict, InvalidInput, ItemTooLarge, NotFound
from shared.ports import QueuedMessage, TaskQueue
from tests.fakes import ManualClock
from tests.fixtures.processes import free_port

ADAPTERS = ["memory_queue", "local_queue", "azure_queue"]
FAST_FAIL = {"retry_total": 0, "connection_timeout": 2, "read_timeout": 5}


@dataclass
class Harness:
    queue: TaskQueue
    name: str  # a fresh queue name for this test
    wait: Callable[[float], None]

    def other(self, suffix: str) -> str:
        return f"{self.name}-{suffix}"


def _azure(url: str, *, create_missing: bool = True) -> AzureStorageQueue:
    return AzureStorageQueue(url, emulator_credential(), create_missing=create_missing, **FAST_FAIL)


@pytest.fixture(params=ADAPTERS, ids=ADAPTERS)
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    name = f"q{uuid.uuid4().hex[:16]}"
    if request.param == "azure_queue":
        queue = _azure(request.getfixturevalue("azurite_queue_url"))
        yield Harness(queue, name, time.sleep)
        queue.close()
        return
    clock = ManualClock()
    adapter: MemoryQueue | LocalQueue = (
        MemoryQueue(clock)
        if request.param == "memory_queue"
        else LocalQueue(tmp_path / "queues.sqlite3", clock=clock)
    )
    yield Harness(adapter, name, lambda seconds: clock.advance(seconds=seconds))
    if isinstance(adapter, LocalQueue):
        adapter.close()


def _bodies(messages: list[QueuedMessage]) -> list[str]:
    return [m.body for m in messages]


# --- send, receive, delete -----------------------------------------------------------------------


def test_send_receive_delete(harness: Harness) -> None:
    q, name = harness.queue, harness.name
    for body in ("first", "second", "third"):
        q.send(name, body)
    received = q.receive(name, max_messages=16, visibility_timeout=1)
    assert _bodies(received) == ["first", "second", "third"]  # oldest first
    assert [m.dequeue_count for m in received] == [1, 1, 1]
    assert len({m.id for m in received}) == 3
    assert q.receive(name) == []  # hidden while received
    for message in received:
        q.delete(name, message)
    harness.wait(2)
    assert q.receive(name) == []  # deleted for good


def test_receive_takes_at_most_max_messages_in_order(harness: Harness) -> None:
    q, name = harness.queue, harness.name
    for n in range(5):
        q.send(name, f"m{n}")
    assert _bodies(q.receive(name, max_messages=2)) == ["m0", "m1"]
    assert _bodies(q.receive(name, max_messages=32)) == ["m2", "m3", "m4"]


def test_receive_from_an_empty_or_unknown_queue_is_empty(harness: Harness) -> None:
    assert harness.queue.receive(harness.name) == []
    harness.queue.send(harness.other("a"), "x")
    assert harness.queue.receive(harness.other("b")) == []  # queues are separate


def test_a_message_reappears_after_its_visibility_timeout(harness: Harness) -> None:
    q, name = harness.queue, harness.name
    q.send(name, "retry me")
    (first,) = q.receive(name, visibility_timeout=1)
    assert q.receive(name, visibility_timeout=1) == []
    harness.wait(2)
    (second,) = q.receive(name, visibility_timeout=1)
    assert second.id == first.id
    assert second.body == "retry me"
    assert second.dequeue_count == 2
    assert second.receipt != first.receipt
    harness.wait(2)
    (third,) = q.receive(name, visibility_timeout=30)
    assert third.dequeue_count == 3


def test_delete_with_a_stale_receipt_is_a_conflict_and_keeps_the_message(harness: Harness) -> None:
    q, name = harness.queue, harness.name
    q.send(name, "contended")
    (stale,) = q.receive(name, visibility_timeout=1)
    harness.wait(2)
    (fresh,) = q.receive(name, visibility_timeout=1)
    with pytest.raises(ConcurrencyConflict):
        q.delete(name, stale)
    q.delete(name, fresh)  # the latest receiver still can
    with pytest.raises(NotFound):
        q.delete(name, fresh)  # gone
    harness.wait(2)
    assert q.receive(name) == []


def test_the_receipt_stays_valid_after_the_timeout_if_nobody_took_it(harness: Harness) -> None:
    """As on Azure: a slow consumer may still delete, as long as nobody received it since."""
    q, name = harness.queue, harness.name
    q.send(name, "slow")
    (message,) = q.receive(name, visibility_timeout=1)
    harness.wait(2)
    q.delete(name, message)
    assert q.receive(name) == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Grüezi ✓ 🙂 — 中文 ß", id="unicode"),
        pytest.param('{"kind": "mail", "id": "a&b<c>\\"d\'"}', id="json-and-markup"),
        pytest.param("line one\r\nline two\n\ttabbed", id="whitespace"),
        pytest.param("", id="empty"),
        pytest.param("é" * (MAX_BODY_BYTES // 2), id="largest"),
    ],
)
def test_bodies_round_trip_exactly(harness: Harness, body: str) -> None:
    harness.queue.send(harness.name, body)
    (message,) = harness.queue.receive(harness.name)
    assert message.body == body


def test_oversized_and_non_text_bodies_are_refused(harness: Harness) -> None:
    q, name = harness.queue, harness.name
    with pytest.raises(ItemTooLarge):
        q.send(name, "x" * (MAX_BODY_BYTES + 1))
    with pytest.raises(ItemTooLarge):
        q.send(name, "é" * (MAX_BODY_BYTES // 2 + 1))  # the limit counts UTF-8 bytes
    with pytest.raises(InvalidInput):
        q.send(name, "lone surrogate \ud800")
    with pytest.raises(InvalidInput):
        q.send(name, b"bytes")  # type: ignore[arg-type]
    assert q.receive(name) == []


VALID_NAMES = ["abc", "a" * 63, "a-b-c", "123", "mail-poison"]
INVALID_NAMES = ["", "ab", "a" * 64, "Upper", "a--b", "-abc", "abc-", "a_b", "a.b", "ümlaut", "a b", "../x"]


@pytest.mark.parametrize("name", INVALID_NAMES)
def test_invalid_queue_names_raise_invalid_input(harness: Harness, name: str) -> None:
    q = harness.queue
    message = QueuedMessage("id", "receipt", "", 1)
    for call in (lambda: q.send(name, "x"), lambda: q.receive(name), lambda: q.delete(name, message)):
        with pytest.raises(InvalidInput):
            call()


@pytest.mark.parametrize("name", VALID_NAMES)
def test_valid_queue_names_work(harness: Harness, name: str) -> None:
    harness.queue.send(name, "x")
    (message,) = harness.queue.receive(name)
    harness.queue.delete(name, message)  # leaves the (session-wide) Azurite queue empty again


@pytest.mark.parametrize(("max_messages", "visibility_timeout"), [(0, 30), (33, 30), (1, 0), (1, 604801)])
def test_receive_limits(harness: Harness, max_messages: int, visibility_timeout: int) -> None:
    with pytest.raises(InvalidInput):
        harness.queue.receive(harness.name, max_messages=max_messages, visibility_timeout=visibility_timeout)


def test_check_passes(harness: Harness) -> None:
    harness.queue.check()


def test_poison_queue_name() -> None:
    assert poison_queue("mail") == "mail-poison"
    assert poison_queue("a" * 56) == "a" * 56 + "-poison"
    with pytest.raises(InvalidInput):
        poison_queue("a" * 57)  # its poison queue would be too long


# --- backends that cannot work -------------------------------------------------------------------


@pytest.fixture(params=["local_queue", "azure_queue"], ids=["local_queue", "azure_queue"])
def broken_queue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TaskQueue]:
    if request.param == "local_queue":
        blocker = tmp_path / "not-a-directory"
        blocker.write_bytes(b"")
        local = LocalQueue(blocker / "queues.sqlite3")
        yield local
        local.close()
        return
    azure = _azure(f"http://127.0.0.1:{free_port()}/devstoreaccount1")
    yield azure
    azure.close()


def test_unavailable_backend_raises_backend_unavailable(broken_queue: TaskQueue) -> None:
    message = QueuedMessage("id", "receipt", "", 1)
    for call in (
        broken_queue.check,
        lambda: broken_queue.send("jobs", "x"),
        lambda: broken_queue.receive("jobs"),
        lambda: broken_queue.delete("jobs", message),
    ):
        with pytest.raises(BackendUnavailable):
            call()


# --- adapter-specific ----------------------------------------------------------------------------


def test_azure_sends_base64_as_the_functions_host_expects(azurite_queue_url: str) -> None:
    from azure.storage.queue import QueueClient

    name = f"b64{uuid.uuid4().hex[:12]}"
    queue = _azure(azurite_queue_url)
    body = '{"ref": "Grüezi 🙂"}'
    queue.send(name, body)
    with QueueClient(azurite_queue_url, name, credential=emulator_credential()) as raw:
        (peeked,) = raw.peek_messages()
        assert peeked.content == base64.b64encode(body.encode()).decode()  # what the host decodes
        raw.send_message("not base64 at all!")  # written by someone else, without the encoding
    first, second = queue.receive(name)
    assert first.body == body
    assert second.body == "not base64 at all!"  # handed over as stored, for the poison path
    queue.close()


def test_azure_missing_queue_is_created_only_when_allowed(azurite_queue_url: str) -> None:
    name = f"miss{uuid.uuid4().hex[:12]}"
    strict = _azure(azurite_queue_url, create_missing=False)
    with pytest.raises(BackendUnavailable, match="missing"):
        strict.send(name, "x")  # production: the infrastructure creates queues
    assert strict.receive(name) == []
    lenient = _azure(azurite_queue_url)
    lenient.send(name, "x")
    assert _bodies(strict.receive(name)) == ["x"]
    strict.close()
    lenient.close()


def test_azure_wiring_builds_no_client_before_first_use() -> None:
    queue = AzureStorageQueue(f"http://127.0.0.1:{free_port()}/devstoreaccount1", emulator_credential())
    assert queue._service is None
    with pytest.raises(InvalidInput):
        queue.send("Bad Name", "x")  # validated before any client exists
    assert queue._service is None


def test_local_queue_is_shared_by_instances_and_threads_deliver_each_message_once(tmp_path: Path) -> None:
    """Like the CLI, the dev host and a test process on one file: every message is taken once."""
    path = tmp_path / "queues.sqlite3"
    producer = LocalQueue(path)
    for n in range(60):
        producer.send("jobs", f"m{n}")
    consumers = [LocalQueue(path) for _ in range(4)]
    taken: list[str] = []
    lock = threading.Lock()

    def consume(queue: LocalQueue) -> None:
        while batch := queue.receive("jobs", max_messages=3, visibility_timeout=60):
            for message in batch:
                queue.delete("jobs", message)
            with lock:
                taken.extend(_bodies(batch))

    threads = [threading.Thread(target=consume, args=(c,)) for c in consumers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(taken) == sorted(f"m{n}" for n in range(60))
    for queue in (producer, *consumers):
        queue.close()


def test_local_queue_warns_that_it_is_a_stand_in(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    LocalQueue(tmp_path / "q.sqlite3").close()
    assert "LOCAL stand-in" in caplog.text
    assert not (tmp_path / "q.sqlite3").exists()  # nothing is created before first use
