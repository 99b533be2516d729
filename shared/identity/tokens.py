"""Random secrets and the hashes they are stored as (decision 006).

Tokens and recovery codes are high-entropy, so one fast SHA-256 is enough to store them: there
is nothing to brute-force that is cheaper than guessing the token itself, and lookups by hash
stay a point read.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime

__all__ = [
    "RECOVERY_ALPHABET",
    "email_key",
    "new_id",
    "new_recovery_codes",
    "new_token",
    "recovery_code_hash",
    "sortable_id",
    "token_hash",
]

#: Crockford's base32, lower-case: 32 symbols (5 bits each) without i, l, o and u, so a code
#: read off paper cannot be mistyped as a look-alike; 12 symbols = 60 bits per code.
RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_RECOVERY_GROUPS = 3
_RECOVERY_GROUP_LENGTH = 4
#: What people type for the symbols the alphabet leaves out (Crockford's decoding rules).
_LOOK_ALIKES = str.maketrans({"i": "1", "l": "1", "o": "0", " ": None, "-": None})


def _sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A 256-bit URL-safe secret for invitation, reset and session tokens."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """How a token is stored and looked up: hex SHA-256."""
    return _sha256_hex(token)


def new_recovery_codes(n: int = 10) -> list[str]:
    """``n`` distinct one-time codes like ``7hq2-x9mf-k4ta``, shown to the user once."""
    codes: set[str] = set()
    while len(codes) < n:
        groups = (
            "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(_RECOVERY_GROUP_LENGTH))
            for _ in range(_RECOVERY_GROUPS)
        )
        codes.add("-".join(groups))
    return sorted(codes)


def recovery_code_hash(code: str, user_id: str) -> str:
    """How a recovery code is stored: case, spaces and dashes do not matter, and the
    look-alikes i/l/o count as 1/1/0, so the code matches however it was copied. The user id is
    mixed in so that one brute-force search of the code space cannot match every user at once."""
    return _sha256_hex(f"{user_id}:" + code.strip().lower().translate(_LOOK_ALIKES))


def email_key(email: str) -> str:
    """Directory key for an e-mail address: the directory holds the hash, never the address.
    Case-insensitive because people type their address in varying case."""
    return f"email-{_sha256_hex(email.strip().casefold())}"


def new_id() -> str:
    """A random, meaningless id (nothing about the user can be read from it)."""
    return uuid.uuid4().hex


def sortable_id(now: datetime) -> str:
    """An id that sorts by creation time: 12 hex digits of milliseconds since the epoch, then 80
    random bits (32 hex digits in all, like :func:`new_id`). For the items of a case, so a list
    in id order is a list by age (newest first, descending) and a keyset page can continue after
    an id; not for people or organisations, whose ids must say nothing (not even when they were
    made)."""
    return f"{int(now.timestamp() * 1000):012x}{secrets.token_hex(10)}"
