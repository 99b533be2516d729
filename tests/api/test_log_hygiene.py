"""No personal data reaches a log record (issue 27): the kinds of requests of the API journeys —
sign-in (right and wrong), a case with participants, an upload with a personal file name, a note,
a share, a crash-free error — are made against a dev host on each store adapter, and then every
line of its log is searched for the names, e-mail addresses and user ids of the people, the file
name and title, the note's text, and for any URL that carries an id.

The dev host's log holds what the Functions host would forward to Application Insights: the app's
own JSON lines (``shared.log``) and the host's lines (its access line names the route template,
never the path)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.client import multipart_form
from tests.api.conftest import (
    SPENT_CODES,
    STRONG,
    AdapterSet,
    Env,
    code_for,
    onboard,
    running_env,
)

ADMIN = ("Adelheid Aebischer", "adelheid.aebischer@example.invalid")
MANAGER = ("Mirko Meierhans", "mirko.meierhans@example.invalid")
EMPLOYEE = ("Erika Egloff-Zbinden", "erika.egloff@example.invalid")
DOCTOR = ("Dora Dürrenmatt", "dora.duerrenmatt@example.invalid")
FILE_NAME = "Arztzeugnis_Erika_Egloff_2026.pdf"
TITLE = "Zeugnis Rückenleiden Egloff"
NOTE = ("Gespräch mit Mirko", "Rückenschmerzen seit dem Umzug nach Thun")
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

#: A path segment of 32 hex digits (every id of the app) after /api/ — a URL that names something.
URL_WITH_ID = re.compile(r"/api/[^\s\"']*[0-9a-f]{32}", re.IGNORECASE)


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory, adapters: AdapterSet) -> Iterator[tuple[Env, Path]]:
    log = tmp_path_factory.mktemp("hygiene") / "devhost.log"
    with running_env(tmp_path_factory, adapters, log=log) as started:
        yield started, log


def _journeys(env: Env) -> dict[str, Any]:
    """What the API journeys do, in kind; returns the ids of the people involved."""
    made = env.cli("create-org", "--name", "Hygiene AG", "--admin-email", ADMIN[1], "--admin-name", ADMIN[0])
    org_id = re.search(r"organisation ([0-9a-f]{32})", made.stdout).group(1)  # type: ignore[union-attr]
    admin, _, _ = onboard(env, ADMIN[1])
    invite = {"email": MANAGER[1], "name": MANAGER[0], "language": "de", "role": "case_manager"}
    assert admin.post(f"/api/orgs/{org_id}/invitations", invite).status == 201
    manager, manager_secret, _ = onboard(env, MANAGER[1])

    # Sign-in: a wrong password, an unknown address, then the real thing with its second factor.
    stranger = env.client()
    wrong = stranger.post("/api/auth/login", {"email": MANAGER[1], "password": STRONG + "x"})
    assert wrong.status in (400, 401), wrong.body
    assert stranger.post("/api/auth/login", {"email": "nobody." + MANAGER[1], "password": STRONG}).status in (
        400,
        401,
    )
    again = env.client()
    step1 = again.post("/api/auth/login", {"email": MANAGER[1], "password": STRONG})
    assert step1.status == 200, step1.body
    code = code_for(manager_secret, 1)
    if code == SPENT_CODES.get(manager_secret):
        code = code_for(manager_secret, 2)
    step2 = again.post(
        "/api/auth/login/second-factor", {"challenge": step1.json()["challenge"], "code": code}
    )
    assert step2.status == 200, step2.body

    # A case with its employee and a doctor.
    body = {"employee": {"email": EMPLOYEE[1], "name": EMPLOYEE[0], "language": "de"}}
    case = manager.post(f"/api/orgs/{org_id}/cases", body)
    assert case.status == 201, case.body
    case_id = case.json()["caseId"]
    doctor_invite = {"email": DOCTOR[1], "name": DOCTOR[0], "language": "de", "role": "doctor"}
    assert manager.post(f"/api/cases/{case_id}/participants", doctor_invite).status == 201
    employee, _, _ = onboard(env, EMPLOYEE[1])
    doctor, _, _ = onboard(env, DOCTOR[1])
    people = {p["role"]: p["userId"] for p in manager.get(f"/api/cases/{case_id}").json()["participants"]}
    people["admin"] = admin.get("/api/me").json()["userId"]

    # An upload with a personal file name and title, a note, a share of each, reads by the doctor.
    form, content_type = multipart_form(
        (FILE_NAME, "application/pdf", PDF), title=TITLE, category="medical_certificate"
    )
    doc = employee.post(f"/api/cases/{case_id}/documents", form, headers={"Content-Type": content_type})
    assert doc.status == 201, doc.body
    doc_path = f"/api/cases/{case_id}/documents/{doc.json()['id']}"
    note = employee.post(f"/api/cases/{case_id}/notes", {"title": NOTE[0], "body": NOTE[1]})
    assert note.status == 201, note.body
    note_path = f"/api/cases/{case_id}/notes/{note.json()['id']}"
    for path in (doc_path, note_path):
        shared = employee.request("PUT", f"{path}/grants/{people['doctor']}", {})
        assert shared.status in (200, 201), shared.body
        assert doctor.get(path).status == 200
    assert doctor.get(doc_path + "/content").status == 200
    # Errors on the way: a stranger's id in a URL, a share with a non-participant.
    assert doctor.get(f"/api/cases/{case_id}/documents/{'0' * 32}").status == 404
    refused = employee.request("PUT", f"{doc_path}/grants/{people['admin']}", {})
    assert refused.status == 400
    env.settle()  # the relay and the mail sender log too
    return people


def _records(log: Path) -> list[str]:
    text = log.read_text(encoding="utf-8", errors="replace")
    return [line for line in text.splitlines() if line.strip()]


def test_no_personal_data_reaches_a_log_record(logged: tuple[Env, Path]) -> None:
    env, log = logged
    people = _journeys(env)
    records = _records(log)
    assert len(records) > 50, "the dev host logged almost nothing: is this the right log?"
    app_lines = [line for line in records if '{"event":"request"' in line]
    assert len(app_lines) > 20, "the app's request lines are missing"

    forbidden: dict[str, str] = {}
    for name, email in (ADMIN, MANAGER, EMPLOYEE, DOCTOR):
        forbidden[name] = "a name"
        forbidden[name.split()[-1]] = "a surname"
        forbidden[email] = "an e-mail address"
        forbidden[email.split("@")[0]] = "an e-mail's local part"
    for role, user_id in people.items():
        forbidden[user_id] = f"the user id of the {role}"
    forbidden[FILE_NAME] = "a file name"
    forbidden[FILE_NAME.rsplit(".", 1)[0]] = "a file name"
    forbidden[TITLE] = "a document title"
    forbidden[NOTE[0]] = "a note title"
    forbidden[NOTE[1]] = "a note's text"

    found = []
    for number, line in enumerate(records, 1):
        lowered = line.lower()
        for value, what in forbidden.items():
            if value.lower() in lowered:
                found.append(f"line {number}: {what} ({value!r}): {line[:200]}")
        if URL_WITH_ID.search(line):
            found.append(f"line {number}: a URL with an id: {line[:200]}")
    assert found == [], "\n".join(found[:20])


def test_every_app_line_of_a_request_names_its_trace_id(logged: tuple[Env, Path]) -> None:
    env, log = logged
    client = env.client()
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    answer = client.request(
        "GET",
        f"/api/cases/{'a' * 32}",
        headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"},
    )
    assert answer.status == 401
    assert answer.headers["X-Correlation-Id"] == trace_id
    assert answer.json()["instance"] == f"urn:casedesk:trace:{trace_id}"
    mine = [json.loads(line[line.index("{") :]) for line in _records(log) if trace_id in line]
    assert mine and all(record["correlationId"] == trace_id for record in mine)
    assert {record["event"] for record in mine} == {"request"}
    app_lines = [json.loads(line[line.index('{"event"') :]) for line in _records(log) if '{"event"' in line]
    requests = [record for record in app_lines if record["event"] == "request"]
    assert requests and all(re.fullmatch(r"[0-9a-f]{32}", r["correlationId"]) for r in requests)
