"""Who takes part in a case, in which role; and each user's "my cases" index.

Items: ``cases`` [caseId] ``participant-<userId>`` {orgId, role, status invited|active|removed} and
``users`` [userId] ``case-<caseId>`` {caseId, orgId, role, status, createdAt, caseStatus,
legalHold, lastActivityAt} — the second lets "my cases" be one query in the user's own partition
instead of a scan over every case, ordered and filtered by the case's state it copies (kept
current by the relay: shared/effects/activity.py).
Removing a participant ends their access at once: the access check requires status ``active``.
"""

from __future__ import annotations

import contextlib
from typing import Any, Literal, cast

from shared import config
from shared.access.caller import Caller
from shared.access.relations import case_item
from shared.cases import listing
from shared.cases.auditing import case_audit
from shared.effects import activity, commit, email_op
from shared.errors import Conflict, InvalidInput, NotFound
from shared.identity import accounts, emails, invitations, orgs
from shared.identity.accounts import Language
from shared.identity.staff import onboarding_link
from shared.paging import Paged, Window, store_page
from shared.ports import BatchOperation, Item, Ports, Query
from shared.sharing import grants

__all__ = [
    "CaseClosed",
    "CaseRole",
    "LegalHoldActive",
    "activate",
    "deletable_case",
    "index_state",
    "invite",
    "invite_employee",
    "list_for_case",
    "my_cases",
    "my_cases_page",
    "open_case",
    "page_for_case",
    "remove",
]  # fmt: skip

CaseRole = Literal["employee", "case_manager", "employer", "doctor"]


class AlreadyParticipant(InvalidInput):
    code = "already_participant"


class CaseClosed(Conflict):
    code = "case_closed"


class LegalHoldActive(CaseClosed):
    """Deleting case data while the organisation holds the case for legal reasons."""

    code = "legal_hold_active"


def _index(ports: Ports, case: Item, user_id: str, role: str, status: str) -> None:
    """The user's "my cases" entry. Joining, being invited or removed is activity for them; the
    relay keeps ``lastActivityAt`` and the copy of the case's state current from then on
    (shared/effects/activity.py), and the list orders and filters by them."""
    ports.store.upsert(
        "users",
        {
            "id": f"case-{case['caseId']}",
            "userId": user_id,
            "type": "case_ref",
            "caseId": case["caseId"],
            "orgId": case["orgId"],
            "role": role,
            "status": status,
            **index_state(case),
            "lastActivityAt": activity.stamp(ports.clock.now()),
        },
    )


def index_state(case: Item) -> dict[str, Any]:
    """What a case index entry copies of the case, to be ordered and filtered by."""
    return {
        "createdAt": case.get("createdAt"),
        "caseStatus": case.get("status"),
        "legalHold": bool(case.get("legalHold")),
    }


def add_active(ports: Ports, case: Item, user_id: str, role: CaseRole) -> Item:
    """Make ``user_id`` an active participant right away (the case manager who opens a case)."""
    item = ports.store.upsert(
        "cases",
        {
            "id": f"participant-{user_id}",
            "caseId": case["caseId"],
            "orgId": case["orgId"],  # lets the access decision name the organisation unread
            "type": "participant",
            "userId": user_id,
            "role": role,
            "status": "active",
            "since": ports.clock.now().isoformat(),
        },
    )
    _index(ports, case, user_id, role, "active")
    return item


def invite(
    ports: Ports, caller: Caller, case_id: str, *, email: str, name: str, language: Language, role: CaseRole
) -> Item:
    """Invite someone into the case in ``role`` (audited ``participant:invite``); the e-mail
    carries only a link."""
    return _invite(
        ports,
        caller,
        open_case(ports, case_id),
        email=email,
        name=name,
        language=language,
        role=role,
        audited=True,
    )


def invite_employee(
    ports: Ports, caller: Caller, case: Item, *, email: str, name: str, language: Language
) -> Item:
    """Invite the subject of a case just opened (part of ``case:create``, no event of its own)."""
    return _invite(
        ports, caller, case, email=email, name=name, language=language, role="employee", audited=False
    )


def _invite(
    ports: Ports,
    caller: Caller,
    case: Item,
    *,
    email: str,
    name: str,
    language: Language,
    role: CaseRole,
    audited: bool,
) -> Item:
    case_id = str(case["caseId"])
    address = accounts.normalise_email(email)
    user_id = accounts.create_invited_user(
        ports.store, ports.clock, email=address, name=name, language=language
    )
    if role == "case_manager" and "case_manager" not in _staff_roles(ports, case["orgId"], user_id):
        raise InvalidInput("only case managers of the organisation can join as case manager", field="role")
    existing = _participant(ports, case_id, user_id)
    if existing and existing["status"] in ("invited", "active"):
        raise AlreadyParticipant("this person already takes part in the case", field="email")
    token, index = invitations.create(
        ports.store,
        ports.clock,
        org_id=case["orgId"],
        user_id=user_id,
        email=address,
        role=role,
        invited_by=caller.actor,
        case_id=case_id,
    )
    profile = accounts.profile(ports.store, user_id)
    org_name = orgs.org(ports.store, case["orgId"])["name"]
    days = config.int_setting("CASEDESK_INVITATION_DAYS")
    # Someone with an account signs in and joins; only someone new sets up an account. (The
    # inviter's answer is the same either way: no telling whether an address has an account.)
    write = emails.invitation_email if profile.get("status") == "invited" else emails.case_added_email
    mail = write(profile["email"], profile["language"], onboarding_link(token), org_name, days)
    now = ports.clock.now()
    participant = {
        "id": f"participant-{user_id}",
        "caseId": case_id,
        "orgId": case["orgId"],
        "type": "participant",
        "userId": user_id,
        "role": role,
        "status": "invited",
        "invitationId": index["invitationId"],
        "invitedAt": now.isoformat(),
    }
    # The e-mail goes with the participant item, the last piece the link needs (the invitation
    # in the organisation's partition is stored already): no link goes out that leads nowhere.
    effects = [email_op("cases", case_id, mail, now)]
    if audited:
        effects.append(
            case_audit(caller, "participant:invite", case, now, target_type="user", target_id=user_id)
        )
    [item] = commit(ports.store, "cases", case_id, [BatchOperation("upsert", item=participant)], effects)
    _index(ports, case, user_id, role, "invited")
    return cast(Item, item)


def activate(ports: Ports, case_id: str, user_id: str) -> None:
    """The invitation was accepted: the participant becomes active (called by onboarding)."""
    current = _participant(ports, case_id, user_id)
    case = case_item(ports.store, case_id)
    if current is None or case is None or current["status"] != "invited":
        raise invitations.InvitationRevoked("the invitation no longer leads into this case")
    ports.store.replace(
        "cases",
        {**current, "orgId": case["orgId"], "status": "active", "since": ports.clock.now().isoformat()},
        if_match=current["_etag"],
    )
    _index(ports, case, user_id, current["role"], "active")


def remove(ports: Ports, caller: Caller, case_id: str, user_id: str) -> Item:
    """End ``user_id``'s part in the case (audited ``participant:remove``)."""
    case = open_case(ports, case_id)
    current = _participant(ports, case_id, user_id)
    if current is None or current["status"] == "removed":
        raise NotFound("no such participant")
    if current["role"] == "employee":
        raise InvalidInput("the employee is the subject of the case and stays in it", field="userId")
    if current["role"] == "case_manager" and current["status"] == "active":
        managers = [
            p
            for p in list_for_case(ports, case_id)
            if p["role"] == "case_manager" and p["status"] == "active"
        ]
        if len(managers) <= 1:
            raise InvalidInput("a case keeps at least one case manager", field="userId")
    if current["status"] == "invited" and current.get("invitationId"):
        # Already accepted or gone: the removal below ends access either way.
        with contextlib.suppress(invitations.InvitationUsed, NotFound):
            invitations.revoke(ports.store, ports.clock, case["orgId"], current["invitationId"])
    now = ports.clock.now()
    change = BatchOperation(
        "replace",
        item={**current, "status": "removed", "removedAt": now.isoformat()},
        if_match=current["_etag"],
    )
    audit = case_audit(caller, "participant:remove", case, now, target_type="user", target_id=user_id)
    # The event rides with the participant item; the invitation, the user's index and the grants
    # live in other partitions and are tidied around it.
    [removed] = commit(ports.store, "cases", case_id, [change], [audit])
    _index(ports, case, user_id, current["role"], "removed")
    grants.end_grants_of(ports, case_id, user_id)  # access already ended; this tidies the store
    return cast(Item, removed)


def list_for_case(ports: Ports, case_id: str) -> list[Item]:
    """Every participant of the case (all pages: a list cut off silently would hide people)."""
    return _every_page(ports, "cases", case_id, {"type": "participant"})


def page_for_case(ports: Ports, case_id: str, window: Window) -> Paged[Item]:
    """One page of the case's invited and active participants, by user id (removed ones are
    left out: a page may hold fewer than asked for, and still continues)."""
    page = store_page(ports.store, "cases", case_id, Query(equals={"type": "participant"}), window)
    return Paged([p for p in page.items if p["status"] in ("invited", "active")], page.after)


def my_cases_page(
    ports: Ports,
    user_id: str,
    window: Window,
    *,
    order: listing.CaseOrder = "activity",
    state: listing.CaseFilter | None = None,
) -> Paged[Item]:
    """One page of the cases the user is invited to or takes part in, newest activity (or
    opening) first, only those in ``state`` if given (shared/cases/listing.py)."""
    query = listing.query({"type": "case_ref"}, order, state)
    page = store_page(ports.store, "users", user_id, query, window)
    return Paged([r for r in page.items if r["status"] in ("invited", "active")], page.after)


def my_cases(ports: Ports, user_id: str) -> list[dict[str, Any]]:
    """Every case the user is invited to or takes part in (all pages, never cut off)."""
    refs = _every_page(ports, "users", user_id, {"type": "case_ref"})
    return [r for r in refs if r["status"] in ("invited", "active")]


def _every_page(ports: Ports, container: str, partition: str, equals: dict[str, Any]) -> list[Item]:
    items: list[Item] = []
    continuation: str | None = None
    while True:
        page = ports.store.query(
            container, partition, Query(equals=equals, limit=500, continuation=continuation)
        )
        items += page.items
        continuation = page.continuation
        if continuation is None:
            return items


def _participant(ports: Ports, case_id: str, user_id: str) -> Item | None:
    try:
        return ports.store.read("cases", case_id, f"participant-{user_id}")
    except NotFound:
        return None


def _staff_roles(ports: Ports, org_id: str, user_id: str) -> list[str]:
    try:
        return list(orgs.member(ports.store, org_id, user_id)["roles"])
    except NotFound:
        return []


def open_case(ports: Ports, case_id: str, caller: Caller | None = None) -> Item:
    """The case, if it exists and is open; writing to a closed case is ``CaseClosed``. The
    caller's access decision already holds the case when the route names it: no second read."""
    case = (caller.case(case_id) if caller else None) or case_item(ports.store, case_id)
    if case is None:
        raise NotFound("no such case")
    if case["status"] != "open":
        raise CaseClosed("the case is closed")
    return case


def deletable_case(ports: Ports, case_id: str, caller: Caller | None = None) -> Item:
    """The case, if it is open and not under legal hold (deleting data needs both)."""
    case = open_case(ports, case_id, caller)
    if case.get("legalHold"):
        raise LegalHoldActive("the case is under legal hold")
    return case
