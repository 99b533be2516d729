"""Issue 17 over HTTP: the employee records reflections and shares them with the doctor; the doctor
downloads a PDF report (attachment, no-store, in their language unless asked otherwise) that
holds the shared data and the recipient's watermark; a holder of the paper checks it on the
public verification route (a wrong code answers exactly as an unknown id; throttled); employers,
org admins and outsiders get no report; every bad input → problem+json with its code, nothing
made. Runs on both store adapters."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pypdf
import pytest

from tests.api.client import ApiClient, Response
from tests.api.conftest import Env, onboard, org_with_manager

ZURICH = ZoneInfo("Europe/Zurich")


def today() -> date:
    return datetime.now(ZURICH).date()


@pytest.fixture(scope="module")
def world(env: Env) -> dict[str, Any]:
    org_id, admin, manager = org_with_manager(
        env, "Report AG", "rp.admin@example.invalid", "rp.cm@example.invalid"
    )
    body = {"employee": {"email": "rp.emma@example.invalid", "name": "Emma Łukasz", "language": "en"}}
    case_id = manager.post(f"/api/orgs/{org_id}/cases", body).json()["caseId"]
    employee, _, _ = onboard(env, "rp.emma@example.invalid")
    for email, role, name, language in (
        ("rp.dora@example.invalid", "doctor", "Dr. Đorđević", "de"),
        ("rp.eric@example.invalid", "employer", "Eric", "en"),
    ):
        invite = {"email": email, "name": name, "language": language, "role": role}
        assert manager.post(f"/api/cases/{case_id}/participants", invite).status == 201
    doctor, _, _ = onboard(env, "rp.dora@example.invalid")
    doctor.language = "de"
    employer, _, _ = onboard(env, "rp.eric@example.invalid")
    ids = {p["role"]: p["userId"] for p in manager.get(f"/api/cases/{case_id}").json()["participants"]}
    base = f"/api/cases/{case_id}"
    for back in range(6):
        day = (today() - timedelta(days=back)).isoformat()
        entry = {"scales": {"wellbeing": 4 + back % 3, "pain": 3}, "note": "NOTE-SECRET"}
        made = employee.request("PUT", f"{base}/reflections/{day}", entry, headers={"If-None-Match": "*"})
        assert made.status == 201, made.body
    series = employee.get(f"{base}/reflections-series").json()["id"]
    granted = employee.request("PUT", f"{base}/reflection-series/{series}/grants/{ids['doctor']}", {})
    assert granted.status == 200, granted.body
    _, _, outsider = org_with_manager(
        env, "Other AG", "rp.admin.b@example.invalid", "rp.cm.b@example.invalid"
    )
    return {"case": case_id, "admin": admin, "manager": manager, "employee": employee, "doctor": doctor,
            "employer": employer, "outsider": outsider}  # fmt: skip


def ask(client: ApiClient, case_id: str, **body: Any) -> Response:
    body.setdefault("from", (today() - timedelta(days=30)).isoformat())
    body.setdefault("to", today().isoformat())
    return client.post(f"/api/cases/{case_id}/reports", body)


def problem(response: Response, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    assert response.status == status, (response.status, response.body[:300])
    assert response.headers.get("Content-Type", "").startswith("application/problem+json")
    document: dict[str, Any] = response.json()
    assert document["code"] == code, document
    if field is not None:
        assert field in [e.get("field") for e in document.get("errors", [])], document
    return document


def text_of(pdf: bytes) -> list[str]:
    return [p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def test_the_doctor_downloads_a_report_and_a_paper_copy_is_verified(world: dict[str, Any], env: Env) -> None:
    made = ask(world["doctor"], world["case"], recipient="Dr. Meier, Hausarzt")
    assert made.status == 200, made.body[:300]
    assert made.headers["Content-Type"] == "application/pdf"
    assert made.headers["Content-Disposition"].startswith("attachment;")
    assert made.headers["Cache-Control"] == "no-store"
    pages = text_of(made.body)
    assert "Fallbericht" in pages[0] and "Dr. Đorđević" in pages[0]  # the doctor's language: German
    assert all("für Dr. Meier, Hausarzt" in p and "VERTRAULICH" in p for p in pages)
    assert "Wohlbefinden" in "".join(pages) and "NOTE-SECRET" not in "".join(pages)
    report_id = made.headers["X-Report-Id"]
    code = re.search(r"Code ([A-Z0-9-]{12})", pages[0]).group(1)  # type: ignore[union-attr]

    anyone = env.client()  # no session: the holder of the paper
    checked = anyone.post("/api/reports/verify", {"reportId": report_id, "code": code})
    assert checked.status == 200, checked.body
    assert checked.json() == {
        "reportId": report_id,
        "generatedOn": today().isoformat(),
        "requesterRole": "doctor",
    }
    assert checked.headers["Cache-Control"] == "no-store"
    wrong = anyone.post("/api/reports/verify", {"reportId": report_id, "code": "AAAA-AAAA-AA"})
    unknown = anyone.post("/api/reports/verify", {"reportId": "ABCD-EFGH-JKMN", "code": code})
    same = [
        {k: v for k, v in problem(r, 404, "report_not_verified").items() if k != "instance"}
        for r in (wrong, unknown)
    ]
    assert same[0] == same[1] and report_id not in str(same[0])
    assert wrong.headers.get("Retry-After") is None


def test_the_employee_gets_their_own_report_in_english_with_text_if_asked(world: dict[str, Any]) -> None:
    made = ask(world["employee"], world["case"], includeText=True, language="en")
    assert made.status == 200, made.body[:300]
    whole = "".join(text_of(made.body))
    assert "Case report" in whole and "NOTE-SECRET" in whole and "Emma Łukasz" in whole


def test_roles_that_may_not_get_no_report(world: dict[str, Any]) -> None:
    case_id = world["case"]
    for who in ("employer", "admin", "outsider"):
        refused = ask(world[who], case_id)
        assert refused.status in (403, 404), (who, refused.status)
        assert refused.headers.get("Content-Type", "").startswith("application/problem+json")
    manager = ask(world["manager"], case_id, language="en")  # no share: a valid report that says so
    assert manager.status == 200 and "No reflections are shared with you" in "".join(text_of(manager.body))


def test_bad_input_is_refused(world: dict[str, Any]) -> None:
    doctor, case_id = world["doctor"], world["case"]
    problem(ask(doctor, case_id, **{"from": "2026-11-20", "to": "2026-11-10"}), 400, "invalid_range")
    problem(ask(doctor, case_id, **{"from": "2019-01-01"}), 400, "range_too_long")
    future = (today() + timedelta(days=1)).isoformat()
    problem(ask(doctor, case_id, to=future), 400, "date_in_future")
    problem(ask(doctor, case_id, language="fr"), 400, "invalid_input", "language")
    problem(ask(doctor, case_id, recipient="x" * 121), 400, "invalid_input", "recipient")
    problem(ask(doctor, case_id, **{"from": "not-a-day"}), 400, "invalid_input", "from")
    problem(ask(doctor, case_id, diagnosis="x"), 400, "invalid_input")
    problem(world["doctor"].post("/api/reports/verify", {"reportId": ""}), 400, "invalid_input")


def test_verification_is_throttled(env: Env) -> None:
    anyone = env.client()
    statuses = [
        anyone.post("/api/reports/verify", {"reportId": "QQQQ-QQQQ-QQQQ", "code": "WRONG"}).status
        for _ in range(6)
    ]
    assert statuses[0] == 404 and statuses[-1] == 429, statuses
