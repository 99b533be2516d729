"""Issue 14, item 2 over HTTP: crafted paging values and datetimes at the edges of the calendar
are a localised 400 with a stable code on every route that takes them — never a 500 — and
change nothing; honest paging and time filters still work."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

import pytest

from tests.api.client import ApiClient
from tests.api.conftest import Env, onboard, org_with_manager


def token(state: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode()


#: Tokens a client can forge: offsets that are no whole number, or out of range, and text that is
#: no token at all (deep nesting once crashed the JSON decoder; an oversized one is refused early).
FORGED = {
    "offset-text": token({"offset": "x"}),
    "offset-null": token({"offset": None}),
    "offset-object": token({"offset": {}}),
    "offset-float": base64.urlsafe_b64encode(b'{"offset":1e30}').decode(),
    "offset-huge": token({"offset": 10**30}),
    "offset-negative": token({"offset": -1}),
    "offset-bool": token({"offset": True}),
    "not-json": base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    "a-list": token([1]),
    "deep": base64.urlsafe_b64encode(b"[" * 3000).decode(),
    "not-base64": "!!!",
    "oversized": "A" * 5000,
}
BAD_LIMITS = ["\u00b2", "\u0663", "1_0", "+5", " 5", "1.5", "-1", "0", "201", "9" * 40, "x"]
EDGE_TIMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1999-12-31T23:59:59Z", "2201-01-01"]


@pytest.fixture(scope="module")
def world(env: Env) -> dict[str, Any]:
    org_id, admin, manager = org_with_manager(
        env, "Paging AG", "pg.admin@example.invalid", "pg.cm@example.invalid"
    )
    body = {"employee": {"email": "pg.emma@example.invalid", "name": "Emma", "language": "de"}}
    case = manager.post(f"/api/orgs/{org_id}/cases", body).json()
    employee, _, _ = onboard(env, "pg.emma@example.invalid")
    note = employee.post(f"/api/cases/{case['caseId']}/notes", {"title": "t", "body": "b"}).json()
    manager_id = manager.get("/api/auth/session").json()["userId"]
    assert (
        employee.request(
            "PUT", f"/api/cases/{case['caseId']}/notes/{note['id']}/grants/{manager_id}", {}
        ).status
        == 200
    )
    assert manager.get(f"/api/cases/{case['caseId']}/notes/{note['id']}").status == 200  # an access
    env.settle()
    return {
        "org": org_id,
        "admin": admin,
        "manager": manager,
        "employee": employee,
        "case": case["caseId"],
        "note": note["id"],
        "manager_id": manager_id,
    }


def listings(world: dict[str, Any]) -> list[tuple[ApiClient, str]]:
    """Every route that pages, with a caller allowed to read it."""
    return [
        (world["admin"], f"/api/orgs/{world['org']}/audit"),
        (world["employee"], "/api/me/accesses"),
        (world["employee"], "/api/me/notifications"),
    ]


@pytest.mark.parametrize("name", FORGED)
def test_a_forged_continuation_is_a_400_on_every_listing(world: dict[str, Any], name: str) -> None:
    for client, path in listings(world):
        answer = client.get(f"{path}?continuation={quote(FORGED[name])}")
        assert answer.status == 400, (path, answer.body)
        assert (
            answer.json()["code"] == "invalid_continuation"
            and answer.json()["errors"][0]["field"] == "continuation"
        )


@pytest.mark.parametrize("limit", BAD_LIMITS)
def test_a_bad_limit_is_a_400_on_every_listing(world: dict[str, Any], limit: str) -> None:
    for client, path in listings(world):
        answer = client.get(f"{path}?limit={quote(limit)}")
        assert answer.status == 400, (path, limit, answer.body)
        assert answer.json()["code"] == "invalid_limit" and answer.json()["errors"][0]["field"] == "limit"


def test_the_refusals_are_localised(world: dict[str, Any], env: Env) -> None:
    for code, query in (("invalid_limit", "limit=%C2%B2"), ("invalid_continuation", "continuation=!!!")):
        details = set()
        for language in ("en", "de"):
            client = ApiClient(env.url, world["admin"].cookie, world["admin"].csrf, language=language)
            answer = client.get(f"/api/orgs/{world['org']}/audit?{query}")
            assert answer.status == 400 and answer.json()["code"] == code
            assert answer.headers["Content-Language"] == language
            details.add(answer.json()["detail"])
        assert len(details) == 2


@pytest.mark.parametrize("value", EDGE_TIMES)
def test_times_at_the_edges_of_the_calendar_are_a_400_on_the_audit_routes(
    world: dict[str, Any], value: str
) -> None:
    for client, path in listings(world)[:2]:
        for name in ("since", "until"):
            answer = client.get(f"{path}?{name}={quote(value)}")
            assert answer.status == 400, (path, name, answer.body)
            assert answer.json()["code"] == "invalid_datetime" and answer.json()["errors"][0]["field"] == name


@pytest.mark.parametrize("value", [*EDGE_TIMES, "2030-01-01T10:00:00", "tomorrow", 1893456000])
def test_a_grant_expiry_at_the_edges_of_the_calendar_is_a_400_and_grants_nothing(
    world: dict[str, Any], value: object
) -> None:
    employee, manager = world["employee"], world["manager"]
    note = employee.post(f"/api/cases/{world['case']}/notes", {"title": "t", "body": "b"}).json()
    path = f"/api/cases/{world['case']}/notes/{note['id']}"
    answer = employee.request("PUT", f"{path}/grants/{world['manager_id']}", {"expiresAt": value})
    assert answer.status == 400, answer.body
    assert answer.json()["errors"][0]["field"] == "expiresAt"
    assert answer.json()["code"] in ("invalid_datetime", "invalid_input")
    assert manager.get(path).status == 404
    assert [e["access"] for e in employee.get(f"{path}/access").json()["access"]] == ["owner"]


def test_honest_paging_and_time_filters_still_work(world: dict[str, Any]) -> None:
    admin, employee = world["admin"], world["employee"]
    path = f"/api/orgs/{world['org']}/audit"
    everything = [e["seq"] for e in admin.get(f"{path}?limit=200").json()["events"]]
    seen: list[int] = []
    continuation = ""
    while True:
        page = admin.get(f"{path}?limit=2&continuation={quote(continuation)}").json()
        seen += [e["seq"] for e in page["events"]]
        if not page["continuation"]:
            break
        continuation = page["continuation"]
    assert seen == everything and len(seen) > 2
    window = admin.get(f"{path}?since=2000-01-01T00:00:00%2B14:00&until=2200-12-31T23:59:59-14:00&limit=200")
    assert [e["seq"] for e in window.json()["events"]] == everything
    assert admin.get(f"{path}?since=2200-01-01").json()["events"] == []
    accesses = employee.get("/api/me/accesses?limit=1&since=2000-01-01").json()
    assert len(accesses["accesses"]) == 1
    later = employee.get(f"/api/me/accesses?limit=1&continuation={quote(accesses['continuation'] or '')}")
    assert later.status == 200
    assert employee.get("/api/me/notifications?limit=1&unread=true").status == 200
    granted = employee.request(
        "PUT",
        f"/api/cases/{world['case']}/notes/{world['note']}/grants/{world['manager_id']}",
        {"expiresAt": "2099-12-31T23:59:59+14:00"},
    )
    assert granted.status == 400 and granted.json()["code"] == "expiry_too_far"  # the domain rule still
