"""TOTP second factor (RFC 6238) on ``cryptography``, modelled on warehouse's ``utils/otp.py``.

SHA-1, 6 digits, 30-second steps: the combination every authenticator app supports (others are
silently ignored by some apps, which then show wrong codes). A code is accepted in the current
step and one step either side (clock drift, slow typing); the caller stores the returned step,
and any code from that step or an earlier one is refused, so a seen code cannot be replayed.
"""

from __future__ import annotations

import base64
import hmac
import os
import re
from datetime import datetime
from urllib.parse import quote, urlencode

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from shared.errors import InvalidInput

__all__ = [
    "DIGITS",
    "PERIOD_SECONDS",
    "InvalidTotpCode",
    "TotpReplay",
    "current_code",
    "new_secret",
    "otpauth_uri",
    "verify_code",
]

DIGITS = 6
PERIOD_SECONDS = 30
SECRET_BYTES = 20  # 160 bits, the length RFC 4226 §4 recommends for SHA-1
#: Steps either side of "now" that are still accepted.
WINDOW = 1
_CODE = re.compile(r"[0-9]{6}")  # ASCII digits only: str.isdigit() would accept "١٢٣٤٥٦"


class InvalidTotpCode(InvalidInput):
    """The code is ``malformed`` (not six digits) or ``invalid`` (not the code of the window)."""

    code = "invalid_totp_code"


class TotpReplay(InvalidInput):
    """The code is right but its step was already used: each code logs in once."""

    code = "totp_replayed"


def _totp(secret: bytes) -> TOTP:
    return TOTP(secret, DIGITS, SHA1(), PERIOD_SECONDS)  # noqa: S303 - SHA-1 HMAC is what apps support


def current_code(secret: bytes, now: datetime) -> str:
    """The code an authenticator shows at ``now`` (the dev helper for demo accounts uses it)."""
    return _totp(secret).generate(now.timestamp()).decode("ascii")


def new_secret() -> bytes:
    """A fresh random TOTP secret (store it sealed, never in clear)."""
    return os.urandom(SECRET_BYTES)


def otpauth_uri(secret: bytes, account_label: str, issuer: str = "CaseDesk") -> str:
    """The ``otpauth://`` URI an authenticator app reads from the enrolment QR code."""
    if ":" in issuer:
        raise ValueError("the issuer may not contain ':' (it separates issuer and account)")
    label = f"{quote(issuer, safe='')}:{quote(account_label, safe='@')}"
    query = urlencode(
        {
            "secret": base64.b32encode(secret).decode("ascii").rstrip("="),
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": PERIOD_SECONDS,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"


def _step(now: datetime) -> int:
    if now.tzinfo is None:
        # A naive datetime is read as local time by .timestamp(): off by hours on some hosts.
        raise ValueError("now must be timezone-aware")
    return int(now.timestamp()) // PERIOD_SECONDS


def verify_code(secret: bytes, code: str, now: datetime, last_step: int | None) -> int:
    """The time step ``code`` belongs to, if it is valid at ``now`` and newer than
    ``last_step`` (the step accepted last time, ``None`` if none). Store the result as the new
    ``last_step``. Raises :class:`InvalidTotpCode` or :class:`TotpReplay`."""
    candidate = code.replace(" ", "")  # apps show "123 456"; people type what they see
    if not _CODE.fullmatch(candidate):
        raise InvalidTotpCode("malformed TOTP code", field="code", reason="malformed")
    totp = _totp(secret)
    current = _step(now)
    # Compare against every step of the window, in constant time and without stopping at the
    # first match, so timing tells nothing about which step (if any) matched.
    matched = [
        step
        for step in range(current - WINDOW, current + WINDOW + 1)
        if hmac.compare_digest(totp.generate(step * PERIOD_SECONDS), candidate.encode("ascii"))
    ]
    if not matched:
        raise InvalidTotpCode("wrong TOTP code", field="code", reason="invalid")
    fresh = [step for step in matched if last_step is None or step > last_step]
    if not fresh:
        raise TotpReplay("TOTP code already used", field="code")
    # Two steps can share a code (one in a million); the newest fresh one wins.
    return max(fresh)
