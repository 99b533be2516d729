"""SPEC journey 13 over HTTP (issue 19), on the embedded store and on Cosmos + Azurite: a closed
case shows in the ops dry run; the ``retention_purge`` timer first tells every participant (an
in-app notification, a content-free e-mail) and, a notice period later, purges the case. Then
every route that names the case answers 410 ``case_purged`` (EN/DE) to everyone — participants,
the org admin, an outsider — nothing of the case is left at rest but its tombstone and audit
events, and ``verify-audit --all`` passes.

The dev host runs with ``CASEDESK_RETENTION_YEARS=0`` and ``CASEDESK_NOTICE_DAYS=0`` (allowed
outside production only), so "3 years later" is today and the second run purges."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from functions.http import ROUTES
from shared.adapters.outbox import OutboxMailer
from shared.ports import CONTAINERS
from tests.api.client import ApiClient
from tests.api.conftest import AdapterSet, Env, onboard, org_with_manager, running_env

FILLER = "0" * 32


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, adapters: AdapterSet) -> Iterator[Env]:
    with running_env(
        tmp_path_factory, adapters, CASEDESK_RETENTION_YEARS="0", CASEDESK_NOTICE_DAYS="0"
    ) as started:
        yield started


def run_timer(env: Env) -> None:
    request = urllib.request.Request(f"{env.url}/admin/timers/retention_purge/run", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=120) as answer:
        assert json.loads(answer.read())["succeeded"] is True


@pytest.fixture(scope="module")
def world(env: Env) -> dict[str, Any]:
    org_id, admin, manager = org_with_manager(
        env, "Archiv AG", "ar.admin@example.invalid", "ar.cm@example.invalid"
    )
    case_ids = []
    for email in ("rita@example.invalid", "otto@example.invalid"):
        body = {"employee": {"email": email, "name": "Someone", "language": "de"}}
        created = manager.post(f"/api/orgs/{org_id}/cases", body)
        assert created.status == 201, created.body
        case_ids.append(created.json()["caseId"])
    employee, _, _ = onboard(env, "rita@example.invalid")
    outsider, _, _ = onboard(env, "otto@example.invalid")  # the employee of the other case only
    case_id = case_ids[0]
    note = employee.post(f"/api/cases/{case_id}/notes", {"title": "Befund", "body": "vertraulich"})
    assert note.status == 201, note.body
    etag = manager.get(f"/api/cases/{case_id}").headers["ETag"]
    closed = manager.post(f"/api/cases/{case_id}/close", headers={"If-Match": etag})
    assert closed.status == 200, closed.body
    return {"case": case_id, "note": note.json()["id"], "manager": manager, "employee": employee,
            "admin": admin, "outsider": outsider}  # fmt: skip


def test_notice_then_purge_then_410_for_every_route_and_nothing_left(env: Env, world: dict[str, Any]) -> None:
    case_id = world["case"]
    employee: ApiClient = world["employee"]
    dry = env.cli("purge-dry-run")
    assert dry.returncode == 0 and "notice_due" in dry.stdout and case_id in dry.stdout, dry.stdout

    run_timer(env)  # the notice
    env.settle()
    kinds = [n["kind"] for n in employee.get("/api/me/notifications").json()["notifications"]]
    assert "retention_notice" in kinds
    mails = [
        m for m in OutboxMailer(env.data / "outbox").messages(limit=500) if m["tag"] == "retention-notice"
    ]
    assert {m["to"] for m in mails} >= {"rita@example.invalid", "ar.cm@example.invalid"}
    assert all(case_id not in m["text"] + m["html"] and "Archiv" not in m["text"] for m in mails)
    assert employee.get(f"/api/cases/{case_id}").status == 200  # told, not yet purged

    run_timer(env)  # a notice period (0 days) later: the purge
    env.settle()

    for who in ("manager", "employee", "admin", "outsider"):
        client: ApiClient = world[who]
        for spec in (s for s in ROUTES if "{caseId}" in s.path):
            path = "/" + re.sub(
                r"\{(\w+)\}", lambda m: case_id if m.group(1) == "caseId" else FILLER, spec.path
            )
            for method in spec.methods:
                body: dict[str, Any] | None = None if method in ("GET", "DELETE") else {}
                answer = client.request(method, path, body, headers={"If-Match": '"x"'})
                assert answer.status == 410, (who, method, path, answer.status, answer.body)
                assert answer.json()["code"] == "case_purged", (who, path)
    german = world["employee"].request("GET", f"/api/cases/{case_id}", headers={"Accept-Language": "de"})
    english = world["employee"].request("GET", f"/api/cases/{case_id}", headers={"Accept-Language": "en"})
    assert (german.json()["title"], english.json()["title"]) == ("Fall gelöscht", "Case deleted")
    assert case_id not in json.dumps(employee.get("/api/me/cases").json())
    assert case_id not in json.dumps(employee.get("/api/me/notifications").json())

    store = env.store()
    for container in CONTAINERS:
        if container == "audit":
            continue
        for item in store.scan(container):
            if case_id in json.dumps(item):
                assert (container, item["id"], item.get("status")) == ("cases", "case", "purged"), item
    assert not [n for n in env.blobs().list() if case_id in n]
    verified = env.cli("verify-audit", "--all")
    assert verified.returncode == 0 and verified.stdout.startswith("ok: "), verified.stdout + verified.stderr
