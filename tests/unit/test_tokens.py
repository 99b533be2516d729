"""Tokens, recovery codes, directory keys and ids: entropy, format and normalisation."""

from __future__ import annotations

import hashlib
import math
import re
import uuid

import pytest

from shared.identity.tokens import (
    RECOVERY_ALPHABET,
    email_key,
    new_id,
    new_recovery_codes,
    new_token,
    recovery_code_hash,
    token_hash,
)

CODE = re.compile(rf"[{RECOVERY_ALPHABET}]{{4}}-[{RECOVERY_ALPHABET}]{{4}}-[{RECOVERY_ALPHABET}]{{4}}")


def test_tokens_are_256_bit_url_safe_and_distinct() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 32 bytes in unpadded base64url


def test_token_hash_is_hex_sha256() -> None:
    assert token_hash("abc") == hashlib.sha256(b"abc").hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", token_hash(new_token()))
    assert token_hash("abc") != token_hash("abd")


def test_recovery_codes_are_ten_distinct_readable_codes_of_at_least_60_bits() -> None:
    codes = new_recovery_codes()
    assert len(codes) == len(set(codes)) == 10
    assert all(CODE.fullmatch(code) for code in codes)
    assert len(set(RECOVERY_ALPHABET)) == len(RECOVERY_ALPHABET) == 32
    assert 12 * math.log2(len(RECOVERY_ALPHABET)) >= 60
    assert not set("ilou") & set(RECOVERY_ALPHABET)  # no look-alikes of 1, 0 and v


def test_many_recovery_codes_stay_unique() -> None:
    codes = new_recovery_codes(500)
    assert len(set(codes)) == 500


@pytest.mark.parametrize(
    "typed",
    ["7hq2-x9mf-k4ta", "7HQ2-X9MF-K4TA", " 7hq2 x9mf k4ta ", "7hq2x9mfk4ta", "7HQ2 - X9MF - K4TA"],
)
def test_recovery_code_hash_ignores_case_spaces_and_dashes(typed: str) -> None:
    assert recovery_code_hash(typed, "u1") == hashlib.sha256(b"u1:7hq2x9mfk4ta").hexdigest()


def test_recovery_code_look_alikes_count_as_the_digit() -> None:
    assert recovery_code_hash("10ab-cdef-gh10", "u1") == recovery_code_hash("IOab-cdef-ghlo", "u1")
    assert recovery_code_hash("7hq2-x9mf-k4ta", "u1") != recovery_code_hash("7hq2-x9mf-k4tb", "u1")


def test_the_same_code_hashes_differently_per_user() -> None:
    assert recovery_code_hash("7hq2-x9mf-k4ta", "u1") != recovery_code_hash("7hq2-x9mf-k4ta", "u2")


def test_email_key_is_case_and_space_insensitive_and_holds_no_address() -> None:
    key = email_key(" Person.Name@Example.Invalid ")
    assert key == email_key("person.name@example.invalid")
    assert key == "email-" + hashlib.sha256(b"person.name@example.invalid").hexdigest()
    assert "example" not in key
    assert email_key("other@example.invalid") != key


def test_ids_are_random_uuid4_hex() -> None:
    ids = {new_id() for _ in range(100)}
    assert len(ids) == 100
    for value in ids:
        assert re.fullmatch(r"[0-9a-f]{32}", value)
        assert uuid.UUID(hex=value).version == 4
