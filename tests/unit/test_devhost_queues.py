"""The dev host's queue runner in-process, on a memory queue with a manual clock: the Azure host's
rules (retry after the visibility timeout, poison at maxDequeueCount, a message that arrives above
the limit goes straight to poison) without waiting for real time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devhost.invoke import Invoker
from devhost.loader import QueueSettings, QueueSpec, collect, load_app
from devhost.queues import DrainResult, QueueService
from shared.adapters.memory_queue import MemoryQueue
from tests.fakes import ManualClock

YEARLY = "0 0 0 1 1 *"


@pytest.fixture
def on_job(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> QueueSpec:
    monkeypatch.setenv("SAMPLE_TICK_SCHEDULE", YEARLY)
    monkeypatch.setenv("SAMPLE_FLAKY_SCHEDULE", YEARLY)
    monkeypatch.setenv("SAMPLE_QUEUE_FILE", str(tmp_path / "queue.txt"))
    app, _ = load_app("tests.api.sample_app")
    (spec,) = collect(app).queues
    assert (spec.queue_name, spec.connection, spec.function.name) == (
        "sample-jobs",
        "CasedeskQueue",
        "on_job",
    )
    return spec


@pytest.fixture
def invoker() -> Iterator[Invoker]:
    invoker = Invoker()
    yield invoker
    invoker.close()


def tries(tmp_path: Path) -> list[str]:
    path = tmp_path / "queue.txt"
    return [line.split(" ", 2)[2] for line in path.read_text().splitlines()] if path.exists() else []


def test_retry_then_poison_follows_the_clock(on_job: QueueSpec, invoker: Invoker, tmp_path: Path) -> None:
    clock = ManualClock()
    queue = MemoryQueue(clock)
    service = QueueService(
        [on_job], invoker, QueueSettings(max_dequeue_count=2, visibility_timeout=10), lambda: queue
    )
    queue.send("sample-jobs", "fail once more")
    queue.send("sample-jobs", "fine")
    assert service.drain("sample-jobs") == DrainResult(processed=1, failed=1, poisoned=0)
    clock.advance(seconds=9)
    assert service.drain("sample-jobs") == DrainResult()  # still hidden
    clock.advance(seconds=2)
    assert service.drain("sample-jobs") == DrainResult(processed=0, failed=1, poisoned=1)
    assert tries(tmp_path) == ["try=1 fail once more", "try=1 fine", "try=2 fail once more"]
    assert [m.body for m in queue.receive("sample-jobs-poison")] == ["fail once more"]
    clock.advance(seconds=60)
    assert queue.receive("sample-jobs") == []


def test_a_message_above_the_limit_is_poisoned_without_running(
    on_job: QueueSpec, invoker: Invoker, tmp_path: Path
) -> None:
    """After a crash mid-run the host never saw the failure: the next receive finds the dequeue
    count already past maxDequeueCount and moves the message without calling the function."""
    clock = ManualClock()
    queue = MemoryQueue(clock)
    queue.send("sample-jobs", "fine")
    for _ in range(2):  # two receives that never finished (a crashed host)
        queue.receive("sample-jobs", visibility_timeout=1)
        clock.advance(seconds=2)
    service = QueueService(
        [on_job], invoker, QueueSettings(max_dequeue_count=2, visibility_timeout=10), lambda: queue
    )
    assert service.drain("sample-jobs") == DrainResult(processed=0, failed=0, poisoned=1)
    assert tries(tmp_path) == []
    assert [m.body for m in queue.receive("sample-jobs-poison")] == ["fine"]


def test_drain_and_names(on_job: QueueSpec, invoker: Invoker) -> None:
    queue = MemoryQueue()
    service = QueueService([on_job], invoker, QueueSettings(), lambda: queue)
    assert "ON_JOB" in service and "tick" not in service
    assert service.listens_to("sample-jobs") and not service.listens_to("other")
    assert service.drain("other") == DrainResult()
    assert service.drain("sample-jobs") == DrainResult()
