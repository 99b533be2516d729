"""Support grants: request → approve (optionally narrowed) / deny → step-up activation → expiry or
revocation (SPEC journey 16, issue 22, docs/decisions/038-support-access.md).

Storage, two items per grant:

- ``orgs`` [orgId] ``tempaccess-<grantId>`` — the grant itself, ``kind: "support"``: the record
  the temporary-access overview of issue 23 lists (shared.tempaccess.breakglass), with the
  support fields (``state``, ``level``, ``hours``, the per-grant pseudonym key). The admins'
  list, decisions and revocation read and change it with If-Match; the access check reads it on
  every request of the operator, so a revocation or the end of the window counts at the next one.
- ``users`` [operatorId] ``supportgrant-<grantId>`` — an immutable reference naming the grant's
  organisation: the operator's own list pages these (one query) and reads the grants in one
  ``read_points``; the access check reads it to find the grant (the route names only the grant).

States: ``requested`` → ``approved`` | ``denied``; ``approved`` → ``active`` (the operator, with a
fresh second factor); ``requested`` | ``approved`` | ``active`` → ``revoked`` (an org admin).
``expired`` is not stored: it is an ``approved`` or ``active`` grant whose ``untilAt`` passed;
nor is ``lapsed``: a request nobody decided within :data:`REQUEST_DAYS` (it can no longer be
approved, and no longer counts against the operator's :data:`MAX_OPEN_REQUESTS`).
Every transition is one batch with its audit event (grant id and reason) in the org's partition.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast

from shared.access.caller import Caller
from shared.access.relations import support_grant, support_grant_is_live
from shared.audit.events import AuditEvent
from shared.effects import audit_op, commit
from shared.errors import NotFound
from shared.identity import orgs
from shared.identity.tokens import sortable_id
from shared.notifications.inbox import notify
from shared.ports import BatchOperation, Item, Ports, Query, Store
from shared.support.errors import (
    SupportDurationInvalid,
    SupportGrantDecided,
    SupportReasonRequired,
    SupportRequestsOpen,
    SupportScopeInvalid,
    SupportSelfDecision,
    SupportTicketInvalid,
    SupportWidening,
)

__all__ = [
    "DEFAULT_HOURS",
    "LEVELS",
    "MAX_HOURS",
    "MAX_OPEN_REQUESTS",
    "MAX_REASON",
    "MAX_TICKET",
    "SCOPES",
    "audit_transition",
    "decide",
    "is_live",
    "iso",
    "lapsed",
    "own_grant",
    "request_access",
    "revoke",
    "status",
    "support_event",
    "undecided",
]

Scope = Literal["org", "case"]
Level = Literal["pseudonymised", "identified"]
SCOPES: tuple[Scope, ...] = ("org", "case")
LEVELS: tuple[Level, ...] = ("pseudonymised", "identified")
DEFAULT_HOURS = 24
MAX_HOURS = 72
MAX_REASON = 500
MAX_TICKET = 64
#: Undecided requests one operator may have open with one organisation.
MAX_OPEN_REQUESTS = 3
#: An undecided request lapses after this many days: whoever still needs access asks again.
REQUEST_DAYS = 7
KIND = "support"
STATES = ("requested", "approved", "denied", "active", "revoked")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def record_id(grant_id: str) -> str:
    return f"tempaccess-{grant_id}"


def ref_id(grant_id: str) -> str:
    return f"supportgrant-{grant_id}"


def _one_line(value: object, limit: int) -> str:
    clean = value.strip() if isinstance(value, str) else ""
    if len(clean) > limit or any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in clean):
        return ""
    return clean


def _hours(value: object) -> int:
    if value is None:
        return DEFAULT_HOURS
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_HOURS:
        raise SupportDurationInvalid(
            f"a duration is 1 to {MAX_HOURS} hours", field="hours", maximum=MAX_HOURS
        )
    return value


def support_event(caller: Caller, action: str, record: Item, *, case_id: str | None = None) -> AuditEvent:
    """Every support event carries the grant id and the request's reason."""
    return AuditEvent(
        actor=caller.actor,
        action=action,
        target_type="support_grant",
        target_id=str(record["accessId"]),
        request_id=caller.request_id,
        case_id=case_id,
        org_id=str(record["orgId"]),
        reason=str(record["reason"]),
        grant_id=str(record["accessId"]),
    )


def audit_transition(caller: Caller, action: str, record: Item, now: datetime) -> BatchOperation:
    """The pending audit event of a transition, in the grant's organisation partition."""
    event = support_event(caller, action, record, case_id=record.get("caseId"))
    return audit_op("orgs", str(record["orgId"]), event, now)


def status(record: Item, now: datetime) -> str:
    """``requested``, ``lapsed``, ``approved``, ``denied``, ``active``, ``expired`` or ``revoked``."""
    state = str(record.get("state", "requested"))
    if state in ("approved", "active") and str(record.get("untilAt", "")) <= iso(now):
        return "expired"
    if lapsed(record, now):
        return "lapsed"
    return state


def lapsed(record: Item, now: datetime) -> bool:
    """A request still undecided more than :data:`REQUEST_DAYS` after it was made (the
    complement of :func:`undecided`'s range)."""
    return record.get("state") == "requested" and str(record.get("requestedAt", "")) < iso(
        now - timedelta(days=REQUEST_DAYS)
    )


def undecided(now: datetime, **equals: str) -> Query:
    """The requests of an organisation's partition still waiting for a decision (not lapsed)."""
    return Query(
        equals={"type": "temp_access", "kind": KIND, "state": "requested", **equals},
        range_field="requestedAt",
        gte=iso(now - timedelta(days=REQUEST_DAYS)),
        order_by="id",
        descending=True,
    )


def is_live(record: Item, now: datetime) -> bool:
    """Activated, not revoked, and its window not yet over: the operator may read now."""
    return support_grant_is_live(record, now)


def own_grant(store: Store, user_id: str, grant_id: str) -> Item | None:
    return support_grant(store, user_id, grant_id)


def request_access(
    ports: Ports,
    caller: Caller,
    *,
    org_id: str,
    scope: str,
    case_id: str | None,
    reason: str,
    ticket: str,
    hours: int | None,
    level: str | None,
) -> Item:
    """An operator asks an organisation for access (audited ``support:request``; the org's admins
    are notified in-app and by the content-free e-mail notice). An unknown organisation, or a
    case that is not the organisation's, is ``not_found`` — the same answer as any org route."""
    clean = _one_line(reason, MAX_REASON)
    if not clean:
        raise SupportReasonRequired("give a reason (one line, at most 500 characters)", field="reason")
    ref = _one_line(ticket, MAX_TICKET)
    if not ref:
        raise SupportTicketInvalid(
            "give the ticket reference (one line, at most 64 characters)", field="ticket"
        )
    duration = _hours(hours)
    chosen_level = level or "pseudonymised"
    if chosen_level not in LEVELS:
        raise SupportScopeInvalid("the level is pseudonymised or identified", field="level")
    if scope not in SCOPES or (scope == "case") != bool(case_id):
        raise SupportScopeInvalid("scope case names a case, scope org none", field="scope")
    _check_target(ports, org_id, case_id)
    now = ports.clock.now()
    if ports.store.count("orgs", org_id, undecided(now, userId=caller.actor)) >= MAX_OPEN_REQUESTS:
        raise SupportRequestsOpen("wait for the organisation's decision on your open requests")
    grant_id = sortable_id(now)
    record: Item = {
        "id": record_id(grant_id),
        "orgId": org_id,
        "type": "temp_access",
        "kind": KIND,
        "accessId": grant_id,
        "userId": caller.actor,
        "caseId": case_id if scope == "case" else None,
        "scope": scope,
        "reason": clean,
        "ticket": ref,
        "level": chosen_level,
        "hours": duration,
        "state": "requested",
        "requestedAt": iso(now),
        "decidedAt": None,
        "decidedBy": None,
        "activatedAt": None,
        # Planned until activation (the overview's columns): the window starts at activation.
        "fromAt": iso(now),
        "untilAt": iso(now + timedelta(hours=duration)),
        "endedAt": None,
        "endedBy": None,
        "reviewedAt": None,
        "reviewedBy": None,
        "reviewComment": None,
        # Keys the pseudonyms of this grant (shared.support.pseudonyms): stable within the grant,
        # unlinkable across grants. Never part of any answer.
        "pseudonymKey": secrets.token_hex(32),
    }
    # The operator's reference first: a reference without a grant (a crash in between) is
    # skipped by the list and the access check; a grant is never missing from the list.
    ports.store.upsert(
        "users",
        {"id": ref_id(grant_id), "userId": caller.actor, "type": "support_grant_ref", "orgId": org_id},
    )
    [stored] = commit(
        ports.store,
        "orgs",
        org_id,
        [BatchOperation("create", item=record)],
        [audit_transition(caller, "support:request", record, now)],
    )
    for member in orgs.members(ports.store, org_id):
        if "org_admin" in member.get("roles", []):
            notify(
                ports, str(member["userId"]), "support_request", case_id=None, item_type="org", item_id=org_id
            )
    return cast(Item, stored)


def _check_target(ports: Ports, org_id: str, case_id: str | None) -> None:
    """The organisation exists (and the case is one of its, not purged); else ``not_found``."""
    if not org_id.isalnum() or len(org_id) > 64:
        raise NotFound("no such organisation")
    try:
        orgs.org(ports.store, org_id)
    except NotFound:
        raise NotFound("no such organisation") from None
    if case_id is not None:
        found = ports.store.read_many("cases", case_id, ["case"]) if case_id.isalnum() else {}
        case = found.get("case")
        if case is None or case.get("orgId") != org_id or case.get("status") in ("purging", "purged"):
            raise NotFound("no such case")


def _record(ports: Ports, org_id: str, grant_id: str) -> Item:
    try:
        found = ports.store.read("orgs", org_id, record_id(grant_id))
    except NotFound:
        raise NotFound("no such support grant") from None
    if found.get("type") != "temp_access" or found.get("kind") != KIND:
        raise NotFound("no such support grant")
    return found


def decide(
    ports: Ports,
    caller: Caller,
    org_id: str,
    grant_id: str,
    *,
    approve: bool,
    if_match: str,
    scope: str | None = None,
    case_id: str | None = None,
    level: str | None = None,
    hours: int | None = None,
) -> Item:
    """An org admin approves — optionally narrowing scope (org → one of its cases), level
    (identified → pseudonymised) or duration (fewer hours) — or denies (audited
    ``support:approve`` / ``support:deny``; the operator is notified). If-Match on the grant."""
    record = _record(ports, org_id, grant_id)
    if record.get("userId") == caller.actor:
        raise SupportSelfDecision("nobody decides on their own support request")
    now = ports.clock.now()
    if status(record, now) != "requested":
        raise SupportGrantDecided("this request was decided, ended or has lapsed")
    changed = {**record, "decidedAt": iso(now), "decidedBy": caller.actor}
    if approve:
        changed.update(_narrowed(ports, record, scope=scope, case_id=case_id, level=level, hours=hours))
        changed["state"] = "approved"
        # The approval lapses unless activated within its duration.
        changed["fromAt"] = iso(now)
        changed["untilAt"] = iso(now + timedelta(hours=int(changed["hours"])))
    else:
        changed["state"] = "denied"
    action = "support:approve" if approve else "support:deny"
    [stored] = commit(
        ports.store,
        "orgs",
        org_id,
        [BatchOperation("replace", item=changed, if_match=if_match)],
        [audit_transition(caller, action, changed, now)],
    )
    kind = "support_approved" if approve else "support_denied"
    notify(ports, str(record["userId"]), kind, case_id=None, item_type="support", item_id=grant_id)
    return cast(Item, stored)


def _narrowed(
    ports: Ports,
    record: Item,
    *,
    scope: str | None,
    case_id: str | None,
    level: str | None,
    hours: int | None,
) -> dict[str, Any]:
    """The approved terms: each one the request's, or narrower; anything wider is refused."""
    terms: dict[str, Any] = {}
    if hours is not None:
        chosen = _hours(hours)
        if chosen > int(record["hours"]):
            raise SupportWidening("an approval cannot lengthen the request", field="hours")
        terms["hours"] = chosen
    if level is not None:
        if level not in LEVELS:
            raise SupportScopeInvalid("the level is pseudonymised or identified", field="level")
        if level == "identified" and record.get("level") != "identified":
            raise SupportWidening("an approval cannot ask for identified data", field="level")
        terms["level"] = level
    if scope is not None or case_id is not None:
        wanted = scope or record.get("scope")
        if wanted == "org" and record.get("scope") != "org":
            raise SupportWidening("an approval cannot widen a case to the organisation", field="scope")
        chosen_case = case_id or record.get("caseId")
        if wanted not in SCOPES or (wanted == "case") != bool(chosen_case):
            raise SupportScopeInvalid("scope case names a case, scope org none", field="scope")
        if record.get("scope") == "case" and chosen_case != record.get("caseId"):
            raise SupportWidening("an approval cannot move the access to another case", field="caseId")
        if wanted == "case":
            _check_target(ports, str(record["orgId"]), str(chosen_case))
        terms["scope"], terms["caseId"] = wanted, chosen_case if wanted == "case" else None
    return terms


def revoke(ports: Ports, caller: Caller, org_id: str, grant_id: str) -> Item:
    """End a request, an approval or a live grant now (audited ``support:revoke``); the operator
    loses access at their next request and is notified. Revoking an ended one changes nothing."""
    record = _record(ports, org_id, grant_id)
    now = ports.clock.now()
    if status(record, now) not in ("requested", "approved", "active"):
        return record
    changed = {**record, "state": "revoked", "endedAt": iso(now), "endedBy": caller.actor}
    [stored] = commit(
        ports.store,
        "orgs",
        org_id,
        [BatchOperation("replace", item=changed, if_match=str(record["_etag"]))],
        [audit_transition(caller, "support:revoke", record, now)],
    )
    notify(
        ports, str(record["userId"]), "support_revoked", case_id=None, item_type="support", item_id=grant_id
    )
    return cast(Item, stored)
