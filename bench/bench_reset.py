"""A password-reset request for a known vs an unknown address, in one run (issue 14, item 1).

The request does the same work for both (the throttle and one pending effect; the relay looks the
address up later), so the two times should be the same within noise; before, a known address
answered in ~4 ms and an unknown one in ~35 ms (a dummy Argon2 ran only for it). Each sample
times one ``request_reset`` on the embedded SQLite store, alternating known and unknown, with a
fresh address and client per call so the throttle never refuses. Not a test: run it by hand.

Run: ``.venv/bin/python -m bench.bench_reset [--runs 400]``; record the result in bench/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from shared import bootstrap
from shared.adapters.local_blob import LocalBlobStore
from shared.adapters.local_keys import LocalKeyFile
from shared.adapters.outbox import OutboxMailer
from shared.adapters.sqlite import SqliteStore
from shared.clock import SystemClock
from shared.config import Environment
from shared.identity import accounts, credentials


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=400)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="bench-reset-"))
    clock = SystemClock()
    ports = bootstrap.use(
        store=SqliteStore(data / "casedesk.sqlite3", clock),
        blobs=LocalBlobStore(data / "blobs"),
        key_ring=LocalKeyFile(data / "keys" / "kek.json"),
        mailer=OutboxMailer(data / "outbox"),
        clock=clock,
        environment=Environment.TEST,
    )
    known = []
    for n in range(args.runs):
        email = f"known{n}@example.invalid"
        accounts.create_invited_user(ports.store, clock, email=email, name=f"Person {n}", language="en")
        known.append(email)
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for n in range(args.runs):
        for kind, address in (("known", known[n]), ("unknown", f"nobody{n}@example.invalid")):
            started = time.perf_counter()
            credentials.request_reset(ports, address, f"client-{kind}-{n}")
            times[kind].append(time.perf_counter() - started)
    medians = {kind: statistics.median(values) * 1e3 for kind, values in times.items()}
    known_ms, unknown_ms = medians["known"], medians["unknown"]
    print(f"reset request, median of {args.runs} each: known {known_ms:.3f} ms, unknown {unknown_ms:.3f} ms")
    print(f"ratio known/unknown: {medians['known'] / medians['unknown']:.3f}")
    bootstrap.reset()


if __name__ == "__main__":
    main()
