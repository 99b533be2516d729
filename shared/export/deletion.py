"""Deleting one's own account (SPEC journey 14, issue 20; beside the export, which it discards).

Allowed to a person without active participation: no open case in which they are invited or
active (their own closed cases do not hold them back — the case purge takes those items later).
The check is the same step-up as a password change and a login: the password and a second
factor (a TOTP code or a recovery code), counted by the login throttle.

What goes: the profile, the credentials, every session, the e-mail lookup, the export and every
other item of the person's ``users`` partition (case and organisation references,
notifications) — except the pending effects, which the relay still has to deliver. What stays:
their items in closed cases until the case purge (shown as by a "former participant": their
profile is gone, the participant record says ``former``), and every audit event, which names
only the pseudonymous user id. The deletion itself is audited (``account:delete``).
"""

from __future__ import annotations

import contextlib
from typing import Any

from shared.access.caller import Caller
from shared.cases.cases import case_items
from shared.effects import record
from shared.effects.pending import EFFECT_TYPE
from shared.errors import Conflict, NotFound
from shared.export import exports
from shared.identity import accounts, login, passwords
from shared.identity.login import InvalidCredentials, InvalidSecondFactor
from shared.identity.sessions import SessionService
from shared.identity.throttle import LoginThrottle
from shared.identity.tokens import email_key
from shared.identity.totp import InvalidTotpCode, TotpReplay
from shared.ports import PatchOperation, Ports, Query

__all__ = ["ActiveParticipation", "active_cases", "delete_account"]


class ActiveParticipation(Conflict):
    """The person still takes part in an open case (or is invited to one)."""

    code = "active_participation"


def _every(ports: Ports, user_id: str, equals: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    continuation: str | None = None
    while True:
        page = ports.store.query("users", user_id, Query(equals=equals, limit=500, continuation=continuation))
        found += page.items
        continuation = page.continuation
        if continuation is None:
            return found


def active_cases(ports: Ports, user_id: str) -> list[str]:
    """The open cases the person is invited to or active in (one read per 100 cases)."""
    refs = [
        r for r in _every(ports, user_id, {"type": "case_ref"}) if r.get("status") in ("invited", "active")
    ]
    cases = case_items(ports, [str(r["caseId"]) for r in refs])
    return sorted(cid for cid, case in cases.items() if case.get("status") == "open")


def delete_account(
    ports: Ports,
    caller: Caller,
    password: str,
    client_key: str,
    *,
    code: str | None,
    recovery_code: str | None,
) -> None:
    user_id = caller.actor
    profile = accounts.profile(ports.store, user_id)
    attempt = LoginThrottle(ports.store, ports.clock).attempt(profile["email"].casefold(), client_key)
    creds = accounts.credentials(ports.store, user_id)
    if creds is None or not passwords.verify_password(password, creds["passwordHash"]):
        attempt.failed()
        raise InvalidCredentials("the password is not correct")
    try:
        login.verify_second_factor(ports, user_id, code=code, recovery_code=recovery_code)
    except (InvalidTotpCode, TotpReplay, InvalidSecondFactor):
        attempt.failed()
        raise
    attempt.passed()
    if active_cases(ports, user_id):
        raise ActiveParticipation("you still take part in an open case")
    record(ports.store, "users", user_id, exports.own_audit(ports, caller, "account:delete", "user", user_id))
    refs = _every(ports, user_id, {"type": "case_ref"})
    for ref in refs:  # the participant records of the closed cases say "former participant"
        with contextlib.suppress(NotFound):
            ports.store.patch(
                "cases",
                str(ref["caseId"]),
                f"participant-{user_id}",
                [PatchOperation("set", "/former", True)],
            )
    exports.discard(ports, user_id)
    SessionService(ports.store, ports.clock).end_all_except(user_id, None)
    with contextlib.suppress(NotFound):
        ports.store.delete("directory", email_key(profile["email"]), email_key(profile["email"]))
    for item in _every(ports, user_id, {}):
        if item.get("type") == EFFECT_TYPE or item["id"] == "profile":
            continue
        with contextlib.suppress(NotFound):
            ports.store.delete("users", user_id, item["id"])
    with contextlib.suppress(NotFound):
        ports.store.delete("users", user_id, "profile")  # last: a retry after a crash finds it
