"""Issue 4's case journeys over HTTP: a case opened with the employee's invitation, participants
added and removed, the plan edited with history, close/reopen, legal hold, "my cases" across two
organisations, and ids of other cases answering 404."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import pytest

from tests.api.client import ApiClient
from tests.api.conftest import Env, onboard, org_with_manager


@pytest.fixture(scope="module")
def world(env: Env) -> dict[str, object]:
    org_id, admin, manager = org_with_manager(
        env, "Fall AG", "fa.admin@example.invalid", "fa.cm@example.invalid"
    )
    employee_body = {"employee": {"email": "emma@example.invalid", "name": "Emma Employee", "language": "de"}}
    created = manager.post(f"/api/orgs/{org_id}/cases", employee_body)
    assert created.status == 201, created.body
    case = created.json()
    roles = {p["role"]: p["status"] for p in case["participants"]}
    assert roles == {"employee": "invited", "case_manager": "active"}
    employee, _, _ = onboard(env, "emma@example.invalid")
    for email, role in (("dora@example.invalid", "doctor"), ("eric@example.invalid", "employer")):
        body = {"email": email, "name": role.title(), "language": "en", "role": role}
        assert manager.post(f"/api/cases/{case['caseId']}/participants", body).status == 201
    doctor, _, _ = onboard(env, "dora@example.invalid")
    employer, _, _ = onboard(env, "eric@example.invalid")
    return {
        "org": org_id,
        "case": case["caseId"],
        "admin": admin,
        "manager": manager,
        "employee": employee,
        "doctor": doctor,
        "employer": employer,
    }


def test_every_participant_sees_the_case_and_it_is_in_their_cases(world: dict[str, object]) -> None:
    case_id = world["case"]
    for who in ("manager", "employee", "doctor", "employer", "admin"):
        client: ApiClient = world[who]  # type: ignore[assignment]
        summary = client.get(f"/api/cases/{case_id}")
        assert summary.status == 200, (who, summary.body)
        assert {p["role"]: p["status"] for p in summary.json()["participants"]} == {
            "employee": "active",
            "case_manager": "active",
            "doctor": "active",
            "employer": "active",
        }
    mine = world["employee"].get("/api/me/cases").json()["cases"]  # type: ignore[attr-defined]
    assert [(c["caseId"], c["role"], c["orgName"]) for c in mine] == [(case_id, "employee", "Fall AG")]


def test_the_plan_is_written_by_case_managers_read_by_all_with_history(world: dict[str, object]) -> None:
    case_id = world["case"]
    manager: ApiClient = world["manager"]  # type: ignore[assignment]
    stage = {
        "fromDate": "2026-12-01",
        "workloadPercent": 40,
        "tasks": "Morgens, ohne Kundenkontakt",
        "nextReview": "2026-12-15",
    }
    created = manager.post(f"/api/cases/{case_id}/plan/stages", stage)
    assert created.status == 201, created.body
    stage_id, etag = created.json()["stageId"], created.headers["ETag"]
    refused = world["employee"].post(f"/api/cases/{case_id}/plan/stages", stage)  # type: ignore[attr-defined]
    assert refused.status == 403 and refused.json()["code"] == "permission_denied"
    bad = manager.post(f"/api/cases/{case_id}/plan/stages", {**stage, "workloadPercent": 140, "tasks": 7})
    assert bad.status == 400 and [(e["field"], e["code"]) for e in bad.json()["errors"]] == [
        ("workloadPercent", "too_large"),
        ("tasks", "invalid_value"),
    ]  # every invalid field at once
    path = f"/api/cases/{case_id}/plan/stages/{stage_id}"
    assert created.headers["Location"] == path
    updated = manager.request("PUT", path, {**stage, "workloadPercent": 60}, headers={"If-Match": etag})
    assert updated.status == 200 and updated.json()["version"] == 2
    stale = manager.request("PUT", path, {**stage, "workloadPercent": 80}, headers={"If-Match": etag})
    assert stale.status == 412
    for who in ("employee", "doctor", "employer"):
        stages = world[who].get(f"/api/cases/{case_id}/plan").json()["stages"]  # type: ignore[attr-defined]
        assert [(s["workloadPercent"], s["tasks"]) for s in stages] == [(60, "Morgens, ohne Kundenkontakt")]
    history = world["doctor"].get(f"/api/cases/{case_id}/plan/history").json()["changes"]  # type: ignore[attr-defined]
    assert [(c["change"], c["version"], c["stage"]["workloadPercent"]) for c in history] == [
        ("updated", 2, 60),
        ("created", 1, 40),
    ]
    assert world["admin"].get(f"/api/cases/{case_id}/plan").status == 403  # type: ignore[attr-defined]


def test_close_reopen_and_legal_hold(world: dict[str, object]) -> None:
    case_id = world["case"]
    manager: ApiClient = world["manager"]  # type: ignore[assignment]
    admin: ApiClient = world["admin"]  # type: ignore[assignment]
    etag = manager.get(f"/api/cases/{case_id}").headers["ETag"]
    assert manager.post(f"/api/cases/{case_id}/close").status == 428
    closed = manager.post(f"/api/cases/{case_id}/close", headers={"If-Match": etag})
    assert closed.status == 200 and closed.json()["status"] == "closed"
    assert date.fromisoformat(closed.json()["closedAt"][:10])
    stage = {"fromDate": "2027-01-01", "workloadPercent": 80, "tasks": "x"}
    frozen = manager.post(f"/api/cases/{case_id}/plan/stages", stage)
    assert frozen.status == 409 and frozen.json()["code"] == "case_closed"
    assert (
        manager.request(
            "PUT",
            f"/api/cases/{case_id}/legal-hold",
            {"legalHold": True},
            headers={"If-Match": closed.headers["ETag"]},
        ).status
        == 403
    )
    held = admin.request(
        "PUT",
        f"/api/cases/{case_id}/legal-hold",
        {"legalHold": True},
        headers={"If-Match": closed.headers["ETag"]},
    )
    assert held.status == 200 and held.json()["legalHold"] is True
    reopened = manager.post(f"/api/cases/{case_id}/reopen", headers={"If-Match": held.headers["ETag"]})
    assert reopened.status == 200 and reopened.json() == {"status": "open", "closedAt": None}


def test_removed_participants_lose_access_at_once(world: dict[str, object], env: Env) -> None:
    case_id = world["case"]
    manager: ApiClient = world["manager"]  # type: ignore[assignment]
    employer: ApiClient = world["employer"]  # type: ignore[assignment]
    employer_id = employer.get("/api/auth/session").json()["userId"]
    employee_id = world["employee"].get("/api/auth/session").json()["userId"]  # type: ignore[attr-defined]
    assert manager.request("DELETE", f"/api/cases/{case_id}/participants/{employee_id}").status == 400
    assert manager.request("DELETE", f"/api/cases/{case_id}/participants/{employer_id}").status == 204
    gone = employer.get(f"/api/cases/{case_id}")
    assert gone.status == 404 and gone.json()["code"] == "not_found"
    assert employer.get("/api/me/cases").json()["cases"] == []


def test_other_tenants_and_guessed_ids_get_404(world: dict[str, object], env: Env) -> None:
    _, _, outsider = org_with_manager(env, "Andere AG", "an.admin@example.invalid", "an.cm@example.invalid")
    case_id = world["case"]
    for path in (f"/api/cases/{case_id}", f"/api/cases/{case_id}/plan", "/api/cases/" + "0" * 32):
        response = outsider.get(path)
        assert response.status == 404 and response.json()["code"] == "not_found", path
    assert (
        outsider.post(
            f"/api/orgs/{world['org']}/cases",
            {"employee": {"email": "x@example.invalid", "name": "X", "language": "en"}},
        ).status
        == 403
    )


def test_my_cases_span_two_organisations(world: dict[str, object], env: Env) -> None:
    org_b, _, manager_b = org_with_manager(
        env, "Zweitfall AG", "zf.admin@example.invalid", "zf.cm@example.invalid"
    )
    created = manager_b.post(
        f"/api/orgs/{org_b}/cases",
        {"employee": {"email": "zeno@example.invalid", "name": "Zeno", "language": "en"}},
    )
    case_b = created.json()["caseId"]
    body = {"email": "dora@example.invalid", "name": "Dora", "language": "en", "role": "doctor"}
    assert manager_b.post(f"/api/cases/{case_b}/participants", body).status == 201
    token = env.last_link_token("dora@example.invalid")
    doctor: ApiClient = world["doctor"]  # type: ignore[assignment]
    # Invited only: the organisation, not yet whose case it is (issue 24).
    invited = {c["caseId"]: c for c in doctor.get("/api/me/cases").json()["cases"]}[case_b]
    assert (invited["status"], invited["employeeName"], invited["caseStatus"]) == ("invited", None, "open")
    accepted = doctor.post("/api/invitations/accept", {"token": token})
    assert accepted.status == 200 and accepted.json()["caseId"] == case_b
    listed = doctor.get("/api/me/cases").json()["cases"]
    mine = {(c["orgName"], c["role"]) for c in listed}
    assert mine == {("Fall AG", "doctor"), ("Zweitfall AG", "doctor")}
    # Each entry says whose case it is and where it stands: two cases can be told apart.
    told = {(c["orgName"], c["employeeName"], c["caseStatus"], c["legalHold"]) for c in listed}
    # (Fall AG's case is under the legal hold an earlier test set.)
    assert told == {("Fall AG", "Emma Employee", "open", True), ("Zweitfall AG", "Zeno", "open", False)}
    assert all(c["createdAt"] and c["closedAt"] is None for c in listed)


def test_the_audit_trail_shows_who_accessed_what_and_verifies(world: dict[str, object], env: Env) -> None:
    case_id = world["case"]
    doctor: ApiClient = world["doctor"]  # type: ignore[assignment]
    employee: ApiClient = world["employee"]  # type: ignore[assignment]
    admin: ApiClient = world["admin"]  # type: ignore[assignment]
    assert doctor.get(f"/api/cases/{case_id}/plan").status == 200
    assert employee.get(f"/api/cases/{case_id}/plan").status == 200  # the owner's own read
    env.settle()  # the relay puts the pending audit events into the chains
    accesses = employee.get("/api/me/accesses").json()["accesses"]
    sentences = [a["sentence"] for a in accesses]
    assert "Doctor hat den Eingliederungsplan Ihres Falls angesehen" in sentences  # the employee reads German
    assert all(not s.startswith("Emma") for s in sentences)  # not her own actions
    log = admin.get(f"/api/orgs/{world['org']}/audit?caseId={case_id}&action=plan:read&limit=2")
    assert log.status == 200, log.body
    events = log.json()["events"]
    assert len(events) == 2 and all(e["action"] == "plan:read" for e in events)
    assert events[0]["seq"] > events[1]["seq"] and log.json()["continuation"]
    everything = admin.get(f"/api/orgs/{world['org']}/audit?limit=200").body.decode()
    assert "Morgens" not in everything and "emma@example.invalid" not in everything  # ids, never content
    bad = admin.get(f"/api/orgs/{world['org']}/audit?since=yesterday")
    assert bad.status == 400 and bad.json()["errors"][0]["field"] == "since"
    verified = env.cli("verify-audit", "--all")
    assert verified.returncode == 0 and verified.stdout.startswith("ok:"), verified.stdout + verified.stderr


def test_the_org_admin_lists_every_case_of_the_organisation_and_finds_one_by_name(
    world: dict[str, object],
) -> None:
    """Issue 24 / SPEC 17: the organisation-wide list (summary only) with a search by whole words
    of the employee's name (a blind index); case managers use "my cases" instead."""
    admin: ApiClient = world["admin"]  # type: ignore[assignment]
    manager: ApiClient = world["manager"]  # type: ignore[assignment]
    org_id, case_id = world["org"], world["case"]
    listed = admin.get(f"/api/orgs/{org_id}/cases")
    assert listed.status == 200, listed.body
    [entry] = listed.json()["cases"]
    assert entry["caseId"] == case_id and entry["employeeName"] == "Emma Employee"
    # A summary only: no content, no participants — and of the activity, a time (issue 24, 039).
    summary = {"caseId", "employeeName", "status", "legalHold", "createdAt", "closedAt", "lastActivityAt"}
    assert set(entry) == summary

    def search(text: str) -> list[str]:
        answer = admin.get(f"/api/orgs/{org_id}/cases?{urlencode({'q': text})}")
        assert answer.status == 200, answer.body
        return [c["caseId"] for c in answer.json()["cases"]]

    for found_by in ("emma", "EMPLOYEE", "Emma Employee", "employee  emma"):
        assert search(found_by) == [case_id], found_by
    for missed_by in ("emm", "Emma Zeno", "dora"):  # whole words only; every word; the employee's
        assert search(missed_by) == [], missed_by
    too_long = admin.get(f"/api/orgs/{org_id}/cases?q={'x' * 121}")
    assert too_long.status == 400 and too_long.json()["errors"][0]["field"] == "q", too_long.body
    assert manager.get(f"/api/orgs/{org_id}/cases").status == 403


def test_someone_with_an_account_is_told_they_were_added_not_to_set_up_an_account(
    world: dict[str, object], env: Env
) -> None:
    """Issue 24: inviting an existing account sends "you were added to a case — sign in", not
    "choose a password and set up an authenticator"; someone new still gets the invitation. The
    inviter's answer is the same for both (no telling whether an address has an account)."""
    from shared.adapters.outbox import OutboxMailer
    from shared.i18n import translate

    manager: ApiClient = world["manager"]  # type: ignore[assignment]
    case_id = world["case"]
    body = {"name": "Ada Admin", "language": "en", "role": "employer"}
    existing = manager.post(
        f"/api/cases/{case_id}/participants", {**body, "email": "fa.admin@example.invalid"}
    )
    new = manager.post(f"/api/cases/{case_id}/participants", {**body, "email": "nobody.yet@example.invalid"})
    assert existing.status == new.status == 201, (existing.body, new.body)
    assert set(existing.json()) == set(new.json()) and existing.json()["status"] == new.json()["status"]
    assert set(existing.headers) == set(new.headers)
    env.settle()
    mails: dict[str, dict[str, str]] = {}
    for mail in OutboxMailer(env.data / "outbox").messages(limit=200):  # newest first
        mails.setdefault(mail["to"], mail)
    added, invited = mails["fa.admin@example.invalid"], mails["nobody.yet@example.invalid"]
    # Each in the person's own language (the admin's account is in German, the new one English).
    assert added["subject"] == translate("email.caseAdded.subject", added["language"]), added["subject"]
    language = added["language"]
    assert translate("email.invitation.steps", language) not in added["text"]  # no account to set up
    assert translate("email.caseAdded.steps", language) in added["text"]
    assert "Authenticator" not in added["text"] and "authenticator" not in added["text"]
    assert "#token=" in added["text"] and "Fall AG" in added["text"]
    assert invited["subject"] == translate("email.invitation.subject", "en") and "password" in invited["text"]
