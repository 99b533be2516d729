"""The permission matrix: every non-public HTTP route × every kind of actor, over real HTTP.

The expected table is written out here by hand (not derived from the code under test) and
compared with ``shared.access.check.RULES``; then each route is called as each actor and must be
refused (401/403) exactly where the table says so. Allowed calls use ids that do not exist or
bodies that do not validate, so the matrix changes nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

import pytest

from shared.access.permissions import PUBLIC_ROUTES, Action
from shared.access.table import TABLE
from tests.api.client import ApiClient
from tests.api.conftest import Env, onboard

ACTORS = ("anonymous", "case_manager_a", "admin_a", "admin_b")
SIGNED_IN = {"case_manager_a", "admin_a", "admin_b"}

#: permission → actors allowed on organisation A's routes (SPEC §3 and the identity issue).
EXPECTED: dict[Action, set[str]] = {
    Action.SESSION_USE: SIGNED_IN,
    Action.CONSENT_WRITE: SIGNED_IN,
    Action.PROFILE_MANAGE: SIGNED_IN,
    Action.STAFF_MANAGE: {"admin_a"},
    Action.STAFF_READ: {"admin_a"},
}
#: routes whose allowed call would end the caller's session; their refusals are still checked.
DISRUPTIVE = {"logout"}


@functools.cache  # azure-functions refuses a second get_functions() on the same app
def routes() -> list[tuple[str, str, str, Action]]:
    import function_app

    found = []
    for fn in function_app.app.get_functions():
        trigger = fn.get_trigger()
        if type(trigger).__name__ != "HttpTrigger" or fn.get_function_name() in PUBLIC_ROUTES:
            continue
        permission = fn.get_user_function().casedesk_permission
        for method in trigger.methods:
            found.append(
                (fn.get_function_name(), str(getattr(method, "value", method)), trigger.route, permission)
            )
    return found


def test_every_action_has_a_row_in_the_table() -> None:
    assert set(TABLE) == set(Action)


def test_every_route_is_in_the_matrix() -> None:
    assert {permission for *_, permission in routes()} <= set(EXPECTED)


@pytest.fixture(scope="module")
def actors(env: Env) -> Iterator[tuple[dict[str, ApiClient], str]]:
    made = env.cli(
        "create-org", "--name", "Matrix A AG", "--admin-email", "admin.a@example.invalid", "--admin-name", "A"
    )
    org_a = re.search(r"organisation ([0-9a-f]{32})", made.stdout).group(1)  # type: ignore[union-attr]
    env.cli(
        "create-org", "--name", "Matrix B AG", "--admin-email", "admin.b@example.invalid", "--admin-name", "B"
    )
    admin_a, _, _ = onboard(env, "admin.a@example.invalid")
    admin_b, _, _ = onboard(env, "admin.b@example.invalid")
    invite = {"email": "cm.a@example.invalid", "name": "C", "language": "en", "role": "case_manager"}
    assert admin_a.post(f"/api/orgs/{org_a}/invitations", invite).status == 201
    manager, _, _ = onboard(env, "cm.a@example.invalid")
    yield (
        {"anonymous": env.client(), "case_manager_a": manager, "admin_a": admin_a, "admin_b": admin_b},
        org_a,
    )


def concrete(path: str, org_id: str) -> str:
    path = path.replace("{orgId}", org_id)
    return "/" + re.sub(r"\{[^}]+\}", "0" * 32, path)


@pytest.mark.parametrize("actor", ACTORS)
def test_each_route_refuses_exactly_the_actors_the_table_excludes(
    actor: str, actors: tuple[dict[str, ApiClient], str]
) -> None:
    clients, org_a = actors
    client = clients[actor]
    checked = 0
    for name, method, path, permission in routes():
        allowed = actor in EXPECTED[permission]
        if allowed and name in DISRUPTIVE:
            continue
        body = None if method in ("GET", "DELETE") else {}
        response = client.request(method, concrete(path, org_a), body)
        if allowed:
            assert response.status not in (401, 403), (name, method, actor, response.status, response.body)
        else:
            expected = 401 if actor == "anonymous" else 403
            assert response.status == expected, (name, method, actor, response.status, response.body)
            assert response.json()["code"] in ("unauthenticated", "permission_denied")
        checked += 1
    assert checked >= 10
