"""Encrypt-and-store vs. the raw baseline, measured in one run (ARCHITECTURE §10).

* ours: ``CaseCipher.encrypt_field`` (case key from the cache, AAD built) + ``SqliteStore.create``
  (validation, size check, JSON, transaction)
* raw:  ``AESGCM.encrypt`` with a fixed key + a bare ``INSERT`` into a SQLite table

Run: ``.venv/bin/python -m bench.bench_envelope [--items N]``. Prints the per-item times and the
ratio; record results in bench/README.md with the machine they ran on.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.adapters.local_keys import LocalKeyFile
from shared.adapters.sqlite import SqliteStore
from shared.clock import SystemClock
from shared.crypto.case_keys import CaseCipher, CaseKeys

TEXT = "Heute ging es besser; Schmerzen 3/10, Energie 6/10. " * 8  # ~400 bytes, a typical note


def ours(root: Path, items: int) -> float:
    clock = SystemClock()
    store = SqliteStore(root / "ours.sqlite3", clock)
    keys = CaseKeys(store, LocalKeyFile(root / "kek.json"), clock)
    keys.create("case-1")
    cipher = CaseCipher(keys)
    started = time.perf_counter()
    for i in range(items):
        item_id = f"n{i}"
        body = cipher.encrypt_field("case-1", "cases", item_id, "body", TEXT)
        store.create("cases", {"id": item_id, "caseId": "case-1", "type": "note", "body": body})
    return (time.perf_counter() - started) / items


def raw(root: Path, items: int) -> float:
    conn = sqlite3.connect(root / "raw.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE t (pk TEXT, id TEXT, doc BLOB, PRIMARY KEY (pk, id))")
    aead = AESGCM(os.urandom(32))
    started = time.perf_counter()
    for i in range(items):
        nonce = os.urandom(12)
        sealed = nonce + aead.encrypt(nonce, TEXT.encode(), None)
        conn.execute("INSERT INTO t VALUES (?, ?, ?)", ("case-1", f"n{i}", sealed))
    return (time.perf_counter() - started) / items


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "warm").mkdir()
        ours(root / "warm", 50)  # warm caches and imports before measuring
        ours_s, raw_s = ours(root, args.items), raw(root, args.items)
    print(f"items={args.items}")
    print(f"ours: {ours_s * 1e6:.1f} µs/item (encrypt field + SqliteStore.create)")
    print(f"raw:  {raw_s * 1e6:.1f} µs/item (AESGCM.encrypt + INSERT)")
    print(f"ratio ours/raw: {ours_s / raw_s:.2f}")


if __name__ == "__main__":
    main()
