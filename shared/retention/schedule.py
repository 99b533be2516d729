"""Which closed cases fall due for purging, and when (SPEC journey 13).

A case is purged ``RETENTION_YEARS`` after it was closed; participants are told
``NOTICE_DAYS`` before. A legal hold stops the clock: a held case is never due, whatever its
date. :func:`schedule` is the ops dry-run listing (``python -m shared.cli purge-dry-run``): it
reads case records only (ids, dates, flags — no personal data) and changes nothing. The purge
itself (crypto-shredding the case key first, then deleting items and blobs, resumable and
audited) is built on the same schedule with the retention timer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from shared.ports import Store

__all__ = ["NOTICE_DAYS", "RETENTION_YEARS", "Scheduled", "purge_date", "schedule"]

RETENTION_YEARS = 3
NOTICE_DAYS = 30

State = Literal["due", "notice", "held", "waiting"]


@dataclass(frozen=True)
class Scheduled:
    case_id: str
    org_id: str
    closed_at: str
    purge_on: date
    state: State  # due: purge now; notice: inside the notice window; held: legal hold; waiting


def purge_date(closed_at: datetime) -> date:
    """The day a case closed at ``closed_at`` is purged (29 February closes purge on 28 February)."""
    closed = closed_at.date()
    try:
        return closed.replace(year=closed.year + RETENTION_YEARS)
    except ValueError:
        return closed.replace(year=closed.year + RETENTION_YEARS, day=28)


def schedule(store: Store, now: datetime) -> list[Scheduled]:
    """Every closed case with its purge date and state, soonest first (a cross-partition scan:
    ops tools and timers only)."""
    today = now.date()
    found = []
    for case in store.scan("cases", equals={"id": "case", "status": "closed"}):
        if not case.get("closedAt"):
            continue
        purge_on = purge_date(datetime.fromisoformat(case["closedAt"]))
        state: State
        if case.get("legalHold"):
            state = "held"
        elif purge_on <= today:
            state = "due"
        elif purge_on - timedelta(days=NOTICE_DAYS) <= today:
            state = "notice"
        else:
            state = "waiting"
        found.append(Scheduled(case["caseId"], case["orgId"], case["closedAt"], purge_on, state))
    return sorted(found, key=lambda s: (s.purge_on, s.case_id))
