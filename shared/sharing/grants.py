"""Sharing (journey 7): the owner of an item grants chosen participants of the case view access.

One generic capability for every shareable item type. An item lives in ``cases`` [caseId] as
``<itemType>-<itemId>`` with ``ownerId`` and ``type``; its grants live beside it as
``grant-<itemType>-<itemId>-<granteeId>``. Every check is a point read or one query inside the
case partition, never a scan across cases. Why it is built this way:

- **Private by default.** Only a grant makes an item visible to anyone but its owner. Single
  items are decided by ``shared.access.items`` (which the access check, :func:`can_view` and the
  item services all use); lists by :func:`visible_items`, which "see what X sees"
  (:func:`as_seen_by`) reuses, so the owner's preview cannot drift from the real view.
- **Expiry needs no job.** A grant with an expiry carries a ``ttl``, so the store hides it once
  it runs out; the ``expiresAt`` comparison on top covers the sub-second rounding of ``ttl``.
- **Removal ends access at once.** A grant counts only while its grantee is an *active*
  participant, so a removed person is cut off before :func:`end_grants_of` tidies up.
- **No probing.** Someone else's item answers ``NotFound``, like an item that does not exist.
- **Options per type.** A type whose registry entry allows it (the reflection series) takes a
  ``fromDate`` (only entries from that day on) and ``includeText`` (free text, off by default) on
  its grants; health data shared with the employer contact needs ``acknowledge_employer_warning``.
- **Ids without dashes.** Item and user ids must not contain ``-``, so two different
  (item, grantee) pairs can never produce the same grant id.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from shared.access.caller import Caller
from shared.access.items import (
    ID,
    ITEM_TYPES,
    grant_counts,
    grant_id,
    live_grant,
    owned_by,
    viewable,
)
from shared.access.relations import case_item, participant
from shared.effects import case_audit_op, commit, commit_item
from shared.errors import Conflict, InvalidInput, NotFound
from shared.item_types import REGISTRY, ItemType
from shared.notifications import notify
from shared.ports import MAX_READ_MANY, BatchOperation, Item, Ports, Query, Scalar

__all__ = [
    "ITEM_TYPES",
    "MAX_EXPIRY_YEARS",
    "EmployerHealthDataWarning",
    "ExpiryInPast",
    "ExpiryTooFar",
    "NotAParticipant",
    "ShareOptionNotApplicable",
    "SubjectAlwaysSees",
    "as_seen_by",
    "can_view",
    "case_items",
    "end_grants_for_item",
    "end_grants_for_type",
    "end_grants_of",
    "revoke",
    "share",
    "visible_items",
    "who_has_access",
]

#: A sanity bound on a given expiry (a typo like 20255 must not mean "forever, silently").
MAX_EXPIRY_YEARS = 3
_MAX_EXPIRY = timedelta(days=365 * MAX_EXPIRY_YEARS + 1)
_PAGE = 1000


class NotAParticipant(InvalidInput):
    code = "not_a_participant"


class ExpiryInPast(InvalidInput):
    code = "expiry_in_past"


class ExpiryTooFar(InvalidInput):
    code = "expiry_too_far"


class ShareOptionNotApplicable(InvalidInput):
    """``fromDate`` / ``includeText`` on a grant of a type that has no such options."""

    code = "share_option_not_applicable"


class SubjectAlwaysSees(Conflict):
    """A grant of the employee on a record about them (an evaluation, feedback): it is theirs by
    right (SPEC §2.7), so the author can neither revoke it nor give it an expiry."""

    code = "subject_always_sees"


class EmployerHealthDataWarning(Conflict):
    """Health data for the employer contact: the owner must acknowledge the warning first."""

    code = "employer_health_data_warning"


def share(
    ports: Ports,
    caller: Caller,
    case_id: str,
    item_type: str,
    item_id: str,
    *,
    grantee_id: str,
    expires_at: datetime | None,
    from_date: date | None = None,
    include_text: bool = False,
    acknowledge_employer_warning: bool = False,
) -> Item:
    """Grant ``grantee_id`` view access until ``expires_at`` (or until revoked). Sharing again
    replaces the expiry (and the options). A new grant notifies the grantee; an extension does
    not. The grant and its audit event are one batch."""
    owner_id = caller.actor
    _owned(ports, caller, case_id, item_type, item_id)
    kind = REGISTRY[item_type]
    if not kind.grant_options and (from_date is not None or include_text):
        field = "fromDate" if from_date is not None else "includeText"
        raise ShareOptionNotApplicable("this item type takes no such option", field=field)
    _not_the_subject(ports, caller, case_id, kind, grantee_id)
    holder = participant(ports.store, case_id, grantee_id) if ID.fullmatch(grantee_id) else None
    if grantee_id == owner_id or holder is None:
        raise NotAParticipant("items can be shared only with other active participants", field="granteeId")
    if kind.employer_warning and holder.get("role") == "employer" and not acknowledge_employer_warning:
        raise EmployerHealthDataWarning(
            "sharing health data with the employer needs the warning acknowledged",
            field="acknowledgeEmployerWarning",
        )
    now = ports.clock.now()
    grant: Item = {
        "id": grant_id(item_type, item_id, grantee_id),
        "caseId": case_id,
        "type": "grant",
        "itemType": item_type,
        "itemId": item_id,
        "ownerId": owner_id,
        "granteeId": grantee_id,
        "expiresAt": None,
    }
    if kind.grant_options:
        grant["fromDate"] = from_date.isoformat() if from_date is not None else None
        grant["includeText"] = include_text
    if expires_at is not None:
        expiry = _checked_expiry(expires_at, now)
        grant["expiresAt"] = expiry.isoformat()
        grant["ttl"] = max(1, math.ceil((expiry - now).total_seconds()))
    existing = live_grant(ports.store, case_id, grant["id"], now)
    grant["createdAt"] = existing["createdAt"] if existing else now.isoformat()
    grant["updatedAt"] = now.isoformat()
    audit = _audit(caller, "item:share", case_id, grant["id"], now)
    stored = commit_item(ports.store, "cases", case_id, BatchOperation("upsert", item=grant), [audit])
    if existing is None:
        notify(ports, grantee_id, kind.share_notice, case_id=case_id, item_type=item_type, item_id=item_id,
               actor_id=owner_id)  # fmt: skip
    return stored


def revoke(
    ports: Ports, caller: Caller, case_id: str, item_type: str, item_id: str, *, grantee_id: str
) -> None:
    """End one grant now (audited in the same batch). ``NotFound`` if the owner has no such
    (unexpired) grant."""
    _owned(ports, caller, case_id, item_type, item_id)
    if not ID.fullmatch(grantee_id):
        raise NotFound("no such grant")
    _not_the_subject(ports, caller, case_id, REGISTRY[item_type], grantee_id)
    grant_item_id = grant_id(item_type, item_id, grantee_id)
    if live_grant(ports.store, case_id, grant_item_id, ports.clock.now()) is None:
        raise NotFound("no such grant")
    audit = _audit(caller, "item:revoke", case_id, grant_item_id, ports.clock.now())
    commit(ports.store, "cases", case_id, [BatchOperation("delete", id=grant_item_id)], [audit])


def who_has_access(ports: Ports, caller: Caller, case_id: str, item_type: str, item_id: str) -> list[Item]:
    """Everyone who can see the item right now: the owner first, then each grant that counts.
    Entries: ``userId``, ``role`` (in the case), ``access`` owner|shared, ``expiresAt``, ``since``,
    ``fromDate`` and ``includeText`` (the grant's options; ``None`` / ``False`` without)."""
    owner_id = caller.actor
    item = _owned(ports, caller, case_id, item_type, item_id)
    owner = participant(ports.store, case_id, owner_id) or {}
    result = [_entry(owner_id, owner, "owner", None, item.get("createdAt"))]
    for grant in _grants(ports, case_id, {"itemType": item_type, "itemId": item_id}):
        holder = participant(ports.store, case_id, grant["granteeId"])
        if holder is not None:
            access = "subject" if grant.get("subject") is True else "shared"  # the employee, always
            entry = _entry(grant["granteeId"], holder, access, grant["expiresAt"], grant["createdAt"])
            entry.update(fromDate=grant.get("fromDate"), includeText=grant.get("includeText") is True)
            result.append(entry)
    return result


def can_view(ports: Ports, case_id: str, item_type: str, item_id: str, user_id: str) -> bool:
    """True for the owner and for an active participant holding an unexpired grant."""
    return viewable(ports.store, case_id, item_type, item_id, user_id, now=ports.clock.now()) is not None


def visible_items(
    ports: Ports, case_id: str, user_id: str, item_type: str, *, participant_known: bool = False
) -> list[Item]:
    """The items of ``item_type`` the user may see (own and shared with them), ordered by id.
    ``participant_known``: the caller's access check established an active participation."""
    _check_type(item_type)
    if not participant_known and participant(ports.store, case_id, user_id) is None:
        return []
    found = {i["id"]: i for i in case_items(ports, case_id, {"type": item_type, "ownerId": user_id})}
    grants = _grants(ports, case_id, {"granteeId": user_id, "itemType": item_type})
    # The shared items in one read per 100 grants, not one read per grant.
    for start in range(0, len(grants), MAX_READ_MANY):
        chunk = grants[start : start + MAX_READ_MANY]
        items = ports.store.read_many("cases", case_id, [f"{item_type}-{g['itemId']}" for g in chunk])
        for grant in chunk:
            item = items.get(f"{item_type}-{grant['itemId']}")
            if item is not None and item.get("type") == item_type and item.get("ownerId") == grant["ownerId"]:
                found[item["id"]] = item
    return [found[key] for key in sorted(found)]


def as_seen_by(ports: Ports, case_id: str, item_type: str, *, owner_id: str, viewer_id: str) -> list[Item]:
    """ "See what X sees": exactly those of the owner's items that ``viewer_id`` gets listed."""
    _check_type(item_type)
    if participant(ports.store, case_id, owner_id) is None:
        raise NotFound("no such case")
    return [i for i in visible_items(ports, case_id, viewer_id, item_type) if i.get("ownerId") == owner_id]


def end_grants_of(ports: Ports, case_id: str, user_id: str) -> int:
    """Delete every grant held by ``user_id`` in the case (participant removal). Idempotent."""
    return _delete_all(ports, case_id, {"type": "grant", "granteeId": user_id})


def end_grants_for_type(ports: Ports, case_id: str, item_type: str) -> int:
    """Delete every grant on every item of ``item_type`` in the case (the purge: one call, nothing
    read back, expired grants too). Idempotent."""
    return ports.store.delete_partition("cases", case_id, equals={"type": "grant", "itemType": item_type})


def end_grants_for_item(ports: Ports, case_id: str, item_type: str, item_id: str) -> int:
    """Delete every grant on one item (call it when the item is deleted). Idempotent."""
    return _delete_all(ports, case_id, {"type": "grant", "itemType": item_type, "itemId": item_id})


def _not_the_subject(ports: Ports, caller: Caller, case_id: str, kind: ItemType, grantee_id: str) -> None:
    """Records about the employee stay visible to the employee: their grant is not the author's
    to change or end (``SubjectAlwaysSees``)."""
    if not kind.subject_sees:
        return
    case = caller.case(case_id) or case_item(ports.store, case_id)
    if case is not None and case.get("employeeUserId") == grantee_id:
        raise SubjectAlwaysSees("the employee always sees records about them", field="granteeId")


def _check_type(item_type: str) -> None:
    if item_type not in ITEM_TYPES:
        raise InvalidInput("not a shareable item type", field="itemType")


def _owned(ports: Ports, caller: Caller, case_id: str, item_type: str, item_id: str) -> Item:
    """The item, if the caller owns it and still takes part in the case; else ``NotFound``."""
    _check_type(item_type)
    return owned_by(ports.store, caller, case_id, item_type, item_id)


def _audit(caller: Caller, action: str, case_id: str, grant_item_id: str, now: datetime) -> BatchOperation:
    """Grants are audited by their id (item and grantee), for the owner who gave them."""
    return case_audit_op(
        caller,
        action,
        case_id=case_id,
        target_type="grant",
        target_id=grant_item_id,
        owner_id=caller.actor,
        now=now,
    )


def _checked_expiry(expires_at: datetime, now: datetime) -> datetime:
    if expires_at.tzinfo is None:
        raise InvalidInput("the expiry needs a time zone", field="expiresAt")
    expiry = expires_at.astimezone(UTC)
    if expiry <= now:
        raise ExpiryInPast("the expiry must lie in the future", field="expiresAt")
    if expiry - now > _MAX_EXPIRY:
        raise ExpiryTooFar("the expiry is too far ahead", field="expiresAt", years=MAX_EXPIRY_YEARS)
    return expiry


def case_items(ports: Ports, case_id: str, equals: Mapping[str, Scalar]) -> list[Item]:
    """Every item of the case partition matching ``equals``, all pages (a query in one partition;
    timers and per-type lists — paging the lists is issue 13)."""
    items: list[Item] = []
    continuation: str | None = None
    while True:
        page = ports.store.query(
            "cases", case_id, Query(equals=equals, limit=_PAGE, continuation=continuation)
        )
        items += page.items
        continuation = page.continuation
        if continuation is None:
            return items


def _grants(ports: Ports, case_id: str, equals: Mapping[str, Scalar]) -> list[Item]:
    now = ports.clock.now()
    return [g for g in case_items(ports, case_id, {"type": "grant", **equals}) if grant_counts(g, now)]


def _delete_all(ports: Ports, case_id: str, equals: Mapping[str, Scalar]) -> int:
    ended = 0
    for grant in case_items(ports, case_id, equals):
        with contextlib.suppress(NotFound):  # expired or deleted meanwhile: already over
            ports.store.delete("cases", case_id, grant["id"])
            ended += 1
    return ended


def _entry(user_id: str, holder: Item, access: str, expires_at: str | None, since: str | None) -> Item:
    return {
        "userId": user_id,
        "role": holder.get("role"),
        "access": access,
        "expiresAt": expires_at,
        "since": since,
        "fromDate": None,
        "includeText": False,
    }
