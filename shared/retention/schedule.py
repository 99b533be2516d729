"""When closed cases fall due for their notice and their purge, and the index that finds them.

A case is purged ``CASEDESK_RETENTION_YEARS`` (default 3) after it was closed; its participants
are told ``CASEDESK_NOTICE_DAYS`` (default 30) before. Days are Europe/Zurich calendar days
(SPEC §5). A legal hold stops the clock: a held case is never due, whatever its date. A case
is never purged before its notice has been out for the full notice period: if the notice went
out late (a hold lifted after the date, a timer outage), the purge moves to notice + period.

**The due-date index** (finding due cases costs no scan). Each closed, unheld case has one entry
``directory`` [``retention-<YYYY-MM>``] ``<caseId>`` {caseId, orgId, closedAt, purgeOn, noticeOn,
noticeSentAt}. Its partition is the month of its notice day, or the month it was written if that
day is past already (a hold lifted late), and the case item names it (``retentionIndex``) so a
reopen or a hold finds and removes it with one call. The timer reads the partitions of the last
:data:`LOOKBACK_MONTHS` months up to the current one: a bounded number of queries, whatever
the number of cases. :func:`placement` and :func:`sync` are what closing, reopening and the
legal hold call (``shared/cases/cases.py``); :func:`reconcile` is the weekly repair (a timer may
scan): the case record is the truth, and index and case cannot change atomically on Cosmos.

:func:`schedule` is the timer's schedule and the ops dry run (``python -m shared.cli
purge-dry-run``): it reads index entries only (ids, dates — no personal data), changes nothing.
"""

from __future__ import annotations

import contextlib
import functools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from shared import config
from shared.errors import ConfigurationError, NotFound
from shared.ports import Item, PatchOperation, Query, Store

__all__ = [
    "INDEX_TYPE",
    "LOOKBACK_MONTHS",
    "Reconciled",
    "Scheduled",
    "index_entries",
    "notice_days",
    "placement",
    "purge_date",
    "reconcile",
    "retention_years",
    "schedule",
    "sync",
    "today",
]

INDEX_CONTAINER = "directory"
INDEX_TYPE = "retention_due"
#: How far back the timer looks for entries (a month boundary, an outage of a year); older
#: entries are moved forward by the weekly reconciliation.
LOOKBACK_MONTHS = 13
_PAGE = 500
#: Notices cancelled by a reopen or a legal hold, for the timer to withdraw.
CANCEL_PARTITION = "retention-cancelled"
CANCEL_TYPE = "retention_cancelled"

State = Literal["due", "notice_due", "notice", "waiting"]


def retention_years() -> int:
    """``CASEDESK_RETENTION_YEARS``: at least 1 in production (0 — purge on the day of closing
    — only lets tests and a local run see a purge)."""
    return _bounded("CASEDESK_RETENTION_YEARS")


def notice_days() -> int:
    """``CASEDESK_NOTICE_DAYS``: at least 1 in production, like the retention years."""
    return _bounded("CASEDESK_NOTICE_DAYS")


def _bounded(name: str) -> int:
    value = config.int_setting(name)
    if value < 0 or (value < 1 and config.environment() is config.Environment.PRODUCTION):
        raise ConfigurationError(f"setting {name} must be at least 1 in production, and never negative")
    return value


@functools.cache
def _zurich() -> ZoneInfo:
    return ZoneInfo("Europe/Zurich")  # read on first use: importing the app does no I/O


def today(now: datetime) -> date:
    """``now`` as a Europe/Zurich calendar day."""
    return now.astimezone(_zurich()).date()


def purge_date(closed_at: datetime, years: int | None = None) -> date:
    """The day a case closed at ``closed_at`` is purged (29 February closes purge on 28 February)."""
    years = retention_years() if years is None else years
    closed = today(closed_at)
    try:
        return closed.replace(year=closed.year + years)
    except ValueError:
        return closed.replace(year=closed.year + years, day=28)


def _month(day: date) -> str:
    return f"retention-{day.year:04d}-{day.month:02d}"


def _months(now: datetime, back: int, ahead: int) -> list[str]:
    first = today(now).replace(day=1)
    found = []
    for offset in range(-back, ahead + 1):
        index = first.year * 12 + first.month - 1 + offset
        found.append(f"retention-{index // 12:04d}-{index % 12 + 1:02d}")
    return found


def _entry(case: Item, now: datetime) -> Item | None:
    """The index entry the case should have (without its partition), or ``None``."""
    if case.get("status") == "purging":  # its purge is under way: the timer must find it again
        pass
    elif case.get("status") != "closed" or not case.get("closedAt") or case.get("legalHold"):
        return None
    purge_on = purge_date(datetime.fromisoformat(case["closedAt"]))
    return {
        "id": case["caseId"],
        "type": INDEX_TYPE,
        "caseId": case["caseId"],
        "orgId": case["orgId"],
        "closedAt": case["closedAt"],
        "purgeOn": purge_on.isoformat(),
        "noticeOn": (purge_on - timedelta(days=notice_days())).isoformat(),
    }


def placement(case: Item, now: datetime, previous: Item | None = None) -> dict[str, Any]:
    """The ``retentionIndex`` field a case item gets with its new state (closed → the entry's
    partition; open or held → ``None``). Set in the same write as the state; a change that
    leaves the dates alone (``previous``: the item before it) keeps the entry where it is."""
    entry = _entry(case, now)
    if entry is None:
        return {"retentionIndex": None}
    if previous is not None and previous.get("retentionIndex") and _entry(previous, now) == entry:
        return {"retentionIndex": previous["retentionIndex"]}
    notice_on = date.fromisoformat(entry["noticeOn"])
    return {"retentionIndex": _month(max(notice_on, today(now)))}


def sync(store: Store, case: Item, previous: Item | None, now: datetime) -> None:
    """Make the index match ``case`` as just stored (``previous``: the item before the change):
    remove the old entry, write the new one. Two calls at most on the request path."""
    old = (previous or {}).get("retentionIndex")
    new = case.get("retentionIndex")
    if old and (old != new or not new):
        try:
            told = store.read(INDEX_CONTAINER, old, case["caseId"]).get("noticeSentAt")
            store.delete(INDEX_CONTAINER, old, case["caseId"])
        except NotFound:
            told = None
        if told and not new:
            # A reopen or a hold cancels the notice: the timer withdraws its notifications.
            store.upsert(
                INDEX_CONTAINER,
                {
                    "id": case["caseId"],
                    "key": CANCEL_PARTITION,
                    "type": CANCEL_TYPE,
                    "caseId": case["caseId"],
                },
            )
    entry = _entry(case, now)
    if new and new != old and entry is not None:
        store.upsert(INDEX_CONTAINER, {**entry, "key": new})


def index_entries(store: Store, now: datetime, *, ahead: int = 0) -> Iterator[Item]:
    """The index entries of the last :data:`LOOKBACK_MONTHS` months up to ``ahead`` months from
    now: one query per month (and per page), never a scan."""
    for month in _months(now, LOOKBACK_MONTHS, ahead):
        continuation: str | None = None
        while True:
            page = store.query(
                INDEX_CONTAINER,
                month,
                Query(equals={"type": INDEX_TYPE}, limit=_PAGE, continuation=continuation),
            )
            yield from page.items
            continuation = page.continuation
            if continuation is None:
                break


@dataclass(frozen=True)
class Scheduled:
    case_id: str
    org_id: str
    closed_at: str
    purge_on: date  # the day the purge runs (never before the notice has been out its period)
    state: State  # due: purged on the next run; notice_due: notice on the next run; notice: told
    partition: str
    notice_sent_at: str | None = None  # set when the notice started going out


def state_of(entry: Item, now: datetime) -> tuple[State, date]:
    """Where an index entry stands on ``now``, and the day its case will be purged."""
    day = today(now)
    purge_on = date.fromisoformat(entry["purgeOn"])
    sent = entry.get("noticeSentAt")
    if sent and entry.get("noticeDone"):
        purge_on = max(purge_on, today(datetime.fromisoformat(sent)) + timedelta(days=notice_days()))
        return ("due" if purge_on <= day else "notice"), purge_on
    if sent or date.fromisoformat(entry["noticeOn"]) <= day:
        # The notice goes out on the next run; the purge follows a full notice period later.
        return "notice_due", max(purge_on, day + timedelta(days=notice_days()))
    return "waiting", purge_on


def schedule(store: Store, now: datetime, *, ahead: int | None = None) -> list[Scheduled]:
    """The timer's schedule, soonest first: every indexed case with its purge day and state.
    ``ahead`` (months) defaults to the whole retention period, for the ops listing; the timer
    passes 0 (only what is actionable now)."""
    months = retention_years() * 12 + 1 if ahead is None else ahead
    found = []
    for entry in index_entries(store, now, ahead=months):
        state, purge_on = state_of(entry, now)
        found.append(
            Scheduled(
                entry["caseId"],
                entry["orgId"],
                entry["closedAt"],
                purge_on,
                state,
                entry["key"],
                entry.get("noticeSentAt"),
            )
        )
    return sorted(found, key=lambda s: (s.purge_on, s.case_id))


def drop(store: Store, partition: str, case_id: str) -> None:
    with contextlib.suppress(NotFound):
        store.delete(INDEX_CONTAINER, partition, case_id)


@dataclass
class Reconciled:
    cases: int = 0
    written: int = 0
    moved: int = 0
    removed: int = 0


def reconcile(store: Store, now: datetime, *, dry_run: bool = False) -> Reconciled:
    """The weekly repair (scans: a timer only). For every case: the entry it should have is
    there, in the partition the case names, within the timer's reach; every other entry goes.
    A notice already sent is kept on a moved entry. ``dry_run`` counts and changes nothing
    (the ops dry run shows how far the index is off)."""
    report = Reconciled()
    reach = set(_months(now, LOOKBACK_MONTHS, 10**4 // 12))
    wanted: dict[str, tuple[Item, str]] = {}
    for case in store.scan("cases", equals={"id": "case"}):
        report.cases += 1
        entry = _entry(case, now)
        if entry is None:
            continue
        where = case.get("retentionIndex")
        if not where or where not in reach or not str(where).startswith("retention-"):
            where = placement(case, now)["retentionIndex"]
            with contextlib.suppress(NotFound):
                if not dry_run:
                    store.patch(
                        "cases", case["caseId"], "case", [PatchOperation("set", "/retentionIndex", where)]
                    )
            report.moved += 1
        wanted[case["caseId"]] = ({**entry, "key": where}, str(where))
    found: dict[str, list[Item]] = defaultdict(list)
    for item in store.scan(INDEX_CONTAINER, equals={"type": INDEX_TYPE}):
        found[item["caseId"]].append(item)
    for case_id, items in found.items():
        want = wanted.get(case_id)
        for item in items:
            if want is None or want[1] != item["key"]:
                if not dry_run:
                    drop(store, item["key"], case_id)
                report.removed += 1
    fields = ("orgId", "closedAt", "purgeOn", "noticeOn")
    for case_id, (entry, where) in wanted.items():
        items = found.get(case_id, [])
        have = next((i for i in items if i["key"] == where), None)
        # A notice sent for this closure survives a move; a new closure needs a new notice.
        told = next(
            (i for i in items if i.get("noticeSentAt") and i.get("closedAt") == entry["closedAt"]), None
        )
        kept = {"noticeSentAt": told["noticeSentAt"], "noticeDone": told.get("noticeDone")} if told else {}
        if (
            have is None
            or any(have.get(f) != entry[f] for f in fields)
            or have.get("noticeSentAt") != kept.get("noticeSentAt")
        ):
            if not dry_run:
                store.upsert(INDEX_CONTAINER, {**entry, **kept})
            report.written += 1
    return report
