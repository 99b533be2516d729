"""Cases to purge, made through the real services, and the checks after a purge — shared by the
unit tier (memory / SQLite), the contract tier (Cosmos + Azurite) and the key-destruction test.

    world = RetentionWorld.seeded(ports)           # the demo organisation and its five people
    case_id = world.full_case()                    # documents, notes, reflections, shares, plan …
    world.close(case_id); world.age(years=3, days=40)
    purge.run(ports)                               # notices; then, a notice period later, the purge
    assert leftovers(ports, case_id) == []         # only the tombstone and audit events remain
"""

from __future__ import annotations

import dataclasses
import json
import random
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from shared.access.caller import Caller
from shared.cases import cases, participants, plan
from shared.crypto.case_keys import CaseCipher, CaseKeys
from shared.documents import documents
from shared.errors import BackendUnavailable
from shared.identity import demo
from shared.notes import notes
from shared.ports import CONTAINERS, Ports, Query
from shared.reflections import reflections
from shared.retention import purge
from shared.sharing import share
from tests.fakes import FailingPorts, ManualClock
from tests.unit.settle import settle

__all__ = ["RetentionWorld", "failing", "fault_rounds", "leftovers", "snapshot"]


@dataclass
class RetentionWorld:
    ports: Ports
    org_id: str
    people: dict[str, str]

    @classmethod
    def seeded(cls, ports: Ports) -> RetentionWorld:
        seeded = demo.seed_demo(ports) or []
        org_id = next(ports.store.scan("orgs", equals={"id": "org"}))["orgId"]
        return cls(ports, org_id, {a.role: a.user_id for a in seeded})

    def caller(self, role: str, case_id: str | None = None) -> Caller:
        return Caller.user(self.people[role], f"req-{uuid.uuid4().hex[:12]}", case_id=case_id)

    @property
    def clock(self) -> ManualClock:
        assert isinstance(self.ports.clock, ManualClock)
        return self.ports.clock

    def full_case(self, *, docs: int = 2, note_count: int = 2, days: int = 2) -> str:
        """An open case with the employee, a doctor and the employer active, an invited employee
        address (invitation + link), the plan, documents (one replaced: two blobs), notes,
        reflections, shares with their notifications — everything a purge must remove."""
        manager = self.caller("case_manager")
        case = cases.create(
            self.ports,
            manager,
            self.org_id,
            employee_email=str(self.ports.store.read("users", self.people["employee"], "profile")["email"]),
            employee_name="Sam Subject",
            employee_language="de",
        )
        case_id = str(case["caseId"])
        for role in ("employee", "doctor", "employer"):
            participants.add_active(self.ports, case, self.people[role], role)
        stage = {
            "fromDate": reflections.today(self.ports) + timedelta(days=7),
            "workloadPercent": 40,
            "tasks": "Morgens",
            "nextReview": None,
        }
        plan.create_stage(self.ports, self.caller("case_manager", case_id), case_id, stage)
        employee = self.caller("employee", case_id)
        for i in range(docs):
            doc = documents.upload(
                self.ports, employee, case_id, data=b"health data %d\n" % i, declared_type="text/plain",
                file_name=f"befund-{i}.txt", title=f"Befund {i}", category="other",
            )  # fmt: skip
            if i == 0:
                documents.replace(
                    self.ports, employee, case_id, doc["id"], if_match=doc["etag"], data=b"v2\n",
                    declared_type="text/plain", file_name="befund-0.txt",
                )  # fmt: skip
                share(
                    self.ports,
                    employee,
                    case_id,
                    "doc",
                    doc["id"],
                    grantee_id=self.people["doctor"],
                    expires_at=None,
                )
        for i in range(note_count):
            note = notes.create(self.ports, employee, case_id, title=f"Notiz {i}", body="vertraulich")
            if i == 0:
                share(
                    self.ports,
                    employee,
                    case_id,
                    "note",
                    note["id"],
                    grantee_id=self.people["doctor"],
                    expires_at=None,
                )
        today = reflections.today(self.ports)
        for back in range(days):
            reflections.put_entry(
                self.ports, employee, case_id, (today - timedelta(days=back)).isoformat(),
                scales={"wellbeing": 6}, texts={"note": "müde"}, if_match=None, if_none_match="*",
            )  # fmt: skip
        settle(self.ports)
        return case_id

    def close(self, case_id: str) -> None:
        manager = self.caller("case_manager", case_id)
        etag = cases.summary(self.ports, case_id)["etag"]
        cases.close(self.ports, manager, case_id, if_match=etag)
        settle(self.ports)

    def age(self, **delta: float) -> None:
        self.clock.advance(**delta)


def failing(ports: Ports, fail_after: int | None) -> tuple[Ports, FailingPorts]:
    """``ports`` whose store and blob store fail after ``fail_after`` calls (see FailingPorts);
    the case keys read through the failing store too, with an empty cache."""
    fault = FailingPorts(ports.store, ports.blobs, fail_after)
    keys = CaseKeys(fault.store, ports.key_ring, ports.clock)
    wrapped = dataclasses.replace(
        ports, store=fault.store, blobs=fault.blobs, case_keys=keys, cipher=CaseCipher(keys)
    )
    return wrapped, fault


def leftovers(ports: Ports, case_id: str) -> list[str]:
    """Everything at rest that still carries the case id, except the tombstone and the audit
    events: every item of every container (a scan: tests only), every blob name, the key."""
    found = []
    for container in CONTAINERS:
        if container == "audit":
            continue
        for item in ports.store.scan(container):
            if case_id not in json.dumps(item):
                continue
            if container == "cases" and item["id"] == "case" and item.get("status") == "purged":
                continue
            found.append(f"{container}/{item.get(CONTAINERS[container])}/{item['id']}")
    found += [f"blob:{name}" for name in ports.blobs.list() if case_id in name]
    return found


def tombstone(ports: Ports, case_id: str) -> dict[str, Any]:
    item = ports.store.read("cases", case_id, "case")
    return {k: v for k, v in item.items() if not k.startswith("_")}


def snapshot(ports: Ports) -> dict[str, str]:
    """Every item's ETag by container/partition/id, and every blob name: what a run changed."""
    state = {}
    for container, field in CONTAINERS.items():
        for item in ports.store.scan(container):
            state[f"{container}/{item[field]}/{item['id']}"] = str(item["_etag"])
    state.update({f"blob:{name}": "" for name in ports.blobs.list()})
    return state


def audit_effects(ports: Ports, case_id: str) -> list[dict[str, Any]]:
    return ports.store.query("cases", case_id, Query(equals={"type": "pending-effect"})).items


def due_case(world: RetentionWorld) -> str:
    """A full case, closed, aged past its purge day and noticed a full notice period ago: the
    next run purges it."""
    case_id = world.full_case(docs=2, note_count=2, days=2)
    world.close(case_id)
    world.age(days=3 * 366 + 1)
    assert purge.run(world.ports).notices == 1
    settle(world.ports)
    world.age(days=31)
    return case_id


def fault_rounds(world: RetentionWorld, *, rounds: int | None = 20, seed: int = 19) -> list[int]:
    """The purge made to fail at a random step ``rounds`` times (distinct steps; ``None``: at
    every step, in order), rerun after each: every round ends converged — a tombstone, the key
    gone, no orphan anywhere, the audit chains intact — and a further run changes nothing.
    Returns the step each round failed at."""
    from shared.audit import AuditLog

    probe = due_case(world)
    wrapped, fault = failing(world.ports, None)
    assert purge.run(wrapped).purged == 1
    length = fault.calls  # calls of one run that purges one case
    settle(world.ports)
    assert leftovers(world.ports, probe) == []
    every = range(1, length)
    steps = list(every) if rounds is None else random.Random(seed).sample(every, min(rounds, len(every)))
    for step in steps:
        case_id = due_case(world)
        wrapped, fault = failing(world.ports, step)
        try:
            report = purge.run(wrapped)
            assert report.failed == 1, (step, report)
        except BackendUnavailable:
            pass  # died before reaching a case (the schedule, the notices): the timer fails
        assert fault.tripped, step
        again = purge.run(world.ports)
        assert (again.purged + again.resumed, again.failed) == (1, 0), (step, again)
        settle(world.ports)
        assert leftovers(world.ports, case_id) == [], step
        assert tombstone(world.ports, case_id)["status"] == "purged", step
        before = snapshot(world.ports)
        quiet = purge.run(world.ports)
        assert (quiet.due, quiet.purged, quiet.resumed, quiet.failed) == (0, 0, 0, 0), step
        assert snapshot(world.ports) == before, step  # a second run does nothing new
    results = AuditLog(world.ports.store, world.ports.clock).verify_all()
    assert all(r.ok for r in results), [p for r in results for p in r.problems]
    return steps
