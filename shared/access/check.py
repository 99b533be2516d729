"""The one check every non-public route goes through (deny by default, with a reason).

For case-scoped actions, someone with no relation to the case at all — not a participant, not
staff of its organisation — gets ``NotFound``, exactly as for a case id that does not exist, so
guessing ids (IDOR) reveals nothing. Someone related to the case but without the right role
gets ``PermissionDenied``.
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.access.permissions import Action
from shared.access.table import TABLE, Grant
from shared.errors import NotFound, PermissionDenied
from shared.ports import Item, Store

__all__ = ["authorize", "case_item", "participant"]


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


def _org_roles(store: Store, org_id: str, user_id: str) -> list[str]:
    try:
        member = store.read("orgs", org_id, f"member-{user_id}") if org_id else None
    except NotFound:
        return []
    return list(member.get("roles", [])) if member else []


def _holds(store: Store, user_id: str, grant: Grant, params: Mapping[str, str]) -> bool:
    if grant.relation == "self":
        return True
    if grant.relation == "org":
        return any(r in grant.roles for r in _org_roles(store, params.get("orgId", ""), user_id))
    case_id = params.get("caseId", "")
    if grant.relation == "case":
        found = participant(store, case_id, user_id)
        return found is not None and found.get("role") in grant.roles
    case = case_item(store, case_id)
    return case is not None and any(r in grant.roles for r in _org_roles(store, case["orgId"], user_id))


def _related_to_case(store: Store, user_id: str, case_id: str) -> bool:
    if participant(store, case_id, user_id) is not None:
        return True
    case = case_item(store, case_id)
    return case is not None and "org_admin" in _org_roles(store, case["orgId"], user_id)


def authorize(store: Store, user_id: str, action: Action, route_params: Mapping[str, str]) -> Grant:
    """Return the grant that allows ``action``, or raise ``NotFound`` / ``PermissionDenied``."""
    grants = TABLE.get(action, ())
    for grant in grants:
        if _holds(store, user_id, grant, route_params):
            return grant
    if any(g.relation in ("case", "case_org") for g in grants) and not _related_to_case(
        store, user_id, route_params.get("caseId", "")
    ):
        raise NotFound("no such case")
    raise PermissionDenied(f"{action} is not granted")
