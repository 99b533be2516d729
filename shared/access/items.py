"""The item relations of the access concept: *owner* and *shared-with* (SPEC §3).

An item of a case (a document, a note; later reflections and evaluations) lives in ``cases``
[caseId] as ``<itemType>-<itemId>`` with ``type`` and ``ownerId``. A grant that lets someone
else view it lives beside it as ``grant-<itemType>-<itemId>-<granteeId>`` (written by
``shared.sharing``). This module only *reads* them, so that the access check and the sharing
service decide visibility with the same few lines:

- the owner sees their item while they take part in the case;
- anyone else sees it only while they are an active participant holding a grant from the
  current owner that has not expired (expiry needs no job: the grant's ``ttl`` hides it, the
  ``expiresAt`` comparison covers the sub-second rounding of ``ttl``).
"""

from __future__ import annotations

import re
from datetime import datetime

from shared.access.caller import Caller
from shared.access.relations import participant
from shared.errors import NotFound
from shared.item_types import ITEM_PARAMS, ITEM_TYPES
from shared.ports import Item, Store

__all__ = ["ID", "ITEM_PARAMS", "ITEM_TYPES", "grant_counts", "grant_id", "live_grant", "owned_by",
           "owned_or_404", "owner_role", "owns", "read_item", "viewable", "viewable_by",
           "viewable_or_404"]  # fmt: skip

#: The shareable item types and the route parameters naming them: the registry's.
#: Item and user ids: no dashes, so two (item, grantee) pairs never make the same grant id.
ID = re.compile(r"[A-Za-z0-9_]{1,64}")


def grant_id(item_type: str, item_id: str, grantee_id: str) -> str:
    return f"grant-{item_type}-{item_id}-{grantee_id}"


def read_item(store: Store, case_id: str, item_type: str, item_id: str) -> Item | None:
    """The item, or ``None`` for an unknown type, a malformed id or an item that is not there."""
    if item_type not in ITEM_TYPES or not ID.fullmatch(item_id) or not case_id:
        return None
    try:
        item = store.read("cases", case_id, f"{item_type}-{item_id}")
    except NotFound:
        return None
    return item if item.get("type") == item_type else None


def grant_counts(grant: Item, now: datetime) -> bool:
    expires = grant.get("expiresAt")
    return expires is None or datetime.fromisoformat(expires) > now


def live_grant(store: Store, case_id: str, grant_item_id: str, now: datetime) -> Item | None:
    try:
        grant = store.read("cases", case_id, grant_item_id)
    except NotFound:
        return None
    return grant if grant.get("type") == "grant" and grant_counts(grant, now) else None


def owns(store: Store, case_id: str, item_type: str, item_id: str, user_id: str) -> Item | None:
    """The item if ``user_id`` owns it and is an active participant of the case."""
    if not ID.fullmatch(user_id) or participant(store, case_id, user_id) is None:
        return None
    item = read_item(store, case_id, item_type, item_id)
    return item if item is not None and item.get("ownerId") == user_id else None


def viewable(
    store: Store, case_id: str, item_type: str, item_id: str, user_id: str, *, now: datetime
) -> Item | None:
    """The item if ``user_id`` may view it now (owner, or active grantee of the owner)."""
    if not ID.fullmatch(user_id) or participant(store, case_id, user_id) is None:
        return None
    item = read_item(store, case_id, item_type, item_id)
    if item is None:
        return None
    if item.get("ownerId") == user_id:
        return item
    grant = live_grant(store, case_id, grant_id(item_type, item_id, user_id), now)
    return item if grant is not None and grant.get("ownerId") == item.get("ownerId") else None


def owned_or_404(store: Store, case_id: str, item_type: str, item_id: str, user_id: str) -> Item:
    """:func:`owns`, or ``NotFound`` — what the services answer for someone else's item."""
    item = owns(store, case_id, item_type, item_id, user_id)
    if item is None:
        raise NotFound("no such item")
    return item


def viewable_or_404(
    store: Store, case_id: str, item_type: str, item_id: str, user_id: str, *, now: datetime
) -> Item:
    """:func:`viewable`, or ``NotFound`` (an item one may not see does not exist for one)."""
    item = viewable(store, case_id, item_type, item_id, user_id, now=now)
    if item is None:
        raise NotFound("no such item")
    return item


def owned_by(store: Store, caller: Caller, case_id: str, item_type: str, item_id: str) -> Item:
    """:func:`owned_or_404` for ``caller`` — the item its access decision already read when that
    decision was about this item and the caller owns it, else read and checked here."""
    item = caller.item(case_id, item_type, item_id)
    if item is not None and item.get("ownerId") == caller.actor:
        return item
    return owned_or_404(store, case_id, item_type, item_id, caller.actor)


def viewable_by(
    store: Store, caller: Caller, case_id: str, item_type: str, item_id: str, *, now: datetime
) -> Item:
    """:func:`viewable_or_404` for ``caller`` (a decision names its item only if it is visible)."""
    item = caller.item(case_id, item_type, item_id)
    if item is not None:
        return item
    return viewable_or_404(store, case_id, item_type, item_id, caller.actor, now=now)


def owner_role(store: Store, item: Item) -> str | None:
    """The owner's role in the case: stored on items written since issue 10 (a participant's
    role never changes), read from the participant for older ones."""
    role = item.get("ownerRole")
    if role is None:
        role = (participant(store, item["caseId"], item["ownerId"]) or {}).get("role")
    return None if role is None else str(role)
