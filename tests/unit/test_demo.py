"""Demo data (shared/identity/demo.py): seeded only in development and only into an empty store,
and every seeded account signs in through the real login steps."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from shared import bootstrap
from shared.config import Environment
from shared.errors import ConfigurationError
from shared.identity import accounts, demo, legal, login, onboarding, orgs, passwords
from shared.identity.login import InvalidSecondFactor
from shared.ports import Ports
from tests.fakes import ManualClock
from tests.unit.conftest import wire


@pytest.fixture
def seeded(dev: Ports) -> list[demo.DemoAccount]:
    accounts_ = demo.seed_demo(dev)
    assert accounts_ is not None
    return accounts_


def code_now(ports: Ports, user_id: str, offset_steps: int = 0) -> str:
    """The current code, computed independently of the helper under test."""
    creds = accounts.credentials(ports.store, user_id)
    assert creds is not None
    secret = onboarding.totp_secret(ports, user_id, creds)
    moment = ports.clock.now().timestamp() + 30 * offset_steps
    return TOTP(secret, 6, SHA1(), 30).generate(moment).decode()


def test_seeds_one_org_and_five_active_demo_accounts(dev: Ports, seeded: list[demo.DemoAccount]) -> None:
    assert [a.role for a in seeded] == ["org_admin", "case_manager", "employee", "employer", "doctor"]
    assert [a.email for a in seeded] == [
        "admin@demo.casedesk.invalid",
        "case.manager@demo.casedesk.invalid",
        "employee@demo.casedesk.invalid",
        "employer@demo.casedesk.invalid",
        "doctor@demo.casedesk.invalid",
    ]
    assert {a.language for a in seeded} == {"en", "de"}
    organisations = list(dev.store.scan("orgs", equals={"id": "org"}))
    assert [o["name"] for o in organisations] == ["Demo Reintegration AG"]
    org_id = organisations[0]["orgId"]
    staff = {m["userId"]: m["roles"] for m in orgs.members(dev.store, org_id)}
    assert staff == {seeded[0].user_id: ["org_admin"], seeded[1].user_id: ["case_manager"]}
    assert {p["role"] for p in organisations[0]["demoParticipants"]} == {"employee", "employer", "doctor"}
    for account in seeded:
        profile = accounts.profile(dev.store, account.user_id)
        assert profile["status"] == "active" and profile["demo"] is True
        assert onboarding.consent_is_current(profile)
        assert profile["consent"]["terms"] == legal.current_versions()["terms"]
        creds = accounts.credentials(dev.store, account.user_id)
        assert creds is not None and creds["totpConfirmed"] is True
        assert len(creds["recoveryCodes"]) == len(account.recovery_codes) == 10
        assert "totpSecret" not in creds and demo.DEMO_PASSWORD not in str(creds)


def test_the_demo_password_is_long_and_passes_the_policy() -> None:
    assert len(demo.DEMO_PASSWORD) >= 16
    passwords.check_password_policy(demo.DEMO_PASSWORD)


def test_seeding_twice_seeds_once(dev: Ports, seeded: list[demo.DemoAccount]) -> None:
    before = sorted(i["id"] + i["orgId"] for i in dev.store.scan("orgs"))
    assert demo.seed_demo(dev) is None
    assert sorted(i["id"] + i["orgId"] for i in dev.store.scan("orgs")) == before
    assert len(list(dev.store.scan("users", equals={"id": "profile"}))) == 5


def test_a_store_with_any_organisation_is_left_alone(dev: Ports) -> None:
    orgs.create_org(dev.store, dev.clock, "Real Customer AG")
    assert demo.seed_demo(dev) is None
    assert not list(dev.store.scan("users"))
    assert demo.current_codes(dev) == []


@pytest.mark.parametrize("environment", [Environment.TEST, Environment.PRODUCTION])
def test_refuses_outside_development(tmp_path: Path, environment: Environment) -> None:
    ports = wire(tmp_path, environment)
    try:
        with pytest.raises(ConfigurationError, match="only in development"):
            demo.seed_demo(ports)
        with pytest.raises(ConfigurationError):
            demo.current_codes(ports)
        assert not list(ports.store.scan("orgs")) and not list(ports.store.scan("users"))
    finally:
        bootstrap.reset()


def test_every_account_logs_in_with_password_and_totp(dev: Ports, seeded: list[demo.DemoAccount]) -> None:
    for account in seeded:
        challenge = login.password_step(dev, account.email, demo.DEMO_PASSWORD, "client-1")
        user_id = login.second_factor_step(dev, challenge, "client-1", code=code_now(dev, account.user_id))
        assert user_id == account.user_id


def test_recovery_codes_work_once(dev: Ports, seeded: list[demo.DemoAccount]) -> None:
    doctor = seeded[-1]
    challenge = login.password_step(dev, doctor.email, demo.DEMO_PASSWORD, "client-1")
    used = doctor.recovery_codes[3]
    assert login.second_factor_step(dev, challenge, "client-1", recovery_code=used) == doctor.user_id
    again = login.password_step(dev, doctor.email, demo.DEMO_PASSWORD, "client-1")
    with pytest.raises(InvalidSecondFactor):
        login.second_factor_step(dev, again, "client-1", recovery_code=used)
    other = doctor.recovery_codes[4].upper()  # copied in capitals still counts
    assert login.second_factor_step(dev, again, "client-1", recovery_code=other) == doctor.user_id


def test_current_codes_are_the_codes_login_accepts(dev: Ports, seeded: list[demo.DemoAccount]) -> None:
    codes = demo.current_codes(dev)
    assert [(c.email, c.role) for c in codes] == [(a.email, a.role) for a in seeded]
    for account, shown in zip(seeded, codes, strict=True):
        assert shown.code == code_now(dev, account.user_id)
        assert 1 <= shown.seconds_left <= 30
    manager = seeded[1]
    challenge = login.password_step(dev, manager.email, demo.DEMO_PASSWORD, "client-1")
    assert login.second_factor_step(dev, challenge, "client-1", code=codes[1].code) == manager.user_id


def test_seconds_left_counts_down_to_the_next_step(dev: Ports, seeded: list[demo.DemoAccount]) -> None:
    clock = dev.clock
    assert isinstance(clock, ManualClock)
    now = clock.now()  # move to the exact start of a step (integer arithmetic: no float drift)
    clock.advance(seconds=30 - int(now.timestamp()) % 30, microseconds=-now.microsecond)
    first = demo.current_codes(dev)[0]
    assert first.seconds_left == 30
    clock.advance(seconds=29.5)
    assert demo.current_codes(dev)[0].seconds_left == 1
    assert demo.current_codes(dev)[0].code == first.code
    clock.advance(seconds=1)
    assert demo.current_codes(dev)[0].seconds_left == 30


def test_accounts_without_the_demo_mark_never_get_codes(dev: Ports, seeded: list[demo.DemoAccount]) -> None:
    org_id = next(dev.store.scan("orgs", equals={"id": "org"}))["orgId"]
    # A real person who joined the demo organisation (e.g. through the invitation flow).
    real = accounts.create_invited_user(
        dev.store, dev.clock, email="someone@example.invalid", name="Someone", language="en"
    )
    orgs.add_member(dev.store, dev.clock, org_id, real, ["case_manager"])
    # And a demo account whose mark was removed.
    employer = seeded[3]
    profile = accounts.profile(dev.store, employer.user_id)
    accounts.update_profile(dev.store, employer.user_id, {"demo": False}, if_match=profile["_etag"])
    emails = [c.email for c in demo.current_codes(dev)]
    assert "someone@example.invalid" not in emails and employer.email not in emails
    assert len(emails) == 4
