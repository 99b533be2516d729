"""Issue 25 over HTTP, on both adapters: sessions named by device, "sign out everywhere else",
new recovery codes and a new authenticator — both only after a fresh second factor — and the
hint after a sign-in with a recovery code."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from shared.adapters.outbox import OutboxMailer
from shared.ports import Query
from tests.api.client import ApiClient
from tests.api.conftest import STRONG, Env, code_for, onboard

EMAIL = "nadia@example.invalid"
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(scope="module")
def account(env: Env) -> tuple[ApiClient, str, list[str]]:
    created = env.cli("create-org", "--name", "Security AG", "--admin-email", EMAIL, "--admin-name", "Nadia")
    assert created.returncode == 0, created.stderr
    return onboard(env, EMAIL)


def sign_in(env: Env, recovery_code: str, agent: str) -> tuple[ApiClient, dict[str, object]]:
    client = env.client()
    client.extra_headers["User-Agent"] = agent
    step1 = client.post("/api/auth/login", {"email": EMAIL, "password": STRONG})
    assert step1.status == 200, step1.body
    step2 = client.post(
        "/api/auth/login/second-factor",
        {"challenge": step1.json()["challenge"], "recoveryCode": recovery_code},
    )
    assert step2.status == 200, step2.body
    return client, step2.json()


def tags_to(env: Env) -> list[str]:
    env.settle()
    return [m["tag"] for m in OutboxMailer(env.data / "outbox").messages(limit=100) if m["to"] == EMAIL]


def test_sessions_name_the_device_and_sign_out_everywhere_else(
    env: Env, account: tuple[ApiClient, str, list[str]]
) -> None:
    client, _, codes = account
    laptop, signed = sign_in(env, codes[0], FIREFOX_WINDOWS)
    # A sign-in with a recovery code says how many are left, so the app can suggest new ones.
    assert signed["recoveryCodesLeft"] == 9
    phone, _ = sign_in(env, codes[1], SAFARI_IPHONE)
    listed = laptop.get("/api/me/sessions").json()["sessions"]
    devices = {(s["browser"], s["system"]) for s in listed}
    assert {("Firefox", "Windows"), ("Safari", "iPhone")} <= devices
    [current] = [s for s in listed if s["current"]]
    assert (current["browser"], current["system"]) == ("Firefox", "Windows")
    assert laptop.get("/api/me").json()["recoveryCodesLeft"] == 8

    ended = laptop.request("DELETE", "/api/me/other-sessions")
    assert ended.status == 200 and ended.json()["ended"] >= 2
    assert phone.get("/api/me").status == 401 and client.get("/api/me").status == 401
    assert laptop.get("/api/me").status == 200
    assert [s["current"] for s in laptop.get("/api/me/sessions").json()["sessions"]] == [True]
    again = laptop.request("DELETE", "/api/me/other-sessions")
    assert again.status == 200 and again.json()["ended"] == 0


def test_new_recovery_codes_need_a_fresh_second_factor(
    env: Env, account: tuple[ApiClient, str, list[str]]
) -> None:
    codes = account[2]
    client, _ = sign_in(env, codes[2], FIREFOX_WINDOWS)
    neither = client.post("/api/me/recovery-codes", {})
    assert neither.status == 400 and neither.json()["errors"][0]["field"] == "code"
    both = client.post("/api/me/recovery-codes", {"code": "123456", "recoveryCode": codes[3]})
    assert both.status == 400
    wrong = client.post("/api/me/recovery-codes", {"recoveryCode": "not-a-code-0000"})
    assert wrong.status == 401 and wrong.json()["code"] == "invalid_second_factor"
    assert client.get("/api/me").json()["recoveryCodesLeft"] == 7  # refusals changed nothing

    renewed = client.post("/api/me/recovery-codes", {"recoveryCode": codes[3]})
    assert renewed.status == 200, renewed.body
    fresh = renewed.json()["recoveryCodes"]
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    assert client.get("/api/me").json()["recoveryCodesLeft"] == 10
    assert "second-factor-changed" in tags_to(env)
    old = env.client().post("/api/auth/login", {"email": EMAIL, "password": STRONG})
    stale = env.client().post(
        "/api/auth/login/second-factor", {"challenge": old.json()["challenge"], "recoveryCode": codes[4]}
    )
    assert stale.status == 401  # the earlier codes stopped working
    account[2][:] = fresh


def test_a_new_authenticator_replaces_the_old_one_only_when_confirmed(
    env: Env, account: tuple[ApiClient, str, list[str]]
) -> None:
    _, old_secret, codes = account
    client, _ = sign_in(env, codes[0], FIREFOX_WINDOWS)
    confirm_early = client.post("/api/me/authenticator/confirm", {"code": "123456"})
    assert confirm_early.status == 409 and confirm_early.json()["code"] == "authenticator_not_started"
    started = client.post("/api/me/authenticator", {"recoveryCode": codes[1]})
    assert started.status == 200, started.body
    new_secret = started.json()["secret"]
    assert started.json()["otpauthUri"].startswith("otpauth://totp/") and new_secret != old_secret
    assert started.json()["qrSvg"].startswith("<svg")

    wrong = client.post(
        "/api/me/authenticator/confirm", {"code": "000000" if code_for(new_secret) != "000000" else "111111"}
    )
    assert wrong.status == 400 and wrong.json()["code"] == "invalid_totp_code"
    # Until confirmed, the new secret only waits beside the old one.
    store = env.store()
    user_id = client.get("/api/auth/session").json()["userId"]
    assert store.read("users", user_id, "credentials")["totpPending"]

    confirmed = client.post("/api/me/authenticator/confirm", {"code": code_for(new_secret)})
    assert confirmed.status == 204, confirmed.body
    assert not store.read("users", user_id, "credentials").get("totpPending")
    again = client.post("/api/me/authenticator/confirm", {"code": code_for(new_secret, 1)})
    assert again.status == 409
    tags = tags_to(env)
    assert tags.count("second-factor-changed") >= 2

    # The new authenticator signs in (the step after the confirming one); the old one no longer.
    login = env.client()
    challenge = login.post("/api/auth/login", {"email": EMAIL, "password": STRONG}).json()["challenge"]
    old = login.post("/api/auth/login/second-factor", {"challenge": challenge, "code": code_for(old_secret)})
    assert old.status in (400, 401)
    new = login.post(
        "/api/auth/login/second-factor", {"challenge": challenge, "code": code_for(new_secret, 1)}
    )
    assert new.status == 200, new.body
    assert new.json().get("recoveryCodesLeft") is None


def test_the_session_status_answers_signed_out_without_an_error(
    env: Env, account: tuple[ApiClient, str, list[str]]
) -> None:
    anonymous = env.client().get("/api/auth/status")
    assert anonymous.status == 200 and anonymous.json() == {"signedIn": False, "session": None}
    forged = env.client()
    forged.cookie = "x" * 43  # a cookie that names no session is "signed out" too
    assert forged.get("/api/auth/status").json()["signedIn"] is False
    client, _ = sign_in(env, account[2][5], SAFARI_IPHONE)
    status = client.get("/api/auth/status")
    assert status.status == 200 and status.json()["signedIn"] is True
    assert status.json()["session"] == client.get("/api/auth/session").json()
    # The route that needs a session still says 401 without one (API clients rely on it).
    assert env.client().get("/api/auth/session").status == 401


def test_onboarding_feedback_is_asked_once_and_kept_without_identity(
    env: Env, account: tuple[ApiClient, str, list[str]]
) -> None:
    client, _ = sign_in(env, account[2][6], FIREFOX_WINDOWS)
    me = client.get("/api/me").json()
    assert me["feedbackAsked"] is False
    bad = client.post("/api/me/onboarding-feedback", {"rating": 6})
    assert bad.status == 400 and bad.json()["errors"][0]["field"] == "rating"
    assert client.get("/api/me").json()["feedbackAsked"] is False  # a refusal changes nothing
    comment = "The QR code step was clear, the recovery codes less so."
    given = client.post("/api/me/onboarding-feedback", {"rating": 4, "comment": comment})
    assert given.status == 204, given.body
    again = client.post("/api/me/onboarding-feedback", {})
    assert again.status == 409 and again.json()["code"] == "onboarding_feedback_done"
    assert client.get("/api/me").json()["feedbackAsked"] is True

    month = datetime.now(UTC).strftime("%Y-%m")
    [entry] = [e for e in env.store().query("directory", f"onboarding-feedback-{month}", Query()).items]
    assert entry["rating"] == 4 and entry["comment"] == comment and entry["ttl"] == 365 * 24 * 3600
    user_id = me["userId"]
    stored = json.dumps(entry)
    assert user_id not in stored and EMAIL not in stored and "userId" not in entry
    report = env.cli("onboarding-feedback")
    assert report.returncode == 0, report.stderr
    assert "1 answers, 1 ratings, average rating 4.0 of 5" in report.stdout and comment in report.stdout


def test_the_staff_invitations_list_only_staff_and_say_when_accepted(
    env: Env, account: tuple[ApiClient, str, list[str]]
) -> None:
    admin, _ = sign_in(env, account[2][7], FIREFOX_WINDOWS)
    org_id = admin.get("/api/me/orgs").json()["orgs"][0]["orgId"]
    invite = {"email": "sam.staff@example.invalid", "name": "Sam", "language": "en", "role": "case_manager"}
    assert admin.post(f"/api/orgs/{org_id}/invitations", invite).status == 201
    manager = onboard(env, "sam.staff@example.invalid")[0]
    employee = {"employee": {"email": "eve.case@example.invalid", "name": "Eve", "language": "de"}}
    assert manager.post(f"/api/orgs/{org_id}/cases", employee).status == 201
    listed = admin.get(f"/api/orgs/{org_id}/invitations").json()["invitations"]
    emails = {i["email"] for i in listed}
    assert "sam.staff@example.invalid" in emails and "eve.case@example.invalid" not in emails
    sam = next(i for i in listed if i["email"] == "sam.staff@example.invalid")
    assert sam["status"] == "accepted" and sam["acceptedAt"] and sam["revokedAt"] is None
