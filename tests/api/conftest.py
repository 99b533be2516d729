"""Helpers for the API tests: a dev host with its data directory, the outbox, the ops CLI, TOTP
codes and the onboarding walk.

The API tier runs on both store adapters (issue 13): the module-scoped ``adapters`` fixture is
parametrised over ``embedded`` (SQLite and local blob files, as ``make run``) and ``cosmos``
(``cosmosdb-server`` for the store and Azurite for the blobs, both from npm on loopback, as in
Azure). A module's ``env`` is started once per adapter, so every test of the module runs on both.
Tests that look at what is at rest use :meth:`Env.store`, :meth:`Env.blobs` and
:meth:`Env.at_rest`, never the embedded store's files directly."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from shared.adapters.outbox import OutboxMailer
from shared.clock import SystemClock
from shared.ports import CONTAINERS, BlobStore, Store
from tests.api.client import ApiClient
from tests.fixtures.devhost import start_devhost
from tests.fixtures.processes import run_module

STRONG = "correct horse battery staple 42"


#: The adapter sets the API tier runs on.
ADAPTERS = ("embedded", "cosmos")


@dataclass
class Env:
    url: str
    data: Path
    env: dict[str, str]
    adapter: str = "embedded"
    _opened: dict[str, object] = field(default_factory=dict, repr=False)

    def store(self) -> Store:
        """The dev host's store, opened beside it (for what a test must set up or inspect)."""
        if "store" not in self._opened:
            if self.adapter == "embedded":
                from shared.adapters.sqlite import SqliteStore

                self._opened["store"] = SqliteStore(self.data / "casedesk.sqlite3", SystemClock())
            else:
                from shared.adapters.cosmos import CosmosStore
                from shared.adapters.cosmos_emulator import emulator_client_kwargs

                self._opened["store"] = CosmosStore(
                    self.env["COSMOS_ENDPOINT"],
                    self.env["COSMOS_DATABASE"],
                    self.env["COSMOS_EMULATOR_KEY"],
                    SystemClock(),
                    **emulator_client_kwargs(),
                )
        store: Store = self._opened["store"]  # type: ignore[assignment]
        return store

    def blobs(self) -> BlobStore:
        """The dev host's blob store."""
        if "blobs" not in self._opened:
            if self.adapter == "embedded":
                from shared.adapters.local_blob import LocalBlobStore

                self._opened["blobs"] = LocalBlobStore(self.data / "blobs")
            else:
                from shared.adapters.azure_blob import AzureBlobStore, emulator_credential

                self._opened["blobs"] = AzureBlobStore(
                    self.env["BLOB_ACCOUNT_URL"], self.env["BLOB_CONTAINER"], emulator_credential()
                )
        blobs: BlobStore = self._opened["blobs"]  # type: ignore[assignment]
        return blobs

    def at_rest(self) -> Iterator[tuple[str, bytes]]:
        """Everything the product keeps, as stored: every file of the data directory (store with
        its WAL, blobs, keys, outbox, queues) and, on Cosmos + Azurite, every item of every
        container as the emulator holds it and every blob's bytes."""
        for path in self.data.rglob("*"):
            if path.is_file():
                yield str(path.relative_to(self.data)), path.read_bytes()
        if self.adapter == "cosmos":
            store = self.store()
            for container in CONTAINERS:
                for item in store.scan(container):
                    yield f"{container}/{item['id']}", json.dumps(item, ensure_ascii=False).encode()
            blobs = self.blobs()
            for name in blobs.list():
                yield f"blob:{name}", blobs.get(name)

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


@dataclass(frozen=True)
class AdapterSet:
    """Which adapters a dev host runs on: ``name`` (one of :data:`ADAPTERS`) and its settings."""

    name: str
    settings: Mapping[str, str]


EMBEDDED = AdapterSet("embedded", {})


def adapter_settings(request: pytest.FixtureRequest, adapter: str) -> dict[str, str]:
    """The settings that put a dev host on ``adapter``: nothing for the embedded store; for
    ``cosmos`` a fresh database on the session's ``cosmosdb-server`` and a fresh blob container on
    its Azurite (the emulators keep one process each for the whole run)."""
    if adapter == "embedded":
        return {}
    endpoint, key = request.getfixturevalue("cosmos_endpoint")
    name = uuid.uuid4().hex
    return {
        "CASEDESK_STORE": "cosmos",
        "COSMOS_ENDPOINT": endpoint,
        "COSMOS_DATABASE": f"api-{name}",
        "COSMOS_EMULATOR_KEY": key,
        "COSMOS_EMULATOR": "cosmosdb-server",
        "CASEDESK_BLOBS": "azure",
        "BLOB_ACCOUNT_URL": request.getfixturevalue("azurite_blob_url"),
        "BLOB_CONTAINER": f"api-{name}",
        "BLOB_USE_EMULATOR_KEY": "true",
    }


@pytest.fixture(scope="module", params=ADAPTERS)
def adapters(request: pytest.FixtureRequest) -> AdapterSet:
    """The adapter set of this module's dev host: every API module runs once on each."""
    return AdapterSet(request.param, adapter_settings(request, request.param))


@contextmanager
def running_env(
    tmp_path_factory: pytest.TempPathFactory,
    adapters: AdapterSet = EMBEDDED,
    *,
    log: Path | None = None,
    **extra: str,
) -> Iterator[Env]:
    """A dev host on a fresh data directory (and, with ``adapters``, a fresh Cosmos database and
    blob container), with test settings plus ``extra``; its log goes to ``log`` if given."""
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
        **adapters.settings,
        **extra,
    }
    with start_devhost(env=settings, extra_args=("--no-timers",), log=log) as url:
        _assert_runs_on(url, adapters.name)
        yield Env(url, data, {**os.environ, **settings}, adapters.name)


#: What the readiness check names as the store and blob adapters of each adapter set.
_HEALTH_ADAPTERS = {
    "embedded": ("SqliteStore", "LocalBlobStore"),
    "cosmos": ("CosmosStore", "AzureBlobStore"),
}


def _assert_runs_on(url: str, adapter: str) -> None:
    """The dev host really runs on the adapters the test is named after (a typo in a setting
    would otherwise fall back to the embedded store and prove nothing about Cosmos)."""
    with urllib.request.urlopen(f"{url}/api/health/ready", timeout=60) as answer:
        checks = json.loads(answer.read())["checks"]
    running = (checks["store"]["adapter"], checks["blobs"]["adapter"])
    assert running == _HEALTH_ADAPTERS[adapter], (adapter, checks)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, adapters: AdapterSet) -> Iterator[Env]:
    with running_env(tmp_path_factory, adapters) as started:
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


def new_operator(env: Env, email: str, name: str) -> tuple[ApiClient, str, str]:
    """An operator (ops CLI) with a local password and TOTP (development and test only), signed
    in; returns the client, the TOTP secret and the code the login spent."""
    made = env.cli(
        "create-operator",
        "--tenant-id", "11111111-1111-1111-1111-111111111111",
        "--object-id", str(uuid.uuid4()),
        "--name", name,
        "--email", email,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    user_id = re.search(r"operator ([0-9a-f]{32})", made.stdout).group(1)  # type: ignore[union-attr]
    local = env.cli("support-local-operator", user_id, "--password", STRONG)
    assert local.returncode == 0, local.stderr
    secret = re.search(r"totp secret ([A-Z2-7]+)", local.stdout).group(1)  # type: ignore[union-attr]
    client = env.client()
    step1 = client.post("/api/auth/login", {"email": email, "password": STRONG})
    assert step1.status == 200, step1.body
    code = code_for(secret)
    step2 = client.post(
        "/api/auth/login/second-factor", {"challenge": step1.json()["challenge"], "code": code}
    )
    assert step2.status == 200, step2.body
    # Operators accept the current terms like everyone (their support routes would not need it).
    versions = client.get("/api/auth/session").json()["versions"]
    assert client.post("/api/me/consent", versions).status == 200
    return client, secret, code
