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

__all__ = ["FORMAT_V1", "associated_data", "open_sealed", "seal"]

FORMAT_V1 = 1
_NONCE_BYTES = 12
_TAG_BYTES = 16
KEY_BYTES = 32


def associated_data(*parts: str | int) -> bytes:
    # JSON array: unambiguous (no "a|b" + "c" == "a" + "b|c" collisions) and stable.
    return json.dumps(list(parts), separators=(",", ":"), ensure_ascii=True).encode()


def seal(key: bytes, plaintext: bytes | bytearray | memoryview, aad: bytes) -> bytearray:
    if len(key) != KEY_BYTES:
        raise ValueError("AES-256-GCM needs a 32-byte key")
    nonce = os.urandom(_NONCE_BYTES)  # random 96-bit nonce: safe far beyond our per-key volume
    # One output buffer (header, then ciphertext + tag written in place): a 25 MB document costs
    # one copy, not three (bench/README.md, documents).
    header = 1 + _NONCE_BYTES
    out = bytearray(header + len(plaintext) + _TAG_BYTES)
    out[0] = FORMAT_V1
    out[1:header] = nonce
    AESGCM(key).encrypt_into(nonce, plaintext, aad, memoryview(out)[header:])
    return out


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
