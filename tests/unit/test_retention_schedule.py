"""The purge schedule (SPEC journey 13): 3 years after closure, notice 30 days before, a legal
hold stops the clock, a reopen takes the case off; the due-date index is written by closing,
reopening and the hold, read without a scan, repaired by the reconciliation; the ops dry run
prints exactly the timer's schedule and changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from shared import bootstrap
from shared.adapters.memory import MemoryStore
from shared.cli import main
from shared.errors import ConfigurationError
from shared.ports import Store
from shared.retention.schedule import (
    INDEX_TYPE,
    placement,
    purge_date,
    reconcile,
    retention_years,
    schedule,
    sync,
)
from tests.fakes import CountingStore, ManualClock

NOW = datetime(2029, 6, 15, 12, 0, tzinfo=UTC)


def case(case_id: str, status: str, closed_at: str | None, *, hold: bool = False) -> dict[str, Any]:
    return {
        "id": "case",
        "caseId": case_id,
        "orgId": "org1",
        "type": "case",
        "status": status,
        "closedAt": closed_at,
        "legalHold": hold,
    }


def stored(store: Store, item: dict[str, Any], when: datetime) -> dict[str, Any]:
    """Store the case as the case service does on close/reopen/hold: placement + sync."""
    item = {**item, **placement(item, when)}
    store.upsert("cases", item)
    sync(store, item, None, when)
    return item


def index(store: Store) -> list[tuple[str, str]]:
    return sorted((i["key"], i["caseId"]) for i in store.scan("directory", equals={"type": INDEX_TYPE}))


def test_states_follow_the_closure_date_the_notice_and_the_hold() -> None:
    store = MemoryStore(ManualClock(NOW))
    written = datetime(2026, 7, 1, tzinfo=UTC)
    stored(store, case("due", "closed", "2026-06-15T09:00:00+00:00"), written)
    stored(store, case("notice", "closed", "2026-07-10T09:00:00+00:00"), written)
    stored(store, case("waiting", "closed", "2026-08-01T09:00:00+00:00"), written)
    stored(store, case("held", "closed", "2020-01-01T09:00:00+00:00", hold=True), written)
    stored(store, case("open", "open", None), written)
    # Only closed, unheld cases are indexed, each in the month of its notice day.
    assert index(store) == [
        ("retention-2029-05", "due"),
        ("retention-2029-06", "notice"),
        ("retention-2029-07", "waiting"),
    ]
    before = sorted(i["_etag"] for i in store.scan("cases"))
    listed = schedule(store, NOW)
    # No notice went out yet: both due ones get it on the next run, and are purged a full
    # notice period after it at the earliest; "waiting" is told on 2 July.
    assert [(s.case_id, s.state, s.purge_on) for s in listed] == [
        ("due", "notice_due", date(2029, 7, 15)),
        ("notice", "notice_due", date(2029, 7, 15)),
        ("waiting", "waiting", date(2029, 8, 1)),
    ]
    assert sorted(i["_etag"] for i in store.scan("cases")) == before  # a dry run changes nothing


def test_the_timer_finds_due_cases_with_one_query_per_month_whatever_their_number() -> None:
    counting = CountingStore(MemoryStore(ManualClock(NOW)))
    for n in range(300):
        stored(counting.inner, case(f"c{n:03d}", "closed", "2026-06-01T09:00:00+00:00"), NOW)
    counting.reset()
    assert len(schedule(counting, NOW, ahead=0)) == 300
    assert {name for name, _ in counting.calls} == {"query"} and len(counting.calls) == 14  # 13 back + this


def test_a_reopen_or_a_hold_removes_the_entry_and_a_late_lift_lands_in_the_current_month() -> None:
    store = MemoryStore(ManualClock(NOW))
    closed = stored(
        store, case("c1", "closed", "2020-01-01T09:00:00+00:00"), datetime(2020, 1, 1, tzinfo=UTC)
    )
    assert index(store) == [("retention-2022-12", "c1")]
    held = {**closed, "legalHold": True}
    held.update(placement(held, NOW, closed))
    sync(store, held, closed, NOW)
    assert index(store) == [] and held["retentionIndex"] is None
    lifted = {**held, "legalHold": False}
    lifted.update(placement(lifted, NOW, held))
    sync(store, lifted, held, NOW)
    assert index(store) == [("retention-2029-06", "c1")]  # within the timer's reach
    [entry] = schedule(store, NOW, ahead=0)
    assert (entry.state, entry.purge_on) == ("notice_due", date(2029, 7, 15))  # told first, then purged


def test_the_reconciliation_repairs_missing_stale_and_unreachable_entries() -> None:
    store = MemoryStore(ManualClock(NOW))
    stored(store, case("ok", "closed", "2027-01-01T09:00:00+00:00"), NOW)
    store.upsert("cases", case("missing", "closed", "2027-02-01T09:00:00+00:00"))  # crashed before sync
    stored(store, case("reopened", "closed", "2027-03-01T09:00:00+00:00"), NOW)
    store.upsert("cases", case("reopened", "open", None))  # crashed before the entry was removed
    old = {**case("old", "closed", "2020-01-01T09:00:00+00:00"), "retentionIndex": "retention-2020-01"}
    store.upsert("cases", old)
    store.upsert("directory", {"id": "old", "key": "retention-2020-01", "type": INDEX_TYPE, "caseId": "old"})
    dry = reconcile(store, NOW, dry_run=True)
    assert (dry.written, dry.moved, dry.removed) == (2, 2, 2)
    assert len(index(store)) == 3  # a dry run changes nothing
    done = reconcile(store, NOW)
    assert (done.cases, done.written, done.moved, done.removed) == (4, 2, 2, 2)
    assert index(store) == [
        ("retention-2029-06", "old"),
        ("retention-2029-12", "ok"),
        ("retention-2030-01", "missing"),
    ]
    assert store.read("cases", "old", "case")["retentionIndex"] == "retention-2029-06"
    again = reconcile(store, NOW)
    assert (again.written, again.moved, again.removed) == (0, 0, 0)


def test_a_case_closed_on_29_february_is_purged_on_28_february() -> None:
    assert purge_date(datetime(2028, 2, 29, tzinfo=UTC)) == date(2031, 2, 28)


def test_days_are_zurich_calendar_days() -> None:
    # 23:30 UTC on 31 December is already 1 January in Zurich.
    assert purge_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2030, 1, 1)


def test_the_settings_are_bounded_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEDESK_RETENTION_YEARS", "0")
    monkeypatch.setenv("CASEDESK_ENV", "production")
    with pytest.raises(ConfigurationError):
        retention_years()
    monkeypatch.setenv("CASEDESK_ENV", "test")
    assert retention_years() == 0
    monkeypatch.setenv("CASEDESK_RETENTION_YEARS", "-1")
    with pytest.raises(ConfigurationError):
        retention_years()


def test_the_cli_prints_the_dry_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CASEDESK_ENV", "test")
    monkeypatch.setenv("CASEDESK_DATA_DIR", str(tmp_path))
    bootstrap.reset()
    try:
        store = bootstrap.ports().store
        stored(store, case("c1", "closed", "2020-01-01T00:00:00+00:00"), datetime.now(UTC))
        store.upsert("cases", case("c2", "closed", "2020-01-01T00:00:00+00:00"))  # not indexed
        assert main(["purge-dry-run"]) == 0
    finally:
        bootstrap.reset()
    out = capsys.readouterr().out
    assert "notice_due " in out and "case c1  org org1" in out and "case c2" not in out
    assert "dry run, nothing changed: 0 due, 1 notice_due, 0 notice, 0 waiting" in out
    assert (
        "index check: 2 case records; 1 index entries off (the weekly reconciliation repairs them: 1 to write, 1 to move, 0 to remove)"
        in out
    )
