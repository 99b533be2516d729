"""Unread counters under concurrency, on every store adapter (issue 18): 20 members of one thread
send at the same moment; every recipient's unread count must hold every message (no lost
increment), and the thread list must say so in its total."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared import bootstrap
from shared.access.caller import Caller
from shared.adapters.local_blob import LocalBlobStore
from shared.adapters.local_keys import LocalKeyFile
from shared.adapters.outbox import OutboxMailer
from shared.config import Environment
from shared.messages import messages
from shared.paging import Window
from shared.ports import Ports, Query, Store
from tests.fakes import ManualClock

C = "c1"
SENDERS = 20


@pytest.fixture
def ports(store: Store, clock: ManualClock, tmp_path: Path) -> Iterator[Ports]:
    store.check()  # open SQLite (WAL) before the threads do
    yield bootstrap.use(
        store=store,
        blobs=LocalBlobStore(tmp_path / "blobs"),
        key_ring=LocalKeyFile(tmp_path / "keys" / "kek.json"),
        mailer=OutboxMailer(tmp_path / "outbox"),
        clock=clock,
        environment=Environment.TEST,
    )
    bootstrap.reset()


def _user(i: int) -> str:
    return f"u{i:02d}"


def test_twenty_concurrent_senders_lose_no_unread_increment(ports: Ports) -> None:
    ports.store.create("cases", {"id": "case", "caseId": C, "type": "case", "orgId": "o1", "status": "open"})
    ports.case_keys.create(C)
    for i in range(SENDERS + 1):
        ports.store.create(
            "cases",
            {"id": f"participant-{_user(i)}", "caseId": C, "type": "participant", "userId": _user(i),
             "role": "doctor", "status": "active"},
        )  # fmt: skip
    starter = Caller.user(_user(0), "req-start", case_id=C)
    others = [_user(i) for i in range(1, SENDERS + 1)]
    thread = messages.start_thread(ports, starter, C, member_ids=others, subject=None, text="Start")
    barrier = threading.Barrier(SENDERS)
    errors: list[BaseException] = []

    def send(user: str) -> None:
        try:
            barrier.wait(timeout=30)
            messages.send(ports, Caller.user(user, f"req-{user}", case_id=C), C, thread["id"], text=f"von {user}",
                          attachment=None)  # fmt: skip
        except BaseException as exc:  # reported below, with the thread's name
            errors.append(exc)

    workers = [threading.Thread(target=send, args=(u,), name=u) for u in others]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors, errors
    assert ports.store.count("cases", C, Query(equals={"type": "message"})) == SENDERS + 1
    inbox = ports.store.read("cases", C, f"message_inbox-{_user(0)}")
    assert inbox["threads"][thread["id"]]["unread"] == SENDERS  # every reply, none of its own
    for user in others:
        entry = ports.store.read("cases", C, f"message_inbox-{user}")["threads"][thread["id"]]
        assert entry["unread"] == SENDERS, (user, entry)  # the start + 19 others, not its own
    inbox = messages.caller_inbox(ports, starter, C)
    page, _ = messages.threads_page(ports, starter, C, Window(limit=10), inbox=inbox)
    assert page["unreadTotal"] == SENDERS and page["threads"][0]["unread"] == SENDERS
