"""The fuzz tier's world: one dev host in test configuration with a fuzz profile for its throttles,
an organisation with an admin and a case manager, and a case with an employee, a doctor and an
employer contact, all onboarded over the API, with a plan stage, a note, a message thread and a
PDF document whose ids the fuzzer puts into paths. The fuzzer signs in as each of them through
:class:`SignIn` (password, then a TOTP code or a recovery code: cookie, CSRF header, ``Origin``).

Why a throttle profile: the fuzzer sends thousands of malformed logins, resets and second
factors from one loopback address. With production limits the per-client throttle would lock
that address after a few of them and every later sign-in (ours too) would answer 429, so a run
would test the lockout page and nothing else. The profile raises the per-client and per-account
limits and shortens the lockout; the 429s that remain possible are in the document."""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.api.client import multipart_form
from tests.api.conftest import STRONG, Env, code_for, onboard
from tests.fixtures.devhost import start_devhost
from tests.fixtures.processes import ROOT

#: Settings of the fuzz profile (see the module docstring), on top of the test configuration.
FUZZ_PROFILE = {
    "CASEDESK_ENV": "test",
    "CASEDESK_ARGON2_MEMORY_KIB": "1024",
    "CASEDESK_ARGON2_ITERATIONS": "1",
    "CASEDESK_CLIENT_MAX_FAILURES": "100000",
    "CASEDESK_LOGIN_MAX_FAILURES": "100000",
    "CASEDESK_LOCKOUT_SECONDS": "1",
    "CASEDESK_MESSAGE_RATE_PER_MINUTE": "100000",
}

PERIOD = 30


@dataclass
class Person:
    """A fuzz account: how it signs in, and the ids the fuzzer may put into paths."""

    role: str
    email: str
    secret: str
    recovery_codes: list[str]
    user_id: str = ""
    last_step: int = 0


@dataclass
class SignIn:
    """The auth hook of one role: password + second factor → session cookie + CSRF token, sent
    with the page's own ``Origin`` as the browser app does. A session the fuzzer ends (logout,
    a password change) is replaced on the next request: with the next TOTP step not yet used,
    else with one of the account's recovery codes."""

    url: str
    person: Person | None
    cookie: str = ""
    csrf: str = ""
    sign_ins: int = field(default=0)

    def headers(self) -> dict[str, str]:
        origin = {"Origin": self.url}
        if self.person is None:
            return origin
        if not self.cookie:
            self._sign_in()
        return {**origin, "Cookie": f"__Host-casedesk-session={self.cookie}", "X-CSRF-Token": self.csrf}

    def forget(self) -> None:
        """The session ended (the fuzzer logged out, or the account's sessions were revoked)."""
        self.cookie = self.csrf = ""

    def still_valid(self) -> bool:
        if not self.cookie:
            return False
        status, _, _ = _call(self.url, "GET", "/api/auth/session", headers=self.headers())
        return status == 200

    def _sign_in(self) -> None:
        person = self.person
        assert person is not None
        status, body, _ = _call(
            self.url,
            "POST",
            "/api/auth/login",
            {"email": person.email, "password": STRONG},
            {"Origin": self.url},
        )
        assert status == 200, f"password step for {person.role}: {status} {body!r}"
        second: dict[str, Any] = {"challenge": json.loads(body)["challenge"]}
        step = int(time.time()) // PERIOD
        fresh = [s for s in (step, step + 1) if s > person.last_step]
        if fresh:
            person.last_step = fresh[0]
            second["code"] = code_for(person.secret, fresh[0] - step)
        else:
            assert person.recovery_codes, f"{person.role}: no TOTP step and no recovery code left"
            second["recoveryCode"] = person.recovery_codes.pop()
        status, body, headers = _call(
            self.url, "POST", "/api/auth/login/second-factor", second, {"Origin": self.url}
        )
        assert status == 200, f"second factor for {person.role}: {status} {body!r}"
        cookie = re.search(r"__Host-casedesk-session=([^;]+)", headers.get("Set-Cookie", ""))
        assert cookie, "no session cookie"
        self.cookie, self.csrf = cookie.group(1), json.loads(body)["csrfToken"]
        self.sign_ins += 1


def _call(
    url: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes, dict[str, str]]:
    data = None if body is None else json.dumps(body).encode()
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    request = urllib.request.Request(url + path, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


@dataclass
class FuzzWorld:
    env: Env
    org_id: str
    case_id: str
    people: dict[str, Person]
    #: Real ids by path parameter name: the fuzzer puts them into paths now and then, so that
    #: requests get past "not found" into the handlers.
    known: dict[str, list[str]]
    auth: dict[str, SignIn]


def _web_files() -> list[str]:
    dist = ROOT / "web" / "dist"
    return sorted(str(f.relative_to(dist)) for f in dist.rglob("*") if f.is_file())[:20]


def _build(env: Env) -> FuzzWorld:
    made = env.cli(
        "create-org", "--name", "Fuzz AG", "--admin-email", "admin@fuzz.invalid", "--admin-name", "Admin"
    )
    org_id = re.search(r"organisation ([0-9a-f]{32})", made.stdout).group(1)  # type: ignore[union-attr]
    clients: dict[str, Any] = {}
    people: dict[str, Person] = {}

    def enrol(role: str, email: str) -> None:
        client, secret, codes = onboard(env, email)
        step = int(time.time()) // PERIOD
        user_id = client.get("/api/auth/session").json()["userId"]
        # Onboarding used the current step (or the one before): sign-ins start after it.
        people[role] = Person(role, email, secret, list(codes), user_id, last_step=step)
        clients[role] = client

    enrol("org_admin", "admin@fuzz.invalid")
    invite = {"email": "manager@fuzz.invalid", "name": "Manager", "language": "en", "role": "case_manager"}
    assert clients["org_admin"].post(f"/api/orgs/{org_id}/invitations", invite).status == 201
    enrol("case_manager", "manager@fuzz.invalid")
    manager = clients["case_manager"]
    employee = {"employee": {"email": "employee@fuzz.invalid", "name": "Emil Employee", "language": "de"}}
    created = manager.post(f"/api/orgs/{org_id}/cases", employee)
    assert created.status == 201, created.body
    case_id: str = created.json()["caseId"]
    stage = {"fromDate": "2026-12-01", "workloadPercent": 40, "tasks": "Mornings", "nextReview": None}
    assert manager.post(f"/api/cases/{case_id}/plan/stages", stage).status == 201
    enrol("employee", "employee@fuzz.invalid")
    for role, email in (("doctor", "doctor@fuzz.invalid"), ("employer", "employer@fuzz.invalid")):
        body = {"email": email, "name": role.title(), "language": "en", "role": role}
        assert manager.post(f"/api/cases/{case_id}/participants", body).status == 201
        enrol(role, email)
    note = manager.post(f"/api/cases/{case_id}/notes", {"title": "Call", "body": "Spoke on the phone"})
    assert note.status == 201, note.body
    thread = manager.post(
        f"/api/cases/{case_id}/threads",
        {"memberIds": [people["employee"].user_id], "subject": "Start", "text": "Welcome"},
    )
    assert thread.status == 201, thread.body
    pdf = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    form, form_type = multipart_form(("report.pdf", "application/pdf", pdf), title="Report", category="other")
    document = manager.post(f"/api/cases/{case_id}/documents", form, headers={"Content-Type": form_type})
    assert document.status == 201, document.body
    known = {
        "orgId": [org_id],
        "caseId": [case_id],
        "userId": [p.user_id for p in people.values()],
        "noteId": [note.json()["id"]],
        "threadId": [thread.json()["id"]],
        "docId": [document.json()["id"]],
        "version": ["1"],
        "date": [time.strftime("%Y-%m-%d")],
        "kind": ["terms", "privacy"],
        # The web app's files (the catch-all route serves them and its shell).
        "path": ["cases", "index.html", *_web_files()],
    }
    auth = {role: SignIn(env.url, person) for role, person in people.items()}
    auth["anonymous"] = SignIn(env.url, None)
    return FuzzWorld(env, org_id, case_id, people, known, auth)


@pytest.fixture(scope="session")
def fuzz_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzWorld]:
    data = tmp_path_factory.mktemp("fuzz-data")
    settings = {
        **FUZZ_PROFILE,
        "CASEDESK_DATA_DIR": str(data),
        "CASEDESK_PUBLIC_URL": "http://127.0.0.1:7071",
    }
    log = tmp_path_factory.mktemp("fuzz-devhost") / "devhost.log"
    with start_devhost(env=settings, extra_args=("--no-timers",), log=log) as url:
        env = Env(url, data, {**os.environ, **settings})
        yield _build(env)
