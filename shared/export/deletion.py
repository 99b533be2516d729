"""Deleting one's own account (SPEC journey 14, issue 20; beside the export, which it discards).

Allowed to a person without active participation: no open case in which they are invited or
active (their own closed cases do not hold them back — the case purge takes those items later).
The check is the same step-up as a password change and a login: the password and a second
factor (a TOTP code or a recovery code), counted by the login throttle.

Nor may the only org admin of an organisation delete their account (``LastOrgAdmin``: the
organisation would have nobody to administer it); another staff member gets the role first.

What goes: the profile, the credentials, every session, the e-mail lookup, the export, their
staff memberships (``orgs`` [orgId] ``member-<userId>``: no entry of nobody stays in the staff
list) and every other item of the person's ``users`` partition (case and organisation references,
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
from shared.identity import accounts, invitations, login, operators, orgs, passwords
from shared.identity.invitations import InvitationUsed
from shared.identity.login import InvalidCredentials, InvalidSecondFactor
from shared.identity.sessions import SessionService
from shared.identity.throttle import LoginThrottle
from shared.identity.tokens import email_key
from shared.identity.totp import InvalidTotpCode, TotpReplay
from shared.ports import Item, PatchOperation, Ports, Query

__all__ = [
    "ActiveParticipation",
    "LastOrgAdmin",
    "active_cases",
    "delete_account",
    "forget_identity",
    "sole_admin_of",
]


#: The staff member's Microsoft sign-in link in their partition (shared/identity/entra.py).
ENTRA_LINK = "entra-link"
#: Invitations of one person into one organisation read at once (a handful at most).
MAX_INVITATIONS = 500


class ActiveParticipation(Conflict):
    """The person still takes part in an open case (or is invited to one)."""

    code = "active_participation"


class LastOrgAdmin(Conflict):
    """The person is the only org admin of an organisation: deleting them would leave it with
    nobody to administer it."""

    code = "last_org_admin"


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


def _memberships(ports: Ports, user_id: str) -> list[Item]:
    """The person's staff memberships (``orgs`` [orgId] ``member-<userId>``): one query of their
    own partition, one point read per organisation (a person is staff of one or two)."""
    found = []
    for ref in _every(ports, user_id, {"type": "org_ref"}):
        with contextlib.suppress(NotFound):
            found.append(orgs.member(ports.store, str(ref["orgId"]), user_id))
    return found


def sole_admin_of(ports: Ports, user_id: str) -> list[str]:
    """The organisations whose only org admin the person is (one query per such organisation)."""
    sole = []
    for membership in _memberships(ports, user_id):
        if "org_admin" not in membership.get("roles", []):
            continue
        org_id = str(membership["orgId"])
        admins = [m for m in orgs.members(ports.store, org_id) if "org_admin" in m.get("roles", [])]
        if not [m for m in admins if m["userId"] != user_id]:
            sole.append(org_id)
    return sorted(sole)


def forget_identity(ports: Ports, user_id: str, org_ids: list[str]) -> None:
    """What else names the person outside their own partition: the e-mail address on the
    organisations' invitation records (emptied; a link still pending dies) and a Microsoft sign-in
    link (``directory`` entry removed, so that account no longer leads to a deleted user). One
    query per organisation, one point read for the link."""
    for org_id in org_ids:
        page = ports.store.query(
            "orgs", org_id, Query(equals={"type": "invitation", "userId": user_id}, limit=MAX_INVITATIONS)
        )
        for invitation in page.items:
            if invitation.get("status") == "pending":
                with contextlib.suppress(NotFound, InvitationUsed):
                    invitations.revoke(ports.store, ports.clock, org_id, str(invitation["invitationId"]))
            with contextlib.suppress(NotFound):
                ports.store.patch(
                    "orgs", org_id, str(invitation["id"]), [PatchOperation("set", "/email", "")]
                )
    try:
        link = ports.store.read("users", user_id, ENTRA_LINK)
    except NotFound:
        return
    key = operators.entra_key(str(link["tenantId"]), str(link["objectId"]))
    with contextlib.suppress(NotFound):
        ports.store.delete("directory", key, key)


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
    if sole_admin_of(ports, user_id):
        raise LastOrgAdmin("you are the only administrator of an organisation")
    memberships = _memberships(ports, user_id)
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
    for membership in memberships:  # no staff entry of nobody stays in the organisation's list
        with contextlib.suppress(NotFound):
            ports.store.delete("orgs", str(membership["orgId"]), str(membership["id"]))
    org_ids = {str(r["orgId"]) for r in refs if r.get("orgId")} | {str(m["orgId"]) for m in memberships}
    forget_identity(ports, user_id, sorted(org_ids))
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
