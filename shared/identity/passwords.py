"""Passwords: the policy a new password must meet, and Argon2id hashing in PHC strings.

Hashes are stored as standard PHC strings (``$argon2id$v=19$m=…,t=…,p=…$salt$hash``), so each
hash carries its own parameters: raising the settings later never locks anyone out, and
:func:`needs_rehash` tells the login flow when to upgrade a hash it has just verified.
"""

from __future__ import annotations

import base64
import gzip
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from shared import config
from shared.errors import ConfigurationError, InvalidInput

__all__ = [
    "MAX_LENGTH",
    "MIN_LENGTH",
    "Argon2Params",
    "WeakPassword",
    "check_password_policy",
    "hash_password",
    "needs_rehash",
    "verify_against_dummy",
    "verify_password",
]

MIN_LENGTH = 12
#: An upper bound, so nobody makes us hash megabytes per attempt (NIST allows a cap ≥ 64).
MAX_LENGTH = 128
SALT_BYTES = 16
HASH_BYTES = 32
#: Far above anything we configure: a tampered or corrupt stored hash must not be able to make
#: one login allocate gigabytes or spin for minutes.
_MAX_MEMORY_KIB = 1024 * 1024
_MAX_ITERATIONS = 64
_MAX_LANES = 16
_COMMON_PASSWORDS = Path(__file__).with_name("common-passwords.txt.gz")
_PHC = re.compile(
    r"\$argon2id\$v=19\$m=(\d{1,8}),t=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)"
)


class WeakPassword(InvalidInput):
    """A new password does not meet the policy. ``reason`` is one of ``too_short``,
    ``too_long``, ``common``, ``whitespace_only``; never carries the password itself."""

    code = "weak_password"


@dataclass(frozen=True)
class Argon2Params:
    memory_kib: int
    iterations: int
    lanes: int

    def __post_init__(self) -> None:
        # Argon2 needs at least 8 KiB per lane; the upper bounds are our DoS guard.
        if not (1 <= self.lanes <= _MAX_LANES and 1 <= self.iterations <= _MAX_ITERATIONS):
            raise ValueError(f"Argon2 iterations/lanes out of range: {self}")
        if not 8 * self.lanes <= self.memory_kib <= _MAX_MEMORY_KIB:
            raise ValueError(f"Argon2 memory must be 8 KiB per lane up to 1 GiB: {self}")

    @classmethod
    def from_settings(cls) -> Argon2Params:
        """The parameters new hashes get, read when asked for (never at import time)."""
        try:
            return cls(
                memory_kib=config.int_setting("CASEDESK_ARGON2_MEMORY_KIB"),
                iterations=config.int_setting("CASEDESK_ARGON2_ITERATIONS"),
                lanes=config.int_setting("CASEDESK_ARGON2_LANES"),
            )
        except ValueError as exc:
            raise ConfigurationError(f"CASEDESK_ARGON2_* settings are unusable: {exc}") from None


def _normalise(password: str) -> str:
    # NFKC, as NIST SP 800-63B §5.1.1.2 recommends: the same password typed on another device
    # or keyboard (a composed vs. decomposed "é" from macOS, full-width digits from an IME)
    # must give the same bytes, or the user is locked out by their own keyboard. Applied
    # before the policy checks too, so lengths and list matches see what is really hashed.
    return unicodedata.normalize("NFKC", password)


@cache
def _common_passwords() -> frozenset[str]:
    # Loaded on first use and kept for the process: reading ~20,000 lines at import time would
    # slow every cold start, including those of functions that never see a password.
    with gzip.open(_COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(_normalise(line.strip()).casefold() for line in lines if line.strip())


def check_password_policy(password: str) -> None:
    """Raise :class:`WeakPassword` unless ``password`` may be set. Length counts characters
    after normalisation; spaces are allowed (passphrases), but not a password of only spaces."""
    normalised = _normalise(password)
    reason = None
    if len(normalised) > MAX_LENGTH:
        reason = "too_long"
    elif len(normalised) < MIN_LENGTH:
        reason = "too_short"
    elif not normalised.strip():
        reason = "whitespace_only"
    elif normalised.strip().casefold() in _common_passwords():
        reason = "common"
    if reason:
        raise WeakPassword(
            f"password rejected: {reason}",
            field="password",
            reason=reason,
            min_length=MIN_LENGTH,
            max_length=MAX_LENGTH,
        )


def hash_password(password: str, params: Argon2Params | None = None) -> str:
    """A PHC string for ``password`` with a fresh 16-byte salt (current settings by default).
    Does not apply the policy: call :func:`check_password_policy` first when setting one."""
    params = params or Argon2Params.from_settings()
    kdf = Argon2id(
        salt=os.urandom(SALT_BYTES),
        length=HASH_BYTES,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive_phc_encoded(_normalise(password).encode("utf-8"))


def _b64decode(text: str) -> bytes:
    # PHC strings use standard base64 without padding.
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _parse(encoded: str) -> tuple[Argon2Params, bytes, bytes]:
    """Parameters, salt and hash of a PHC string; ``ValueError`` if it is not one we accept."""
    match = _PHC.fullmatch(encoded)
    if not match:
        raise ValueError("not an Argon2id v19 PHC string")
    memory, iterations, lanes, salt, digest = match.groups()
    params = Argon2Params(memory_kib=int(memory), iterations=int(iterations), lanes=int(lanes))
    return params, _b64decode(salt), _b64decode(digest)


def _matches(password: str, params: Argon2Params, salt: bytes, expected: bytes) -> bool:
    kdf = Argon2id(
        salt=salt,
        length=len(expected),
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    derived = kdf.derive(_normalise(password).encode("utf-8"))
    return hmac.compare_digest(derived, expected)


def verify_password(password: str, encoded: str) -> bool:
    """True only if ``password`` matches the stored PHC string, using the parameters stored in
    it. A malformed or tampered string is never a match (it reads as a wrong password)."""
    try:
        params, salt, expected = _parse(encoded)
        return _matches(password, params, salt, expected)
    except ValueError:  # also binascii.Error, and cryptography's own range checks
        return False


def verify_against_dummy(password: str) -> Literal[False]:
    """Spend what a real :func:`verify_password` spends, for a login whose e-mail is unknown,
    so the response time does not tell whether an account exists. Always ``False``."""
    # Today's parameters, a random salt and a random "hash": the same derivation and
    # constant-time comparison as a real check, with nothing that could ever match.
    _matches(password, Argon2Params.from_settings(), os.urandom(SALT_BYTES), os.urandom(HASH_BYTES))
    return False


def needs_rehash(encoded: str) -> bool:
    """True if the stored hash is weaker than what :func:`hash_password` makes today (less
    memory or fewer iterations than the settings, a shorter salt or hash) or unreadable.
    Lanes are not compared: they change speed, not the attacker's total work."""
    current = Argon2Params.from_settings()
    try:
        params, salt, digest = _parse(encoded)
    except ValueError:
        return True
    return (
        params.memory_kib < current.memory_kib
        or params.iterations < current.iterations
        or len(salt) < SALT_BYTES
        or len(digest) < HASH_BYTES
    )
