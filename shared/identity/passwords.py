"""Passwords: the policy a new password must meet, and Argon2id hashing in PHC strings.

The policy follows NIST SP 800-63B §5.1.1.2 (docs/decisions/016): length, no list of commonly
used passwords, no context-specific words (the person's e-mail and name, the organisation's
name, the product's name), nothing repetitive or sequential, and — on top — the ``zxcvbn``
strength estimator. Each rule has its own error, so the person is told which one failed.

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
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from shared import config
from shared.errors import ConfigurationError, InvalidInput

__all__ = [
    "MAX_LENGTH",
    "MIN_LENGTH",
    "PRODUCT_NAME",
    "Argon2Params",
    "CommonPassword",
    "ContextPassword",
    "GuessablePassword",
    "PasswordOnlyWhitespace",
    "PasswordTooLong",
    "PasswordTooShort",
    "RepetitivePassword",
    "SequentialPassword",
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
#: Always a context-specific word (NIST: "the name of the service").
PRODUCT_NAME = "CaseDesk"
#: Fewer different characters than this is repetition, whatever the length ("aaaaaaaaaaa!").
_MIN_DISTINCT = 5
#: Runs like "1234" or "fedc" at least this long on average make the whole password a sequence.
_SEQUENCE_RUN = 3
#: zxcvbn's guess count must reach its score 3 (10^8 guesses): out of reach online, and slow
#: to reach offline against Argon2id.
_MIN_ZXCVBN_SCORE = 3
#: zxcvbn judges this many characters. Its matching grows steeply with length: measured worst
#: cases 0.45 s at 32, 1.2 s at 72 and 4 s at 128 characters full of l33t symbols. Whatever
#: lies beyond is still seen by the other rules — and length itself is strength.
_ZXCVBN_PREFIX = 32
#: zxcvbn keeps the current user's words in a module-level dictionary while it runs: two
#: threads checking at once would mix two people's words.
_zxcvbn_lock = threading.Lock()
#: Words of three letters or more in a name or an e-mail's local part ("anna.muster" → anna, muster).
_WORD = re.compile(r"[^\W\d_]{3,}")
_PHC = re.compile(
    r"\$argon2id\$v=19\$m=(\d{1,8}),t=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)"
)


class WeakPassword(InvalidInput):
    """A new password does not meet the policy. Never raised itself: each rule is a subclass with
    its own stable ``code`` and ``rule`` (EN/DE text under ``errors.<code>``); none ever carries
    the password or the words it was compared with."""

    code = "weak_password"
    rule = "policy"

    def __init__(self) -> None:
        super().__init__(
            f"password rejected: {self.rule}",
            field="password",
            rule=self.rule,
            min_length=MIN_LENGTH,
            max_length=MAX_LENGTH,
        )


class PasswordTooLong(WeakPassword):
    code = "weak_password_too_long"
    rule = "too_long"


class PasswordTooShort(WeakPassword):
    code = "weak_password_too_short"
    rule = "too_short"


class PasswordOnlyWhitespace(WeakPassword):
    code = "weak_password_whitespace_only"
    rule = "whitespace_only"


class CommonPassword(WeakPassword):
    code = "weak_password_common"
    rule = "common"


class ContextPassword(WeakPassword):
    """Without the person's e-mail, name, organisation and the product's name, too little is left."""

    code = "weak_password_context"
    rule = "context"


class RepetitivePassword(WeakPassword):
    code = "weak_password_repetitive"
    rule = "repetitive"


class SequentialPassword(WeakPassword):
    code = "weak_password_sequential"
    rule = "sequential"


class GuessablePassword(WeakPassword):
    """zxcvbn estimates fewer than 10^8 guesses (words, names, dates, keyboard rows, l33t…)."""

    code = "weak_password_guessable"
    rule = "guessable"


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


def check_password_policy(
    password: str,
    *,
    email: str | None = None,
    name: str | None = None,
    org_name: str | None = None,
) -> None:
    """Raise the :class:`WeakPassword` of the first rule ``password`` breaks, if any.

    Length counts characters after normalisation; spaces are allowed (passphrases), but not a
    password of only spaces. ``email``, ``name`` and ``org_name`` are the context-specific
    words of the person setting it, as far as they are known; the product's name always is one.
    """
    normalised = _normalise(password)
    folded = normalised.casefold()
    words = _context_words(email, name, org_name)
    if len(normalised) > MAX_LENGTH:
        raise PasswordTooLong()
    if len(normalised) < MIN_LENGTH:
        raise PasswordTooShort()
    if not normalised.strip():
        raise PasswordOnlyWhitespace()
    if folded.strip() in _common_passwords():
        raise CommonPassword()
    if len(_without(folded, words)) < MIN_LENGTH:
        raise ContextPassword()
    if _is_repetitive(folded):
        raise RepetitivePassword()
    if _is_sequential(folded):
        raise SequentialPassword()
    if _zxcvbn_score(normalised[:_ZXCVBN_PREFIX], words) < _MIN_ZXCVBN_SCORE:
        raise GuessablePassword()


def _context_words(email: str | None, name: str | None, org_name: str | None) -> list[str]:
    """The words a password must not be built from, longest first: the whole e-mail address, its
    local part and that part's words, the name and its words, the organisation's name and its
    words, and the product's name — normalised and case-folded like the password."""
    local = email.rpartition("@")[0] if email else None
    found = {PRODUCT_NAME}
    for text in (email, local, name, org_name):
        if text:
            found.add(text)
    for text in (local, name, org_name):
        if text:
            found.update(_WORD.findall(_normalise(text)))
    folded = {_normalise(word).strip().casefold() for word in found}
    return sorted((w for w in folded if len(w) >= 3), key=lambda w: (-len(w), w))


def _without(folded: str, words: Iterable[str]) -> str:
    # Context words do not count towards the minimum length: "CaseDesk2024!" or "Anna Muster
    # 1985" are refused, a passphrase that merely mentions one of them is not.
    for word in words:
        folded = folded.replace(word, "")
    return folded


def _is_repetitive(folded: str) -> bool:
    """Too few different characters, or one piece repeated ("casedeskcasedesk", "abcabcabca")."""
    if len(set(folded)) < _MIN_DISTINCT:
        return True
    length = len(folded)
    return any(
        folded == (folded[:size] * (length // size + 1))[:length] for size in range(1, length // 2 + 1)
    )


def _step(first: str, second: str) -> int | None:
    """+1 or -1 between neighbouring ASCII letters or digits (digits wrap, as on the keyboard's
    "1234567890" row), otherwise ``None``."""
    if first.isascii() and second.isascii():
        if first.isdigit() and second.isdigit():
            return {1: 1, 9: -1}.get((int(second) - int(first)) % 10)
        if first.isalpha() and second.isalpha():
            delta = ord(second) - ord(first)
            return delta if delta in (1, -1) else None
    return None


def _is_sequential(folded: str) -> bool:
    """Made of runs like "1234" or "zyx" ("123456789012", "1234abcd5678"): split into maximal
    runs of one steady step, the runs are on average :data:`_SEQUENCE_RUN` characters or longer."""
    runs, previous = 1, None
    for first, second in pairwise(folded):
        step = _step(first, second)
        if step is not None and previous in (None, step):
            previous = step
        else:
            runs, previous = runs + 1, None
    return len(folded) / runs >= _SEQUENCE_RUN


def _zxcvbn_score(password: str, words: list[str]) -> int:
    # Imported on first use: ~35 ms and 1.7 MB of word lists that no other function needs, so
    # it must not be paid by every cold start (bench/bench_import.py).
    import zxcvbn  # noqa: PLC0415 - lazy: cold start

    with _zxcvbn_lock:
        result = zxcvbn.zxcvbn(password, user_inputs=words, max_length=_ZXCVBN_PREFIX)
    return int(result["score"])


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
