"""What a request costs in store calls (ARCHITECTURE §12), counted on the real request path:
session, access check, service and audit — through ``functions.http.serve`` with the route's
handler, on a store that counts every call it passes on.

A shared-document read by a grantee: at most 6 store calls, at most 1 of them a write (the
pending audit effect); the audit chains are not touched on the request path, and the relay
later puts the event where the owner sees it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import azure.functions as func
import pytest

from functions import cases as case_routes
from functions import documents as document_routes
from functions import notes as note_routes
from functions.http import ROUTES, SESSION_COOKIE, serve
from shared import bootstrap
from shared.access.caller import Caller
from shared.access.permissions import Action
from shared.audit import AuditLog
from shared.documents import documents
from shared.effects.relay import relay_pending
from shared.identity import demo
from shared.identity.credentials import issue_reset
from shared.identity.sessions import SessionService
from shared.notes import notes
from shared.notifications.inbox import unread_count
from shared.ports import Ports
from shared.sharing import share
from tests.fakes import CountingStore
from tests.unit.conftest import wire_counting

CASE = "c1"


@dataclass
class World:
    ports: Ports
    store: CountingStore
    employee: str
    doctor: str
    doc_id: str
    note_id: str
    cookie: str


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    ports, store = wire_counting(tmp_path)
    seeded = demo.seed_demo(ports) or []
    people = {a.role: a.user_id for a in seeded}
    employee, doctor = people["employee"], people["doctor"]
    org_id = next(store.inner.scan("orgs"))["orgId"]
    store.inner.create(
        "cases",
        {
            "id": "case",
            "caseId": CASE,
            "type": "case",
            "orgId": org_id,
            "status": "open",
            "employeeUserId": employee,
        },
    )
    for user_id, role in ((employee, "employee"), (doctor, "doctor")):
        store.inner.create(
            "cases",
            {"id": f"participant-{user_id}", "caseId": CASE, "type": "participant", "userId": user_id,
             "role": role, "status": "active"},
        )  # fmt: skip
    ports.case_keys.create(CASE)
    owner = Caller.user(employee, "req-setup", case_id=CASE)
    doc = documents.upload(
        ports, owner, CASE, data=b"hello, world\n", declared_type="text/plain", file_name="a.txt",
        title="Job description", category="job_description",
    )  # fmt: skip
    note = notes.create(ports, owner, CASE, title="How I am", body="Better every week.")
    share(ports, owner, CASE, "doc", doc["id"], grantee_id=doctor, expires_at=None)
    share(ports, owner, CASE, "note", note["id"], grantee_id=doctor, expires_at=None)
    session = SessionService(store, ports.clock).start(doctor, "pytest")
    yield World(ports, store, employee, doctor, doc["id"], note["id"], f"{SESSION_COOKIE}={session.token}")
    bootstrap.reset()


def _get(
    world: World, handler: object, name: str, action: Action, params: dict[str, str]
) -> func.HttpResponse:
    request = func.HttpRequest(
        "GET", "http://localhost/api/x", headers={"cookie": world.cookie}, body=b"", route_params=params
    )
    return serve(request, handler, name, action, None)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Route:
    handler: object
    name: str
    action: Action
    param: str


SHARED_ITEM_READS = [
    Route(document_routes.document_read, "document_read", Action.DOCUMENT_READ, "docId"),
    Route(document_routes.document_download, "document_download", Action.DOCUMENT_READ, "docId"),
    Route(note_routes.note_read, "note_read", Action.NOTE_READ, "noteId"),
]


@pytest.mark.parametrize("route", SHARED_ITEM_READS, ids=lambda r: r.name)
def test_a_shared_item_read_costs_at_most_six_store_calls_and_one_write(world: World, route: Route) -> None:
    params = {"caseId": CASE, route.param: world.doc_id if route.param == "docId" else world.note_id}
    assert (
        _get(world, route.handler, route.name, route.action, params).status_code == 200
    )  # warms the key cache
    world.store.reset()

    answer = _get(world, route.handler, route.name, route.action, params)

    assert answer.status_code == 200
    calls = world.store.calls
    assert len(calls) <= 6, calls
    assert len(world.store.writes) <= 1, world.store.writes
    assert all(container != "audit" for _, container in calls), "no chain is touched on the request path"


def test_the_relay_puts_the_grantees_reads_where_the_owner_sees_them(world: World) -> None:
    params = {"caseId": CASE, "docId": world.doc_id}
    for _ in range(3):
        assert (
            _get(
                world, document_routes.document_download, "document_download", Action.DOCUMENT_READ, params
            ).status_code
            == 200
        )
    log = AuditLog(world.ports.store, world.ports.clock)
    assert log.accesses_to(world.employee).events == []  # pending until the relay runs

    report = relay_pending(world.ports, issue_reset=issue_reset)

    assert report.ok and report.audit_effects >= 3
    seen = log.accesses_to(world.employee).events
    downloads = [e.event for e in seen if e.event.action == "document:download"]
    assert len(downloads) == 3
    assert {(e.actor, e.target_id, e.case_id) for e in downloads} == {(world.doctor, world.doc_id, CASE)}
    assert all(e.grant_id == f"grant-doc-{world.doc_id}-{world.doctor}" for e in downloads)
    assert all(e.org_id for e in downloads), "the relay fills in the case's organisation"
    assert all(r.ok for r in log.verify_all())
    assert relay_pending(world.ports, issue_reset=issue_reset).audit_effects == 0, (
        "a second run finds nothing left"
    )


@pytest.mark.parametrize("unread", [10, 1000])
def test_the_unread_count_is_one_store_call_whatever_the_number(world: World, unread: int) -> None:
    already = unread_count(world.ports, world.doctor)  # the world's shares notified the doctor
    for n in range(unread):
        world.store.inner.create(
            "users",
            {"id": f"notification-{n}", "userId": world.doctor, "type": "notification", "read": False},
        )
    world.store.reset()
    assert unread_count(world.ports, world.doctor) == already + unread
    assert world.store.calls == [("count", "users")]


def test_my_cases_lists_every_case_and_reads_each_organisation_once(world: World) -> None:
    """600 cases in one organisation: all of them listed, page after page (none cut off at a
    page size), the page's organisations read in one call, not once per case."""
    org_id = next(world.store.inner.scan("orgs", equals={"id": "org"}))["orgId"]
    for n in range(600):
        world.store.inner.upsert(
            "users",
            {"id": f"case-c{n}", "userId": world.doctor, "type": "case_ref", "caseId": f"c{n}",
             "orgId": org_id, "role": "doctor", "status": "active"},
        )  # fmt: skip
    listed: list[dict[str, str]] = []
    token = ""
    while True:
        world.store.reset()
        request = func.HttpRequest(
            "GET", "http://localhost/api/me/cases", headers={"cookie": world.cookie}, body=b"",
            params={"limit": "200", "continuation": token} if token else {"limit": "200"},
        )  # fmt: skip
        spec = next(r for r in ROUTES if r.name == "my_cases")  # its query model (sort, status)
        answer = serve(request, case_routes.my_cases, "my_cases", Action.CASES_LIST_MINE, None, spec=spec)
        assert answer.status_code == 200
        page = json.loads(answer.get_body())
        listed += page["cases"]
        assert [c for c in world.store.calls if c[1] == "orgs"] == [("read_points", "orgs")]
        if not page["continuation"]:
            break
        token = page["continuation"]
    assert len(listed) == 600 and len({c["caseId"] for c in listed}) == 600  # none twice
    assert {c["caseId"] for c in listed} >= {"c0", "c599"}


def test_the_document_list_reads_shared_documents_a_hundred_at_a_time(world: World) -> None:
    """Not one read per shared document: one ``read_many`` per 100 of a page (issue 13: the list
    is paged, 50 a page by default, so 120 shared documents cost what 10 cost)."""
    owner = Caller.user(world.employee, "req-setup", case_id=CASE)
    counts = []
    for total in (10, 120):
        for _ in range(total - (10 if total == 120 else 0)):
            doc = documents.upload(
                world.ports, owner, CASE, data=b"x\n", declared_type="text/plain", file_name="x.txt",
                title="Note", category="other",
            )  # fmt: skip
            share(world.ports, owner, CASE, "doc", doc["id"], grantee_id=world.doctor, expires_at=None)
        params = {"caseId": CASE}
        assert (
            _get(
                world, document_routes.document_list, "document_list", Action.DOCUMENT_LIST, params
            ).status_code
            == 200
        )
        world.store.reset()
        assert (
            _get(
                world, document_routes.document_list, "document_list", Action.DOCUMENT_LIST, params
            ).status_code
            == 200
        )
        counts.append(len(world.store.calls))
    assert counts[1] == counts[0], counts
