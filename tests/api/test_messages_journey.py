"""Issue 18 over HTTP, on both adapter sets: a 1:1 thread and a group thread, a member who joins
later and one who leaves, the removal of a participant from the case, the delete window, an
attachment shared and then unshared, the closed case; unread counts and the 304 answers of the
polled routes; the content-free e-mail notice; org admins never reach a thread; every bad input →
problem+json with its code and nothing stored; nothing readable at rest."""

from __future__ import annotations

import io
import json
import urllib.request
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.adapters.outbox import OutboxMailer
from shared.ports import Query
from tests.api.client import Response, multipart_form
from tests.api.conftest import AdapterSet, Env, onboard, org_with_manager, running_env
from tests.api.test_export_journey import download, drain

SECRET = "Rueckenschmerz-Geheimnis-91c2"  # a message text that must never be readable at rest
SUBJECT = "Betreff-Vertraulich-4410"
AFTER_REMOVAL = "Nach-der-Entfernung-7731"  # written after the doctor's removal: never theirs


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, adapters: AdapterSet) -> Iterator[Env]:
    # No delay before the e-mail notice: the rule itself (delay, 30 minutes) is priced with an
    # injected clock in tests/unit/test_messages.py.
    with running_env(tmp_path_factory, adapters, CASEDESK_MESSAGE_EMAIL_DELAY_MINUTES="0") as started:
        yield started


@pytest.fixture(scope="module")
def world(env: Env) -> dict[str, Any]:
    org_id, admin, manager = org_with_manager(
        env, "Msg AG", "ms.admin@example.invalid", "ms.cm@example.invalid"
    )
    body = {"employee": {"email": "ms.emma@example.invalid", "name": "Emma", "language": "en"}}
    case = manager.post(f"/api/orgs/{org_id}/cases", body).json()
    employee, _, _ = onboard(env, "ms.emma@example.invalid")
    for email, role in (("ms.dora@example.invalid", "doctor"), ("ms.eric@example.invalid", "employer")):
        invite = {"email": email, "name": role.title(), "language": "en", "role": role}
        assert manager.post(f"/api/cases/{case['caseId']}/participants", invite).status == 201
    doctor, _, _ = onboard(env, "ms.dora@example.invalid")
    employer, _, _ = onboard(env, "ms.eric@example.invalid")
    people = {
        p["role"]: p["userId"] for p in manager.get(f"/api/cases/{case['caseId']}").json()["participants"]
    }
    other = manager.post(f"/api/orgs/{org_id}/cases", {"employee": {"email": "ms.otto@example.invalid",
                                                                    "name": "Otto", "language": "en"}}).json()  # fmt: skip
    return {"case": case["caseId"], "other": other["caseId"], "admin": admin, "manager": manager,
            "employee": employee, "doctor": doctor, "employer": employer, "ids": people}  # fmt: skip


def problem(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status == status, (response.status, response.body[:300])
    assert response.headers.get("Content-Type", "").startswith("application/problem+json")
    document: dict[str, Any] = response.json()
    assert document["code"] == code, document
    return document


def count(env: Env, case_id: str, kind: str) -> int:
    return env.store().count("cases", case_id, Query(equals={"type": kind}))


def run_timer(env: Env, name: str) -> None:
    request = urllib.request.Request(f"{env.url}/admin/timers/{name}/run", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=60) as answer:
        assert json.loads(answer.read())["succeeded"] is True


def test_one_to_one_unread_polling_and_the_email_notice(world: dict[str, Any], env: Env) -> None:
    case_id, ids = world["case"], world["ids"]
    employee, doctor = world["employee"], world["doctor"]
    base = f"/api/cases/{case_id}/threads"
    started = employee.post(base, {"memberIds": [ids["doctor"]], "subject": SUBJECT, "text": SECRET})
    assert started.status == 201, started.body
    thread = started.json()
    assert started.headers["Location"] == f"{base}/{thread['id']}"
    assert thread["subject"] == SUBJECT and thread["unread"] == 0 and not thread["readOnly"]

    listed = doctor.get(base)
    assert listed.status == 200 and listed.json()["unreadTotal"] == 1
    assert listed.json()["threads"][0]["unread"] == 1 and listed.json()["continuation"] is None
    etag = listed.headers["ETag"]
    same = doctor.get(base, headers={"If-None-Match": etag})
    assert same.status == 304 and same.body == b"" and same.headers["ETag"] == etag
    state = doctor.get(f"{base}/{thread['id']}")
    assert state.status == 200 and state.json()["unread"] == 1
    assert (
        doctor.get(f"{base}/{thread['id']}", headers={"If-None-Match": state.headers["ETag"]}).status == 304
    )

    # The e-mail notice: still unread after the delay (0 here) → "you have a new message", nothing more.
    run_timer(env, "message_mail_notices")
    env.settle()
    mails = [m for m in OutboxMailer(env.data / "outbox").messages(limit=500) if m["tag"] == "message"]
    assert len(mails) == 1 and mails[0]["to"] == "ms.dora@example.invalid"
    assert mails[0]["subject"] == "You have a new message in CaseDesk"
    for field in ("subject", "text", "html"):
        assert SECRET not in mails[0][field] and SUBJECT not in mails[0][field]
        assert "Emma" not in mails[0][field]
    run_timer(env, "message_mail_notices")
    env.settle()
    assert (
        len([m for m in OutboxMailer(env.data / "outbox").messages(limit=500) if m["tag"] == "message"]) == 1
    )

    # Opening the thread reads it: unread 0, the list's ETag changes.
    opened = doctor.get(f"{base}/{thread['id']}/messages")
    assert opened.status == 200 and [m["text"] for m in opened.json()["messages"]] == [SECRET]
    again = doctor.get(base, headers={"If-None-Match": etag})
    assert again.status == 200 and again.json()["unreadTotal"] == 0 and again.headers["ETag"] != etag

    # A reply changes the thread's state for the poller.
    state_etag = employee.get(f"{base}/{thread['id']}").headers["ETag"]
    reply = doctor.post(f"{base}/{thread['id']}/messages", {"text": "Danke.\nBis bald\tund Gruss"})
    assert reply.status == 201 and reply.json()["mine"] and reply.json()["canDelete"]
    assert employee.get(f"{base}/{thread['id']}", headers={"If-None-Match": state_etag}).status == 200
    assert employee.get(base).json()["unreadTotal"] == 1

    # Members only: the employer, the org admin and an outsider case see nothing of it.
    assert world["employer"].get(base).json()["threads"] == []
    problem(world["employer"].get(f"{base}/{thread['id']}/messages"), 404, "not_found")
    assert world["admin"].get(base).status in (403, 404)
    assert world["admin"].get(f"{base}/{thread['id']}/messages").status in (403, 404)
    # A thread id of another case does not exist there.
    problem(world["manager"].get(f"/api/cases/{world['other']}/threads/{thread['id']}"), 404, "not_found")

    env.settle()
    for where, raw in env.at_rest():
        assert SECRET.encode() not in raw and SUBJECT.encode() not in raw, where


def test_group_join_later_leave_delete_window_and_bad_input(world: dict[str, Any], env: Env) -> None:
    case_id, ids = world["case"], world["ids"]
    manager, employee, doctor, employer = (
        world["manager"],
        world["employee"],
        world["doctor"],
        world["employer"],
    )
    base = f"/api/cases/{case_id}/threads"
    made = manager.post(base, {"memberIds": [ids["employee"], ids["doctor"]], "text": "Gruppe"})
    assert made.status == 201 and made.json()["subject"] is None
    one = f"{base}/{made.json()['id']}"
    assert employee.post(f"{one}/messages", {"text": "Vor dem Beitritt"}).status == 201
    added = doctor.post(f"{one}/members", {"userId": ids["employer"]})
    assert added.status == 200 and ids["employer"] in [m["userId"] for m in added.json()["members"]]
    problem(doctor.post(f"{one}/members", {"userId": ids["employer"]}), 400, "already_thread_member")
    assert [m["text"] for m in employer.get(f"{one}/messages").json()["messages"]] == []
    assert employee.post(f"{one}/messages", {"text": "Nach dem Beitritt"}).status == 201
    assert [m["text"] for m in employer.get(f"{one}/messages").json()["messages"]] == ["Nach dem Beitritt"]

    # Delete: own message, within 15 minutes; later → 409; someone else's → 404.
    sent = employer.post(f"{one}/messages", {"text": "Versehen"}).json()
    problem(employee.request("DELETE", f"{one}/messages/{sent['id']}"), 404, "not_found")
    deleted = employer.request("DELETE", f"{one}/messages/{sent['id']}")
    assert deleted.status == 200 and deleted.json()["deleted"] and deleted.json()["text"] is None
    shown = manager.get(f"{one}/messages").json()["messages"][0]
    assert shown["deleted"] and shown["text"] is None
    old = employer.post(f"{one}/messages", {"text": "Alt"}).json()
    store = env.store()
    item = store.read("cases", case_id, f"message-{made.json()['id']}-{old['id']}")
    past = (datetime.now(UTC) - timedelta(minutes=16)).isoformat()
    store.replace("cases", {**item, "createdAt": past}, if_match=item["_etag"])
    problem(employer.request("DELETE", f"{one}/messages/{old['id']}"), 409, "message_delete_window_over")

    # Bad input: problem+json, nothing stored.
    before = count(env, case_id, "message"), count(env, case_id, "thread")
    problem(employee.post(f"{one}/messages", {"text": ""}), 400, "invalid_input")
    problem(employee.post(f"{one}/messages", {"text": "x" * 10_001}), 400, "invalid_input")
    problem(employee.post(f"{one}/messages", {"text": "Glocke\x07"}), 400, "invalid_input")
    problem(employee.post(base, {"memberIds": ["0" * 32], "text": "Hallo"}), 400, "not_a_thread_member")
    problem(employee.post(base, {"memberIds": [], "text": "Hallo"}), 400, "not_a_thread_member")
    # A thread id under another case: the manager takes part in both, the thread is in one only.
    other = f"/api/cases/{world['other']}/threads/{made.json()['id']}"
    problem(manager.post(f"{other}/messages", {"text": "x"}), 404, "not_found")
    problem(manager.post(f"{other}/members", {"userId": ids["employee"]}), 404, "not_found")
    assert (count(env, case_id, "message"), count(env, case_id, "thread")) == before

    # Leave: the thread is gone for the one who left; the others go on.
    assert employer.request("DELETE", f"{one}/members/me").status == 204
    problem(employer.get(f"{one}/messages"), 404, "not_found")
    problem(employer.post(f"{one}/messages", {"text": "x"}), 404, "not_found")
    assert made.json()["id"] not in [t["id"] for t in employer.get(base).json()["threads"]]
    assert manager.post(f"{one}/messages", {"text": "Weiter"}).status == 201

    # Audited in the same batch: the start, sends, the deletion, the membership changes — by whom,
    # on what. Reading one's own thread is an addressee's read: no event (SPEC §15).
    thread_id = made.json()["id"]

    def events() -> list[tuple[str, str, str]]:
        env.settle()
        return sorted(
            (str(e["action"]), str(e["actor"]), str(e["targetId"]))
            for e in env.store().scan("audit")
            if str(e.get("targetId", "")).startswith(thread_id)
        )

    got = events()
    for expected in (
        ("thread:create", ids["case_manager"], thread_id),
        ("thread:add_member", ids["doctor"], thread_id),
        ("message:send", ids["employee"], thread_id + "-"),
        ("message:send", ids["employer"], f"{thread_id}-{sent['id']}"),
        ("message:delete", ids["employer"], f"{thread_id}-{sent['id']}"),
        ("thread:leave", ids["employer"], thread_id),
    ):
        assert any(e[:2] == expected[:2] and e[2].startswith(expected[2]) for e in got), (expected, got)
    assert {e[0] for e in got} == {"thread:create", "thread:add_member", "message:send", "message:delete",
                                   "thread:leave"}  # fmt: skip
    assert manager.get(f"{one}/messages").status == 200 and manager.get(one).status == 200
    assert manager.get(base).status == 200
    assert events() == got


def test_attachment_shared_then_unshared(world: dict[str, Any], env: Env) -> None:
    case_id, ids = world["case"], world["ids"]
    employee, doctor = world["employee"], world["doctor"]
    form, content_type = multipart_form(
        ("befund.txt", "text/plain", b"Befund\n"), title="Befund", category="other"
    )
    doc = employee.post(
        f"/api/cases/{case_id}/documents", form, headers={"Content-Type": content_type}
    ).json()
    base = f"/api/cases/{case_id}/threads"
    thread = employee.post(base, {"memberIds": [ids["doctor"]], "text": "Anbei"}).json()
    one = f"{base}/{thread['id']}"
    problem(doctor.post(f"{one}/messages", {"text": "Fremd", "attachment": doc["id"]}), 400, "invalid_input")
    sent = employee.post(f"{one}/messages", {"text": "Der Befund", "attachment": doc["id"]})
    assert sent.status == 201, sent.body
    seen = doctor.get(f"{one}/messages").json()["messages"][0]["attachment"]
    assert seen == {"docId": doc["id"], "available": True, "title": "Befund"}
    assert doctor.get(f"/api/cases/{case_id}/documents/{doc['id']}").status == 200
    revoked = employee.request("DELETE", f"/api/cases/{case_id}/documents/{doc['id']}/grants/{ids['doctor']}")
    assert revoked.status == 204, revoked.body
    gone = doctor.get(f"{one}/messages").json()["messages"][0]["attachment"]
    assert gone["available"] is False and gone.get("title") is None
    # Leaving the thread does not end the owner's shares (the owner decides).
    employee.post(f"{one}/messages", {"text": "Nochmals", "attachment": doc["id"]})
    assert employee.request("DELETE", f"{one}/members/me").status == 204
    assert doctor.get(f"/api/cases/{case_id}/documents/{doc['id']}").status == 200


def test_rate_limit_answers_429_with_retry_after(world: dict[str, Any]) -> None:
    case_id, ids = world["case"], world["ids"]
    employer = world["employer"]
    base = f"/api/cases/{case_id}/threads"
    thread = employer.post(base, {"memberIds": [ids["case_manager"]], "text": "Viele"}).json()
    answers = []
    for _ in range(61):  # 30 a minute: a minute boundary in between can allow at most 60
        answers.append(employer.post(f"{base}/{thread['id']}/messages", {"text": "x"}))
        if answers[-1].status == 429:
            break
    limited = answers[-1]
    problem(limited, 429, "message_rate_limited")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60


def test_removal_from_the_case_then_the_closed_case(world: dict[str, Any], env: Env) -> None:
    case_id, ids = world["case"], world["ids"]
    manager, employee, doctor = world["manager"], world["employee"], world["doctor"]
    base = f"/api/cases/{case_id}/threads"
    thread = manager.post(base, {"memberIds": [ids["doctor"], ids["employee"]], "text": "Vor der Entfernung"})
    one = f"{base}/{thread.json()['id']}"
    assert doctor.get(base).json()["threads"]
    assert manager.request("DELETE", f"/api/cases/{case_id}/participants/{ids['doctor']}").status == 204
    problem(doctor.get(base), 404, "not_found")  # every thread at once
    problem(doctor.get(f"{one}/messages"), 404, "not_found")
    problem(doctor.get(one), 404, "not_found")
    members = {m["userId"]: m["former"] for m in employee.get(one).json()["members"]}
    assert members[ids["doctor"]] is True and members[ids["case_manager"]] is False
    problem(employee.post(base, {"memberIds": [ids["doctor"]], "text": "x"}), 400, "not_a_thread_member")
    assert employee.post(f"{one}/messages", {"text": AFTER_REMOVAL}).status == 201
    # "Download my data" of the removed doctor: what they received while taking part, nothing after.
    assert doctor.post("/api/me/export").status == 202
    drain(env)
    _state, archive = download(doctor)
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        [exported] = [c for c in json.loads(opened.read("data.json"))["cases"] if c["caseId"] == case_id]
        everything = b"".join(opened.read(n) for n in opened.namelist())
    assert exported["participation"] == "removed"
    assert "Vor der Entfernung" in [m["text"] for m in exported["messagesReceived"]]
    assert AFTER_REMOVAL.encode() not in everything

    summary = manager.get(f"/api/cases/{case_id}")
    closed = manager.post(f"/api/cases/{case_id}/close", headers={"If-Match": summary.headers["ETag"]})
    assert closed.status == 200, closed.body
    assert employee.get(f"{one}/messages").status == 200
    assert employee.get(base).json()["threads"][0]["readOnly"] is True
    before = count(env, case_id, "message")
    problem(employee.post(f"{one}/messages", {"text": "Zu spaet"}), 409, "case_closed")
    problem(employee.post(base, {"memberIds": [ids["case_manager"]], "text": "x"}), 409, "case_closed")
    assert count(env, case_id, "message") == before
