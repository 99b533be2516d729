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
    SELF_SESSION = "self:session:use"  # sign out, read one's own session (even before re-consent)
    SELF_CONSENT = "self:consent:write"  # accept new terms (the one thing allowed without consent)
    SELF_PROFILE = "self:profile:manage"  # profile, language, sessions, password
    ORG_STAFF_MANAGE = "org:staff:manage"  # invite staff, change roles and flags (org admins)
    ORG_STAFF_READ = "org:staff:read"  # list staff and pending invitations (org admins)


class Public(StrEnum):
    """Marker for routes that need no session; only names in :data:`PUBLIC_ROUTES` may use it."""

    PUBLIC = "public"


PUBLIC = Public.PUBLIC

#: Function names that are reachable without a session, each with the reason.
PUBLIC_ROUTES: dict[str, str] = {
    "health": "liveness and readiness probe; reports port status, no data",
    "web": "serves the static frontend; holds no data",
    "dev_outbox": "development only (not registered in production): the local e-mail outbox",
    "dev_totp": "development only (not registered in production): current TOTP codes of demo accounts",
    "legal_document": "the current terms and privacy policy must be readable before consenting",
    "onboarding_inspect": "authenticated by the invitation token in the body",
    "onboarding_consent": "authenticated by the invitation token in the body",
    "onboarding_password": "authenticated by the invitation token in the body",
    "onboarding_totp": "authenticated by the invitation token in the body",
    "login": "the first login step; throttled per account and client",
    "login_second_factor": "authenticated by the login challenge; throttled",
    "password_reset_request": "answers the same for every address; sends a link only to an account",
    "password_reset_complete": "authenticated by the reset token and the second factor; throttled",
}
