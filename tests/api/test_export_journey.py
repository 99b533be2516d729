"""Issue 20 over HTTP, on both adapters: "download my data" holds exactly what the person owns
and may receive — their documents' files (every version), notes, shares given, the items
shared with them as metadata only, who accessed their data — and nothing of anyone else's; one
export at a time, owner only, gone after the download; and account deletion (password + second
factor) refused in an open case, done in a closed one, where the items stay by a "former
participant"."""

from __future__ import annotations

import io
import json
import re
import urllib.request
import zipfile
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shared.ports import Query
from tests.api.client import ApiClient, Response, multipart_form
from tests.api.conftest import STRONG, Env, onboard, org_with_manager

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MANAGER_SECRET = b"%PDF-1.7\n% manager-only-content\n%%EOF\n"
DOCTOR_NOTE = "doctor-private-note-5521"
NOT_EMMAS_THREAD = "zwischen-Aerztin-und-Fallfuehrung-8830"


def upload(client: ApiClient, case_id: str, file: tuple[str, str, bytes], title: str) -> Response:
    body, content_type = multipart_form(file, title=title, category="other")
    return client.post(f"/api/cases/{case_id}/documents", body, headers={"Content-Type": content_type})


def drain(env: Env) -> dict[str, Any]:
    request = urllib.request.Request(f"{env.url}/admin/queues/export-build/drain", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=120) as answer:
        counts: dict[str, Any] = json.loads(answer.read() or b"{}")
    return counts


def download(client: ApiClient) -> tuple[dict[str, Any], bytes]:
    state = client.get("/api/me/export").json()
    assert state["state"] == "ready", state
    pieces = []
    for number in range(state["parts"]):
        got = client.get(f"/api/me/export/{state['exportId']}/parts/{number}")
        assert got.status == 200 and got.headers["Cache-Control"] == "no-store"
        assert got.headers["X-Export-Parts"] == str(state["parts"])
        pieces.append(got.body)
    archive = b"".join(pieces)
    assert len(archive) == state["size"]
    return state, archive


@pytest.fixture(scope="module")
def world(env: Env) -> dict[str, Any]:
    org_id, admin, manager = org_with_manager(
        env, "Export AG", "ex.admin@example.invalid", "ex.cm@example.invalid"
    )
    body = {"employee": {"email": "ex.emma@example.invalid", "name": "Emma Export", "language": "de"}}
    made = manager.post(f"/api/orgs/{org_id}/cases", body)
    assert made.status == 201, made.body
    case_id = made.json()["caseId"]
    employee, secret, codes = onboard(env, "ex.emma@example.invalid")
    ids = {p["role"]: p["userId"] for p in manager.get(f"/api/cases/{case_id}").json()["participants"]}
    docs = f"/api/cases/{case_id}/documents"
    # Emma's document in two versions, shared with the case manager; her private note.
    mine = upload(employee, case_id, ("zeugnis.pdf", "application/pdf", PDF), "Zeugnis").json()
    form, content_type = multipart_form(("zeugnis v2.pdf", "application/pdf", PDF + b"%v2\n"))
    second = employee.post(
        f"{docs}/{mine['id']}/versions",
        form,
        headers={"Content-Type": content_type, "If-Match": mine["etag"]},
    )
    assert second.status == 200, second.body
    assert employee.request("PUT", f"{docs}/{mine['id']}/grants/{ids['case_manager']}", {}).status == 200
    note = employee.post(f"/api/cases/{case_id}/notes", {"title": "Privat", "body": "Nur fuer mich."}).json()
    # The manager's document shared with Emma (she receives it: metadata only), a private note.
    theirs = upload(manager, case_id, ("cm.pdf", "application/pdf", MANAGER_SECRET), "Manager title").json()
    assert manager.request("PUT", f"{docs}/{theirs['id']}/grants/{ids['employee']}", {}).status == 200
    manager.post(f"/api/cases/{case_id}/notes", {"title": "CM only", "body": "manager-private-note"})
    # A thread: the manager writes to Emma, she answers.
    threads = f"/api/cases/{case_id}/threads"
    made = manager.post(threads, {"memberIds": [ids["employee"]], "text": "Wie geht es Ihnen?"})
    assert made.status == 201, made.body
    answer = employee.post(f"{threads}/{made.json()['id']}/messages", {"text": "Gut, danke."})
    assert answer.status == 201, answer.body
    # A doctor: an evaluation about Emma (hers to receive, every version), a private note and a
    # thread with the manager that Emma is not in (neither hers); Emma's own reflection.
    invite = {"email": "ex.dora@example.invalid", "name": "Dora", "language": "en", "role": "doctor"}
    assert manager.post(f"/api/cases/{case_id}/participants", invite).status == 201
    doctor, _, _ = onboard(env, "ex.dora@example.invalid")
    ids = {p["role"]: p["userId"] for p in manager.get(f"/api/cases/{case_id}").json()["participants"]}
    today = datetime.now(ZoneInfo("Europe/Zurich")).date()  # the day the app's calendar says
    rated = {"capacityPercent": 50, "validFrom": today.isoformat(), "validTo": (today + timedelta(days=30)).isoformat(),
             "restrictions": "Nicht heben", "recommendations": "Halbtags", "nextReview": None,
             "recipients": []}  # fmt: skip
    evaluation = doctor.post(f"/api/cases/{case_id}/evaluations", rated)
    assert evaluation.status == 201, evaluation.body
    doctor.post(f"/api/cases/{case_id}/notes", {"title": "Arzt", "body": DOCTOR_NOTE})
    aside = doctor.post(threads, {"memberIds": [ids["case_manager"]], "text": NOT_EMMAS_THREAD})
    assert aside.status == 201, aside.body
    entry = {
        "scales": {"wellbeing": 7},
        "wentWell": "Spaziergang",
        "limits": None,
        "needs": None,
        "note": None,
    }
    reflected = employee.request("PUT", f"/api/cases/{case_id}/reflections/{today.isoformat()}", entry,
                                 headers={"If-None-Match": "*"})  # fmt: skip
    assert reflected.status == 201, reflected.body
    # The manager reads Emma's document: her "who accessed my data" lists it.
    assert manager.get(f"{docs}/{mine['id']}/content").status == 200
    env.settle()
    return {
        "org": org_id,
        "admin": admin,
        "case": case_id,
        "manager": manager,
        "employee": employee,
        "ids": ids,
        "mine": mine["id"],
        "theirs": theirs["id"],
        "note": note["id"],
        "evaluation": evaluation.json()["id"],
        "secret": secret,
        "codes": codes,
    }


def test_the_export_holds_exactly_my_data(world: dict[str, Any], env: Env) -> None:
    employee, manager, case_id, ids = world["employee"], world["manager"], world["case"], world["ids"]
    assert employee.get("/api/me/export").json() == {"state": "none"}
    asked = employee.post("/api/me/export")
    assert asked.status == 202 and asked.json()["state"] == "queued", asked.body
    again = employee.post("/api/me/export")
    assert again.status == 409 and again.json()["code"] == "export_in_progress"
    early = employee.get(f"/api/me/export/{asked.json()['exportId']}/parts/0")
    assert early.status == 409 and early.json()["code"] == "export_not_ready"
    drain(env)

    state, archive = download(employee)
    names = zipfile.ZipFile(io.BytesIO(archive)).namelist()
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        data = json.loads(opened.read("data.json"))
        readme = opened.read("README.txt").decode()
        files = {n: opened.read(n) for n in names if n.startswith("files/")}
    assert "English" in readme and "Deutsch" in readme
    assert files == {
        f"files/{case_id}/{world['mine']}/v1-zeugnis.pdf": PDF,
        f"files/{case_id}/{world['mine']}/v2-zeugnis v2.pdf": PDF + b"%v2\n",
    }
    assert state["files"] == 2
    assert (
        data["profile"]["userId"] == ids["employee"] and data["profile"]["email"] == "ex.emma@example.invalid"
    )
    assert data["consent"]["acceptedAt"] and data["consents"][-1] == data["consent"]
    [case] = data["cases"]
    assert case["caseId"] == case_id and case["role"] == "employee"
    assert [d["id"] for d in case["documents"]] == [world["mine"]]
    assert [v["version"] for v in case["documents"][0]["versions"]] == [1, 2]
    assert [(n["id"], n["body"]) for n in case["notes"]] == [(world["note"], "Nur fuer mich.")]
    assert case["sharesGiven"] == [
        {"itemType": "doc", "itemId": world["mine"], "sharedWith": ids["case_manager"],
         "since": case["sharesGiven"][0]["since"], "expiresAt": None}
    ]  # fmt: skip
    # Held: the manager's document and — as its subject — the doctor's evaluation (metadata only).
    assert sorted((s["itemType"], s["itemId"], s["sharedBy"]) for s in case["sharedWithMe"]) == sorted([
        ("doc", world["theirs"], ids["case_manager"]), ("evaluation", world["evaluation"], ids["doctor"]),
    ])  # fmt: skip
    assert [(r["wentWell"], r["scales"]["wellbeing"]) for r in case["reflection-series"]] == [
        ("Spaziergang", 7)
    ]
    assert [e["id"] for e in case["evaluations"]] == [world["evaluation"]]  # about her, by the doctor
    assert case["feedback"] == []
    assert [m["text"] for m in case["messagesSent"]] == ["Gut, danke."]
    assert [(m["text"], m["senderId"]) for m in case["messagesReceived"]] == [
        ("Wie geht es Ihnen?", ids["case_manager"])
    ]
    assert any(
        a["actor"] == ids["case_manager"] and a["targetId"] == world["mine"] for a in data["accessesToMyData"]
    )
    # Nothing of anyone else's: not the manager's file, its title, nor their private note.
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        everything = b"".join(opened.read(n) for n in names)
    for foreign in (MANAGER_SECRET, b"manager-only-content", b"Manager title", b"manager-private-note",
                    DOCTOR_NOTE.encode(), NOT_EMMAS_THREAD.encode()):  # fmt: skip
        assert foreign not in everything

    # The owner only: the manager cannot fetch Emma's parts (the record is in her partition).
    assert manager.get(f"/api/me/export/{state['exportId']}/parts/0").status == 404
    assert employee.get(f"/api/me/export/{state['exportId']}/parts/{state['parts']}").status == 404
    assert employee.get(f"/api/me/export/{state['exportId']}/parts/x").status == 400
    kinds = [n["kind"] for n in employee.get("/api/me/notifications").json()["notifications"]]
    assert "export_ready" in kinds

    # At rest: only ciphertext parts; the file content is not readable there.
    prefix = f"exports/{ids['employee']}/{state['exportId']}/"
    stored = list(env.blobs().list(prefix))
    assert stored and all(PDF not in env.blobs().get(n) for n in stored)
    env.settle()
    audited = {
        (e["action"], e["targetId"]) for e in env.store().scan("audit") if e.get("actor") == ids["employee"]
    }
    assert {("export:request", state["exportId"]), ("export:download", state["exportId"])} <= audited
    assert employee.request("DELETE", "/api/me/export").status == 204
    assert employee.get("/api/me/export").json() == {"state": "none"}
    assert list(env.blobs().list(prefix)) == []
    assert employee.get(f"/api/me/export/{state['exportId']}/parts/0").status == 404


def test_account_deletion_waits_for_the_open_case(world: dict[str, Any], env: Env) -> None:
    employee, manager, case_id, ids = world["employee"], world["manager"], world["case"], world["ids"]
    codes: list[str] = world["codes"]
    wrong = employee.post("/api/me/delete", {"password": "not the password", "recoveryCode": codes[0]})
    assert wrong.status == 401 and wrong.json()["code"] == "invalid_credentials"
    no_factor = employee.post("/api/me/delete", {"password": STRONG})
    assert no_factor.status == 401, no_factor.body
    refused = employee.post("/api/me/delete", {"password": STRONG, "recoveryCode": codes[1]})
    assert refused.status == 409 and refused.json()["code"] == "active_participation"
    assert employee.get("/api/me").status == 200  # nothing changed

    etag = manager.get(f"/api/cases/{case_id}").headers["ETag"]
    assert manager.post(f"/api/cases/{case_id}/close", headers={"If-Match": etag}).status == 200
    employee.post("/api/me/export")  # an export waiting goes with the account
    deleted = employee.post("/api/me/delete", {"password": STRONG, "recoveryCode": codes[2]})
    assert deleted.status == 204, deleted.body
    assert employee.get("/api/me").status == 401
    login = env.client().post("/api/auth/login", {"email": "ex.emma@example.invalid", "password": STRONG})
    assert login.status == 401

    store = env.store()
    uid = ids["employee"]
    left = [i for i in store.query("users", uid, Query(limit=100)).items]
    assert all(i.get("type") == "pending-effect" for i in left), [i["id"] for i in left]
    env.settle()
    assert store.query("users", uid, Query(limit=100)).items == []
    # Her items in the closed case stay until its purge, by a "former participant".
    doc = store.read("cases", case_id, f"doc-{world['mine']}")
    assert doc["ownerId"] == uid
    people = {p["userId"]: p for p in manager.get(f"/api/cases/{case_id}").json()["participants"]}
    assert people[uid]["former"] is True and people[uid]["name"] == ""
    assert people[ids["case_manager"]]["former"] is False
    # The audit keeps the pseudonymous id: the deletion itself is in her chain.
    events = [e for e in store.scan("audit") if e.get("action") == "account:delete"]
    assert events and {e["actor"] for e in events} == {uid}
    # No record of the organisation names her any more: her invitation keeps no e-mail address.
    invited = world["admin"].get(f"/api/orgs/{world['org']}/invitations?limit=100").json()["invitations"]
    assert invited and "ex.emma@example.invalid" not in json.dumps(invited)
    org_items = store.query("orgs", world["org"], Query(limit=500)).items
    assert not [i["id"] for i in org_items if "ex.emma@example.invalid" in json.dumps(i)]


def test_the_only_org_admin_keeps_their_account_until_someone_else_administers(env: Env) -> None:
    """An org admin takes part in no case, but deleting the only one would leave the organisation
    with nobody to administer it: refused (409 last_org_admin), nothing changed. Once a second
    admin is there, the deletion goes through and no staff entry of nobody stays behind."""
    made = env.cli("create-org", "--name", "Solo AG", "--admin-email", "solo.a@example.invalid",
                   "--admin-name", "Solo")  # fmt: skip
    org_id = re.search(r"organisation ([0-9a-f]{32})", made.stdout).group(1)  # type: ignore[union-attr]
    first, _secret, codes = onboard(env, "solo.a@example.invalid")
    first_id = first.get("/api/me").json()["userId"]
    refused = first.post("/api/me/delete", {"password": STRONG, "recoveryCode": codes[0]})
    assert refused.status == 409 and refused.json()["code"] == "last_org_admin", refused.body
    assert first.get("/api/me").status == 200
    assert first_id in [m["userId"] for m in first.get(f"/api/orgs/{org_id}/staff").json()["members"]]

    invite = {"email": "solo.b@example.invalid", "name": "Zweite", "language": "de", "role": "org_admin"}
    assert first.post(f"/api/orgs/{org_id}/invitations", invite).status == 201
    second, _, _ = onboard(env, "solo.b@example.invalid")
    deleted = first.post("/api/me/delete", {"password": STRONG, "recoveryCode": codes[1]})
    assert deleted.status == 204, deleted.body
    staff = second.get(f"/api/orgs/{org_id}/staff").json()["members"]
    assert first_id not in [m["userId"] for m in staff] and len(staff) == 1
    invited = second.get(f"/api/orgs/{org_id}/invitations").json()["invitations"]
    assert "solo.a@example.invalid" not in json.dumps(invited)
    # The one left is the only admin now: the same rule holds for them.
    assert second.get("/api/me").status == 200
