"""The cost of a login's password check vs. the raw baseline, measured in one run (ARCHITECTURE §10).

* ours:  ``verify_password`` with the configured Argon2id parameters (default: OWASP m=19 MiB,
  t=2, p=1), NFKC normalisation and PHC parsing included
* raw:   one ``hashlib.sha256`` of the same password (what a fast, unsuitable hash would cost)

Also prints ``hash_password`` (set or change a password) and ``verify_against_dummy`` (unknown
e-mail), which should cost the same as a real check so timing does not reveal accounts.
The ratio is the point: Argon2id is meant to be thousands of times slower than SHA-256.

Run: ``.venv/bin/python -m bench.bench_login [--runs N]``. Record results in bench/README.md
with the machine they ran on.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time
from collections.abc import Callable

from shared.identity.passwords import Argon2Params, hash_password, verify_against_dummy, verify_password

PASSWORD = "Reintegration-2026 Zürich"


def median_seconds(call: Callable[[], object], runs: int, batch: int = 1) -> float:
    """Median per-call time over ``runs`` samples of ``batch`` calls each."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        for _ in range(batch):
            call()
        times.append((time.perf_counter() - started) / batch)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=31)
    args = parser.parse_args()
    params = Argon2Params.from_settings()
    encoded = hash_password(PASSWORD)
    assert verify_password(PASSWORD, encoded)
    verify_password(PASSWORD, encoded)  # warm up: allocator, imports

    ours = median_seconds(lambda: verify_password(PASSWORD, encoded), args.runs)
    dummy = median_seconds(lambda: verify_against_dummy(PASSWORD), args.runs)
    hashing = median_seconds(lambda: hash_password(PASSWORD), args.runs)
    # SHA-256 of a short string is too fast to time one call at a time: batches of 10,000.
    raw = median_seconds(lambda: hashlib.sha256(PASSWORD.encode()).digest(), args.runs, batch=10_000)

    print(
        f"params: m={params.memory_kib} KiB, t={params.iterations}, p={params.lanes}; median of {args.runs}"
    )
    print(f"ours:  verify_password       {ours * 1e3:8.2f} ms/call")
    print(f"       verify_against_dummy  {dummy * 1e3:8.2f} ms/call (ratio to verify {dummy / ours:.2f})")
    print(f"       hash_password         {hashing * 1e3:8.2f} ms/call")
    print(f"raw:   sha256                {raw * 1e3:8.5f} ms/call")
    print(f"ratio verify/raw: {ours / raw:,.0f}")


if __name__ == "__main__":
    main()
