"""Changing a password (signed in) and resetting it by e-mail (signed out).

* A change needs the current password; it ends every other session of the user and sends a
  security notice (no link in it: a notice with a link looks like phishing).
* A reset link (256-bit token, stored hashed, 30 minutes, single use) is sent only to an active
  account, but the request does the same work and answers the same for any address — the lookup
  happens in the effect relay — so it reveals nothing, not even by its timing. Completing it
  still needs the second factor (SPEC journey 3) and ends every session.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from shared import config
from shared.effects import commit, email_op, record, reset_request_op
from shared.errors import ConcurrencyConflict, NotFound
from shared.identity import accounts, emails, login, passwords
from shared.identity.login import InvalidCredentials, InvalidSecondFactor
from shared.identity.sessions import SessionService
from shared.identity.throttle import LoginThrottle
from shared.identity.tokens import new_token, token_hash
from shared.identity.totp import InvalidTotpCode, TotpReplay
from shared.ports import BatchOperation, Ports

__all__ = ["RESET_MINUTES", "change_password", "complete_reset", "issue_reset", "request_reset"]

RESET_MINUTES = 30


def _store_password(ports: Ports, user_id: str, new_password: str) -> None:
    """Replace the password and, in the same batch of the user's partition, leave the security
    notice for the relay to send (the notice goes out exactly when the change is stored)."""
    profile = accounts.profile(ports.store, user_id)
    _check_policy(profile, new_password)
    creds = accounts.credentials(ports.store, user_id)
    if creds is None:
        raise NotFound("no credentials")
    now = ports.clock.now()
    fields = {k: v for k, v in creds.items() if not k.startswith("_")}
    fields["passwordHash"] = passwords.hash_password(new_password)
    fields["passwordChangedAt"] = now.isoformat()
    when = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    notice = emails.password_changed_email(profile["email"], profile["language"], when)
    accounts.save_credentials(
        ports.store,
        user_id,
        fields,
        if_match=creds["_etag"],
        effects=[email_op("users", user_id, notice, now)],
    )


def _check_policy(profile: dict[str, Any], new_password: str) -> None:
    # The person's own e-mail and name are context words; their organisations are not looked
    # up here (that would cost a read per organisation), onboarding checks the inviting one.
    passwords.check_password_policy(new_password, email=profile["email"], name=profile["name"])


def change_password(ports: Ports, user_id: str, current: str, new: str, keep_session_id: str | None) -> int:
    """Returns how many other sessions were ended."""
    creds = accounts.credentials(ports.store, user_id)
    if creds is None or not passwords.verify_password(current, creds["passwordHash"]):
        raise InvalidCredentials("the current password is not correct")
    _store_password(ports, user_id, new)
    return SessionService(ports.store, ports.clock).end_all_except(user_id, keep_session_id)


def request_reset(ports: Ports, email: str, client_key: str) -> None:
    """Ask for a reset link; answers the same, after the same work, for any address.

    The request does exactly this whatever the address: count it against the throttle (per
    address and per client, so nobody is mail-bombed) and store one pending *reset request*
    effect. Whether the address belongs to an active account is decided later by the relay
    (:func:`issue_reset`), off the request path — so neither the answer nor its time, nor the
    store calls behind it, depend on the account existing (no dummy Argon2 needed either)."""
    throttle = LoginThrottle(ports.store, ports.clock)
    address = email.strip().casefold()
    reset_key = "reset:" + address
    throttle.check(reset_key, client_key)
    throttle.record_failure(reset_key, client_key)
    partition = f"reset-request-{token_hash(address)}"
    request = reset_request_op(partition, address, ports.clock.now())
    record(ports.store, "directory", partition, [request])


def issue_reset(ports: Ports, address: str) -> bool:
    """The relay's half of :func:`request_reset`: for an active account, a 30-minute token and
    its e-mail (one batch in the token's directory partition); for any other address nothing.
    Returns whether a link was issued."""
    user_id = accounts.find_user_id(ports.store, address) if "@" in address else None
    if user_id is None:
        return False
    profile = accounts.profile(ports.store, user_id)
    if profile.get("status") != "active":
        return False
    token = new_token()
    key = f"reset-{token_hash(token)}"
    link = f"{config.required('CASEDESK_PUBLIC_URL').rstrip('/')}/reset-password#token={token}"
    mail = emails.password_reset_email(profile["email"], profile["language"], link, RESET_MINUTES)
    item = {"id": key, "key": key, "userId": user_id, "ttl": RESET_MINUTES * 60}
    commit(
        ports.store,
        "directory",
        key,
        [BatchOperation("create", item=item)],
        [email_op("directory", key, mail, ports.clock.now())],
    )
    return True


def complete_reset(
    ports: Ports,
    token: str,
    new_password: str,
    client_key: str,
    *,
    code: str | None,
    recovery_code: str | None,
) -> None:
    key = f"reset-{token_hash(token)}"
    try:
        pending = ports.store.read("directory", key, key)
    except NotFound:
        raise InvalidCredentials("unknown, used or expired reset link") from None
    user_id = str(pending["userId"])
    profile = accounts.profile(ports.store, user_id)
    _check_policy(profile, new_password)  # before the second factor is spent
    account_key = profile["email"].casefold()
    attempt = LoginThrottle(ports.store, ports.clock).attempt(account_key, client_key)  # count first
    try:
        login.verify_second_factor(ports, user_id, code=code, recovery_code=recovery_code)
    except (InvalidTotpCode, TotpReplay, InvalidSecondFactor):
        attempt.failed()
        raise
    attempt.passed()
    try:
        ports.store.delete("directory", key, key, if_match=pending["_etag"])
    except (NotFound, ConcurrencyConflict):
        raise InvalidCredentials("the reset link was used meanwhile") from None
    _store_password(ports, user_id, new_password)
    SessionService(ports.store, ports.clock).end_all_except(user_id, None)
