"""The signed-in person's second factor: new recovery codes, a new authenticator (issue 25).

Both need a *fresh* second factor — a code from the current authenticator or one of the
remaining recovery codes, checked now and counted against the login throttle — because a
session alone (a device left unlocked) must not be enough to take over the account's second
factor. A new authenticator is set up in two steps, like onboarding: the new secret waits
sealed as ``totpPending`` until a code from it confirms it; only then does it replace the old
one, so a half-done change never locks anyone out. Either change sends a security notice
without a link (as a password change does). docs/decisions/034.
"""

from __future__ import annotations

import base64
from datetime import UTC

from shared.effects import email_op
from shared.errors import Conflict
from shared.identity import accounts, emails, login, onboarding, totp
from shared.identity.throttle import LoginThrottle
from shared.identity.tokens import new_recovery_codes, recovery_code_hash
from shared.ports import Item, Ports

__all__ = [
    "AuthenticatorNotStarted",
    "confirm_authenticator",
    "recovery_codes_left",
    "renew_recovery_codes",
    "start_authenticator",
]


class AuthenticatorNotStarted(Conflict):
    """A confirmation without a new authenticator waiting for it (or after it was confirmed)."""

    code = "authenticator_not_started"


def recovery_codes_left(creds: Item | None) -> int:
    return len((creds or {}).get("recoveryCodes") or [])


def _check_fresh(
    ports: Ports, user_id: str, client_key: str, *, code: str | None, recovery_code: str | None
) -> None:
    account_key = accounts.profile(ports.store, user_id)["email"].casefold()
    attempt = LoginThrottle(ports.store, ports.clock).attempt(account_key, client_key)  # count first
    try:
        login.verify_second_factor(ports, user_id, code=code, recovery_code=recovery_code)
    except (totp.InvalidTotpCode, totp.TotpReplay, login.InvalidSecondFactor):
        attempt.failed()
        raise
    attempt.passed()


def _save(ports: Ports, user_id: str, creds: Item, changes: dict[str, object], what: str) -> None:
    profile = accounts.profile(ports.store, user_id)
    now = ports.clock.now()
    when = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    notice = emails.second_factor_changed_email(profile["email"], profile["language"], when, what=what)
    fields = {**{k: v for k, v in creds.items() if not k.startswith("_")}, **changes}
    accounts.save_credentials(
        ports.store,
        user_id,
        fields,
        if_match=creds["_etag"],
        effects=[email_op("users", user_id, notice, now)],
    )


def _credentials(ports: Ports, user_id: str) -> Item:
    creds = accounts.credentials(ports.store, user_id)
    if creds is None:
        raise login.InvalidSecondFactor("no second factor")
    return creds


def renew_recovery_codes(
    ports: Ports, user_id: str, client_key: str, *, code: str | None, recovery_code: str | None
) -> list[str]:
    """Ten new recovery codes (shown once); the old ones stop working."""
    _check_fresh(ports, user_id, client_key, code=code, recovery_code=recovery_code)
    codes = new_recovery_codes()
    hashes = [recovery_code_hash(c, user_id) for c in codes]
    _save(ports, user_id, _credentials(ports, user_id), {"recoveryCodes": hashes}, "recoveryCodes")
    return codes


def start_authenticator(
    ports: Ports, user_id: str, client_key: str, *, code: str | None, recovery_code: str | None
) -> onboarding.Enrolment:
    """A new secret to add to the authenticator app; the current one works until it is confirmed.
    Starting again replaces a secret that was never confirmed."""
    _check_fresh(ports, user_id, client_key, code=code, recovery_code=recovery_code)
    creds = _credentials(ports, user_id)
    secret = totp.new_secret()
    fields = {k: v for k, v in creds.items() if not k.startswith("_")}
    fields["totpPending"] = onboarding.seal_totp_secret(ports, user_id, secret)
    accounts.save_credentials(ports.store, user_id, fields, if_match=creds["_etag"])
    email = accounts.profile(ports.store, user_id)["email"]
    return onboarding.Enrolment(
        otpauth_uri=totp.otpauth_uri(secret, email),
        secret=base64.b32encode(secret).decode().rstrip("="),
    )


def confirm_authenticator(ports: Ports, user_id: str, client_key: str, code: str) -> None:
    """A code from the new authenticator makes it the one; the old one stops working."""
    creds = _credentials(ports, user_id)
    pending = creds.get("totpPending")
    if not pending:
        raise AuthenticatorNotStarted("no new authenticator is waiting for confirmation")
    account_key = accounts.profile(ports.store, user_id)["email"].casefold()
    attempt = LoginThrottle(ports.store, ports.clock).attempt(account_key, client_key)
    secret = onboarding.totp_secret(ports, user_id, {"totpSealed": pending})
    try:
        step = totp.verify_code(secret, code, ports.clock.now(), None)
    except totp.InvalidTotpCode:
        attempt.failed()
        raise
    attempt.passed()
    changes: dict[str, object] = {"totpSealed": pending, "totpPending": None, "totpLastStep": step}
    _save(ports, user_id, creds, changes, "authenticator")
