"""Last activity per case, as each viewer may see it (issue 24): stamped by the relay onto the
case indexes, never onto the case item.

"My cases" (``users`` [userId] ``case-<caseId>``) and the organisation's case directory
(``orgs`` [orgId] ``case-<caseId>`` and the blind-index entries ``name-<token>-<caseId>``) list
from index items; each carries ``lastActivityAt`` and a copy of the case's ``caseStatus`` and
``legalHold``, so a page can be ordered and filtered by them in one query (keyset, field then id).

The relay (:mod:`shared.effects.relay`) is the only writer of those fields: it sees every audited
event once, and patches each index entry at most once per run — no request ever fights over the
case item's ETag to bump a time, and a busy case costs one patch per entry per 5 s, not per write.

**What counts as activity** is a *change* in the case, never a read — and only one the viewer
could know of anyway, so the time reveals nothing of anyone's private area (SPEC §4):

- *case-wide* changes, which every participant sees: the case opened, closed, reopened, put on or
  off legal hold, people invited or removed, the integration plan changed. These are also the only
  ones the organisation's directory shows (org admins never see content: a time of those, no more);
- the viewer's *own* changes (their documents, notes, reflections, messages, shares …);
- what reaches the viewer: an item shared with them (evaluations and feedback reach their
  recipients, and the employee, this way), a message or thread they are a member of.

A private note written by the employee therefore moves the employee's own "last activity", not
the employer's.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from shared.audit.events import AuditEvent, format_time
from shared.errors import NotFound
from shared.ports import MAX_READ_MANY, Item, PatchOperation, Ports, Query

__all__ = ["CASE_WIDE", "Touched", "backfill", "is_activity", "stamp", "stamp_case_indexes", "touched_by"]

#: Changes every participant of the case sees (and the organisation's directory shows).
CASE_WIDE = frozenset(
    {
        "case:create",
        "case:close",
        "case:reopen",
        "case:legal_hold",
        "participant:invite",
        "participant:remove",
        "plan:write",
    }
)
#: The verbs of a change (an action ``<subject>:<verb>``); reads, lists and previews are not.
_CHANGES = frozenset(
    {"create", "update", "write", "delete", "amend", "send", "share", "revoke", "add_member", "leave"}
)
#: Subjects whose changes are administration around a case, not work in it.
_NOT_CASEWORK = frozenset(
    {"access_review", "temp_access", "support", "export", "account", "staff", "operator"}
)
#: Changes whose thread members see them.
_THREAD = frozenset({"message:send", "thread:create", "thread:add_member"})
_INDEXED = ("case_ref", "case_name")

K = TypeVar("K")


def stamp(moment: datetime) -> str:
    """A time as the index keeps it: fixed-width UTC, so text order is time order."""
    return format_time(moment)


def is_activity(event: AuditEvent) -> bool:
    """Whether the event is a change in a case (see the module docstring)."""
    if event.case_id is None:
        return False
    if event.action in CASE_WIDE:
        return True
    subject, _, verb = event.action.partition(":")
    return verb in _CHANGES and subject not in _NOT_CASEWORK


@dataclass
class Touched:
    """What one relay run saw: per case the latest case-wide change, per (case, user) the
    latest change that user sees besides; threads whose members are still to be looked up."""

    case_wide: dict[str, str]
    personal: dict[tuple[str, str], str]
    threads: dict[tuple[str, str], str]

    def __bool__(self) -> bool:
        return bool(self.case_wide or self.personal or self.threads)


def _later(table: dict[K, str], key: K, at: str) -> None:
    if at > table.get(key, ""):
        table[key] = at


def touched_by(events: Iterable[tuple[AuditEvent, str]]) -> Touched:
    """Sort events (with their stored ``at``) into what moves whose last activity."""
    case_wide: dict[str, str] = {}
    personal: dict[tuple[str, str], str] = {}
    threads: dict[tuple[str, str], str] = {}
    for event, at in events:
        if not is_activity(event) or event.case_id is None:
            continue
        case_id = event.case_id
        if event.action in CASE_WIDE:
            _later(case_wide, case_id, at)
            continue
        _later(personal, (case_id, event.actor), at)
        parts = event.target_id.split("-", 3)
        if event.action == "item:share" and len(parts) == 4 and parts[0] == "grant":
            # A grant's id ends with its grantee: grant-<type>-<itemId>-<grantee>.
            _later(personal, (case_id, parts[3]), at)
        elif event.action in _THREAD:
            thread_id = event.target_id.split("-", 1)[0]  # a message's target is <thread>-<message>
            _later(threads, (case_id, thread_id), at)
    return Touched(case_wide, personal, threads)


def stamp_case_indexes(ports: Ports, touched: Touched) -> int:
    """Patch ``lastActivityAt`` (and the case's status, for the filters) onto the index entries
    of what ``touched`` names; returns how many entries were patched. A background job's cost:
    per case with a case-wide change one read (per 100 cases), two queries (its participants, its
    organisation's entries) and a patch per entry; per other change one patch."""
    personal = dict(touched.personal)
    for (case_id, user_id), at in _thread_members(ports, touched.threads).items():
        _later(personal, (case_id, user_id), at)
    patched = 0
    cases = _case_items(ports, touched.case_wide)
    for case_id, at in touched.case_wide.items():
        case = cases.get(case_id)
        if case is None:
            continue  # purged meanwhile
        state = [
            PatchOperation("set", "/caseStatus", case.get("status")),
            PatchOperation("set", "/legalHold", bool(case.get("legalHold"))),
        ]
        org_id = str(case.get("orgId"))
        for entry in _every(ports, "orgs", org_id, Query(equals={"caseId": case_id})):
            if entry.get("type") in _INDEXED:
                patched += _patch(ports, "orgs", org_id, str(entry["id"]), [*state, _set(at)])
        for person in _every(ports, "cases", case_id, Query(equals={"type": "participant"})):
            if person.get("status") not in ("invited", "active"):
                continue
            user_id = str(person["userId"])
            latest = max(at, personal.pop((case_id, user_id), ""))
            patched += _patch(ports, "users", user_id, f"case-{case_id}", [*state, _set(latest)])
    for (case_id, user_id), at in personal.items():
        patched += _patch(ports, "users", user_id, f"case-{case_id}", [_set(at)])
    return patched


def _set(at: str) -> PatchOperation:
    return PatchOperation("set", "/lastActivityAt", at)


def _patch(ports: Ports, container: str, partition: str, item_id: str, ops: list[PatchOperation]) -> int:
    with contextlib.suppress(NotFound):  # not indexed (a system actor, a former participant, purged)
        ports.store.patch(container, partition, item_id, ops)
        return 1
    return 0


def _case_items(ports: Ports, case_ids: Iterable[str]) -> dict[str, Item]:
    wanted = list(case_ids)
    found: dict[str, Item] = {}
    for start in range(0, len(wanted), MAX_READ_MANY):
        keys = [(case_id, "case") for case_id in wanted[start : start + MAX_READ_MANY]]
        found.update({key[0]: item for key, item in ports.store.read_points("cases", keys).items()})
    return found


def _thread_members(ports: Ports, threads: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """(case, member) → the latest change in a thread they are a member of (one call per 100 threads)."""
    members: dict[tuple[str, str], str] = defaultdict(str)
    keys = list(threads)
    for start in range(0, len(keys), MAX_READ_MANY):
        chunk = [
            (case_id, f"thread-{thread_id}") for case_id, thread_id in keys[start : start + MAX_READ_MANY]
        ]
        for (case_id, item_id), thread in ports.store.read_points("cases", chunk).items():
            at = threads[(case_id, item_id.removeprefix("thread-"))]
            for user_id in thread.get("members", {}) or {}:
                _later(members, (case_id, str(user_id)), at)
    return dict(members)


def _every(ports: Ports, container: str, partition: str, query: Query) -> list[Item]:
    items: list[Item] = []
    continuation: str | None = None
    while True:
        page = ports.store.query(
            container, partition, Query(equals=query.equals, limit=500, continuation=continuation)
        )
        items += page.items
        continuation = page.continuation
        if continuation is None:
            return items


def backfill(ports: Ports) -> int:
    """Give the index entries written before last activity existed the case's state, and its
    opening as their last activity where they have none (an ops step, once: ``python -m
    shared.cli backfill-case-index``; Cosmos leaves an item without the ordered field out of an
    ordered query). Idempotent; a time already stamped is kept. Returns the entries patched."""
    patched = 0
    for case in ports.store.scan("cases", equals={"type": "case"}):
        case_id, org_id = str(case["caseId"]), str(case["orgId"])
        opened = case.get("createdAt")
        state = [
            PatchOperation("set", "/createdAt", opened),
            PatchOperation("set", "/caseStatus", case.get("status")),
            PatchOperation("set", "/legalHold", bool(case.get("legalHold"))),
        ]
        since = [_set(stamp(datetime.fromisoformat(str(opened))))] if opened else []
        entries: list[tuple[str, str, Item]] = [
            ("orgs", org_id, entry)
            for entry in _every(ports, "orgs", org_id, Query(equals={"caseId": case_id}))
            if entry.get("type") in _INDEXED
        ]
        people = [
            str(p["userId"]) for p in _every(ports, "cases", case_id, Query(equals={"type": "participant"}))
        ]
        for start in range(0, len(people), MAX_READ_MANY):
            keys = [(user_id, f"case-{case_id}") for user_id in people[start : start + MAX_READ_MANY]]
            entries += [
                ("users", key[0], entry) for key, entry in ports.store.read_points("users", keys).items()
            ]
        for container, partition, entry in entries:
            missing = since if not entry.get("lastActivityAt") else []
            patched += _patch(ports, container, partition, str(entry["id"]), [*state, *missing])
    return patched
