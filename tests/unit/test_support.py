"""Support access with the organisation's consent (issue 22), on the memory store with an injected
clock: request → approve (narrowed) / deny → step-up activation with a fresh code → read-only,
scoped, pseudonymised views → expiry and revocation at the very next request; bad input changes
nothing; every audit event carries the grant id and reason; the overview lists support grants."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from shared import bootstrap
from shared.access.caller import Caller, Decision
from shared.access.check import authorize
from shared.access.permissions import Action
from shared.audit import AuditLog, scope_for_org
from shared.audit.events import scope_for_case
from shared.cases import cases, plan
from shared.errors import CaseDeskError, Conflict, InvalidInput, NotFound, PermissionDenied
from shared.identity import accounts, demo, operators, orgs
from shared.identity.totp import TotpReplay
from shared.notifications.inbox import inbox
from shared.paging import Window
from shared.ports import Item, Ports, Query
from shared.support import activation, grants, listing, local_operators, views
from shared.tempaccess import breakglass
from tests.fakes import ManualClock
from tests.unit.conftest import wire_counting
from tests.unit.settle import settle

EMPLOYEE = ("Eva Echt", "eva.echt@example.invalid")


def code_at(secret_b32: str, clock: ManualClock, steps: int = 0) -> str:
    padded = secret_b32 + "=" * (-len(secret_b32) % 8)
    totp = TOTP(base64.b32decode(padded), 6, SHA1(), 30, enforce_key_length=False)
    return totp.generate(clock.now().timestamp() + 30 * steps).decode()


@dataclass
class World:
    ports: Ports
    org_id: str
    admin: str
    manager: str
    operator: str
    other_operator: str
    secret: str
    case_id: str
    other_case: str

    @property
    def clock(self) -> ManualClock:
        assert isinstance(self.ports.clock, ManualClock)
        return self.ports.clock

    def ask(self, **terms: Any) -> Item:
        body: dict[str, Any] = {
            "org_id": self.org_id,
            "scope": "org",
            "case_id": None,
            "reason": "customer cannot see the plan",
            "ticket": "SUP-1234",
            "hours": None,
            "level": None,
            **terms,
        }
        return grants.request_access(self.ports, Caller.user(self.operator, "req-ask"), **body)

    def approve(self, record: Item, **narrow: Any) -> Item:
        current = self.ports.store.read("orgs", self.org_id, f"tempaccess-{record['accessId']}")
        return grants.decide(
            self.ports,
            Caller.user(self.admin, "req-approve"),
            self.org_id,
            str(record["accessId"]),
            approve=True,
            if_match=str(current["_etag"]),
            **narrow,
        )

    def activate(self, record: Item, steps: int = 1) -> Item:
        code = code_at(self.secret, self.clock, steps)
        return activation.activate(
            self.ports,
            Caller.user(self.operator, "req-act"),
            str(record["accessId"]),
            code=code,
            session_token=None,
        )

    def decision(self, action: Action, params: dict[str, str], user: str | None = None) -> Decision:
        return authorize(self.ports.store, user or self.operator, action, params, now=self.clock.now())

    def sees(self, action: Action, params: dict[str, str], user: str | None = None) -> bool:
        try:
            self.decision(action, params, user)
        except (NotFound, PermissionDenied):
            return False
        return True

    def caller(self, grant_id: str, case_id: str | None = None) -> Caller:
        params = {"grantId": grant_id, **({"caseId": case_id} if case_id else {})}
        return Caller(self.decision(Action.SUPPORT_VIEW, params), "req-view")

    def record(self, grant_id: str) -> Item:
        return self.ports.store.read("orgs", self.org_id, f"tempaccess-{grant_id}")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    ports, _ = wire_counting(tmp_path)
    seeded = {a.role: a for a in demo.seed_demo(ports) or []}
    org_id = next(ports.store.scan("orgs", equals={"id": "org"}))["orgId"]
    manager = seeded["case_manager"].user_id
    case = cases.create(
        ports,
        Caller.user(manager, "req-cm"),
        org_id,
        employee_email=EMPLOYEE[1],
        employee_name=EMPLOYEE[0],
        employee_language="en",
    )
    plan.create_stage(
        ports,
        Caller.user(manager, "req-plan"),
        case["caseId"],
        {
            "fromDate": date(2026, 1, 5),
            "workloadPercent": 50,
            "tasks": "Eva Echt starts mornings",
            "nextReview": None,
        },
    )
    other_org = orgs.create_org(ports.store, ports.clock, "Other AG")
    orgs.add_member(ports.store, ports.clock, other_org, manager, ["case_manager"])
    other = cases.create(
        ports,
        Caller.user(manager, "req-cm"),
        other_org,
        employee_email="otto@example.invalid",
        employee_name="Otto Other",
        employee_language="en",
    )
    made = [
        operators.create_operator(
            ports,
            Caller.system(),
            tenant_id="11111111-1111-1111-1111-111111111111",
            object_id=f"2222222{n}-2222-2222-2222-222222222222",
            name=f"Olga Operator {n}",
            email=f"olga{n}@platform.invalid",
        )
        for n in (1, 2)
    ]
    secret = local_operators.enable_local_sign_in(ports, made[0].user_id, "correct horse battery staple 42")
    local_operators.enable_local_sign_in(ports, made[1].user_id, "correct horse battery staple 42")
    yield World(
        ports,
        org_id,
        seeded["org_admin"].user_id,
        manager,
        made[0].user_id,
        made[1].user_id,
        secret,
        case["caseId"],
        other["caseId"],
    )
    bootstrap.reset()


def test_request_approve_activate_read_then_expire_at_the_next_request(world: World) -> None:
    record = world.ask(hours=2)
    grant_id = str(record["accessId"])
    settle(world.ports)
    kinds = [n["kind"] for n in inbox(world.ports, world.admin).items]
    assert "support_request" in kinds  # the admins are told (and the e-mail notice is content-free)
    view_params = {"grantId": grant_id, "caseId": world.case_id}
    assert not world.sees(Action.SUPPORT_VIEW, view_params)  # requested: nothing yet
    world.approve(record)
    assert "support_approved" in [n["kind"] for n in inbox(world.ports, world.operator).items]
    assert not world.sees(Action.SUPPORT_VIEW, view_params)  # approved, not activated: nothing
    active = world.activate(record)
    assert active["state"] == "active"
    assert world.sees(Action.SUPPORT_VIEW, view_params)
    assert world.sees(Action.SUPPORT_VIEW, {"grantId": grant_id})
    # Within scope only, read only, never an ordinary case or org route.
    assert not world.sees(Action.SUPPORT_VIEW, {"grantId": grant_id, "caseId": world.other_case})
    for action in (Action.CASE_READ, Action.PLAN_READ, Action.NOTE_LIST, Action.DOCUMENT_LIST):
        with pytest.raises(NotFound):
            world.decision(action, {"caseId": world.case_id})
    for action in (Action.STAFF_READ, Action.AUDIT_READ, Action.TEMP_ACCESS_READ, Action.SUPPORT_DECIDE):
        with pytest.raises(NotFound):  # known organisation: exactly as an unknown one
            world.decision(action, {"orgId": world.org_id})
        with pytest.raises(NotFound):
            world.decision(action, {"orgId": "0" * 32})
    world.clock.advance(hours=1, minutes=59)
    assert world.sees(Action.SUPPORT_VIEW, view_params)
    world.clock.advance(minutes=2)
    assert not world.sees(Action.SUPPORT_VIEW, view_params)  # the next request after the window
    assert grants.status(world.record(grant_id), world.clock.now()) == "expired"


def test_revocation_counts_at_the_next_request_and_tells_the_operator(world: World) -> None:
    record = world.ask()
    world.approve(record)
    world.activate(record)
    grant_id = str(record["accessId"])
    assert world.sees(Action.SUPPORT_VIEW, {"grantId": grant_id})
    revoked = grants.revoke(world.ports, Caller.user(world.admin, "req-rev"), world.org_id, grant_id)
    assert revoked["state"] == "revoked" and revoked["endedBy"] == world.admin
    assert not world.sees(Action.SUPPORT_VIEW, {"grantId": grant_id})
    assert "support_revoked" in [n["kind"] for n in inbox(world.ports, world.operator).items]
    again = grants.revoke(world.ports, Caller.user(world.admin, "req-rev"), world.org_id, grant_id)
    assert again["_etag"] == revoked["_etag"]  # revoking an ended grant changes nothing


def test_the_operator_without_a_grant_sees_nothing_and_others_cannot_use_a_grant(world: World) -> None:
    for action in (Action.STAFF_READ, Action.ORG_CASES_LIST, Action.SUPPORT_REQUESTS_READ):
        with pytest.raises(NotFound):
            world.decision(action, {"orgId": world.org_id})
    for action in (Action.CASE_READ, Action.PLAN_READ, Action.ACCESS_REVIEW_READ):
        with pytest.raises(NotFound):
            world.decision(action, {"caseId": world.case_id})
    record = world.ask()
    world.approve(record)
    world.activate(record)
    grant_id = str(record["accessId"])
    # Another operator, the admin, the manager: the grant does not exist for them.
    for user in (world.other_operator, world.admin, world.manager):
        assert not world.sees(Action.SUPPORT_VIEW, {"grantId": grant_id}, user)
    # Staff are no operators: their own routes are refused (403), not hidden.
    with pytest.raises(PermissionDenied):
        world.decision(Action.SUPPORT_REQUEST, {}, world.admin)
    assert world.sees(Action.SUPPORT_REQUEST, {}) and world.sees(Action.SUPPORT_OWN, {})


def _unchanged(world: World, attempt: Any, error: type[CaseDeskError], code: str) -> None:
    before = sorted(
        json.dumps(i, sort_keys=True, default=str)
        for i in world.ports.store.query("orgs", world.org_id, Query(limit=1000)).items
    )
    with pytest.raises(error) as raised:
        attempt()
    assert raised.value.code == code
    after = sorted(
        json.dumps(i, sort_keys=True, default=str)
        for i in world.ports.store.query("orgs", world.org_id, Query(limit=1000)).items
    )
    assert after == before


def test_bad_input_is_refused_with_stable_codes_and_changes_nothing(world: World) -> None:
    _unchanged(world, lambda: world.ask(hours=73), InvalidInput, "support_duration_invalid")
    _unchanged(world, lambda: world.ask(hours=0), InvalidInput, "support_duration_invalid")
    _unchanged(world, lambda: world.ask(reason="   "), InvalidInput, "support_reason_required")
    _unchanged(world, lambda: world.ask(reason="two\nlines"), InvalidInput, "support_reason_required")
    _unchanged(world, lambda: world.ask(ticket=""), InvalidInput, "support_ticket_invalid")
    _unchanged(world, lambda: world.ask(scope="case"), InvalidInput, "support_scope_invalid")
    _unchanged(world, lambda: world.ask(org_id="0" * 32), NotFound, "not_found")
    _unchanged(world, lambda: world.ask(scope="case", case_id=world.other_case), NotFound, "not_found")
    assert (
        world.ports.store.query("users", world.operator, Query(equals={"type": "support_grant_ref"})).items
        == []
    )

    record = world.ask(scope="case", case_id=world.case_id, level="pseudonymised", hours=4)
    grant_id = str(record["accessId"])
    etag = str(record["_etag"])
    # Nobody decides on their own request (an operator is no admin; the rule holds anyway).
    own = lambda: grants.decide(  # noqa: E731
        world.ports, Caller.user(world.operator, "r"), world.org_id, grant_id, approve=True, if_match=etag
    )
    _unchanged(world, own, PermissionDenied, "support_self_decision")
    # An approval narrows, never widens.
    _unchanged(world, lambda: world.approve(record, hours=5), InvalidInput, "support_widening")
    _unchanged(world, lambda: world.approve(record, level="identified"), InvalidInput, "support_widening")
    _unchanged(world, lambda: world.approve(record, scope="org"), InvalidInput, "support_widening")
    # Activation before approval; someone else's grant; a reused code.
    _unchanged(world, lambda: world.activate(record), Conflict, "support_grant_not_approved")
    world.approve(record, hours=3)
    _unchanged(world, lambda: world.approve(record), Conflict, "support_grant_decided")
    elses = lambda: activation.activate(  # noqa: E731
        world.ports, Caller.user(world.other_operator, "r"), grant_id, code="123456", session_token=None
    )
    _unchanged(world, elses, NotFound, "not_found")
    used = code_at(world.secret, world.clock)
    from shared.identity import login

    login.verify_second_factor(world.ports, world.operator, code=used, recovery_code=None)  # the login
    replay = lambda: activation.activate(  # noqa: E731
        world.ports, Caller.user(world.operator, "r"), grant_id, code=used, session_token=None
    )
    _unchanged(world, replay, TotpReplay, "totp_replayed")
    no_code = lambda: activation.activate(  # noqa: E731
        world.ports, Caller.user(world.operator, "r"), grant_id, code=None, session_token=None
    )
    _unchanged(world, no_code, InvalidInput, "support_step_up_required")
    assert world.record(grant_id)["state"] == "approved"
    assert world.activate(record)["hours"] == 3


def test_approval_narrows_org_to_a_case_and_identified_to_pseudonymised(world: World) -> None:
    record = world.ask(level="identified", hours=48)
    approved = world.approve(record, scope="case", case_id=world.case_id, level="pseudonymised", hours=8)
    assert (approved["scope"], approved["caseId"], approved["level"], approved["hours"]) == (
        "case",
        world.case_id,
        "pseudonymised",
        8,
    )
    denied = world.ask()
    current = world.record(str(denied["accessId"]))
    after = grants.decide(
        world.ports,
        Caller.user(world.admin, "r"),
        world.org_id,
        str(denied["accessId"]),
        approve=False,
        if_match=str(current["_etag"]),
    )
    assert grants.status(after, world.clock.now()) == "denied"
    with pytest.raises(Conflict):
        world.activate(denied)


def _everything(world: World, grant_id: str) -> str:
    """Every view of the grant, as the operator gets it, in one text."""
    caller = world.caller(grant_id)
    at_case = world.caller(grant_id, world.case_id)
    window = Window(limit=50)
    parts: list[Any] = [
        views.cases_page(world.ports, caller, window).items,
        views.case_view(world.ports, at_case, world.case_id),
        views.participants_page(world.ports, at_case, world.case_id, window).items,
        views.plan_page(world.ports, at_case, world.case_id, window).items,
        views.audit_page(world.ports, caller, window).items,
        views.failures_page(world.ports, caller, window).items,
        listing.mine_page(world.ports, Caller.user(world.operator, "r"), window).items,
    ]
    return json.dumps(parts, default=str)


def test_pseudonymised_views_show_no_real_name_or_email_and_stable_pseudonyms(world: World) -> None:
    record = world.ask()
    world.approve(record)
    world.activate(record)
    settle(world.ports)
    grant_id = str(record["accessId"])
    text = _everything(world, grant_id)
    profiles = accounts.profiles(world.ports.store, [world.manager, world.admin])
    real = [EMPLOYEE[0], EMPLOYEE[1], "Otto Other", *(str(p["name"]) for p in profiles.values())]
    real += [str(p["email"]) for p in profiles.values()]
    for word in real:
        assert word not in text, word
    assert "Eva" not in text and "starts mornings" not in text and "[hidden]" in text
    # Stable within the grant: the same person has the same pseudonym on every view.
    people = views.participants_page(
        world.ports, world.caller(grant_id, world.case_id), world.case_id, Window()
    )
    again = views.participants_page(
        world.ports, world.caller(grant_id, world.case_id), world.case_id, Window()
    )
    assert people.items == again.items
    # Unlinkable across grants.
    second = world.ask()
    world.approve(second)
    other_key = world.record(str(second["accessId"]))["pseudonymKey"]
    assert other_key != world.record(grant_id)["pseudonymKey"]


def test_identified_level_shows_real_names_but_never_the_pseudonym_key(world: World) -> None:
    record = world.ask(level="identified")
    world.approve(record)
    world.activate(record)
    grant_id = str(record["accessId"])
    text = _everything(world, grant_id)
    assert "Eva Echt" in text and "starts mornings" in text
    assert "pseudonymKey" not in text and str(world.record(grant_id)["pseudonymKey"]) not in text


def test_views_read_no_private_item_module() -> None:
    source = Path(views.__file__).read_text(encoding="utf-8")
    for module in ("documents", "notes", "reflections", "evaluations", "messages", "sharing"):
        assert f"shared.{module}" not in source and f"import {module}" not in source


def test_every_audit_event_carries_the_grant_id_and_reason(world: World) -> None:
    record = world.ask(scope="case", case_id=world.case_id)
    world.approve(record)
    world.activate(record)
    grant_id = str(record["accessId"])
    _everything(world, grant_id)
    grants.revoke(world.ports, Caller.user(world.admin, "r"), world.org_id, grant_id)
    settle(world.ports)
    log = AuditLog(world.ports.store, world.ports.clock)
    events = [r.event for r in log.query(scope_for_org(world.org_id), limit=200).events if r.event.grant_id]
    actions = {e.action for e in events}
    assert {"support:request", "support:approve", "support:activate", "support:revoke"} <= actions
    assert {"case:read", "plan:read", "support:participants_read", "support:audit_read"} <= actions
    support = [
        e for e in log.query(scope_for_org(world.org_id), limit=200).events if "support" in e.event.action
    ]
    for recorded in support:
        assert recorded.event.grant_id == grant_id and recorded.event.reason == record["reason"], recorded
    operator_events = [e for e in events if e.actor == world.operator]
    assert operator_events and all(
        e.grant_id == grant_id and e.reason == record["reason"] for e in operator_events
    )
    # The employee sees support's reads of their case.
    case_events = log.query(scope_for_case(world.case_id), actor=world.operator, limit=50).events
    assert {"case:read", "plan:read"} <= {e.event.action for e in case_events}


def test_the_overview_lists_support_grants_counts_reads_and_ends_them(world: World) -> None:
    record = world.ask()
    grant_id = str(record["accessId"])
    admin = Caller(world.decision(Action.TEMP_ACCESS_READ, {"orgId": world.org_id}, world.admin), "r")
    [row] = breakglass.overview_page(world.ports, admin, world.org_id, Window()).items
    assert (row["kind"], row["status"], row["ticket"]) == ("support", "requested", "SUP-1234")
    world.approve(record)
    world.activate(record)
    _everything(world, grant_id)
    settle(world.ports)
    assert breakglass.access_reads(world.ports, world.org_id, grant_id)["reads"] >= 5
    ended = breakglass.end(world.ports, admin, world.org_id, grant_id)
    assert ended["status"] == "ended"
    assert world.record(grant_id)["state"] == "revoked"
    assert not world.sees(Action.SUPPORT_VIEW, {"grantId": grant_id})


def test_failed_requests_are_listed_for_support_without_data(world: World) -> None:
    from shared.support.failures import record_failure

    record_failure(
        world.ports.store,
        world.clock,
        org_id=world.org_id,
        case_id=world.case_id,
        function="note_create",
        status=400,
        code="invalid_input",
        correlation_id="0af7651916cd43dd8448eb211c80319c",
    )
    record_failure(
        world.ports.store, world.clock, org_id=world.org_id, case_id=None, function="x", status=404,
        code="not_found", correlation_id="1" * 32,
    )  # fmt: skip
    record = world.ask()
    world.approve(record)
    world.activate(record)
    page = views.failures_page(world.ports, world.caller(str(record["accessId"])), Window())
    assert [(f["code"], f["status"], f["correlationId"]) for f in page.items] == [
        ("invalid_input", 400, "0af7651916cd43dd8448eb211c80319c")
    ]


def test_failed_requests_are_written_at_most_a_capped_number_per_organisation_and_minute() -> None:
    """A signed-in client that fails requests at will cannot turn each into a store write."""
    from shared.adapters.memory import MemoryStore
    from shared.support import failures

    clock = ManualClock(datetime(2026, 11, 30, 10, 0, 5, tzinfo=UTC))
    store = MemoryStore(clock)

    def fail(org_id: str) -> None:
        failures.record_failure(
            store, clock, org_id=org_id, case_id=None, function="note_create", status=400,
            code="invalid_input", correlation_id="2" * 32,
        )  # fmt: skip

    def written(org_id: str) -> int:
        return store.count("orgs", org_id, Query(equals={"type": failures.FAILURE_TYPE}))

    for _ in range(failures.MAX_PER_MINUTE + 25):
        fail("org-capped")
    fail("org-other")
    assert (written("org-capped"), written("org-other")) == (failures.MAX_PER_MINUTE, 1)
    clock.advance(minutes=1)  # the next minute: written again
    fail("org-capped")
    assert written("org-capped") == failures.MAX_PER_MINUTE + 1


def test_an_operator_cannot_flood_an_organisation_with_requests(world: World) -> None:
    for _ in range(grants.MAX_OPEN_REQUESTS):
        world.ask()
    _unchanged(world, world.ask, Conflict, "support_requests_open")
    # Another operator is not held up by them.
    other = grants.request_access(
        world.ports,
        Caller.user(world.other_operator, "r"),
        org_id=world.org_id,
        scope="org",
        case_id=None,
        reason="another ticket",
        ticket="SUP-2",
        hours=None,
        level=None,
    )
    assert other["state"] == "requested"


def test_an_undecided_request_lapses_after_a_week_and_frees_its_place(world: World) -> None:
    """Nobody decided within REQUEST_DAYS: the request shows as lapsed everywhere, can no
    longer be approved (nothing changes), leaves the admins' pending list and no longer counts
    against the operator's open requests."""
    first = world.ask()
    for _ in range(grants.MAX_OPEN_REQUESTS - 1):
        world.ask()
    admin = Caller.user(world.admin, "r")

    def pending() -> list[str]:
        page = listing.org_page(world.ports, admin, world.org_id, Window(), pending_only=True)
        return [str(g["grantId"]) for g in page.items]

    assert str(first["accessId"]) in pending()
    world.clock.advance(days=grants.REQUEST_DAYS)
    assert grants.status(world.record(str(first["accessId"])), world.clock.now()) == "requested"
    assert str(first["accessId"]) in pending()
    world.clock.advance(seconds=1)
    assert grants.status(world.record(str(first["accessId"])), world.clock.now()) == "lapsed"
    assert pending() == []
    _unchanged(world, lambda: world.approve(first), Conflict, "support_grant_decided")
    overview = Caller(world.decision(Action.TEMP_ACCESS_READ, {"orgId": world.org_id}, world.admin), "r")
    statuses = {
        row["status"] for row in breakglass.overview_page(world.ports, overview, world.org_id, Window()).items
    }
    assert statuses == {"lapsed"}
    assert world.ask()["state"] == "requested"  # the lapsed ones no longer block a new request


def test_wrong_activation_codes_count_against_the_login_throttle(world: World) -> None:
    from shared.identity.throttle import TooManyAttempts

    record = world.ask()
    world.approve(record)
    right = code_at(world.secret, world.clock)
    wrong = "000000" if right != "000000" else "111111"
    refused: list[str] = []
    for _ in range(12):
        try:
            activation.activate(
                world.ports,
                Caller.user(world.operator, "r"),
                str(record["accessId"]),
                code=wrong,
                session_token=None,
                client_key="198.51.100.7",
            )
        except TooManyAttempts:
            refused.append("throttled")
            break
        except InvalidInput as error:
            refused.append(error.code)
    assert refused[-1] == "throttled" and set(refused[:-1]) == {"invalid_totp_code"}
    assert world.record(str(record["accessId"]))["state"] == "approved"


def test_pseudonyms_are_stable_per_grant_unlinkable_across_grants_and_hide_free_text() -> None:
    from shared.support.pseudonyms import HIDDEN, Pseudonyms

    one = Pseudonyms(b"k" * 32, identified=False)
    same = Pseudonyms(b"k" * 32, identified=False)
    other = Pseudonyms(b"j" * 32, identified=False)
    real = Pseudonyms(b"k" * 32, identified=True)
    user = "a95a38e1335241118e0fa3832a07c5dc"
    assert one.name(user, "Eva Echt") == same.name(user, "Eva Maria Echt")  # by person, not by name
    assert one.name(user, "Eva Echt") != other.name(user, "Eva Echt")
    assert one.email(user, "eva@example.invalid").endswith("@pseudonym.invalid")
    assert one.user_id(user) != user and one.user_id("system") == "system"
    assert one.opaque(f"grant-doc-d1-{user}") != f"grant-doc-d1-{user}"
    assert one.text("Eva starts mornings") == HIDDEN and one.text(None) is None
    assert real.name(user, "Eva Echt") == "Eva Echt" and real.text("t") == "t" and real.user_id(user) == user


def test_the_access_review_of_a_case_lists_the_live_support_grants_that_reach_it(world: World) -> None:
    """Issue 23, point 3: the per-case access review shows live support grants too — the
    organisation-wide ones and those of this case, not those of another case or not yet active."""
    from shared.tempaccess import review

    def live_support() -> list[tuple[str, str]]:
        admin = Caller(world.decision(Action.ACCESS_REVIEW_READ, {"caseId": world.case_id}, world.admin), "r")
        found = review.page(world.ports, admin, world.case_id, Window())["grants"]
        return [(g["kind"], g["accessId"]) for g in found]

    second = cases.create(
        world.ports,
        Caller.user(world.manager, "req-cm"),
        world.org_id,
        employee_email="zoe@example.invalid",
        employee_name="Zoe Zweit",
        employee_language="en",
    )
    org_wide, elsewhere = world.ask(), world.ask(scope="case", case_id=second["caseId"])
    assert live_support() == []  # requested only
    world.approve(org_wide)
    assert live_support() == []  # approved, not activated: it reaches nothing yet
    for record in (org_wide, elsewhere):
        if record is elsewhere:
            world.approve(record)
        world.activate(record)
        world.clock.advance(seconds=31)  # the next activation needs a fresh TOTP step
    assert live_support() == [("support", org_wide["accessId"])]
    admin = Caller.user(world.admin, "r")
    breakglass.end(world.ports, admin, world.org_id, str(org_wide["accessId"]))
    assert live_support() == []
