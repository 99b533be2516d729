"""Passwords: Argon2id PHC round trips, tamper resistance, rehash decisions and the policy
(NIST SP 800-63B §5.1.1.2 plus zxcvbn, docs/decisions/016)."""

from __future__ import annotations

import base64
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from shared import i18n
from shared.errors import ConfigurationError, InvalidInput
from shared.identity import demo
from shared.identity.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    Argon2Params,
    CommonPassword,
    ContextPassword,
    GuessablePassword,
    PasswordOnlyWhitespace,
    PasswordTooLong,
    PasswordTooShort,
    RepetitivePassword,
    SequentialPassword,
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


def rule(password: str, **context: str) -> str | None:
    try:
        check_password_policy(password, **context)
    except WeakPassword as exc:
        assert exc.code == f"weak_password_{exc.rule}" and exc.params["rule"] == exc.rule
        return exc.rule
    return None


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Tr0ub4dor&3x", None),
        ("correct horse battery staple", None),
        ("Zürich-Oerlikon 2024", None),
        ("Xk9#mQ2v!Lp0" * 10 + "Zr5&Wt3e", None),  # 128 characters: zxcvbn sees the first 32
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
        ("ﬀ" * 65, "too_long"),  # 65 characters typed, 130 after NFKC
        # Issue 14's probe: repetitive, sequential and the product's name.
        ("aaaaaaaaaaaa", "repetitive"),
        ("123456789012", "sequential"),
        ("casedeskcasedesk", "context"),
        ("a" * 11 + "!", "repetitive"),  # fewer than 5 different characters
        ("x" * MAX_LENGTH, "repetitive"),
        ("ﬀ" * 6, "repetitive"),  # 6 ligatures are "ffffffffffff" after NFKC
        ("abcabcabcabc", "repetitive"),
        ("hello hello hello", "repetitive"),  # one piece repeated, the last time cut short
        ("abcdefghijkl", "sequential"),
        ("9876543210zyx", "sequential"),
        ("1234abcd5678", "sequential"),
        ("CaseDesk2024!", "context"),
        ("CASEDESK-passwort", "context"),
        ("qwertzuiop12", "guessable"),  # a Swiss keyboard row: zxcvbn, not our list
        ("Schatzi123456", "guessable"),
        ("p@ssw0rd2024", "guessable"),  # l33t
    ],
)
def test_password_policy(password: str, expected: str | None) -> None:
    assert rule(password) == expected


ANNA = {"email": "anna.muster@example.ch", "name": "Anna Muster", "org_name": "Muster Reha AG"}


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("anna.muster@example.ch", "context"),  # the probe: the user's own e-mail address
        ("ANNA.MUSTER@example.ch", "context"),
        ("anna.muster2024", "context"),  # the local part
        ("Anna Muster 1985", "context"),  # the name, word by word
        ("MusterAnna!!1985", "context"),
        ("Muster Reha AG 24", "context"),  # the organisation's name
        ("RehaReha 2024!", "context"),
        ("Anna loves mountain hiking", None),  # mentioning a name is fine: enough is left
        ("correct horse battery staple 42", None),
        ("anna", "too_short"),
    ],
)
def test_context_words_do_not_count_towards_the_length(password: str, expected: str | None) -> None:
    assert rule(password, **ANNA) == expected


def test_zxcvbn_gets_the_context_words_too() -> None:
    # The e-mail address in l33t: no context word is in it literally, but zxcvbn matches l33t
    # spellings of the words it is given.
    assert rule("4nn4.mu5t3r@3x4mple.ch") is None
    assert rule("4nn4.mu5t3r@3x4mple.ch", **ANNA) == "guessable"


def test_weak_password_is_a_stable_invalid_input_error_without_the_password() -> None:
    with pytest.raises(WeakPassword) as caught:
        check_password_policy("anna.muster@example.ch", **ANNA)
    error = caught.value
    assert isinstance(error, InvalidInput) and isinstance(error, ContextPassword)
    assert (error.code, error.field) == ("weak_password_context", "password")
    assert error.params == {"rule": "context", "min_length": 12, "max_length": 128}
    assert "anna" not in str(error) and "muster" not in str(error)


def test_every_rule_has_its_own_code_and_a_text_in_both_languages() -> None:
    rules = [CommonPassword, ContextPassword, GuessablePassword, PasswordOnlyWhitespace]
    rules += [PasswordTooLong, PasswordTooShort, RepetitivePassword, SequentialPassword]
    assert len({r.code for r in rules}) == len({r.rule for r in rules}) == len(rules)
    for error in rules:
        for language in ("en", "de"):
            detail = i18n.translate(f"errors.{error.code}.detail", language, **error().params)
            assert not detail.startswith("errors.") and "{" not in detail


@pytest.mark.parametrize(("mailbox", "name", "language", "role"), demo._PEOPLE)
def test_the_demo_password_meets_the_policy_for_every_demo_account(
    mailbox: str, name: str, language: str, role: str
) -> None:
    email = f"{mailbox}@{demo.DEMO_DOMAIN}"
    check_password_policy(demo.DEMO_PASSWORD, email=email, name=name, org_name=demo.DEMO_ORG_NAME)


def test_zxcvbn_is_imported_on_first_use_not_with_the_app() -> None:
    probe = (
        "import sys, function_app, shared.identity.passwords as p; "
        "assert 'zxcvbn' not in sys.modules; "
        "p.check_password_policy('correct horse battery staple'); "
        "assert 'zxcvbn' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", probe], cwd=ROOT, check=True)


def test_the_estimator_is_bounded_in_time() -> None:
    """zxcvbn's matching grows steeply with length and l33t symbols; the policy feeds it 32
    characters at most, so the worst input stays well under a second."""
    nasty = "4@8({[<3!|10$5+7%2" * 7  # every l33t symbol zxcvbn knows, 126 characters
    started = time.perf_counter()
    rule(nasty)
    assert time.perf_counter() - started < 2.0


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
