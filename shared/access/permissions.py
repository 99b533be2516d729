"""Every HTTP route names exactly one of these, or is on :data:`PUBLIC_ROUTES`.

Permissions are ``scope:resource:action`` strings (warehouse's habit) so tests can compare whole
tables. Which actor holds which permission on which target is the access table of SPEC §3; it
arrives with the cases issue. Until an actor can be resolved from a session, every non-public
route is denied (deny by default).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["PUBLIC", "PUBLIC_ROUTES", "Permission", "Public"]


class Permission(StrEnum):
    CASE_CREATE = "case:case:create"
    CASE_READ_SUMMARY = "case:summary:read"
    PLAN_WRITE = "case:plan:write"
    PLAN_READ = "case:plan:read"
    ITEM_READ = "case:item:read"
    ITEM_SHARE = "case:item:share"
    AUDIT_READ = "org:audit:read"


class Public(StrEnum):
    """Marker for routes that need no session; only names in :data:`PUBLIC_ROUTES` may use it."""

    PUBLIC = "public"


PUBLIC = Public.PUBLIC

#: Function names that are reachable without a session, each with the reason.
PUBLIC_ROUTES: dict[str, str] = {
    "health": "liveness and readiness probe; reports port status, no data",
    "web": "serves the static frontend; holds no data",
    "dev_outbox": "development only (not registered in production): the local e-mail outbox",
}
