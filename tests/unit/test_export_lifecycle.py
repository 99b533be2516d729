"""The life of an export on in-process adapters (shared/export/exports.py): one at a time, the
job idempotent on redelivery, and after 24 hours the record is gone and the sweep deletes the
parts; a job that fails leaves "failed" and no parts, and asking again is allowed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared import bootstrap
from shared.access.caller import Caller
from shared.adapters.local_blob import LocalBlobStore
from shared.adapters.local_keys import LocalKeyFile
from shared.adapters.memory import MemoryStore
from shared.adapters.memory_queue import MemoryQueue
from shared.adapters.outbox import OutboxMailer
from shared.export import exports
from shared.ports import Ports
from tests.fakes import ManualClock

USER = "a" * 32


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Ports, ManualClock, MemoryQueue]]:
    clock = ManualClock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    queue = MemoryQueue(clock)
    ports = bootstrap.use(
        store=MemoryStore(clock),
        blobs=LocalBlobStore(tmp_path / "blobs"),
        key_ring=LocalKeyFile(tmp_path / "kek.json"),
        mailer=OutboxMailer(tmp_path / "outbox"),
        clock=clock,
        queue=queue,
    )
    ports.store.create("users", {"id": "profile", "userId": USER, "email": "p@example.invalid", "name": "P",
                                 "language": "en", "status": "active"})  # fmt: skip
    yield ports, clock, queue
    bootstrap.reset()


def test_one_at_a_time_redelivery_does_nothing_and_the_sweep_ends_it(
    world: tuple[Ports, ManualClock, MemoryQueue],
) -> None:
    ports, clock, queue = world
    me = Caller.user(USER, "t")
    asked = exports.request(ports, me)
    with pytest.raises(exports.ExportInProgress):
        exports.request(ports, me)
    [message] = queue.receive(exports.BUILD_QUEUE)
    assert exports.build(ports, message.body) == "built"
    assert exports.build(ports, message.body) == "skipped"  # delivered twice: built once
    state = exports.status(ports, USER)
    assert state["state"] == "ready" and state["exportId"] == asked["exportId"] and state["files"] == 0
    prefix = f"exports/{USER}/{asked['exportId']}/"
    assert len(list(ports.blobs.list(prefix))) == state["parts"] == 1
    assert exports.sweep(ports) == 0  # a live export keeps its parts
    clock.advance(hours=24, seconds=1)
    assert exports.status(ports, USER) == {"state": "none"}
    assert exports.sweep(ports) == 1
    assert list(ports.blobs.list(prefix)) == []
    assert exports.request(ports, me)["state"] == "queued"  # over: a new one may be asked for


def test_a_failed_job_leaves_no_parts_and_may_be_asked_again(
    world: tuple[Ports, ManualClock, MemoryQueue],
) -> None:
    ports, _clock, queue = world
    me = Caller.user(USER, "t")
    asked = exports.request(ports, me)
    ports.store.delete("users", USER, "profile")  # the job cannot read the profile
    [message] = queue.receive(exports.BUILD_QUEUE)
    assert exports.build(ports, message.body) == "failed"
    assert exports.status(ports, USER)["state"] == "failed"
    assert list(ports.blobs.list(f"exports/{USER}/{asked['exportId']}/")) == []
    again = exports.request(ports, me)
    assert again["state"] == "queued" and again["exportId"] != asked["exportId"]
