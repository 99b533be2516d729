"""Cases, the plan and participants audit themselves (issue 10): each change stores its audit
event — and an invitation its e-mail — as pending effects in the same batch as the change, in
the case's partition; a refused change leaves none; an audited read costs exactly one write.
The relay (``settle``) then puts the events into the chains and the e-mails into the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from shared import bootstrap
from shared.access.caller import Caller, Decision
from shared.adapters.outbox import OutboxMailer
from shared.audit import AuditLog, RecordedEvent, scope_for_case, scope_for_org, scope_for_user
from shared.cases import cases, participants, plan
from shared.errors import ConcurrencyConflict
from shared.identity import demo
from shared.paging import Window
from shared.ports import Ports, Query
from tests.fakes import CountingStore, ManualClock
from tests.unit.conftest import wire_counting
from tests.unit.settle import settle


@dataclass
class World:
    ports: Ports
    store: CountingStore
    org_id: str
    people: dict[str, str]

    def caller(self, role: str, request_id: str = "req-test") -> Caller:
        return Caller.user(self.people[role], request_id)

    def effects(self, case_id: str) -> list[dict[str, Any]]:
        return self.store.inner.query("cases", case_id, Query(equals={"type": "pending-effect"})).items

    def events(self, scope: str, **filters: Any) -> list[RecordedEvent]:
        return AuditLog(self.store.inner, self.ports.clock).query(scope, limit=200, **filters).events

    def tick(self) -> None:
        """The relay orders effects by time: let each step happen a moment after the last."""
        assert isinstance(self.ports.clock, ManualClock)
        self.ports.clock.advance(seconds=1)

    def outbox(self, to: str) -> list[dict[str, Any]]:
        assert isinstance(self.ports.mailer, OutboxMailer)
        return [m for m in self.ports.mailer.messages(limit=200) if m["to"] == to]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    ports, store = wire_counting(tmp_path)
    seeded = demo.seed_demo(ports) or []
    org_id = next(store.inner.scan("orgs", equals={"id": "org"}))["orgId"]
    yield World(ports, store, org_id, {a.role: a.user_id for a in seeded})
    bootstrap.reset()


def open_case(world: World, email: str = "new.employee@example.ch") -> dict[str, Any]:
    return cases.create(
        world.ports,
        world.caller("case_manager", "req-open"),
        world.org_id,
        employee_email=email,
        employee_name="New Employee",
        employee_language="de",
    )


STAGE = {"fromDate": date(2026, 12, 1), "workloadPercent": 40, "tasks": "Morgens", "nextReview": None}


def test_opening_a_case_stores_its_event_and_the_invitation_with_the_changes(world: World) -> None:
    case = open_case(world)
    case_id, employee = case["caseId"], case["employeeUserId"]
    pending = world.effects(case_id)
    assert sorted(e["kind"] for e in pending) == ["audit", "email"]  # beside the case, not elsewhere
    assert world.events(scope_for_case(case_id)) == []  # no chain touched on the request path
    assert world.outbox("new.employee@example.ch") == []  # no mail service either
    report = settle(world.ports)
    assert report.ok and report.emails_queued == 1
    [created] = world.events(scope_for_case(case_id))
    assert (created.event.action, created.event.actor, created.event.owner_id, created.event.request_id) == (
        "case:create",
        world.people["case_manager"],
        employee,
        "req-open",
    )
    assert world.events(scope_for_org(world.org_id), action="case:create")
    [mail] = world.outbox("new.employee@example.ch")
    assert "#token=" in mail["text"] and "New Employee" not in mail["text"]
    assert world.effects(case_id) == []


def test_case_changes_are_audited_once_and_a_refused_change_leaves_nothing(world: World) -> None:
    case = open_case(world)
    case_id = case["caseId"]
    settle(world.ports)
    manager = world.caller("case_manager", "req-close")
    with pytest.raises(ConcurrencyConflict):
        cases.close(world.ports, manager, case_id, if_match='"stale"')
    assert world.effects(case_id) == []
    world.tick()
    closed = cases.close(world.ports, manager, case_id, if_match=case["_etag"])
    assert closed["status"] == "closed" and closed["_etag"] != case["_etag"]
    world.tick()
    admin = world.caller("org_admin", "req-hold")
    held = cases.set_legal_hold(world.ports, admin, case_id, True, if_match=closed["_etag"])
    world.tick()
    cases.reopen(world.ports, manager, case_id, if_match=held["_etag"])
    settle(world.ports)
    actions = [(r.event.action, r.event.actor) for r in world.events(scope_for_case(case_id))]
    assert actions == [
        ("case:reopen", world.people["case_manager"]),
        ("case:legal_hold", world.people["org_admin"]),
        ("case:close", world.people["case_manager"]),
        ("case:create", world.people["case_manager"]),
    ]


def test_plan_writes_carry_their_event_in_the_batch_of_the_stage_and_its_history(world: World) -> None:
    case = open_case(world)
    case_id, employee = case["caseId"], case["employeeUserId"]
    settle(world.ports)
    manager = world.caller("case_manager")
    stage = plan.create_stage(world.ports, manager, case_id, STAGE)
    updated = plan.update_stage(
        world.ports,
        manager,
        case_id,
        stage["stageId"],
        {**STAGE, "workloadPercent": 60},
        if_match=stage["_etag"],
    )
    with pytest.raises(ConcurrencyConflict):
        plan.delete_stage(world.ports, manager, case_id, stage["stageId"], if_match=stage["_etag"])
    plan.delete_stage(world.ports, manager, case_id, stage["stageId"], if_match=updated["_etag"])
    settle(world.ports)
    writes = world.events(scope_for_case(case_id), action="plan:write")
    assert [(r.event.target_type, r.event.target_id) for r in writes] == [("stage", stage["stageId"])] * 3
    assert {r.event.owner_id for r in writes} == {employee}


def test_audited_reads_cost_one_write_and_belong_to_the_employee(world: World) -> None:
    case = open_case(world, "emma@example.ch")
    case_id, employee = case["caseId"], case["employeeUserId"]
    plan.create_stage(world.ports, world.caller("case_manager"), case_id, STAGE)
    settle(world.ports)
    doctor = Caller(
        Decision(actor=world.people["doctor"], action=None, relation="case", case_id=case_id), "req-read"
    )
    for read in (
        lambda: cases.read(world.ports, doctor, case_id),
        lambda: plan.stages_page(world.ports, doctor, case_id, Window()),
        lambda: plan.history_page(world.ports, doctor, case_id, Window()),
    ):
        world.store.reset()
        read()
        assert world.store.writes == [("create", "cases")]  # one pending effect, no chain head
    settle(world.ports)
    seen = {
        r.event.action for r in AuditLog(world.store.inner, world.ports.clock).accesses_to(employee).events
    }
    assert {"case:read", "plan:read", "plan:read_history"} <= seen
    org_reads = world.events(scope_for_org(world.org_id), action="plan:read")
    assert [r.event.org_id for r in org_reads] == [world.org_id]  # the relay named the organisation


def test_participants_are_invited_and_removed_with_their_events_and_e_mail(world: World) -> None:
    case_id = open_case(world)["caseId"]
    world.tick()
    manager = world.caller("case_manager", "req-invite")
    invited = participants.invite(
        world.ports, manager, case_id, email="dr.who@example.ch", name="Dr Who", language="en", role="doctor"
    )
    assert invited["orgId"] == world.org_id  # the access check names the organisation from it
    settle(world.ports)
    [mail] = world.outbox("dr.who@example.ch")
    assert "Dr Who" not in mail["text"] and "doctor" not in mail["text"].lower()
    world.tick()
    participants.remove(world.ports, world.caller("case_manager", "req-remove"), case_id, invited["userId"])
    settle(world.ports)
    events = world.events(scope_for_case(case_id))
    assert [(r.event.action, r.event.target_id, r.event.request_id) for r in events[:2]] == [
        ("participant:remove", invited["userId"], "req-remove"),
        ("participant:invite", invited["userId"], "req-invite"),
    ]
    employee_chain = world.events(scope_for_user(events[0].event.owner_id or ""))
    assert {r.event.action for r in employee_chain} >= {"participant:invite", "participant:remove"}
