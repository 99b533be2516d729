"""Reading who someone is to a case or an organisation: the facts every access decision uses."""

from __future__ import annotations

from shared.errors import NotFound
from shared.ports import Item, Store

__all__ = ["case_item", "org_member", "org_roles", "participant"]


def case_item(store: Store, case_id: str) -> Item | None:
    try:
        return store.read("cases", case_id, "case") if case_id else None
    except NotFound:
        return None


def participant(store: Store, case_id: str, user_id: str) -> Item | None:
    """The user's active participation in the case, if any (removed participants have none)."""
    try:
        item = store.read("cases", case_id, f"participant-{user_id}") if case_id else None
    except NotFound:
        return None
    return item if item and item.get("status") == "active" else None


def org_member(store: Store, org_id: str, user_id: str) -> Item | None:
    """The user's staff membership of the organisation (roles, ``accessAllCases``), if any."""
    try:
        return store.read("orgs", org_id, f"member-{user_id}") if org_id else None
    except NotFound:
        return None


def org_roles(store: Store, org_id: str, user_id: str) -> list[str]:
    member = org_member(store, org_id, user_id)
    return list(member.get("roles", [])) if member else []
