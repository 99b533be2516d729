"""Crash safety of the effect pipeline, on the embedded store and on Cosmos + Azurite.

A worker process (``tests/contract/crash_worker.py``) is killed at every point where a crash
could lose or duplicate a side effect: after the change's batch, after the first audit-chain
batch of the relay, after the relay queued the e-mail (before marking it), and after the mailer
sent it (before the effect and the message were deleted). After each, the pipeline carries on
from the stored state alone. In the end the audit event is in each of its three chains exactly
once, the chains verify, nothing is pending, and the recipient got the e-mail exactly once.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from shared.audit import AuditLog
from shared.effects import EFFECT_TYPE
from shared.effects.mail import send_queued_email
from shared.effects.relay import MAIL_QUEUE, relay_pending
from shared.identity.credentials import issue_reset
from shared.ports import Query
from tests.contract.crash_worker import KILLED, adapters
from tests.fixtures.processes import run_module

CASE = "c1"


@pytest.fixture(params=["embedded", "cosmos"])
def config(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    base: dict[str, Any] = {
        "case": CASE,
        "request": f"req-{uuid.uuid4().hex[:12]}",
        "outbox": str(tmp_path / "outbox"),
    }
    if request.param == "embedded":
        return {**base, "store": "sqlite", "sqlite": str(tmp_path / "s.sqlite3"), "queue": "local",
                "queue_file": str(tmp_path / "queues.sqlite3")}  # fmt: skip
    from shared.adapters.cosmos import CosmosStore
    from shared.clock import SystemClock
    from tests.fixtures.cosmos_server import emulator_client_kwargs

    url, key = request.getfixturevalue("cosmos_endpoint")
    database = f"crash-{uuid.uuid4().hex}"
    CosmosStore(url, database, key, SystemClock(), **emulator_client_kwargs()).ensure_containers()
    return {**base, "store": "cosmos", "cosmos": [url, key], "database": database, "queue": "azure",
            "queue_url": request.getfixturevalue("azurite_queue_url")}  # fmt: skip


def _die_at(config: dict[str, Any], stage: str) -> None:
    finished = run_module("tests.contract.crash_worker", json.dumps({**config, "stage": stage}))
    assert finished.returncode == KILLED, (
        f"{stage}: {finished.returncode}\n{finished.stdout}\n{finished.stderr}"
    )


def _pending(ports: Any) -> list[dict[str, Any]]:
    return ports.store.query("cases", CASE, Query(equals={"type": EFFECT_TYPE})).items


def _events(log: AuditLog, scope: str, request_id: str) -> int:
    return sum(1 for e in log.query(scope, limit=200).events if e.event.request_id == request_id)


def test_a_killed_process_loses_nothing_and_repeats_nothing(config: dict[str, Any]) -> None:
    ports = adapters(config)
    log = AuditLog(ports.store, ports.clock)
    scopes = (f"case-{CASE}", "org-o1", "user-u2")

    _die_at(config, "change")  # the change and its two effects are stored together, or not at all
    assert ports.store.read("cases", CASE, "note-n1")["version"] == 2
    assert sorted(e["kind"] for e in _pending(ports)) == ["audit", "email"]

    _die_at(config, "relay")  # one chain got the event, the effects are still there
    assert sum(_events(log, s, config["request"]) for s in scopes) == 1
    assert len(_pending(ports)) == 2

    _die_at(config, "queue")  # the audit is complete; the e-mail is queued but not marked
    assert [_events(log, s, config["request"]) for s in scopes] == [1, 1, 1]
    assert [e["kind"] for e in _pending(ports)] == ["email"]

    # Queues the unmarked e-mail again: two references, one effect.
    relay_pending(ports, issue_reset=issue_reset)
    assert _pending(ports)[0].get("queuedAt")

    _die_at(config, "send")  # the mail went out; effect and message are still there
    assert len(ports.mailer.messages()) == 1

    time.sleep(1.2)  # the killed sender's message becomes visible again
    outcomes = []
    for message in ports.queue.receive(MAIL_QUEUE, max_messages=10, visibility_timeout=30):
        outcomes.append(send_queued_email(ports, message.body))
        ports.queue.delete(MAIL_QUEUE, message)
    assert sorted(outcomes) == ["gone", "sent"]

    mails = [m for m in ports.mailer.messages() if m["tag"] == "crash-test"]
    assert len(mails) == 1, "the recipient gets the e-mail exactly once"
    assert _pending(ports) == []
    assert [_events(log, s, config["request"]) for s in scopes] == [1, 1, 1]
    assert all(log.verify(s).ok for s in scopes)
    assert relay_pending(ports, issue_reset=issue_reset).audit_effects == 0
    assert ports.queue.receive(MAIL_QUEUE, max_messages=10) == []
