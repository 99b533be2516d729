"""Scheduled jobs. Each is idempotent and safe to run twice or to be skipped once.

``effect_relay`` moves pending effects on every 5 seconds (``shared/effects/relay.py``): audit
events into the hash chains, e-mails onto the ``mail-outgoing`` queue. A chain it could not
extend leaves its effects pending for the next run and fails the invocation, so it is seen.

``audit_verify`` re-checks every audit hash chain daily (SPEC journey 15: tamper-evident). An
intact log is one INFO line with counts. A broken one logs an ERROR with the number of problems
(never their content; they name only scopes, positions and ids) and fails the invocation, so
both the log alert and the Functions failure metric fire; ``python -m shared.cli verify-audit
--all`` then lists the problems for the operator.

``cosmos_export`` (hourly, until the day's export is complete) writes the store, but ``keys``
and ``sessions``, to the container the Backup vault keeps; ``audit_anchor`` (daily, before the
check) publishes every chain's head to an immutable container, and ``audit_verify`` compares
the chains against the newest anchors (``shared/backup``, issue 26).

``key_ring_check`` (every 5 minutes) reads the KEK and records whether it could, for readiness
(``shared/key_ring_check.py``): a public probe never makes the app read its key.

``retention_purge`` (daily) sends the notices that are due and purges the cases that are due
(``shared/retention/purge.py``: keys first, then blobs, items, tombstone), bounded so a run fits
the Functions timeout; a case that fails is counted and taken again by the next run, which then
fails the invocation so the failure metric fires. ``retention_reconcile`` (weekly) repairs the
due-date index from the case records and deletes the audit chains of cases purged
``CASEDESK_AUDIT_RETENTION_YEARS`` ago. Both log one line of counts, never ids.
"""

from __future__ import annotations

import logging

import azure.functions as func

from shared import bootstrap
from shared import key_ring_check as kek_check
from shared.audit import AuditLog
from shared.effects.relay import RELAY_SCHEDULE, relay_pending
from shared.errors import IntegrityError
from shared.identity.credentials import issue_reset
from shared.log import log_event
from shared.messages import mail as message_mail
from shared.retention import purge

bp = func.Blueprint()

#: Daily at 02:30 UTC (NCRONTAB: second minute hour day month weekday), outside office hours.
AUDIT_VERIFY_SCHEDULE = "0 30 2 * * *"
#: Daily at 03:15 UTC (after the audit check), and weekly on Sunday at 04:00 UTC.
RETENTION_PURGE_SCHEDULE = "0 15 3 * * *"
RETENTION_RECONCILE_SCHEDULE = "0 0 4 * * 0"
#: Every minute: the delayed e-mail notices of unread messages (shared/messages/mail.py).
MESSAGE_MAIL_SCHEDULE = "0 * * * * *"
#: Hourly: the parts of exports downloaded, discarded or over 24 hours old (shared/export).
EXPORT_SWEEP_SCHEDULE = "0 40 * * * *"
#: Hourly at :05: the day's store export (one blob read once it is complete); a big store
#: takes several runs, each bounded. The Backup vault copies the container at 01:00 UTC.
COSMOS_EXPORT_SCHEDULE = "0 5 * * * *"
#: Daily at 02:15 UTC, before the audit check: the chain heads to the immutable container.
AUDIT_ANCHOR_SCHEDULE = "0 15 2 * * *"
#: Monthly, on the 1st at 06:00 UTC: remind org admins to review who can access their cases.
ACCESS_REVIEW_REMINDER_SCHEDULE = "0 0 6 1 * *"


@bp.timer_trigger(arg_name="timer", schedule=RELAY_SCHEDULE)
def effect_relay(timer: func.TimerRequest) -> None:
    report = relay_pending(bootstrap.ports(), issue_reset=issue_reset)
    if not report.ok:
        raise IntegrityError(f"{len(report.failed_scopes)} audit chains could not be extended; effects kept")


@bp.timer_trigger(arg_name="timer", schedule=AUDIT_VERIFY_SCHEDULE)
def audit_verify(timer: func.TimerRequest) -> None:
    from shared.backup import anchors  # noqa: PLC0415

    ports = bootstrap.ports()
    anchored = anchors.latest(bootstrap.blob_container("AUDIT_ANCHOR_CONTAINER"))
    heads = {scope: (a.seq, a.hash) for scope, a in anchored.chains.items()} if anchored else None
    results = AuditLog(ports.store, ports.clock).verify_all(heads)
    problems = sum(len(r.problems) for r in results)
    events = sum(r.checked for r in results)
    if problems:
        log_event(
            "audit.tampered", logging.ERROR, timer="audit_verify", code="audit_tampered", count=problems
        )
        raise IntegrityError(f"{problems} audit chain problems; run verify-audit --all")
    log_event("audit.verified", timer="audit_verify", count=events)


@bp.timer_trigger(arg_name="timer", schedule=RETENTION_PURGE_SCHEDULE)
def retention_purge(timer: func.TimerRequest) -> None:
    report = purge.run(bootstrap.ports())
    if report.failed:
        raise RuntimeError(f"{report.failed} retention steps failed; the next run takes them again")


@bp.timer_trigger(arg_name="timer", schedule=RETENTION_RECONCILE_SCHEDULE)
def retention_reconcile(timer: func.TimerRequest) -> None:
    purge.weekly(bootstrap.ports())


@bp.timer_trigger(arg_name="timer", schedule=MESSAGE_MAIL_SCHEDULE)
def message_mail_notices(timer: func.TimerRequest) -> None:
    """E-mail notices of messages still unread after the delay (content-free; at most one per
    recipient and thread in 30 minutes)."""
    sent = message_mail.send_due(bootstrap.ports())
    if sent:
        log_event("messages.mailed", timer="message_mail_notices", count=sent)


@bp.timer_trigger(arg_name="timer", schedule=EXPORT_SWEEP_SCHEDULE)
def export_sweep(timer: func.TimerRequest) -> None:
    """Delete the parts of every "download my data" export that is over (issue 20)."""
    from shared.export import exports  # noqa: PLC0415

    deleted = exports.sweep(bootstrap.ports())
    if deleted:
        log_event("export.swept", timer="export_sweep", count=deleted)


@bp.timer_trigger(arg_name="timer", schedule=ACCESS_REVIEW_REMINDER_SCHEDULE)
def access_review_reminder(timer: func.TimerRequest) -> None:
    """Remind each organisation's admins to review access (once a month, idempotent; issue 23)."""
    from shared.tempaccess import reminders  # noqa: PLC0415

    reminded = reminders.remind(bootstrap.ports())
    log_event("access_review.reminded", timer="access_review_reminder", count=reminded)


@bp.timer_trigger(arg_name="timer", schedule=kek_check.CHECK_SCHEDULE)
def key_ring_check(timer: func.TimerRequest) -> None:
    """Can the app read its KEK? Recorded for readiness; a failure fails the invocation too."""
    record = kek_check.check(bootstrap.ports())
    if record["status"] != "ok":
        log_event("health.key_ring_failed", level=logging.ERROR, timer="key_ring_check", code=record["code"])
        raise RuntimeError("the key ring could not be read")


@bp.timer_trigger(arg_name="timer", schedule=COSMOS_EXPORT_SCHEDULE)
def cosmos_export(timer: func.TimerRequest) -> None:
    """The day's export of every container but ``keys`` and ``sessions`` to the container the
    Backup vault keeps (issue 26, ``shared/backup/export.py``): resumed from its checkpoint
    until complete; one log line of counts (``backup.exported`` when complete)."""
    from shared.backup import export  # noqa: PLC0415

    ports = bootstrap.ports()
    export.run(ports.store, bootstrap.blob_container("BACKUP_EXPORT_CONTAINER"), ports.clock)


@bp.timer_trigger(arg_name="timer", schedule=AUDIT_ANCHOR_SCHEDULE)
def audit_anchor(timer: func.TimerRequest) -> None:
    """Publish every audit chain's head outside the database (``shared/backup/anchors.py``)."""
    from shared.backup import anchors  # noqa: PLC0415

    ports = bootstrap.ports()
    anchors.publish(ports.store, bootstrap.blob_container("AUDIT_ANCHOR_CONTAINER"), ports.clock)
