"""The read-only views of an operator under a live grant (SPEC journey 16, issue 22).

What support may see within the grant's scope: the cases' metadata and status, participants and
roles (invitation states included), the integration plan, the audit events, and the correlation
ids and codes of the organisation's failed requests. Never the content of a private item: these
functions read no document, note, reflection, evaluation, feedback or message — not even their
titles — and the access table gives operators no other route into a case.

Every answer goes through the grant's :class:`~shared.support.pseudonyms.Pseudonyms`, and every
view is audited with the grant's id and reason (the caller's access decision carries both).
"""

from __future__ import annotations

from typing import Any

from shared.access.caller import Caller
from shared.audit import AuditLog
from shared.audit.events import scope_for_case, scope_for_org
from shared.audit.log import MAX_PAGE
from shared.cases import participants, plan
from shared.effects import audit_event, audit_op
from shared.effects import record as record_effects
from shared.errors import NotFound
from shared.identity import accounts
from shared.paging import Paged, Window, store_page, text_position
from shared.ports import MAX_READ_MANY, Item, Ports, Query
from shared.support.failures import FAILURE_TYPE
from shared.support.pseudonyms import Pseudonyms

__all__ = ["audit_page", "case_view", "cases_page", "failures_page", "participants_page", "plan_page"]

_CASE_FIELDS = ("caseId", "status", "legalHold", "createdAt", "closedAt")
#: Audit targets whose ids embed a person's id (a sharing grant names its grantee), pseudonymised.
_PERSONAL_TARGETS = frozenset({"grant", "invitation"})


def _grant(caller: Caller) -> Item:
    grant = caller.decision.grant
    if grant is None:  # only the access table's ``support`` relation routes here
        raise NotFound("no such support grant")
    return grant


def _audit(
    ports: Ports, caller: Caller, action: str, *, case: Item | None, target_type: str, target_id: str
) -> None:
    """One write: the read, with the grant's id and reason, in the org's (and case's) chain; the
    case's employee sees it under "who accessed my data"."""
    grant = _grant(caller)
    org_id = str(grant["orgId"])
    case_id = str(case["caseId"]) if case else None
    event = audit_event(
        caller,
        action,
        target_type=target_type,
        target_id=target_id,
        case_id=case_id,
        org_id=org_id,
        owner_id=str(case["employeeUserId"]) if case and case.get("employeeUserId") else None,
    )
    container, partition = ("cases", case_id) if case_id else ("orgs", org_id)
    record_effects(
        ports.store, container, partition, [audit_op(container, partition, event, ports.clock.now())]
    )


def _case_entry(case: Item, names: dict[str, Item], masks: Pseudonyms) -> dict[str, Any]:
    employee = str(case.get("employeeUserId") or "")
    name = str(names.get(employee, {}).get("name", ""))
    return {
        **{k: case.get(k) for k in _CASE_FIELDS},
        "legalHold": bool(case.get("legalHold")),
        "employeeName": masks.name(employee, name) if employee else "",
    }


def cases_page(ports: Ports, caller: Caller, window: Window) -> Paged[dict[str, Any]]:
    """The cases within the grant: the organisation's (one page, by case id) or the one case."""
    grant = _grant(caller)
    masks = Pseudonyms.for_grant(grant)
    org_id = str(grant["orgId"])
    if grant.get("scope") == "case":
        case_ids, after = ([str(grant["caseId"])] if window.after is None else []), None
    else:
        found = store_page(ports.store, "orgs", org_id, Query(equals={"type": "case_ref"}), window)
        case_ids, after = [str(r["caseId"]) for r in found.items], found.after
    items: dict[str, Item] = {}
    for start in range(0, len(case_ids), MAX_READ_MANY):
        keys = [(case_id, "case") for case_id in case_ids[start : start + MAX_READ_MANY]]
        items.update({k[0]: v for k, v in ports.store.read_points("cases", keys).items()})
    names = accounts.profiles(ports.store, [str(c.get("employeeUserId")) for c in items.values()])
    live = [items[c] for c in case_ids if c in items and items[c].get("orgId") == org_id]
    entries = [
        _case_entry(case, names, masks) for case in live if case.get("status") not in ("purging", "purged")
    ]
    _audit(ports, caller, "support:cases_read", case=None, target_type="org", target_id=org_id)
    return Paged(entries, after)


def case_view(ports: Ports, caller: Caller, case_id: str) -> dict[str, Any]:
    """The case's metadata and status (audited ``case:read``)."""
    case = caller.case(case_id)
    if case is None:
        raise NotFound("no such case")
    masks = Pseudonyms.for_grant(_grant(caller))
    names = accounts.profiles(ports.store, [str(case.get("employeeUserId"))])
    view = _case_entry(case, names, masks)
    _audit(ports, caller, "case:read", case=case, target_type="case", target_id=case_id)
    return view


def participants_page(ports: Ports, caller: Caller, case_id: str, window: Window) -> Paged[dict[str, Any]]:
    """The case's participants with role and state (``invited`` = an open invitation), named and
    addressed through the grant's pseudonyms (audited ``support:participants_read``)."""
    case = caller.case(case_id)
    if case is None:
        raise NotFound("no such case")
    masks = Pseudonyms.for_grant(_grant(caller))
    page = participants.page_for_case(ports, case_id, window)
    people = accounts.profiles(ports.store, [str(p["userId"]) for p in page.items])
    entries = []
    for item in page.items:
        user_id = str(item["userId"])
        person = people.get(user_id, {})
        entries.append(
            {
                "userId": masks.user_id(user_id),
                "name": masks.name(user_id, str(person.get("name", ""))),
                "email": masks.email(user_id, str(person.get("email", ""))) if person else None,
                "role": item["role"],
                "status": item["status"],
                "since": item.get("since") or item.get("activatedAt") or item.get("invitedAt"),
            }
        )
    _audit(ports, caller, "support:participants_read", case=case, target_type="case", target_id=case_id)
    return Paged(entries, page.after)


def plan_page(ports: Ports, caller: Caller, case_id: str, window: Window) -> Paged[dict[str, Any]]:
    """The integration plan's stages; their free text ``[hidden]`` at the pseudonymised level
    (audited ``plan:read`` by the plan's own service)."""
    masks = Pseudonyms.for_grant(_grant(caller))
    page = plan.stages_page(ports, caller, case_id, window)
    entries = [
        {
            "stageId": stage["stageId"],
            "fromDate": stage.get("fromDate"),
            "workloadPercent": stage.get("workloadPercent"),
            "nextReview": stage.get("nextReview"),
            "tasks": masks.text(stage.get("tasks")),
            "version": stage.get("version"),
            "updatedAt": stage.get("updatedAt"),
            "updatedBy": masks.user_id(stage.get("updatedBy")),
        }
        for stage in page.items
    ]
    return Paged(entries, page.after)


def audit_page(ports: Ports, caller: Caller, window: Window) -> Paged[dict[str, Any]]:
    """The audit events within the grant, newest first: the organisation's chain, or the case's
    (audited ``support:audit_read``). People are pseudonymised, reasons hidden at that level."""
    grant = _grant(caller)
    masks = Pseudonyms.for_grant(grant)
    case_id = str(grant["caseId"]) if grant.get("scope") == "case" else None
    scope = scope_for_case(case_id) if case_id else scope_for_org(str(grant["orgId"]))
    page = AuditLog(ports.store, ports.clock).query(
        scope, limit=min(window.limit, MAX_PAGE), continuation=text_position(window)
    )
    entries = []
    for recorded in page.events:
        event = recorded.event
        target = event.target_id
        if event.target_type == "user":
            target = masks.user_id(target) or target
        elif event.target_type in _PERSONAL_TARGETS:
            target = masks.opaque(target) or target
        entries.append(
            {
                "seq": recorded.seq,
                "at": recorded.at,
                "actor": masks.user_id(event.actor),
                "action": event.action,
                "targetType": event.target_type,
                "targetId": target,
                "caseId": event.case_id,
                "ownerId": masks.user_id(event.owner_id),
                "reason": masks.text(event.reason),
                "grantId": event.grant_id,
                "requestId": event.request_id,
            }
        )
    case = caller.case(case_id) if case_id else None
    target_type, target_id = ("case", case_id) if case_id else ("org", str(grant["orgId"]))
    _audit(ports, caller, "support:audit_read", case=case, target_type=target_type, target_id=target_id)
    return Paged(entries, page.continuation)


def failures_page(ports: Ports, caller: Caller, window: Window) -> Paged[dict[str, Any]]:
    """The organisation's failed requests (correlation id, code, status, route, time), newest
    first; of the one case at case scope (audited ``support:failures_read``)."""
    grant = _grant(caller)
    org_id = str(grant["orgId"])
    equals: dict[str, Any] = {"type": FAILURE_TYPE}
    if grant.get("scope") == "case":
        equals["caseId"] = str(grant["caseId"])
    query = Query(equals=equals, order_by="id", descending=True)
    page = store_page(ports.store, "orgs", org_id, query, window)
    keys = ("correlationId", "code", "status", "function", "caseId", "at")
    entries = [{k: item.get(k) for k in keys} for item in page.items]
    _audit(ports, caller, "support:failures_read", case=None, target_type="org", target_id=org_id)
    return Paged(entries, page.after)
