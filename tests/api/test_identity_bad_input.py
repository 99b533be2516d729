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
    store = env.store()
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
    weak = {
        "x" * 129: "weak_password_too_long",
        "            ": "weak_password_whitespace_only",
        "short": "weak_password_too_short",
        "Password1234": "weak_password_common",
        # Issue 14's probe: repetitive, sequential, the person's own address, the product's name.
        "aaaaaaaaaaaa": "weak_password_repetitive",
        "123456789012": "weak_password_sequential",
        "picky@example.invalid": "weak_password_context",
        "casedeskcasedesk": "weak_password_context",
        "Bad Input AG 2024": "weak_password_context",  # the inviting organisation's name
        "qwertzuiop12": "weak_password_guessable",
    }
    for password, code in weak.items():
        refused = client.post("/api/onboarding/password", {"token": token, "password": password})
        assert refused.status == 400 and refused.json()["code"] == code, password
        assert refused.json()["errors"][0]["field"] == "password"
    assert (
        client.post("/api/onboarding/inspect", {"token": token}).json()["step"] == "password"
    )  # nothing stored
    secret = client.post("/api/onboarding/password", {"token": token, "password": STRONG}).json()["secret"]
    for code in ("12ab56", "12345", "1234567", ""):
        refused = client.post("/api/onboarding/totp", {"token": token, "code": code})
        assert refused.status == 400 and refused.json()["code"] == "invalid_totp_code", code
    assert client.post("/api/onboarding/totp", {"token": token, "code": code_for(secret)}).status == 200


def test_the_rule_that_failed_is_named_in_german_and_english(env: Env, admin: tuple[ApiClient, str]) -> None:
    invite(admin, "rules@example.invalid")
    token = env.last_link_token("rules@example.invalid")
    versions = env.client().post("/api/onboarding/inspect", {"token": token}).json()["versions"]
    env.client().post("/api/onboarding/consent", {"token": token, **versions})
    body = {"token": token, "password": "123456789012"}
    german = env.client("de").post("/api/onboarding/password", body).json()
    english = env.client("en").post("/api/onboarding/password", body).json()
    assert german["title"] == "Passwort ist eine Zeichenfolge" and "«123456»" in german["detail"]
    assert english["title"] == "Password is a sequence" and "123456" in english["detail"]


def test_the_password_step_cannot_be_submitted_twice(env: Env, admin: tuple[ApiClient, str]) -> None:
    """Issue 14: after a reload the password step came back, and a second submission silently
    replaced the password of the half-onboarded account."""
    invite(admin, "twice@example.invalid")
    token = env.last_link_token("twice@example.invalid")
    client = env.client("de")
    versions = client.post("/api/onboarding/inspect", {"token": token}).json()["versions"]
    client.post("/api/onboarding/consent", {"token": token, **versions})
    first = client.post("/api/onboarding/password", {"token": token, "password": STRONG})
    assert first.status == 200
    assert client.post("/api/onboarding/inspect", {"token": token}).json()["step"] == "totp"

    again = client.post(
        "/api/onboarding/password", {"token": token, "password": "a different long passphrase 7"}
    )

    assert again.status == 409 and again.json()["code"] == "password_already_set"
    assert again.json()["title"] == "Passwort bereits gewählt"
    english = env.client().post("/api/onboarding/password", {"token": token, "password": STRONG})
    assert english.status == 409 and english.json()["title"] == "Password already chosen"
    assert client.post("/api/onboarding/inspect", {"token": token}).json()["step"] == "totp"
    # Nothing changed: the authenticator from the first answer confirms, the first password signs in.
    done = client.post("/api/onboarding/totp", {"token": token, "code": code_for(first.json()["secret"])})
    assert done.status == 200
    login = env.client().post
    assert login("/api/auth/login", {"email": "twice@example.invalid", "password": STRONG}).status == 200
    other = {"email": "twice@example.invalid", "password": "a different long passphrase 7"}
    assert login("/api/auth/login", other).status == 401


def test_change_and_reset_apply_the_policy_with_the_persons_words(
    env: Env, admin: tuple[ApiClient, str]
) -> None:
    invite(admin, "someone.else@example.invalid")
    client, _, codes = onboard(env, "someone.else@example.invalid")
    own_address = {"currentPassword": STRONG, "newPassword": "someone.else@example.invalid"}
    refused = client.post("/api/me/password", own_address)
    assert refused.status == 400 and refused.json()["code"] == "weak_password_context"
    name = {"currentPassword": STRONG, "newPassword": "Someone Someone 2024"}  # invited as "Someone"
    assert client.post("/api/me/password", name).json()["code"] == "weak_password_context"

    anonymous = env.client()
    assert anonymous.post("/api/auth/password-reset", {"email": "someone.else@example.invalid"}).status == 202
    token = env.last_link_token("someone.else@example.invalid")
    reset = {"token": token, "newPassword": "someone.else2024", "recoveryCode": codes[0]}
    refused = anonymous.post("/api/auth/password-reset/complete", reset)
    assert refused.status == 400 and refused.json()["code"] == "weak_password_context"
    # Refused before the second factor: the link and the recovery code still work.
    done = anonymous.post(
        "/api/auth/password-reset/complete", {**reset, "newPassword": "a brand new passphrase 99"}
    )
    assert done.status == 204


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
