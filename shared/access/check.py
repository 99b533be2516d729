"""The one check every non-public route goes through (deny by default, with a reason).

For case-scoped actions, someone with no relation to the case at all — not a participant, not
staff of its organisation — gets ``NotFound``, exactly as for a case id that does not exist, so
guessing ids (IDOR) reveals nothing. Someone related to the case but without the right role
gets ``PermissionDenied``. For item-scoped actions (owner / shared-with), an item the user may
not see is ``NotFound`` like an item that does not exist; only someone who can already see it
(a grantee trying an owner's action) learns ``PermissionDenied``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from shared.access.items import ITEM_PARAMS, owns, viewable
from shared.access.permissions import Action
from shared.access.relations import case_item, org_roles, participant
from shared.access.table import TABLE, Grant
from shared.errors import NotFound, PermissionDenied
from shared.ports import Store

__all__ = ["authorize", "route_item"]


def route_item(route_params: Mapping[str, str]) -> tuple[str, str] | None:
    """The (item type, item id) a route names, e.g. ``docId`` → ("doc", id), or ``None``."""
    named = [(kind, route_params[p]) for p, kind in ITEM_PARAMS.items() if p in route_params]
    return named[0] if len(named) == 1 else None


def _holds(store: Store, user_id: str, grant: Grant, params: Mapping[str, str], now: datetime) -> bool:
    if grant.relation == "self":
        return True
    if grant.relation == "org":
        return any(r in grant.roles for r in org_roles(store, params.get("orgId", ""), user_id))
    case_id = params.get("caseId", "")
    if grant.relation == "case_org":
        case = case_item(store, case_id)
        return case is not None and any(r in grant.roles for r in org_roles(store, case["orgId"], user_id))
    found = participant(store, case_id, user_id)
    if found is None or found.get("role") not in grant.roles:
        return False
    return grant.relation == "case" or _item_relation(store, user_id, grant, params, now)


def _item_relation(
    store: Store, user_id: str, grant: Grant, params: Mapping[str, str], now: datetime
) -> bool:
    item = route_item(params)
    if item is None:  # a route with an item relation must name exactly one item
        return False
    case_id = params.get("caseId", "")
    if grant.relation == "item_owner":
        return owns(store, case_id, *item, user_id) is not None
    return viewable(store, case_id, *item, user_id, now=now) is not None


def _related_to_case(store: Store, user_id: str, case_id: str) -> bool:
    if participant(store, case_id, user_id) is not None:
        return True
    case = case_item(store, case_id)
    return case is not None and "org_admin" in org_roles(store, case["orgId"], user_id)


def authorize(
    store: Store, user_id: str, action: Action, route_params: Mapping[str, str], *, now: datetime
) -> Grant:
    """Return the grant that allows ``action``, or raise ``NotFound`` / ``PermissionDenied``."""
    grants = TABLE.get(action, ())
    for grant in grants:
        if _holds(store, user_id, grant, route_params, now):
            return grant
    case_id = route_params.get("caseId", "")
    if any(g.relation in ("item_owner", "item_viewer") for g in grants):
        item = route_item(route_params)
        if item is None or viewable(store, case_id, *item, user_id, now=now) is None:
            raise NotFound("no such item")
    if any(g.relation not in {"self", "org"} for g in grants) and not _related_to_case(
        store, user_id, case_id
    ):
        raise NotFound("no such case")
    raise PermissionDenied(f"{action} is not granted")
