"""The access review of one case for the organisation's admins (SPEC journey 18, issue 23): who
can access what — participants with their roles (invited ones are open invitations), the live
break-glass and support grants (issue 22) — and, per person, how many items are shared with
them (never which, never their titles) and when they last accessed the case (from the audit
index). One click ends a participation or an invitation (``participants.remove``); a break-glass
or support grant ends from the temporary-access overview's ``end``. Shares of private items
stay their owners' decision.

When the admin has gone through the list, they mark the review done (:func:`mark_done`): the case's
``access-review`` record holds when, by whom and their comment — what the page answers as
``lastReviewedAt`` (opening the page is not a review) — and the event ``access_review:done`` is
in the case's audit chain.

A page of people costs a fixed number of store calls; the per-person facts are
:func:`person` (one count and one query), so a page never reads per row.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from shared.access.caller import Caller
from shared.audit.events import EVENT_TYPE, scope_for_case
from shared.audit.log import CONTAINER as AUDIT
from shared.cases import cases, participants
from shared.effects import audit_event, audit_op, commit
from shared.effects import record as record_effects
from shared.errors import InvalidInput, NotFound
from shared.identity import accounts
from shared.notifications.inbox import notify
from shared.paging import Paged, Window
from shared.ports import BatchOperation, Item, Ports, Query

__all__ = [
    "MAX_COMMENT",
    "MAX_GRANTS",
    "RECORD_ID",
    "ask_to_check",
    "end_participation",
    "mark_done",
    "page",
    "person",
]

#: Live break-glass grants listed with the first page (a case has a handful at most).
MAX_GRANTS = 50
#: The case's record of its last completed review (``cases`` [caseId]).
RECORD_ID = "access-review"
MAX_COMMENT = 500


def page(ports: Ports, caller: Caller, case_id: str, window: Window) -> dict[str, Any]:
    """One page of the case's people (invited and active, by user id) and, on the first page, its
    live break-glass grants (audited ``access_review:read``), and when the case's access was last
    reviewed (:func:`mark_done`; one point read)."""
    people: Paged[dict[str, Any]] = cases.participants_page(ports, case_id, window)
    grants: list[dict[str, Any]] = []
    if window.after is None:
        now = ports.clock.now().astimezone(UTC).isoformat()
        found = ports.store.query(
            "cases", case_id, Query(equals={"type": "break_glass"}, limit=MAX_GRANTS)
        ).items
        live = [g for g in found if not g.get("endedAt") and str(g.get("untilAt", "")) > now]
        support = _live_support(ports, caller, case_id, now)
        names = accounts.profiles(ports.store, [str(g["userId"]) for g in (*live, *support)])
        grants = [
            {
                "kind": "break_glass",
                "accessId": g["accessId"],
                "orgId": g["orgId"],
                "userId": g["userId"],
                "name": str(names.get(str(g["userId"]), {}).get("name", "")),
                "reason": g.get("reason"),
                "fromAt": g.get("fromAt"),
                "untilAt": g.get("untilAt"),
            }
            for g in live
        ] + [
            {
                "kind": "support",
                "accessId": g["accessId"],
                "orgId": g["orgId"],
                "userId": g["userId"],
                "name": str(names.get(str(g["userId"]), {}).get("name", "")),
                "reason": g.get("reason"),
                "fromAt": g.get("fromAt"),
                "untilAt": g.get("untilAt"),
            }
            for g in support
        ]
    done = ports.store.read_many("cases", case_id, [RECORD_ID]).get(RECORD_ID)
    event = audit_event(caller, "access_review:read", target_type="case", target_id=case_id, case_id=case_id)
    record_effects(ports.store, "cases", case_id, [audit_op("cases", case_id, event, ports.clock.now())])
    return {"people": people.items, "after": people.after, "grants": grants, **last_review(ports, done)}


def _live_support(ports: Ports, caller: Caller, case_id: str, now: str) -> list[Item]:
    """The live support grants (issue 22) that reach this case: the organisation's active ones of
    scope ``org`` or of this case — one query in the organisation's partition."""
    case = caller.case(case_id)
    if case is None or not case.get("orgId"):
        return []
    query = Query(equals={"type": "temp_access", "kind": "support", "state": "active"}, limit=MAX_GRANTS)
    found = ports.store.query("orgs", str(case["orgId"]), query).items
    return [
        g
        for g in found
        if not g.get("endedAt")
        and str(g.get("untilAt", "")) > now
        and (g.get("scope") == "org" or g.get("caseId") == case_id)
    ]


def person(ports: Ports, case_id: str, user_id: str) -> dict[str, Any]:
    """How many items of the case are shared with ``user_id`` (a count of the sharing grants —
    never which) and when they last did anything in the case (the newest event of theirs in the
    case's audit chain): one count and one query."""
    shared = ports.store.count("cases", case_id, Query(equals={"type": "grant", "granteeId": user_id}))
    newest = ports.store.query(
        AUDIT,
        scope_for_case(case_id),
        Query(equals={"type": EVENT_TYPE, "actor": user_id}, order_by="seq", descending=True, limit=1),
    ).items
    return {"userId": user_id, "sharedItems": shared, "lastAccessAt": newest[0]["at"] if newest else None}


def end_participation(ports: Ports, caller: Caller, case_id: str, user_id: str) -> Item:
    """End a participation or an open invitation (audited ``participant:remove`` by the admin);
    the employee stays, and so does the last case manager."""
    return participants.remove(ports, caller, case_id, user_id)


def ask_to_check(ports: Ports, caller: Caller, case_id: str, user_id: str) -> None:
    """Ask an active participant to check what they share in the case (an in-app notification,
    and the content-free e-mail notice if they want one; audited ``access_review:ask``). Their
    shares stay their decision: nothing is ended here."""
    found = ports.store.read_many("cases", case_id, [f"participant-{user_id}"]).get(f"participant-{user_id}")
    if found is None or found.get("status") != "active":
        raise NotFound("no such participant")
    event = audit_event(
        caller, "access_review:ask", target_type="user", target_id=user_id, case_id=case_id, owner_id=user_id
    )
    record_effects(ports.store, "cases", case_id, [audit_op("cases", case_id, event, ports.clock.now())])
    notify(ports, user_id, "shares_check", case_id=case_id, item_type=None, item_id=None)


def last_review(ports: Ports, done: Item | None) -> dict[str, Any]:
    """When the case's access was last marked reviewed, by whom (named) and with which comment."""
    if done is None:
        return {
            "lastReviewedAt": None,
            "lastReviewedBy": None,
            "lastReviewedByName": None,
            "lastReviewComment": None,
        }
    by = str(done.get("reviewedBy"))
    name = str(accounts.profiles(ports.store, [by]).get(by, {}).get("name", ""))
    return {
        "lastReviewedAt": done.get("reviewedAt"),
        "lastReviewedBy": by,
        "lastReviewedByName": name,
        "lastReviewComment": done.get("comment"),
    }


def mark_done(ports: Ports, caller: Caller, case_id: str, *, comment: str) -> dict[str, Any]:
    """Record that an admin has reviewed who can access the case (with an optional comment):
    the case's ``access-review`` record, overwritten by the next review, and ``access_review:done``
    in the case's audit chain, in one batch. Returns what the page answers as the last review."""
    clean = comment.strip()
    if len(clean) > MAX_COMMENT or any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in clean):
        raise InvalidInput(f"a comment is one line of at most {MAX_COMMENT} characters", field="comment")
    now = ports.clock.now()
    record: Item = {
        "id": RECORD_ID,
        "caseId": case_id,
        "type": "access_review",
        "reviewedAt": now.astimezone(UTC).isoformat(),
        "reviewedBy": caller.actor,
        "comment": clean or None,
    }
    event = audit_event(caller, "access_review:done", target_type="case", target_id=case_id, case_id=case_id)
    [stored] = commit(
        ports.store,
        "cases",
        case_id,
        [BatchOperation("upsert", item=record)],
        [audit_op("cases", case_id, event, now)],
    )
    return last_review(ports, stored)
