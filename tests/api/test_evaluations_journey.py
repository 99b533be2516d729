"""Issue 16 over HTTP: the doctor records an evaluation for the case manager; the employee sees it
without being chosen, the employer does not; the case manager sees it on the dashboard as a step
against the plan's workload; the doctor amends it (If-Match) and both see "corrected" with the
history; revoke and a removed participant end access; the employer's feedback goes the same way;
the bad-input list → problem+json, nothing stored; notifications, "who accessed my data", and
nothing readable at rest. Runs on both store adapters."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.api.client import ApiClient, Response
from tests.api.conftest import Env, onboard, org_with_manager

ZURICH = ZoneInfo("Europe/Zurich")
SECRET = "Schulter-Einschraenkung-9c2e"
FEEDBACK_SECRET = "Teamgeist-Notiz-51aa"


def today() -> date:
    return datetime.now(ZURICH).date()


@pytest.fixture(scope="module")
def world(env: Env) -> dict[str, Any]:
    org_id, _admin, manager = org_with_manager(
        env, "Eval AG", "ev.admin@example.invalid", "ev.cm@example.invalid"
    )
    body = {"employee": {"email": "ev.emma@example.invalid", "name": "Emma", "language": "en"}}
    case = manager.post(f"/api/orgs/{org_id}/cases", body).json()
    employee, _, _ = onboard(env, "ev.emma@example.invalid")
    invited = (("ev.dora@example.invalid", "doctor"), ("ev.eric@example.invalid", "employer"),
               ("ev.dave@example.invalid", "doctor"))  # fmt: skip
    for email, role in invited:
        sent = {"email": email, "name": email.split("@")[0], "language": "en", "role": role}
        assert manager.post(f"/api/cases/{case['caseId']}/participants", sent).status == 201
    doctor, _, _ = onboard(env, "ev.dora@example.invalid")
    employer, _, _ = onboard(env, "ev.eric@example.invalid")
    second_doctor, _, _ = onboard(env, "ev.dave@example.invalid")
    listed = manager.get(f"/api/cases/{case['caseId']}").json()["participants"]
    ids = {p["name"] if p["role"] == "doctor" else p["role"]: p["userId"] for p in listed}
    return {"case": case["caseId"], "manager": manager, "employee": employee, "doctor": doctor,
            "employer": employer, "doctor2": second_doctor, "ids": ids}  # fmt: skip


def problem(response: Response, status: int, code: str, field: str | None = None) -> None:
    assert response.status == status, (response.status, response.body[:300])
    assert response.headers.get("Content-Type", "").startswith("application/problem+json")
    document = response.json()
    assert document["code"] == code, document
    if field is not None:
        assert field in [e.get("field") for e in document.get("errors", [])], document


def evaluation(**changes: Any) -> dict[str, Any]:
    return {
        "capacityPercent": 50,
        "validFrom": today().isoformat(),
        "validTo": (today() + timedelta(days=30)).isoformat(),
        "restrictions": f"Nicht heben. {SECRET}",
        "recommendations": "Halbtags",
        "nextReview": (today() + timedelta(days=21)).isoformat(),
    } | changes


def unread(client: ApiClient) -> int:
    return int(client.get("/api/me/notifications/unread-count").json()["unreadCount"])


def test_an_evaluation_shared_seen_on_the_dashboard_amended_revoked(world: dict[str, Any], env: Env) -> None:
    case_id, ids = world["case"], world["ids"]
    employee, doctor, employer, manager = (
        world["employee"],
        world["doctor"],
        world["employer"],
        world["manager"],
    )
    base = f"/api/cases/{case_id}"
    stage = {
        "fromDate": today().isoformat(),
        "workloadPercent": 40,
        "tasks": "Vormittags",
        "nextReview": None,
    }
    assert manager.post(f"{base}/plan/stages", stage).status == 201

    before = {name: unread(world[name]) for name in ("employee", "manager", "employer")}
    created = doctor.post(f"{base}/evaluations", evaluation(recipients=[ids["case_manager"]]))
    assert created.status == 201, created.body
    made = created.json()
    assert created.headers["Location"] == f"{base}/evaluations/{made['id']}"
    assert (made["version"], made["corrected"], made["subjectId"]) == (1, False, ids["employee"])
    path = f"{base}/evaluations/{made['id']}"
    # Notified: the employee (always) and the chosen case manager; not the employer.
    assert unread(employee) == before["employee"] + 1 and unread(manager) == before["manager"] + 1
    assert unread(employer) == before["employer"]
    notice = employee.get("/api/me/notifications?unread=true").json()["notifications"][0]
    assert (notice["kind"], notice["itemType"], notice["itemId"]) == (
        "evaluation_shared",
        "evaluation",
        made["id"],
    )

    # Who sees it: the employee without being chosen, the case manager; not the employer.
    assert [e["id"] for e in employee.get(f"{base}/evaluations").json()["evaluations"]] == [made["id"]]
    assert [e["id"] for e in manager.get(f"{base}/evaluations").json()["evaluations"]] == [made["id"]]
    assert employer.get(f"{base}/evaluations").json()["evaluations"] == []
    assert employer.get(path).status == 404 and world["doctor2"].get(path).status == 404
    read = employee.get(path)
    assert (
        read.status == 200 and read.json()["restrictions"].endswith(SECRET) and read.json()["mine"] is False
    )
    access = doctor.get(f"{path}/access").json()["access"]
    assert sorted((a["access"], a["role"]) for a in access) == [
        ("owner", "doctor"), ("shared", "case_manager"), ("subject", "employee")
    ]  # fmt: skip

    # The dashboard: capacity as a step against the plan's workload, the evaluation listed.
    board = manager.get(f"{base}/dashboard").json()
    assert [(c["capacityPercent"], c["from"], c["corrected"]) for c in board["capacity"]] == [
        (50, today().isoformat(), False)
    ]
    assert board["plan"][0]["workloadPercent"] == 40 and board["evaluations"][0]["id"] == made["id"]
    assert employer.get(f"{base}/dashboard").json()["capacity"] == []
    assert SECRET not in employer.get(f"{base}/dashboard").body.decode()

    # The employee's grant is theirs: the doctor can neither end nor limit it.
    problem(doctor.request("DELETE", f"{path}/grants/{ids['employee']}"), 409, "subject_always_sees")
    expiry = (datetime.now(ZURICH) + timedelta(days=2)).isoformat()
    problem(doctor.request("PUT", f"{path}/grants/{ids['employee']}", {"expiresAt": expiry}), 409,
            "subject_always_sees")  # fmt: skip

    # Amended: a new version, with If-Match; both see "corrected" and the history.
    problem(doctor.request("PUT", path, evaluation(capacityPercent=60)), 428, "precondition_required")
    amended = doctor.request("PUT", path, evaluation(capacityPercent=60), headers={"If-Match": made["etag"]})
    assert amended.status == 200, amended.body
    assert (amended.json()["version"], amended.json()["corrected"]) == (2, True)
    stale = doctor.request("PUT", path, evaluation(capacityPercent=70), headers={"If-Match": made["etag"]})
    problem(stale, 412, "concurrency_conflict")
    for client in (employee, manager):
        seen = client.get(path).json()
        assert (seen["corrected"], seen["capacityPercent"]) == (True, 60)
        assert [h["capacityPercent"] for h in seen["history"]] == [60, 50]
        assert client.get(f"{base}/evaluations").json()["evaluations"][0]["corrected"] is True
        notice = client.get("/api/me/notifications?unread=true").json()["notifications"][0]
        assert notice["kind"] == "evaluation_corrected"
    assert manager.get(f"{base}/dashboard").json()["capacity"][0]["corrected"] is True
    problem(manager.request("PUT", path, evaluation(), headers={"If-Match": amended.json()["etag"]}), 403,
            "permission_denied")  # fmt: skip

    # Reads by others are in the employee's "who accessed my data"; the doctor's in the doctor's.
    env.settle()
    doctor_sees = {a["action"] for a in doctor.get("/api/me/accesses").json()["accesses"]}
    assert "evaluation:read" in doctor_sees

    # Revoked: the case manager's next request sees nothing, the employee still does.
    assert doctor.request("DELETE", f"{path}/grants/{ids['case_manager']}").status == 204
    assert manager.get(f"{base}/evaluations").json()["evaluations"] == []
    assert manager.get(path).status == 404 and manager.get(f"{base}/dashboard").json()["capacity"] == []
    assert employee.get(path).status == 200

    # Nothing of the content, in clear, at rest.
    assert not [name for name, data in env.at_rest() if SECRET.encode() in data]


def test_feedback_goes_to_the_chosen_doctor_and_the_employee(world: dict[str, Any], env: Env) -> None:
    case_id, ids = world["case"], world["ids"]
    employee, doctor, employer, manager = (
        world["employee"],
        world["doctor"],
        world["employer"],
        world["manager"],
    )
    base = f"/api/cases/{case_id}"
    body = {"date": today().isoformat(), "attendance": 9, "workloadFit": 6, "collaboration": 8,
            "text": FEEDBACK_SECRET, "recipients": [ids["ev.dora"]]}  # fmt: skip
    created = employer.post(f"{base}/feedback", body)
    assert created.status == 201, created.body
    made = created.json()
    path = f"{base}/feedback/{made['id']}"
    assert [f["id"] for f in employee.get(f"{base}/feedback").json()["feedback"]] == [made["id"]]
    assert [f["id"] for f in doctor.get(f"{base}/feedback").json()["feedback"]] == [made["id"]]
    assert manager.get(f"{base}/feedback").json()["feedback"] == []
    board = doctor.get(f"{base}/dashboard").json()
    attendance = next(s for s in board["feedbackScales"] if s["scale"] == "attendance")
    assert (attendance["dates"], attendance["values"]) == ([today().isoformat()], [9])
    assert FEEDBACK_SECRET not in manager.get(f"{base}/dashboard").body.decode()
    changed = {k: v for k, v in body.items() if k != "recipients"} | {"attendance": 7}
    problem(employer.request("PUT", path, changed), 428, "precondition_required")  # no If-Match
    amended = employer.request("PUT", path, changed, headers={"If-Match": made["etag"]})
    assert amended.status == 200 and amended.json()["corrected"] is True
    assert [h["attendance"] for h in doctor.get(path).json()["history"]] == [7, 9]
    problem(doctor.post(f"{base}/feedback", body), 403, "permission_denied")
    problem(employer.post(f"{base}/evaluations", evaluation()), 403, "permission_denied")

    # The doctor leaves the case: access ends at once, for lists, items and the dashboard.
    assert manager.request("DELETE", f"{base}/participants/{ids['ev.dora']}").status == 204
    assert doctor.get(path).status == 404 and doctor.get(f"{base}/feedback").status == 404
    assert doctor.get(f"{base}/dashboard").status == 404
    assert employee.get(path).status == 200
    assert not [name for name, data in env.at_rest() if FEEDBACK_SECRET.encode() in data]


BAD_EVALUATIONS = [
    (evaluation(capacityPercent=101), 400, "invalid_input", "capacityPercent"),
    (evaluation(capacityPercent=-5), 400, "invalid_input", "capacityPercent"),
    (evaluation(capacityPercent="50"), 400, "invalid_input", "capacityPercent"),
    (evaluation(capacityPercent=50.5), 400, "invalid_input", "capacityPercent"),
    (evaluation(validTo=(today() - timedelta(days=1)).isoformat()), 400, "invalid_range", "validTo"),
    (evaluation(nextReview=(today() - timedelta(days=1)).isoformat()), 400, "date_in_past", "nextReview"),
    (evaluation(diagnosis="F32.1"), 400, "diagnosis_not_allowed", "diagnosis"),
    (evaluation(icdCode="M54.5"), 400, "diagnosis_not_allowed", "icdCode"),
    (evaluation(validFrom="30.11.2026"), 400, "invalid_input", "validFrom"),
    # A typo such as 9999: stored, it would break every dashboard and report of the case.
    (evaluation(validTo="9999-12-31"), 400, "date_out_of_range", "validTo"),
    (evaluation(recipients=["nobody"]), 400, "not_a_participant", "recipients"),
]


def test_bad_input_is_refused_with_its_code_and_nothing_is_stored(world: dict[str, Any]) -> None:
    base = f"/api/cases/{world['case']}"
    doctor = world["doctor2"]  # a doctor of the case who has written nothing
    for bad, status, code, field in BAD_EVALUATIONS:
        problem(doctor.post(f"{base}/evaluations", bad), status, code, field)
    assert doctor.get(f"{base}/evaluations").json()["evaluations"] == []
    employer = world["employer"]
    mine_before = [f for f in employer.get(f"{base}/feedback").json()["feedback"] if f["mine"]]
    bad_feedback = [
        ({"date": today().isoformat(), "attendance": 11}, "invalid_input"),
        ({"date": (today() + timedelta(days=1)).isoformat(), "attendance": 5}, "feedback_date_in_future"),
        ({"date": today().isoformat()}, "empty_feedback"),
        ({"date": today().isoformat(), "attendance": 5, "diagnosis": "x"}, "diagnosis_not_allowed"),
    ]
    for sent, code in bad_feedback:
        problem(employer.post(f"{base}/feedback", sent), 400, code)
    assert [f for f in employer.get(f"{base}/feedback").json()["feedback"] if f["mine"]] == mine_before
    problem(world["employee"].post(f"{base}/evaluations", evaluation()), 403, "permission_denied")
    assert world["manager"].get(f"{base}/dashboard").status == 200


def test_an_amendment_may_keep_its_review_day_not_set_one_in_the_past(world: dict[str, Any]) -> None:
    base = f"/api/cases/{world['case']}"
    doctor = world["doctor2"]
    made = doctor.post(f"{base}/evaluations", evaluation(capacityPercent=30)).json()
    path = f"{base}/evaluations/{made['id']}"
    past = evaluation(capacityPercent=40, nextReview=(today() - timedelta(days=1)).isoformat())
    problem(doctor.request("PUT", path, past, headers={"If-Match": made["etag"]}), 400, "date_in_past",
            "nextReview")  # fmt: skip
    problem(doctor.request("PUT", path, evaluation(validFrom="0001-01-01"), headers={"If-Match": made["etag"]}),
            400, "date_out_of_range", "validFrom")  # fmt: skip
    kept = doctor.request("PUT", path, evaluation(capacityPercent=40), headers={"If-Match": made["etag"]})
    assert kept.status == 200 and [h["capacityPercent"] for h in kept.json()["history"]] == [40, 30]
