"""Scheduled jobs. Each is idempotent and safe to run twice or to be skipped once.

``effect_relay`` moves pending effects on every 5 seconds (``shared/effects/relay.py``): audit
events into the hash chains, e-mails onto the ``mail-outgoing`` queue. A chain it could not
extend leaves its effects pending for the next run and fails the invocation, so it is seen.

``audit_verify`` re-checks every audit hash chain daily (SPEC journey 15: tamper-evident). An
intact log is one INFO line with counts. A broken one logs an ERROR with the number of problems
(never their content; they name only scopes, positions and ids) and fails the invocation, so
both the log alert and the Functions failure metric fire; ``python -m shared.cli verify-audit
--all`` then lists the problems for the operator.
"""

from __future__ import annotations

import logging

import azure.functions as func

from shared import bootstrap
from shared.audit import AuditLog
from shared.effects.relay import RELAY_SCHEDULE, relay_pending
from shared.errors import IntegrityError
from shared.identity.credentials import issue_reset
from shared.log import log_event

bp = func.Blueprint()

#: Daily at 02:30 UTC (NCRONTAB: second minute hour day month weekday), outside office hours.
AUDIT_VERIFY_SCHEDULE = "0 30 2 * * *"


@bp.timer_trigger(arg_name="timer", schedule=RELAY_SCHEDULE)
def effect_relay(timer: func.TimerRequest) -> None:
    report = relay_pending(bootstrap.ports(), issue_reset=issue_reset)
    if not report.ok:
        raise IntegrityError(f"{len(report.failed_scopes)} audit chains could not be extended; effects kept")


@bp.timer_trigger(arg_name="timer", schedule=AUDIT_VERIFY_SCHEDULE)
def audit_verify(timer: func.TimerRequest) -> None:
    ports = bootstrap.ports()
    results = AuditLog(ports.store, ports.clock).verify_all()
    problems = sum(len(r.problems) for r in results)
    events = sum(r.checked for r in results)
    if problems:
        log_event(
            "audit.tampered", logging.ERROR, timer="audit_verify", code="audit_tampered", count=problems
        )
        raise IntegrityError(f"{problems} audit chain problems; run verify-audit --all")
    log_event("audit.verified", timer="audit_verify", count=events)
