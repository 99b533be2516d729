"""TOTP: RFC 6238 vectors, the ±1 step window, replay refusal and malformed input."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from shared.errors import InvalidInput
from shared.identity.totp import (
    InvalidTotpCode,
    TotpReplay,
    new_secret,
    otpauth_uri,
    verify_code,
)

RFC_SECRET = b"12345678901234567890"  # RFC 6238 appendix B, SHA-1
NOW = datetime(2026, 11, 23, 10, 0, 15, tzinfo=UTC)
STEP = int(NOW.timestamp()) // 30


def code_at(secret: bytes, step: int) -> str:
    """The code of ``step``, computed independently of the module under test."""
    return TOTP(secret, 6, SHA1(), 30).generate(step * 30).decode()


@pytest.mark.parametrize(
    ("unix_time", "code"),
    [
        # RFC 6238 appendix B gives 8 digits; 6-digit codes are their last six (RFC 4226 §5.3).
        (59, "287082"),  # 94287082
        (1111111109, "081804"),  # 07081804
        (1111111111, "050471"),  # 14050471
        (1234567890, "005924"),  # 89005924
        (2000000000, "279037"),  # 69279037
        (20000000000, "353130"),  # 65353130
    ],
)
def test_rfc_6238_sha1_vectors(unix_time: int, code: str) -> None:
    now = datetime.fromtimestamp(unix_time, UTC)
    assert verify_code(RFC_SECRET, code, now, None) == unix_time // 30


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_one_step_either_side_is_accepted(offset: int) -> None:
    secret = new_secret()
    assert verify_code(secret, code_at(secret, STEP + offset), NOW, None) == STEP + offset


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_two_steps_away_is_rejected(offset: int) -> None:
    code = code_at(RFC_SECRET, STEP + offset)  # a fixed secret: no chance collision with the window
    assert code not in {code_at(RFC_SECRET, STEP + near) for near in (-1, 0, 1)}
    with pytest.raises(InvalidTotpCode) as caught:
        verify_code(RFC_SECRET, code, NOW, None)
    assert caught.value.params == {"reason": "invalid"}


def test_a_wrong_code_is_invalid() -> None:
    secret = new_secret()
    window = {code_at(secret, STEP + offset) for offset in (-1, 0, 1)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in window)
    with pytest.raises(InvalidTotpCode) as caught:
        verify_code(secret, wrong, NOW, None)
    assert (caught.value.code, caught.value.params["reason"]) == ("invalid_totp_code", "invalid")


def test_the_same_code_is_accepted_once() -> None:
    secret = new_secret()
    code = code_at(secret, STEP)
    last = verify_code(secret, code, NOW, None)
    with pytest.raises(TotpReplay) as caught:
        verify_code(secret, code, NOW + timedelta(seconds=5), last)
    assert caught.value.code == "totp_replayed"


def test_an_older_step_is_rejected_after_a_newer_one() -> None:
    secret = new_secret()
    last = verify_code(secret, code_at(secret, STEP + 1), NOW, None)
    with pytest.raises(TotpReplay):
        verify_code(secret, code_at(secret, STEP), NOW, last)
    with pytest.raises(TotpReplay):
        verify_code(secret, code_at(secret, STEP - 1), NOW, last)


def test_a_newer_step_is_accepted_after_an_older_one() -> None:
    secret = new_secret()
    last = verify_code(secret, code_at(secret, STEP - 1), NOW, None)
    assert verify_code(secret, code_at(secret, STEP), NOW, last) == STEP
    assert verify_code(secret, code_at(secret, STEP + 1), NOW, STEP) == STEP + 1


@pytest.mark.parametrize("code", ["12345", "abcdef", "1234567", "", "      ", "12345a", "١٢٣٤٥٦", "123-456"])
def test_malformed_codes_are_rejected_before_any_check(code: str) -> None:
    with pytest.raises(InvalidTotpCode) as caught:
        verify_code(RFC_SECRET, code, NOW, None)
    assert caught.value.params == {"reason": "malformed"}
    assert caught.value.field == "code"


def test_spaces_in_a_code_are_ignored() -> None:
    secret = new_secret()
    code = code_at(secret, STEP)
    assert verify_code(secret, f" {code[:3]} {code[3:]} ", NOW, None) == STEP


def test_errors_are_invalid_input_with_stable_codes() -> None:
    assert issubclass(InvalidTotpCode, InvalidInput)
    assert issubclass(TotpReplay, InvalidInput)
    assert (InvalidTotpCode.code, TotpReplay.code) == ("invalid_totp_code", "totp_replayed")


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        verify_code(RFC_SECRET, "287082", datetime(1970, 1, 1, 0, 0, 59), None)


def test_new_secrets_are_160_random_bits() -> None:
    secrets = {new_secret() for _ in range(20)}
    assert len(secrets) == 20
    assert {len(s) for s in secrets} == {20}


def test_otpauth_uri() -> None:
    secret = bytes(range(20))
    uri = otpauth_uri(secret, "person@example.invalid")
    assert uri == (
        "otpauth://totp/CaseDesk:person@example.invalid?secret=AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQT"
        "&issuer=CaseDesk&algorithm=SHA1&digits=6&period=30"
    )


def test_otpauth_uri_quotes_the_label_and_round_trips_the_secret() -> None:
    secret = new_secret()
    uri = urlsplit(otpauth_uri(secret, "Anna Muster: Team?x&y=z"))
    assert uri.path == "/CaseDesk:Anna%20Muster%3A%20Team%3Fx%26y%3Dz"
    query = parse_qs(uri.query)
    encoded = query["secret"][0]
    assert "=" not in encoded
    assert base64.b32decode(encoded + "=" * (-len(encoded) % 8)) == secret
    assert query["issuer"] == ["CaseDesk"]


def test_an_issuer_with_a_colon_is_refused() -> None:
    with pytest.raises(ValueError, match="issuer"):
        otpauth_uri(new_secret(), "person@example.invalid", issuer="Case:Desk")
