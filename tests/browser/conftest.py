"""The browser tier: a dev host on a free loopback port with its own data directory, a small
world of people and cases made through the API (reusing the API tier's helpers), and a runner
for the journeys in ``web/e2e/``, which drive headless Debian Chromium through playwright-core.

Chromium comes from the Debian package (``.ci/run`` installs it). Without it the tier fails in CI
(``CI=true``) and is skipped, loudly, elsewhere. Screenshots go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.api.conftest import STRONG, Env, new_operator, onboard
from tests.fixtures.devhost import start_devhost
from tests.fixtures.entra_fake import CUSTOMER_TENANT, OPERATOR_ROLE, PLATFORM_TENANT, EntraFake, Identity
from tests.fixtures.entra_fake import running as entra_authority
from tests.fixtures.processes import ROOT

WEB = ROOT / "web"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
#: Small enough that the journeys can show the size rejection with a small file.
UPLOAD_LIMIT = 1_500_000


def chromium() -> str:
    """The Chromium binary, or a failure in CI and a loud skip elsewhere."""
    found = (
        os.environ.get("CASEDESK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if found:
        return found
    message = (
        "Debian's chromium is not installed, so the BROWSER TESTS DID NOT RUN. "
        "Install it with `apt-get install chromium` (.ci/run does this) or set CASEDESK_CHROMIUM."
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    print(f"\n{'!' * 20}\n{message}\n{'!' * 20}", file=sys.stderr)
    pytest.skip(message)


def _require_build() -> None:
    if not (WEB / "node_modules" / "playwright-core").is_dir():
        pytest.fail("web/node_modules is missing: run `make setup` (make test does this)")
    if not (WEB / "dist" / "index.html").is_file():
        pytest.fail("web/dist is missing: run `make web` (make test does this)")


@dataclass
class Person:
    email: str
    name: str
    secret: str = ""

    def as_json(self) -> dict[str, str]:
        return {"email": self.email, "name": self.name, "password": STRONG, "secret": self.secret}


@dataclass
class World:
    env: Env
    chromium: str
    file: Path

    def run(self, journey: str, timeout: float = 150) -> str:
        """Run ``web/e2e/<journey>.mjs``; fail with its whole output unless it exits with 0."""
        environment = {
            **os.environ,
            "CASEDESK_WORLD": str(self.file),
            "CASEDESK_ARTIFACTS": str(ARTIFACTS),
            "CASEDESK_CHROMIUM": self.chromium,
        }
        done = subprocess.run(
            ["node", str(WEB / "e2e" / f"{journey}.mjs")],
            cwd=WEB,
            env=environment,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        output = done.stdout + done.stderr
        print(output)  # the steps and their timings, shown with -s or -rA
        if done.returncode != 0:
            pytest.fail(f"journey {journey} failed (exit {done.returncode}):\n{output}", pytrace=False)
        return output


def _step_now() -> int:
    return int(time.time() // 30)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Organisation "Browser AG": an admin and a case manager (onboarded over the API); case one
    for Emma, whose invitation the browser takes up; case two for Erik with Dr. Dora and Elsa, the
    employer contact, all onboarded over the API, so the browser signs them in."""
    browser = chromium()
    _require_build()
    data = tmp_path_factory.mktemp("browser-data")
    settings = {
        "CASEDESK_ENV": "test",
        "CASEDESK_DATA_DIR": str(data),
        "CASEDESK_ARGON2_MEMORY_KIB": "1024",
        "CASEDESK_ARGON2_ITERATIONS": "1",
        "CASEDESK_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT),
    }
    log = tmp_path_factory.mktemp("browser-devhost") / "devhost.log"
    # "Sign in with Microsoft" goes to a fake Entra authority on loopback HTTPS (issue 21); the
    # redirect URI must name this dev host, so its public URL is its own origin.
    with entra_authority(tmp_path_factory.mktemp("browser-entra")) as authority:
        entra = {**authority.settings(), "CASEDESK_PUBLIC_URL": "http://127.0.0.1:{devhost_port}"}
        with start_devhost(env={**settings, **entra}, extra_args=("--no-timers",), log=log) as url:
            env = Env(url, data, {**os.environ, **settings})
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            file = tmp_path_factory.mktemp("browser-world") / "world.json"
            populated = _populate(env)
            populated["entra"] = _entra(env, authority)
            file.write_text(json.dumps(populated), encoding="utf-8")
            yield World(env, browser, file)


def _entra(env: Env, authority: EntraFake) -> dict[str, object]:
    """The Microsoft accounts the fake authority's sign-in page offers (web/e2e/entra.mjs): the
    admin and the case manager of Browser AG in the customer's tenant (the manager a second time
    without MFA: the same object id), and an operator of the platform (made by the ops CLI)."""
    names = {
        "admin": "Ada Admin (Microsoft)",
        "manager": "Carla Case (Microsoft)",
        "managerNoMfa": "Carla Case (Microsoft, no MFA)",
        "operator": "Otto Operator (Microsoft)",
    }
    authority.add(Identity("admin", CUSTOMER_TENANT, names["admin"], "ada.admin@browser.invalid"))
    carla = authority.add(
        Identity("manager", CUSTOMER_TENANT, names["manager"], "carla.case@browser.invalid")
    )
    authority.add(
        Identity("manager-no-mfa", CUSTOMER_TENANT, names["managerNoMfa"], carla.email, object_id=carla.object_id,
                 mfa=False)
    )  # fmt: skip
    otto = authority.add(
        Identity(
            "operator", PLATFORM_TENANT, names["operator"], "otto@platform.invalid", roles=[OPERATOR_ROLE]
        )
    )
    made = env.cli("create-operator", "--tenant-id", otto.tenant_id, "--object-id", otto.object_id,
                   "--name", "Otto Operator", "--email", otto.email)  # fmt: skip
    assert made.returncode == 0, made.stderr
    return {"customerTenant": CUSTOMER_TENANT, "names": names}


def _populate(env: Env) -> dict[str, object]:
    admin = Person("ada.admin@browser.invalid", "Ada Admin")
    manager = Person("carla.case@browser.invalid", "Carla Case")
    emma = Person("emma.employee@browser.invalid", "Emma Example")
    erik = Person("erik.employee@browser.invalid", "Erik Beispiel")
    dora = Person("dora.doctor@browser.invalid", "Dr. Dora Doctor")
    elsa = Person("elsa.employer@browser.invalid", "Elsa Employer")
    # Staff with "access all cases", in no case: break-glass (issue 23, web/e2e/breakglass.mjs).
    sven = Person("sven.staff@browser.invalid", "Sven Staff")
    made = env.cli(
        "create-org", "--name", "Browser AG", "--admin-email", admin.email, "--admin-name", admin.name
    )
    org_id = re.search(r"organisation ([0-9a-f]{32})", made.stdout).group(1)  # type: ignore[union-attr]
    admin_api, admin.secret, _ = onboard(env, admin.email)
    invite = {"email": manager.email, "name": manager.name, "language": "en", "role": "case_manager"}
    assert admin_api.post(f"/api/orgs/{org_id}/invitations", invite).status == 201
    manager_api, manager.secret, _ = onboard(env, manager.email)
    staff_invite = {"email": sven.email, "name": sven.name, "language": "en", "role": "case_manager"}
    assert admin_api.post(f"/api/orgs/{org_id}/invitations", staff_invite).status == 201
    sven_api, sven.secret, _ = onboard(env, sven.email)
    sven_id = sven_api.get("/api/auth/session").json()["userId"]
    listed = admin_api.get(f"/api/orgs/{org_id}/staff?limit=200").json()["members"]
    etag = next(m["etag"] for m in listed if m["userId"] == sven_id)
    flagged = admin_api.request(
        "PATCH",
        f"/api/orgs/{org_id}/staff/{sven_id}",
        {"roles": ["case_manager"], "accessAllCases": True},
        headers={"If-Match": etag},
    )
    assert flagged.status == 200, flagged.body

    def open_case(person: Person, language: str) -> str:
        body = {"employee": {"email": person.email, "name": person.name, "language": language}}
        created = manager_api.post(f"/api/orgs/{org_id}/cases", body)
        assert created.status == 201, created.body
        case_id: str = created.json()["caseId"]
        stage = {
            "fromDate": "2026-12-01",
            "workloadPercent": 40,
            "tasks": "Mornings only",
            "nextReview": None,
        }
        assert manager_api.post(f"/api/cases/{case_id}/plan/stages", stage).status == 201
        return case_id

    first = open_case(emma, "en")
    second = open_case(erik, "de")
    # A stage that began three weeks ago: the dashboard's plan timeline has something to show.
    earlier = {
        "fromDate": (date.today() - timedelta(days=21)).isoformat(),
        "workloadPercent": 20,
        "tasks": "Two hours a day",
        "nextReview": None,
    }
    assert manager_api.post(f"/api/cases/{second}/plan/stages", earlier).status == 201
    _, erik.secret, _ = onboard(env, erik.email)
    doctor = {"email": dora.email, "name": dora.name, "language": "de", "role": "doctor"}
    assert manager_api.post(f"/api/cases/{second}/participants", doctor).status == 201
    _, dora.secret, _ = onboard(env, dora.email)
    # The employer contact of Erik's case: sharing health data with her shows a warning first.
    employer = {"email": elsa.email, "name": elsa.name, "language": "de", "role": "employer"}
    assert manager_api.post(f"/api/cases/{second}/participants", employer).status == 201
    _, elsa.secret, _ = onboard(env, elsa.email)
    # Nina takes up her invitation in the browser and changes her second factor (web/e2e/account.mjs):
    # an organisation of her own, so no other journey sees her or depends on her authenticator.
    nina = Person("nina.neu@browser.invalid", "Nina Neu")
    made_nina = env.cli(
        "create-org", "--name", "Konto AG", "--admin-email", nina.email, "--admin-name", nina.name
    )
    assert made_nina.returncode == 0, made_nina.stderr
    # Olaf, a support operator with a local authenticator (issue 22, web/e2e/support.mjs).
    olaf = Person("olaf.operator@browser.invalid", "Olaf Operator")
    _, olaf.secret, _ = new_operator(env, olaf.email, olaf.name)
    onboarded = _step_now()  # no sign-in below may reuse a code of this step or an earlier one
    people = {"admin": admin, "manager": manager, "emma": emma, "erik": erik, "dora": dora, "elsa": elsa,
              "sven": sven, "nina": nina, "olaf": olaf}  # fmt: skip
    return {
        "baseUrl": env.url,
        "orgId": org_id,
        "cases": {"emma": first, "erik": second},
        "invitations": {"emma": env.last_link_token(emma.email), "nina": env.last_link_token(nina.email)},
        "people": {key: person.as_json() for key, person in people.items()},
        "lastSteps": {p.email: onboarded for p in (admin, manager, erik, dora, sven, olaf)},
        "uploadLimit": UPLOAD_LIMIT,
        "outbox": str(env.data / "outbox"),
    }
