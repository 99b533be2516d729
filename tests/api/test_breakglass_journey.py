"""SPEC journey 17 over HTTP (issue 23), on the embedded store and on Cosmos + Azurite: staff
holding "access all cases" find a case by name, open it only with the "outside my authorisation"
tick and a reason, read its summary and plan (never its items); the org admin is alerted, sees the
access in the temporary-access overview with its reads (from the audit index), marks it reviewed,
exports the CSV (formulas neutralised) and ends it. Bad input is problem+json and stores nothing.
Expiry by the clock is in tests/unit/test_breakglass.py (and the matrix's ``glass_after``)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.api.client import ApiClient
from tests.api.conftest import Env, onboard, org_with_manager


@pytest.fixture(scope="module")
def world(env: Env) -> dict[str, Any]:
    org_id, admin, manager = org_with_manager(
        env, "Glas AG", "bg.admin@example.invalid", "bg.cm@example.invalid"
    )
    body = {"employee": {"email": "bg.emp@example.invalid", "name": "Greta Glas", "language": "de"}}
    created = manager.post(f"/api/orgs/{org_id}/cases", body)
    assert created.status == 201, created.body
    case_id = created.json()["caseId"]
    employee, _, _ = onboard(env, "bg.emp@example.invalid")
    note = employee.post(f"/api/cases/{case_id}/notes", {"title": "Privat", "body": "nur für mich"})
    assert note.status == 201, note.body
    invite = {
        "email": "bg.staff@example.invalid",
        "name": "Stella Staff",
        "language": "en",
        "role": "case_manager",
    }
    assert admin.post(f"/api/orgs/{org_id}/invitations", invite).status == 201
    staff, _, _ = onboard(env, "bg.staff@example.invalid")
    staff_id = staff.get("/api/auth/session").json()["userId"]
    other_org, _, other_manager = org_with_manager(
        env, "Andere AG", "bg.admin2@example.invalid", "bg.cm2@example.invalid"
    )
    other = other_manager.post(
        f"/api/orgs/{other_org}/cases",
        {"employee": {"email": "bg.o@example.invalid", "name": "O", "language": "en"}},
    )
    assert other.status == 201, other.body
    return {"org": org_id, "admin": admin, "manager": manager, "employee": employee, "staff": staff,
            "staff_id": staff_id, "case": case_id, "note": note.json()["id"],
            "other_case": other.json()["caseId"]}  # fmt: skip


def _flag(world: dict[str, Any], on: bool) -> None:
    admin: ApiClient = world["admin"]
    listed = admin.get(f"/api/orgs/{world['org']}/staff?limit=200").json()["members"]
    etag = next(m["etag"] for m in listed if m["userId"] == world["staff_id"])
    changed = admin.request(
        "PATCH",
        f"/api/orgs/{world['org']}/staff/{world['staff_id']}",
        {"roles": ["case_manager"], "accessAllCases": on},
        headers={"If-Match": etag},
    )
    assert changed.status == 200, changed.body


def _overview(world: dict[str, Any]) -> list[dict[str, Any]]:
    answer = world["admin"].get(f"/api/orgs/{world['org']}/temporary-access")
    assert answer.status == 200, answer.body
    assert answer.json()["days"] == 30  # the look-back window the page names
    accesses: list[dict[str, Any]] = answer.json()["accesses"]
    return accesses


def test_break_glass_journey(env: Env, world: dict[str, Any]) -> None:
    org, case_id = world["org"], world["case"]
    staff: ApiClient = world["staff"]
    admin: ApiClient = world["admin"]
    reason = {"caseId": case_id, "outsideAuthorisation": True, "reason": "=cmd|' /C calc'!A0 covering Carla"}

    # Without the flag: no search, no break-glass (403), the case does not exist for them (404).
    assert staff.get(f"/api/orgs/{org}/cases?q=Greta").status == 403
    refused = staff.post(f"/api/orgs/{org}/break-glass", reason)
    assert refused.status == 403 and refused.json()["code"] == "permission_denied"
    assert staff.get(f"/api/cases/{case_id}").status == 404

    _flag(world, True)
    found = staff.get(f"/api/orgs/{org}/cases?q=greta")
    assert found.status == 200 and [c["caseId"] for c in found.json()["cases"]] == [case_id]
    assert staff.get(f"/api/cases/{case_id}").status == 404  # the flag alone opens nothing

    # Bad input: problem+json in the caller's language, nothing stored.
    for body, field in (
        ({**reason, "reason": "  "}, "reason"),
        ({**reason, "outsideAuthorisation": False}, "outsideAuthorisation"),
        ({"caseId": case_id, "reason": "x"}, "outsideAuthorisation"),
    ):
        bad = staff.post(f"/api/orgs/{org}/break-glass", body)
        assert bad.status == 400, (body, bad.body)
        assert bad.headers["Content-Type"].startswith("application/problem+json")
        assert field in bad.body.decode(), bad.body
    german = staff.request("POST", f"/api/orgs/{org}/break-glass", {**reason, "reason": ""},
                           headers={"Accept-Language": "de"})  # fmt: skip
    english = staff.request(
        "POST", f"/api/orgs/{org}/break-glass", {**reason, "reason": ""}, headers={"Accept-Language": "en"}
    )
    assert german.status == english.status == 400 and german.json()["title"] != english.json()["title"]
    foreign = staff.post(f"/api/orgs/{org}/break-glass", {**reason, "caseId": world["other_case"]})
    assert foreign.status == 404 and foreign.json()["code"] == "not_found"
    mine = world["manager"].post(f"/api/orgs/{org}/break-glass", reason)
    assert mine.status == 403  # the case's own manager has no flag (and needs no break-glass)
    assert _overview(world) == []

    opened = staff.post(f"/api/orgs/{org}/break-glass", reason)
    assert opened.status == 201, opened.body
    access = opened.json()
    assert (
        access["status"] == "active"
        and access["kind"] == "break_glass"
        and access["userId"] == world["staff_id"]
    )
    assert staff.get(f"/api/cases/{case_id}").status == 200
    assert staff.get(f"/api/cases/{case_id}/plan").status == 200
    assert staff.get(f"/api/cases/{case_id}/notes").status == 403
    assert staff.get(f"/api/cases/{case_id}/notes/{world['note']}").status == 404
    assert staff.post(f"/api/cases/{case_id}/notes", {"title": "x", "body": "y"}).status == 403
    env.settle()

    # The admin: alerted in-app, sees it in the overview with its reads, and in the audit log.
    kinds = [(n["kind"], n["caseId"]) for n in admin.get("/api/me/notifications").json()["notifications"]]
    assert ("break_glass", case_id) in kinds
    [row] = _overview(world)
    assert row["accessId"] == access["accessId"] and row["reason"] == reason["reason"]
    assert row["userName"] == "Stella Staff" and row["reviewedAt"] is None
    reads = admin.get(f"/api/orgs/{org}/temporary-access/{row['accessId']}/reads")
    assert reads.status == 200 and reads.json()["reads"] == 2, reads.body
    events = admin.get(f"/api/orgs/{org}/audit?action=case:break_glass").json()["events"]
    assert [(e["actor"], e["reason"], e["caseId"]) for e in events] == [
        (world["staff_id"], reason["reason"], case_id)
    ]
    told = world["employee"].get("/api/me/accesses").json()["accesses"]
    assert any(a["action"] == "case:break_glass" and "Notfallzugriff" in a["sentence"] for a in told), told
    assert staff.get(f"/api/orgs/{org}/temporary-access").status == 403

    # Review: If-Match required, a comment; a stale version is refused.
    path = f"/api/orgs/{org}/temporary-access/{row['accessId']}"
    assert admin.post(f"{path}/review", {"comment": "ok"}).status == 428
    long = admin.post(f"{path}/review", {"comment": "x" * 501}, headers={"If-Match": row["etag"]})
    assert long.status == 400
    done = admin.post(f"{path}/review", {"comment": "@ asked Carla, fine"}, headers={"If-Match": row["etag"]})
    assert done.status == 200, done.body
    assert done.json()["reviewComment"] == "@ asked Carla, fine" and done.json()["reviewedAt"]
    stale = admin.post(f"{path}/review", {"comment": "again"}, headers={"If-Match": row["etag"]})
    assert stale.status == 412

    # CSV export: every cell that would start a formula starts with an apostrophe.
    exported = admin.get(f"/api/orgs/{org}/temporary-access/export")
    assert exported.status == 200 and exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.body.decode("utf-8-sig"))))
    assert [(r["reason"], r["reviewComment"], r["reads"]) for r in rows] == [
        ("'" + reason["reason"], "'@ asked Carla, fine", "2")
    ]

    # The admin ends it: the case is gone for the staff member at once.
    ended = admin.post(f"{path}/end")
    assert ended.status == 200 and ended.json()["status"] == "ended", ended.body
    assert staff.get(f"/api/cases/{case_id}").status == 404
    assert admin.post(f"{path}/end").json()["endedAt"] == ended.json()["endedAt"]

    # Opened again, then the flag is taken away: the window closes with it.
    again = staff.post(f"/api/orgs/{org}/break-glass", {**reason, "reason": "second look"})
    assert again.status == 201 and staff.get(f"/api/cases/{case_id}").status == 200
    _flag(world, False)
    assert staff.get(f"/api/cases/{case_id}").status == 404
    assert [r["reason"] for r in _overview(world)] == ["second look", reason["reason"]]
    assert admin.get(f"/api/orgs/{org}/temporary-access/{'0' * 32}/reads").status == 404


def test_access_review_lists_people_grants_and_shares_and_ends_an_invitation(
    env: Env, world: dict[str, Any]
) -> None:
    org, case_id = world["org"], world["case"]
    admin: ApiClient = world["admin"]
    manager: ApiClient = world["manager"]
    staff: ApiClient = world["staff"]
    doctor = {"email": "bg.doc@example.invalid", "name": "Dr. D", "language": "en", "role": "doctor"}
    assert manager.post(f"/api/cases/{case_id}/participants", doctor).status == 201
    manager_id = manager.get("/api/auth/session").json()["userId"]
    shared = world["employee"].request(
        "PUT", f"/api/cases/{case_id}/notes/{world['note']}/grants/{manager_id}", {}
    )
    assert shared.status == 200, shared.body
    _flag(world, True)
    opened = staff.post(
        f"/api/orgs/{org}/break-glass",
        {"caseId": case_id, "outsideAuthorisation": True, "reason": "night shift"},
    )
    assert opened.status == 201, opened.body

    review = admin.get(f"/api/cases/{case_id}/access-review")
    assert review.status == 200, review.body
    people = {(p["role"], p["status"]) for p in review.json()["people"]}
    assert people == {("employee", "active"), ("case_manager", "active"), ("doctor", "invited")}
    [grant] = review.json()["grants"]
    assert (grant["userId"], grant["reason"], grant["kind"]) == (
        world["staff_id"],
        "night shift",
        "break_glass",
    )
    assert "nur für mich" not in review.body.decode() and "Privat" not in review.body.decode()
    facts = admin.get(f"/api/cases/{case_id}/access-review/people/{manager_id}").json()
    assert facts["sharedItems"] == 1 and facts["lastAccessAt"], facts
    for who in (manager, staff, world["employee"]):
        assert who.get(f"/api/cases/{case_id}/access-review").status in (403, 404)

    # Asking the manager to check their shares: a notification, nothing ended; a bad body is 400.
    asked = admin.post(f"/api/cases/{case_id}/access-review/people/{manager_id}/ask", {"what": "shares"})
    assert asked.status == 204, asked.body
    assert admin.post(f"/api/cases/{case_id}/access-review/people/{manager_id}/ask", {}).status == 400
    kinds = [n["kind"] for n in manager.get("/api/me/notifications").json()["notifications"]]
    assert kinds.count("shares_check") == 1
    assert admin.get(f"/api/cases/{case_id}/access-review/people/{manager_id}").json()["sharedItems"] == 1

    # One click ends the invitation; the employee stays (400, nothing changed); a grant ends from
    # the temporary-access overview.
    invited = next(p for p in review.json()["people"] if p["status"] == "invited")
    base = f"/api/cases/{case_id}/access-review/people"
    assert admin.post(f"{base}/{invited['userId']}/end").status == 204
    employee_id = next(p["userId"] for p in review.json()["people"] if p["role"] == "employee")
    refused = admin.post(f"{base}/{employee_id}/end")
    assert refused.status == 400 and refused.headers["Content-Type"].startswith("application/problem+json")
    assert admin.post(f"/api/orgs/{org}/temporary-access/{grant['accessId']}/end").status == 200
    after = admin.get(f"/api/cases/{case_id}/access-review").json()
    assert {p["role"] for p in after["people"]} == {"employee", "case_manager"} and after["grants"] == []
    assert staff.get(f"/api/cases/{case_id}").status == 404

    # Looking at the review is not a review: the admin marks it done (a comment is one line).
    assert after["lastReviewedAt"] is None
    done_path = f"/api/cases/{case_id}/access-review/done"
    assert admin.post(done_path, {}).status == 400
    assert admin.post(done_path, {"comment": "a\nb"}).status == 400
    assert manager.post(done_path, {"comment": ""}).status == 403
    marked = admin.post(done_path, {"comment": "Dr. D's invitation withdrawn"})
    assert marked.status == 200, marked.body
    last = admin.get(f"/api/cases/{case_id}/access-review").json()
    assert last["lastReviewedAt"] == marked.json()["lastReviewedAt"] is not None
    assert (last["lastReviewedByName"], last["lastReviewComment"]) == (
        "Admin",
        "Dr. D's invitation withdrawn",
    )
