"""Issue 15 over HTTP: the employee records a week of reflections, shares the series (scales only,
from a date on) with the doctor, who sees the list and the dashboard without any text; the
employer share needs the warning acknowledged; the employee revokes and the doctor's dashboard is
empty again; "see what X sees", the access list with the options, notifications and "who accessed
my data"; every bad input of the issue's rules → problem+json with its code, nothing stored;
nothing readable at rest. Runs on both store adapters (never reads the store's files directly)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.api.client import ApiClient, Response
from tests.api.conftest import Env, onboard, org_with_manager

ZURICH = ZoneInfo("Europe/Zurich")
SECRET = "Zahnarzt-Angst-7f3c"  # free text that must never reach the doctor nor the store in clear


def today() -> date:
    return datetime.now(ZURICH).date()


@pytest.fixture(scope="module")
def world(env: Env) -> dict[str, Any]:
    org_id, admin, manager = org_with_manager(
        env, "Refl AG", "rf.admin@example.invalid", "rf.cm@example.invalid"
    )
    employee_body = {"employee": {"email": "rf.emma@example.invalid", "name": "Emma", "language": "en"}}
    case = manager.post(f"/api/orgs/{org_id}/cases", employee_body).json()
    employee, _, _ = onboard(env, "rf.emma@example.invalid")
    for email, role in (("rf.dora@example.invalid", "doctor"), ("rf.eric@example.invalid", "employer")):
        body = {"email": email, "name": role.title(), "language": "en", "role": role}
        assert manager.post(f"/api/cases/{case['caseId']}/participants", body).status == 201
    doctor, _, _ = onboard(env, "rf.dora@example.invalid")
    employer, _, _ = onboard(env, "rf.eric@example.invalid")
    people = {
        p["role"]: p["userId"] for p in manager.get(f"/api/cases/{case['caseId']}").json()["participants"]
    }
    _, _, outsider = org_with_manager(
        env, "Other AG", "rf.admin.b@example.invalid", "rf.cm.b@example.invalid"
    )
    return {
        "case": case["caseId"],
        "admin": admin,
        "manager": manager,
        "employee": employee,
        "doctor": doctor,
        "employer": employer,
        "outsider": outsider,
        "ids": people,
    }


def put_entry(client: ApiClient, case_id: str, day: date | str, body: Any, **headers: str) -> Response:
    day_text = day if isinstance(day, str) else day.isoformat()
    names = {"if_match": "If-Match", "if_none_match": "If-None-Match"}
    sent = {names[k]: v for k, v in headers.items()}
    return client.request("PUT", f"/api/cases/{case_id}/reflections/{day_text}", body, headers=sent)


def problem(response: Response, status: int, code: str, field: str | None = None) -> None:
    assert response.status == status, (response.status, response.body[:300])
    assert response.headers.get("Content-Type", "").startswith("application/problem+json")
    document = response.json()
    assert document["code"] == code, document
    if field is not None:
        assert field in [e.get("field") for e in document.get("errors", [])], document


def test_a_week_recorded_shared_scales_only_then_revoked(world: dict[str, Any], env: Env) -> None:
    case_id, ids = world["case"], world["ids"]
    employee, doctor, employer = world["employee"], world["doctor"], world["employer"]
    base = f"/api/cases/{case_id}"

    # A week of reflections, each created with If-None-Match: *.
    made = {}
    for back in range(7):
        day = today() - timedelta(days=back)
        body = {
            "scales": {"wellbeing": 3 + back % 5, "energy": 5, "pain": 6 - back % 4, "stress": 4, "sleep": 6,
                       "workload": 5},
            "wentWell": f"{SECRET} {back}",
            "limits": None,
            "needs": "Pausen",
            "note": "Notiz",
        }  # fmt: skip
        created = put_entry(employee, case_id, day, body, if_none_match="*")
        assert created.status == 201, created.body
        assert created.headers["ETag"] == created.json()["etag"]
        assert created.headers["Location"] == f"{base}/reflections/{day.isoformat()}"
        made[day] = created.json()
    listed = employee.get(f"{base}/reflections").json()
    assert [e["date"] for e in listed["entries"]] == [d.isoformat() for d in sorted(made, reverse=True)]
    assert listed["today"] == today().isoformat() and listed["access"] == "owner"
    assert listed["editableFrom"] == (today() - timedelta(days=14)).isoformat()
    assert listed["entries"][0]["wentWell"] == f"{SECRET} 0"

    # Change one with its ETag; stale, missing and create-over-existing are refused.
    day0 = today()
    read = employee.get(f"{base}/reflections/{day0.isoformat()}")
    assert read.status == 200 and read.headers["ETag"] == made[day0]["etag"]
    changed = put_entry(employee, case_id, day0, {"scales": {"wellbeing": 9}}, if_match=read.headers["ETag"])
    assert changed.status == 200 and changed.json()["scales"]["wellbeing"] == 9
    assert changed.json()["wentWell"] is None and changed.json()["version"] == 2
    problem(put_entry(employee, case_id, day0, {"scales": {"pain": 1}}, if_match=read.headers["ETag"]), 412,
            "concurrency_conflict")  # fmt: skip
    problem(put_entry(employee, case_id, day0, {"scales": {"pain": 1}}), 428, "precondition_required")
    problem(put_entry(employee, case_id, day0, {"scales": {"pain": 1}}, if_none_match="*"), 412,
            "reflection_exists")  # fmt: skip

    # Not shared yet: the doctor sees nothing (an empty list, not a 404), nor a single entry.
    assert doctor.get(f"{base}/reflections").json()["entries"] == []
    assert doctor.get(f"{base}/reflections/{day0.isoformat()}").status == 404
    board = doctor.get(f"{base}/dashboard").json()
    assert board["access"] == "none" and all(s["dates"] == [] == s["values"] for s in board["scales"])
    assert world["outsider"].get(f"{base}/reflections").status == 404
    assert world["outsider"].get(f"{base}/dashboard").status == 404
    assert world["manager"].get(f"{base}/reflections").json()["entries"] == []

    # The series: one per case, the employee's.
    series = employee.get(f"{base}/reflections-series").json()
    assert series["ownerId"] == ids["employee"] and series["mine"] is True
    assert doctor.get(f"{base}/reflections-series").json()["id"] == series["id"]
    series_path = f"{base}/reflection-series/{series['id']}"
    assert doctor.get(series_path).status == 404  # not shared with the doctor yet

    # Share scales only, from three days back, with the doctor: notified, sees 4 days, no text.
    before = doctor.get("/api/me/notifications/unread-count").json()["unreadCount"]
    since = today() - timedelta(days=3)
    granted = employee.request(
        "PUT", f"{series_path}/grants/{ids['doctor']}", {"fromDate": since.isoformat(), "includeText": False}
    )
    assert granted.status == 200, granted.body
    assert (granted.json()["fromDate"], granted.json()["includeText"]) == (since.isoformat(), False)
    assert doctor.get("/api/me/notifications/unread-count").json()["unreadCount"] == before + 1
    notice = doctor.get("/api/me/notifications?unread=true").json()["notifications"][0]
    assert (notice["kind"], notice["itemType"], notice["itemId"]) == ("reflections_shared", "reflection_series",
                                                                      series["id"])  # fmt: skip
    assert doctor.get(series_path).json()["mine"] is False
    seen = doctor.get(f"{base}/reflections")
    assert seen.status == 200
    entries = seen.json()["entries"]
    assert [e["date"] for e in entries] == [(today() - timedelta(days=n)).isoformat() for n in range(4)]
    assert all(e[f] is None for e in entries for f in ("wentWell", "limits", "needs", "note"))
    assert seen.json()["visibleFrom"] == since.isoformat() and seen.json()["includesText"] is False
    board = doctor.get(f"{base}/dashboard")
    assert board.status == 200
    wellbeing = board.json()["scales"][0]
    assert wellbeing["scale"] == "wellbeing" and len(wellbeing["dates"]) == 4 == len(wellbeing["values"])
    assert wellbeing["trend"]["status"] == "not_enough_data"
    assert board.json()["scales"][2]["polarity"] == "higher_is_worse"
    assert SECRET not in seen.body.decode() and SECRET not in board.body.decode()
    assert doctor.get(f"{base}/reflections/{day0.isoformat()}").status == 404  # entries: employee only

    # The employee's view of it: the access list with the options, "see what the doctor sees".
    access = employee.get(f"{series_path}/access").json()["access"]
    assert [(a["access"], a["fromDate"], a["includeText"]) for a in access] == [
        ("owner", None, False),
        ("shared", since.isoformat(), False),
    ]
    as_doctor = employee.get(f"{base}/seen-by/{ids['doctor']}").json()
    assert as_doctor["reflections"] == entries and [s["id"] for s in as_doctor["reflection-series"]] == [
        series["id"]
    ]
    assert employee.get(f"{base}/seen-by/{ids['employer']}").json()["reflections"] == []

    # The employer: the warning first (nothing stored), then with the acknowledgement.
    problem(
        employee.request("PUT", f"{series_path}/grants/{ids['employer']}", {}),
        409,
        "employer_health_data_warning",
    )
    assert employer.get(f"{base}/reflections").json()["entries"] == []
    shared = employee.request(
        "PUT", f"{series_path}/grants/{ids['employer']}", {"acknowledgeEmployerWarning": True}
    )
    assert shared.status == 200
    assert len(employer.get(f"{base}/reflections").json()["entries"]) == 7
    assert employee.request("DELETE", f"{series_path}/grants/{ids['employer']}").status == 204

    # The doctor's read is in the employee's "who accessed my data" once the relay ran.
    env.settle()
    accesses = employee.get("/api/me/accesses").json()["accesses"]
    assert {"reflection:list", "dashboard:read"} <= {a["action"] for a in accesses}

    # Revoked: effective on the doctor's next request — the chart is empty again.
    assert employee.request("DELETE", f"{series_path}/grants/{ids['doctor']}").status == 204
    assert doctor.get(f"{base}/reflections").json()["entries"] == []
    board = doctor.get(f"{base}/dashboard").json()
    assert board["access"] == "none" and all(s["dates"] == [] == s["values"] for s in board["scales"])
    assert doctor.get(series_path).status == 404

    # Delete with the ETag.
    newest = employee.get(f"{base}/reflections/{day0.isoformat()}")
    path = f"{base}/reflections/{day0.isoformat()}"
    problem(employee.request("DELETE", path), 428, "precondition_required")
    assert employee.request("DELETE", path, headers={"If-Match": newest.headers["ETag"]}).status == 204
    assert employee.get(path).status == 404

    # Nothing of the text, in clear, at rest.
    assert not [name for name, data in env.at_rest() if SECRET.encode() in data]


BAD_BODIES = [
    ({"scales": {"wellbeing": 11}}, "scales.wellbeing"),
    ({"scales": {"pain": -1}}, "scales.pain"),
    ({"scales": {"pain": 5.5}}, "scales.pain"),
    ({"scales": {"pain": "5"}}, "scales.pain"),
    ({"scales": {"pain": True}}, "scales.pain"),
    ({"scales": {"mood": 4}}, "scales.mood"),
    ({"scales": {"pain": 4}, "diagnosis": "F32.1"}, "diagnosis"),
    ({"note": "x" * 4001}, "note"),
    ({"wentWell": "x" * 2001}, "wentWell"),
    ({"limits": "x" * 2001}, "limits"),
    ({"needs": "x" * 2001}, "needs"),
]


def test_bad_input_is_refused_with_its_code_and_nothing_is_stored(world: dict[str, Any]) -> None:
    case_id, employee = world["case"], world["employee"]
    base = f"/api/cases/{case_id}"
    day = today() - timedelta(days=10)  # a day the first journey does not write
    for body, field in BAD_BODIES:
        problem(put_entry(employee, case_id, day, body, if_none_match="*"), 400, "invalid_input", field)
    problem(put_entry(employee, case_id, day, {}, if_none_match="*"), 400, "empty_entry")
    problem(put_entry(employee, case_id, day, {"note": "   "}, if_none_match="*"), 400, "empty_entry")
    good = {"scales": {"pain": 4}}
    problem(put_entry(employee, case_id, today() + timedelta(days=1), good, if_none_match="*"), 400,
            "date_in_future")  # fmt: skip
    problem(put_entry(employee, case_id, today() - timedelta(days=15), good, if_none_match="*"), 400,
            "date_too_old")  # fmt: skip
    problem(put_entry(employee, case_id, "2026-02-30", good, if_none_match="*"), 400, "invalid_input", "date")
    problem(put_entry(employee, case_id, "30.11.2026", good, if_none_match="*"), 400, "invalid_input", "date")
    assert employee.get(f"{base}/reflections/{day.isoformat()}").status == 404  # nothing stored
    listed = employee.get(f"{base}/reflections?from={(today() - timedelta(days=20)).isoformat()}").json()
    assert day.isoformat() not in [e["date"] for e in listed["entries"]]

    # Periods: at most 366 days of entries, three years and a day of dashboard; from ≤ to.
    far = (today() - timedelta(days=366)).isoformat()
    problem(employee.get(f"{base}/reflections?from={far}"), 400, "range_too_long")
    problem(employee.get(f"{base}/dashboard?from={(today() - timedelta(days=1096)).isoformat()}"), 400,
            "range_too_long")  # fmt: skip
    assert employee.get(f"{base}/dashboard?from={(today() - timedelta(days=1095)).isoformat()}").status == 200
    problem(employee.get(f"{base}/dashboard?from={today().isoformat()}&to=2020-01-01"), 400, "invalid_range")
    problem(employee.get(f"{base}/reflections?from=yesterday"), 400, "invalid_input", "from")

    # Sharing options belong to the series only; the doctor may not write reflections at all.
    doc_grant = employee.request("PUT", f"{base}/reflection-series/0/grants/{world['ids']['doctor']}", {})
    assert doc_grant.status == 404  # no such series id
    note = employee.post(f"{base}/notes", {"title": "T", "body": "B"}).json()
    problem(employee.request("PUT", f"{base}/notes/{note['id']}/grants/{world['ids']['doctor']}",
                             {"includeText": True}), 400, "share_option_not_applicable")  # fmt: skip
    problem(put_entry(world["doctor"], case_id, today(), good, if_none_match="*"), 403, "permission_denied")
