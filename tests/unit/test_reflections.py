"""Reflections on the service layer (shared/reflections/reflections.py) with the memory store and a
manual clock: the write rules (days, ETags, bad input → nothing stored), encryption at rest,
concurrent writes to one month, who sees what (live shares, fromDate, text, expiry, revoke), the
audit of reads by others, and a property-style run of random steps checked against a reference
computed independently from the entries each participant may see."""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shared import bootstrap
from shared.access.caller import Caller
from shared.adapters.local_blob import LocalBlobStore
from shared.adapters.local_keys import LocalKeyFile
from shared.adapters.memory import MemoryStore
from shared.adapters.outbox import OutboxMailer
from shared.errors import ConcurrencyConflict, InvalidInput, NotFound, PreconditionRequired
from shared.evaluations import records
from shared.item_types import REGISTRY
from shared.notifications import inbox
from shared.ports import Ports, Query
from shared.reflections import reflections as refl
from shared.sharing import EmployerHealthDataWarning, ShareOptionNotApplicable, revoke, share
from tests.fakes import ManualClock

C = "c1"
EMP, DOC, BOSS, CM = "emp", "doc", "boss", "cm"
SCALE_NAMES = ("wellbeing", "energy", "pain", "stress", "sleep", "workload")
TEXT_FIELDS = ("wentWell", "limits", "needs", "note")
#: 10:00 in Zurich on Monday 30 November 2026.
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ZURICH = ZoneInfo("Europe/Zurich")


def caller(user_id: str) -> Caller:
    return Caller.user(user_id, "req-test")


@pytest.fixture
def ports(tmp_path: Path) -> Iterator[Ports]:
    clock = ManualClock(START)
    wired = bootstrap.use(
        store=MemoryStore(clock),
        blobs=LocalBlobStore(tmp_path / "blobs"),
        key_ring=LocalKeyFile(tmp_path / "keys" / "kek.json"),
        mailer=OutboxMailer(tmp_path / "outbox"),
        clock=clock,
    )
    wired.store.create(
        "cases",
        {"id": "case", "caseId": C, "type": "case", "orgId": "o1", "status": "open", "employeeUserId": EMP},
    )
    for user_id, role in ((EMP, "employee"), (DOC, "doctor"), (BOSS, "employer"), (CM, "case_manager")):
        wired.store.create(
            "cases",
            {"id": f"participant-{user_id}", "caseId": C, "type": "participant", "userId": user_id,
             "role": role, "status": "active"},
        )  # fmt: skip
    wired.case_keys.create(C)
    yield wired
    bootstrap.reset()


def today(ports: Ports) -> date:
    return ports.clock.now().astimezone(ZURICH).date()


def put(
    ports: Ports,
    day: date | str,
    scales: dict[str, Any] | None = None,
    *,
    etag: str | None = None,
    who: str = EMP,
    **texts: Any,
) -> dict[str, Any]:
    view, _ = refl.put_entry(
        ports,
        caller(who),
        C,
        day if isinstance(day, str) else day.isoformat(),
        scales=scales or {},
        texts=texts,
        if_match=etag,
        if_none_match=None if etag else "*",
    )
    return view


def buckets(ports: Ports) -> list[dict[str, Any]]:
    return ports.store.query("cases", C, Query(equals={"type": "reflmonth"}, limit=100)).items


def pending_audits(ports: Ports) -> list[dict[str, Any]]:
    found = ports.store.query("cases", C, Query(equals={"type": "pending-effect"}, limit=1000)).items
    return [e["event"] for e in found if e.get("kind") == "audit"]


# -- writing ----------------------------------------------------------------------------------------


def test_an_entry_is_created_read_changed_with_its_etag_and_deleted(ports: Ports) -> None:
    day = today(ports)
    made = put(ports, day, {"wellbeing": 7, "pain": 2}, wentWell="Walk by the lake")
    assert made["scales"] == {"wellbeing": 7, "energy": None, "pain": 2, "stress": None, "sleep": None,
                              "workload": None}  # fmt: skip
    assert (made["wentWell"], made["limits"], made["version"]) == ("Walk by the lake", None, 1)
    assert refl.read_entry(ports, caller(EMP), C, day.isoformat()) == made
    changed = put(ports, day, {"wellbeing": 8}, etag=made["etag"], note="Better")
    assert (changed["scales"]["wellbeing"], changed["scales"]["pain"], changed["note"]) == (8, None, "Better")
    assert changed["version"] == 2 and changed["etag"] != made["etag"]
    with pytest.raises(ConcurrencyConflict):  # the old ETag: nothing is lost
        put(ports, day, {"wellbeing": 1}, etag=made["etag"])
    with pytest.raises(refl.ReflectionExists):  # a create over an existing entry
        put(ports, day, {"wellbeing": 1})
    with pytest.raises(ConcurrencyConflict):
        refl.delete_entry(ports, caller(EMP), C, day.isoformat(), if_match=made["etag"])
    refl.delete_entry(ports, caller(EMP), C, day.isoformat(), if_match=changed["etag"])
    with pytest.raises(NotFound):
        refl.read_entry(ports, caller(EMP), C, day.isoformat())
    assert buckets(ports) == []  # the month's last entry took its bucket with it
    actions = sorted(e["action"] for e in pending_audits(ports))
    assert actions == ["reflection:create", "reflection:delete", "reflection:update"]


def test_a_write_names_its_version_or_asks_to_create(ports: Ports) -> None:
    with pytest.raises(PreconditionRequired):
        refl.put_entry(
            ports, caller(EMP), C, today(ports).isoformat(), scales={"pain": 1}, texts={},
            if_match=None, if_none_match=None,
        )  # fmt: skip
    assert buckets(ports) == []


def test_scales_and_text_are_sealed_with_the_case_key(ports: Ports) -> None:
    put(ports, today(ports), {"wellbeing": 9, "stress": 3}, limits="Geheimnis am Arbeitsplatz")
    raw = json.dumps(buckets(ports))
    assert "Geheimnis" not in raw and '"wellbeing"' not in raw and '"stress"' not in raw
    [bucket] = buckets(ports)
    stored = bucket["entries"][today(ports).isoformat()]
    # Bound to its bucket and field: the sealed scales do not open as another day's or as text.
    with pytest.raises(Exception, match=r"(?i)integrity|tag|authent|invalid"):
        ports.cipher.decrypt_field(C, "cases", bucket["id"], "2020-01-01.scales", stored["scalesSealed"])


@pytest.mark.parametrize(
    ("scales", "texts", "field", "code"),
    [
        ({"wellbeing": 11}, {}, "scales.wellbeing", "invalid_value"),
        ({"pain": -1}, {}, "scales.pain", "invalid_value"),
        ({"pain": 2.5}, {}, "scales.pain", "invalid_value"),
        ({"pain": True}, {}, "scales.pain", "invalid_value"),
        ({"pain": "3"}, {}, "scales.pain", "invalid_value"),
        ({"mood": 3}, {}, "scales.mood", "unknown_field"),
        ({"pain": 3}, {"diagnosis": "F32.1"}, "diagnosis", "unknown_field"),
        ({}, {"note": "x" * (refl.MAX_NOTE + 1)}, "note", "too_long"),
        ({}, {"wentWell": "x" * (refl.MAX_PROMPT + 1)}, "wentWell", "too_long"),
        ({}, {"needs": "bell\x07"}, "needs", "invalid_value"),
    ],
)
def test_bad_entries_are_refused_with_the_field_and_nothing_is_stored(
    ports: Ports, scales: dict[str, Any], texts: dict[str, Any], field: str, code: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        put(ports, today(ports), scales, **texts)
    assert (field, code) in [(e.field, e.code) for e in raised.value.field_errors]
    assert buckets(ports) == [] and pending_audits(ports) == []


@pytest.mark.parametrize(
    ("offset", "error"), [(1, refl.DateInFuture), (15, refl.DateTooOld), (400, refl.DateTooOld)]
)
def test_days_outside_today_and_14_back_are_refused(
    ports: Ports, offset: int, error: type[InvalidInput]
) -> None:
    day = today(ports) + timedelta(days=offset if error is refl.DateInFuture else -offset)
    with pytest.raises(error):
        put(ports, day, {"pain": 3})
    assert buckets(ports) == []


def test_the_day_is_a_zurich_calendar_day(ports: Ports) -> None:
    assert isinstance(ports.clock, ManualClock)
    ports.clock.advance(hours=14, minutes=30)  # 23:30 UTC = 00:30 on 1 December in Zurich
    assert put(ports, "2026-12-01", {"pain": 3})["date"] == "2026-12-01"
    assert put(ports, "2026-11-17", {"pain": 3})["date"] == "2026-11-17"  # 14 days back in Zurich
    with pytest.raises(refl.DateTooOld):  # 14 days back in UTC, 15 in Zurich
        put(ports, "2026-11-16", {"pain": 3})


@pytest.mark.parametrize("day", ["2026-11-31", "30.11.2026", "2026-1-1", "today", "2026-11-30T00:00"])
def test_a_day_that_is_no_iso_date_is_refused(ports: Ports, day: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        put(ports, day, {"pain": 3})
    assert [(e.field, e.code) for e in raised.value.field_errors] == [("date", "invalid_date")]


def test_empty_entries_are_refused_blank_text_counts_as_none(ports: Ports) -> None:
    for scales, texts in (({}, {}), ({"pain": None}, {"note": "  \n "})):
        with pytest.raises(refl.EmptyEntry):
            put(ports, today(ports), scales, **texts)
    assert buckets(ports) == []


def test_only_the_employee_reads_writes_and_deletes_entries(ports: Ports) -> None:
    made = put(ports, today(ports), {"pain": 3})
    for other in (DOC, CM):
        with pytest.raises(NotFound):
            refl.read_entry(ports, caller(other), C, today(ports).isoformat())
        with pytest.raises(NotFound):
            put(ports, today(ports), {"pain": 9}, etag=made["etag"], who=other)
        with pytest.raises(NotFound):
            refl.delete_entry(ports, caller(other), C, today(ports).isoformat(), if_match=made["etag"])


class RacingStore:
    """A store that lets another request write right after this one's first bucket read (our
    own fake around the real memory store: the race, made deterministic)."""

    def __init__(self, inner: Any, race: Any) -> None:
        self.inner, self.race, self.raced = inner, race, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def read_many(self, container: str, partition: str, ids: Any) -> Any:
        found = self.inner.read_many(container, partition, ids)
        if not self.raced and any(i.startswith("reflmonth-") for i in ids):
            self.raced = True
            self.race()
        return found


def test_concurrent_writes_to_one_month_never_lose_an_entry(ports: Ports) -> None:
    """Two writers read the same bucket; the second one's replace finds a changed ETag and is
    retried on a fresh read, so both days survive."""
    first_day = today(ports) - timedelta(days=1)  # Sunday 29 and Monday 30 November: one bucket
    racing = dataclasses.replace(
        ports, store=RacingStore(ports.store, lambda: put(ports, first_day, {"energy": 4}))
    )
    put(racing, today(ports), {"energy": 6})
    [bucket] = buckets(ports)
    assert set(bucket["entries"]) == {first_day.isoformat(), today(ports).isoformat()}
    assert refl.read_entry(ports, caller(EMP), C, first_day.isoformat())["scales"]["energy"] == 4


# -- sharing and seeing -----------------------------------------------------------------------------


def series(ports: Ports) -> str:
    return str(refl.find_series(ports, caller(EMP), C)["id"])


def test_the_series_is_one_per_case_owned_by_the_employee(ports: Ports) -> None:
    found = refl.find_series(ports, caller(EMP), C)
    assert found == {"id": C, "caseId": C, "ownerId": EMP, "mine": True}
    assert refl.find_series(ports, caller(DOC), C) == {"id": C, "caseId": C, "ownerId": EMP, "mine": False}
    assert refl.find_series(ports, caller(EMP), C) == found  # idempotent
    assert ports.store.read("cases", C, f"reflection_series-{C}")["ownerId"] == EMP


def test_sharing_options_windows_text_expiry_and_revoke(ports: Ports) -> None:
    sid = series(ports)
    now = today(ports)
    for back, scales in ((10, {"pain": 6}), (5, {"pain": 4}), (0, {"pain": 2})):
        put(ports, now - timedelta(days=back), scales, note=f"private {back}")
    assert refl.listing(ports, caller(DOC), C)["entries"] == []  # not shared: nothing, no 404
    assert refl.dashboard(ports, caller(DOC), C)["scales"][2]["dates"] == []

    share(ports, caller(EMP), C, "reflection_series", sid, grantee_id=DOC, expires_at=None,
          from_date=now - timedelta(days=5))  # fmt: skip
    listed = refl.listing(ports, caller(DOC), C)
    assert [e["date"] for e in listed["entries"]] == [now.isoformat(), (now - timedelta(days=5)).isoformat()]
    assert all(e["note"] is None for e in listed["entries"]) and listed["includesText"] is False
    assert (listed["access"], listed["visibleFrom"]) == ("shared", (now - timedelta(days=5)).isoformat())
    pain = refl.dashboard(ports, caller(DOC), C)["scales"][2]
    assert pain["values"] == [4, 2]

    share(ports, caller(EMP), C, "reflection_series", sid, grantee_id=DOC, include_text=True,
          expires_at=ports.clock.now() + timedelta(hours=2))  # fmt: skip
    listed = refl.listing(ports, caller(DOC), C)
    assert [e["note"] for e in listed["entries"]] == ["private 0", "private 5", "private 10"]
    assert refl.seen_by(ports, caller(EMP), C, DOC) == listed["entries"]
    assert refl.seen_by(ports, caller(EMP), C, CM) == []

    assert isinstance(ports.clock, ManualClock)
    ports.clock.advance(hours=2, seconds=1)  # expired: gone on the next request, no job needed
    assert refl.listing(ports, caller(DOC), C)["entries"] == []
    share(ports, caller(EMP), C, "reflection_series", sid, grantee_id=DOC, expires_at=None)
    assert len(refl.listing(ports, caller(DOC), C)["entries"]) == 3
    revoke(ports, caller(EMP), C, "reflection_series", sid, grantee_id=DOC)
    assert refl.listing(ports, caller(DOC), C)["entries"] == []
    assert refl.dashboard(ports, caller(DOC), C)["access"] == "none"


def test_sharing_with_the_employer_needs_the_warning_acknowledged(ports: Ports) -> None:
    sid = series(ports)
    with pytest.raises(EmployerHealthDataWarning):
        share(ports, caller(EMP), C, "reflection_series", sid, grantee_id=BOSS, expires_at=None)
    assert ports.store.query("cases", C, Query(equals={"type": "grant"})).items == []
    share(ports, caller(EMP), C, "reflection_series", sid, grantee_id=BOSS, expires_at=None,
          acknowledge_employer_warning=True)  # fmt: skip
    assert refl.listing(ports, caller(BOSS), C)["access"] == "shared"


def test_the_recipient_is_notified_with_the_series_kind(ports: Ports) -> None:
    share(ports, caller(EMP), C, "reflection_series", series(ports), grantee_id=DOC, expires_at=None)
    [notice] = inbox(ports, DOC).items
    assert (notice["kind"], notice["itemType"], notice["itemId"]) == (
        "reflections_shared",
        "reflection_series",
        C,
    )


def test_series_options_are_refused_for_other_types(ports: Ports) -> None:
    ports.store.create("cases", {"id": "doc-d1", "caseId": C, "type": "doc", "ownerId": EMP})
    options: dict[str, Any]
    for options in ({"from_date": date(2026, 1, 1)}, {"include_text": True}):
        with pytest.raises(ShareOptionNotApplicable):
            share(ports, caller(EMP), C, "doc", "d1", grantee_id=DOC, expires_at=None, **options)
    assert ports.store.query("cases", C, Query(equals={"type": "grant"})).items == []


def test_reads_by_others_are_audited_one_write_each_and_the_employees_are_not(ports: Ports) -> None:
    put(ports, today(ports), {"pain": 2})
    share(ports, caller(EMP), C, "reflection_series", series(ports), grantee_id=DOC, expires_at=None)
    before = pending_audits(ports)
    refl.listing(ports, caller(EMP), C)
    refl.dashboard(ports, caller(EMP), C)
    assert pending_audits(ports) == before
    refl.listing(ports, caller(DOC), C)
    refl.dashboard(ports, caller(DOC), C)
    events = [e for e in pending_audits(ports) if e not in before]
    assert sorted((e["action"], e["actor"], e["ownerId"], e["grantId"]) for e in events) == [
        ("dashboard:read", DOC, EMP, f"grant-reflection_series-{C}-{DOC}"),
        ("reflection:list", DOC, EMP, f"grant-reflection_series-{C}-{DOC}"),
    ]
    # Someone without a share: the list shows nothing and is not audited; the dashboard shows the
    # case's plan and is.
    before = pending_audits(ports)
    refl.listing(ports, caller(CM), C)
    refl.dashboard(ports, caller(CM), C)
    events = [e for e in pending_audits(ports) if e not in before]
    assert [(e["action"], e["actor"], e["grantId"]) for e in events] == [("dashboard:read", CM, None)]


def test_the_dashboard_carries_the_plan_timeline(ports: Ports) -> None:
    for stage_id, start, percent in (
        ("s1", "2026-09-01", 20),
        ("s2", "2026-10-15", 50),
        ("s3", "2027-01-01", 80),
    ):
        ports.store.create(
            "cases",
            {"id": f"stage-{stage_id}", "caseId": C, "type": "stage", "stageId": stage_id,
             "fromDate": start, "workloadPercent": percent, "tasksSealed": "x"},
        )  # fmt: skip
    board = refl.dashboard(ports, caller(CM), C, first=date(2026, 10, 1), last=date(2026, 12, 31))
    assert board["plan"] == [
        {"from": "2026-09-01", "to": "2026-10-15", "workloadPercent": 20},
        {"from": "2026-10-15", "to": "2027-01-01", "workloadPercent": 50},
        {"from": "2027-01-01", "to": None, "workloadPercent": 80},  # planned after the period
    ]
    earlier = refl.dashboard(ports, caller(CM), C, first=date(2026, 10, 20), last=date(2026, 11, 30))
    assert [span["from"] for span in earlier["plan"]] == ["2026-10-15", "2027-01-01"]  # s1 ended before


def test_periods_are_bounded(ports: Ports) -> None:
    with pytest.raises(refl.RangeTooLong):
        refl.listing(ports, caller(EMP), C, first=date(2025, 1, 1), last=date(2026, 1, 2))
    with pytest.raises(refl.InvalidRange):
        refl.dashboard(ports, caller(EMP), C, first=date(2026, 2, 1), last=date(2026, 1, 1))
    with pytest.raises(refl.RangeTooLong):
        refl.dashboard(ports, caller(EMP), C, first=date(2023, 1, 1), last=date(2026, 1, 2))
    board = refl.dashboard(ports, caller(EMP), C, first=date(2023, 1, 3), last=date(2026, 1, 2))
    assert (board["from"], board["to"]) == ("2023-01-03", "2026-01-02")
    listed = refl.listing(ports, caller(EMP), C)
    assert (listed["from"], listed["to"], listed["editableFrom"]) == (
        "2026-11-01",
        "2026-11-30",
        "2026-11-16",
    )


def test_purge_and_export_hooks(ports: Ports) -> None:
    put(ports, today(ports), {"pain": 2}, note="mine")
    put(ports, today(ports) - timedelta(days=14), {"sleep": 5})
    share(ports, caller(EMP), C, "reflection_series", series(ports), grantee_id=DOC, expires_at=None)
    exported = refl.export_owned(ports, C, EMP)
    assert [(e["date"], e["note"]) for e in exported] == [
        ((today(ports) - timedelta(days=14)).isoformat(), None),
        (today(ports).isoformat(), "mine"),
    ]
    assert refl.export_owned(ports, C, DOC) == []
    assert refl.purge_case(ports, C) == len({e["date"][:7] for e in exported}) + 1
    assert buckets(ports) == [] and refl.purge_case(ports, C) == 0
    assert ports.store.query("cases", C, Query(equals={"type": "grant"})).items == []
    assert refl.views_of(ports, [], DOC) == []


# -- the property-style run -------------------------------------------------------------------------


@dataclass
class Reference:
    """What the test itself knows: the entries it wrote and the grants it gave."""

    entries: dict[date, tuple[dict[str, int | None], dict[str, str | None], str]] = field(
        default_factory=dict
    )
    grants: dict[str, tuple[date | None, bool, datetime | None]] = field(default_factory=dict)

    def visible(self, viewer: str, now: datetime) -> tuple[dict[date, Any], bool]:
        if viewer == EMP:
            return dict(self.entries), True
        grant = self.grants.get(viewer)
        if grant is None or (grant[2] is not None and grant[2] <= now):
            return {}, False
        start, text, _ = grant
        return {d: e for d, e in self.entries.items() if start is None or d >= start}, text


def expected_scale(points: list[tuple[date, int]], worse_up: bool) -> dict[str, Any]:
    """The dashboard's numbers, worked out another way: grouped by ISO calendar and strftime,
    the slope from centred sums."""
    weeks: dict[str, list[int]] = {}
    months: dict[str, list[int]] = {}
    for day, value in points:
        iso = day.isocalendar()
        weeks.setdefault(f"{iso[0]}-W{iso[1]:02d}", []).append(value)
        months.setdefault(day.strftime("%Y-%m"), []).append(value)
    n = len(points)
    if n < 5 or (points[-1][0] - points[0][0]).days < 14:
        status, slope = "not_enough_data", None
    else:
        xs = [(d - points[0][0]).days for d, _ in points]
        ys = [v for _, v in points]
        mean_x, mean_y = sum(xs) / n, sum(ys) / n  # centred, in floats (the module: integer sums)
        covariance = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
        slope = covariance / sum((x - mean_x) ** 2 for x in xs) * 30
        better = slope < 0 if worse_up else slope > 0
        status = "stable" if abs(slope) < 0.5 else "improving" if better else "worsening"
    return {
        "dates": [d.isoformat() for d, _ in points],
        "values": [v for _, v in points],
        "weekly": [(w, round(sum(v) / len(v), 2), len(v)) for w, v in sorted(weeks.items())],
        "monthly": [(m, round(sum(v) / len(v), 2), len(v)) for m, v in sorted(months.items())],
        "status": status,
        "slope": slope,
    }


def check_view(ports: Ports, ref: Reference, viewer: str, secrets: set[str]) -> None:
    now = ports.clock.now()
    day = now.astimezone(ZURICH).date()
    first = day - timedelta(days=40)
    visible, with_text = ref.visible(viewer, now)
    visible = {d: e for d, e in visible.items() if first <= d <= day}
    listed = refl.listing(ports, caller(viewer), C, first=first, last=day)
    assert [e["date"] for e in listed["entries"]] == [d.isoformat() for d in sorted(visible, reverse=True)]
    for entry in listed["entries"]:
        scales, texts, _ = visible[date.fromisoformat(entry["date"])]
        assert entry["scales"] == scales
        assert {f: entry[f] for f in TEXT_FIELDS} == (texts if with_text else dict.fromkeys(TEXT_FIELDS))
    board = refl.dashboard(ports, caller(viewer), C, first=first, last=day)
    for got in board["scales"]:
        points = [
            (d, e[0][got["scale"]]) for d, e in sorted(visible.items()) if e[0][got["scale"]] is not None
        ]
        want = expected_scale(points, got["scale"] in ("pain", "stress"))
        assert (got["dates"], got["values"]) == (want["dates"], want["values"])
        assert [(w["week"], w["mean"], w["count"]) for w in got["weekly"]] == want["weekly"]
        assert [(m["month"], m["mean"], m["count"]) for m in got["monthly"]] == want["monthly"]
        assert got["trend"]["status"] == want["status"] or (
            want["slope"] is not None and abs(abs(want["slope"]) - 0.5) < 1e-6  # on the band's edge
        )
        if want["slope"] is None:
            assert got["trend"]["slopePer30Days"] is None
        else:
            assert got["trend"]["slopePer30Days"] == pytest.approx(want["slope"], abs=1e-3)
    if not with_text:  # free text never appears in what this viewer gets
        answer = json.dumps([listed, board], ensure_ascii=False)
        assert not [s for s in secrets if s in answer]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_random_entries_shares_and_revokes_never_show_more_than_allowed(ports: Ports, seed: int) -> None:
    rng = random.Random(seed)
    assert isinstance(ports.clock, ManualClock)
    clock = ports.clock
    sid = series(ports)
    ref = Reference()
    secrets: set[str] = set()
    for step in range(70):
        now = clock.now()
        day = now.astimezone(ZURICH).date()
        move = rng.random()
        if move < 0.45:  # write (create or change) a day in the editable window
            target = day - timedelta(days=rng.randint(0, 14))
            scales = {s: rng.choice([None, rng.randint(0, 10)]) for s in SCALE_NAMES}
            texts: dict[str, Any] = {f: rng.choice([None, f"secret-{seed}-{step}-{f}"]) for f in TEXT_FIELDS}
            if all(v is None for v in scales.values()):
                scales["wellbeing"] = rng.randint(0, 10)
            current = ref.entries.get(target)
            view = put(ports, target, scales, etag=current[2] if current else None, **texts)
            ref.entries[target] = (scales, texts, view["etag"])
            secrets |= {t for t in texts.values() if t}
        elif move < 0.55 and ref.entries:  # delete an editable day's entry
            editable = [d for d in ref.entries if d >= day - timedelta(days=14)]
            if editable:
                target = rng.choice(sorted(editable))
                refl.delete_entry(ports, caller(EMP), C, target.isoformat(), if_match=ref.entries[target][2])
                del ref.entries[target]
        elif move < 0.75:  # share (again) with options
            viewer = rng.choice([DOC, BOSS, CM])
            start = rng.choice([None, day - timedelta(days=rng.randint(0, 30))])
            text = rng.random() < 0.5
            expiry = rng.choice([None, now + timedelta(hours=rng.randint(1, 48))])
            share(ports, caller(EMP), C, "reflection_series", sid, grantee_id=viewer, expires_at=expiry,
                  from_date=start, include_text=text, acknowledge_employer_warning=True)  # fmt: skip
            ref.grants[viewer] = (start, text, expiry)
        elif move < 0.85:  # revoke a live grant
            live = [v for v, g in ref.grants.items() if g[2] is None or g[2] > now]
            if live:
                viewer = rng.choice(sorted(live))
                revoke(ports, caller(EMP), C, "reflection_series", sid, grantee_id=viewer)
                del ref.grants[viewer]
        else:  # time passes: days move on, expiries pass
            clock.advance(hours=rng.randint(1, 30))
        for viewer in (EMP, DOC, BOSS, CM):
            check_view(ports, ref, viewer, secrets)


def test_the_reference_check_can_fail(ports: Ports) -> None:
    """The property check is not vacuous: an entry the doctor may not see makes it fail."""
    put(ports, today(ports), {"pain": 4}, note="hidden")
    ref = Reference()  # believes nothing was written
    with pytest.raises(AssertionError):
        check_view(ports, ref, EMP, set())
    share(ports, caller(EMP), C, "reflection_series", series(ports), grantee_id=DOC, expires_at=None,
          include_text=True)  # fmt: skip
    ref.entries[today(ports)] = ({s: None for s in SCALE_NAMES} | {"pain": 4}, dict.fromkeys(TEXT_FIELDS) | {"note": "hidden"}, "")  # fmt: skip
    ref.grants[DOC] = (None, False, None)  # the reference says: no text for the doctor
    with pytest.raises(AssertionError):
        check_view(ports, ref, DOC, {"hidden"})


def test_the_series_type_is_registered(ports: Ports) -> None:
    kind = REGISTRY["reflection_series"]
    assert (kind.segment, kind.route_param, kind.grant_options, kind.employer_warning) == (
        "reflection-series",
        "seriesId",
        True,
        True,
    )


def test_a_month_of_entries_with_every_text_at_its_limit_fits_in_one_bucket(ports: Ports) -> None:
    """31 days, every prompt and the note full of 4-byte characters: the bucket stays under the
    store's item limit (the memory store enforces Cosmos DB's)."""
    assert isinstance(ports.clock, ManualClock)
    ports.clock.advance(days=1)  # 1 December 2026
    wide = "\N{GRINNING FACE}"
    texts = {f: wide * refl.MAX_PROMPT for f in refl.PROMPTS} | {"note": wide * refl.MAX_NOTE}
    for n in range(31):
        put(ports, today(ports), dict.fromkeys(SCALE_NAMES, 10), **texts)
        if n < 30:
            ports.clock.advance(days=1)
    [bucket] = buckets(ports)
    assert len(bucket["entries"]) == 31 and bucket["id"] == "reflmonth-202612"
    assert refl.read_entry(ports, caller(EMP), C, "2026-12-31")["note"] == wide * refl.MAX_NOTE


# -- the property-style run, extended to evaluations and feedback (issue 16) ------------------------


@dataclass
class RecordsReference:
    """What the test knows of the evaluations and feedback: content, author, recipients."""

    evaluations: dict[str, tuple[str, dict[str, Any], set[str]]] = field(default_factory=dict)
    feedback: dict[str, tuple[str, dict[str, Any], set[str]]] = field(default_factory=dict)

    @staticmethod
    def _sees(viewer: str, author: str, recipients: set[str]) -> bool:
        return viewer in (author, EMP) or viewer in recipients  # the employee: always


def expected_capacity(
    ref: RecordsReference, viewer: str, first: date, last: date
) -> dict[date, tuple[int, str]]:
    """Day by day: the visible evaluation with the latest (validFrom, id) that started by that
    day counts, if it is still valid on it."""
    seen = [(c, i) for i, (a, c, r) in ref.evaluations.items() if ref._sees(viewer, a, r)]
    days: dict[date, tuple[int, str]] = {}
    day = first - timedelta(days=60)
    while day <= last + timedelta(days=60):
        started = [(c["validFrom"], i, c) for c, i in seen if date.fromisoformat(c["validFrom"]) <= day]
        if started:
            _, ident, content = max(started)
            if content["validTo"] is None or day <= date.fromisoformat(content["validTo"]):
                days[day] = (content["capacityPercent"], ident)
        day += timedelta(days=1)
    return days


def check_records(ports: Ports, ref: RecordsReference, viewer: str, secrets: dict[str, set[str]]) -> None:
    day = today(ports)
    first, last = day - timedelta(days=40), day
    part = records.dashboard(ports, caller(viewer), C, first, last)
    # The capacity steps, expanded to days, are exactly the reference's days.
    want = expected_capacity(ref, viewer, first, last)
    got: dict[date, tuple[int, str]] = {}
    for step in part["capacity"]:
        start = date.fromisoformat(step["from"])
        end = date.fromisoformat(step["to"]) if step["to"] else last + timedelta(days=61)
        assert start <= last and end > first, step
        while start < end and start <= last + timedelta(days=60):
            got[start] = (step["capacityPercent"], step["evaluationId"])
            start += timedelta(days=1)
    assert {d: v for d, v in got.items() if first <= d <= last} == {
        d: v for d, v in want.items() if first <= d <= last
    }
    # The feedback of the period and its scales: the newest entry of a day counts.
    visible_fb = {
        i: c for i, (a, c, r) in ref.feedback.items()
        if ref._sees(viewer, a, r) and first <= date.fromisoformat(c["date"]) <= last
    }  # fmt: skip
    assert sorted(f["id"] for f in part["feedback"]) == sorted(visible_fb)
    newest: dict[date, dict[str, Any]] = {}
    for ident in sorted(visible_fb):
        newest[date.fromisoformat(visible_fb[ident]["date"])] = visible_fb[ident]
    for got_scale in part["feedbackScales"]:
        points = [
            (d, c[got_scale["scale"]]) for d, c in sorted(newest.items()) if c[got_scale["scale"]] is not None
        ]
        expected = expected_scale(points, worse_up=False)
        assert (got_scale["dates"], got_scale["values"]) == (expected["dates"], expected["values"])
        assert [(m["month"], m["mean"], m["count"]) for m in got_scale["monthly"]] == expected["monthly"]
    # Nothing of a record the viewer may not see reaches them.
    answer = json.dumps(part, ensure_ascii=False)
    hidden = {
        i for i, (a, _, r) in {**ref.evaluations, **ref.feedback}.items() if not ref._sees(viewer, a, r)
    }
    assert not [s for i in hidden for s in secrets.get(i, set()) if s in answer]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_evaluations_and_feedback_never_show_more_than_allowed(ports: Ports, seed: int) -> None:
    rng = random.Random(seed)
    assert isinstance(ports.clock, ManualClock)
    ref = RecordsReference()
    secrets: dict[str, set[str]] = {}
    etags: dict[str, str] = {}
    for step in range(50):
        day = today(ports)
        move = rng.random()
        if move < 0.25:  # the doctor records an evaluation for some recipients
            start = day - timedelta(days=rng.randint(0, 80))
            end = rng.choice([None, start + timedelta(days=rng.randint(0, 40))])
            content = {"capacityPercent": rng.randint(0, 100), "validFrom": start.isoformat(),
                       "validTo": end.isoformat() if end else None, "restrictions": f"secret-{seed}-{step}-x",
                       "recommendations": None, "nextReview": None}  # fmt: skip
            chosen = {u for u in (CM, BOSS) if rng.random() < 0.5}
            made = records.create(
                ports, caller(DOC), records.EVALUATION, C, content, recipients=sorted(chosen)
            )
            ref.evaluations[made["id"]] = (DOC, content, chosen)
            secrets[made["id"]] = {f"secret-{seed}-{step}-x"}
            etags[made["id"]] = made["etag"]
        elif move < 0.45:  # the employer gives feedback
            content = {"date": (day - timedelta(days=rng.randint(0, 50))).isoformat(), "text": f"fb-{seed}-{step}-x",
                       **{s: rng.choice([None, rng.randint(0, 10)]) for s in ("attendance", "workloadFit",
                                                                             "collaboration")}}  # fmt: skip
            chosen = {u for u in (DOC, CM) if rng.random() < 0.5}
            made = records.create(
                ports, caller(BOSS), records.FEEDBACK, C, content, recipients=sorted(chosen)
            )
            ref.feedback[made["id"]] = (BOSS, content, chosen)
            secrets[made["id"]] = {f"fb-{seed}-{step}-x"}
            etags[made["id"]] = made["etag"]
        elif move < 0.6 and (ref.evaluations or ref.feedback):  # an amendment: a new version
            ident = rng.choice(sorted([*ref.evaluations, *ref.feedback]))
            is_eval = ident in ref.evaluations
            author, content, chosen = (ref.evaluations if is_eval else ref.feedback)[ident]
            changed = dict(content)
            if is_eval:
                changed["capacityPercent"] = rng.randint(0, 100)
            else:
                changed["attendance"] = rng.randint(0, 10)
            kind = records.EVALUATION if is_eval else records.FEEDBACK
            amended = records.amend(
                ports, caller(author), kind, C, ident, fields=changed, if_match=etags[ident]
            )
            assert amended["corrected"] is True
            etags[ident] = amended["etag"]
            (ref.evaluations if is_eval else ref.feedback)[ident] = (author, changed, chosen)
        elif move < 0.8 and (ref.evaluations or ref.feedback):  # share or revoke with someone else
            ident = rng.choice(sorted([*ref.evaluations, *ref.feedback]))
            is_eval = ident in ref.evaluations
            author, content, chosen = (ref.evaluations if is_eval else ref.feedback)[ident]
            other = rng.choice([u for u in (DOC, BOSS, CM) if u != author])
            item_type = "evaluation" if is_eval else "feedback"
            if other in chosen:
                revoke(ports, caller(author), C, item_type, ident, grantee_id=other)
                chosen = chosen - {other}
            else:
                share(ports, caller(author), C, item_type, ident, grantee_id=other, expires_at=None)
                chosen = chosen | {other}
            (ref.evaluations if is_eval else ref.feedback)[ident] = (author, content, chosen)
        else:
            ports.clock.advance(hours=rng.randint(1, 40))
        for viewer in (EMP, DOC, BOSS, CM):
            check_records(ports, ref, viewer, secrets)


def test_the_records_reference_check_can_fail(ports: Ports) -> None:
    """Not vacuous: a reference that forgets the employee's right of access makes it fail."""
    content = {"capacityPercent": 40, "validFrom": today(ports).isoformat(), "validTo": None,
               "restrictions": "x", "recommendations": None, "nextReview": None}  # fmt: skip
    made = records.create(ports, caller(DOC), records.EVALUATION, C, content, recipients=[])
    ref = RecordsReference()
    with pytest.raises(AssertionError):
        check_records(ports, ref, EMP, {})  # the reference knows of no evaluation
    ref.evaluations[made["id"]] = (DOC, content, set())
    check_records(ports, ref, EMP, {})
    check_records(ports, ref, CM, {})
    ref.evaluations[made["id"]] = (DOC, content, {CM})  # believes the case manager sees it
    with pytest.raises(AssertionError):
        check_records(ports, ref, CM, {})
