"""Break-glass for an organisation's own staff and the temporary-access overview (issue 23), on the
memory store with an injected clock: the window opens with a reason, covers the summary and the
plan (never an item), ends after the configured hours, with the flag, or when an admin ends it;
the audit event carries the reason, the admins are alerted, the reads are counted from the audit
index, a review needs the version the admin saw, and the CSV export neutralises formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from shared import bootstrap
from shared.access.caller import Caller
from shared.access.check import authorize
from shared.access.permissions import Action
from shared.adapters.outbox import OutboxMailer
from shared.audit import AuditLog, scope_for_case, scope_for_org
from shared.cases import cases
from shared.errors import ConcurrencyConflict, InvalidInput, NotFound, PermissionDenied
from shared.identity import accounts, demo, orgs
from shared.notifications import emails as notification_emails
from shared.notifications.inbox import inbox
from shared.paging import Window
from shared.ports import Ports, Query
from shared.tempaccess import breakglass, reminders, review
from tests.fakes import ManualClock
from tests.unit.conftest import wire_counting
from tests.unit.settle import settle


@dataclass
class World:
    ports: Ports
    org_id: str
    admin: str
    staff: str
    case_id: str
    other_case: str

    @property
    def clock(self) -> ManualClock:
        assert isinstance(self.ports.clock, ManualClock)
        return self.ports.clock

    def allowed(self, action: Action, case_id: str | None = None) -> bool:
        try:
            authorize(
                self.ports.store,
                self.staff,
                action,
                {"caseId": case_id or self.case_id},
                now=self.clock.now(),
            )
        except (NotFound, PermissionDenied):
            return False
        return True

    def open(self, reason: str = "covering for Carla, urgent call") -> dict[str, object]:
        return breakglass.open_case(
            self.ports,
            Caller.user(self.staff, "req-bg"),
            self.org_id,
            self.case_id,
            outside=True,
            reason=reason,
        )

    def records(self) -> list[dict[str, object]]:
        return self.ports.store.query("orgs", self.org_id, Query(equals={"type": "temp_access"})).items


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    ports, _ = wire_counting(tmp_path)
    seeded = {a.role: a for a in demo.seed_demo(ports) or []}
    org_id = next(ports.store.scan("orgs", equals={"id": "org"}))["orgId"]
    manager = Caller.user(seeded["case_manager"].user_id, "req-cm")
    case = cases.create(
        ports,
        manager,
        org_id,
        employee_email="e@example.invalid",
        employee_name="Eva E",
        employee_language="en",
    )
    staff = accounts.create_invited_user(
        ports.store, ports.clock, email="s@example.invalid", name="Sam Staff", language="en"
    )
    member = orgs.add_member(ports.store, ports.clock, org_id, staff, ["case_manager"])
    orgs.update_member(
        ports.store, org_id, staff, roles=["case_manager"], access_all_cases=True, if_match=member["_etag"]
    )
    other_org = orgs.create_org(ports.store, ports.clock, "Other AG")
    orgs.add_member(ports.store, ports.clock, other_org, manager.actor, ["case_manager"])
    other = cases.create(
        ports,
        manager,
        other_org,
        employee_email="o@example.invalid",
        employee_name="Otto",
        employee_language="en",
    )
    yield World(ports, org_id, seeded["org_admin"].user_id, staff, case["caseId"], other["caseId"])
    bootstrap.reset()


def test_the_window_opens_with_a_reason_covers_summary_and_plan_and_closes_after_the_hours(
    world: World,
) -> None:
    assert not world.allowed(Action.CASE_READ)  # the flag alone opens nothing
    record = world.open()
    assert world.allowed(Action.CASE_READ) and world.allowed(Action.PLAN_READ)
    for action in (Action.NOTE_LIST, Action.DOCUMENT_LIST, Action.PLAN_WRITE, Action.MESSAGE_THREADS):
        assert not world.allowed(action), action
    assert not world.allowed(Action.CASE_READ, world.other_case)
    assert str(record["untilAt"]) > str(record["fromAt"])
    world.clock.advance(hours=7, minutes=59)
    assert world.allowed(Action.CASE_READ)
    world.clock.advance(minutes=2)  # 8 h and a minute after opening
    assert not world.allowed(Action.CASE_READ) and not world.allowed(Action.PLAN_READ)
    [view] = breakglass.overview_page(
        world.ports, Caller.user(world.admin, "r"), world.org_id, Window()
    ).items
    assert view["status"] == "expired" and view["kind"] == "break_glass" and view["userName"] == "Sam Staff"
    assert view["caseName"] == "Eva E"  # the admin reviews "the case of Eva E", not an id


def test_removing_the_flag_or_an_admin_ending_it_closes_the_window(world: World) -> None:
    record = world.open()
    member = orgs.member(world.ports.store, world.org_id, world.staff)
    orgs.update_member(
        world.ports.store,
        world.org_id,
        world.staff,
        roles=["case_manager"],
        access_all_cases=False,
        if_match=member["_etag"],
    )
    assert not world.allowed(Action.CASE_READ)
    member = orgs.member(world.ports.store, world.org_id, world.staff)
    orgs.update_member(
        world.ports.store,
        world.org_id,
        world.staff,
        roles=["case_manager"],
        access_all_cases=True,
        if_match=member["_etag"],
    )
    assert world.allowed(Action.CASE_READ)
    ended = breakglass.end(world.ports, Caller.user(world.admin, "r"), world.org_id, str(record["accessId"]))
    assert ended["status"] == "ended" and not world.allowed(Action.CASE_READ)
    again = breakglass.end(world.ports, Caller.user(world.admin, "r"), world.org_id, str(record["accessId"]))
    assert again["endedAt"] == ended["endedAt"]  # idempotent


@pytest.mark.parametrize(
    ("outside", "reason", "field"),
    [
        (True, "", "reason"),
        (True, "   ", "reason"),
        (False, "ok", "outsideAuthorisation"),
        (True, "a\nb", "reason"),
    ],
)
def test_bad_input_is_refused_and_nothing_stored(
    world: World, outside: bool, reason: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        breakglass.open_case(
            world.ports,
            Caller.user(world.staff, "r"),
            world.org_id,
            world.case_id,
            outside=outside,
            reason=reason,
        )
    assert refused.value.field == field
    assert world.records() == [] and not world.allowed(Action.CASE_READ)


def test_a_case_of_another_organisation_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        breakglass.open_case(
            world.ports,
            Caller.user(world.staff, "r"),
            world.org_id,
            world.other_case,
            outside=True,
            reason="x",
        )
    assert world.records() == []


def test_audit_event_with_reason_admin_alert_reads_counted_review_and_csv(world: World) -> None:
    record = world.open('=HYPERLINK("http://evil")')
    staff = Caller.user(world.staff, "r")
    decision = authorize(
        world.ports.store, world.staff, Action.CASE_READ, {"caseId": world.case_id}, now=world.clock.now()
    )
    as_staff = Caller(decision, "req-read")
    cases.read(world.ports, as_staff, world.case_id)
    cases.read(world.ports, as_staff, world.case_id)
    settle(world.ports)
    events = (
        AuditLog(world.ports.store, world.ports.clock).query(scope_for_org(world.org_id), limit=200).events
    )
    opened = [e.event for e in events if e.event.action == "case:break_glass"]
    assert (
        len(opened) == 1
        and opened[0].reason == '=HYPERLINK("http://evil")'
        and opened[0].actor == world.staff
    )
    reads = [e.event for e in events if e.event.action == "case:read" and e.event.actor == world.staff]
    assert len(reads) == 2 and {r.grant_id for r in reads} == {record["accessId"]}
    assert breakglass.access_reads(world.ports, world.org_id, str(record["accessId"]))["reads"] == 2
    alerts = inbox(world.ports, world.admin).items
    assert [(a["kind"], a["caseId"]) for a in alerts] == [("break_glass", world.case_id)]
    assert inbox(world.ports, staff.actor).items == []

    admin = Caller.user(world.admin, "req-admin")
    [view] = breakglass.overview_page(world.ports, admin, world.org_id, Window()).items
    assert view["status"] == "active" and view["reviewedAt"] is None
    reviewed = breakglass.review(
        world.ports,
        admin,
        world.org_id,
        str(view["accessId"]),
        comment="+ok, asked Carla",
        if_match=str(view["etag"]),
    )
    assert reviewed["reviewedBy"] == world.admin and reviewed["reviewComment"] == "+ok, asked Carla"
    with pytest.raises(ConcurrencyConflict):
        breakglass.review(
            world.ports, admin, world.org_id, str(view["accessId"]), comment="", if_match=str(view["etag"])
        )
    with pytest.raises(NotFound):
        breakglass.review(world.ports, admin, world.org_id, "0" * 32, comment="", if_match=str(view["etag"]))

    rows = list(csv.reader(io.StringIO(breakglass.export_csv(world.ports, admin, world.org_id))))
    header, row = rows[0], rows[1]
    cells = dict(zip(header, row, strict=True))
    assert cells["reason"] == '\'=HYPERLINK("http://evil")' and cells["reviewComment"] == "'+ok, asked Carla"
    assert cells["reads"] == "2" and cells["userName"] == "Sam Staff" and cells["kind"] == "break_glass"


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_cells_are_neutralised(text: str) -> None:
    assert breakglass.neutralise(text) == "'" + text
    assert breakglass.neutralise("plain - text") == "plain - text" and breakglass.neutralise(None) == ""


def test_the_overview_looks_back_the_configured_days(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.open()
    admin = Caller.user(world.admin, "r")
    world.clock.advance(days=29)
    assert len(breakglass.overview_page(world.ports, admin, world.org_id, Window()).items) == 1
    world.clock.advance(days=2)
    assert breakglass.overview_page(world.ports, admin, world.org_id, Window()).items == []
    monkeypatch.setenv("CASEDESK_TEMP_ACCESS_DAYS", "40")
    assert len(breakglass.overview_page(world.ports, admin, world.org_id, Window()).items) == 1


def test_the_access_review_shows_people_the_live_grant_and_last_access(world: World) -> None:
    record = world.open()
    decision = authorize(
        world.ports.store, world.staff, Action.CASE_READ, {"caseId": world.case_id}, now=world.clock.now()
    )
    cases.read(world.ports, Caller(decision, "req-read"), world.case_id)
    settle(world.ports)
    admin = Caller.user(world.admin, "r")
    found = review.page(world.ports, admin, world.case_id, Window())
    assert {(p["role"], p["status"]) for p in found["people"]} == {
        ("case_manager", "active"),
        ("employee", "invited"),
    }
    assert [g["accessId"] for g in found["grants"]] == [record["accessId"]]
    facts = review.person(world.ports, world.case_id, world.staff)
    assert facts["sharedItems"] == 0 and facts["lastAccessAt"] is not None
    world.clock.advance(hours=9)
    assert review.page(world.ports, admin, world.case_id, Window())["grants"] == []
    assert review.person(world.ports, world.case_id, "nobody")["lastAccessAt"] is None


def test_the_monthly_reminder_reaches_each_admin_once_a_month(world: World) -> None:
    assert reminders.remind(world.ports) == 2  # the demo organisation and the other one
    assert reminders.remind(world.ports) == 0  # idempotent within the month
    kinds = [n["kind"] for n in inbox(world.ports, world.admin).items]
    assert kinds.count("access_review_due") == 1
    world.clock.advance(days=32)
    assert reminders.remind(world.ports) == 2
    assert [n["kind"] for n in inbox(world.ports, world.admin).items].count("access_review_due") == 2


def test_asking_a_participant_to_check_their_shares_notifies_them_and_ends_nothing(world: World) -> None:
    admin = Caller.user(world.admin, "r")
    manager = next(
        p["userId"]
        for p in review.page(world.ports, admin, world.case_id, Window())["people"]
        if p["role"] == "case_manager"
    )
    review.ask_to_check(world.ports, admin, world.case_id, manager)
    assert [n["kind"] for n in inbox(world.ports, manager).items] == ["shares_check"]
    with pytest.raises(NotFound):  # not an active participant (the employee is still invited)
        review.ask_to_check(world.ports, admin, world.case_id, world.staff)
    settle(world.ports)
    events = (
        AuditLog(world.ports.store, world.ports.clock).query(scope_for_org(world.org_id), limit=200).events
    )
    assert [e.event.target_id for e in events if e.event.action == "access_review:ask"] == [manager]


def test_opening_the_review_is_not_a_review_marking_it_done_is(world: World) -> None:
    admin = Caller.user(world.admin, "r")
    for _ in range(2):  # looking twice (with the audit events relayed) reviews nothing
        assert review.page(world.ports, admin, world.case_id, Window())["lastReviewedAt"] is None
        settle(world.ports)
    with pytest.raises(InvalidInput):
        review.mark_done(world.ports, admin, world.case_id, comment="two\nlines")
    world.clock.advance(hours=1)
    done = review.mark_done(world.ports, admin, world.case_id, comment="  Elsa left the case team  ")
    assert done["lastReviewedBy"] == world.admin and done["lastReviewComment"] == "Elsa left the case team"
    found = review.page(world.ports, admin, world.case_id, Window())
    assert found["lastReviewedAt"] == done["lastReviewedAt"] == world.clock.now().isoformat()
    assert found["lastReviewedByName"] == done["lastReviewedByName"] != ""
    world.clock.advance(days=31)
    again = review.mark_done(world.ports, admin, world.case_id, comment="")
    assert (
        review.page(world.ports, admin, world.case_id, Window())["lastReviewedAt"] == again["lastReviewedAt"]
    )
    assert again["lastReviewComment"] is None
    settle(world.ports)
    events = (
        AuditLog(world.ports.store, world.ports.clock).query(scope_for_case(world.case_id), limit=200).events
    )
    assert [e.event.actor for e in events if e.event.action == "access_review:done"] == [world.admin] * 2


def test_every_admin_is_alerted_by_a_content_free_email_even_with_email_notices_off(world: World) -> None:
    profile = accounts.profile(world.ports.store, world.admin)
    accounts.update_profile(
        world.ports.store, world.admin, {"emailNotifications": False}, if_match=profile["_etag"]
    )
    settle(world.ports)
    assert isinstance(world.ports.mailer, OutboxMailer)
    before = len(world.ports.mailer.messages(limit=1000))
    world.open("Carla is ill")
    settle(world.ports)
    mails = world.ports.mailer.messages(limit=1000)
    [mail] = mails[: len(mails) - before]
    assert mail["to"] == profile["email"] and mail["tag"] == notification_emails.TAG
    for body in (mail["subject"], mail["text"], mail["html"]):
        for secret in ("Carla", world.case_id, world.org_id, "Sam Staff", "Eva"):
            assert secret not in body
