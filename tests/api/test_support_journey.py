"""SPEC journey 16 over HTTP (issue 22), on the embedded store and on Cosmos + Azurite: an operator
asks an organisation for access; an org admin is notified and approves it narrowed; the operator
activates it with a fresh code (the login's code is refused), reads the read-only views —
pseudonymised: no real name or e-mail in any answer, no private item's content ever — and the
admin revokes it, effective at the operator's next request. Every audit event carries the grant
id and the reason; the temporary-access overview lists the grant. Expiry by an injected clock is
in tests/unit/test_support.py (and the matrix's expired operator)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.client import ApiClient, Response, multipart_form
from tests.api.conftest import Env, code_for, new_operator, onboard, org_with_manager

PRIVATE = ("PRIVATE-NOTE-TITLE-7Q", "PRIVATE-NOTE-BODY-7Q", "PRIVATE-DOC-TITLE-7Q", "PRIVATE-DOC-BYTES-7Q")
EMPLOYEE = ("Greta Geheimnis", "sp.emp@example.invalid")
TASKS = "Greta Geheimnis starts with mornings"


@pytest.fixture(scope="module")
def world(env: Env) -> dict[str, Any]:
    org_id, admin, manager = org_with_manager(
        env, "Support AG", "sp.admin@example.invalid", "sp.cm@example.invalid"
    )
    body = {"employee": {"email": EMPLOYEE[1], "name": EMPLOYEE[0], "language": "de"}}
    created = manager.post(f"/api/orgs/{org_id}/cases", body)
    assert created.status == 201, created.body
    case_id = created.json()["caseId"]
    employee, _, _ = onboard(env, EMPLOYEE[1])
    note = employee.post(f"/api/cases/{case_id}/notes", {"title": PRIVATE[0], "body": PRIVATE[1]})
    assert note.status == 201, note.body
    form, content_type = multipart_form(
        ("x.txt", "text/plain", PRIVATE[3].encode()), title=PRIVATE[2], category="other"
    )
    doc = employee.post(f"/api/cases/{case_id}/documents", form, headers={"Content-Type": content_type})
    assert doc.status == 201, doc.body
    stage = {"fromDate": "2026-01-05", "workloadPercent": 50, "tasks": TASKS, "nextReview": None}
    planned = manager.post(f"/api/cases/{case_id}/plan/stages", stage)
    assert planned.status == 201, planned.body
    operator, secret, spent = new_operator(env, "olga.op@platform.invalid", "Olga Operatorin")
    # Names no route could contain by chance ("Admin" is a word of the API's own documents).
    for client, name in ((admin, "Adelheid Aufsichtsrat"), (manager, "Mirko Mustermanager")):
        me = client.get("/api/me")
        renamed = client.request("PATCH", "/api/me", {"name": name}, headers={"If-Match": me.headers["ETag"]})
        assert renamed.status == 200, renamed.body
    people = [admin.get("/api/me").json(), manager.get("/api/me").json()]
    real = [EMPLOYEE[0], EMPLOYEE[1], *(p["name"] for p in people), *(p["email"] for p in people)]
    return {"org": org_id, "admin": admin, "manager": manager, "employee": employee, "case": case_id,
            "operator": operator, "secret": secret, "spent": spent, "real": real}  # fmt: skip


def _grant_views(client: ApiClient, grant_id: str, case_id: str) -> list[Response]:
    base = f"/api/support/grants/{grant_id}"
    paths = ["/cases", f"/cases/{case_id}", f"/cases/{case_id}/participants", f"/cases/{case_id}/plan",
             "/audit", "/failures"]  # fmt: skip
    return [client.get(base + p) for p in paths]


def _every_get_route(
    client: ApiClient, *, org: str, case_id: str, grant_id: str
) -> list[tuple[str, int, str]]:
    """(route name, status, body) of every GET route of the app, its ids filled in with the
    journey's organisation, case and grant (any other id invented)."""
    from functions import lazy
    from functions.http import ROUTES

    lazy.load_all()
    answers = []
    for spec in ROUTES:
        if "GET" not in spec.methods or spec.name == "web":
            continue
        path = spec.path.replace("{orgId}", org).replace("{caseId}", case_id).replace("{grantId}", grant_id)
        path = "/" + re.sub(r"\{[^}]+\}", "0" * 32, path)
        answer = client.get(path)
        answers.append((spec.name, answer.status, answer.body.decode(errors="replace")))
    return answers


def _problem(answer: Response, status: int, code: str) -> None:
    assert answer.status == status, answer.body
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert answer.json()["code"] == code, answer.body


def test_support_journey(env: Env, world: dict[str, Any]) -> None:
    org, case_id = world["org"], world["case"]
    operator: ApiClient = world["operator"]
    admin: ApiClient = world["admin"]

    # Without a grant: every org and case route is 404; a known org reads like an unknown one.
    known = operator.get(f"/api/orgs/{org}/staff")
    unknown = operator.get(f"/api/orgs/{'0' * 32}/staff")
    _problem(known, 404, "not_found")
    assert (
        known.json()["title"] == unknown.json()["title"]
        and known.json()["detail"] == unknown.json()["detail"]
    )
    _problem(operator.get(f"/api/cases/{case_id}"), 404, "not_found")
    _problem(operator.get(f"/api/orgs/{org}/support-grants"), 404, "not_found")
    _problem(admin.post("/api/support/grants", {}), 403, "permission_denied")  # staff are no operators

    # Bad input: problem+json with stable codes, nothing stored.
    ask = {"orgId": org, "scope": "org", "reason": "customer cannot open the plan", "ticket": "SUP-4711"}
    _problem(operator.post("/api/support/grants", {**ask, "hours": 73}), 400, "support_duration_invalid")
    _problem(operator.post("/api/support/grants", {**ask, "reason": "  "}), 400, "support_reason_required")
    _problem(operator.post("/api/support/grants", {**ask, "orgId": "f" * 32}), 404, "not_found")
    _problem(operator.post("/api/support/grants", {**ask, "scope": "case"}), 400, "support_scope_invalid")
    german = operator.request(
        "POST", "/api/support/grants", {**ask, "hours": 73}, headers={"Accept-Language": "de"}
    )
    assert german.status == 400 and "Stunden" in german.json()["detail"]
    assert operator.get("/api/support/grants").json()["grants"] == []

    # The request; the admins are told; nothing is visible yet.
    asked = operator.post("/api/support/grants", {**ask, "hours": 24})
    assert asked.status == 201, asked.body
    grant = asked.json()
    grant_id = grant["grantId"]
    assert (grant["status"], grant["level"], grant["orgName"]) == ("requested", "pseudonymised", "Support AG")
    env.settle()
    kinds = [n["kind"] for n in admin.get("/api/me/notifications").json()["notifications"]]
    assert "support_request" in kinds
    assert all(v.status == 404 for v in _grant_views(operator, grant_id, case_id))
    pending = admin.get(f"/api/orgs/{org}/support-grants?pending=true").json()["grants"]
    assert [g["grantId"] for g in pending] == [grant_id] and pending[0]["operatorName"] == "Olga Operatorin"

    # The admin approves it narrowed (If-Match); widening is refused.
    path = f"/api/orgs/{org}/support-grants/{grant_id}"
    _problem(admin.post(f"{path}/approve", {}), 428, "precondition_required")
    wide = admin.post(f"{path}/approve", {"hours": 48}, headers={"If-Match": pending[0]["etag"]})
    _problem(wide, 400, "support_widening")
    approved = admin.post(f"{path}/approve", {"hours": 2}, headers={"If-Match": pending[0]["etag"]})
    assert (
        approved.status == 200 and approved.json()["status"] == "approved" and approved.json()["hours"] == 2
    )
    assert all(v.status == 404 for v in _grant_views(operator, grant_id, case_id))  # not activated

    # Activation: the login's code is refused (reused), a fresh one works.
    activate = f"/api/support/grants/{grant_id}/activate"
    _problem(operator.post(activate, {"code": world["spent"]}), 400, "totp_replayed")
    _problem(operator.post(activate, {}), 400, "support_step_up_required")
    active = operator.post(activate, {"code": code_for(world["secret"], 1)})
    assert active.status == 200 and active.json()["status"] == "active", active.body

    # A failed request of the organisation's staff shows up with its correlation id and code.
    failed = world["manager"].post(f"/api/cases/{case_id}/plan/stages", {"fromDate": "nope"})
    assert failed.status == 400
    correlation = failed.headers["X-Correlation-Id"]

    views = _grant_views(operator, grant_id, case_id)
    assert [v.status for v in views] == [200] * 6, [(v.status, v.body[:200]) for v in views]
    text = "\n".join(v.body.decode() for v in views)
    for word in (*world["real"], *PRIVATE, "Greta", "mornings"):
        assert word not in text, word
    assert "[hidden]" in text and "pseudonym.invalid" in text
    assert correlation in text
    [case] = views[0].json()["cases"]
    assert case["caseId"] == case_id and case["status"] == "open"
    roles = sorted(p["role"] for p in views[2].json()["participants"])
    assert roles == ["case_manager", "employee"]
    # Every GET route of the app, as the operator with a live pseudonymised grant: no real name,
    # no e-mail address, no private item's content in any answer.
    answers = _every_get_route(operator, org=org, case_id=case_id, grant_id=grant_id)
    assert any(status == 200 for _, status, _ in answers)
    for name, status, body in answers:
        for word in (*world["real"], *PRIVATE, "Greta", "mornings"):
            assert word not in body, (name, status, word)
    # Read-only and scoped: the ordinary routes stay closed, another grant id does not exist.
    _problem(operator.get(f"/api/cases/{case_id}"), 404, "not_found")
    _problem(operator.get(f"/api/cases/{case_id}/notes"), 404, "not_found")
    _problem(operator.get(f"/api/support/grants/{'0' * 32}/cases"), 404, "not_found")

    # Revocation: effective at the operator's next request.
    revoked = admin.post(f"{path}/revoke", {})
    assert revoked.status == 200 and revoked.json()["status"] == "revoked"
    assert all(v.status == 404 for v in _grant_views(operator, grant_id, case_id))
    mine = operator.get("/api/support/grants").json()["grants"]
    assert [(g["grantId"], g["status"]) for g in mine] == [(grant_id, "revoked")]

    # Every audit event of the grant carries its id and the reason; the overview lists it.
    env.settle()
    events = admin.get(f"/api/orgs/{org}/audit?limit=200").json()["events"]
    ours = [e for e in events if e["grantId"] == grant_id]
    actions = {e["action"] for e in ours}
    assert {"support:request", "support:approve", "support:activate", "support:revoke", "case:read",
            "plan:read", "support:participants_read", "support:audit_read"} <= actions, actions  # fmt: skip
    assert all(e["reason"] == ask["reason"] for e in ours)
    support_events = [e for e in events if e["action"].startswith("support:")]
    assert all(e["grantId"] and e["reason"] for e in support_events)
    overview = admin.get(f"/api/orgs/{org}/temporary-access").json()["accesses"]
    [row] = [a for a in overview if a["accessId"] == grant_id]
    assert (row["kind"], row["status"], row["ticket"]) == ("support", "ended", "SUP-4711")
    reads = admin.get(f"/api/orgs/{org}/temporary-access/{grant_id}/reads").json()["reads"]
    assert reads >= 6
    told = world["employee"].get("/api/me/accesses").json()["accesses"]
    assert any(a["action"] == "plan:read" for a in told)


def test_identified_level_names_people_but_never_shows_private_items(env: Env, world: dict[str, Any]) -> None:
    org, case_id = world["org"], world["case"]
    # A second operator: a TOTP step of their own (each code works once per account).
    operator, secret, _ = new_operator(env, "otto.op@platform.invalid", "Otto Operator")
    admin: ApiClient = world["admin"]
    ask = {"orgId": org, "scope": "case", "caseId": case_id, "reason": "wrong invitee", "ticket": "SUP-4712",
           "hours": 1, "level": "identified"}  # fmt: skip
    asked = operator.post("/api/support/grants", ask)
    assert asked.status == 201, asked.body
    grant_id = asked.json()["grantId"]
    approved = admin.post(
        f"/api/orgs/{org}/support-grants/{grant_id}/approve", {}, headers={"If-Match": asked.json()["etag"]}
    )
    assert approved.status == 200, approved.body
    # Someone else's grant cannot be activated: it does not exist for them.
    _problem(
        world["operator"].post(f"/api/support/grants/{grant_id}/activate", {"code": "123456"}),
        404,
        "not_found",
    )
    active = operator.post(f"/api/support/grants/{grant_id}/activate", {"code": code_for(secret, 1)})
    assert active.status == 200, active.body
    views = _grant_views(operator, grant_id, case_id)
    assert [v.status for v in views] == [200] * 6
    text = "\n".join(v.body.decode() for v in views)
    assert EMPLOYEE[0] in text and EMPLOYEE[1] in text and TASKS in text
    for marker in PRIVATE:
        assert marker not in text
    # Identified data covers names, never the content of a private item, on any route.
    for name, status, body in _every_get_route(operator, org=org, case_id=case_id, grant_id=grant_id):
        for marker in PRIVATE:
            assert marker not in body, (name, status, marker)
    other = operator.get(f"/api/support/grants/{grant_id}/cases/{'0' * 32}")
    _problem(other, 404, "not_found")  # a case outside the grant's scope
    # The operator cannot decide anything: the admin's routes are 404 for them.
    _problem(operator.post(f"/api/orgs/{org}/support-grants/{grant_id}/revoke", {}), 404, "not_found")
