"""Issue 13: every list route costs the same number of store calls whatever the number of items
(ARCHITECTURE §12) — counted on the real request path (``functions.http.serve`` with the route's
handler: session, access check, service, audit, the sealed continuation) on a store that counts
every call it passes on, with 10 and with 1,000 items behind the list.

Each route's first page is priced at both sizes and must cost exactly as much; at 1,000 items the
second page (reached with the first page's continuation token) must cost no more than the first.
A route added to the app that answers a ``continuation`` must be added here
(:func:`test_every_paged_route_is_priced`).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest

from functions import audit as audit_routes
from functions import breakglass as breakglass_routes
from functions import cases as case_routes
from functions import documents as document_routes
from functions import evaluations as evaluation_routes
from functions import me as me_routes
from functions import messages as message_routes
from functions import notes as note_routes
from functions import notifications as notification_routes
from functions import orgs as org_routes
from functions import sharing as sharing_routes
from functions import support as support_routes
from functions.http import ROUTES, SESSION_COOKIE
from shared import bootstrap
from shared.access.caller import Caller
from shared.access.items import grant_id
from shared.audit import AuditLog
from shared.audit.events import AuditEvent, scope_for_org, scope_for_user
from shared.audit.log import stored_event
from shared.cases import directory
from shared.documents import documents
from shared.evaluations import records
from shared.identity import demo
from shared.identity.sessions import SessionService
from shared.indexes import ORDERED_FIELDS
from shared.items import REGISTRY, kernel
from shared.notes import notes
from shared.ports import Item, Ports
from shared.sharing import share
from tests.fakes import CountingStore
from tests.unit.conftest import wire_counting

CASE = "c1"
SIZES = (10, 1000)


@dataclass
class World:
    ports: Ports
    store: CountingStore
    org_id: str
    people: dict[str, str]
    cookies: dict[str, str]
    doc_id: str = ""

    @property
    def employee(self) -> str:
        return self.people["employee"]

    @property
    def doctor(self) -> str:
        return self.people["doctor"]

    def owner(self) -> Caller:
        return Caller.user(self.employee, "req-setup", case_id=CASE)

    def now(self) -> str:
        return self.ports.clock.now().isoformat()

    def raw(self, container: str, item: Item) -> None:
        self.store.inner.upsert(container, item)

    def person(self, user_id: str, name: str) -> None:
        email = f"{user_id}@example.invalid"
        self.raw("users", {"id": "profile", "userId": user_id, "type": "profile", "name": name,
                           "email": email, "language": "en"})  # fmt: skip


# -- seeding: ``n`` items behind each list -----------------------------------------------------------
def _documents(world: World, n: int) -> None:
    """``n`` documents of the employee shared with the doctor, and one of the doctor's own."""
    for i in range(n):
        doc = documents.upload(
            world.ports, world.owner(), CASE, data=b"x\n", declared_type="text/plain", file_name="x.txt",
            title=f"Document {i}", category="other",
        )  # fmt: skip
        share(world.ports, world.owner(), CASE, "doc", doc["id"], grantee_id=world.doctor, expires_at=None)
    own = Caller.user(world.doctor, "req-setup", case_id=CASE)
    # The newest, so on the first page whatever n: its sharing state is read too (issue 24; the
    # manual clock stands still, so it is moved on for this one).
    world.ports.clock.advance(seconds=1)  # type: ignore[attr-defined]
    documents.upload(world.ports, own, CASE, data=b"y\n", declared_type="text/plain", file_name="y.txt",
                     title="Mine", category="other")  # fmt: skip


def _notes(world: World, n: int) -> None:
    for i in range(n):
        note = notes.create(world.ports, world.owner(), CASE, title=f"Note {i}", body="b")
        share(world.ports, world.owner(), CASE, "note", note["id"], grantee_id=world.doctor, expires_at=None)


def _evaluations(world: World, n: int) -> None:
    """``n`` evaluations of the doctor (the employee lists them: theirs to see, always)."""
    doctor = Caller.user(world.doctor, "req-setup", case_id=CASE)
    body = {"capacityPercent": 50, "validFrom": "2026-01-01", "validTo": None, "restrictions": "r"}
    for _ in range(n):
        records.create(world.ports, doctor, records.EVALUATION, CASE, body, recipients=[])


def _feedback(world: World, n: int) -> None:
    """``n`` feedback entries shared with the doctor (the case has no employer: raw, as written)."""
    world.raw("cases", {"id": f"participant-{world.people['org_admin']}", "caseId": CASE, "type": "participant",
                        "userId": world.people["org_admin"], "role": "employer", "status": "active"})  # fmt: skip
    boss = Caller.user(world.people["org_admin"], "req-setup", case_id=CASE)
    for _ in range(n):
        records.create(world.ports, boss, records.FEEDBACK, CASE, {"date": "2026-01-01", "attendance": 5},
                       recipients=[world.doctor])  # fmt: skip


def _versions(world: World, n: int) -> None:
    doc = documents.upload(world.ports, world.owner(), CASE, data=b"v0\n", declared_type="text/plain",
                           file_name="v.txt", title="Versions", category="other")  # fmt: skip
    etag = doc["etag"]
    for i in range(min(n, documents.MAX_VERSIONS) - 1):  # a document keeps at most MAX_VERSIONS
        etag = documents.replace(world.ports, world.owner(), CASE, doc["id"], if_match=etag, data=b"v%d\n" % i,
                                 declared_type="text/plain", file_name="v.txt")["etag"]  # fmt: skip
    world.doc_id = doc["id"]


def _grants(world: World, n: int) -> None:
    """A document of the employee shared with ``n`` participants."""
    doc = documents.upload(world.ports, world.owner(), CASE, data=b"g\n", declared_type="text/plain",
                           file_name="g.txt", title="Shared", category="other")  # fmt: skip
    world.doc_id = doc["id"]
    for i in range(n):
        user = f"u{i:04d}"
        world.person(user, f"Person {i}")
        world.raw("cases", {"id": f"participant-{user}", "caseId": CASE, "type": "participant", "userId": user,
                            "role": "doctor", "status": "active"})  # fmt: skip
        world.raw("cases", {"id": grant_id("doc", doc["id"], user), "caseId": CASE, "type": "grant",
                            "itemType": "doc", "itemId": doc["id"], "ownerId": world.employee, "granteeId": user,
                            "expiresAt": None, "createdAt": world.now(), "updatedAt": world.now()})  # fmt: skip


def _participants(world: World, n: int) -> None:
    for i in range(n):
        user = f"p{i:04d}"
        world.person(user, f"Participant {i}")
        status = "removed" if i % 10 == 3 else "active"  # removed ones are left out, pages continue
        world.raw("cases", {"id": f"participant-{user}", "caseId": CASE, "type": "participant", "userId": user,
                            "role": "employer", "status": status})  # fmt: skip


def _staff(world: World, n: int) -> None:
    for i in range(n):
        user = f"s{i:04d}"
        world.person(user, f"Staff {i}")
        world.raw("orgs", {"id": f"member-{user}", "orgId": world.org_id, "type": "member", "userId": user,
                           "roles": ["case_manager"], "accessAllCases": False})  # fmt: skip


def _invitations(world: World, n: int) -> None:
    for i in range(n):
        world.raw("orgs", {"id": f"invitation-i{i:04d}", "orgId": world.org_id, "type": "invitation",
                           "invitationId": f"i{i:04d}", "caseId": None, "email": f"i{i}@example.invalid", "role": "case_manager",
                           "status": "pending", "createdAt": f"2026-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}+00:00",
                           "expiresAt": "2026-02-01T00:00:00+00:00"})  # fmt: skip


def _my_cases(world: World, n: int) -> None:
    """``n`` cases of the doctor across 7 organisations (each organisation's name read once)."""
    orgs = [world.org_id, *(f"o{k}" for k in range(6))]
    for k, org in enumerate(orgs[1:]):
        world.raw("orgs", {"id": "org", "orgId": org, "type": "org", "name": f"Org {k}"})
    for i in range(n):
        world.raw("users", {"id": f"case-k{i:04d}", "userId": world.doctor, "type": "case_ref",
                            "caseId": f"k{i:04d}", "orgId": orgs[i % len(orgs)], "role": "doctor",
                            "status": "active", **_case_state(i)})  # fmt: skip
        # The case item and its employee: each entry names whose case it is (issue 24).
        employee = f"e{i:04d}"
        world.person(employee, f"Employee {i}")
        world.raw("cases", {"id": "case", "caseId": f"k{i:04d}", "orgId": orgs[i % len(orgs)], "type": "case",
                            "status": "open", "createdAt": world.now(), "closedAt": None, "legalHold": False,
                            "employeeUserId": employee})  # fmt: skip


def _case_state(i: int) -> dict[str, Any]:
    """What a case index entry copies of case ``i`` (all open; the i-th minute's activity)."""
    return {"createdAt": "2026-01-01T00:00:00+00:00", "caseStatus": "open", "legalHold": False,
            "lastActivityAt": f"2026-01-{1 + i // 1440 % 28:02d}T{i // 60 % 24:02d}:{i % 60:02d}:00.000000Z"}  # fmt: skip


def _org_cases(world: World, n: int) -> None:
    """``n`` cases of the organisation, each employee's name in the blind index (issue 24)."""
    for i in range(n):
        case_id, employee = f"k{i:04d}", f"e{i:04d}"
        world.person(employee, f"Erika Muster{i}")
        world.raw("cases", {"id": "case", "caseId": case_id, "orgId": world.org_id, "type": "case",
                            "status": "open", "createdAt": world.now(), "closedAt": None, "legalHold": False,
                            "employeeUserId": employee})  # fmt: skip
        world.raw(
            "orgs",
            {
                "id": f"case-{case_id}",
                "orgId": world.org_id,
                "type": "case_ref",
                "caseId": case_id,
                **_case_state(i),
            },
        )
        directory.index_case_name(world.ports, world.org_id, case_id, f"Erika Muster{i}", _case_state(i))


def _temp_access(world: World, n: int) -> None:
    """``n`` break-glass accesses of the organisation, by as many staff (issue 23)."""
    for i in range(n):
        user, access = f"s{i:04d}", _bare(world, i)
        world.person(user, f"Staff {i}")
        world.raw("orgs", {"id": f"tempaccess-{access}", "orgId": world.org_id, "type": "temp_access",
                           "kind": "break_glass", "accessId": access, "userId": user, "caseId": CASE,
                           "scope": "case", "reason": "r", "ticket": None, "fromAt": world.now(),
                           "untilAt": world.now(), "endedAt": None, "reviewedAt": None, "reviewedBy": None,
                           "reviewComment": None})  # fmt: skip


def _bare(world: World, i: int) -> str:
    """A creation-time ordered id, ``i`` milliseconds after now (like ``sortable_id``)."""
    return f"{int(world.ports.clock.now().timestamp() * 1000) + i:012x}{i:020x}"


def _thread_item(world: World, thread_id: str) -> Item:
    item_id = f"thread-{thread_id}"
    at = world.now()
    return {"id": item_id, "caseId": CASE, "type": "thread", "threadId": thread_id, "createdBy": world.employee,
            "members": {world.employee: "2000-01-01T00:00:00+00:00", world.doctor: "2000-01-01T00:00:00+00:00"},
            "former": {}, "createdAt": at, "lastAt": at, "updatedAt": at,
            "subjectSealed": world.ports.cipher.encrypt_field(CASE, "cases", item_id, "subject", "Betreff")}  # fmt: skip


def _threads(world: World, n: int) -> None:
    """``n`` threads of the employee with the doctor, each with unread messages for the doctor."""
    entries = {}
    for i in range(n):
        thread_id = _bare(world, i)
        world.raw("cases", _thread_item(world, thread_id))
        entries[thread_id] = {"unread": 2, "lastAt": f"2026-01-01T00:00:{i % 60:02d}.{i:06d}+00:00",
                              "joinedAt": "2000-01-01T00:00:00+00:00"}  # fmt: skip
    world.raw("cases", {"id": f"message_inbox-{world.doctor}", "caseId": CASE, "type": "message_inbox",
                        "userId": world.doctor, "threads": entries})  # fmt: skip


def _thread_messages(world: World, n: int) -> None:
    """One thread with ``n`` messages, every tenth with an attachment (a document of the sender)."""
    thread_id = _bare(world, 0)
    world.raw("cases", _thread_item(world, thread_id))
    world.doc_id = thread_id  # the route's {threadId}
    for i in range(n):
        message_id = _bare(world, i + 1)
        item_id = f"message-{thread_id}-{message_id}"
        world.raw("cases", {"id": item_id, "caseId": CASE, "type": "message", "threadId": thread_id,
                            "messageId": message_id, "senderId": world.employee, "createdAt": world.now(),
                            "deletedAt": None, "attachment": f"d{i % 7}" if i % 10 == 0 else None,
                            "textSealed": world.ports.cipher.encrypt_field(CASE, "cases", item_id, "text", "Hallo")})  # fmt: skip


def _thread(world: World) -> dict[str, str]:
    return {"caseId": CASE, "threadId": world.doc_id}


def _my_orgs(world: World, n: int) -> None:
    user = world.people["org_admin"]
    for i in range(n):
        org = f"g{i:04d}"
        world.raw("orgs", {"id": "org", "orgId": org, "type": "org", "name": f"Org {i}"})
        world.raw("orgs", {"id": f"member-{user}", "orgId": org, "type": "member", "userId": user,
                           "roles": ["org_admin"], "accessAllCases": False})  # fmt: skip
        world.raw("users", {"id": f"org-{org}", "userId": user, "type": "org_ref", "orgId": org})


def _stages(world: World, n: int) -> None:
    for i in range(n):
        item_id = f"stage-s{i:04d}"
        sealed = world.ports.cipher.encrypt_field(CASE, "cases", item_id, "tasks", "Tasks")
        world.raw("cases", {"id": item_id, "caseId": CASE, "type": "stage", "stageId": f"s{i:04d}",
                            "fromDate": f"2026-{i % 12 + 1:02d}-01", "workloadPercent": 50, "tasksSealed": sealed,
                            "nextReview": None, "version": 1, "updatedAt": world.now(),
                            "updatedBy": world.employee})  # fmt: skip


def _history(world: World, n: int) -> None:
    for i in range(n):
        world.raw("cases", {"id": f"plan_change-h{i:04d}", "caseId": CASE, "type": "plan_change",
                            "stageId": f"s{i:04d}", "version": 2, "change": "deleted",
                            "at": f"2026-01-01T{i // 60 % 24:02d}:{i % 60:02d}:00+00:00", "by": world.employee,
                            "snapshot": None})  # fmt: skip


def _sessions(world: World, n: int) -> None:
    sessions = SessionService(world.store.inner, world.ports.clock)
    for _ in range(n):
        sessions.start(world.employee, "pytest")
        world.ports.clock.advance(seconds=1)  # type: ignore[attr-defined]


def _notifications(world: World, n: int) -> None:
    """``n`` documents of the employee shared with the doctor, each notified: every entry is
    named (who, which title, whose case) as the doctor may see it (issue 24.6); every third
    document was revoked since (the neutral text)."""
    for i in range(n):
        doc = f"d{i:04d}"
        title = kernel.seal_field(world.ports, CASE, f"doc-{doc}", "title", f"Document {i}")
        world.raw("cases", {"id": f"doc-{doc}", "caseId": CASE, "type": "doc", "docId": doc,
                            "ownerId": world.employee, "titleSealed": title})  # fmt: skip
        if i % 3:
            world.raw("cases", {"id": grant_id("doc", doc, world.doctor), "caseId": CASE, "type": "grant",
                                "itemType": "doc", "itemId": doc, "ownerId": world.employee,
                                "granteeId": world.doctor, "expiresAt": None})  # fmt: skip
        world.raw("users", {"id": f"notif-{i:04d}", "userId": world.doctor, "type": "notification",
                            "kind": "share", "caseId": CASE, "itemType": "doc", "itemId": doc, "read": False,
                            "actorId": world.employee, "at": world.now()})  # fmt: skip


def _events(world: World, scope: str, n: int, *, owner: str | None) -> None:
    at = world.ports.clock.now()
    entries = []
    for i in range(n):
        actor = f"a{i % 150:03d}"  # 150 different people: each named once per page, in one call
        world.person(actor, f"Actor {i % 150}")
        event = AuditEvent(actor=actor, action="document:read", target_type="document", target_id=f"d{i}",
                           request_id=f"r{i}", case_id=CASE, org_id=world.org_id, owner_id=owner)  # fmt: skip
        entries.append((f"k{i}", stored_event(event, at + timedelta(seconds=i))))
    AuditLog(world.store.inner, world.ports.clock).sequence(scope, entries)


def _org_audit(world: World, n: int) -> None:
    _events(world, scope_for_org(world.org_id), n, owner=None)


def _my_accesses(world: World, n: int) -> None:
    _events(world, scope_for_user(world.employee), n, owner=world.employee)


def _operator_grant(world: World, *, scope: str = "org") -> str:
    """An operator with a session and a live support grant on the organisation (issue 22);
    the grant's id is the routes' ``{grantId}`` (kept in ``world.doc_id``)."""
    operator, grant = "op01", _bare(world, 999_999)
    world.raw("users", {"id": "profile", "userId": operator, "kind": "operator", "status": "active",
                        "name": "Olga Operator", "email": "olga@platform.invalid", "language": "en"})  # fmt: skip
    world.raw("users", {"id": f"supportgrant-{grant}", "userId": operator, "type": "support_grant_ref",
                        "orgId": world.org_id})  # fmt: skip
    world.raw("orgs", _support_record(world, grant, operator, state="active", scope=scope))
    world.cookies["operator"] = (
        f"{SESSION_COOKIE}={SessionService(world.store.inner, world.ports.clock).start(operator, 'pytest').token}"
    )
    world.doc_id = grant
    return grant


def _support_record(world: World, grant: str, operator: str, *, state: str, scope: str = "org") -> Item:
    until = (world.ports.clock.now() + timedelta(hours=2)).isoformat()
    return {"id": f"tempaccess-{grant}", "orgId": world.org_id, "type": "temp_access", "kind": "support",
            "accessId": grant, "userId": operator, "caseId": CASE if scope == "case" else None, "scope": scope,
            "reason": "r", "ticket": "T-1", "level": "pseudonymised", "hours": 2, "state": state,
            "requestedAt": world.now(), "decidedAt": None, "decidedBy": None, "activatedAt": world.now(),
            "fromAt": world.now(), "untilAt": until, "endedAt": None, "endedBy": None, "reviewedAt": None,
            "reviewedBy": None, "reviewComment": None, "pseudonymKey": "ab" * 32}  # fmt: skip


def _support_mine(world: World, n: int) -> None:
    """``n`` grants of the operator, across 7 organisations (each one's name read once)."""
    _operator_grant(world)
    orgs = [world.org_id, *(f"o{k}" for k in range(6))]
    for k, org in enumerate(orgs[1:]):
        world.raw("orgs", {"id": "org", "orgId": org, "type": "org", "name": f"Org {k}"})
    for i in range(n):
        grant, org = _bare(world, i), orgs[i % len(orgs)]
        world.raw("users", {"id": f"supportgrant-{grant}", "userId": "op01", "type": "support_grant_ref",
                            "orgId": org})  # fmt: skip
        world.raw("orgs", {**_support_record(world, grant, "op01", state="requested"), "orgId": org})


def _support_org(world: World, n: int) -> None:
    """``n`` support requests to the organisation, by as many operators."""
    for i in range(n):
        operator = f"op{i:04d}"
        world.person(operator, f"Operator {i}")
        world.raw("orgs", _support_record(world, _bare(world, i), operator, state="requested"))


def _support_failures(world: World, n: int) -> None:
    _operator_grant(world)
    for i in range(n):
        world.raw("orgs", {"id": f"failure-{_bare(world, i)}", "orgId": world.org_id, "type": "request_failure",
                           "function": "note_create", "status": 400, "code": "invalid_input", "caseId": CASE,
                           "correlationId": f"{i:032x}", "at": world.now()})  # fmt: skip


def _with_grant(seed: Callable[[World, int], None]) -> Callable[[World, int], None]:
    def seeded(world: World, n: int) -> None:
        seed(world, n)
        _operator_grant(world)

    return seeded


def _grant(world: World) -> dict[str, str]:
    return {"grantId": world.doc_id}


def _grant_case(world: World) -> dict[str, str]:
    return {"grantId": world.doc_id, "caseId": CASE}


# -- the routes ----------------------------------------------------------------------------------
def entry(bp: func.Blueprint, name: str) -> Callable[[func.HttpRequest], func.HttpResponse]:
    """The function the host calls for route ``name``: the plumbing (session, access check,
    declared query) around the handler — what a request really runs."""
    for builder in bp._function_builders:
        if builder._function.get_function_name() == name:
            found: Callable[[func.HttpRequest], func.HttpResponse] = builder._function.get_user_function()
            return found
    raise LookupError(name)


@dataclass(frozen=True)
class ListRoute:
    name: str
    bp: func.Blueprint
    who: str  # whose session calls it
    path: str  # the URL path (a continuation token is bound to it)
    params: Callable[[World], dict[str, str]]
    seed: Callable[[World, int], None]
    key: str  # the response's list field


def _none(_: World) -> dict[str, str]:
    return {}


def _case(_: World) -> dict[str, str]:
    return {"caseId": CASE}


def _org(world: World) -> dict[str, str]:
    return {"orgId": world.org_id}


def _doc(world: World) -> dict[str, str]:
    return {"caseId": CASE, "docId": world.doc_id}


def _seen(world: World) -> dict[str, str]:
    return {"caseId": CASE, "userId": world.doctor}


def _preview_seed(world: World, n: int) -> None:
    _documents(world, n)
    _notes(world, n)


LIST_ROUTES = [
    ListRoute("document_list", document_routes.bp, "doctor", "/api/cases/c1/documents", _case, _documents, "documents"),
    ListRoute("note_list", note_routes.bp, "doctor", "/api/cases/c1/notes", _case, _notes, "notes"),
    ListRoute("evaluation_list", evaluation_routes.bp, "employee", "/api/cases/c1/evaluations", _case, _evaluations,
              "evaluations"),
    ListRoute("feedback_list", evaluation_routes.bp, "doctor", "/api/cases/c1/feedback", _case, _feedback,
              "feedback"),
    ListRoute("document_versions", document_routes.bp, "employee", "/api/cases/c1/documents/d/versions", _doc,
              _versions, "versions"),
    ListRoute("doc_access", sharing_routes.bp, "employee", "/api/cases/c1/documents/d/access", _doc, _grants,
              "access"),
    ListRoute("item_preview", sharing_routes.bp, "employee", "/api/cases/c1/seen-by/x", _seen, _preview_seed,
              "documents"),
    ListRoute("participant_list", case_routes.bp, "employee", "/api/cases/c1/participants", _case, _participants,
              "participants"),
    ListRoute("case_read", case_routes.bp, "employee", "/api/cases/c1", _case, _participants, "participants"),
    ListRoute("plan_read", case_routes.bp, "employee", "/api/cases/c1/plan", _case, _stages, "stages"),
    ListRoute("plan_history", case_routes.bp, "employee", "/api/cases/c1/plan/history", _case, _history, "changes"),
    ListRoute("my_cases", case_routes.bp, "doctor", "/api/me/cases", _none, _my_cases, "cases"),
    ListRoute("org_cases", case_routes.bp, "org_admin", "/api/orgs/o/cases", _org, _org_cases, "cases"),
    ListRoute("thread_list", message_routes.bp, "doctor", "/api/cases/c1/threads", _case, _threads, "threads"),
    ListRoute("message_list", message_routes.bp, "doctor", "/api/cases/c1/threads/t/messages", _thread,
              _thread_messages, "messages"),
    ListRoute("my_orgs", org_routes.bp, "org_admin", "/api/me/orgs", _none, _my_orgs, "orgs"),
    ListRoute("staff_list", org_routes.bp, "org_admin", "/api/orgs/o/staff", _org, _staff, "members"),
    ListRoute("staff_invitations", org_routes.bp, "org_admin", "/api/orgs/o/invitations", _org, _invitations,
              "invitations"),
    ListRoute("me_sessions", me_routes.bp, "employee", "/api/me/sessions", _none, _sessions, "sessions"),
    ListRoute("notification_list", notification_routes.bp, "doctor", "/api/me/notifications", _none,
              _notifications, "notifications"),
    ListRoute("access_review", breakglass_routes.bp, "org_admin", "/api/cases/c1/access-review", _case,
              _participants, "people"),
    ListRoute("temp_access_list", breakglass_routes.bp, "org_admin", "/api/orgs/o/temporary-access", _org,
              _temp_access, "accesses"),
    ListRoute("org_audit", audit_routes.bp, "org_admin", "/api/orgs/o/audit", _org, _org_audit, "events"),
    ListRoute("my_accesses", audit_routes.bp, "employee", "/api/me/accesses", _none, _my_accesses, "accesses"),
    # Support access (issue 22): the operator's grants, the admins' requests, the views of a grant.
    ListRoute("support_grants_mine", support_routes.bp, "operator", "/api/support/grants", _none, _support_mine,
              "grants"),
    ListRoute("support_org_grants", support_routes.bp, "org_admin", "/api/orgs/o/support-grants", _org,
              _support_org, "grants"),
    ListRoute("support_cases", support_routes.bp, "operator", "/api/support/grants/g/cases", _grant,
              _with_grant(_org_cases), "cases"),
    ListRoute("support_participants", support_routes.bp, "operator", "/api/support/grants/g/cases/c1/participants",
              _grant_case, _with_grant(_participants), "participants"),
    ListRoute("support_plan", support_routes.bp, "operator", "/api/support/grants/g/cases/c1/plan", _grant_case,
              _with_grant(_stages), "stages"),
    ListRoute("support_audit", support_routes.bp, "operator", "/api/support/grants/g/audit", _grant,
              _with_grant(_org_audit), "events"),
    ListRoute("support_failures", support_routes.bp, "operator", "/api/support/grants/g/failures", _grant,
              _support_failures, "failures"),
]  # fmt: skip


def call(
    world: World, route: ListRoute, continuation: str | None = None, *, limit: int | None = None
) -> tuple[dict[str, Any], int]:
    """The route's answer and the store calls it cost."""
    query = {"continuation": continuation} if continuation else {}
    if limit is not None:
        query["limit"] = str(limit)
    request = func.HttpRequest(
        "GET", f"http://localhost{route.path}", headers={"cookie": world.cookies[route.who]}, body=b"",
        route_params=route.params(world), params=query,
    )  # fmt: skip
    world.store.reset()
    answer = entry(route.bp, route.name)(request)
    assert answer.status_code == 200, (route.name, answer.get_body()[:300])
    return json.loads(answer.get_body()), len(world.store.calls)


def _next(route: ListRoute, body: dict[str, Any]) -> str | None:
    if route.name == "case_read":
        return None  # its participants continue on participant_list (priced on its own)
    if route.name == "item_preview":
        return None  # each section continues with section=<it> (priced below)
    token = body["continuation"]
    return str(token) if token else None


@pytest.mark.parametrize("route", LIST_ROUTES, ids=lambda r: r.name)
def test_a_page_costs_the_same_store_calls_with_10_and_1000_items(tmp_path: Path, route: ListRoute) -> None:
    costs: dict[int, int] = {}
    for n in SIZES:
        ports, store = wire_counting(tmp_path / str(n))
        world = _world(ports, store)
        try:
            route.seed(world, n)
            call(world, route)  # warms the key cache (one read per case, then cached)
            body, costs[n] = call(world, route)
            assert body[route.key], f"{route.name}: an empty first page proves nothing"
            if n == SIZES[-1] and route.name not in ("document_versions",):
                token = _next(route, body)
                if route.name not in ("case_read", "item_preview"):
                    assert token, f"{route.name}: 1,000 items fit on no page; a continuation is due"
                if token:
                    second, cost = call(world, route, token)
                    assert second[route.key], route.name
                    assert cost <= costs[n], (route.name, "second page", cost, costs[n])
        finally:
            bootstrap.reset()
    assert costs[SIZES[0]] == costs[SIZES[-1]], (route.name, costs)


def _world(ports: Ports, store: CountingStore) -> World:
    seeded = demo.seed_demo(ports) or []
    people: dict[str, str] = {a.role: a.user_id for a in seeded}
    org_id = next(store.inner.scan("orgs", equals={"id": "org"}))["orgId"]
    store.inner.create("cases", {"id": "case", "caseId": CASE, "type": "case", "orgId": org_id,
                                 "status": "open", "employeeUserId": people["employee"]})  # fmt: skip
    for role in ("employee", "doctor"):
        store.inner.create("cases", {"id": f"participant-{people[role]}", "caseId": CASE, "type": "participant",
                                     "userId": people[role], "role": role, "status": "active"})  # fmt: skip
    ports.case_keys.create(CASE)
    sessions = SessionService(store.inner, ports.clock)
    cookies = {
        role: f"{SESSION_COOKIE}={sessions.start(people[role], 'pytest').token}"
        for role in ("employee", "doctor", "org_admin")
    }
    return World(ports, store, org_id, people, cookies)


def test_every_paged_route_is_priced() -> None:
    """Every route answering a ``continuation`` (a list) is in LIST_ROUTES (case_read hands out
    the participants' first page; reflections are priced by their own tests)."""
    importlib.import_module("function_app")  # registers every route

    paged = set()
    for spec in ROUTES:
        for shape in spec.responses.values():
            fields = getattr(shape, "model_fields", {})
            if "continuation" in fields or "continuations" in fields:
                paged.add(spec.name)
    priced = {r.name for r in LIST_ROUTES}
    # One access route per shareable type, all from the same code (functions/sharing.py).
    priced |= {f"{kind}_access" for kind in REGISTRY}
    assert paged - priced <= {"reflection_list", "reflection_series_list"}, paged - priced


def test_seen_by_pages_on_through_one_section_at_a_constant_cost(tmp_path: Path) -> None:
    route = next(r for r in LIST_ROUTES if r.name == "item_preview")
    ports, store = wire_counting(tmp_path)
    world = _world(ports, store)
    try:
        _preview_seed(world, 120)
        call(world, route)
        first, cost = call(world, route)
        token = first["continuations"]["documents"]
        assert len(first["documents"]) == 50 and token
        request = func.HttpRequest(
            "GET", f"http://localhost{route.path}", headers={"cookie": world.cookies["employee"]}, body=b"",
            route_params=route.params(world), params={"section": "documents", "continuation": token},
        )  # fmt: skip
        world.store.reset()
        answer = entry(route.bp, route.name)(request)
        body = json.loads(answer.get_body())
        assert answer.status_code == 200 and len(body["documents"]) == 50 and body["notes"] == []
        assert len(world.store.calls) <= cost
        assert not {d["id"] for d in body["documents"]} & {d["id"] for d in first["documents"]}
        moved = func.HttpRequest(  # the documents' token does not continue the notes
            "GET", f"http://localhost{route.path}", headers={"cookie": world.cookies["employee"]}, body=b"",
            route_params=route.params(world), params={"section": "notes", "continuation": token},
        )  # fmt: skip
        refused = entry(route.bp, route.name)(moved)
        assert refused.status_code == 400 and json.loads(refused.get_body())["code"] == "invalid_continuation"
    finally:
        bootstrap.reset()


def test_every_ordered_query_the_lists_run_has_its_composite_index(tmp_path: Path) -> None:
    """Cosmos answers 400 to ``ORDER BY field, id`` without the composite index: every ordered
    query the list routes run (recorded on the way) is declared in shared/indexes.py."""
    seen: set[tuple[str, str]] = set()
    for route in LIST_ROUTES:
        ports, store = wire_counting(tmp_path / route.name)
        world = _world(ports, store)
        inner_query = store.inner.query

        def recording(container: str, partition: str, query: Any, _q: Any = inner_query) -> Any:
            if query.order_by != "id":
                seen.add((container, query.order_by))
            return _q(container, partition, query)

        store.inner.query = recording
        try:
            route.seed(world, 3)
            call(world, route)
        finally:
            bootstrap.reset()
    assert seen, "the lists run ordered queries"
    missing = {(c, f) for c, f in seen if f not in ORDERED_FIELDS[c]}
    assert not missing, missing


def test_finding_a_case_by_name_costs_the_same_with_10_and_1000_cases(tmp_path: Path) -> None:
    """The organisation's case directory searched by a name (its blind index): one query on the
    word's token, not a scan over every case — whatever the number of cases, the same calls."""
    costs: dict[int, int] = {}
    for n in SIZES:
        ports, store = wire_counting(tmp_path / str(n))
        world = _world(ports, store)
        try:
            _org_cases(world, n)
            request = func.HttpRequest(
                "GET", "http://localhost/api/orgs/o/cases", headers={"cookie": world.cookies["org_admin"]}, body=b"",
                route_params={"orgId": world.org_id}, params={"q": "ERIKA muster7"},
            )  # fmt: skip
            world.store.reset()
            answer = entry(case_routes.bp, "org_cases")(request)
            assert answer.status_code == 200, answer.get_body()[:300]
            found = json.loads(answer.get_body())["cases"]
            assert [c["employeeName"] for c in found] == ["Erika Muster7"], found
            costs[n] = len(world.store.calls)
            assert not [c for c in world.store.calls if c[0] == "scan"], world.store.calls
        finally:
            bootstrap.reset()
    assert costs[SIZES[0]] == costs[SIZES[-1]], costs


@pytest.mark.parametrize("name", ["my_cases", "org_cases"])
@pytest.mark.parametrize(
    "asked", [{"sort": "opened"}, {"status": "open"}, {"status": "legal_hold", "sort": "opened"}]
)
def test_a_sorted_or_filtered_case_list_costs_the_same_with_10_and_1000_cases(
    tmp_path: Path, name: str, asked: dict[str, str]
) -> None:
    """Issue 24: an order or a filter of "my cases" and the directory is the same one keyset
    query over the index entries (shared/cases/listing.py) — no read per case, whatever their
    number; a filter that matches nothing costs no more either."""
    route = next(r for r in LIST_ROUTES if r.name == name)
    costs: dict[int, int] = {}
    for n in SIZES:
        ports, store = wire_counting(tmp_path / f"{name}{n}")
        world = _world(ports, store)
        try:
            route.seed(world, n)
            request = func.HttpRequest(
                "GET", f"http://localhost{route.path}", headers={"cookie": world.cookies[route.who]}, body=b"",
                route_params=route.params(world), params=asked,
            )  # fmt: skip
            entry(route.bp, route.name)(request)  # warms the caches
            world.store.reset()
            answer = entry(route.bp, route.name)(request)
            assert answer.status_code == 200, answer.get_body()[:300]
            body = json.loads(answer.get_body())
            assert bool(body["cases"]) == (asked.get("status") != "legal_hold"), body
            costs[n] = len(world.store.calls)
            assert not [c for c in world.store.calls if c[0] == "scan"], world.store.calls
        finally:
            bootstrap.reset()
    assert costs[SIZES[0]] == costs[SIZES[-1]], costs


@pytest.mark.parametrize("name", ["thread_list", "thread_read"])
def test_a_poll_answered_304_costs_the_access_check_and_one_point_read(tmp_path: Path, name: str) -> None:
    """Issue 18: the browser polls the thread list and a thread's state with If-None-Match; an
    unchanged answer is the session and the access check plus one point read (the inbox or the
    thread), whatever the number of threads or messages — and no work beyond it."""
    costs: dict[int, list[tuple[str, str]]] = {}
    for n in SIZES:
        ports, store = wire_counting(tmp_path / f"{name}{n}")
        world = _world(ports, store)
        try:
            _threads(world, n)
            thread_id = _bare(world, 0)
            path = "/api/cases/c1/threads" + ("" if name == "thread_list" else f"/{thread_id}")
            params = {"caseId": CASE} if name == "thread_list" else {"caseId": CASE, "threadId": thread_id}

            def get(
                etag: str | None, world: World = world, path: str = path, params: dict[str, str] = params
            ) -> func.HttpResponse:
                headers = {"cookie": world.cookies["doctor"], **({"if-none-match": etag} if etag else {})}
                request = func.HttpRequest("GET", f"http://localhost{path}", headers=headers, body=b"",
                                           route_params=params)  # fmt: skip
                world.store.reset()
                return entry(message_routes.bp, name)(request)

            full = get(None)
            assert full.status_code == 200, full.get_body()[:300]
            full_cost = len(world.store.calls)
            unchanged = get(full.headers["ETag"])
            assert unchanged.status_code == 304 and unchanged.get_body() == b""
            assert unchanged.headers["ETag"] == full.headers["ETag"]
            costs[n] = list(world.store.calls)
            assert len(costs[n]) < full_cost
            assert get('"stale"').status_code == 200
        finally:
            bootstrap.reset()
    assert costs[SIZES[0]] == costs[SIZES[-1]], costs
    # The session, the access check (the case and the participation in one read_many, the user's
    # consent), then the one point read of the inbox or the thread.
    assert costs[SIZES[0]] == [
        ("read", "sessions"),
        ("read_many", "cases"),
        ("read", "users"),
        ("read", "cases"),
    ]
