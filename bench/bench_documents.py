"""Encrypt-and-store and load-and-decrypt of one large document vs. the raw baseline, one run
(ARCHITECTURE §10; issue target: ≥ 50 % of raw throughput, peak memory ≤ 4× the document size).

* ours: ``CaseCipher.sealed_blob`` (real case key: CaseKeys over MemoryStore + LocalKeyFile) +
  ``LocalBlobStore.put`` (temp file, fsync, link, directory fsync); then ``LocalBlobStore.get`` +
  ``CaseCipher.decrypt_blob``
* raw:  ``AESGCM.encrypt`` + ``open().write``; then ``open().read`` + ``AESGCM.decrypt`` on a
  memoryview (no copies). ``raw+fsync`` is shown too, to separate durability from our overhead.

Throughput is timed without tracing; peak memory is a separate traced run of the same operation
(``tracemalloc``: bytes allocated during the operation above what was live before it, so the input
document, which the caller holds anyway, is not counted). Medians of ``--reps`` repetitions.

Run: ``.venv/bin/python -m bench.bench_documents [--mib 25] [--reps 3]``; record in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.adapters.local_blob import LocalBlobStore
from shared.adapters.local_keys import LocalKeyFile
from shared.adapters.memory import MemoryStore
from shared.clock import SystemClock
from shared.crypto.case_keys import CaseCipher, CaseKeys

CASE = "case-1"


def timed(op: Callable[..., object], *args: object) -> float:
    started = time.perf_counter()
    op(*args)
    return time.perf_counter() - started


def peak(op: Callable[..., object], *args: object) -> int:
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        op(*args)
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


class Ours:
    def __init__(self, root: Path) -> None:
        clock = SystemClock()
        keys = CaseKeys(MemoryStore(clock), LocalKeyFile(root / "kek.json"), clock)
        keys.create(CASE)
        self.cipher, self.blobs = CaseCipher(keys), LocalBlobStore(root / "blobs")

    def store(self, name: str, doc: bytes) -> None:
        with self.cipher.sealed_blob(CASE, name, doc) as sealed:
            self.blobs.put(name, sealed)

    def load(self, name: str) -> bytes:
        return self.cipher.decrypt_blob(CASE, name, self.blobs.get(name))


class Raw:
    def __init__(self, root: Path, *, fsync: bool = False) -> None:
        self.root, self.fsync, self.aead = root, fsync, AESGCM(os.urandom(32))

    def store(self, name: str, doc: bytes) -> None:
        nonce = os.urandom(12)
        sealed = self.aead.encrypt(nonce, doc, None)
        with open(self.root / name, "wb") as out:
            out.write(nonce)
            out.write(sealed)
            if self.fsync:
                out.flush()
                os.fsync(out.fileno())

    def load(self, name: str) -> bytes:
        with open(self.root / name, "rb") as src:
            data = src.read()
        view = memoryview(data)
        return self.aead.decrypt(view[:12], view[12:], None)


def measure(path: Ours | Raw, doc: bytes, reps: int, tag: str) -> dict[str, float]:
    store_s, load_s, store_peak, load_peak = [], [], [], []
    for rep in range(reps):
        name = f"{tag}-t{rep}"
        store_s.append(timed(path.store, name, doc))
        load_s.append(timed(path.load, name))
        traced = f"{tag}-m{rep}"
        store_peak.append(peak(path.store, traced, doc))
        load_peak.append(peak(path.load, traced))
    mb = len(doc) / 1e6
    return {
        "store_mbs": mb / statistics.median(store_s),
        "load_mbs": mb / statistics.median(load_s),
        "store_peak": statistics.median(store_peak) / len(doc),
        "load_peak": statistics.median(load_peak) / len(doc),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=25)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None, help="where to write (default: system temp)")
    args = parser.parse_args()
    doc = os.urandom(args.mib * 1024 * 1024)  # random: incompressible, generated once
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        root = Path(tmp)
        ours = Ours(root)
        ours.store("warm", doc[:1024])  # warm the key cache, imports and directories
        ours.load("warm")
        results = {
            "ours": measure(ours, doc, args.reps, "ours"),
            "raw": measure(Raw(root), doc, args.reps, "raw"),
            "raw+fsync": measure(Raw(root, fsync=True), doc, args.reps, "rawsync"),
        }
    print(f"document={args.mib} MiB, reps={args.reps} (medians), dir={tmp}")
    print(f"{'path':<10} {'store MB/s':>11} {'load MB/s':>10} {'store peak':>11} {'load peak':>10}")
    for label, r in results.items():
        print(
            f"{label:<10} {r['store_mbs']:>11.1f} {r['load_mbs']:>10.1f}"
            f" {r['store_peak']:>10.2f}× {r['load_peak']:>9.2f}×"
        )
    ours_r, raw_r, sync_r = results["ours"], results["raw"], results["raw+fsync"]
    print(f"ours/raw throughput: store {ours_r['store_mbs'] / raw_r['store_mbs']:.2f}, ", end="")
    print(f"load {ours_r['load_mbs'] / raw_r['load_mbs']:.2f}")
    print(f"ours/raw+fsync throughput: store {ours_r['store_mbs'] / sync_r['store_mbs']:.2f}")
    print("peak = traced bytes allocated during the operation / document size (target ≤ 4×)")


if __name__ == "__main__":
    main()
