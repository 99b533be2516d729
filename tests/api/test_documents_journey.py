"""Issue 5 over HTTP: documents and notes private by default, shared by their owner with chosen
participants (optionally until a time), revoked, versioned, deleted; notifications; downloads in
the employee's "who accessed my data"; nothing readable in the raw store or blob files; and the
bad inputs of each step (clear 4xx, nothing stored)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.client import ApiClient, Response, multipart_form
from tests.api.conftest import AdapterSet, Env, onboard, org_with_manager, running_env

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
MAX_UPLOAD = 64 * 1024  # the limit this module's dev host runs with


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, adapters: AdapterSet) -> Iterator[Env]:
    with running_env(tmp_path_factory, adapters, CASEDESK_MAX_UPLOAD_BYTES=str(MAX_UPLOAD)) as started:
        yield started


@pytest.fixture(scope="module")
def world(env: Env) -> dict[str, Any]:
    org_id, admin, manager = org_with_manager(
        env, "Doku AG", "dk.admin@example.invalid", "dk.cm@example.invalid"
    )
    employee_body = {"employee": {"email": "dk.emma@example.invalid", "name": "Emma", "language": "de"}}
    case = manager.post(f"/api/orgs/{org_id}/cases", employee_body).json()
    employee, _, _ = onboard(env, "dk.emma@example.invalid")
    for email, role in (("dk.dora@example.invalid", "doctor"), ("dk.eric@example.invalid", "employer")):
        body = {"email": email, "name": role.title(), "language": "en", "role": role}
        assert manager.post(f"/api/cases/{case['caseId']}/participants", body).status == 201
    doctor, _, _ = onboard(env, "dk.dora@example.invalid")
    employer, _, _ = onboard(env, "dk.eric@example.invalid")
    people = {
        p["role"]: p["userId"] for p in manager.get(f"/api/cases/{case['caseId']}").json()["participants"]
    }
    return {
        "case": case["caseId"],
        "admin": admin,
        "manager": manager,
        "employee": employee,
        "doctor": doctor,
        "employer": employer,
        "ids": people,
    }


def upload(client: ApiClient, case_id: str, file: tuple[str, str, bytes], **fields: str | bytes) -> Response:
    body, content_type = multipart_form(file, **{"title": "Bericht", "category": "other", **fields})
    return client.post(f"/api/cases/{case_id}/documents", body, headers={"Content-Type": content_type})


def replace(client: ApiClient, path: str, file: tuple[str, str, bytes], etag: str) -> Response:
    body, content_type = multipart_form(file)
    return client.post(path + "/versions", body, headers={"Content-Type": content_type, "If-Match": etag})


def put(client: ApiClient, path: str, body: Any) -> Response:
    return client.request("PUT", path, body)


def test_a_document_is_private_until_shared_and_gone_again_when_revoked(
    world: dict[str, Any], env: Env
) -> None:
    case_id, ids = world["case"], world["ids"]
    employee, doctor = world["employee"], world["doctor"]
    made = upload(
        employee,
        case_id,
        ("Arztzeugnis März.pdf", "application/pdf", PDF),
        title="Zeugnis Dr. Muster",
        category="medical_certificate",
    )
    assert made.status == 201, made.body
    doc = made.json()
    assert (doc["title"], doc["fileName"], doc["category"], doc["version"], doc["mine"]) == (
        "Zeugnis Dr. Muster",
        "Arztzeugnis März.pdf",
        "medical_certificate",
        1,
        True,
    )
    assert (doc["contentType"], doc["size"], doc["ownerRole"]) == ("application/pdf", len(PDF), "employee")
    path = f"/api/cases/{case_id}/documents/{doc['id']}"

    # Private: nobody else sees it, not even the case manager or the org admin; 404, not 403.
    for who in ("doctor", "employer", "manager", "admin"):
        client: ApiClient = world[who]
        assert client.get(path).status == 404, who
        assert client.get(path + "/content").status == 404, who
        listed = client.get(f"/api/cases/{case_id}/documents")
        assert listed.status == (403 if who == "admin" else 200), who
        if listed.status == 200:
            assert listed.json()["documents"] == [], who
    assert [d["id"] for d in employee.get(f"/api/cases/{case_id}/documents").json()["documents"]] == [
        doc["id"]
    ]

    # Shared with the doctor: a notification, then the doctor reads and downloads it.
    before = doctor.get("/api/me/notifications/unread-count").json()["unreadCount"]
    granted = put(employee, f"{path}/grants/{ids['doctor']}", {"expiresAt": None})
    assert granted.status == 200, granted.body
    assert granted.json()["userId"] == ids["doctor"] and granted.json()["expiresAt"] is None
    assert doctor.get("/api/me/notifications/unread-count").json() == {"unreadCount": before + 1}
    newest = doctor.get("/api/me/notifications?unread=true").json()["notifications"][0]
    assert (newest["kind"], newest["caseId"], newest["itemType"], newest["itemId"], newest["read"]) == (
        "share",
        case_id,
        "doc",
        doc["id"],
        False,
    )
    # Named as the doctor may see it now (issue 24.6): who shared which document in whose case.
    assert (newest["available"], newest["actorName"], newest["itemTitle"], newest["caseName"]) == (
        True,
        "Emma",
        "Zeugnis Dr. Muster",
        "Emma",
    )
    marked = doctor.post("/api/me/notifications/read", {"notificationIds": [newest["id"]]})
    assert marked.json() == {"marked": 1}
    assert doctor.post("/api/me/notifications/read", {"notificationIds": [newest["id"]]}).json() == {
        "marked": 0
    }
    assert doctor.get("/api/me/notifications/unread-count").json() == {"unreadCount": before}
    # Nobody else can mark (or even see) the doctor's notification.
    assert employee.post("/api/me/notifications/read", {"notificationIds": [newest["id"]]}).json() == {
        "marked": 0
    }

    seen = doctor.get(path)
    assert (
        seen.status == 200 and seen.json()["mine"] is False and seen.json()["title"] == "Zeugnis Dr. Muster"
    )
    listed = doctor.get(f"/api/cases/{case_id}/documents").json()["documents"]
    assert [d["id"] for d in listed] == [doc["id"]]
    download = doctor.get(path + "/content")
    assert download.status == 200 and download.body == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"Arztzeugnis Marz.pdf\"; filename*=UTF-8''Arztzeugnis%20M%C3%A4rz.pdf"
    )
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert download.headers["Cache-Control"] == "no-store"

    # Grantees read; only the owner renames, replaces, lists versions, shares or deletes.
    etag = seen.headers["ETag"]
    assert doctor.request("PATCH", path, {"title": "Mine now"}, headers={"If-Match": etag}).status == 403
    assert replace(doctor, path, ("x.pdf", "application/pdf", PDF), etag).status == 403
    assert doctor.get(path + "/versions").status == 403
    assert doctor.get(path + "/access").status == 403
    assert put(doctor, f"{path}/grants/{ids['employer']}", {}).status == 403
    assert doctor.request("DELETE", path, headers={"If-Match": etag}).status == 403

    # Who has access, and "see what X sees", from the owner's side.
    access = employee.get(path + "/access")
    assert access.status == 200
    assert [(a["userId"], a["access"], a["role"]) for a in access.json()["access"]] == [
        (ids["employee"], "owner", "employee"),
        (ids["doctor"], "shared", "doctor"),
    ]
    as_doctor = employee.get(f"/api/cases/{case_id}/seen-by/{ids['doctor']}").json()
    as_employer = employee.get(f"/api/cases/{case_id}/seen-by/{ids['employer']}").json()
    assert [d["id"] for d in as_doctor["documents"]] == [doc["id"]] and as_doctor["notes"] == []
    assert as_employer == {
        "documents": [],
        "notes": [],
        "reflection-series": [],
        "evaluations": [],
        "feedback": [],
        "reflections": [],
        # all on one page
        "continuations": dict.fromkeys(
            ("documents", "notes", "reflection-series", "evaluations", "feedback")
        ),
    }

    # The employee sees the doctor's download in "who accessed my data" once the relay ran.
    env.settle()
    accesses = employee.get("/api/me/accesses").json()
    download_events = [e for e in accesses["accesses"] if e["action"] == "document:download"]
    assert download_events and "heruntergeladen" in download_events[0]["sentence"]
    # For its owner the document is named by its title (issue 25).
    assert "«Zeugnis Dr. Muster»" in download_events[0]["sentence"], download_events[0]["sentence"]

    # Revoked: the doctor gets 404 again, as if it never existed; revoking again is 404.
    assert employee.request("DELETE", f"{path}/grants/{ids['doctor']}").status == 204
    assert doctor.get(path + "/content").status == 404
    assert doctor.get(path).status == 404
    assert doctor.get(f"/api/cases/{case_id}/documents").json()["documents"] == []
    assert employee.request("DELETE", f"{path}/grants/{ids['doctor']}").status == 404
    # The notification stays, now without the name and the title: the neutral text.
    notice = next(
        n for n in doctor.get("/api/me/notifications").json()["notifications"] if n["itemId"] == doc["id"]
    )
    assert (notice["available"], notice["actorName"], notice["itemTitle"]) == (False, None, None)


def test_a_share_with_an_expiry_ends_by_itself(world: dict[str, Any]) -> None:
    case_id, ids, employee, doctor = world["case"], world["ids"], world["employee"], world["doctor"]
    doc = upload(employee, case_id, ("plan.txt", "text/plain", b"Arbeitsplan\n")).json()
    path = f"/api/cases/{case_id}/documents/{doc['id']}"
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    refused = put(employee, f"{path}/grants/{ids['doctor']}", {"expiresAt": past})
    assert refused.status == 400 and refused.json()["code"] == "expiry_in_past"
    naive = put(employee, f"{path}/grants/{ids['doctor']}", {"expiresAt": "2030-01-01T10:00:00"})
    assert naive.status == 400 and naive.json()["errors"][0]["field"] == "expiresAt"
    assert doctor.get(path).status == 404  # neither refusal granted anything

    until = datetime.now(UTC) + timedelta(seconds=2)
    granted = put(employee, f"{path}/grants/{ids['doctor']}", {"expiresAt": until.isoformat()})
    assert granted.status == 200, granted.body
    assert doctor.get(path + "/content").body == b"Arbeitsplan\n"
    time.sleep(max(0.0, (until - datetime.now(UTC)).total_seconds()) + 1.1)
    assert doctor.get(path + "/content").status == 404
    assert doc["id"] not in [
        d["id"] for d in doctor.get(f"/api/cases/{case_id}/documents").json()["documents"]
    ]
    assert [a["access"] for a in employee.get(path + "/access").json()["access"]] == ["owner"]


def test_versions_rename_and_delete_with_etags(world: dict[str, Any]) -> None:
    case_id, ids, employee, doctor = world["case"], world["ids"], world["employee"], world["doctor"]
    first = upload(
        employee, case_id, ("stelle.pdf", "application/pdf", PDF), category="job_description"
    ).json()
    path = f"/api/cases/{case_id}/documents/{first['id']}"
    assert replace(employee, path, ("v2.pdf", "application/pdf", PDF + b"v2"), "").status == 428

    second = replace(employee, path, ("stelle v2.pdf", "application/pdf", PDF + b"%v2\n"), first["etag"])
    assert second.status == 200, second.body
    assert (second.json()["version"], second.json()["fileName"]) == (2, "stelle v2.pdf")
    # The same ETag again (a concurrent replace that lost): 412, and no third version appears.
    lost = replace(employee, path, ("v3.pdf", "application/pdf", PDF + b"%v3\n"), first["etag"])
    assert lost.status == 412 and lost.json()["code"] == "concurrency_conflict"
    versions = employee.get(path + "/versions").json()["versions"]
    assert [(v["version"], v["fileName"], v["current"]) for v in versions] == [
        (2, "stelle v2.pdf", True),
        (1, "stelle.pdf", False),
    ]
    assert employee.get(path + "/versions/1/content").body == PDF
    assert employee.get(path + "/content").body == PDF + b"%v2\n"

    # A grantee gets the current version only.
    assert put(employee, f"{path}/grants/{ids['doctor']}", {}).status == 200
    assert doctor.get(path + "/content").body == PDF + b"%v2\n"
    assert doctor.get(path + "/versions/1/content").status == 403

    current = employee.get(path).headers["ETag"]
    cannot = employee.request("DELETE", path + "/versions/2")
    assert cannot.status == 400 and cannot.json()["errors"][0]["field"] == "version"
    assert employee.request("DELETE", path + "/versions/1").status == 204
    assert employee.request("DELETE", path + "/versions/1").status == 404
    assert employee.get(path + "/versions/1/content").status == 404
    assert employee.request("DELETE", path + "/versions/abc").status == 400

    stale = employee.request("PATCH", path, {"title": "Stellenbeschrieb"}, headers={"If-Match": current})
    assert stale.status == 412  # deleting version 1 changed the document
    fresh = employee.get(path).headers["ETag"]
    renamed = employee.request("PATCH", path, {"title": "Stellenbeschrieb"}, headers={"If-Match": fresh})
    assert renamed.status == 200 and renamed.json()["title"] == "Stellenbeschrieb"
    bad = employee.request(
        "PATCH", path, {"category": "secret"}, headers={"If-Match": renamed.headers["ETag"]}
    )
    assert bad.status == 400 and bad.json()["errors"][0]["field"] == "category"

    assert employee.request("DELETE", path).status == 428
    assert employee.request("DELETE", path, headers={"If-Match": fresh}).status == 412
    assert employee.request("DELETE", path, headers={"If-Match": renamed.headers["ETag"]}).status == 204
    assert employee.get(path).status == 404 and doctor.get(path).status == 404
    assert employee.get(path + "/access").status == 404


def test_notes_are_private_shared_read_and_edited_by_their_author(world: dict[str, Any], env: Env) -> None:
    case_id, ids, manager, employee = world["case"], world["ids"], world["manager"], world["employee"]
    made = employee.post(
        f"/api/cases/{case_id}/notes", {"title": "Gedanken", "body": "Montags ist es schwer."}
    )
    assert made.status == 201, made.body
    note = made.json()
    path = f"/api/cases/{case_id}/notes/{note['id']}"
    assert manager.get(path).status == 404
    assert note["id"] not in [n["id"] for n in manager.get(f"/api/cases/{case_id}/notes").json()["notes"]]

    assert put(employee, f"{path}/grants/{ids['case_manager']}", {}).status == 200
    listed = manager.get(f"/api/cases/{case_id}/notes").json()["notes"]
    assert [n["id"] for n in listed] == [note["id"]] and "body" not in listed[0]  # bodies: one read each
    read = manager.get(path)
    assert read.status == 200 and read.json()["body"] == "Montags ist es schwer."
    assert (
        manager.request("PATCH", path, {"body": "x"}, headers={"If-Match": read.headers["ETag"]}).status
        == 403
    )
    as_manager = employee.get(f"/api/cases/{case_id}/seen-by/{ids['case_manager']}").json()
    assert [n["id"] for n in as_manager["notes"]] == [note["id"]]

    changed = employee.request("PATCH", path, {"body": "Besser."}, headers={"If-Match": note["etag"]})
    assert changed.status == 200 and changed.json()["body"] == "Besser."
    stale = employee.request("PATCH", path, {"body": "Lost"}, headers={"If-Match": note["etag"]})
    assert stale.status == 412
    assert manager.get(path).json()["body"] == "Besser."
    env.settle()
    accesses = employee.get("/api/me/accesses").json()["accesses"]
    assert any(e["action"] == "note:read" for e in accesses)

    for body in ({"title": "t", "body": ""}, {"title": "", "body": "x"}, {"title": "t", "body": "a\x00b"}):
        bad = employee.post(f"/api/cases/{case_id}/notes", body)
        assert bad.status == 400, body
    assert employee.request("DELETE", path, headers={"If-Match": changed.headers["ETag"]}).status == 204
    assert manager.get(path).status == 404


def test_sharing_is_only_with_participants_and_only_by_the_owner(world: dict[str, Any], env: Env) -> None:
    case_id, ids, employee, doctor = world["case"], world["ids"], world["employee"], world["doctor"]
    doc = upload(employee, case_id, ("a.pdf", "application/pdf", PDF)).json()
    path = f"/api/cases/{case_id}/documents/{doc['id']}"
    outsider = put(employee, f"{path}/grants/{'f' * 32}", {})
    assert outsider.status == 400 and outsider.json()["code"] == "not_a_participant"
    to_self = put(employee, f"{path}/grants/{ids['employee']}", {})
    assert to_self.status == 400 and to_self.json()["code"] == "not_a_participant"
    admin_id = world["admin"].get("/api/me").json()["userId"]
    assert put(employee, f"{path}/grants/{admin_id}", {}).status == 400  # org admins are not participants
    unknown_field = put(employee, f"{path}/grants/{ids['doctor']}", {"expiresAt": None, "canEdit": True})
    assert unknown_field.status == 400 and unknown_field.json()["errors"][0]["field"] == "canEdit"
    assert doctor.get(path).status == 404  # none of that shared anything
    # Someone else's item (guessed id) and an invented id answer alike: 404.
    assert put(doctor, f"{path}/grants/{ids['employer']}", {}).status == 404
    assert (
        put(doctor, f"/api/cases/{case_id}/documents/{'0' * 32}/grants/{ids['employer']}", {}).status == 404
    )


def test_bad_uploads_are_refused_and_leave_nothing(world: dict[str, Any], env: Env) -> None:
    case_id, employee = world["case"], world["employee"]
    before = employee.get(f"/api/cases/{case_id}/documents").json()["documents"]
    blobs_before = sorted(env.blobs().list())
    cases: list[tuple[tuple[str, str, bytes], dict[str, str | bytes], int, str]] = [
        (("x.pdf", "application/pdf", PNG), {}, 400, "file_type_mismatch"),  # wrong magic bytes
        (("x.png", "application/pdf", PNG), {}, 400, "file_type_mismatch"),
        (("setup.pdf", "application/pdf", b"MZ\x90\x00" + b"\x00" * 60), {}, 415, "unsupported_file_type"),
        (("x.pdf", "application/pdf", b"%PDF-" + b"0" * MAX_UPLOAD), {}, 413, "payload_too_large"),
        (("x.pdf", "application/pdf", b""), {}, 400, "empty_file"),
        (("../../etc/passwd.pdf", "application/pdf", PDF), {}, 400, "invalid_file_name"),
        (("bad\x07name.pdf", "application/pdf", PDF), {}, 400, "invalid_file_name"),
        (("x.pdf", "application/pdf", PDF), {"title": "t" * 300}, 400, "invalid_input"),
        (("x.pdf", "application/pdf", PDF), {"title": b"Zeugnis \xff\xfe"}, 400, "invalid_input"),
        (("x.pdf", "application/pdf", PDF), {"category": "secret"}, 400, "invalid_input"),
        (("x.pdf", "application/pdf", PDF), {"colour": "red"}, 400, "invalid_input"),
    ]
    for file, fields, status, code in cases:
        refused = upload(employee, case_id, file, **fields)
        assert (refused.status, refused.json()["code"]) == (status, code), (file[0], fields, refused.body)
        assert refused.headers["Content-Type"].startswith("application/problem+json")
    body, content_type = multipart_form(None, title="t", category="other")
    no_file = employee.post(f"/api/cases/{case_id}/documents", body, headers={"Content-Type": content_type})
    assert no_file.status == 400 and no_file.json()["errors"][0]["field"] == "file"
    as_json = employee.post(f"/api/cases/{case_id}/documents", {"title": "t"})
    assert as_json.status == 415
    german = world["employee"]
    german.language = "de"
    localised = upload(german, case_id, ("x.pdf", "application/pdf", b""))
    assert localised.json()["title"] != "" and localised.headers["Content-Language"] == "de"
    assert employee.get(f"/api/cases/{case_id}/documents").json()["documents"] == before
    assert sorted(env.blobs().list()) == blobs_before


def test_nothing_readable_lands_in_the_store_or_the_blob_files(world: dict[str, Any], env: Env) -> None:
    case_id, employee = world["case"], world["employee"]
    secret = f"Diagnose-{uuid.uuid4().hex}"
    title = f"Befund-{uuid.uuid4().hex}"
    file_name = f"scan-{uuid.uuid4().hex}.txt"
    made = upload(employee, case_id, (file_name, "text/plain", secret.encode()), title=title)
    assert made.status == 201
    note = employee.post(f"/api/cases/{case_id}/notes", {"title": title + "N", "body": secret + "N"})
    assert note.status == 201
    assert list(env.blobs().list()), "the upload wrote no blob"
    everything = dict(env.at_rest())  # store items (or files, with the WAL), blobs, keys, outbox
    if env.adapter == "embedded":
        assert any(name.startswith("casedesk.sqlite3") for name in everything)
    else:
        assert any(name.startswith("cases/") for name in everything)
    for name, raw in everything.items():
        for needle in (secret, title, file_name, title + "N"):
            assert needle.encode() not in raw, (needle, name)
    # ... and it still reads back, decrypted, through the API.
    doc_path = f"/api/cases/{case_id}/documents/{made.json()['id']}"
    assert employee.get(doc_path + "/content").body == secret.encode()
    assert employee.get(doc_path).json()["title"] == title


def test_closed_cases_and_legal_holds_protect_documents(world: dict[str, Any], env: Env) -> None:
    # A fresh case of its own, so closing it does not disturb the other tests.
    org_id, admin, manager = org_with_manager(
        env, "Halt AG", "ha.admin@example.invalid", "ha.cm@example.invalid"
    )
    body = {"employee": {"email": "ha.emma@example.invalid", "name": "Hanna", "language": "en"}}
    case = manager.post(f"/api/orgs/{org_id}/cases", body).json()
    employee, _, _ = onboard(env, "ha.emma@example.invalid")
    case_id = case["caseId"]
    doc = upload(employee, case_id, ("a.pdf", "application/pdf", PDF)).json()
    path = f"/api/cases/{case_id}/documents/{doc['id']}"

    summary = admin.get(f"/api/cases/{case_id}")
    held = admin.request(
        "PUT",
        f"/api/cases/{case_id}/legal-hold",
        {"legalHold": True},
        headers={"If-Match": summary.headers["ETag"]},
    )
    assert held.status == 200, held.body
    refused = employee.request("DELETE", path, headers={"If-Match": doc["etag"]})
    assert refused.status == 409 and refused.json()["code"] == "legal_hold_active"
    assert employee.get(path + "/content").body == PDF

    summary = manager.get(f"/api/cases/{case_id}")
    assert (
        manager.post(f"/api/cases/{case_id}/close", headers={"If-Match": summary.headers["ETag"]}).status
        == 200
    )
    closed = upload(employee, case_id, ("b.pdf", "application/pdf", PDF))
    assert closed.status == 409 and closed.json()["code"] == "case_closed"
    assert employee.get(path + "/content").body == PDF  # reading stays possible


def test_removing_a_participant_ends_their_shares_at_once(env: Env) -> None:
    org_id, _, manager = org_with_manager(env, "Weg AG", "wg.admin@example.invalid", "wg.cm@example.invalid")
    body = {"employee": {"email": "wg.emma@example.invalid", "name": "Wanda", "language": "en"}}
    case_id = manager.post(f"/api/orgs/{org_id}/cases", body).json()["caseId"]
    employee, _, _ = onboard(env, "wg.emma@example.invalid")
    invite = {"email": "wg.dora@example.invalid", "name": "Doc", "language": "en", "role": "doctor"}
    assert manager.post(f"/api/cases/{case_id}/participants", invite).status == 201
    doctor, _, _ = onboard(env, "wg.dora@example.invalid")
    doctor_id = doctor.get("/api/me").json()["userId"]
    doc = upload(employee, case_id, ("a.pdf", "application/pdf", PDF)).json()
    path = f"/api/cases/{case_id}/documents/{doc['id']}"
    assert put(employee, f"{path}/grants/{doctor_id}", {}).status == 200
    assert doctor.get(path + "/content").status == 200

    assert manager.request("DELETE", f"/api/cases/{case_id}/participants/{doctor_id}").status == 204
    assert doctor.get(path + "/content").status == 404
    assert [a["access"] for a in employee.get(path + "/access").json()["access"]] == ["owner"]
    assert employee.get(f"/api/cases/{case_id}/seen-by/{doctor_id}").json() == {
        "documents": [],
        "notes": [],
        "reflection-series": [],
        "evaluations": [],
        "feedback": [],
        "reflections": [],
        "continuations": dict.fromkeys(
            ("documents", "notes", "reflection-series", "evaluations", "feedback")
        ),
    }


def test_the_lists_say_of_each_own_item_whether_it_is_private_or_with_whom_until_when(
    world: dict[str, Any],
) -> None:
    """Issue 24: each of the owner's documents and notes in the lists carries who it is shared
    with now (empty: private; expired shares left out); others' items carry null."""
    case_id, ids, employee, doctor = world["case"], world["ids"], world["employee"], world["doctor"]
    private = upload(employee, case_id, ("a.txt", "text/plain", b"a\n"), title="Privat").json()
    shared = upload(employee, case_id, ("b.txt", "text/plain", b"b\n"), title="Geteilt").json()
    docs = f"/api/cases/{case_id}/documents"
    until = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    assert (
        put(
            employee, f"{docs}/{shared['id']}/grants/{ids['doctor']}", {"expiresAt": until.isoformat()}
        ).status
        == 200
    )
    assert put(employee, f"{docs}/{shared['id']}/grants/{ids['employer']}", {"expiresAt": None}).status == 200

    listed = {d["id"]: d for d in employee.get(docs).json()["documents"]}
    assert listed[private["id"]]["sharedWith"] == []
    states = {s["userId"]: s for s in listed[shared["id"]]["sharedWith"]}
    assert set(states) == {ids["doctor"], ids["employer"]}
    assert datetime.fromisoformat(states[ids["doctor"]]["expiresAt"]) == until
    assert states[ids["employer"]]["expiresAt"] is None and not states[ids["employer"]]["subject"]
    # The doctor sees the shared one as someone else's: no sharing state of another's item.
    seen = {d["id"]: d for d in doctor.get(docs).json()["documents"]}
    assert seen[shared["id"]]["sharedWith"] is None

    assert employee.request("DELETE", f"{docs}/{shared['id']}/grants/{ids['employer']}").status == 204
    after = {d["id"]: d for d in employee.get(docs).json()["documents"]}
    assert [s["userId"] for s in after[shared["id"]]["sharedWith"]] == [ids["doctor"]]

    note = employee.post(f"/api/cases/{case_id}/notes", {"title": "Für Dora", "body": "x"}).json()
    notes = f"/api/cases/{case_id}/notes"
    assert {n["id"]: n for n in employee.get(notes).json()["notes"]}[note["id"]]["sharedWith"] == []
    assert put(employee, f"{notes}/{note['id']}/grants/{ids['doctor']}", {}).status == 200
    mine = {n["id"]: n for n in employee.get(notes).json()["notes"]}[note["id"]]
    assert [(s["userId"], s["expiresAt"]) for s in mine["sharedWith"]] == [(ids["doctor"], None)]
