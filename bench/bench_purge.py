"""The retention purge at scale (issue 19): N due cases purged by one ``retention_purge`` run on
the embedded store (SQLite + local blob files), against a raw baseline measured in the same run.

Each case is what the issue names: 5 participants (each with the case in "my cases"), 10
single-version documents (each with its blob file), 20 notes, 30 reflections (two monthly
buckets and the series), a share of one document and one note with the doctor (grants and the
doctor's notifications), the organisation's case index and the employee's invitation (with its
token link), the case key and the due-date index entry, its notice sent 31 days ago. They are
written straight through the store and blob adapters (ciphertext fields are random bytes of a
realistic length: the purge never decrypts), one batch per case partition — setup, not timed.

Timed: ``purge.run`` over all of them (keys destroyed, blobs deleted, every registry hook, the
participants' and the organisation's items, tombstone + final audit event, index entry gone).
Baseline: deleting the case partitions, keys and blob files of the same cases (``--baseline-cases``,
default 2,000: seeding is the slow part) with bare SQL (``DELETE … WHERE pk`` per case, one
transaction per case) and ``os.unlink`` — the floor of "delete it all"; compared per case.

Run: ``.venv/bin/python -m bench.bench_purge --cases 10000`` (and 20000; ``--workers``, default
8, chunks at once; ``--chunk``, default 25, cases purged together); record the result in
bench/README.md. Not a test.
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shared import bootstrap
from shared.adapters.local_blob import LocalBlobStore
from shared.adapters.local_keys import LocalKeyFile
from shared.adapters.outbox import OutboxMailer
from shared.adapters.sqlite import SqliteStore
from shared.config import Environment
from shared.identity.tokens import new_id
from shared.ports import BatchOperation, Item, Ports
from shared.retention import purge
from shared.retention.schedule import INDEX_TYPE, placement, purge_date
from tests.fakes import ManualClock

CLOSED = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
ROLES = ("employee", "case_manager", "employer", "doctor", "doctor")


def _sealed(size: int = 48) -> str:
    return base64.b64encode(os.urandom(size)).decode()


def seed_case(ports: Ports, blob_root: Path, org_id: str, now: str) -> None:
    """One due case as described in the module docstring (straight through the adapters)."""
    store = ports.store
    case_id = new_id()
    people = [new_id() for _ in ROLES]
    case: Item = {"id": "case", "caseId": case_id, "orgId": org_id, "type": "case", "status": "closed",
                  "createdAt": now, "createdBy": people[1], "closedAt": CLOSED.isoformat(),
                  "legalHold": False, "employeeUserId": people[0]}  # fmt: skip
    case.update(placement(case, CLOSED))
    items: list[Item] = [case]
    for user, role in zip(people, ROLES, strict=True):
        items.append({"id": f"participant-{user}", "caseId": case_id, "orgId": org_id, "type": "participant",
                      "userId": user, "role": role, "status": "active", "since": now})  # fmt: skip
    docs = []
    for _ in range(10):
        doc_id = new_id()
        blob = f"cases/{case_id}/docs/{doc_id}/{new_id()}"
        path = blob_root.joinpath(*blob.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_name(path.name + "~blob").write_bytes(os.urandom(2048))
        version = {"version": 1, "blob": blob, "fileNameSealed": _sealed(), "contentType": "application/pdf",
                   "size": 2048, "createdAt": now}  # fmt: skip
        docs.append(doc_id)
        items.append({"id": f"doc-{doc_id}", "caseId": case_id, "type": "doc", "docId": doc_id,
                      "ownerId": people[0], "ownerRole": "employee", "category": "other",
                      "titleSealed": _sealed(), "version": 1, "versions": [version], "createdAt": now,
                      "updatedAt": now})  # fmt: skip
    notes = []
    for _ in range(20):
        note_id = new_id()
        notes.append(note_id)
        items.append({"id": f"note-{note_id}", "caseId": case_id, "type": "note", "noteId": note_id,
                      "ownerId": people[0], "ownerRole": "employee", "titleSealed": _sealed(),
                      "bodySealed": _sealed(400), "createdAt": now, "updatedAt": now})  # fmt: skip
    for month, days in (("202512", range(17, 32)), ("202601", range(1, 16))):
        entries = {
            f"{month[:4]}-{month[4:]}-{d:02d}": {"scalesSealed": _sealed(80), "textSealed": _sealed(200)}
            for d in days
        }
        items.append({"id": f"reflmonth-{month}", "caseId": case_id, "type": "reflmonth", "seriesId": case_id,
                      "ownerId": people[0], "month": f"{month[:4]}-{month[4:]}", "entries": entries,
                      "createdAt": now, "updatedAt": now})  # fmt: skip
    items.append({"id": f"reflection_series-{case_id}", "caseId": case_id, "type": "reflection_series",
                  "seriesId": case_id, "ownerId": people[0], "ownerRole": "employee", "createdAt": now,
                  "updatedAt": now})  # fmt: skip
    for kind, item_id in (("doc", docs[0]), ("note", notes[0])):
        items.append({"id": f"grant-{kind}-{item_id}-{people[3]}", "caseId": case_id, "type": "grant",
                      "itemType": kind, "itemId": item_id, "ownerId": people[0], "granteeId": people[3],
                      "expiresAt": None, "createdAt": now, "updatedAt": now})  # fmt: skip
    store.batch("cases", case_id, [BatchOperation("create", item=i) for i in items])
    for user, role in zip(people, ROLES, strict=True):
        store.upsert("users", {"id": f"case-{case_id}", "userId": user, "type": "case_ref", "caseId": case_id,
                               "orgId": org_id, "role": role, "status": "active"})  # fmt: skip
    for kind, item_id in (("doc", docs[0]), ("note", notes[0])):
        store.upsert("users", {"id": f"notif-20260101T000000000000Z-{new_id()}", "userId": people[3],
                               "type": "notification", "kind": "share", "caseId": case_id, "itemType": kind,
                               "itemId": item_id, "read": False, "at": now})  # fmt: skip
    store.upsert("orgs", {"id": f"case-{case_id}", "orgId": org_id, "type": "case_ref", "caseId": case_id})
    token_hash = new_id() + new_id()
    store.upsert("orgs", {"id": f"invitation-{new_id()}", "orgId": org_id, "type": "invitation",
                          "tokenHash": token_hash, "userId": people[0], "email": "x@example.invalid",
                          "caseId": case_id, "status": "used"})  # fmt: skip
    link = f"invitation-{token_hash}"
    store.upsert(
        "directory", {"id": link, "key": link, "status": "used", "caseId": case_id, "userId": people[0]}
    )
    ports.case_keys.create(case_id)
    purge_on = purge_date(CLOSED, 3)
    told = (datetime.combine(purge_on, datetime.min.time(), UTC) - timedelta(days=30)).isoformat()
    store.upsert("directory", {"id": case_id, "key": case["retentionIndex"], "type": INDEX_TYPE,
                               "caseId": case_id, "orgId": org_id, "closedAt": case["closedAt"],
                               "purgeOn": purge_on.isoformat(),
                               "noticeOn": (purge_on - timedelta(days=30)).isoformat(), "noticeSentAt": told,
                               "noticeDone": True})  # fmt: skip


def _counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def baseline(db: Path, blob_root: Path) -> tuple[float, int, int]:
    """Bare SQL deletes of every row carrying each case id (one transaction per case) and an
    unlink per blob file: the floor of the work, without ports, checks, audit or tombstones."""
    conn = sqlite3.connect(db)
    case_ids = [r[0] for r in conn.execute("""SELECT pk FROM "cases" WHERE id = 'case'""")]
    started = time.perf_counter()
    rows = files = 0
    for case_id in case_ids:
        with conn:
            for table in ("cases", "keys"):
                rows += conn.execute(f'DELETE FROM "{table}" WHERE pk = ?', (case_id,)).rowcount
        directory = blob_root / "cases" / case_id
        for path in directory.rglob("*~blob"):
            path.unlink()
            files += 1
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed, rows, files


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--baseline-cases", type=int, default=2000, help="cases the raw baseline deletes")
    parser.add_argument("--workers", type=int, default=purge.DEFAULT_WORKERS)
    parser.add_argument("--chunk", type=int, default=purge.DEFAULT_CHUNK, help="cases purged together")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()
    os.environ.setdefault("CASEDESK_ENV", "test")
    data = Path(tempfile.mkdtemp(prefix="bench-purge-"))
    clock = ManualClock(CLOSED)
    db = data / "casedesk.sqlite3"
    blob_root = data / "blobs"
    ports = bootstrap.use(
        store=SqliteStore(db, clock),
        blobs=LocalBlobStore(blob_root),
        key_ring=LocalKeyFile(data / "keys" / "kek.json"),
        mailer=OutboxMailer(data / "outbox"),
        clock=clock,
        environment=Environment.TEST,
    )
    ports.blobs.check()
    org_id = new_id()
    ports.store.create(
        "orgs", {"id": "org", "orgId": org_id, "name": "Bench AG", "createdAt": CLOSED.isoformat()}
    )
    started = time.perf_counter()
    for _ in range(args.cases):
        seed_case(ports, blob_root, org_id, CLOSED.isoformat())
    seeded = time.perf_counter() - started
    before = _counts(db)
    print(f"seeded {args.cases} cases in {seeded:.1f} s: rows {before}")
    clock.advance(days=3 * 366 + 1)
    load = os.getloadavg()[0]  # a shared machine: the load says how much the figure is worth
    started, cpu = time.perf_counter(), time.process_time()
    report = purge.run(
        ports, budget_seconds=float("inf"), max_cases=10**9, workers=args.workers, chunk=args.chunk
    )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"load average (1 min) {load:.2f} before the purge, {os.getloadavg()[0]:.2f} after", flush=True)
    after = _counts(db)
    per_case = elapsed / max(report.purged, 1) * 1000
    print(f"purge.run: {elapsed:.1f} s for {report.purged} cases ({per_case:.2f} ms per case; "
          f"CPU {cpu:.1f} s)", flush=True)  # fmt: skip
    print(f"  report {report.to_json()}; rows after {after}")
    left = sum(1 for _ in (blob_root / "cases").rglob("*~blob")) if (blob_root / "cases").exists() else 0
    folders = sum(1 for _ in (blob_root / "cases").iterdir()) if (blob_root / "cases").exists() else 0
    print(f"  blob files left: {left}; case folders left: {folders}", flush=True)

    # Baseline: the same data again, deleted with bare SQL and unlink.
    shutil.rmtree(data)
    data.mkdir()
    ports = bootstrap.use(
        store=SqliteStore(db, clock),
        blobs=LocalBlobStore(blob_root),
        key_ring=LocalKeyFile(data / "keys" / "kek.json"),
        mailer=OutboxMailer(data / "outbox"),
        clock=clock,
        environment=Environment.TEST,
    )
    ports.blobs.check()
    small = min(args.cases, args.baseline_cases)
    for _ in range(small):
        seed_case(ports, blob_root, org_id, CLOSED.isoformat())
    raw, rows, files = baseline(db, blob_root)
    per_raw, per_ours = raw / small, elapsed / max(report.purged, 1)
    print(f"baseline (bare SQL + unlink, case partition and key only) on {small} cases: {raw:.1f} s, "
          f"{rows} rows, {files} files ({per_raw * 1000:.2f} ms per case)")  # fmt: skip
    print(f"ratio purge / baseline, per case: {per_ours / per_raw:.2f}")
    bootstrap.reset()
    if not args.keep:
        shutil.rmtree(data)


if __name__ == "__main__":
    main()
