"""The development extras over real HTTP and a real CLI process (ARCHITECTURE §7): ``seed-demo``
fills an empty store, ``GET /api/dev/totp`` shows the demo accounts' codes, and a demo account
signs in with them. In test configuration neither the route nor the command works."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from shared.identity.demo import DEMO_PASSWORD
from tests.api.client import ApiClient
from tests.fixtures.devhost import start_devhost
from tests.fixtures.processes import run_module

#: Lower Argon2 cost keeps the suite quick; the defaults are measured in bench/.
FAST_HASHING = {"CASEDESK_ARGON2_MEMORY_KIB": "1024", "CASEDESK_ARGON2_ITERATIONS": "1"}


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_module("shared.cli", *args, env=env)


@dataclass
class Dev:
    url: str
    env: dict[str, str]
    seeded: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:
    """Seeded by the CLI first, then served, as ``make run`` does."""
    settings = {
        "CASEDESK_ENV": "development",
        "CASEDESK_DATA_DIR": str(tmp_path_factory.mktemp("dev-data")),
        "CASEDESK_PUBLIC_URL": "http://127.0.0.1:7071",
        **FAST_HASHING,
    }
    seeded = cli(settings, "seed-demo")
    with start_devhost(env=settings, extra_args=("--no-timers",)) as url:
        yield Dev(url, settings, seeded)


def test_seed_demo_prints_how_to_sign_in(dev: Dev) -> None:
    assert dev.seeded.returncode == 0, dev.seeded.stderr
    out = dev.seeded.stdout
    assert "Demo Reintegration AG" in out
    for role, email in [
        ("org_admin", "admin@demo.casedesk.invalid"),
        ("case_manager", "case.manager@demo.casedesk.invalid"),
        ("employee", "employee@demo.casedesk.invalid"),
        ("employer", "employer@demo.casedesk.invalid"),
        ("doctor", "doctor@demo.casedesk.invalid"),
    ]:
        assert any(role in line and email in line for line in out.splitlines()), (role, out)
    assert DEMO_PASSWORD in out
    assert "http://127.0.0.1:7071/api/dev/totp" in out


def test_seed_demo_again_leaves_the_store_alone(dev: Dev) -> None:
    again = cli(dev.env, "seed-demo")
    assert again.returncode == 0, again.stderr
    assert len(again.stdout.strip().splitlines()) == 1 and "already" in again.stdout
    assert DEMO_PASSWORD not in again.stdout


def test_make_run_banner_lists_the_accounts_again_on_a_seeded_store(dev: Dev) -> None:
    # `make run` prints this last, once the dev host serves (issue 25): on every start, not only the first.
    banner = cli(dev.env, "seed-demo", "--banner")
    assert banner.returncode == 0, banner.stderr
    assert "admin@demo.casedesk.invalid" in banner.stdout and DEMO_PASSWORD in banner.stdout
    assert "http://127.0.0.1:7071/api/dev/totp" in banner.stdout


def test_the_totp_helper_lets_the_case_manager_sign_in(dev: Dev) -> None:
    shown = ApiClient(dev.url).get("/api/dev/totp")
    assert shown.status == 200, shown.body
    rows = shown.json()["accounts"]
    assert len(rows) == 5
    assert all(set(row) == {"email", "role", "code", "secondsLeft"} for row in rows)
    assert all(len(row["code"]) == 6 and row["code"].isdigit() for row in rows)
    manager = next(row for row in rows if row["role"] == "case_manager")
    assert manager["email"] == "case.manager@demo.casedesk.invalid"

    client = ApiClient(dev.url)
    step1 = client.post("/api/auth/login", {"email": manager["email"], "password": DEMO_PASSWORD})
    assert step1.status == 200, step1.body
    step2 = client.post(
        "/api/auth/login/second-factor", {"challenge": step1.json()["challenge"], "code": manager["code"]}
    )
    assert step2.status == 200, step2.body
    session = client.get("/api/auth/session")
    assert session.status == 200 and session.json()["consentRequired"] is False


def test_in_test_configuration_there_is_no_helper_and_no_seeding(
    devhost_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    missing = ApiClient(devhost_url).get("/api/dev/totp")
    assert missing.status == 404 and missing.json()["code"] == "not_found"
    data = tmp_path_factory.mktemp("test-data")
    refused = cli({"CASEDESK_ENV": "test", "CASEDESK_DATA_DIR": str(data)}, "seed-demo")
    assert refused.returncode == 1
    assert "configuration_error" in refused.stderr and "only in development" in refused.stderr
    assert not any(data.iterdir()), "the refused command must not even create the store"
