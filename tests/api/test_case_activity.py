"""Issue 24 point 1: "my cases" and the organisation's case directory show each case's last
activity, and are ordered and filtered on the server (shared/cases/listing.py) — on both store
adapters. Activity is a change the viewer may know of (shared/effects/activity.py), stamped by
the relay; a read moves nothing, a private note moves only its writer's own entry."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from tests.api.client import ApiClient
from tests.api.conftest import Env, onboard, org_with_manager

STAGE = {"fromDate": "2026-12-01", "workloadPercent": 40, "tasks": "Morgens", "nextReview": None}


@pytest.fixture(scope="module")
def world(env: Env) -> dict[str, Any]:
    org_id, admin, manager = org_with_manager(
        env, "Takt AG", "ta.admin@example.invalid", "ta.cm@example.invalid"
    )
    ids = {}
    for key, name, email in (
        ("anna", "Anna Alpha", "anna@example.invalid"),
        ("bruno", "Bruno Beta", "bruno@example.invalid"),
    ):
        body = {"employee": {"email": email, "name": name, "language": "en"}}
        created = manager.post(f"/api/orgs/{org_id}/cases", body)
        assert created.status == 201, created.body
        ids[key] = created.json()["caseId"]
    anna, _, _ = onboard(env, "anna@example.invalid")  # settles: every entry stamped
    return {
        "env": env,
        "org": org_id,
        "admin": admin,
        "manager": manager,
        "anna": anna,
        **{f"{k}Case": v for k, v in ids.items()},
    }


def _mine(client: ApiClient, query: str = "") -> list[dict[str, Any]]:
    answer = client.get(f"/api/me/cases{query}")
    assert answer.status == 200, answer.body
    return list(answer.json()["cases"])


def _org(world: dict[str, Any], query: str = "") -> list[dict[str, Any]]:
    answer = world["admin"].get(f"/api/orgs/{world['org']}/cases{query}")
    assert answer.status == 200, answer.body
    return list(answer.json()["cases"])


def _activity(entries: list[dict[str, Any]], case_id: str) -> str:
    (entry,) = [e for e in entries if e["caseId"] == case_id]
    assert entry["lastActivityAt"], entry
    return str(entry["lastActivityAt"])


def test_every_entry_has_a_last_activity_and_the_newest_comes_first(world: dict[str, Any]) -> None:
    mine = _mine(world["manager"])
    assert {e["caseId"] for e in mine} == {world["annaCase"], world["brunoCase"]}
    times = [e["lastActivityAt"] for e in mine]
    assert times == sorted(times, reverse=True)
    directory = _org(world)
    assert [e["lastActivityAt"] for e in directory] == sorted(
        (e["lastActivityAt"] for e in directory), reverse=True
    )


def test_a_read_moves_nothing_a_change_moves_it_for_everyone(world: dict[str, Any]) -> None:
    env: Env = world["env"]
    manager: ApiClient = world["manager"]
    case_id = world["annaCase"]
    env.settle()
    before = (
        _activity(_mine(manager), case_id),
        _activity(_mine(world["anna"]), case_id),
        _activity(_org(world), case_id),
    )
    # Reads of the case, its plan and its participants by everyone who may: no activity.
    for client in (manager, world["anna"], world["admin"]):
        assert client.get(f"/api/cases/{case_id}").status == 200
    assert manager.get(f"/api/cases/{case_id}/plan").status == 200
    env.settle()
    after_reads = (
        _activity(_mine(manager), case_id),
        _activity(_mine(world["anna"]), case_id),
        _activity(_org(world), case_id),
    )
    assert after_reads == before
    # A change of the plan (every participant sees it): it moves for all, and the directory.
    assert manager.post(f"/api/cases/{case_id}/plan/stages", STAGE).status == 201
    env.settle()
    after = (
        _activity(_mine(manager), case_id),
        _activity(_mine(world["anna"]), case_id),
        _activity(_org(world), case_id),
    )
    assert all(a > b for a, b in zip(after, before, strict=True)), (before, after)
    assert _mine(manager)[0]["caseId"] == case_id and _org(world)[0]["caseId"] == case_id


def test_a_private_note_moves_only_its_writers_entry(world: dict[str, Any]) -> None:
    env: Env = world["env"]
    case_id = world["annaCase"]
    env.settle()
    manager_before, org_before = _activity(_mine(world["manager"]), case_id), _activity(_org(world), case_id)
    anna_before = _activity(_mine(world["anna"]), case_id)
    created = world["anna"].post(f"/api/cases/{case_id}/notes", {"title": "Privat", "body": "nur für mich"})
    assert created.status == 201, created.body
    env.settle()
    assert _activity(_mine(world["anna"]), case_id) > anna_before
    assert _activity(_mine(world["manager"]), case_id) == manager_before  # nothing of hers leaks
    assert _activity(_org(world), case_id) == org_before


def test_status_filters_and_orders_on_the_server(world: dict[str, Any]) -> None:
    env: Env = world["env"]
    manager: ApiClient = world["manager"]
    anna_case, bruno_case = world["annaCase"], world["brunoCase"]
    etag = manager.get(f"/api/cases/{bruno_case}").headers["ETag"]
    assert manager.post(f"/api/cases/{bruno_case}/close", headers={"If-Match": etag}).status == 200
    etag = manager.get(f"/api/cases/{anna_case}").headers["ETag"]
    held = world["admin"].request(
        "PUT", f"/api/cases/{anna_case}/legal-hold", {"legalHold": True}, headers={"If-Match": etag}
    )
    assert held.status == 200, held.body
    env.settle()
    lists: list[Callable[[str], list[dict[str, Any]]]] = [partial(_mine, manager), partial(_org, world)]
    for listed in lists:
        assert [e["caseId"] for e in listed("?status=closed")] == [bruno_case]
        assert [e["caseId"] for e in listed("?status=open")] == [anna_case]
        assert [e["caseId"] for e in listed("?status=legal_hold")] == [anna_case]
        # Opened: newest first (Bruno's case was opened after Anna's); activity: the hold came last.
        assert [e["caseId"] for e in listed("?sort=opened")] == [bruno_case, anna_case]
        assert [e["caseId"] for e in listed("?sort=activity")] == [anna_case, bruno_case]
    assert [e["caseStatus"] for e in _mine(manager, "?status=closed")] == ["closed"]
    # The directory's search is ordered and filtered too.
    assert [e["caseId"] for e in _org(world, "?q=bruno&status=closed")] == [bruno_case]
    assert _org(world, "?q=bruno&status=open") == []


def test_a_sorted_list_pages_on_with_its_keyset(world: dict[str, Any]) -> None:
    manager: ApiClient = world["manager"]
    for path in ("/api/me/cases", f"/api/orgs/{world['org']}/cases"):
        client = manager if path.startswith("/api/me") else world["admin"]
        for sort in ("activity", "opened"):
            whole = [e["caseId"] for e in client.get(f"{path}?sort={sort}").json()["cases"]]
            first = client.get(f"{path}?sort={sort}&limit=1").json()
            token = first["continuation"]
            assert token, (path, sort)
            second = client.get(f"{path}?sort={sort}&limit=1&continuation={token}").json()
            assert [e["caseId"] for e in first["cases"] + second["cases"]] == whole
            # The token belongs to its order: another order refuses it.
            other = "opened" if sort == "activity" else "activity"
            moved = client.get(f"{path}?sort={other}&limit=1&continuation={token}")
            assert moved.status == 400 and moved.json()["code"] == "invalid_continuation"


@pytest.mark.parametrize("query", ["?sort=name", "?status=pending", "?sort=", "?status=OPEN"])
def test_an_unknown_order_or_filter_is_refused_with_a_problem(world: dict[str, Any], query: str) -> None:
    for client, path in (
        (world["manager"], "/api/me/cases"),
        (world["admin"], f"/api/orgs/{world['org']}/cases"),
    ):
        refused = client.get(f"{path}{query}")
        assert refused.status == 400, (path, query, refused.body)
        assert refused.headers["Content-Type"].startswith("application/problem+json")
        problem = refused.json()
        assert problem["code"] == "invalid_input", problem
        assert [e["field"] for e in problem["errors"]] == [query[1:].split("=", maxsplit=1)[0]], problem
