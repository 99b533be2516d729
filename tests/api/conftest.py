"""Helpers for API tests of the identity journeys: a dev host with its data directory, the
outbox, the ops CLI, TOTP codes and the onboarding walk."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from shared.adapters.outbox import OutboxMailer
from tests.api.client import ApiClient
from tests.fixtures.devhost import start_devhost
from tests.fixtures.processes import run_module

STRONG = "correct horse battery staple 42"


@dataclass
class Env:
    url: str
    data: Path
    env: dict[str, str]

    def client(self, language: str = "en") -> ApiClient:
        return ApiClient(self.url, language=language)

    def settle(self) -> dict[str, object]:
        """Let the side effects of the requests so far happen, as the host would within seconds:
        run the ``effect_relay`` timer (audit events into the chains, e-mails onto the queue),
        then drain the ``mail-outgoing`` queue through the ``mail_sender`` trigger."""
        relay = urllib.request.Request(f"{self.url}/admin/timers/effect_relay/run", data=b"", method="POST")
        with urllib.request.urlopen(relay, timeout=60) as answer:
            assert json.loads(answer.read())["succeeded"] is True, (
                "the relay run failed; see the dev host log"
            )
        drain = urllib.request.Request(
            f"{self.url}/admin/queues/mail-outgoing/drain", data=b"", method="POST"
        )
        with urllib.request.urlopen(drain, timeout=60) as answer:
            counts: dict[str, object] = json.loads(answer.read() or b"{}")
        return counts

    def last_link_token(self, to: str) -> str:
        self.settle()
        mails = [m for m in OutboxMailer(self.data / "outbox").messages(limit=200) if m["to"] == to]
        assert mails, f"no e-mail to {to}"
        match = re.search(r"#token=([A-Za-z0-9_\-]+)", mails[0]["text"])
        assert match, "the e-mail has no onboarding link"
        return match.group(1)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_module("shared.cli", *args, env=self.env)


@contextmanager
def running_env(tmp_path_factory: pytest.TempPathFactory, **extra: str) -> Iterator[Env]:
    """A dev host on a fresh data directory, with test settings plus ``extra``."""
    data = tmp_path_factory.mktemp("identity-data")
    settings = {
        "CASEDESK_ENV": "test",
        "CASEDESK_DATA_DIR": str(data),
        "CASEDESK_PUBLIC_URL": "http://127.0.0.1:7071",
        # Lower Argon2 cost keeps the suite quick; the defaults are measured in bench/.
        "CASEDESK_ARGON2_MEMORY_KIB": "1024",
        "CASEDESK_ARGON2_ITERATIONS": "1",
        "CASEDESK_LOGIN_MAX_FAILURES": "3",
        "CASEDESK_LOCKOUT_SECONDS": "2",
        **extra,
    }
    with start_devhost(env=settings, extra_args=("--no-timers",)) as url:
        yield Env(url, data, {**os.environ, **settings})


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    with running_env(tmp_path_factory) as started:
        yield started


def code_for(secret_b32: str, offset_steps: int = 0) -> str:
    padded = secret_b32 + "=" * (-len(secret_b32) % 8)
    totp = TOTP(base64.b32decode(padded), 6, SHA1(), 30, enforce_key_length=False)
    return totp.generate(time.time() + 30 * offset_steps).decode()


SPENT_CODES: dict[str, str] = {}
"""The TOTP code each onboarding confirmed, by secret — what a replay test must send again."""


def onboard(env: Env, email: str) -> tuple[ApiClient, str, list[str]]:
    """Walk the two onboarding steps for the newest invitation to ``email``."""
    token = env.last_link_token(email)
    client = env.client("de")
    inspected = client.post("/api/onboarding/inspect", {"token": token})
    assert inspected.status == 200, inspected.body
    assert inspected.json()["step"] == "consent" and inspected.json()["email"] == email
    versions = inspected.json()["versions"]
    # A password before consent is refused, and nothing is stored.
    early = client.post("/api/onboarding/password", {"token": token, "password": STRONG})
    assert early.status == 403 and early.json()["code"] == "consent_required"
    assert client.post("/api/onboarding/consent", {"token": token, **versions}).status == 200
    weak = client.post("/api/onboarding/password", {"token": token, "password": "password1234"})
    assert weak.status == 400 and weak.json()["code"] == "weak_password_common"
    enrolled = client.post("/api/onboarding/password", {"token": token, "password": STRONG})
    assert enrolled.status == 200, enrolled.body
    secret = enrolled.json()["secret"]
    assert enrolled.json()["otpauthUri"].startswith("otpauth://totp/")
    assert enrolled.json()["qrSvg"].startswith("<svg") and "Authenticator-App" in enrolled.json()["qrSvg"]
    wrong = client.post(
        "/api/onboarding/totp",
        {"token": token, "code": "000000" if code_for(secret) != "000000" else "111111"},
    )
    assert wrong.status == 400 and wrong.json()["code"] == "invalid_totp_code"
    code = code_for(secret)
    done = client.post("/api/onboarding/totp", {"token": token, "code": code})
    assert done.status == 200, done.body
    SPENT_CODES[secret] = code
    codes = done.json()["recoveryCodes"]
    assert len(codes) == 10 and client.cookie and client.csrf
    reused = env.client().post("/api/onboarding/inspect", {"token": token})
    assert reused.status == 410 and reused.json()["code"] == "invitation_used"
    return client, secret, codes


def org_with_manager(
    env: Env, name: str, admin_email: str, manager_email: str
) -> tuple[str, ApiClient, ApiClient]:
    """A new organisation (ops CLI) with its onboarded admin and one onboarded case manager."""
    made = env.cli("create-org", "--name", name, "--admin-email", admin_email, "--admin-name", "Admin")
    org_id = re.search(r"organisation ([0-9a-f]{32})", made.stdout).group(1)  # type: ignore[union-attr]
    admin, _, _ = onboard(env, admin_email)
    invite = {"email": manager_email, "name": "Manager", "language": "en", "role": "case_manager"}
    assert admin.post(f"/api/orgs/{org_id}/invitations", invite).status == 201
    manager, _, _ = onboard(env, manager_email)
    return org_id, admin, manager
