"""Per-case data keys, wrapped by the key-encryption key, and field/blob encryption with them.

* Each case has one random 256-bit data key, stored only *wrapped* (AES-256-GCM under the KEK,
  AAD = case id + KEK version) in the ``keys`` container.
* Unwrapped keys are cached in process memory for a short time (:data:`CACHE_SECONDS`, 30 s),
  so a request that decrypts many items costs one read and one unwrap, and a destroyed key stops
  working in every running instance within that time: the purge (SPEC journey 13) promises 60 s,
  measured across two processes by ``tests/contract/test_key_destruction.py``. The TTL counts
  from when the key was read from the store, so a busy instance re-reads it every 30 s too.
* Destroying a case's key (crypto-shredding) makes every copy of its data unreadable, backups
  included. :meth:`CaseKeys.rewrap_all` moves every wrapped key to the current KEK version
  (after ``KeyRing.rotate()``) without touching the data it protects.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from shared.crypto.aead import KEY_BYTES, associated_data, open_sealed, seal, seal_into, sealed_size
from shared.crypto.buffers import WarmBuffers
from shared.errors import AlreadyExists, ConcurrencyConflict, IntegrityError, KeyUnavailable, NotFound
from shared.ports import MAX_READ_MANY, Clock, KeyRing, Store

__all__ = ["CACHE_SECONDS", "MAX_CACHE_SECONDS", "CaseCipher", "CaseKeys"]

#: How long an unwrapped key is used from memory before it is read again.
CACHE_SECONDS = 30.0
#: The bound a destroyed key keeps working in a running instance (the purge's promise).
MAX_CACHE_SECONDS = 60.0

_CONTAINER = "keys"
_KEY_ITEM_ID = "data-key"
#: Output buffers of sealed documents, kept warm between uploads (shared/crypto/buffers.py).
_BLOB_BUFFERS = WarmBuffers()


@dataclass
class _Cached:
    key: bytes
    until: float


class CaseKeys:
    def __init__(
        self,
        store: Store,
        key_ring: KeyRing,
        clock: Clock,
        *,
        cache_seconds: float = CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 <= cache_seconds <= MAX_CACHE_SECONDS:
            raise ValueError(f"cache_seconds must be between 0 and {MAX_CACHE_SECONDS}")
        self._store = store
        self._key_ring = key_ring
        self._clock = clock
        self._cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._cache: dict[str, _Cached] = {}
        self._lock = threading.Lock()

    def create(self, case_id: str) -> None:
        """Give a new case its data key. Idempotent: an existing key is kept."""
        kek = self._key_ring.current()
        data_key = os.urandom(KEY_BYTES)
        item = {
            "id": _KEY_ITEM_ID,
            "caseId": case_id,
            "kekVersion": kek.version,
            "wrapped": _b64(seal(kek.key, data_key, _wrap_aad(case_id, kek.version))),
            "createdAt": self._clock.now().isoformat(),
        }
        try:
            self._store.create(_CONTAINER, item)
        except AlreadyExists:
            return

    def get(self, case_id: str) -> bytes:
        """The case's data key, or ``KeyUnavailable`` if it never existed or was destroyed."""
        now = self._monotonic()
        with self._lock:
            cached = self._cache.get(case_id)
            if cached and cached.until > now:
                return cached.key
        try:
            item = self._store.read(_CONTAINER, case_id, _KEY_ITEM_ID)
        except NotFound:
            raise KeyUnavailable("the case has no data key (never created, or destroyed)") from None
        kek = self._key_ring.get(item["kekVersion"])
        data_key = open_sealed(kek.key, _unb64(item["wrapped"]), _wrap_aad(case_id, kek.version))
        with self._lock:
            self._cache[case_id] = _Cached(data_key, now + self._cache_seconds)
        return data_key

    def load(self, case_ids: Sequence[str]) -> None:
        """Bring the keys of these cases into the cache in one read per 100 cases, not one per
        case: a list spanning many cases (the notifications) then decrypts without a read each.
        A case without a key is skipped: :meth:`get` still answers ``KeyUnavailable`` for it."""
        now = self._monotonic()
        with self._lock:
            missing = [
                c for c in dict.fromkeys(case_ids) if not (c in self._cache and self._cache[c].until > now)
            ]
        for start in range(0, len(missing), MAX_READ_MANY):
            keys = [(case_id, _KEY_ITEM_ID) for case_id in missing[start : start + MAX_READ_MANY]]
            for (case_id, _), item in self._store.read_points(_CONTAINER, keys).items():
                kek = self._key_ring.get(item["kekVersion"])
                data_key = open_sealed(kek.key, _unb64(item["wrapped"]), _wrap_aad(case_id, kek.version))
                with self._lock:
                    self._cache[case_id] = _Cached(data_key, now + self._cache_seconds)

    def destroy(self, case_id: str) -> None:
        """Crypto-shred: delete the wrapped key. Idempotent (purges must be resumable)."""
        with self._lock:
            self._cache.pop(case_id, None)
        try:
            self._store.delete(_CONTAINER, case_id, _KEY_ITEM_ID)
        except NotFound:
            return

    def rewrap_all(self) -> int:
        """Re-wrap every case key under the current KEK version; returns how many moved.
        A timer/CLI job (it scans across partitions); safe to re-run and to run concurrently."""
        current = self._key_ring.current()
        moved = 0
        for item in self._store.scan(_CONTAINER, equals={"id": _KEY_ITEM_ID}):
            if item["kekVersion"] == current.version:
                continue
            case_id = item["caseId"]
            old = self._key_ring.get(item["kekVersion"])
            data_key = open_sealed(old.key, _unb64(item["wrapped"]), _wrap_aad(case_id, old.version))
            updated = {
                **item,
                "kekVersion": current.version,
                "wrapped": _b64(seal(current.key, data_key, _wrap_aad(case_id, current.version))),
            }
            try:
                self._store.replace(_CONTAINER, updated, if_match=item["_etag"])
            except (ConcurrencyConflict, NotFound):
                continue  # someone else re-wrapped or destroyed it meanwhile: both are fine
            moved += 1
        return moved


class CaseCipher:
    """Encrypts fields of stored items and blob contents under their case's data key."""

    def __init__(self, case_keys: CaseKeys) -> None:
        self._keys = case_keys

    def encrypt_field(self, case_id: str, container: str, item_id: str, field: str, plaintext: str) -> str:
        aad = associated_data("field", case_id, container, item_id, field)
        return _b64(seal(self._keys.get(case_id), plaintext.encode(), aad))

    def decrypt_field(self, case_id: str, container: str, item_id: str, field: str, sealed: str) -> str:
        aad = associated_data("field", case_id, container, item_id, field)
        return open_sealed(self._keys.get(case_id), _unb64(sealed), aad).decode()

    @contextmanager
    def sealed_blob(
        self, case_id: str, blob_name: str, data: bytes | bytearray | memoryview
    ) -> Iterator[memoryview]:
        """``data`` sealed under the case key, in a warm buffer lent for the ``with`` block (write
        it to the blob store inside it; shared/crypto/buffers.py says why)."""
        key = self._keys.get(case_id)
        with _BLOB_BUFFERS.lend(sealed_size(len(data))) as out:
            seal_into(key, data, associated_data("blob", case_id, blob_name), out)
            yield out

    def decrypt_blob(self, case_id: str, blob_name: str, sealed: bytes) -> bytes:
        return open_sealed(self._keys.get(case_id), sealed, associated_data("blob", case_id, blob_name))


def _wrap_aad(case_id: str, kek_version: str) -> bytes:
    return associated_data("case-key", case_id, kek_version)


def _b64(data: bytes | bytearray) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise IntegrityError("ciphertext is not valid base64") from exc
