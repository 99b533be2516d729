"""Issue 3's journey through the dev host over real HTTP: an organisation created by the ops CLI,
its admin invited and onboarded (consent, password, TOTP), login, a case manager invited,
onboarded and logged in — with the bad inputs of each step on the way."""

from __future__ import annotations

import re
import time

import pytest

from tests.api.conftest import SPENT_CODES, STRONG, Env, code_for, onboard


def test_org_admin_and_case_manager_journey(env: Env) -> None:
    created = env.cli(
        "create-org",
        "--name",
        "Demo AG",
        "--admin-email",
        "ada@example.invalid",
        "--admin-name",
        "Ada Admin",
        "--language",
        "de",
    )
    assert created.returncode == 0, created.stderr
    org_id = re.search(r"organisation ([0-9a-f]{32})", created.stdout).group(1)  # type: ignore[union-attr]

    admin, _admin_secret, admin_codes = onboard(env, "ada@example.invalid")
    session = admin.get("/api/auth/session")
    assert session.status == 200 and session.json()["consentRequired"] is False
    assert session.json()["csrfToken"] == admin.csrf

    # Invite a case manager: CSRF header required; then it works.
    body = {"email": "cora@example.invalid", "name": "Cora Case", "language": "en", "role": "case_manager"}
    no_csrf = admin.post(f"/api/orgs/{org_id}/invitations", body, csrf=False)
    assert no_csrf.status == 403 and no_csrf.json()["code"] == "csrf_missing"
    invited = admin.post(f"/api/orgs/{org_id}/invitations", body)
    assert invited.status == 201 and invited.json()["status"] == "pending"
    unknown_field = admin.post(f"/api/orgs/{org_id}/invitations", {**body, "isAdmin": True})
    assert unknown_field.status == 400 and unknown_field.json()["errors"][0]["field"] == "isAdmin"

    manager, manager_secret, _ = onboard(env, "cora@example.invalid")
    staff = admin.get(f"/api/orgs/{org_id}/staff").json()
    roles = {m["email"]: m["roles"] for m in staff["members"]}
    assert roles == {"ada@example.invalid": ["org_admin"], "cora@example.invalid": ["case_manager"]}
    assert manager.get(f"/api/orgs/{org_id}/staff").status == 403  # not an org admin

    # Roles and flags change only with the version the admin saw (nothing is lost).
    member = next(m for m in staff["members"] if m["email"] == "cora@example.invalid")
    path = f"/api/orgs/{org_id}/staff/{member['userId']}"
    change = {"roles": ["case_manager"], "accessAllCases": True}
    assert admin.request("PATCH", path, change).status == 428
    updated = admin.request("PATCH", path, change, headers={"If-Match": member["etag"]})
    assert updated.status == 200 and updated.json()["accessAllCases"] is True
    stale = admin.request(
        "PATCH", path, {**change, "accessAllCases": False}, headers={"If-Match": member["etag"]}
    )
    assert stale.status == 412
    assert (
        admin.request(
            "PATCH",
            path,
            {"roles": ["superuser"], "accessAllCases": False},
            headers={"If-Match": updated.headers["ETag"]},
        ).status
        == 400
    )

    # A second organisation invites the (already registered) case manager: accepted after login.
    other = env.cli(
        "create-org", "--name", "Zweite AG", "--admin-email", "zoe@example.invalid", "--admin-name", "Zoe"
    )
    other_org = re.search(r"organisation ([0-9a-f]{32})", other.stdout).group(1)  # type: ignore[union-attr]
    zoe, _, _ = onboard(env, "zoe@example.invalid")
    assert zoe.post(f"/api/orgs/{other_org}/invitations", body).status == 201
    token = env.last_link_token("cora@example.invalid")
    assert env.client().post("/api/onboarding/inspect", {"token": token}).json()["step"] == "login"
    not_hers = zoe.post("/api/invitations/accept", {"token": token})
    assert not_hers.status == 404 and not_hers.json()["code"] == "invitation_unknown"
    accepted = manager.post("/api/invitations/accept", {"token": token})
    assert accepted.status == 200 and accepted.json() == {
        "orgId": other_org,
        "role": "case_manager",
        "caseId": None,
    }
    members = {m["email"] for m in zoe.get(f"/api/orgs/{other_org}/staff").json()["members"]}
    assert members == {"zoe@example.invalid", "cora@example.invalid"}
    # "My organisations": where the app offers each one's staff views, with the roles held there.
    mine = manager.get("/api/me/orgs").json()["orgs"]
    assert [(o["orgId"], o["name"], o["roles"]) for o in mine] == [
        (org_id, "Demo AG", ["case_manager"]),
        (other_org, "Zweite AG", ["case_manager"]),
    ]
    assert mine[0]["accessAllCases"] is True and mine[1]["accessAllCases"] is False
    assert [o["roles"] for o in zoe.get("/api/me/orgs").json()["orgs"]] == [["org_admin"]]

    # Log out, then log in again: password, then TOTP (a later step: the onboarding code is spent).
    assert manager.post("/api/auth/logout").status == 204
    assert manager.get("/api/auth/session").status == 401
    fresh = env.client()
    step1 = fresh.post("/api/auth/login", {"email": "cora@example.invalid", "password": STRONG})
    assert step1.status == 200
    replay = fresh.post(
        "/api/auth/login/second-factor",
        {"challenge": step1.json()["challenge"], "code": SPENT_CODES[manager_secret]},
    )
    # The very code that confirmed enrolment: refused as a replay while its window lasts, as
    # invalid after it (the test must not depend on which 30 s window the login falls into).
    assert replay.status in (400, 401) and replay.json()["code"] in ("totp_replayed", "invalid_totp_code")
    step2 = fresh.post(
        "/api/auth/login/second-factor",
        {"challenge": step1.json()["challenge"], "code": code_for(manager_secret, 1)},
    )
    assert step2.status == 200, step2.body
    assert fresh.get("/api/auth/session").json()["userId"]

    # The admin logs in with a recovery code, which then cannot be used again.
    again = env.client()
    challenge = again.post("/api/auth/login", {"email": "ada@example.invalid", "password": STRONG}).json()[
        "challenge"
    ]
    assert (
        again.post(
            "/api/auth/login/second-factor", {"challenge": challenge, "recoveryCode": admin_codes[0]}
        ).status
        == 200
    )
    other = env.client()
    challenge = other.post("/api/auth/login", {"email": "ada@example.invalid", "password": STRONG}).json()[
        "challenge"
    ]
    spent = other.post(
        "/api/auth/login/second-factor", {"challenge": challenge, "recoveryCode": admin_codes[0]}
    )
    assert spent.status == 401 and spent.json()["code"] == "invalid_second_factor"


def test_login_errors_are_identical_and_bursts_lock_out(env: Env) -> None:
    client = env.client()
    unknown = client.post("/api/auth/login", {"email": "nobody@example.invalid", "password": STRONG})
    assert unknown.status == 401 and unknown.json()["code"] == "invalid_credentials"
    for _ in range(2):
        client.post("/api/auth/login", {"email": "nobody@example.invalid", "password": STRONG})
    locked = client.post("/api/auth/login", {"email": "nobody@example.invalid", "password": STRONG})
    assert locked.status == 429 and locked.json()["code"] == "too_many_attempts"
    assert int(locked.headers["Retry-After"]) >= 1
    time.sleep(2.2)
    released = client.post("/api/auth/login", {"email": "nobody@example.invalid", "password": STRONG})
    assert released.status == 401


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/api/onboarding/inspect", {"token": "x" * 43}, 404, "invitation_unknown"),
        ("/api/onboarding/inspect", {"token": "short"}, 400, "invalid_input"),
        ("/api/onboarding/inspect", {"token": "x" * 43, "extra": 1}, 400, "invalid_input"),
        ("/api/onboarding/inspect", b"{not json", 400, "invalid_input"),
        (
            "/api/auth/login/second-factor",
            {"challenge": "y" * 43, "code": "123456"},
            401,
            "invalid_credentials",
        ),
        ("/api/auth/login", {"email": "a@example.invalid"}, 400, "invalid_input"),
    ],
)
def test_bad_input_is_a_clear_problem(env: Env, path: str, body: object, status: int, code: str) -> None:
    response = env.client("de").post(path, body)
    assert response.status == status and response.json()["code"] == code
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.headers["Content-Language"] == "de"


def test_session_routes_need_a_valid_cookie(env: Env) -> None:
    client = env.client()
    assert client.get("/api/auth/session").status == 401
    client.cookie = "forged-" + "a" * 40
    tampered = client.get("/api/auth/session")
    assert tampered.status == 401 and tampered.json()["code"] in ("session_expired", "unauthenticated")


def test_an_oversized_body_is_refused(env: Env) -> None:
    response = env.client().post("/api/auth/login", b'{"email": "' + b"a" * 2_000_000 + b'"}')
    assert response.status == 413 and response.json()["code"] == "payload_too_large"
