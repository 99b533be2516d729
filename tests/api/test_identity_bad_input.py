"""Issue 3's bad inputs that need a prepared situation: expired, revoked and replaced invitation
links, over-long passwords, malformed codes, an idle session. Each answers with a clear
problem+json and changes nothing."""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.adapters.sqlite import SqliteStore
from shared.clock import SystemClock
from shared.identity.tokens import token_hash
from tests.api.client import ApiClient
from tests.api.conftest import STRONG, Env, code_for, onboard
from tests.fixtures.devhost import start_devhost


@pytest.fixture(scope="module")
def admin(env: Env) -> tuple[ApiClient, str]:
    made = env.cli(
        "create-org", "--name", "Bad Input AG", "--admin-email", "bia@example.invalid", "--admin-name", "B"
    )
    org_id = re.search(r"organisation ([0-9a-f]{32})", made.stdout).group(1)  # type: ignore[union-attr]
    client, _, _ = onboard(env, "bia@example.invalid")
    return client, org_id


def invite(admin: tuple[ApiClient, str], email: str) -> str:
    client, org_id = admin
    body = {"email": email, "name": "Someone", "language": "de", "role": "case_manager"}
    response = client.post(f"/api/orgs/{org_id}/invitations", body)
    assert response.status == 201, response.body
    return str(response.json()["invitationId"])


def test_an_expired_invitation_is_410_and_says_so(env: Env, admin: tuple[ApiClient, str]) -> None:
    invite(admin, "late@example.invalid")
    token = env.last_link_token("late@example.invalid")
    store = SqliteStore(env.data / "casedesk.sqlite3", SystemClock())
    key = f"invitation-{token_hash(token)}"
    link = store.read("directory", key, key)
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    store.replace("directory", {**link, "expiresAt": past}, if_match=link["_etag"])
    response = env.client("de").post("/api/onboarding/inspect", {"token": token})
    assert response.status == 410 and response.json()["code"] == "invitation_expired"
    assert response.json()["title"] == "Link abgelaufen"


def test_a_revoked_invitation_is_dead(env: Env, admin: tuple[ApiClient, str]) -> None:
    invitation_id = invite(admin, "revoked@example.invalid")
    token = env.last_link_token("revoked@example.invalid")
    client, org_id = admin
    revoked = client.request("DELETE", f"/api/orgs/{org_id}/invitations/{invitation_id}")
    assert revoked.status == 200 and revoked.json()["status"] == "revoked"
    response = env.client().post("/api/onboarding/inspect", {"token": token})
    assert response.status == 410 and response.json()["code"] == "invitation_revoked"
    again = client.request("DELETE", f"/api/orgs/{org_id}/invitations/{invitation_id}")
    assert again.status == 410  # only a pending invitation can be changed


def test_resending_kills_the_old_link_and_the_new_one_works(env: Env, admin: tuple[ApiClient, str]) -> None:
    invitation_id = invite(admin, "resent@example.invalid")
    old = env.last_link_token("resent@example.invalid")
    client, org_id = admin
    assert client.post(f"/api/orgs/{org_id}/invitations/{invitation_id}/resend").status == 200
    new = env.last_link_token("resent@example.invalid")
    assert new != old
    dead = env.client().post("/api/onboarding/inspect", {"token": old})
    assert dead.status == 410 and dead.json()["code"] == "invitation_revoked"
    assert env.client().post("/api/onboarding/inspect", {"token": new}).json()["step"] == "consent"


def test_password_and_code_bad_inputs(env: Env, admin: tuple[ApiClient, str]) -> None:
    invite(admin, "picky@example.invalid")
    token = env.last_link_token("picky@example.invalid")
    client = env.client()
    versions = client.post("/api/onboarding/inspect", {"token": token}).json()["versions"]
    client.post("/api/onboarding/consent", {"token": token, **versions})
    for password in ("x" * 129, "            ", "short", "Password1234"):
        refused = client.post("/api/onboarding/password", {"token": token, "password": password})
        assert refused.status == 400 and refused.json()["code"] == "weak_password", password
    assert (
        client.post("/api/onboarding/inspect", {"token": token}).json()["step"] == "password"
    )  # nothing stored
    secret = client.post("/api/onboarding/password", {"token": token, "password": STRONG}).json()["secret"]
    for code in ("12ab56", "12345", "1234567", ""):
        refused = client.post("/api/onboarding/totp", {"token": token, "code": code})
        assert refused.status == 400 and refused.json()["code"] == "invalid_totp_code", code
    assert client.post("/api/onboarding/totp", {"token": token, "code": code_for(secret)}).status == 200


def test_an_idle_session_ends(tmp_path: Path) -> None:
    settings = {
        "CASEDESK_ENV": "test",
        "CASEDESK_DATA_DIR": str(tmp_path),
        "CASEDESK_SESSION_IDLE_SECONDS": "3",
        "CASEDESK_ARGON2_MEMORY_KIB": "1024",
        "CASEDESK_ARGON2_ITERATIONS": "1",
    }
    with start_devhost(env=settings, extra_args=("--no-timers",)) as url:
        env = Env(url, tmp_path, {**os.environ, **settings})
        assert (
            env.cli(
                "create-org",
                "--name",
                "Idle AG",
                "--admin-email",
                "idle@example.invalid",
                "--admin-name",
                "I",
            ).returncode
            == 0
        )
        client, _, _ = onboard(env, "idle@example.invalid")
        assert client.get("/api/me").status == 200
        time.sleep(4)
        expired = client.get("/api/me")
        assert expired.status == 401 and expired.json()["code"] == "session_expired"
