"""Evaluations and feedback on the service layer (shared/evaluations/records.py) with the memory store
and a manual clock: who writes, who sees (the employee always, chosen recipients, grants revoked
or ended by removal), amendments as versions with history and If-Match, the bad-input list with
nothing stored, sealing at rest, notifications and audit, and the capacity step line
(shared/reflections/series.py). The dashboards' property run is in tests/unit/test_reflections.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared import bootstrap
from shared.access.caller import Caller
from shared.access.check import authorize
from shared.access.permissions import Action
from shared.adapters.local_blob import LocalBlobStore
from shared.adapters.local_keys import LocalKeyFile
from shared.adapters.memory import MemoryStore
from shared.adapters.outbox import OutboxMailer
from shared.errors import (
    ConcurrencyConflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from shared.evaluations import evaluations as evaluation_hooks
from shared.evaluations import records
from shared.evaluations.records import EVALUATION, FEEDBACK
from shared.notifications.inbox import inbox as inbox_of
from shared.paging import Window
from shared.ports import Ports, Query
from shared.reflections.series import CapacityStep, Evaluated, capacity_steps
from shared.sharing import SubjectAlwaysSees, end_grants_of, revoke, share
from tests.fakes import ManualClock

C = "c1"
EMP, DOC, BOSS, CM, DOC2 = "emp", "doc", "boss", "cm", "doc2"
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SECRET = "Rueckenschmerz-geheim-4711"
TODAY = date(2026, 11, 30)


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
    people = ((EMP, "employee"), (DOC, "doctor"), (BOSS, "employer"), (CM, "case_manager"), (DOC2, "doctor"))
    for user_id, role in people:
        wired.store.create(
            "cases",
            {"id": f"participant-{user_id}", "caseId": C, "type": "participant", "userId": user_id,
             "role": role, "status": "active"},
        )  # fmt: skip
    wired.case_keys.create(C)
    yield wired
    bootstrap.reset()


def evaluation(**changes: Any) -> dict[str, Any]:
    return {
        "capacityPercent": 50,
        "validFrom": "2026-11-30",
        "validTo": "2026-12-31",
        "restrictions": f"no lifting {SECRET}",
        "recommendations": "short days",
        "nextReview": "2026-12-20",
    } | changes


def feedback(**changes: Any) -> dict[str, Any]:
    return {
        "date": "2026-11-30",
        "attendance": 8,
        "workloadFit": 6,
        "collaboration": 9,
        "text": "good",
    } | changes


def stored_count(ports: Ports, kind: str) -> int:
    return len(ports.store.query("cases", C, Query(equals={"type": kind}, limit=1000)).items)


def new(ports: Ports, who: str = DOC, recipients: list[str] | None = None, **changes: Any) -> dict[str, Any]:
    return records.create(
        ports, caller(who), EVALUATION, C, evaluation(**changes), recipients=recipients or []
    )


def sees(ports: Ports, who: str, kind: str = "evaluation") -> list[str]:
    seen = records.visible(ports, C, who)
    return [v["id"] for v in (seen.evaluations if kind == "evaluation" else seen.feedback)]


def test_the_employee_always_sees_the_doctor_picks_the_others(ports: Ports) -> None:
    made = new(ports, recipients=[CM])
    assert made["version"] == 1 and made["corrected"] is False and made["subjectId"] == EMP
    assert made["capacityPercent"] == 50 and made["history"][0]["restrictions"].endswith(SECRET)
    assert (
        sees(ports, EMP) == [made["id"]]
        and sees(ports, CM) == [made["id"]]
        and sees(ports, DOC) == [made["id"]]
    )
    assert sees(ports, BOSS) == [] and sees(ports, DOC2) == []
    with pytest.raises(NotFound):
        records.read(ports, caller(BOSS), EVALUATION, C, made["id"])
    assert records.read(ports, caller(EMP), EVALUATION, C, made["id"])["mine"] is False
    # The author cannot end or change the employee's access; others' come and go.
    with pytest.raises(SubjectAlwaysSees):
        revoke(ports, caller(DOC), C, "evaluation", made["id"], grantee_id=EMP)
    with pytest.raises(SubjectAlwaysSees):
        share(
            ports,
            caller(DOC),
            C,
            "evaluation",
            made["id"],
            grantee_id=EMP,
            expires_at=START + timedelta(days=1),
        )
    share(ports, caller(DOC), C, "evaluation", made["id"], grantee_id=BOSS, expires_at=None)
    assert sees(ports, BOSS) == [made["id"]]
    revoke(ports, caller(DOC), C, "evaluation", made["id"], grantee_id=CM)
    assert sees(ports, CM) == [] and sees(ports, EMP) == [made["id"]]


def test_recipients_are_notified_and_amendments_notify_every_viewer(ports: Ports) -> None:
    made = new(ports, recipients=[CM, BOSS, EMP, DOC])  # the employee and the author: no second grant
    kinds = {u: [n["kind"] for n in inbox_of(ports, u).items] for u in (EMP, CM, BOSS, DOC)}
    assert kinds == {
        EMP: ["evaluation_shared"],
        CM: ["evaluation_shared"],
        BOSS: ["evaluation_shared"],
        DOC: [],
    }
    assert isinstance(ports.clock, ManualClock)
    ports.clock.advance(seconds=1)  # notifications are listed by time
    amended = records.amend(ports, caller(DOC), EVALUATION, C, made["id"], fields=evaluation(capacityPercent=60),
                            if_match=made["etag"])  # fmt: skip
    assert amended["version"] == 2 and amended["corrected"] is True and amended["capacityPercent"] == 60
    assert [h["capacityPercent"] for h in amended["history"]] == [60, 50]
    for user in (EMP, CM, BOSS):
        assert inbox_of(ports, user).items[0]["kind"] == "evaluation_corrected"
        listed = records.visible(ports, C, user).evaluations
        assert [(v["version"], v["corrected"]) for v in listed] == [(2, True)]


def test_an_amendment_needs_the_current_etag_and_is_the_authors_alone(ports: Ports) -> None:
    made = new(ports)
    first = records.amend(
        ports, caller(DOC), EVALUATION, C, made["id"], fields=evaluation(), if_match=made["etag"]
    )
    with pytest.raises(ConcurrencyConflict):
        records.amend(
            ports, caller(DOC), EVALUATION, C, made["id"], fields=evaluation(), if_match=made["etag"]
        )
    with pytest.raises(NotFound):
        records.amend(
            ports, caller(DOC2), EVALUATION, C, made["id"], fields=evaluation(), if_match=first["etag"]
        )
    assert len(records.read(ports, caller(DOC), EVALUATION, C, made["id"])["history"]) == 2


BAD_EVALUATIONS = [
    (evaluation(capacityPercent=101), "invalid_input", "capacityPercent"),
    (evaluation(capacityPercent=-1), "invalid_input", "capacityPercent"),
    (evaluation(capacityPercent="50"), "invalid_input", "capacityPercent"),
    (evaluation(capacityPercent=50.5), "invalid_input", "capacityPercent"),
    (evaluation(capacityPercent=None), "invalid_input", "capacityPercent"),
    (evaluation(validTo="2026-11-29"), "invalid_range", "validTo"),
    (evaluation(nextReview="2026-11-29"), "date_in_past", "nextReview"),
    (evaluation(diagnosis="F32.1"), "diagnosis_not_allowed", "diagnosis"),
    (evaluation(icd10="M54.5"), "diagnosis_not_allowed", "icd10"),
    (evaluation(mood="low"), "invalid_input", "mood"),
    (evaluation(validFrom="30.11.2026"), "invalid_input", "validFrom"),
    (evaluation(restrictions="x" * 4001), "invalid_input", "restrictions"),
]


@pytest.mark.parametrize(("body", "code", "field"), BAD_EVALUATIONS)
def test_bad_evaluations_are_refused_and_nothing_is_stored(
    ports: Ports, body: Any, code: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        records.create(ports, caller(DOC), EVALUATION, C, body, recipients=[CM])
    assert refused.value.code == code and field in [e.field for e in refused.value.field_errors]
    assert stored_count(ports, "evaluation") == 0 and stored_count(ports, "grant") == 0
    assert inbox_of(ports, EMP).items == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (feedback(attendance=11), "invalid_input"),
        (feedback(collaboration=True), "invalid_input"),
        (feedback(date="2026-12-01"), "feedback_date_in_future"),
        (feedback(attendance=None, workloadFit=None, collaboration=None, text="  "), "empty_feedback"),
        (feedback(diagnose="x"), "diagnosis_not_allowed"),
    ],
)
def test_bad_feedback_is_refused_and_nothing_is_stored(ports: Ports, body: Any, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        records.create(ports, caller(BOSS), FEEDBACK, C, body, recipients=[])
    assert refused.value.code == code
    assert stored_count(ports, "feedback") == 0


def test_only_a_doctor_writes_evaluations_and_only_the_employer_feedback(ports: Ports) -> None:
    for who in (EMP, BOSS, CM):
        with pytest.raises(PermissionDenied):
            new(ports, who=who)
    for who in (EMP, DOC, CM):
        with pytest.raises(PermissionDenied):
            records.create(ports, caller(who), FEEDBACK, C, feedback(), recipients=[])
    # The access table says the same for the routes.
    with pytest.raises(PermissionDenied):
        authorize(ports.store, BOSS, Action.EVALUATION_CREATE, {"caseId": C}, now=START)
    with pytest.raises(NotFound):
        authorize(ports.store, "stranger", Action.FEEDBACK_CREATE, {"caseId": C}, now=START)
    assert stored_count(ports, "evaluation") == stored_count(ports, "feedback") == 0


def test_a_recipient_who_is_no_participant_stores_nothing(ports: Ports) -> None:
    with pytest.raises(InvalidInput) as refused:
        new(ports, recipients=["nobody"])
    assert refused.value.code == "not_a_participant"
    assert stored_count(ports, "evaluation") == 0


def test_a_removed_participant_sees_nothing_any_more(ports: Ports) -> None:
    made = new(ports, recipients=[CM])
    participant = ports.store.read("cases", C, f"participant-{CM}")
    ports.store.replace("cases", {**participant, "status": "removed"}, if_match=participant["_etag"])
    assert sees(ports, CM) == []
    with pytest.raises(NotFound):
        authorize(
            ports.store, CM, Action.EVALUATION_READ, {"caseId": C, "evaluationId": made["id"]}, now=START
        )
    end_grants_of(ports, C, CM)
    assert sees(ports, EMP) == [made["id"]]


def test_content_is_sealed_at_rest(ports: Ports) -> None:
    made = new(ports)
    raw = ports.store.read("cases", C, f"evaluation-{made['id']}")
    assert SECRET not in json.dumps(raw) and "capacityPercent" not in json.dumps(raw)


def test_reads_by_others_are_audited(ports: Ports) -> None:
    made = new(ports, recipients=[CM])
    before = len(ports.store.query("cases", C, Query(equals={"type": "pending-effect"}, limit=1000)).items)
    records.read(ports, caller(CM), EVALUATION, C, made["id"])
    found = ports.store.query("cases", C, Query(equals={"type": "pending-effect"}, limit=1000)).items
    events = [e["event"] for e in found if e.get("kind") == "audit"]
    reads = [e for e in events if e["action"] == "evaluation:read"]
    assert len(found) == before + 1 and len(reads) == 1
    assert (reads[0]["ownerId"], reads[0]["actor"]) == (DOC, CM)


def test_the_list_pages_newest_first_for_the_employee(ports: Ports) -> None:
    ids = []
    for _ in range(3):
        ids.append(new(ports)["id"])
        assert isinstance(ports.clock, ManualClock)
        ports.clock.advance(seconds=1)
    page = records.listing_page(ports, caller(EMP), EVALUATION, C, Window(limit=2))
    assert [v["id"] for v in page.items] == ids[::-1][:2] and page.after is not None


def test_hooks_export_and_purge(ports: Ports) -> None:
    made = new(ports, recipients=[CM])
    exported = evaluation_hooks.export_owned(ports, C, DOC)
    assert [e["id"] for e in exported] == [made["id"]] and exported[0]["history"]
    assert [e["id"] for e in evaluation_hooks.export_owned(ports, C, EMP)] == [made["id"]]  # about her
    assert evaluation_hooks.export_owned(ports, C, CM) == []
    assert evaluation_hooks.purge_case(ports, C) == 1
    assert stored_count(ports, "evaluation") == 0 and stored_count(ports, "grant") == 0


# -- the capacity line ------------------------------------------------------------------------------


def ev(start: str, end: str | None, percent: int, ident: str, version: int = 1) -> Evaluated:
    return Evaluated(
        date.fromisoformat(start), date.fromisoformat(end) if end else None, percent, ident, version
    )


def test_capacity_steps_follow_the_newest_evaluation_from_its_first_day() -> None:
    steps = capacity_steps(
        [
            ev("2026-10-01", None, 0, "a"),
            ev("2026-11-01", "2026-11-15", 50, "b", 2),
            ev("2026-12-01", None, 80, "c"),
            ev("2026-12-01", None, 90, "d"),  # same day, later id: replaces c entirely
        ],
        date(2026, 9, 1),
        date(2026, 12, 31),
    )
    assert steps == [
        CapacityStep(date(2026, 10, 1), date(2026, 11, 1), 0, "a", 1),
        CapacityStep(date(2026, 11, 1), date(2026, 11, 16), 50, "b", 2),  # then a gap
        CapacityStep(date(2026, 12, 1), None, 90, "d", 1),
    ]
    assert steps[1].to_json()["corrected"] is True
    assert (
        capacity_steps([ev("2026-10-01", "2026-10-31", 10, "a")], date(2026, 11, 1), date(2026, 11, 30)) == []
    )


def test_the_dashboard_part_shows_only_what_the_viewer_may_see(ports: Ports) -> None:
    made = new(ports, recipients=[CM])
    records.create(ports, caller(BOSS), FEEDBACK, C, feedback(text="Feedback-geheim-0815"), recipients=[DOC])
    first, last = TODAY - timedelta(days=30), TODAY
    for who, capacity, fed in ((EMP, 1, 1), (CM, 1, 0), (DOC, 1, 1), (BOSS, 0, 1), (DOC2, 0, 0)):
        part = records.dashboard(ports, caller(who), C, first, last)
        assert (len(part["capacity"]), len(part["feedback"])) == (capacity, fed), who
        attendance = part["feedbackScales"][0]
        assert attendance["scale"] == "attendance" and len(attendance["dates"]) == fed
        if capacity:
            assert (
                part["capacity"][0]["evaluationId"] == made["id"]
                and part["evaluations"][0]["id"] == made["id"]
            )
        if not fed:
            assert "Feedback-geheim-0815" not in json.dumps(part)


# -- review days on amendments, and days far from today (audit of issue 16) ------------------------


def test_an_amendment_may_keep_a_passed_review_day_but_not_set_a_new_one(ports: Ports) -> None:
    made = new(ports, nextReview="2026-12-02")
    assert isinstance(ports.clock, ManualClock)
    ports.clock.advance(days=5)  # the review day has passed
    kept = records.amend(ports, caller(DOC), EVALUATION, C, made["id"],
                         fields=evaluation(capacityPercent=60, nextReview="2026-12-02"), if_match=made["etag"])  # fmt: skip
    assert (kept["version"], kept["nextReview"]) == (2, "2026-12-02")
    for passed in ("2026-12-03", "2020-01-01"):  # a new day, and one in the past: refused
        with pytest.raises(InvalidInput) as refused:
            records.amend(ports, caller(DOC), EVALUATION, C, made["id"],
                          fields=evaluation(nextReview=passed), if_match=kept["etag"])  # fmt: skip
        assert (refused.value.code, refused.value.field) == ("date_in_past", "nextReview")
    assert len(records.read(ports, caller(DOC), EVALUATION, C, made["id"])["history"]) == 2  # nothing stored


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"validTo": "9999-12-31"}, "validTo"),
        ({"validFrom": "0001-01-01"}, "validFrom"),
        ({"validFrom": "2040-01-01", "validTo": None}, "validFrom"),
        ({"nextReview": "9999-12-31"}, "nextReview"),
    ],
)
def test_days_far_from_today_are_refused(ports: Ports, changes: dict[str, Any], field: str) -> None:
    """A typo such as 9999 would otherwise be stored, and every dashboard and report of the case
    would fail on it (the day after 9999-12-31 does not exist)."""
    with pytest.raises(InvalidInput) as refused:
        new(ports, recipients=[CM], **changes)
    assert (refused.value.code, refused.value.field) == ("date_out_of_range", field)
    assert stored_count(ports, "evaluation") == 0
    with pytest.raises(InvalidInput) as old:
        records.create(ports, caller(BOSS), FEEDBACK, C, feedback(date="2019-01-01"), recipients=[])
    assert (old.value.code, old.value.field) == ("date_out_of_range", "date")
    # Five years either side are fine, and the dashboard draws them.
    made = new(ports, recipients=[CM], validFrom="2021-12-01", validTo="2031-11-30", nextReview="2031-11-30")
    part = records.dashboard(ports, caller(CM), C, TODAY - timedelta(days=30), TODAY)
    assert [step["evaluationId"] for step in part["capacity"]] == [made["id"]]


def test_a_dashboard_showing_others_records_is_audited_once_and_ones_own_not(ports: Ports) -> None:
    new(ports, recipients=[CM])

    def audits() -> list[str]:
        found = ports.store.query("cases", C, Query(equals={"type": "pending-effect"}, limit=1000)).items
        return sorted(e["event"]["action"] for e in found if e.get("kind") == "audit")

    before = audits()
    records.dashboard(ports, caller(DOC), C, TODAY - timedelta(days=30), TODAY)  # only her own
    assert audits() == before
    records.dashboard(ports, caller(CM), C, TODAY - timedelta(days=30), TODAY)  # the doctor's, shared
    assert audits() == sorted([*before, "evaluation:dashboard"])
