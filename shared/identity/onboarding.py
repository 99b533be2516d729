"""Two-step onboarding behind an invitation link (SPEC journey 2):

1. accept the current terms and privacy policy (versions and time are recorded);
2. set a password, enrol TOTP (scan, then confirm with a code) and receive 10 recovery codes.

Consent can be given again until the last step succeeds; only then is the invitation consumed,
the account activated and the staff membership granted. The password is set once per link: a
second submission (a reloaded page, another tab) is refused with :class:`PasswordAlreadySet`
instead of silently replacing it, and the next step stays the TOTP confirmation. Onboarding
starts over only explicitly, with a new link (the invitation sent again). The TOTP secret is
sealed with the user's own data key, so it is unreadable in the store and shredded with that key.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.errors import AlreadyExists, ConcurrencyConflict, Conflict, InvalidInput, PermissionDenied
from shared.identity import accounts, invitations, legal, orgs, passwords, totp
from shared.identity.tokens import new_recovery_codes, recovery_code_hash
from shared.ports import Ports

__all__ = [
    "ConsentRequired",
    "Enrolment",
    "JoinCase",
    "PasswordAlreadySet",
    "accept_terms",
    "confirm_totp",
    "inspect",
    "set_password",
    "user_scope",
]


class ConsentRequired(PermissionDenied):
    code = "consent_required"


class PasswordAlreadySet(Conflict):
    """The password of this onboarding link is set; the next step is the TOTP confirmation."""

    code = "password_already_set"


#: Makes the invited ``user_id`` an active participant of ``case_id`` (``(ports, case_id,
#: user_id)``); the caller passes ``shared.cases.participants.activate``. A parameter, not an
#: import: cases builds on identity, so identity must not import cases (no package cycle).
JoinCase = Callable[[Ports, str, str], None]


@dataclass(frozen=True)
class Enrolment:
    otpauth_uri: str
    secret: str  # base32, for typing into an authenticator by hand


def user_scope(user_id: str) -> str:
    """The key scope of a user's own sealed fields (TOTP secret)."""
    return f"user-{user_id}"


def consent_is_current(profile: dict[str, Any]) -> bool:
    consent = profile.get("consent") or {}
    return bool(consent) and {k: consent.get(k) for k in ("terms", "privacy")} == legal.current_versions()


def inspect(ports: Ports, token: str) -> dict[str, Any]:
    """What the onboarding page needs to show for this link, and which step comes next."""
    link = invitations.open_invitation(ports.store, ports.clock, token)
    profile = accounts.profile(ports.store, link["userId"])
    creds = accounts.credentials(ports.store, link["userId"]) or {}
    if profile["status"] == "active":
        step = "login"  # already onboarded: accept the invitation after signing in
    elif not consent_is_current(profile):
        step = "consent"
    elif not _password_set_with(link, creds):
        step = "password"
    else:
        step = "totp"
    return {
        "email": profile["email"],
        "language": profile["language"],
        "step": step,
        "versions": legal.current_versions(),
        "expiresAt": link["expiresAt"],
    }


def _password_set_with(link: dict[str, Any], creds: dict[str, Any]) -> bool:
    """Whether the password (and the TOTP secret to confirm) was set through this very link. A
    new link — the invitation sent again — is the explicit way to start over."""
    return (
        bool(creds.get("passwordHash") and creds.get("totpSealed"))
        and creds.get("onboardingLink") == link["id"]
    )


def accept_terms(ports: Ports, token: str, *, terms: str, privacy: str) -> None:
    link = invitations.open_invitation(ports.store, ports.clock, token)
    record_consent(ports, link["userId"], terms=terms, privacy=privacy)


#: Consents kept per person (new terms come a few times a year at most).
_CONSENTS_KEPT = 200


def record_consent(ports: Ports, user_id: str, *, terms: str, privacy: str) -> dict[str, Any]:
    current = legal.current_versions()
    if {"terms": terms, "privacy": privacy} != current:
        raise InvalidInput("consent must name the current versions", field="terms")
    profile = accounts.profile(ports.store, user_id)
    consent = {**current, "acceptedAt": ports.clock.now().isoformat()}
    # Every consent given stays (versions and time: "download my data", issue 20); a profile from
    # before this list starts it with the consent it holds.
    history = list(profile.get("consentHistory") or ([profile["consent"]] if profile.get("consent") else []))
    changes = {"consent": consent, "consentHistory": [*history, consent][-_CONSENTS_KEPT:]}
    return accounts.update_profile(ports.store, user_id, changes, if_match=profile["_etag"])


def set_password(ports: Ports, token: str, password: str) -> Enrolment:
    """Store the password hash and a fresh, unconfirmed TOTP secret; returns what to scan.
    Once per link: see :func:`_password_set_with`."""
    link = invitations.open_invitation(ports.store, ports.clock, token)
    user_id = link["userId"]
    profile = accounts.profile(ports.store, user_id)
    if not consent_is_current(profile):
        raise ConsentRequired("accept the terms and the privacy policy first")
    if profile["status"] == "active":
        raise invitations.InvitationUsed("this account is already set up")
    current = accounts.credentials(ports.store, user_id)
    if current and _password_set_with(link, current):
        raise PasswordAlreadySet("the password of this onboarding link is already set")
    org_name = orgs.org(ports.store, link["orgId"])["name"]
    passwords.check_password_policy(password, email=profile["email"], name=profile["name"], org_name=org_name)
    secret = totp.new_secret()
    sealed = seal_totp_secret(ports, user_id, secret)
    fields = {
        "passwordHash": passwords.hash_password(password),
        "passwordChangedAt": ports.clock.now().isoformat(),
        "totpSealed": sealed,
        "totpConfirmed": False,
        "totpLastStep": None,
        "recoveryCodes": [],
        "onboardingLink": link["id"],
    }
    try:
        accounts.save_credentials(
            ports.store, user_id, fields, if_match=current["_etag"] if current else None
        )
    except (AlreadyExists, ConcurrencyConflict):
        # Two submissions at once (a double click, two tabs): the first one set it.
        raise PasswordAlreadySet("the password was set meanwhile") from None
    uri = totp.otpauth_uri(secret, profile["email"])
    return Enrolment(otpauth_uri=uri, secret=base64.b32encode(secret).decode().rstrip("="))


def seal_totp_secret(ports: Ports, user_id: str, secret: bytes) -> str:
    """Seal a TOTP secret with the user's own data key (created if needed); see :func:`totp_secret`."""
    ports.case_keys.create(user_scope(user_id))
    text = base64.b32encode(secret).decode()
    return ports.cipher.encrypt_field(user_scope(user_id), "users", "credentials", "totpSecret", text)


def totp_secret(ports: Ports, user_id: str, creds: dict[str, Any]) -> bytes:
    sealed = creds.get("totpSealed")
    if not sealed:
        raise ConsentRequired("no second factor enrolled")
    text = ports.cipher.decrypt_field(user_scope(user_id), "users", "credentials", "totpSecret", sealed)
    return base64.b32decode(text)


def confirm_totp(ports: Ports, token: str, code: str, *, join_case: JoinCase) -> tuple[str, list[str]]:
    """Confirm the authenticator with a code; activate the account. Returns the user id and the
    recovery codes (shown once: only their hashes are kept)."""
    link = invitations.open_invitation(ports.store, ports.clock, token)
    user_id = link["userId"]
    creds = accounts.credentials(ports.store, user_id)
    if not creds or not creds.get("passwordHash"):
        raise ConsentRequired("set a password first")
    step = totp.verify_code(
        totp_secret(ports, user_id, creds), code, ports.clock.now(), creds.get("totpLastStep")
    )
    codes = new_recovery_codes()
    fields = {
        **{k: v for k, v in creds.items() if not k.startswith("_")},
        "totpConfirmed": True,
        "totpLastStep": step,
        "recoveryCodes": [recovery_code_hash(c, user_id) for c in codes],
    }
    accounts.save_credentials(ports.store, user_id, fields, if_match=creds["_etag"])
    invitations.consume(ports.store, ports.clock, token)
    profile = accounts.profile(ports.store, user_id)
    accounts.update_profile(ports.store, user_id, {"status": "active"}, if_match=profile["_etag"])
    _grant(ports, link, user_id, join_case)
    return user_id, codes


def _grant(ports: Ports, link: dict[str, Any], user_id: str, join_case: JoinCase) -> None:
    """What an accepted invitation gives: a place in a case, or a staff membership."""
    if link.get("caseId"):
        join_case(ports, link["caseId"], user_id)
    elif link.get("role") in orgs.ROLES:
        orgs.add_member(ports.store, ports.clock, link["orgId"], user_id, [link["role"]])


def accept_as(ports: Ports, token: str, user_id: str, *, join_case: JoinCase) -> dict[str, Any]:
    """A person who already has an account accepts a new invitation after signing in (instead
    of onboarding again). Only the invited account can accept it."""
    link = invitations.open_invitation(ports.store, ports.clock, token)
    if link["userId"] != user_id:
        # Someone else's link: answer as if unknown, so links cannot be probed with a session.
        raise invitations.InvitationUnknown("the invitation is for another account")
    invitations.consume(ports.store, ports.clock, token)
    _grant(ports, link, user_id, join_case)
    return {"orgId": link["orgId"], "role": link.get("role"), "caseId": link.get("caseId")}
