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


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    if len(key) != KEY_BYTES:
        raise ValueError("AES-256-GCM needs a 32-byte key")
    nonce = os.urandom(_NONCE_BYTES)  # random 96-bit nonce: safe far beyond our per-key volume
    return bytes([FORMAT_V1]) + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """Decrypt or raise ``IntegrityError``: never returns wrong plaintext."""
    if len(sealed) < 1 + _NONCE_BYTES + _TAG_BYTES or sealed[0] != FORMAT_V1:
        raise IntegrityError("ciphertext has an unknown format or is truncated")
    nonce, body = sealed[1 : 1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, aad)
    except InvalidTag as exc:
        raise IntegrityError("ciphertext failed authentication") from exc
