"""A signed-in user's own account over HTTP: profile (with ETags), sessions, password change,
password reset with the second factor, re-consent after a terms change, the welcome flag."""

from __future__ import annotations

import re

import pytest

from shared.adapters.outbox import OutboxMailer
from tests.api.client import ApiClient
from tests.api.conftest import STRONG, Env, onboard

NEW_PASSWORD = "a different long passphrase 7"
EMAIL = "erin@example.invalid"


@pytest.fixture(scope="module")
def account(env: Env) -> tuple[ApiClient, str, list[str]]:
    created = env.cli(
        "create-org", "--name", "Self Service AG", "--admin-email", EMAIL, "--admin-name", "Erin"
    )
    assert created.returncode == 0, created.stderr
    return onboard(env, EMAIL)


def second_login(env: Env, password: str, recovery_code: str) -> ApiClient:
    client = env.client()
    step1 = client.post("/api/auth/login", {"email": EMAIL, "password": password})
    assert step1.status == 200, step1.body
    step2 = client.post(
        "/api/auth/login/second-factor",
        {"challenge": step1.json()["challenge"], "recoveryCode": recovery_code},
    )
    assert step2.status == 200, step2.body
    return client


def test_profile_updates_need_the_current_etag(account: tuple[ApiClient, str, list[str]]) -> None:
    client = account[0]
    read = client.get("/api/me")
    assert read.status == 200 and read.json()["email"] == EMAIL
    etag = read.headers["ETag"]
    missing = client.request("PATCH", "/api/me", {"language": "en"})
    assert missing.status == 428 and missing.json()["code"] == "precondition_required"
    ok = client.request(
        "PATCH", "/api/me", {"language": "en", "emailNotifications": False}, headers={"If-Match": etag}
    )
    assert ok.status == 200 and ok.json()["language"] == "en" and ok.json()["emailNotifications"] is False
    stale = client.request("PATCH", "/api/me", {"name": "Lost Update"}, headers={"If-Match": etag})
    assert stale.status == 412 and stale.json()["code"] == "concurrency_conflict"
    assert client.get("/api/me").json()["name"] != "Lost Update"
    unknown = client.request(
        "PATCH", "/api/me", {"email": "x@example.invalid"}, headers={"If-Match": ok.headers["ETag"]}
    )
    assert unknown.status == 400 and unknown.json()["errors"][0]["field"] == "email"


def test_welcome_is_shown_once(account: tuple[ApiClient, str, list[str]]) -> None:
    client = account[0]
    assert client.get("/api/me").json()["welcomeSeen"] is False
    assert client.post("/api/me/welcome-seen").json()["welcomeSeen"] is True
    assert client.get("/api/me").json()["welcomeSeen"] is True


def test_sessions_are_listed_and_can_be_ended(env: Env, account: tuple[ApiClient, str, list[str]]) -> None:
    client, _, codes = account
    other = second_login(env, STRONG, codes[1])
    listed = client.get("/api/me/sessions").json()["sessions"]
    assert len(listed) >= 2 and sum(1 for s in listed if s["current"]) == 1
    other_id = other.get("/api/auth/session").json()["sessionId"]
    assert client.request("DELETE", f"/api/me/sessions/{other_id}").status == 204
    assert other.get("/api/me").status == 401
    assert client.request("DELETE", "/api/me/sessions/not-mine-0000").status == 404


def test_password_change_ends_other_sessions_and_notifies(
    env: Env, account: tuple[ApiClient, str, list[str]]
) -> None:
    client, _, codes = account
    other = second_login(env, STRONG, codes[2])
    wrong = client.post(
        "/api/me/password", {"currentPassword": "not my password!", "newPassword": NEW_PASSWORD}
    )
    assert wrong.status == 401 and wrong.json()["code"] == "invalid_credentials"
    weak = client.post("/api/me/password", {"currentPassword": STRONG, "newPassword": "short"})
    assert weak.status == 400 and weak.json()["code"] == "weak_password_too_short"
    changed = client.post("/api/me/password", {"currentPassword": STRONG, "newPassword": NEW_PASSWORD})
    assert changed.status == 200 and changed.json()["otherSessionsEnded"] >= 1
    assert other.get("/api/me").status == 401 and client.get("/api/me").status == 200
    env.settle()  # the notice is a pending effect until the relay and the mail sender run
    tags = [m["tag"] for m in OutboxMailer(env.data / "outbox").messages(limit=50) if m["to"] == EMAIL]
    assert "password-changed" in tags


def test_password_reset_needs_the_second_factor(env: Env, account: tuple[ApiClient, str, list[str]]) -> None:
    client, _, codes = account
    anonymous = env.client()
    outbox = OutboxMailer(env.data / "outbox")
    before = len(outbox.messages(limit=500))
    assert anonymous.post("/api/auth/password-reset", {"email": "ghost@example.invalid"}).status == 202
    env.settle()
    assert len(outbox.messages(limit=500)) == before  # nothing sent, same answer
    assert anonymous.post("/api/auth/password-reset", {"email": EMAIL}).status == 202
    env.settle()
    mail = outbox.messages(limit=1)[0]
    assert mail["to"] == EMAIL and mail["tag"] == "password-reset"
    token = re.search(r"#token=([A-Za-z0-9_\-]+)", mail["text"]).group(1)  # type: ignore[union-attr]
    final = "yet another passphrase 2026"
    no_factor = anonymous.post("/api/auth/password-reset/complete", {"token": token, "newPassword": final})
    assert no_factor.status == 401 and no_factor.json()["code"] == "invalid_second_factor"
    done = anonymous.post(
        "/api/auth/password-reset/complete", {"token": token, "newPassword": final, "recoveryCode": codes[3]}
    )
    assert done.status == 204
    again = anonymous.post(
        "/api/auth/password-reset/complete", {"token": token, "newPassword": final, "recoveryCode": codes[4]}
    )
    assert again.status == 401 and again.json()["code"] == "invalid_credentials"
    assert client.get("/api/me").status == 401  # every session ended
    old = env.client().post("/api/auth/login", {"email": EMAIL, "password": NEW_PASSWORD})
    assert old.status == 401
    fresh = second_login(env, final, codes[5])
    assert fresh.get("/api/me").status == 200


def test_a_terms_change_requires_consent_again(env: Env, account: tuple[ApiClient, str, list[str]]) -> None:
    client = second_login(env, "yet another passphrase 2026", account[2][6])
    user_id = client.get("/api/auth/session").json()["userId"]
    # Simulate an account that consented to an older version of the documents.
    store = env.store()
    profile = store.read("users", user_id, "profile")
    older = {**profile["consent"], "terms": "2025-01"}
    store.replace("users", {**profile, "consent": older}, if_match=profile["_etag"])
    blocked = client.get("/api/me")
    assert blocked.status == 403 and blocked.json()["code"] == "consent_required"
    session = client.get("/api/auth/session").json()
    assert session["consentRequired"] is True
    wrong = client.post("/api/me/consent", {"terms": "2025-01", "privacy": session["versions"]["privacy"]})
    assert wrong.status == 400
    assert client.post("/api/me/consent", session["versions"]).status == 200
    assert client.get("/api/me").status == 200
