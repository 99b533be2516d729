"""The backup export, restore and anchors (issue 26) on the in-memory store: what they refuse and
what they cost. The drill on SQLite and Cosmos + Azurite: tests/contract/test_backup.py."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from shared.adapters.local_blob import LocalBlobStore
from shared.adapters.memory import MemoryStore
from shared.backup import anchors, export
from shared.errors import IntegrityError, NotFound
from shared.ports import CONTAINERS
from tests.fakes import CountingStore, ManualClock

ROOT = Path(__file__).resolve().parents[2]


def _fill(store: MemoryStore, n: int) -> None:
    for i in range(n):
        store.create("cases", {"id": "case", "caseId": f"c{i:05d}", "type": "case", "status": "open"})
        store.create("keys", {"id": "data-key", "caseId": f"c{i:05d}", "wrapped": "secret"})
        store.create("sessions", {"id": f"s{i}", "user": "u"})
        store.create(
            "audit", {"id": "head", "scope": f"case-c{i:05d}", "type": "audit-head", "seq": 1, "hash": "h"}
        )


def test_the_export_costs_one_store_call_per_page_whatever_the_size(tmp_path: Path) -> None:
    calls = {}
    for n in (50, 400):
        store = MemoryStore(ManualClock())
        _fill(store, n)
        counting = CountingStore(store)
        report = export.run(counting, LocalBlobStore(tmp_path / str(n)), ManualClock(), page=50)
        assert report.state == "complete"
        assert {name for name, _ in counting.calls} == {"scan_page"}  # never a scan of everything
        calls[n] = len(counting.calls)
        # Per page of 50 items, one call; plus one (empty) call per exported container.
        assert calls[n] <= (2 * n) // 50 + len(export.EXPORTED) + 2, calls
    assert calls[400] > calls[50]


def test_keys_and_sessions_never_reach_the_export(tmp_path: Path) -> None:
    store = MemoryStore(ManualClock())
    _fill(store, 3)
    blobs = LocalBlobStore(tmp_path)
    day = export.run(store, blobs, ManualClock()).day
    text = b"".join(gzip.decompress(blobs.get(n)) for n in blobs.list() if n.endswith(".jsonl.gz"))
    assert b"secret" not in text and b"data-key" not in text and b'"user"' not in text
    assert b"case-c00002" in text
    manifest = export.read_manifest(blobs, day)
    assert manifest["excluded"] == ["keys", "sessions"]
    assert set(manifest["containers"]) == set(CONTAINERS) - {"keys", "sessions"}


def test_a_finished_day_is_not_exported_again(tmp_path: Path) -> None:
    store = MemoryStore(ManualClock())
    _fill(store, 2)
    blobs = LocalBlobStore(tmp_path)
    first = export.run(store, blobs, ManualClock())
    counting = CountingStore(store)
    again = export.run(counting, blobs, ManualClock(), day=first.day)
    assert again.state == "already" and counting.calls == []


def test_a_part_that_does_not_match_its_manifest_is_refused(tmp_path: Path) -> None:
    store = MemoryStore(ManualClock())
    _fill(store, 2)
    blobs = LocalBlobStore(tmp_path)
    day = export.run(store, blobs, ManualClock()).day
    part = export.read_manifest(blobs, day)["containers"]["cases"]["parts"][0]
    tampered = gzip.compress(b'{"id":"case","caseId":"evil"}\n', mtime=0)
    blobs.put(part["name"], tampered, overwrite=True)
    with pytest.raises(IntegrityError):
        list(export.read_part(blobs, part))


def test_an_export_without_a_manifest_cannot_be_restored(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        export.read_manifest(LocalBlobStore(tmp_path), "2026-11-30")
    with pytest.raises(ValueError, match="Invalid isoformat"):
        export.run(MemoryStore(ManualClock()), LocalBlobStore(tmp_path), ManualClock(), day="../x")


def test_the_newest_anchor_set_wins_and_names_no_content(tmp_path: Path) -> None:
    clock = ManualClock()
    store = MemoryStore(clock)
    _fill(store, 2)
    blobs = LocalBlobStore(tmp_path)
    assert anchors.latest(blobs) is None
    first = anchors.publish(store, blobs, clock)
    clock.advance(days=1)
    store.upsert(
        "audit", {"id": "head", "scope": "case-c00000", "type": "audit-head", "seq": 2, "hash": "h2"}
    )
    second = anchors.publish(store, blobs, clock)
    assert first.name < second.name
    newest = anchors.latest(blobs)
    assert newest is not None and newest.name == second.name
    assert newest.chains["case-c00000"] == anchors.Anchor(2, "h2")
    assert anchors.load(blobs, first.name).chains["case-c00000"] == anchors.Anchor(1, "h")
    for line in gzip.decompress(blobs.get(second.name)).splitlines():
        assert set(json.loads(line)) == {"scope", "seq", "hash"}


def test_only_timers_and_ops_tools_page_whole_containers() -> None:
    """``scan_page`` is a cross-partition query: never on a request path (ARCHITECTURE §12)."""
    callers = set()
    for path in [*ROOT.joinpath("shared").rglob("*.py"), *ROOT.joinpath("functions").rglob("*.py")]:
        if re.search(r"\.scan_page\(", path.read_text(encoding="utf-8")):
            callers.add(path.relative_to(ROOT).as_posix())
    assert callers <= {"shared/backup/export.py", "shared/backup/restore.py", "shared/adapters/metered.py"}, (
        callers
    )
