"""Whether the app can read its key-encryption key, checked on a schedule, never on a request.

Readiness (``GET /api/health/ready``, public) must report the KEK (issue 27) without ever making
the app read it for an anonymous caller. So the ``key_ring_check`` timer reads it every
:data:`CHECK_MINUTES` minutes and records the outcome in one directory item; readiness reads that
item (a store read it makes anyway, cached 30 s) and reports ``ok`` / ``error`` with the time of
the check, or ``unchecked`` when there is no check younger than :data:`FRESH_MINUTES` (a new
deployment, or a timer that stopped). The record holds a status and an error code, nothing else.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.errors import CaseDeskError, NotFound
from shared.ports import Ports, Store

__all__ = ["CHECK_MINUTES", "CHECK_SCHEDULE", "FRESH_MINUTES", "check", "last_check"]

#: The timer's period, and its NCRONTAB schedule (second minute hour day month weekday).
CHECK_MINUTES = 5
CHECK_SCHEDULE = f"0 */{CHECK_MINUTES} * * * *"
#: A check older than this (three periods) says nothing about now: readiness shows ``unchecked``.
FRESH_MINUTES = 3 * CHECK_MINUTES
_ID = "health-key-ring"


def check(ports: Ports) -> dict[str, Any]:
    """Read the KEK once (the key ring's own check) and record the outcome; returns the record."""
    try:
        ports.key_ring.check()
        outcome: dict[str, Any] = {"status": "ok", "code": None}
    except CaseDeskError as error:
        outcome = {"status": "error", "code": error.code}
    record = {
        "id": _ID,
        "key": _ID,
        "type": "health_check",
        "checkedAt": ports.clock.now().astimezone(UTC).isoformat(),
        **outcome,
    }
    ports.store.upsert("directory", record)
    return record


def last_check(store: Store, now: datetime) -> dict[str, Any]:
    """Readiness's view of the key ring: ``{"status", "code", "checkedAt"}`` of the last check if
    it is fresh, else ``unchecked`` (with the time of the stale one, if any)."""
    try:
        found = store.read("directory", _ID, _ID)
    except NotFound:
        return {"status": "unchecked", "code": None, "checkedAt": None}
    checked_at = str(found.get("checkedAt", ""))
    try:
        fresh = now - datetime.fromisoformat(checked_at) <= timedelta(minutes=FRESH_MINUTES)
    except ValueError:
        fresh = False
    if not fresh or found.get("status") not in ("ok", "error"):
        return {"status": "unchecked", "code": None, "checkedAt": checked_at or None}
    return {"status": found["status"], "code": found.get("code"), "checkedAt": checked_at}
