"""The daily audit check (functions/timers.py): quiet and counted when every chain is intact,
an ERROR with a count (no content) and a failed invocation when one was tampered with."""

from __future__ import annotations

import json
import logging

import azure.functions as func
import pytest
from azure.functions.timer import TimerRequest

from functions.timers import AUDIT_VERIFY_SCHEDULE, audit_verify
from shared.audit import AuditEvent, AuditLog
from shared.audit.events import event_id
from shared.errors import IntegrityError
from shared.ports import Ports


def timer() -> func.TimerRequest:
    return TimerRequest(past_due=False)


def record(ports: Ports, n: int) -> None:
    log = AuditLog(ports.store, ports.clock)
    for i in range(n):
        event = AuditEvent(
            actor="u1",
            action="case:read",
            target_type="case",
            target_id="c1",
            case_id="c1",
            request_id=f"r{i}",
        )
        log.record(event)


def logged(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "casedesk"]


def test_intact_chains_are_counted(wired: Ports, caplog: pytest.LogCaptureFixture) -> None:
    record(wired, 3)
    with caplog.at_level(logging.INFO):
        audit_verify(timer())
    assert {"event": "audit.verified", "timer": "audit_verify", "count": 3} in logged(caplog)


def test_a_tampered_chain_fails_the_run_and_logs_only_a_count(
    wired: Ports, caplog: pytest.LogCaptureFixture
) -> None:
    record(wired, 3)
    item = wired.store.read("audit", "case-c1", event_id(2))
    wired.store.replace("audit", {**item, "action": "case:close"}, if_match=item["_etag"])
    with caplog.at_level(logging.INFO), pytest.raises(IntegrityError):
        audit_verify(timer())
    errors = [json.loads(r.getMessage()) for r in caplog.records if r.levelno == logging.ERROR]
    # A count only: which chain and which event is for the CLI, not for the log.
    assert errors == [
        {"event": "audit.tampered", "timer": "audit_verify", "code": "audit_tampered", "count": 1}
    ]


def test_it_runs_daily_at_night_utc() -> None:
    assert AUDIT_VERIFY_SCHEDULE == "0 30 2 * * *"
