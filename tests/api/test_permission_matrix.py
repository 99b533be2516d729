"""The permission matrix: every non-public HTTP route × every actor relation, over real HTTP.

The expected outcome of each action for each actor is written out here by hand from SPEC §3
(not derived from ``shared/access``). Each route is then called as each actor: refusals must be
exactly 401 (anonymous), 403 (related to the target, wrong role) or 404 (no relation to the
case: it must not even be revealed). Allowed calls use bodies that do not validate, missing
If-Match headers or targets that are refused for domain reasons, so the matrix changes nothing.
A route whose action has no row here fails the suite.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

import pytest

from shared.access.permissions import PUBLIC_ROUTES, Action
from shared.access.table import TABLE
from tests.api.client import ApiClient, multipart_form
from tests.api.conftest import AdapterSet, Env, code_for, new_operator, onboard
from tests.api.entra_flow import env_with_authority, sign_in
from tests.fixtures.entra_fake import CUSTOMER_TENANT, OPERATOR_ROLE, PLATFORM_TENANT, EntraFake, Identity

PARTICIPANTS_A = ("employee_a", "manager_a", "doctor_a", "employer_a")
#: Staff of A holding "access all cases" (issue 23): before opening case A by break-glass, during
#: the window, and after it (expired).
GLASS = ("glass_before", "glass_during", "glass_after")
#: Support operators (issue 22), by the state of their one support grant on organisation A:
#: none, requested, approved (not activated), active, expired (its window passed), revoked.
OPERATORS = ("op_none", "op_pending", "op_approved", "op_active", "op_expired", "op_revoked")
#: Signed in with Microsoft Entra ID (issue 21): a case manager of A (like staff_a) and an
#: operator without any support grant (like op_none).
ENTRA = ("entra_staff", "entra_operator")
ACTORS = (
    "anonymous",
    *PARTICIPANTS_A,
    "admin_a",
    "staff_a",
    "manager_b",
    "admin_b",
    *GLASS,
    *OPERATORS,
    *ENTRA,
)
SIGNED_IN = ACTORS[1:]
ALLOW = "allow"


def row(
    allow: tuple[str, ...], *, forbidden: tuple[str, ...] = (), hidden: tuple[str, ...] = ()
) -> dict[str, object]:
    """Outcome per actor: allowed, 403 (forbidden), 404 (hidden); every other signed-in actor 403 —
    but an operator 404: outside their own routes they see nothing of any organisation (issue 22)."""
    outcome: dict[str, object] = {"anonymous": 401}
    for actor in SIGNED_IN:
        operator = actor in OPERATORS or actor == "entra_operator"
        outcome[actor] = ALLOW if actor in allow else 404 if actor in hidden or operator else 403
    assert not set(forbidden) & set(allow)
    return outcome


OUTSIDERS = ("staff_a", "entra_staff", "manager_b", "admin_b", "glass_before", "glass_after")  # not in case A
#: glass_during reads the summary and the plan of case A, nothing else (403: it knows the case).
# The matrix's document and note belong to employee_a and are shared with doctor_a only: for
# everyone else they do not exist (404), for the grantee they are readable, not changeable (403).
OWNER, GRANTEE = ("employee_a",), ("doctor_a",)
NOT_SHARED = tuple(a for a in SIGNED_IN if a not in (*OWNER, *GRANTEE))
#: Records about the employee (issue 16), by their author: who is told they do not exist.
ABOUT_HIDDEN = {
    author: tuple(a for a in SIGNED_IN if a not in (author, "employee_a"))
    for author in ("doctor_a", "employer_a")
}
EXPECTED: dict[Action, dict[str, object]] = {
    Action.SESSION_USE: row(SIGNED_IN),
    Action.CONSENT_WRITE: row(SIGNED_IN),
    Action.PROFILE_MANAGE: row(SIGNED_IN),
    Action.CASES_LIST_MINE: row(SIGNED_IN),
    Action.ORGS_LIST_MINE: row(SIGNED_IN),
    Action.ORG_CASES_LIST: row(("admin_a", *GLASS)),
    Action.STAFF_MANAGE: row(("admin_a",)),
    Action.STAFF_READ: row(("admin_a",)),
    Action.CASE_CREATE: row(("manager_a", "staff_a", "entra_staff", *GLASS)),
    Action.CASE_READ: row((*PARTICIPANTS_A, "admin_a", "glass_during"), hidden=OUTSIDERS),
    Action.PARTICIPANT_MANAGE: row(("manager_a",), hidden=OUTSIDERS),
    Action.CASE_CLOSE: row(("manager_a",), hidden=OUTSIDERS),
    Action.CASE_LEGAL_HOLD: row(("admin_a",), hidden=OUTSIDERS),
    Action.PLAN_READ: row((*PARTICIPANTS_A, "glass_during"), hidden=OUTSIDERS),
    Action.PLAN_WRITE: row(("manager_a",), hidden=OUTSIDERS),
    Action.AUDIT_READ: row(("admin_a",)),
    Action.AUDIT_READ_OWN: row(SIGNED_IN),
    Action.BREAK_GLASS_OPEN: row(GLASS),
    Action.TEMP_ACCESS_READ: row(("admin_a",)),
    Action.TEMP_ACCESS_MANAGE: row(("admin_a",)),
    Action.ACCESS_REVIEW_READ: row(("admin_a",), hidden=OUTSIDERS),
    Action.ACCESS_REVIEW_MANAGE: row(("admin_a",), hidden=OUTSIDERS),
    Action.DOCUMENT_CREATE: row(PARTICIPANTS_A, hidden=OUTSIDERS),
    Action.DOCUMENT_LIST: row(PARTICIPANTS_A, hidden=OUTSIDERS),
    Action.DOCUMENT_READ: row((*OWNER, *GRANTEE), hidden=NOT_SHARED),
    Action.DOCUMENT_WRITE: row(OWNER, forbidden=GRANTEE, hidden=NOT_SHARED),
    Action.DOCUMENT_DELETE: row(OWNER, forbidden=GRANTEE, hidden=NOT_SHARED),
    Action.NOTE_CREATE: row(PARTICIPANTS_A, hidden=OUTSIDERS),
    Action.NOTE_LIST: row(PARTICIPANTS_A, hidden=OUTSIDERS),
    Action.NOTE_READ: row((*OWNER, *GRANTEE), hidden=NOT_SHARED),
    Action.NOTE_WRITE: row(OWNER, forbidden=GRANTEE, hidden=NOT_SHARED),
    Action.NOTE_DELETE: row(OWNER, forbidden=GRANTEE, hidden=NOT_SHARED),
    Action.REFLECTION_LIST: row(PARTICIPANTS_A, hidden=OUTSIDERS),
    # A single entry is the employee's alone: other participants are told it does not exist.
    Action.REFLECTION_READ: row(OWNER, hidden=(*(p for p in PARTICIPANTS_A if p not in OWNER), *OUTSIDERS)),
    Action.REFLECTION_WRITE: row(OWNER, hidden=OUTSIDERS),
    Action.REFLECTION_DELETE: row(OWNER, hidden=OUTSIDERS),
    Action.REFLECTION_SERIES_FIND: row(PARTICIPANTS_A, hidden=OUTSIDERS),
    # The series is shared with doctor_a like the document and the note.
    Action.REFLECTION_SERIES_READ: row((*OWNER, *GRANTEE), hidden=NOT_SHARED),
    Action.DASHBOARD_READ: row(PARTICIPANTS_A, hidden=OUTSIDERS),
    # PDF reports: employee, case manager, doctor; never the employer contact nor org admins (403).
    Action.REPORT_CREATE: row(("employee_a", "manager_a", "doctor_a"), hidden=OUTSIDERS),
    # Messaging: active participants only (thread membership is the service's: 404); org admins
    # never read messages (403), outsiders do not learn the case exists (404).
    Action.MESSAGE_THREADS: row(PARTICIPANTS_A, hidden=OUTSIDERS),
    Action.MESSAGE_START: row(PARTICIPANTS_A, hidden=OUTSIDERS),
    Action.MESSAGE_READ: row(PARTICIPANTS_A, hidden=OUTSIDERS),
    Action.MESSAGE_SEND: row(PARTICIPANTS_A, hidden=OUTSIDERS),
    Action.MESSAGE_DELETE: row(PARTICIPANTS_A, hidden=OUTSIDERS),
    Action.MESSAGE_MEMBERS: row(PARTICIPANTS_A, hidden=OUTSIDERS),
    # Evaluations and feedback (issue 16): the matrix's evaluation is doctor_a's, its feedback
    # employer_a's, shared with nobody: the employee sees both (always), everyone else is told 404.
    Action.EVALUATION_CREATE: row(("doctor_a",), hidden=OUTSIDERS),
    Action.EVALUATION_LIST: row(PARTICIPANTS_A, hidden=OUTSIDERS),
    Action.EVALUATION_READ: row(("doctor_a", "employee_a"), hidden=ABOUT_HIDDEN["doctor_a"]),
    Action.EVALUATION_AMEND: row(("doctor_a",), forbidden=("employee_a",), hidden=ABOUT_HIDDEN["doctor_a"]),
    Action.FEEDBACK_CREATE: row(("employer_a",), hidden=OUTSIDERS),
    Action.FEEDBACK_LIST: row(PARTICIPANTS_A, hidden=OUTSIDERS),
    Action.FEEDBACK_READ: row(("employer_a", "employee_a"), hidden=ABOUT_HIDDEN["employer_a"]),
    Action.FEEDBACK_AMEND: row(("employer_a",), forbidden=("employee_a",), hidden=ABOUT_HIDDEN["employer_a"]),
    Action.ITEM_SHARE: row(OWNER, forbidden=GRANTEE, hidden=NOT_SHARED),
    Action.ITEM_PREVIEW: row(PARTICIPANTS_A, hidden=OUTSIDERS),
    Action.NOTIFICATIONS_OWN: row(SIGNED_IN),
    # Microsoft Entra ID (issue 21): one's own link and step-up; the organisation's tenant link.
    Action.ENTRA_LINK: row(SIGNED_IN),
    Action.ENTRA_STEP_UP: row(SIGNED_IN),
    Action.ORG_ENTRA_MANAGE: row(("admin_a",)),
    # Support access (issue 22): operators ask and activate (staff: 403); only a live grant reads
    # its views (everyone else: the grant does not exist); org admins decide.
    Action.SUPPORT_REQUEST: row((*OPERATORS, "entra_operator")),
    Action.SUPPORT_OWN: row((*OPERATORS, "entra_operator")),
    Action.SUPPORT_VIEW: row(("op_active",), hidden=tuple(a for a in SIGNED_IN if a != "op_active")),
    Action.SUPPORT_REQUESTS_READ: row(("admin_a",)),
    Action.SUPPORT_DECIDE: row(("admin_a",)),
}
#: The sharing routes of the evaluation and the feedback (``item:share``): their owner is the
#: author, the employee holds a grant (403: they see the record, it is not theirs), others 404.
#: The allowed call addresses the employee's grant, which the author cannot change (409).
BY_ROUTE: dict[str, dict[str, object]] = {
    f"{kind}_{op}": row((author,), forbidden=("employee_a",), hidden=ABOUT_HIDDEN[author])
    for kind, author in (("evaluation", "doctor_a"), ("feedback", "employer_a"))
    for op in ("access", "grant", "revoke")
}
#: Routes whose allowed call would end the caller's session; their refusals are still checked.
DISRUPTIVE = {"logout"}
# Ending one's own Microsoft link would change what the matrix set up; its refusals are checked.
DISRUPTIVE |= {"entra_unlink"}
#: Routes addressed by an id the matrix can only invent: an allowed call may answer 404.
INVENTED_ID = {"staff_invitation_resend", "staff_invitation_revoke", "me_session_end", "plan_stage_update"}
INVENTED_ID |= {"temp_access_reads", "temp_access_review", "temp_access_end"}
# Support grants (issue 22): an operator's {grantId} is their own grant (op_none: invented); an
# admin's is invented (the matrix decides nothing).
INVENTED_ID |= {"support_activate", "support_approve", "support_deny", "support_revoke"}
# Revoking the employee's own (non-existent) grant: the owner is allowed and told 404.
INVENTED_ID |= {"doc_revoke", "note_revoke", "reflection_series_revoke"}
# A thread the matrix invents: its members are told 404 (a thread one is not in does not exist).
INVENTED_ID |= {
    "thread_read",
    "message_list",
    "message_send",
    "message_delete",
    "thread_member_add",
    "thread_leave",
}


@functools.cache  # azure-functions refuses a second get_functions() on the same app
def routes() -> list[tuple[str, str, str, Action]]:
    import function_app

    found = []
    for fn in function_app.app.get_functions():
        trigger = fn.get_trigger()
        if type(trigger).__name__ != "HttpTrigger" or fn.get_function_name() in PUBLIC_ROUTES:
            continue
        action = fn.get_user_function().casedesk_permission
        for method in trigger.methods:
            found.append(
                (fn.get_function_name(), str(getattr(method, "value", method)), trigger.route, action)
            )
    return found


def test_every_action_has_a_row_in_the_table_and_the_matrix() -> None:
    assert set(TABLE) == set(Action) == set(EXPECTED)


def test_every_route_is_in_the_matrix() -> None:
    assert routes(), "no routes found"
    assert {action for *_, action in routes()} <= set(EXPECTED)


def new_org(env: Env, name: str, admin_email: str) -> tuple[str, ApiClient]:
    made = env.cli("create-org", "--name", name, "--admin-email", admin_email, "--admin-name", "Admin")
    org_id = re.search(r"organisation ([0-9a-f]{32})", made.stdout).group(1)  # type: ignore[union-attr]
    return org_id, onboard(env, admin_email)[0]


def staff(env: Env, admin: ApiClient, org_id: str, email: str) -> ApiClient:
    body = {"email": email, "name": "Staff", "language": "en", "role": "case_manager"}
    assert admin.post(f"/api/orgs/{org_id}/invitations", body).status == 201
    return onboard(env, email)[0]


def support_operators(env: Env, admin: ApiClient, org_id: str) -> tuple[dict[str, ApiClient], dict[str, str]]:
    """The operators of :data:`OPERATORS`, signed in, each with their grant on ``org_id`` in its
    state (issue 22; the expired one's window is moved into the past in the store, as the unit
    tests move a clock instead)."""
    clients, grants = {}, {}
    for name in OPERATORS:
        client, secret, _ = new_operator(env, f"mx.{name.replace('_', '.')}@platform.invalid", "Operator")
        clients[name] = client
        if name == "op_none":
            continue
        ask = {"orgId": org_id, "scope": "org", "reason": "matrix", "ticket": "MX-1"}
        asked = client.post("/api/support/grants", ask)
        assert asked.status == 201, asked.body
        grant_id = grants[name] = asked.json()["grantId"]
        if name == "op_pending":
            continue
        path = f"/api/orgs/{org_id}/support-grants/{grant_id}"
        assert admin.post(f"{path}/approve", {}, headers={"If-Match": asked.json()["etag"]}).status == 200
        if name == "op_approved":
            continue
        active = client.post(f"/api/support/grants/{grant_id}/activate", {"code": code_for(secret, 1)})
        assert active.status == 200, active.body
        if name == "op_revoked":
            assert admin.post(f"{path}/revoke", {}).status == 200
        if name == "op_expired":
            store = env.store()
            record = store.read("orgs", org_id, f"tempaccess-{grant_id}")
            past = {**record, "untilAt": "2000-01-01T00:00:00+00:00"}
            store.replace("orgs", past, if_match=record["_etag"])
    return clients, grants


def entra_actors(env: Env, fake: EntraFake, admin: ApiClient, org_id: str) -> dict[str, ApiClient]:
    """:data:`ENTRA`, signed in through the fake authority: organisation A is linked to the
    customer's tenant by its admin, a new case manager links her account after her CaseDesk
    login, then signs in with Microsoft alone; an operator made by the ops CLI signs in too."""
    fake.add(Identity("mx-admin", CUSTOMER_TENANT, "Admin", "mx.admin.a@example.invalid"))
    fake.add(Identity("mx-staff", CUSTOMER_TENANT, "Staff", "mx.entra.staff@example.invalid"))
    olga = fake.add(
        Identity("mx-op", PLATFORM_TENANT, "Olga", "mx.op@platform.invalid", roles=[OPERATOR_ROLE])
    )
    linked, _ = sign_in(env, fake, "mx-admin", client=admin, path=f"/api/orgs/{org_id}/entra/link",
                        body={"tenantId": CUSTOMER_TENANT})  # fmt: skip
    assert linked.query == {"entra": "org_linked"}, linked.location
    casedesk_login = staff(env, admin, org_id, "mx.entra.staff@example.invalid")
    mine, _ = sign_in(
        env, fake, "mx-staff", client=casedesk_login, path="/api/me/entra/link", body={"orgId": org_id}
    )
    assert mine.query == {"entra": "linked"}, mine.location
    _, entra_staff = sign_in(env, fake, "mx-staff")
    made = env.cli("create-operator", "--tenant-id", PLATFORM_TENANT, "--object-id", olga.object_id,
                   "--name", "Olga", "--email", olga.email)  # fmt: skip
    assert made.returncode == 0, made.stderr
    _, entra_operator = sign_in(env, fake, "mx-op")
    versions = entra_operator.get("/api/auth/session").json()["versions"]
    assert entra_operator.post("/api/me/consent", versions).status == 200
    return {"entra_staff": entra_staff, "entra_operator": entra_operator}


@pytest.fixture(scope="module")
def entra_env(
    tmp_path_factory: pytest.TempPathFactory, adapters: AdapterSet
) -> Iterator[tuple[Env, EntraFake]]:
    """The matrix's dev host, pointed at a fake Entra authority (issue 21)."""
    with env_with_authority(tmp_path_factory, adapters) as pair:
        yield pair


@pytest.fixture(scope="module")
def env(entra_env: tuple[Env, EntraFake]) -> Env:
    return entra_env[0]


@pytest.fixture(scope="module")
def world(env: Env, entra_env: tuple[Env, EntraFake]) -> Iterator[dict[str, object]]:
    org_a, admin_a = new_org(env, "Matrix A AG", "mx.admin.a@example.invalid")
    org_b, admin_b = new_org(env, "Matrix B AG", "mx.admin.b@example.invalid")
    manager_a = staff(env, admin_a, org_a, "mx.cm.a@example.invalid")
    staff_a = staff(env, admin_a, org_a, "mx.staff.a@example.invalid")
    manager_b = staff(env, admin_b, org_b, "mx.cm.b@example.invalid")
    employee = {"employee": {"email": "mx.emp@example.invalid", "name": "E", "language": "en"}}
    case_a = manager_a.post(f"/api/orgs/{org_a}/cases", employee).json()["caseId"]
    employee_a = onboard(env, "mx.emp@example.invalid")[0]
    glass = {name: staff(env, admin_a, org_a, f"mx.{name}@example.invalid") for name in GLASS}
    listed = admin_a.get(f"/api/orgs/{org_a}/staff?limit=200").json()["members"]
    for name, client in glass.items():
        user_id = client.get("/api/auth/session").json()["userId"]
        etag = next(m["etag"] for m in listed if m["userId"] == user_id)
        flagged = admin_a.request(
            "PATCH",
            f"/api/orgs/{org_a}/staff/{user_id}",
            {"roles": ["case_manager"], "accessAllCases": True},
            headers={"If-Match": etag},
        )
        assert flagged.status == 200, flagged.body
        if name != "glass_before":
            why = {"caseId": case_a, "outsideAuthorisation": True, "reason": "matrix"}
            opened = client.post(f"/api/orgs/{org_a}/break-glass", why)
            assert opened.status == 201, opened.body
        if name == "glass_after":  # the window has passed (the unit tests move a clock instead)
            store = env.store()
            grant = store.read("cases", case_a, f"breakglass-{user_id}")
            store.replace("cases", {**grant, "untilAt": "2000-01-01T00:00:00+00:00"}, if_match=grant["_etag"])
    clients = {
        **glass,
        "anonymous": env.client(),
        "employee_a": employee_a,
        "manager_a": manager_a,
        "admin_a": admin_a,
        "staff_a": staff_a,
        "manager_b": manager_b,
        "admin_b": admin_b,
    }
    for actor, role in (("doctor_a", "doctor"), ("employer_a", "employer")):
        email = f"mx.{role}@example.invalid"
        body = {"email": email, "name": role, "language": "en", "role": role}
        assert manager_a.post(f"/api/cases/{case_a}/participants", body).status == 201
        clients[actor] = onboard(env, email)[0]
    other = {"employee": {"email": "mx.emp.b@example.invalid", "name": "F", "language": "en"}}
    assert manager_b.post(f"/api/orgs/{org_b}/cases", other).status == 201
    employee_id = employee_a.get("/api/auth/session").json()["userId"]
    doctor_id = clients["doctor_a"].get("/api/auth/session").json()["userId"]
    body, content_type = multipart_form(("a.txt", "text/plain", b"matrix"), title="Matrix", category="other")
    doc = employee_a.post(f"/api/cases/{case_a}/documents", body, headers={"Content-Type": content_type})
    note = employee_a.post(f"/api/cases/{case_a}/notes", {"title": "Matrix", "body": "matrix"})
    assert doc.status == 201 and note.status == 201, (doc.body, note.body)
    doc_id, note_id = doc.json()["id"], note.json()["id"]
    series = employee_a.get(f"/api/cases/{case_a}/reflections-series")
    assert series.status == 200, series.body
    series_id = series.json()["id"]
    for kind, item_id in (("documents", doc_id), ("notes", note_id), ("reflection-series", series_id)):
        shared = employee_a.request("PUT", f"/api/cases/{case_a}/{kind}/{item_id}/grants/{doctor_id}", {})
        assert shared.status == 200, shared.body
    about = {"capacityPercent": 50, "validFrom": "2026-01-01"}
    evaluation = clients["doctor_a"].post(f"/api/cases/{case_a}/evaluations", about)
    feedback = clients["employer_a"].post(
        f"/api/cases/{case_a}/feedback", {"date": "2026-01-01", "attendance": 5}
    )
    assert evaluation.status == 201 and feedback.status == 201, (evaluation.body, feedback.body)
    operators, grants = support_operators(env, admin_a, org_a)
    clients.update(operators)
    clients.update(entra_actors(env, entra_env[1], admin_a, org_a))
    yield {
        "grants": grants,
        "evaluation": evaluation.json()["id"],
        "feedback": feedback.json()["id"],
        "clients": clients,
        "org": org_a,
        "case": case_a,
        "employee_id": employee_id,
        "doc": doc_id,
        "note": note_id,
        "series": series_id,
    }


def concrete(path: str, world: dict[str, object], actor: str = "") -> str:
    path = path.replace("{orgId}", str(world["org"])).replace("{caseId}", str(world["case"]))
    path = path.replace("{grantId}", world["grants"].get(actor, "0" * 32))  # type: ignore[attr-defined]
    # The employee as {userId}: removing them is refused for a domain reason, so nothing changes.
    path = path.replace("{userId}", str(world["employee_id"]))
    # Items that exist; version 1 is the current one, which cannot be deleted on its own.
    path = path.replace("{docId}", str(world["doc"])).replace("{noteId}", str(world["note"]))
    path = path.replace("{seriesId}", str(world["series"]))
    path = path.replace("{evaluationId}", str(world["evaluation"])).replace(
        "{feedbackId}", str(world["feedback"])
    )
    path = path.replace("{version}", "1")
    return "/" + re.sub(r"\{[^}]+\}", "0" * 32, path)


@pytest.mark.parametrize("actor", ACTORS)
def test_each_route_answers_each_actor_as_the_matrix_says(actor: str, world: dict[str, object]) -> None:
    client: ApiClient = world["clients"][actor]  # type: ignore[index]
    checked = skipped = 0
    for name, method, path, action in routes():
        expected = BY_ROUTE.get(name, EXPECTED[action])[actor]
        if expected == ALLOW and name in DISRUPTIVE:
            skipped += 1
            continue
        body = None if method in ("GET", "DELETE") else {}
        response = client.request(method, concrete(path, world, actor), body)
        where = (name, method, actor, response.status, response.body[:200])
        if expected == ALLOW:
            refused = {401, 403} if name in INVENTED_ID else {401, 403, 404}
            assert response.status not in refused, where
        else:
            assert response.status == expected, where
            assert response.json()["code"] in ("unauthenticated", "permission_denied", "not_found"), where
        checked += 1
    assert checked + skipped == len(routes()) and checked >= len(routes()) - len(DISRUPTIVE)
