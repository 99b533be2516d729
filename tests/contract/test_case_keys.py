"""Envelope encryption over every KeyRing adapter: round trips, tamper detection, rotation,
crypto-shredding. The store is SQLite (the KeyRing is the port under test here)."""

from __future__ import annotations

import base64

import pytest

from shared.crypto.case_keys import CaseCipher, CaseKeys
from shared.errors import IntegrityError, KeyUnavailable
from shared.ports import KeyRing, Store
from tests.fakes import ManualClock


@pytest.fixture
def case_keys(key_ring: KeyRing, sqlite_store: Store, clock: ManualClock) -> CaseKeys:
    keys = CaseKeys(sqlite_store, key_ring, clock)
    keys.create("case-1")
    keys.create("case-2")
    return keys


@pytest.fixture
def cipher(case_keys: CaseKeys) -> CaseCipher:
    return CaseCipher(case_keys)


def flip_bit(sealed: str, index: int) -> str:
    raw = bytearray(base64.b64decode(sealed))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def test_field_round_trip(cipher: CaseCipher) -> None:
    sealed = cipher.encrypt_field("case-1", "cases", "n1", "body", "Rückenschmerzen, 5/10 ✓")
    assert "Rücken" not in sealed
    assert cipher.decrypt_field("case-1", "cases", "n1", "body", sealed) == "Rückenschmerzen, 5/10 ✓"


def test_the_same_plaintext_encrypts_differently_each_time(cipher: CaseCipher) -> None:
    first = cipher.encrypt_field("case-1", "cases", "n1", "body", "same")
    assert first != cipher.encrypt_field("case-1", "cases", "n1", "body", "same")


@pytest.mark.parametrize("index", [0, 1, 12, 13, 20, -1])
def test_any_flipped_bit_is_an_error_never_wrong_plaintext(cipher: CaseCipher, index: int) -> None:
    sealed = cipher.encrypt_field("case-1", "cases", "n1", "body", "the original text")
    with pytest.raises(IntegrityError):
        cipher.decrypt_field("case-1", "cases", "n1", "body", flip_bit(sealed, index))


@pytest.mark.parametrize(
    "place",
    [
        ("case-1", "cases", "n2", "body"),
        ("case-1", "cases", "n1", "title"),
        ("case-1", "users", "n1", "body"),
    ],
    ids=["other-item", "other-field", "other-container"],
)
def test_ciphertext_moved_to_another_place_fails(
    cipher: CaseCipher, place: tuple[str, str, str, str]
) -> None:
    sealed = cipher.encrypt_field("case-1", "cases", "n1", "body", "belongs to n1.body")
    with pytest.raises(IntegrityError):
        cipher.decrypt_field(*place, sealed)


def test_ciphertext_of_another_case_fails(cipher: CaseCipher) -> None:
    sealed = cipher.encrypt_field("case-1", "cases", "n1", "body", "case one")
    with pytest.raises(IntegrityError):
        cipher.decrypt_field("case-2", "cases", "n1", "body", sealed)


def test_truncated_or_garbage_ciphertext_fails(cipher: CaseCipher) -> None:
    with pytest.raises(IntegrityError):
        cipher.decrypt_field("case-1", "cases", "n1", "body", base64.b64encode(b"\x01short").decode())
    with pytest.raises(IntegrityError):
        cipher.decrypt_field("case-1", "cases", "n1", "body", "not base64 !!")


def test_blob_round_trip_and_tamper(cipher: CaseCipher) -> None:
    data = bytes(range(256)) * 4096
    with cipher.sealed_blob("case-1", "blobs/b1", data) as lent:
        sealed = bytes(lent)
    assert cipher.decrypt_blob("case-1", "blobs/b1", sealed) == data
    tampered = bytearray(sealed)
    tampered[500] ^= 0x80
    with pytest.raises(IntegrityError):
        cipher.decrypt_blob("case-1", "blobs/b1", bytes(tampered))
    with pytest.raises(IntegrityError):
        cipher.decrypt_blob("case-1", "blobs/b2", sealed)


def test_kek_rotation_rewraps_and_old_data_stays_readable(
    key_ring: KeyRing, sqlite_store: Store, case_keys: CaseKeys, clock: ManualClock
) -> None:
    sealed = CaseCipher(case_keys).encrypt_field("case-1", "cases", "n1", "body", "before rotation")
    old_version = key_ring.current().version
    new_version = key_ring.rotate().version
    assert new_version != old_version
    assert case_keys.rewrap_all() == 2
    assert case_keys.rewrap_all() == 0  # idempotent
    stored = sqlite_store.read("keys", "case-1", "data-key")
    assert stored["kekVersion"] == new_version
    fresh = CaseCipher(CaseKeys(sqlite_store, key_ring, clock))  # no cached keys
    assert fresh.decrypt_field("case-1", "cases", "n1", "body", sealed) == "before rotation"


def test_destroying_a_case_key_makes_its_data_unreadable(
    key_ring: KeyRing, sqlite_store: Store, case_keys: CaseKeys, cipher: CaseCipher, clock: ManualClock
) -> None:
    sealed = cipher.encrypt_field("case-1", "cases", "n1", "body", "to be shredded")
    case_keys.destroy("case-1")
    case_keys.destroy("case-1")  # idempotent
    with pytest.raises(KeyUnavailable):
        cipher.decrypt_field("case-1", "cases", "n1", "body", sealed)
    with pytest.raises(KeyUnavailable):
        CaseCipher(CaseKeys(sqlite_store, key_ring, clock)).decrypt_field(
            "case-1", "cases", "n1", "body", sealed
        )
    assert (
        cipher.decrypt_field(
            "case-2", "cases", "n1", "body", cipher.encrypt_field("case-2", "cases", "n1", "body", "ok")
        )
        == "ok"
    )


def test_creating_a_key_twice_keeps_the_first(case_keys: CaseKeys) -> None:
    first = case_keys.get("case-1")
    case_keys.create("case-1")
    assert case_keys.get("case-1") == first


def test_a_wrapped_key_bound_to_another_case_fails(
    sqlite_store: Store, case_keys: CaseKeys, key_ring: KeyRing, clock: ManualClock
) -> None:
    # Copying case-1's wrapped key into case-2 must not give case-2 a usable key.
    one = sqlite_store.read("keys", "case-1", "data-key")
    two = sqlite_store.read("keys", "case-2", "data-key")
    sqlite_store.replace("keys", {**two, "wrapped": one["wrapped"]}, if_match=two["_etag"])
    with pytest.raises(IntegrityError):
        CaseKeys(sqlite_store, key_ring, clock).get("case-2")
