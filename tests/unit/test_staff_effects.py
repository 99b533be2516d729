"""Staff administration and credentials leave their side effects safely (issue 10): the audit
event and the e-mail of an invitation, a resend, a revocation, a role change, a password change
and a reset request are pending effects stored in the batch of the change, sent only by the
relay and the mail sender (``settle``), never on the request path."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from shared import bootstrap
from shared.access.caller import Caller
from shared.adapters.outbox import OutboxMailer
from shared.audit import SYSTEM_ACTOR, AuditLog, RecordedEvent, scope_for_org
from shared.errors import ConcurrencyConflict
from shared.identity import credentials, demo, invitations, orgs, staff
from shared.ports import Ports, Query
from tests.fakes import CountingStore, ManualClock
from tests.unit.conftest import wire_counting
from tests.unit.settle import settle

NEW = "new.staff@example.ch"


@dataclass
class World:
    ports: Ports
    store: CountingStore
    org_id: str
    admin: Caller
    manager: demo.DemoAccount

    def tick(self) -> None:
        assert isinstance(self.ports.clock, ManualClock)
        self.ports.clock.advance(seconds=1)

    def effects(self, container: str, partition: str) -> list[dict[str, Any]]:
        return self.store.inner.query(container, partition, Query(equals={"type": "pending-effect"})).items

    def events(self, **filters: Any) -> list[RecordedEvent]:
        log = AuditLog(self.store.inner, self.ports.clock)
        return log.query(scope_for_org(self.org_id), limit=200, **filters).events

    def outbox(self, to: str) -> list[dict[str, Any]]:
        assert isinstance(self.ports.mailer, OutboxMailer)
        return [m for m in self.ports.mailer.messages(limit=200) if m["to"] == to]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    ports, store = wire_counting(tmp_path)
    seeded = {a.role: a for a in demo.seed_demo(ports) or []}
    org_id = next(store.inner.scan("orgs", equals={"id": "org"}))["orgId"]
    admin = Caller.user(seeded["org_admin"].user_id, "req-admin")
    yield World(ports, store, org_id, admin, seeded["case_manager"])
    bootstrap.reset()


def invite(world: World, caller: Caller | None = None) -> dict[str, Any]:
    return staff.invite(
        world.ports,
        caller or world.admin,
        world.org_id,
        email=NEW,
        name="New Staff",
        language="en",
        role="case_manager",
    )


def test_an_invitation_stores_its_event_and_e_mail_with_the_index(world: World) -> None:
    index = invite(world)
    assert sorted(e["kind"] for e in world.effects("orgs", world.org_id)) == ["audit", "email"]
    assert world.outbox(NEW) == [] and world.events() == []  # nothing left the request yet
    settle(world.ports)
    [event] = world.events(action="staff:invite")
    assert (event.event.actor, event.event.target_id) == (world.admin.actor, index["invitationId"])
    [mail] = world.outbox(NEW)
    assert "#token=" in mail["text"] and "New Staff" not in mail["text"]
    assert world.effects("orgs", world.org_id) == []


def test_resend_and_revoke_are_audited_and_only_the_new_link_is_mailed(world: World) -> None:
    index = invite(world)
    settle(world.ports)
    world.tick()
    staff.resend(world.ports, world.admin, world.org_id, index["invitationId"])
    settle(world.ports)
    first, second = (m["text"].split("#token=")[1].split()[0] for m in reversed(world.outbox(NEW)))
    with pytest.raises(invitations.InvitationRevoked):
        invitations.open_invitation(world.store.inner, world.ports.clock, first)
    assert invitations.open_invitation(world.store.inner, world.ports.clock, second)
    world.tick()
    revoked = staff.revoke(world.ports, world.admin, world.org_id, index["invitationId"])
    assert revoked["status"] == "revoked"
    settle(world.ports)
    actions = [r.event.action for r in world.events()]
    assert actions[:3] == ["invitation:revoke", "invitation:resend", "staff:invite"]
    assert len(world.outbox(NEW)) == 2  # the revocation sends nothing


def test_role_changes_are_audited_in_the_batch_and_a_stale_one_leaves_nothing(world: World) -> None:
    member = orgs.member(world.store.inner, world.org_id, world.manager.user_id)
    change = {"roles": ["case_manager", "org_admin"], "access_all_cases": True}
    with pytest.raises(ConcurrencyConflict):
        staff.update(world.ports, world.admin, world.org_id, world.manager.user_id, **change, if_match='"x"')
    assert world.effects("orgs", world.org_id) == []
    updated = staff.update(
        world.ports, world.admin, world.org_id, world.manager.user_id, **change, if_match=member["_etag"]
    )
    assert updated["accessAllCases"] is True
    settle(world.ports)
    [event] = world.events(action="staff:update")
    assert (event.event.target_type, event.event.target_id) == ("user", world.manager.user_id)


def test_reading_the_staff_list_costs_one_write(world: World) -> None:
    world.store.reset()
    assert {m["userId"] for m in staff.members(world.ports, world.admin, world.org_id)} >= {
        world.manager.user_id
    }
    assert world.store.writes == [("create", "orgs")]
    settle(world.ports)
    assert [r.event.target_type for r in world.events(action="staff:read")] == ["org"]


def test_the_cli_invites_as_the_system(world: World) -> None:
    index = invite(world, Caller.system())
    assert index["invitedBy"] is None
    settle(world.ports)
    [event] = world.events(action="staff:invite")
    assert event.event.actor == SYSTEM_ACTOR and event.event.request_id.startswith("sys-")
    assert len(world.outbox(NEW)) == 1


def test_credential_e_mails_wait_for_the_relay(world: World) -> None:
    user_id, email = world.manager.user_id, world.manager.email
    credentials.change_password(world.ports, user_id, demo.DEMO_PASSWORD, "a brand new passphrase 99", None)
    [notice] = world.effects("users", user_id)
    assert notice["kind"] == "email" and world.outbox(email) == []
    credentials.request_reset(world.ports, email, "client-1")
    assert world.outbox(email) == []
    settle(world.ports)
    assert sorted(m["tag"] for m in world.outbox(email)) == ["password-changed", "password-reset"]
    assert world.effects("users", user_id) == []
