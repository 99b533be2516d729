"""The retention purge (SPEC journey 13): a case closed ``CASEDESK_RETENTION_YEARS`` ago and not
under legal hold is deleted — its keys first — and leaves only a tombstone and its audit events.

One case, in this order (:func:`purge_case`); every step is idempotent, so a run that dies
anywhere is finished by the next one, and a second run finds nothing left to do:

a. **mark** the case ``purging`` (if it is still closed, unheld and due by its own record: the
   case is the truth, the index only finds it), noting its participants' ids, which the later
   steps need after the participant items are gone. From now on every route answers 410;
b. **destroy the case's data key** (crypto-shredding): from here nothing of the case decrypts
   anywhere — blob versions, soft-deleted copies, backups — and within
   :data:`shared.crypto.case_keys.CACHE_SECONDS` no running instance holds it any more;
c. **delete the case's blobs**: the folder ``cases/<caseId>/`` with everything in it, in one
   call (``BlobStore.delete_prefix``), so an orphan of a failed upload goes too;
d. **delete every item**: each item type's ``purge_case`` hook from the registry
   (:mod:`shared.item_types` — documents, notes, reflections, and whatever registers later),
   then every item in the participants' partitions that points into the case (their "my
   cases" entry, notifications, counters), the organisation's items of the case (its case index,
   invitations with their token links), and every item left in the case partition in one call
   (``Store.delete_partition``: participants, grants, invitations' effects, plan entries, …, but
   not the case item and the pending audit events, which the relay still has to chain); before
   that, the lookup records of the case's PDF reports in ``directory``
   (:func:`shared.reports.reports.purge_case`);
e.+f. **tombstone and final event**, one batch: the case item becomes ``{caseId, orgId,
   status: purged, closedAt, purgedAt}`` — no people — and the event ``case:purge`` (actor
   ``system``, ids only) closes the case's audit chain. Then the index entry goes.

The audit chain of the case outlives it and is deleted ``CASEDESK_AUDIT_RETENTION_YEARS`` after
the purge by the weekly reconciliation (:func:`expire_audit`).

**Many cases at once** (:func:`purge_cases`, docs/decisions/022 "Speed"): a run takes the due
cases in chunks of :data:`DEFAULT_CHUNK`, several chunks at once. A chunk goes step by step —
(a)+(b) of all its cases, then (c) of each, then (d)–(f) of all — each step of all its cases in one
``Store.grouped`` block (SQLite: one transaction; Cosmos: each call as it comes), each case in a
group of its own inside it, so one case failing stops that case only. Every case keeps its own
order: its key is destroyed, and committed, before any of its blobs or items goes.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any, Literal

from shared import config
from shared.audit.events import SYSTEM_ACTOR, AuditEvent, scope_for_case
from shared.effects import EFFECT_TYPE, audit_op, commit
from shared.errors import CaseDeskError, ConcurrencyConflict, NotFound
from shared.item_types import REGISTRY, ItemType, hooks
from shared.log import log_event
from shared.ports import MAX_BATCH_OPERATIONS, MAX_READ_MANY, BatchOperation, Item, Ports, Query, Store
from shared.retention import notice
from shared.retention.schedule import (
    CANCEL_PARTITION,
    Scheduled,
    drop,
    purge_date,
    reconcile,
    schedule,
    today,
)

__all__ = ["Outcome", "RunReport", "expire_audit", "purge_case", "run", "weekly"]

Outcome = Literal["purged", "resumed", "already", "skipped"]

#: A run stops starting new cases after this long (the Functions timeout is 10 minutes on the
#: Consumption plan); what is left is taken by the next run.
DEFAULT_BUDGET_SECONDS = 480.0
#: Cases one run purges at most; notices one run sends at most.
DEFAULT_MAX_CASES = 20_000
#: Chunks of cases purged at once (threads: the work is mostly waiting for the store and the
#: blob service).
DEFAULT_WORKERS = 8
#: Cases purged together, step by step (:func:`purge_cases`): on SQLite each step of a chunk is
#: one transaction, which holds the writer lock while it lasts (a few ms per case).
DEFAULT_CHUNK = 25
_PAGE = 100


def _ids(store: Store, container: str, partition: str, equals: dict[str, Any]) -> list[Item]:
    found: list[Item] = []
    continuation: str | None = None
    while True:
        page = store.query(container, partition, Query(equals=equals, limit=_PAGE, continuation=continuation))
        found += page.items
        continuation = page.continuation
        if continuation is None:
            return found


def _delete_all(store: Store, container: str, partition: str, ids: Iterable[str]) -> int:
    """Delete these items of one partition, 100 per batch (one by one where some are gone)."""
    wanted = list(ids)
    for start in range(0, len(wanted), MAX_BATCH_OPERATIONS):
        chunk = wanted[start : start + MAX_BATCH_OPERATIONS]
        try:
            store.batch(container, partition, [BatchOperation("delete", id=i) for i in chunk])
        except NotFound:  # some deleted by an earlier, interrupted run
            for item_id in chunk:
                with contextlib.suppress(NotFound):
                    store.delete(container, partition, item_id)
    return len(wanted)


@functools.cache
def _hook_modules(kinds: tuple[ItemType, ...]) -> tuple[ModuleType, ...]:
    """The registry's hook modules, resolved once per registry (an import lookup per type per
    case adds up over 10,000 cases)."""
    return tuple(hooks(kind) for kind in kinds)


@functools.cache
def _module(name: str) -> ModuleType:
    """A module imported when first needed, then looked up once (``import_module`` on every
    case cost a quarter of a millisecond)."""
    return importlib.import_module(name)


def _due_by_record(case: Item, now: datetime) -> bool:
    return (
        case.get("status") == "closed"
        and bool(case.get("closedAt"))
        and not case.get("legalHold")
        and purge_date(datetime.fromisoformat(case["closedAt"])) <= today(now)
    )


def purge_case(ports: Ports, case_id: str, now: datetime, *, partition: str | None = None) -> Outcome:
    """Purge one case (steps a–f of the module docstring). ``partition`` is its index entry's,
    removed at the end. Raises on a failing port: the next run carries on from the stored state."""
    (result,) = purge_cases(ports, [(case_id, partition)], now)
    if isinstance(result, Exception):
        raise result
    return result


@dataclass
class _Case:
    """One case of :func:`purge_cases` on its way: its item (marked, once step a is done), what
    became of it, or the error that stopped it."""

    case_id: str
    partition: str | None
    item: Item | None = None
    outcome: Outcome = "skipped"
    error: Exception | None = None

    @property
    def going(self) -> bool:
        """Marked and shredded: its blobs and items go next."""
        return self.error is None and self.outcome in ("purged", "resumed")


def purge_cases(
    ports: Ports, entries: Sequence[tuple[str, str | None]], now: datetime
) -> list[Outcome | Exception]:
    """Purge these cases (case id, index partition) together, step by step: (a)+(b) of every one
    in one store group, then (c) the blobs of each, then (d)–(f) of every one in one group — on
    SQLite one transaction per step for all of them instead of one per write (``Store.grouped``).
    Inside a group each case has a group of its own: a case that fails is undone alone where the
    store can (SQLite) and left half-done where it cannot (Cosmos), and the others go on; the
    next run carries it on from the stored state either way. The order holds for every case: its
    key is destroyed (and committed) before any of its blobs or items goes. Returns each case's
    outcome, or the error that stopped it, in the order given."""
    store = ports.store
    cases = [_Case(case_id, partition) for case_id, partition in entries]
    try:
        keys = [(case.case_id, "case") for case in cases]
        found: dict[tuple[str, str], Item] = {}
        for start in range(0, len(keys), MAX_READ_MANY):
            found.update(store.read_points("cases", keys[start : start + MAX_READ_MANY]))
    except (CaseDeskError, OSError) as exc:
        return [exc for _ in cases]
    for case in cases:
        case.item = found.get((case.case_id, "case"))
    _each(store, cases, lambda case: _mark_and_shred(ports, case, now))  # (a) + (b)
    for case in (c for c in cases if c.going):  # (c) one call per case, whatever its blobs
        try:
            ports.blobs.delete_prefix(f"cases/{case.case_id}/")
        except (CaseDeskError, OSError) as exc:
            case.error = exc
    _each(store, [c for c in cases if c.going], lambda case: _purge_items(ports, case, now))  # (d)–(f)
    return [case.error or case.outcome for case in cases]


def _each(store: Store, cases: Sequence[_Case], step: Callable[[_Case], None]) -> None:
    """``step`` for each case that has not failed, all in one store group, each in a group of
    its own inside it (see :func:`purge_cases`)."""
    try:
        with store.grouped():
            for case in cases:
                if case.error is not None:
                    continue
                try:
                    with store.grouped():
                        step(case)
                except (CaseDeskError, OSError) as exc:  # this case only: the others go on
                    case.error = exc
    except (CaseDeskError, OSError) as exc:  # the group itself failed (its commit): none of it holds
        for case in cases:
            case.error = case.error or exc


def _mark_and_shred(ports: Ports, case: _Case, now: datetime) -> None:
    """(a) mark the case ``purging`` (if it is due by its own record), (b) destroy its key."""
    store = ports.store
    item = case.item
    if item is None:
        case.outcome = "skipped"
        return
    if item.get("status") == "purged":
        if case.partition:
            drop(store, case.partition, case.case_id)
        case.outcome = "already"
        return
    case.outcome = "resumed"
    if item.get("status") != "purging":
        if not _due_by_record(item, now):
            case.outcome = "skipped"  # reopened, held or re-closed since: the index was stale
            return
        participants = _ids(store, "cases", case.case_id, {"type": "participant"})
        users = sorted({str(p["userId"]) for p in participants})
        marked = {**item, "status": "purging", "purgeStartedAt": now.isoformat(), "purgeUsers": users}
        case.item = store.replace("cases", marked, if_match=item["_etag"])  # (a)
        case.outcome = "purged"
    ports.case_keys.destroy(case.case_id)  # (b) crypto-shredding, before anything else is deleted


def _purge_items(ports: Ports, entry: _Case, now: datetime) -> None:
    """(d) every item of the case, (e)+(f) the tombstone and the final event, the index entry."""
    store, case, case_id, partition = ports.store, entry.item or {}, entry.case_id, entry.partition
    for module in _hook_modules(tuple(REGISTRY.values())):  # (d) every type's own hook, then the rest
        module.purge_case(ports, case_id)
    # Reports' lookup records (the sweep takes the rest); resolved when called, like the registry
    # hooks: shared.reports imports documents → cases → retention (no package cycle).
    _module("shared.reports.reports").purge_case(ports, case_id)
    for user_id in case.get("purgeUsers", []):  # their "my cases" entry, notifications, counters
        store.delete_partition("users", str(user_id), equals={"caseId": case_id})
    _purge_org_items(store, str(case["orgId"]), case_id)
    # The rest of the case partition in one call, but the case item (it becomes the tombstone)
    # and the audit events still pending for the relay (ids only; the relay chains and deletes
    # them). Pending e-mails go: nothing about a purged case is sent any more.
    pending = _ids(store, "cases", case_id, {"type": EFFECT_TYPE, "kind": "audit"})
    store.delete_partition("cases", case_id, keep=["case", *(str(i["id"]) for i in pending)])
    tombstone = {  # (f) no people: ids and dates only
        "id": "case",
        "caseId": case_id,
        "orgId": case["orgId"],
        "type": "case",
        "status": "purged",
        "closedAt": case.get("closedAt"),
        "purgedAt": now.isoformat(),
        "retentionIndex": None,
    }
    event = AuditEvent(  # (e) the chain's last event: ids only, no owner (no user chain)
        actor=SYSTEM_ACTOR,
        action="case:purge",
        target_type="case",
        target_id=case_id,
        request_id=f"sys-{uuid.uuid4().hex}",
        case_id=case_id,
        org_id=str(case["orgId"]),
    )
    commit(
        store,
        "cases",
        case_id,
        [BatchOperation("replace", item=tombstone, if_match=case["_etag"])],
        [audit_op("cases", case_id, event, now)],
    )
    drop(store, CANCEL_PARTITION, case_id)
    for where in {partition, case.get("retentionIndex")} - {None}:  # last: a rerun finds the case
        drop(store, str(where), case_id)


def _purge_org_items(store: Store, org_id: str, case_id: str) -> None:
    """The organisation's items of the case: its case index and the invitations into the case,
    each invitation's token link in the directory first (the index item names it)."""
    for item in _ids(store, "orgs", org_id, {"caseId": case_id, "type": "invitation"}):
        if item.get("tokenHash"):
            key = f"invitation-{item['tokenHash']}"
            with contextlib.suppress(NotFound):
                store.delete("directory", key, key)
    store.delete_partition("orgs", org_id, equals={"caseId": case_id})


@dataclass
class RunReport:
    due: int = 0
    purged: int = 0
    resumed: int = 0
    failed: int = 0
    skipped: int = 0
    left: int = 0
    notices: int = 0
    notified: int = 0
    withdrawn: int = 0
    failed_codes: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, int]:
        counts = {k: v for k, v in self.__dict__.items() if isinstance(v, int)}
        return counts


def run(
    ports: Ports,
    *,
    budget_seconds: float = DEFAULT_BUDGET_SECONDS,
    max_cases: int = DEFAULT_MAX_CASES,
    workers: int = DEFAULT_WORKERS,
    chunk: int = DEFAULT_CHUNK,
    monotonic: Callable[[], float] = time.monotonic,
) -> RunReport:
    """One run of the daily ``retention_purge`` timer: withdraw cancelled notices, send the
    notices that are due, purge the cases that are due — bounded by ``budget_seconds`` and
    ``max_cases`` — and log one line of counts (no ids, no personal data)."""
    started = monotonic()
    now = ports.clock.now()
    report = RunReport()
    report.withdrawn = notice.withdraw_cancelled(ports, limit=1000)
    planned = schedule(ports.store, now, ahead=0)
    for entry in (e for e in planned if e.state == "notice_due"):
        try:
            report.notified += notice.send_notice(ports, entry, now)
            report.notices += 1
        except CaseDeskError as exc:
            _failed(report, exc)
    due = [e for e in planned if e.state == "due"]
    report.due = len(due)
    lock = threading.Lock()
    todo = due[:max_cases]
    # Chunks of ``chunk`` cases, smaller when there are few: every worker gets one.
    size = max(1, min(chunk, -(-len(todo) // max(1, workers))))
    chunks = [todo[i : i + size] for i in range(0, len(todo), size)]

    def one(entries: list[Scheduled]) -> None:
        if monotonic() - started > budget_seconds:  # out of time: the next run takes the rest
            with lock:
                report.left += len(entries)
            return
        results = purge_cases(ports, [(e.case_id, e.partition) for e in entries], now)
        with lock:
            for result in results:
                _count(report, result)

    # Chunks are independent: several at once, so the waits of one (a blob delete, a store round
    # trip, the writer lock) overlap with the work of another. Each case's steps stay in order.
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="retention") as pool:
        list(pool.map(one, chunks))
    report.left += max(0, len(due) - max_cases)
    log_event("retention.run", logging.ERROR if report.failed else logging.INFO, **report.to_json())
    return report


def _count(report: RunReport, result: Outcome | Exception) -> None:
    if isinstance(result, Exception):  # one case failing does not stop the others
        _failed(report, result)
    elif result == "purged":
        report.purged += 1
    elif result in ("resumed", "already"):  # "already": only its index entry was left
        report.resumed += 1
    else:
        report.skipped += 1


def _failed(report: RunReport, exc: Exception) -> None:
    report.failed += 1
    code = exc.code if isinstance(exc, CaseDeskError) else "internal_error"
    report.failed_codes[code] = report.failed_codes.get(code, 0) + 1


def expire_audit(ports: Ports, now: datetime) -> int:
    """Delete the audit chain of every case purged ``CASEDESK_AUDIT_RETENTION_YEARS`` ago (a scan
    of the tombstones: the weekly timer). The events' copies in the organisation's chain stay."""
    years = config.int_setting("CASEDESK_AUDIT_RETENTION_YEARS")
    limit = today(now) - timedelta(days=round(365.25 * years))
    expired = 0
    for tombstone in ports.store.scan("cases", equals={"id": "case", "status": "purged"}):
        purged = tombstone.get("purgedAt")
        if not purged or today(datetime.fromisoformat(purged)) > limit or tombstone.get("auditExpired"):
            continue
        scope = scope_for_case(str(tombstone["caseId"]))
        ids = [i["id"] for i in _ids(ports.store, "audit", scope, {})]
        _delete_all(ports.store, "audit", scope, ids)
        with contextlib.suppress(NotFound, ConcurrencyConflict):
            ports.store.replace(
                "cases", {**tombstone, "auditExpired": now.isoformat()}, if_match=tombstone["_etag"]
            )
        expired += 1
    return expired


def weekly(ports: Ports) -> dict[str, int]:
    """The weekly ``retention_reconcile`` timer: repair the due-date index from the case records,
    expire old audit chains of purged cases; one log line of counts."""
    now = ports.clock.now()
    repaired = reconcile(ports.store, now)
    counts = {**repaired.__dict__, "auditExpired": expire_audit(ports, now)}
    log_event("retention.reconciled", **counts)
    return counts
