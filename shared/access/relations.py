"""Reading who someone is to a case or an organisation: the facts every access decision uses."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.errors import NotFound
from shared.ports import Item, Store

__all__ = ["case_item", "org_member", "org_roles", "participant", "support_grant", "support_grant_is_live"]


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


def support_grant(store: Store, user_id: str, grant_id: str) -> Item | None:
    """The support grant ``grant_id`` if ``user_id`` requested it, else ``None`` (issue 22): the
    operator's reference names the grant's organisation, the grant lives there (two point reads;
    shared/support/grants.py writes both)."""
    if not grant_id.isalnum() or len(grant_id) > 64 or not user_id:
        return None
    try:
        ref = store.read("users", user_id, f"supportgrant-{grant_id}")
        found = store.read("orgs", str(ref["orgId"]), f"tempaccess-{grant_id}")
    except NotFound:
        return None
    return found if found.get("kind") == "support" and found.get("userId") == user_id else None


def support_grant_is_live(grant: Item, now: datetime) -> bool:
    """Activated, not revoked, its window not over: the operator may read now — checked on every
    request, so a revocation or the end of the window counts at the very next one."""
    return (
        grant.get("type") == "temp_access"
        and grant.get("kind") == "support"
        and grant.get("state") == "active"
        and not grant.get("endedAt")
        and str(grant.get("untilAt", "")) > now.astimezone(UTC).isoformat()
    )
