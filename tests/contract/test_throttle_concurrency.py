"""Login throttling under concurrency, on every store adapter (issue 14, item 6).

A probe sent 20 wrong passwords at once and got 9–11 of them checked against a limit of 5: the
lock was checked before the failure was counted. Now an attempt is counted first and refused,
unchecked, when it is past the limit. Each test fires 20 threads at once and counts the checks
that really ran — through a wrapper passed in, never by patching — for every throttled step:
the password, the second factor, completing a reset, and asking for one.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from shared import bootstrap
from shared.adapters.local_blob import LocalBlobStore
from shared.adapters.local_keys import LocalKeyFile
from shared.adapters.outbox import OutboxMailer
from shared.config import Environment
from shared.identity import credentials, demo, login, passwords
from shared.identity.throttle import LoginThrottle, TooManyAttempts
from shared.ports import Item, Ports, Store
from tests.fakes import ManualClock
from tests.unit.settle import settle

LIMIT, THREADS = 5, 20
CLIENT = "203.0.113.7"
WRONG_PASSWORD = "not the password 123"
WRONG_CODE = "aaaa-bbbb-cccc"


@pytest.fixture
def ports(
    store: Store, clock: ManualClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Ports]:
    monkeypatch.setenv("CASEDESK_LOGIN_MAX_FAILURES", str(LIMIT))
    monkeypatch.setenv("CASEDESK_CLIENT_MAX_FAILURES", "100")  # the account is the limit here
    store.check()  # open SQLite (WAL) before the threads do
    yield bootstrap.use(
        store=PausingStore(store),  # type: ignore[arg-type]  # a Store in all but name
        blobs=LocalBlobStore(tmp_path / "blobs"),
        key_ring=LocalKeyFile(tmp_path / "keys" / "kek.json"),
        mailer=OutboxMailer(tmp_path / "outbox"),
        clock=clock,
        environment=Environment.DEVELOPMENT,
    )
    bootstrap.reset()


@pytest.fixture
def manager(ports: Ports) -> demo.DemoAccount:
    seeded = demo.seed_demo(ports)
    assert seeded is not None
    return next(a for a in seeded if a.role == "case_manager")


class Counted:
    """Wraps a check and counts the calls that reach it, from any thread. Each call takes a
    moment first, as Argon2 does, so that the attempts overlap for certain."""

    def __init__(self, check: Callable[..., Any]) -> None:
        self.calls = 0
        self._check = check
        self._lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.calls += 1
        time.sleep(0.01)
        return self._check(*args, **kwargs)


class PausingStore:
    """The store, pausing after every read so that concurrent requests overlap for certain, and
    counting reads of credentials items: a second-factor check reads them first, so for a reset
    completion (no check to pass in) they count the checks that ran."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.credential_reads = 0
        self._lock = threading.Lock()

    def read(self, container: str, partition: str, id: str) -> Item:
        if (container, id) == ("users", "credentials"):
            with self._lock:
                self.credential_reads += 1
        item = self._store.read(container, partition, id)
        time.sleep(0.002)
        return item

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def at_once(attempt: Callable[[], object]) -> list[BaseException]:
    """Run ``attempt`` in THREADS threads released together; returns what each raised."""
    barrier = threading.Barrier(THREADS)
    raised: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        try:
            attempt()
        except BaseException as exc:  # every outcome is collected and asserted
            with lock:
                raised.append(exc)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return raised


def outcomes(raised: list[BaseException]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for exc in raised:
        counts[type(exc).__name__] = counts.get(type(exc).__name__, 0) + 1
    return counts


def test_concurrent_attempts_pass_the_throttle_at_most_limit_times(store: Store, clock: ManualClock) -> None:
    throttle = LoginThrottle(
        store,
        clock,
        max_account_failures=LIMIT,
        max_client_failures=100,
        window_seconds=900,
        lockout_seconds=900,
    )
    store.check()
    let_through = Counted(lambda: None)

    def guess() -> None:
        attempt = throttle.attempt("alice@example.ch", CLIENT)
        let_through()
        attempt.failed()

    raised = at_once(guess)
    assert let_through.calls == LIMIT
    assert outcomes(raised) == {"TooManyAttempts": THREADS - LIMIT}
    with pytest.raises(TooManyAttempts):
        throttle.check("alice@example.ch", CLIENT)


def test_concurrent_wrong_passwords_check_at_most_limit(ports: Ports, manager: demo.DemoAccount) -> None:
    check = Counted(passwords.verify_password)
    raised = at_once(
        lambda: login.password_step(ports, manager.email, WRONG_PASSWORD, CLIENT, verify_password=check)
    )
    assert check.calls == LIMIT
    assert outcomes(raised) == {"InvalidCredentials": LIMIT, "TooManyAttempts": THREADS - LIMIT}
    with pytest.raises(TooManyAttempts):  # locked afterwards, even for the right password
        login.password_step(ports, manager.email, demo.DEMO_PASSWORD, "198.51.100.1", verify_password=check)
    assert check.calls == LIMIT


def test_concurrent_wrong_second_factors_check_at_most_limit(ports: Ports, manager: demo.DemoAccount) -> None:
    challenge = login.password_step(ports, manager.email, demo.DEMO_PASSWORD, CLIENT)
    check = Counted(login.verify_second_factor)
    raised = at_once(
        lambda: login.second_factor_step(ports, challenge, CLIENT, recovery_code=WRONG_CODE, verify=check)
    )
    assert check.calls == LIMIT
    assert outcomes(raised) == {"InvalidSecondFactor": LIMIT, "TooManyAttempts": THREADS - LIMIT}
    with pytest.raises(TooManyAttempts):
        login.second_factor_step(
            ports, challenge, CLIENT, recovery_code=manager.recovery_codes[0], verify=check
        )
    assert check.calls == LIMIT


def test_concurrent_wrong_codes_on_a_reset_check_at_most_limit(
    ports: Ports, manager: demo.DemoAccount
) -> None:
    assert credentials.issue_reset(ports, manager.email)
    settle(ports)
    [mail] = [m for m in ports.mailer.messages() if m["tag"] == "password-reset"]  # type: ignore[attr-defined]
    match = re.search(r"#token=([A-Za-z0-9_-]+)", mail["text"])
    assert match is not None
    token = match.group(1)
    assert isinstance(ports.store, PausingStore)
    checks_before = ports.store.credential_reads
    new_password = "a brand new passphrase 99"
    raised = at_once(
        lambda: credentials.complete_reset(
            ports, token, new_password, CLIENT, code=None, recovery_code=WRONG_CODE
        )
    )
    assert ports.store.credential_reads - checks_before == LIMIT
    assert outcomes(raised) == {"InvalidSecondFactor": LIMIT, "TooManyAttempts": THREADS - LIMIT}
    with pytest.raises(TooManyAttempts):
        credentials.complete_reset(
            ports, token, new_password, CLIENT, code=None, recovery_code=manager.recovery_codes[0]
        )


def test_concurrent_reset_requests_store_at_most_limit(ports: Ports, manager: demo.DemoAccount) -> None:
    raised = at_once(lambda: credentials.request_reset(ports, manager.email, CLIENT))
    assert outcomes(raised) == {"TooManyAttempts": THREADS - LIMIT}
    settle(ports)
    sent = [m for m in ports.mailer.messages(limit=100) if m["tag"] == "password-reset"]  # type: ignore[attr-defined]
    assert len(sent) == LIMIT
