"""The purge schedule behind the ops dry run: 3 years after closure, notice 30 days before,
a legal hold stops the clock, open cases are never listed, and nothing is changed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from shared import bootstrap
from shared.adapters.memory import MemoryStore
from shared.cli import main
from shared.retention.schedule import purge_date, schedule
from tests.fakes import ManualClock

NOW = datetime(2029, 6, 15, 12, 0, tzinfo=UTC)


def case(case_id: str, status: str, closed_at: str | None, *, hold: bool = False) -> dict[str, object]:
    return {
        "id": "case",
        "caseId": case_id,
        "orgId": "org1",
        "status": status,
        "closedAt": closed_at,
        "legalHold": hold,
    }


def test_states_follow_the_closure_date_and_the_hold() -> None:
    store = MemoryStore(ManualClock(NOW))
    for item in (
        case("due", "closed", "2026-06-15T09:00:00+00:00"),
        case("notice", "closed", "2026-07-10T09:00:00+00:00"),
        case("waiting", "closed", "2026-08-01T09:00:00+00:00"),
        case("held", "closed", "2020-01-01T09:00:00+00:00", hold=True),
        case("open", "open", None),
    ):
        store.create("cases", item)
    before = sorted(i["_etag"] for i in store.scan("cases"))
    listed = schedule(store, NOW)
    assert [(s.case_id, s.state, s.purge_on) for s in listed] == [
        ("held", "held", date(2023, 1, 1)),
        ("due", "due", date(2029, 6, 15)),
        ("notice", "notice", date(2029, 7, 10)),
        ("waiting", "waiting", date(2029, 8, 1)),
    ]
    assert sorted(i["_etag"] for i in store.scan("cases")) == before  # a dry run changes nothing


def test_a_case_closed_on_29_february_is_purged_on_28_february() -> None:
    assert purge_date(datetime(2028, 2, 29, tzinfo=UTC)) == date(2031, 2, 28)


def test_the_cli_prints_the_dry_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CASEDESK_ENV", "test")
    monkeypatch.setenv("CASEDESK_DATA_DIR", str(tmp_path))
    bootstrap.reset()
    try:
        bootstrap.ports().store.create("cases", case("c1", "closed", "2020-01-01T00:00:00+00:00"))
        assert main(["purge-dry-run"]) == 0
    finally:
        bootstrap.reset()
    out = capsys.readouterr().out
    assert "due      2023-01-01  case c1  org org1" in out
    assert "dry run, nothing changed: 1 due, 0 notice, 0 held, 0 waiting" in out
