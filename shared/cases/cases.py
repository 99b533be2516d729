"""The case itself: opening it (which invites the employee), its summary, closing and reopening
(closing records the date the 3-year retention counts from), and the legal hold.

The case item holds ids and states only; names come from the participants' own profiles.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from shared.access.caller import Caller
from shared.access.relations import case_item
from shared.cases import directory, participants
from shared.cases.auditing import case_audit
from shared.cases.participants import CaseClosed
from shared.effects import activity, commit, record
from shared.errors import InvalidInput, NotFound
from shared.identity import accounts, orgs
from shared.identity.accounts import Language
from shared.identity.tokens import new_id
from shared.paging import Paged, Window
from shared.ports import MAX_READ_MANY, BatchOperation, Item, Ports
from shared.retention import schedule as retention

__all__ = [
    "SUMMARY_PARTICIPANTS",
    "case_items",
    "close",
    "create",
    "participant_views",
    "participants_page",
    "read",
    "reopen",
    "set_legal_hold",
    "summary",
]

#: Participants a case summary shows at most; more continue on the participants list.
SUMMARY_PARTICIPANTS = 50


def create(
    ports: Ports,
    caller: Caller,
    org_id: str,
    *,
    employee_email: str,
    employee_name: str,
    employee_language: Language,
) -> Item:
    """Open a case in ``org_id`` with the caller as its case manager and invite the employee
    (audited ``case:create``)."""
    orgs.org(ports.store, org_id)  # NotFound for an unknown organisation
    case_id = new_id()
    # The employee is the subject of the case: their id marks whose data it is (audit, export).
    employee_id = accounts.create_invited_user(
        ports.store, ports.clock, email=employee_email, name=employee_name, language=employee_language
    )
    now = ports.clock.now()
    item = {
        "id": "case",
        "caseId": case_id,
        "orgId": org_id,
        "type": "case",
        "status": "open",
        "createdAt": now.isoformat(),
        "createdBy": caller.actor,
        "closedAt": None,
        "legalHold": False,
        "employeeUserId": employee_id,
    }
    # The event rides with the case item; the key, the organisation's case index, the
    # participants and the invitation follow in their own partitions (or later batches).
    audit = case_audit(caller, "case:create", item, now)
    case = cast(
        Item, commit(ports.store, "cases", case_id, [BatchOperation("create", item=item)], [audit])[0]
    )
    ports.case_keys.create(case_id)  # case content is sealed with the case's own key
    # The organisation's directory entry, ordered and filtered by the case's state it copies
    # (the relay keeps it current: shared/effects/activity.py).
    state = {**participants.index_state(case), "lastActivityAt": activity.stamp(now)}
    ports.store.upsert(
        "orgs", {"id": f"case-{case_id}", "orgId": org_id, "type": "case_ref", "caseId": case_id, **state}
    )
    # Findable by the employee's name in the organisation's case directory (a blind index).
    directory.index_case_name(ports, org_id, case_id, employee_name, state)
    participants.add_active(ports, case, caller.actor, "case_manager")
    participants.invite_employee(
        ports, caller, case, email=employee_email, name=employee_name, language=employee_language
    )
    return case


def case_items(ports: Ports, case_ids: Iterable[str]) -> dict[str, Item]:
    """The case items of these cases, by case id (missing ones absent): one store call per
    100 cases, not one per case."""
    wanted = list(dict.fromkeys(case_ids))
    found: dict[str, Item] = {}
    for start in range(0, len(wanted), MAX_READ_MANY):
        keys = [(case_id, "case") for case_id in wanted[start : start + MAX_READ_MANY]]
        found.update({key[0]: item for key, item in ports.store.read_points("cases", keys).items()})
    return found


def summary(ports: Ports, case_id: str) -> dict[str, Any]:
    """Status and participants — what every participant and the org admin may see (no content)."""
    return _summary(ports, _case(ports, case_id))


def read(ports: Ports, caller: Caller, case_id: str) -> dict[str, Any]:
    """The :func:`summary`, as a participant or org admin reads it (audited ``case:read``, owned
    by the case's employee: one write, from the case item the summary reads anyway)."""
    case = _case(ports, case_id, caller)
    view = _summary(ports, case)
    record(ports.store, "cases", case_id, [case_audit(caller, "case:read", case, ports.clock.now())])
    return view


def _summary(ports: Ports, case: Item) -> dict[str, Any]:
    """The case with the first page of its participants (``participantsAfter`` continues them
    on the participants list); a bounded number of store calls, whatever their number."""
    first = participants.page_for_case(ports, case["caseId"], Window(limit=SUMMARY_PARTICIPANTS))
    people = participant_views(ports, first.items)
    order = {"employee": 0, "case_manager": 1, "employer": 2, "doctor": 3}
    people.sort(key=lambda p: (order.get(p["role"], 9), p["name"]))
    keys = ("caseId", "orgId", "status", "createdAt", "closedAt", "legalHold")
    summary = {k: case.get(k) for k in keys}
    return {**summary, "participants": people, "participantsAfter": first.after, "etag": case["_etag"]}


def participant_views(ports: Ports, items: list[Item]) -> list[dict[str, Any]]:
    """Participants as the case shows them, named from their profiles (one call per 100)."""
    names = accounts.profiles(ports.store, [str(i["userId"]) for i in items])
    return [
        {
            "userId": item["userId"],
            "name": names.get(str(item["userId"]), {}).get("name", ""),
            "role": item["role"],
            "status": item["status"],
            # The account was deleted (issue 20): the name is gone, the records stay.
            "former": bool(item.get("former")) or str(item["userId"]) not in names,
        }
        for item in items
    ]


def participants_page(ports: Ports, case_id: str, window: Window) -> Paged[dict[str, Any]]:
    """One page of the case's invited and active participants, by user id, named."""
    page = participants.page_for_case(ports, case_id, window)
    return Paged(participant_views(ports, page.items), page.after)


def close(ports: Ports, caller: Caller, case_id: str, *, if_match: str) -> Item:
    """Close the case (audited ``case:close``); the retention clock starts."""
    case = _case(ports, case_id, caller)
    if case["status"] == "closed":
        raise CaseClosed("the case is already closed")
    closing = {"status": "closed", "closedAt": ports.clock.now().isoformat()}
    return _change(ports, caller, "case:close", case, closing, if_match=if_match)


def reopen(ports: Ports, caller: Caller, case_id: str, *, if_match: str) -> Item:
    """Reopen a closed case (audited ``case:reopen``)."""
    case = _case(ports, case_id, caller)
    if case["status"] != "closed":
        raise InvalidInput("only a closed case can be reopened")
    # Reopening stops the retention clock: it counts again from the next closing.
    return _change(
        ports, caller, "case:reopen", case, {"status": "open", "closedAt": None}, if_match=if_match
    )


def set_legal_hold(ports: Ports, caller: Caller, case_id: str, hold: bool, *, if_match: str) -> Item:
    """Set or lift the legal hold (audited ``case:legal_hold``)."""
    return _change(
        ports,
        caller,
        "case:legal_hold",
        _case(ports, case_id, caller),
        {"legalHold": hold},
        if_match=if_match,
    )


def _change(
    ports: Ports, caller: Caller, action: str, case: Item, changes: dict[str, Any], *, if_match: str
) -> Item:
    """Replace the case item (if still the version the caller saw) with its audit event, then
    bring the retention due-date index in line (shared/retention/schedule.py; the case item
    names its entry, and the weekly reconciliation repairs what a crash in between leaves)."""
    now = ports.clock.now()
    changed = {**case, **changes}
    changed.update(retention.placement(changed, now, case))
    change = BatchOperation("replace", item=changed, if_match=if_match)
    audit = case_audit(caller, action, case, now)
    [stored] = commit(ports.store, "cases", case["caseId"], [change], [audit])
    retention.sync(ports.store, cast(Item, stored), case, now)
    return cast(Item, stored)


def _case(ports: Ports, case_id: str, caller: Caller | None = None) -> Item:
    case = (caller.case(case_id) if caller else None) or case_item(ports.store, case_id)
    if case is None:
        raise NotFound("no such case")
    return case
