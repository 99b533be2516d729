"""Login: password, then a second factor (TOTP or a recovery code), always (SPEC journey 3).

* The password step answers the same for an unknown address, an account that is not active and
  a wrong password — including the time it takes (a dummy Argon2 verify) — so it reveals nothing.
* It returns a short-lived challenge (5 minutes, stored hashed) that the second step redeems.
* Attempts of both steps count against the account and the client *before* the password or code
  is checked (count first, decide after: shared.identity.throttle), so concurrent guesses cannot
  overrun the limit; a right one is handed back, and a lockout releases by itself.
* A TOTP code is accepted once: the accepted time step is stored with an ETag-guarded write, so
  two concurrent logins with the same code cannot both succeed. A recovery code works once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from shared.errors import ConcurrencyConflict, NotFound, Unauthenticated
from shared.identity import accounts, onboarding, passwords, totp
from shared.identity.throttle import LoginThrottle
from shared.identity.tokens import new_token, recovery_code_hash, token_hash
from shared.ports import Ports

__all__ = [
    "InvalidCredentials",
    "InvalidSecondFactor",
    "issue_challenge",
    "password_step",
    "second_factor_step",
    "verify_second_factor",
]

_CHALLENGE_SECONDS = 300

#: Checks a password against its stored hash (injectable, so tests can count the checks).
PasswordCheck = Callable[[str, str], bool]


class SecondFactorCheck(Protocol):
    """Checks a TOTP or recovery code, raising if it is wrong: :func:`verify_second_factor`."""

    def __call__(
        self, ports: Ports, user_id: str, *, code: str | None, recovery_code: str | None
    ) -> None: ...


class InvalidCredentials(Unauthenticated):
    code = "invalid_credentials"


class InvalidSecondFactor(Unauthenticated):
    code = "invalid_second_factor"


def password_step(
    ports: Ports,
    email: str,
    password: str,
    client_key: str,
    *,
    verify_password: PasswordCheck = passwords.verify_password,
) -> str:
    """Check e-mail and password; returns the challenge token for the second step."""
    account_key = email.strip().casefold()
    attempt = LoginThrottle(ports.store, ports.clock).attempt(account_key, client_key)
    user_id = accounts.find_user_id(ports.store, email) if "@" in email else None
    creds = accounts.credentials(ports.store, user_id) if user_id else None
    active = bool(user_id) and accounts.profile(ports.store, user_id or "").get("status") == "active"
    if not (creds and active and creds.get("totpConfirmed")):
        passwords.verify_against_dummy(password)
        attempt.failed()
        raise InvalidCredentials("unknown account or wrong password")
    if not verify_password(password, creds["passwordHash"]):
        attempt.failed()
        raise InvalidCredentials("unknown account or wrong password")
    attempt.passed()
    if passwords.needs_rehash(creds["passwordHash"]):
        _upgrade_hash(ports, str(user_id), creds, password)
    return issue_challenge(ports, str(user_id), creds)


def issue_challenge(ports: Ports, user_id: str, creds: dict[str, object]) -> str:
    """The challenge the second step redeems, once the first step (the password, or a Microsoft
    Entra sign-in without proof of MFA: shared.identity.entra) let ``user_id`` through."""
    challenge = new_token()
    key = f"login-{token_hash(challenge)}"
    # The password version the challenge was earned with: a change before the second step voids it.
    changed_at = creds.get("passwordChangedAt")
    ports.store.create(
        "directory",
        {
            "id": key,
            "key": key,
            "userId": user_id,
            "passwordChangedAt": changed_at,
            "ttl": _CHALLENGE_SECONDS,
        },
    )
    return challenge


def _upgrade_hash(ports: Ports, user_id: str, creds: dict[str, object], password: str) -> None:
    """Re-hash with today's Argon2 settings; best effort (a concurrent change simply wins)."""
    fields = {k: v for k, v in creds.items() if not k.startswith("_")}
    fields["passwordHash"] = passwords.hash_password(password)
    try:
        accounts.save_credentials(ports.store, user_id, fields, if_match=str(creds["_etag"]))
    except ConcurrencyConflict:
        return


def second_factor_step(
    ports: Ports,
    challenge: str,
    client_key: str,
    *,
    code: str | None = None,
    recovery_code: str | None = None,
    verify: SecondFactorCheck | None = None,
) -> str:
    """Redeem the challenge with a TOTP or recovery code; returns the user id on success.
    ``verify`` stands in for :func:`verify_second_factor` (tests count the checks with it)."""
    key = f"login-{token_hash(challenge)}" if isinstance(challenge, str) and challenge else ""
    try:
        pending = ports.store.read("directory", key, key) if key else None
    except NotFound:
        pending = None
    if pending is None:
        raise InvalidCredentials("login challenge unknown or expired")
    user_id = str(pending["userId"])
    current = accounts.credentials(ports.store, user_id) or {}
    if current.get("passwordChangedAt") != pending.get("passwordChangedAt"):
        raise InvalidCredentials("the password changed since the first step")
    account_key = accounts.profile(ports.store, user_id)["email"].casefold()
    attempt = LoginThrottle(ports.store, ports.clock).attempt(account_key, client_key)
    try:
        (verify or verify_second_factor)(ports, user_id, code=code, recovery_code=recovery_code)
    except (totp.InvalidTotpCode, totp.TotpReplay, InvalidSecondFactor):
        attempt.failed()
        raise
    attempt.passed(signed_in=True)
    try:
        ports.store.delete("directory", key, key)
    except NotFound:
        raise InvalidCredentials("login challenge already used") from None
    return user_id


def verify_second_factor(ports: Ports, user_id: str, *, code: str | None, recovery_code: str | None) -> None:
    """Accept a TOTP code (once) or a recovery code (once) of ``user_id``; raise otherwise.
    Also used by password reset, which still needs the second factor."""
    creds = accounts.credentials(ports.store, user_id)
    if creds is None:
        raise InvalidSecondFactor("no second factor")
    fields = {k: v for k, v in creds.items() if not k.startswith("_")}
    if code is not None and recovery_code is None:
        secret = onboarding.totp_secret(ports, user_id, creds)
        fields["totpLastStep"] = totp.verify_code(secret, code, ports.clock.now(), creds.get("totpLastStep"))
    elif recovery_code is not None and code is None:
        hashed = recovery_code_hash(recovery_code, user_id)
        if hashed not in creds.get("recoveryCodes", []):
            raise InvalidSecondFactor("unknown or used recovery code")
        fields["recoveryCodes"] = [h for h in creds["recoveryCodes"] if h != hashed]
    else:
        raise InvalidSecondFactor("give exactly one of code and recoveryCode")
    try:
        accounts.save_credentials(ports.store, user_id, fields, if_match=creds["_etag"])
    except ConcurrencyConflict:
        # Someone used a factor at the same moment: never let both succeed.
        raise totp.TotpReplay("second factor used concurrently") from None
