"""The check every non-public route goes through: is this actor allowed this permission on the
target named by the route? Deny by default: a permission without a rule here is refused.

Rules by relation (the SPEC §3 table grows here with each capability):

* ``self`` — the signed-in user acting on their own account;
* ``org_role`` — a staff membership with the given role in the organisation of the route's
  ``orgId`` parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from shared.access.permissions import Permission
from shared.errors import NotFound, PermissionDenied
from shared.ports import Store

__all__ = ["RULES", "Rule", "authorize"]


@dataclass(frozen=True)
class Rule:
    relation: Literal["self", "org_role"]
    role: str | None = None
    needs_consent: bool = True


RULES: Mapping[Permission, Rule] = {
    Permission.SELF_SESSION: Rule("self", needs_consent=False),
    Permission.SELF_CONSENT: Rule("self", needs_consent=False),
    Permission.SELF_PROFILE: Rule("self"),
    Permission.ORG_STAFF_MANAGE: Rule("org_role", role="org_admin"),
    Permission.ORG_STAFF_READ: Rule("org_role", role="org_admin"),
}


def authorize(store: Store, user_id: str, permission: Permission, route_params: Mapping[str, str]) -> Rule:
    """Return the rule that allows it, or raise ``PermissionDenied`` (never a hint of why)."""
    rule = RULES.get(permission)
    if rule is None:
        raise PermissionDenied(f"no rule for {permission}")
    if rule.relation == "self":
        return rule
    org_id = route_params.get("orgId", "")
    try:
        membership = store.read("orgs", org_id, f"member-{user_id}") if org_id else None
    except NotFound:
        membership = None
    if membership is None or rule.role not in membership.get("roles", []):
        raise PermissionDenied("not a member with the required role")
    return rule
