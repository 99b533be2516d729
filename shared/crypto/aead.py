"""AES-256-GCM with a versioned header and AAD bound to where the ciphertext belongs.

Format v1: ``0x01 || nonce (12 bytes, random) || ciphertext || tag (16 bytes)``.
The associated data is a canonical JSON array naming the purpose and the exact place the value
lives (case, container, item id, field), so ciphertext copied to another item or field fails
authentication instead of decrypting into the wrong context.
"""

from __future__ import annotations

import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.errors import IntegrityError

__all__ = ["FORMAT_V1", "associated_data", "open_sealed", "seal", "seal_into", "sealed_size"]

FORMAT_V1 = 1
_NONCE_BYTES = 12
_TAG_BYTES = 16
KEY_BYTES = 32


def associated_data(*parts: str | int) -> bytes:
    # JSON array: unambiguous (no "a|b" + "c" == "a" + "b|c" collisions) and stable.
    return json.dumps(list(parts), separators=(",", ":"), ensure_ascii=True).encode()


def sealed_size(plaintext_size: int) -> int:
    """The length of :func:`seal`'s output for ``plaintext_size`` bytes of plaintext."""
    return 1 + _NONCE_BYTES + plaintext_size + _TAG_BYTES


def seal(key: bytes, plaintext: bytes | bytearray | memoryview, aad: bytes) -> bytearray:
    out = bytearray(sealed_size(len(plaintext)))
    seal_into(key, plaintext, aad, memoryview(out))
    return out


def seal_into(key: bytes, plaintext: bytes | bytearray | memoryview, aad: bytes, out: memoryview) -> None:
    """:func:`seal` into ``out`` (exactly ``sealed_size(len(plaintext))`` bytes): header, then
    ciphertext + tag written in place — a 25 MB document costs no copy, and a buffer that is
    reused (shared/crypto/buffers.py) no page faults either."""
    if len(key) != KEY_BYTES:
        raise ValueError("AES-256-GCM needs a 32-byte key")
    if len(out) != sealed_size(len(plaintext)):
        raise ValueError("the output buffer has the wrong size")
    nonce = os.urandom(_NONCE_BYTES)  # random 96-bit nonce: safe far beyond our per-key volume
    header = 1 + _NONCE_BYTES
    out[0] = FORMAT_V1
    out[1:header] = nonce
    AESGCM(key).encrypt_into(nonce, plaintext, aad, out[header:])


def open_sealed(key: bytes, sealed: bytes | bytearray, aad: bytes) -> bytes:
    """Decrypt or raise ``IntegrityError``: never returns wrong plaintext."""
    if len(sealed) < 1 + _NONCE_BYTES + _TAG_BYTES or sealed[0] != FORMAT_V1:
        raise IntegrityError("ciphertext has an unknown format or is truncated")
    view = memoryview(sealed)  # slices without copying the (possibly 25 MB) body
    nonce, body = view[1 : 1 + _NONCE_BYTES], view[1 + _NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, aad)
    except InvalidTag as exc:
        raise IntegrityError("ciphertext failed authentication") from exc
