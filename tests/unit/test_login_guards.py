"""Guards around the login and reset flows: a challenge is void once the password changes,
reset requests are throttled per address whether or not the address has an account, an attempt
past the limit checks no password, and signing in never counts against the client."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from shared import bootstrap
from shared.adapters.local_blob import LocalBlobStore
from shared.adapters.local_keys import LocalKeyFile
from shared.adapters.memory import MemoryStore
from shared.adapters.outbox import OutboxMailer
from shared.adapters.sqlite import SqliteStore
from shared.config import Environment
from shared.identity import credentials, demo, login, passwords
from shared.identity.login import InvalidCredentials
from shared.identity.throttle import TooManyAttempts
from shared.ports import Ports
from tests.fakes import CountingStore, ManualClock
from tests.unit.settle import settle


@pytest.fixture
def manager(dev: Ports) -> demo.DemoAccount:
    seeded = demo.seed_demo(dev)
    assert seeded is not None
    return next(a for a in seeded if a.role == "case_manager")


def test_a_password_change_voids_a_pending_login_challenge(dev: Ports, manager: demo.DemoAccount) -> None:
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
    dev: Ports, manager: demo.DemoAccount, address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEDESK_LOGIN_MAX_FAILURES", "3")
    for _ in range(3):
        credentials.request_reset(dev, address, "client-9")
    with pytest.raises(TooManyAttempts):
        credentials.request_reset(dev, address, "client-9")
    settle(dev)  # the reset e-mails are pending effects until the relay and the sender run
    sent = [m for m in dev.mailer.messages(limit=50) if m["tag"] == "password-reset"]  # type: ignore[attr-defined]
    assert len(sent) == (3 if address == manager.email else 0)


@pytest.mark.parametrize("adapter", ["memory", "sqlite"])
def test_a_reset_request_does_the_same_work_for_known_and_unknown_addresses(
    tmp_path: Path, adapter: str
) -> None:
    """Timing cannot tell accounts apart when the work is the same: the same store calls in the
    same order and no mailer call on either path (the relay decides later, off the request)."""
    clock = ManualClock()
    inner = MemoryStore(clock) if adapter == "memory" else SqliteStore(tmp_path / "s.sqlite3", clock)
    store = CountingStore(inner)
    mailer = OutboxMailer(tmp_path / "outbox")
    ports = bootstrap.use(
        store=store,
        blobs=LocalBlobStore(tmp_path / "blobs"),
        key_ring=LocalKeyFile(tmp_path / "keys" / "kek.json"),
        mailer=mailer,
        clock=clock,
        environment=Environment.DEVELOPMENT,
    )
    try:
        seeded = demo.seed_demo(ports) or []
        known = next(a for a in seeded if a.role == "case_manager").email
        calls = {}
        for address in (known, "nobody@example.invalid"):
            store.reset()
            credentials.request_reset(ports, address, f"client-{len(calls)}")  # a fresh client each
            calls[address] = list(store.calls)
        assert calls[known] == calls["nobody@example.invalid"]
        assert ("create", "directory") in calls[known]  # the pending request: the one write
        assert mailer.messages() == []
        settle(ports)
        assert [m["to"] for m in mailer.messages() if m["tag"] == "password-reset"] == [known]
    finally:
        bootstrap.reset()


class CountingCheck:
    """The real password check, counted: how a test sees how many passwords were checked."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, password: str, encoded: str) -> bool:
        with self._lock:
            self.calls += 1
        return passwords.verify_password(password, encoded)


def test_past_the_limit_no_password_is_checked_at_all(
    dev: Ports, manager: demo.DemoAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEDESK_LOGIN_MAX_FAILURES", "3")
    check = CountingCheck()
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            login.password_step(dev, manager.email, "not the password 123", "client-1", verify_password=check)
    with pytest.raises(TooManyAttempts):
        login.password_step(dev, manager.email, demo.DEMO_PASSWORD, "client-2", verify_password=check)
    assert check.calls == 3  # the refused attempt never reached Argon2


def test_signing_in_never_counts_against_the_client(
    dev: Ports, manager: demo.DemoAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attempts are counted before the check, and handed back when right: an office whose
    people sign in from one address does not lock itself out."""
    monkeypatch.setenv("CASEDESK_LOGIN_MAX_FAILURES", "2")
    monkeypatch.setenv("CASEDESK_CLIENT_MAX_FAILURES", "2")
    for code in manager.recovery_codes[:3]:
        challenge = login.password_step(dev, manager.email, demo.DEMO_PASSWORD, "office")
        assert login.second_factor_step(dev, challenge, "office", recovery_code=code) == manager.user_id
    with pytest.raises(InvalidCredentials):
        login.password_step(dev, manager.email, "not the password 123", "office")
    login.password_step(dev, manager.email, demo.DEMO_PASSWORD, "office")  # one failure: not locked
