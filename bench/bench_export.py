"""The memory bound of "download my data" (issue 20): a 100 MiB export built by the background
job, and its download part by part, on the SQLite store with local blob files.

* world: bench_dashboard's seeded organisation; one case with the employee, who owns
  ``--docs`` PDF documents of ``--mib`` MiB each (random bytes behind a PDF header: nothing to
  compress), uploaded through ``documents.upload`` — 4 × 25 MiB = 100 MiB by default;
* build: ``exports.build`` (the queue trigger's work): collect data.json, then per document
  version read the ciphertext, decrypt, write it into the ZIP stream, which seals 4 MiB parts
  into blobs;
* download: every part through ``exports.part`` (what ``GET …/parts/{n}`` answers), one at a time.

Peak memory is ``tracemalloc``'s peak during the operation above what was live before it (the
bound: below 3× the largest file). The ZIP joined from the parts is checked against the inputs.

Run: ``.venv/bin/python -m bench.bench_export [--docs 4 --mib 25]``; record in bench/README.md.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared import bootstrap
from shared.access.caller import Caller
from shared.adapters.local_blob import LocalBlobStore
from shared.adapters.local_keys import LocalKeyFile
from shared.adapters.memory_queue import MemoryQueue
from shared.adapters.outbox import OutboxMailer
from shared.adapters.sqlite import SqliteStore
from shared.config import Environment
from shared.documents import documents
from shared.export import exports
from shared.identity import demo
from tests.fakes import ManualClock

CASE = "benchexport"
MIB = 1024 * 1024


def traced(op: Callable[[], Any]) -> tuple[Any, int, float]:
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    result = op()
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return result, peak, elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=4)
    parser.add_argument("--mib", type=int, default=25)
    args = parser.parse_args()
    os.environ["CASEDESK_MAX_UPLOAD_BYTES"] = str(args.mib * MIB + 1024)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        clock = ManualClock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
        queue = MemoryQueue()
        ports = bootstrap.use(
            store=SqliteStore(root / "casedesk.sqlite3", clock),
            blobs=LocalBlobStore(root / "blobs"),
            key_ring=LocalKeyFile(root / "keys" / "kek.json"),
            mailer=OutboxMailer(root / "outbox"),
            clock=clock,
            queue=queue,
            environment=Environment.DEVELOPMENT,
        )
        people = {a.role: a.user_id for a in demo.seed_demo(ports) or []}
        employee = people["employee"]
        org_id = next(ports.store.scan("orgs"))["orgId"]
        ports.store.create("cases", {"id": "case", "caseId": CASE, "type": "case", "orgId": org_id,
                                     "status": "open", "employeeUserId": employee})  # fmt: skip
        ports.store.create("cases", {"id": f"participant-{employee}", "caseId": CASE, "type": "participant",
                                     "userId": employee, "role": "employee", "status": "active"})  # fmt: skip
        ports.store.upsert("users", {"id": f"case-{CASE}", "userId": employee, "type": "case_ref",
                                     "caseId": CASE, "orgId": org_id, "role": "employee",
                                     "status": "active"})  # fmt: skip
        ports.case_keys.create(CASE)
        caller = Caller.user(employee, "bench", case_id=CASE)
        for n in range(args.docs):
            content = b"%PDF-1.7\n" + os.urandom(args.mib * MIB - 9)
            documents.upload(ports, caller, CASE, data=content, declared_type="application/pdf",
                             file_name=f"file-{n}.pdf", title=f"Document {n}", category="other")  # fmt: skip
            del content
        largest = args.mib * MIB
        me = Caller.user(employee, "bench")
        state = exports.request(ports, me)
        [message] = queue.receive(exports.BUILD_QUEUE)
        outcome, build_peak, build_s = traced(lambda: exports.build(ports, message.body))
        assert outcome == "built", outcome
        state = exports.status(ports, employee)

        def download() -> int:
            total = 0
            for number in range(state["parts"]):
                total += len(exports.part(ports, me, state["exportId"], number).content)
            return total

        size, download_peak, download_s = traced(download)
        assert size == state["size"]
        joined = b"".join(
            exports.part(ports, me, state["exportId"], n).content for n in range(state["parts"])
        )
        with zipfile.ZipFile(io.BytesIO(joined)) as archive:
            assert archive.testzip() is None
            files = [n for n in archive.namelist() if n.startswith("files/")]
            assert len(files) == args.docs
        del joined
        print(json.dumps({
            "export_mib": round(state["size"] / MIB, 1), "parts": state["parts"],
            "largest_file_mib": round(largest / MIB, 1),
            "build_s": round(build_s, 2), "build_peak_mib": round(build_peak / MIB, 1),
            "build_peak_x_largest": round(build_peak / largest, 2),
            "download_s": round(download_s, 2), "download_peak_mib": round(download_peak / MIB, 1),
            "download_peak_x_largest": round(download_peak / largest, 2),
            "bound_x_largest": 3,
        }, indent=2))  # fmt: skip
        bootstrap.reset()


if __name__ == "__main__":
    main()
