"""Guards around the login and reset flows: a challenge is void once the password changes, and
reset requests are throttled per address whether or not the address has an account."""

from __future__ import annotations

import pytest

from shared import bootstrap
from shared.identity import credentials, demo, login
from shared.identity.login import InvalidCredentials
from shared.identity.throttle import TooManyAttempts
from tests.fakes import ManualClock
from tests.unit.settle import settle


@pytest.fixture
def manager(dev: bootstrap.Ports) -> demo.DemoAccount:
    seeded = demo.seed_demo(dev)
    assert seeded is not None
    return next(a for a in seeded if a.role == "case_manager")


def test_a_password_change_voids_a_pending_login_challenge(
    dev: bootstrap.Ports, manager: demo.DemoAccount
) -> None:
    challenge = login.password_step(dev, manager.email, demo.DEMO_PASSWORD, "client-1")
    assert isinstance(dev.clock, ManualClock)
    dev.clock.advance(seconds=1)
    credentials.change_password(dev, manager.user_id, demo.DEMO_PASSWORD, "a brand new passphrase 99", None)
    with pytest.raises(InvalidCredentials):
        login.second_factor_step(dev, challenge, "client-1", recovery_code=manager.recovery_codes[0])
    # Without a change the same kind of challenge works.
    fresh = login.password_step(dev, manager.email, "a brand new passphrase 99", "client-1")
    assert (
        login.second_factor_step(dev, fresh, "client-1", recovery_code=manager.recovery_codes[1])
        == manager.user_id
    )


@pytest.mark.parametrize("address", ["case.manager@demo.casedesk.invalid", "nobody@example.invalid"])
def test_reset_requests_are_throttled_the_same_for_known_and_unknown_addresses(
    dev: bootstrap.Ports, manager: demo.DemoAccount, address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEDESK_LOGIN_MAX_FAILURES", "3")
    for _ in range(3):
        credentials.request_reset(dev, address, "client-9")
    with pytest.raises(TooManyAttempts):
        credentials.request_reset(dev, address, "client-9")
    settle(dev)  # the reset e-mails are pending effects until the relay and the sender run
    sent = [m for m in dev.mailer.messages(limit=50) if m["tag"] == "password-reset"]  # type: ignore[attr-defined]
    assert len(sent) == (3 if address == manager.email else 0)
