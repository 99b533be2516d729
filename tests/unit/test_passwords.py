"""Passwords: Argon2id PHC round trips, tamper resistance, rehash decisions and the policy."""

from __future__ import annotations

import base64
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from shared.errors import ConfigurationError, InvalidInput
from shared.identity.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    Argon2Params,
    WeakPassword,
    check_password_policy,
    hash_password,
    needs_rehash,
    verify_against_dummy,
    verify_password,
)

ROOT = Path(__file__).resolve().parents[2]
#: The smallest Argon2id allows (8 KiB per lane), so most tests take microseconds.
SMALL = Argon2Params(memory_kib=8, iterations=1, lanes=1)
PASSWORD = "correct horse battery staple"
ARGON2_SETTINGS = ("CASEDESK_ARGON2_MEMORY_KIB", "CASEDESK_ARGON2_ITERATIONS", "CASEDESK_ARGON2_LANES")


@pytest.fixture(autouse=True)
def default_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ARGON2_SETTINGS:
        monkeypatch.delenv(name, raising=False)


def use_settings(monkeypatch: pytest.MonkeyPatch, memory: int, iterations: int, lanes: int = 1) -> None:
    for name, value in zip(ARGON2_SETTINGS, (memory, iterations, lanes), strict=True):
        monkeypatch.setenv(name, str(value))


def parts(encoded: str) -> list[str]:
    return encoded.split("$")  # ["", "argon2id", "v=19", "m=…,t=…,p=…", salt, hash]


def b64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def test_round_trip_and_the_phc_format() -> None:
    encoded = hash_password(PASSWORD, SMALL)
    assert verify_password(PASSWORD, encoded)
    _, variant, version, params, salt, digest = parts(encoded)
    assert (variant, version, params) == ("argon2id", "v=19", "m=8,t=1,p=1")
    assert (len(b64(salt)), len(b64(digest))) == (16, 32)
    assert hash_password(PASSWORD, SMALL) != encoded  # a fresh salt every time
    Argon2id.verify_phc_encoded(PASSWORD.encode(), encoded)  # a standard string, readable elsewhere


@pytest.mark.parametrize("attempt", ["correct horse battery stapl", "Correct horse battery staple", ""])
def test_a_wrong_password_does_not_verify(attempt: str) -> None:
    assert not verify_password(attempt, hash_password(PASSWORD, SMALL))


def tampered() -> dict[str, str]:
    good = hash_password(PASSWORD, SMALL)
    _, _, _, _, salt, digest = parts(good)
    flipped = ("A" if digest[0] != "A" else "B") + digest[1:]
    return {
        "hash changed": good.replace(digest, flipped),
        "salt changed": good.replace(salt, "A" * len(salt)),
        "cost changed": good.replace("m=8,", "m=9,"),
        "variant": good.replace("$argon2id$", "$argon2i$"),
        "version": good.replace("v=19", "v=16"),
        "truncated": good[:-4],
        "trailing space": good + " ",
        "hash missing": good.rsplit("$", 1)[0],
        "not base64": good.replace(digest, "!" * len(digest)),
        "empty": "",
        "garbage": "not a hash",
        "bcrypt": "$2b$12$" + "a" * 53,
        "huge memory (DoS)": good.replace("m=8,", "m=99999999,"),
        "huge iterations (DoS)": good.replace("t=1,", "t=999,"),
        "zero lanes": good.replace("p=1", "p=0"),
        "memory below 8 KiB per lane": good.replace("p=1", "p=2"),
        "short salt": good.replace(salt, "AAAAAA"),
    }


@pytest.mark.parametrize("case", sorted(tampered()))
def test_a_tampered_hash_never_verifies(case: str) -> None:
    assert verify_password(PASSWORD, tampered()[case]) is False


def test_the_parameters_in_the_string_are_used_not_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    old = hash_password(PASSWORD, Argon2Params(memory_kib=16, iterations=2, lanes=2))
    use_settings(monkeypatch, memory=32, iterations=3)
    assert verify_password(PASSWORD, old)
    assert "m=16,t=2,p=2" in old


def test_needs_rehash_when_settings_are_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    use_settings(monkeypatch, memory=16, iterations=2)
    current = hash_password(PASSWORD)
    assert "m=16,t=2,p=1" in current
    assert not needs_rehash(current)
    assert not needs_rehash(hash_password(PASSWORD, Argon2Params(32, 3, 1)))  # stronger: keep
    assert not needs_rehash(hash_password(PASSWORD, Argon2Params(16, 2, 2)))  # lanes: speed only
    assert needs_rehash(hash_password(PASSWORD, Argon2Params(8, 2, 1)))
    assert needs_rehash(hash_password(PASSWORD, Argon2Params(16, 1, 1)))
    assert needs_rehash("garbage")
    use_settings(monkeypatch, memory=16, iterations=3)
    assert needs_rehash(current)


def test_needs_rehash_for_a_short_salt_or_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    use_settings(monkeypatch, memory=8, iterations=1)
    short_salt = Argon2id(salt=b"8 bytes!", length=32, iterations=1, lanes=1, memory_cost=8)
    short_hash = Argon2id(salt=b"16 bytes of salt", length=16, iterations=1, lanes=1, memory_cost=8)
    for kdf in (short_salt, short_hash):
        encoded = kdf.derive_phc_encoded(PASSWORD.encode())
        assert verify_password(PASSWORD, encoded)  # still valid, so the login can upgrade it
        assert needs_rehash(encoded)


@pytest.mark.parametrize(
    ("memory", "iterations", "lanes"), [("4", "2", "1"), ("19456", "0", "1"), ("x", "2", "1")]
)
def test_unusable_settings_are_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, memory: str, iterations: str, lanes: str
) -> None:
    for name, value in zip(ARGON2_SETTINGS, (memory, iterations, lanes), strict=True):
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError):
        hash_password(PASSWORD)


def test_the_real_default_settings_owasp() -> None:
    """The one test with the production parameters (m=19 MiB, t=2, p=1)."""
    assert Argon2Params.from_settings() == Argon2Params(memory_kib=19456, iterations=2, lanes=1)
    encoded = hash_password(PASSWORD)
    assert parts(encoded)[3] == "m=19456,t=2,p=1"
    assert verify_password(PASSWORD, encoded)
    assert not verify_password(PASSWORD + "!", encoded)
    assert not needs_rehash(encoded)
    assert verify_against_dummy(PASSWORD) is False


def test_nfkc_makes_equivalent_spellings_the_same_password() -> None:
    composed = "Zürich-Oerlikon 2024"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert verify_password(decomposed, hash_password(composed, SMALL))
    full_width = "ｐａｓｓｗｏｒｄ　ｆｏｒ　ｚｕｒｉｃｈ"  # what an East Asian IME may send
    assert verify_password("password for zurich", hash_password(full_width, SMALL))


def reason(password: str) -> str | None:
    try:
        check_password_policy(password)
    except WeakPassword as exc:
        return str(exc.params["reason"])
    return None


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("a" * 11 + "!", None),
        ("Tr0ub4dor&3x", None),
        ("correct horse battery staple", None),
        ("x" * MAX_LENGTH, None),
        ("x" * (MAX_LENGTH + 1), "too_long"),
        ("Tr0ub4dor&3", "too_short"),
        ("", "too_short"),
        (" " * MIN_LENGTH, "whitespace_only"),
        ("\t \n" * 5, "whitespace_only"),
        ("qwerty123456", "common"),
        ("QWERTY123456", "common"),  # the list is lower-case; the check is not case-sensitive
        ("QwErTy123456", "common"),
        ("  1q2w3e4r5t6y ", "common"),
        ("ｑｗｅｒｔｙ１２３４５６", "common"),  # full-width: NFKC turns it into the list entry
        ("ﬀ" * 6, None),  # 6 ligatures are 12 characters after NFKC
        ("ﬀ" * 65, "too_long"),  # 65 characters typed, 130 after NFKC
    ],
)
def test_password_policy(password: str, expected: str | None) -> None:
    assert reason(password) == expected


def test_weak_password_is_a_stable_invalid_input_error_without_the_password() -> None:
    with pytest.raises(WeakPassword) as caught:
        check_password_policy("qwerty123456")
    error = caught.value
    assert isinstance(error, InvalidInput)
    assert (error.code, error.field) == ("weak_password", "password")
    assert error.params == {"reason": "common", "min_length": 12, "max_length": 128}
    assert "qwerty" not in str(error)


def test_the_common_password_list_is_read_on_first_use_not_at_import() -> None:
    probe = (
        "import shared.identity.passwords as p; "
        "assert p._common_passwords.cache_info().currsize == 0; "
        "assert len(p._common_passwords()) == 19640"
    )
    subprocess.run([sys.executable, "-c", probe], cwd=ROOT, check=True)


def test_the_dummy_check_never_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    use_settings(monkeypatch, memory=8, iterations=1)
    assert verify_against_dummy("") is False
    assert verify_against_dummy(PASSWORD) is False
