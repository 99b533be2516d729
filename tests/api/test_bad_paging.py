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


def sealed(state: Any, tag: bytes = b"\0" * 32) -> str:
    """The shape of our tokens (docs/decisions/021): base64url(HMAC tag ‖ JSON) — with a tag
    the client cannot compute, since the key is derived from its session on the server."""
    return base64.urlsafe_b64encode(tag + json.dumps(state).encode()).decode().rstrip("=")


#: Tokens a client can forge: the store's own states without the HMAC wrapper (keyset positions,
#: the offsets of earlier versions), our shape with a made-up tag (an id of its choice, another
#: user's hash, no fields), and text that is no token at all (deep nesting once crashed the JSON
#: decoder; an oversized one is refused early).
FORGED = {
    "bare-keyset": token({"k": ["2026-01-01", "x"]}),
    "bare-offset": token({"offset": 2}),
    "offset-huge": token({"offset": 10**30}),
    "made-up-tag": sealed({"v": {"k": [1, "x"]}, "u": "0" * 32, "q": "0" * 32}),
    "made-up-tag-empty": sealed({}),
    "tag-only": base64.urlsafe_b64encode(b"\1" * 32).decode().rstrip("="),
    "short": base64.urlsafe_b64encode(b"\1" * 8).decode(),
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
    """Every route that pages, with a caller allowed to read it (the first two take times)."""
    case, org = f"/api/cases/{world['case']}", f"/api/orgs/{world['org']}"
    return [
        (world["admin"], f"{org}/audit"),
        (world["employee"], "/api/me/accesses"),
        (world["employee"], "/api/me/notifications"),
        (world["admin"], f"{org}/staff"),
        (world["admin"], f"{org}/invitations"),
        (world["admin"], "/api/me/orgs"),
        (world["employee"], "/api/me/cases"),
        (world["employee"], "/api/me/sessions"),
        (world["employee"], f"{case}/documents"),
        (world["employee"], f"{case}/notes"),
        (world["employee"], f"{case}/notes/{world['note']}/access"),
        (world["employee"], f"{case}/seen-by/{world['manager_id']}?section=notes"),
        (world["employee"], f"{case}/participants"),
        (world["employee"], f"{case}/plan"),
        (world["employee"], f"{case}/plan/history"),
    ]


def _with(path: str, query: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{query}"


@pytest.mark.parametrize("name", FORGED)
def test_a_forged_continuation_is_a_400_on_every_listing(world: dict[str, Any], name: str) -> None:
    for client, path in listings(world):
        answer = client.get(_with(path, f"continuation={quote(FORGED[name])}"))
        assert answer.status == 400, (path, answer.body)
        assert (
            answer.json()["code"] == "invalid_continuation"
            and answer.json()["errors"][0]["field"] == "continuation"
        )


@pytest.mark.parametrize("limit", BAD_LIMITS)
def test_a_bad_limit_is_a_400_on_every_listing(world: dict[str, Any], limit: str) -> None:
    for client, path in listings(world):
        answer = client.get(_with(path, f"limit={quote(limit)}"))
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
    first = admin.get(f"{path}?limit=200")
    assert first.status == 200, first.body
    everything = [e["seq"] for e in first.json()["events"]]
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
    token = quote(accesses["continuation"] or "")
    later = employee.get(f"/api/me/accesses?limit=1&since=2000-01-01&continuation={token}")
    assert later.status == 200
    # A token is bound to its query: without the filter it was issued for, it is refused.
    assert _refused(employee.get(f"/api/me/accesses?limit=1&continuation={token}"))
    assert employee.get("/api/me/notifications?limit=1&unread=true").status == 200
    granted = employee.request(
        "PUT",
        f"/api/cases/{world['case']}/notes/{world['note']}/grants/{world['manager_id']}",
        {"expiresAt": "2099-12-31T23:59:59+14:00"},
    )
    assert granted.status == 400 and granted.json()["code"] == "expiry_too_far"  # the domain rule still


def _genuine(client: ApiClient, path: str) -> str:
    page = client.get(_with(path, "limit=1"))
    assert page.status == 200, page.body
    token = page.json()["continuation"]
    assert token, f"{path} needs two entries for this test"
    return str(token)


def _refused(answer: Any) -> bool:
    return bool(answer.status == 400 and answer.json()["code"] == "invalid_continuation")


def test_a_genuine_token_works_only_for_its_user_its_list_and_its_case(world: dict[str, Any]) -> None:
    """Tokens are HMAC-sealed and bound to the user and the query: replayed by another user,
    moved to another list or another case, or altered by one byte, they are a 400."""
    employee, manager = world["employee"], world["manager"]
    other = manager.post(
        f"/api/orgs/{world['org']}/cases",
        {"employee": {"email": "pg.otto@example.invalid", "name": "Otto", "language": "en"}},
    ).json()["caseId"]
    for case in (world["case"], other):
        for title in ("a", "b"):
            assert manager.post(f"/api/cases/{case}/notes", {"title": title, "body": "b"}).status == 201
    notes_a, notes_b = f"/api/cases/{world['case']}/notes", f"/api/cases/{other}/notes"
    token = _genuine(manager, notes_a)
    assert manager.get(_with(notes_a, f"continuation={quote(token)}")).status == 200  # honest use
    assert _refused(manager.get(_with(notes_b, f"continuation={quote(token)}")))  # another case
    assert _refused(
        manager.get(_with(f"/api/cases/{world['case']}/documents", f"continuation={quote(token)}"))
    )
    assert _refused(employee.get(_with(notes_a, f"continuation={quote(token)}")))  # another user
    undeclared = manager.get(_with(notes_a, f"limit=1&cache=1&continuation={quote(token)}"))
    assert undeclared.status == 200  # a parameter the route does not know changes nothing
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[-3] ^= 1  # one bit of the payload
    flipped = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    assert _refused(manager.get(_with(notes_a, f"continuation={quote(flipped)}")))


def test_every_list_pages_to_the_end_without_repeats(world: dict[str, Any]) -> None:
    """limit=1 through every listing: each page holds at most one entry, the continuation leads
    on until it is null, and no entry comes twice."""
    for client, path in listings(world):
        seen: list[str] = []
        token = ""
        for _ in range(100):
            query = "limit=1" + (f"&continuation={quote(token)}" if token else "")
            page = client.get(_with(path, query))
            assert page.status == 200, (path, page.body)
            body = page.json()
            lists = [v for k, v in body.items() if isinstance(v, list) and k != "reflections"]
            assert all(len(v) <= 1 for v in lists), (path, body)
            seen += [json.dumps(entry, sort_keys=True) for v in lists for entry in v]
            token = body.get("continuation") or (body.get("continuations") or {}).get("notes") or ""
            if not token:
                break
        assert not token, f"{path} did not end"
        assert len(seen) == len(set(seen)), path
