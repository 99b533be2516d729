"""Login throttling (SPEC journey 3): per-account and per-client lockouts that release by themselves."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from shared.errors import CaseDeskError
from shared.identity.throttle import Attempt, LoginThrottle, TooManyAttempts
from shared.ports import Item, Store
from tests.fakes import ManualClock

ACCOUNT_MAX, CLIENT_MAX, WINDOW, LOCKOUT = 5, 20, 900, 600
KNOWN, UNKNOWN, IP = "alice@example.ch", "nobody@example.ch", "203.0.113.7"


@pytest.fixture
def throttle(store: Store, clock: ManualClock) -> LoginThrottle:
    return LoginThrottle(
        store,
        clock,
        max_account_failures=ACCOUNT_MAX,
        max_client_failures=CLIENT_MAX,
        window_seconds=WINDOW,
        lockout_seconds=LOCKOUT,
    )


def fail(throttle: LoginThrottle, account: str, client: str = IP, times: int = 1) -> None:
    for _ in range(times):
        throttle.check(account, client)
        throttle.record_failure(account, client)


def retry_after(throttle: LoginThrottle, account: str, client: str = IP) -> int:
    with pytest.raises(TooManyAttempts) as caught:
        throttle.check(account, client)
    assert isinstance(caught.value, CaseDeskError) and caught.value.code == "too_many_attempts"
    assert caught.value.params == {"retry_after": caught.value.retry_after}
    return caught.value.retry_after


@pytest.mark.parametrize("account", [KNOWN, UNKNOWN])
def test_account_locks_after_n_failures_known_or_not(
    throttle: LoginThrottle, store: Store, clock: ManualClock, account: str
) -> None:
    fail(throttle, account, times=ACCOUNT_MAX - 1)
    throttle.check(account, IP)
    clock.advance(seconds=10)
    fail(throttle, account)
    assert retry_after(throttle, account) == LOCKOUT
    assert retry_after(throttle, account, "198.51.100.1") == LOCKOUT  # from anywhere
    throttle.check("other@example.ch", IP)  # the client itself is not locked
    items = list(store.scan("directory"))
    assert len(items) == 2 and {i["id"].rsplit("-", 1)[0] for i in items} == {
        "throttle-account",
        "throttle-client",
    }
    assert account not in json.dumps(items) and IP not in json.dumps(items)


def test_the_account_key_ignores_case_and_spaces(throttle: LoginThrottle) -> None:
    fail(throttle, " Alice@Example.CH ", times=ACCOUNT_MAX)
    retry_after(throttle, KNOWN)


def test_retry_after_counts_down_and_the_lock_releases(throttle: LoginThrottle, clock: ManualClock) -> None:
    fail(throttle, KNOWN, times=ACCOUNT_MAX)
    clock.advance(seconds=LOCKOUT - 100.5)
    assert retry_after(throttle, KNOWN) == 101  # rounded up: never "retry now" too early
    clock.advance(seconds=100.5)
    throttle.check(KNOWN, IP)
    fail(throttle, KNOWN, times=ACCOUNT_MAX - 1)  # a fresh count after the lockout
    throttle.check(KNOWN, IP)


def test_failures_during_a_lockout_do_not_extend_it(throttle: LoginThrottle, clock: ManualClock) -> None:
    fail(throttle, KNOWN, times=ACCOUNT_MAX - 1)
    racing = throttle.attempt(KNOWN, IP)  # counted before the lock, fails during it
    with pytest.raises(TooManyAttempts):
        fail(throttle, KNOWN)
    clock.advance(seconds=LOCKOUT - 1)
    racing.failed()
    with pytest.raises(TooManyAttempts):
        throttle.record_failure(KNOWN, IP)  # refused: neither counted nor extending the lock
    clock.advance(seconds=1)
    throttle.check(KNOWN, IP)


def test_failures_outside_the_window_start_over(throttle: LoginThrottle, clock: ManualClock) -> None:
    fail(throttle, KNOWN, times=ACCOUNT_MAX - 1)
    clock.advance(seconds=WINDOW)
    fail(throttle, KNOWN, times=ACCOUNT_MAX - 1)
    throttle.check(KNOWN, IP)


def test_client_locks_after_m_failures_across_accounts(throttle: LoginThrottle) -> None:
    for n in range(CLIENT_MAX):
        fail(throttle, f"user{n}@example.ch")
    assert retry_after(throttle, "fresh@example.ch") == LOCKOUT
    throttle.check("fresh@example.ch", "198.51.100.1")  # other clients carry on


def test_success_clears_the_account_counter_not_the_clients(throttle: LoginThrottle) -> None:
    fail(throttle, KNOWN, times=ACCOUNT_MAX - 1)
    throttle.record_success(KNOWN)
    throttle.record_success(KNOWN)  # nothing left to clear: fine
    fail(throttle, KNOWN, times=ACCOUNT_MAX - 1)
    throttle.check(KNOWN, IP)
    for n in range(CLIENT_MAX - 2 * (ACCOUNT_MAX - 1)):
        fail(throttle, f"user{n}@example.ch")
    retry_after(throttle, "fresh@example.ch")  # the client's count survived both successes


def test_success_does_not_lift_a_lockout(throttle: LoginThrottle) -> None:
    fail(throttle, KNOWN, times=ACCOUNT_MAX)
    throttle.record_success(KNOWN)
    retry_after(throttle, KNOWN)


class SlowReads:
    """The store, with a pause after every read: read-modify-write cycles of the threads then
    overlap for certain, so a counter without a precondition would lose increments."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def read(self, container: str, partition: str, id: str) -> Item:
        item = self._store.read(container, partition, id)
        time.sleep(0.002)
        return item

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_concurrent_failures_are_all_counted(store: Store, clock: ManualClock) -> None:
    threads_count = 16
    throttle = LoginThrottle(
        SlowReads(store),
        clock,
        max_account_failures=1000,
        max_client_failures=1000,
        window_seconds=WINDOW,
        lockout_seconds=LOCKOUT,
    )
    # Open the SQLite file (and switch it to WAL) before the race: a fresh file converted by
    # many first connections at once can fail with "database is locked" (an adapter matter).
    store.check()
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                throttle.record_failure(KNOWN, IP)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(i["failures"] for i in store.scan("directory")) == [threads_count * 5] * 2


def test_a_burst_past_the_limit_locks(store: Store, clock: ManualClock) -> None:
    throttle = LoginThrottle(
        SlowReads(store),
        clock,
        max_account_failures=3,
        max_client_failures=100,
        window_seconds=60,
        lockout_seconds=60,
    )
    store.check()
    refused: list[TooManyAttempts] = []

    def record() -> None:
        try:
            throttle.record_failure(KNOWN, IP)
        except TooManyAttempts as exc:
            refused.append(exc)

    threads = [threading.Thread(target=record) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(refused) == 8 - 3  # counted first: only the first three got through
    assert retry_after(throttle, KNOWN) == 60
    throttle.check("other@example.ch", IP)


def test_settings_are_read_when_used(
    store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    throttle = LoginThrottle(store, clock)
    monkeypatch.setenv("CASEDESK_LOGIN_MAX_FAILURES", "2")
    monkeypatch.setenv("CASEDESK_LOCKOUT_SECONDS", "30")
    fail(throttle, KNOWN, times=2)
    assert retry_after(throttle, KNOWN) == 30


# -- count first, decide after (issue 14) ------------------------------------------------------


def test_attempts_in_flight_count_so_the_next_one_past_the_limit_is_refused(
    throttle: LoginThrottle, store: Store
) -> None:
    """The order that concurrency cannot overrun: each attempt is counted before its password is
    checked, so with the limit's worth still being checked, the next one is refused unchecked."""
    in_flight = [throttle.attempt(KNOWN, IP) for _ in range(ACCOUNT_MAX)]
    throttle.check(KNOWN, IP)  # not locked: nothing has failed yet
    with pytest.raises(TooManyAttempts) as refused:
        throttle.attempt(KNOWN, IP)
    assert refused.value.retry_after == LOCKOUT
    assert retry_after(throttle, KNOWN) == LOCKOUT  # one past the limit locks at once
    for attempt in in_flight:
        attempt.failed()
    assert retry_after(throttle, KNOWN) == LOCKOUT  # and their failures do not extend it
    client = next(i for i in store.scan("directory") if i["id"].startswith("throttle-client-"))
    assert client["failures"] == ACCOUNT_MAX  # the refused attempt was handed back to the client


def test_the_attempt_that_reaches_the_limit_and_fails_locks(throttle: LoginThrottle) -> None:
    attempts = [throttle.attempt(KNOWN, IP) for _ in range(ACCOUNT_MAX)]
    for attempt in attempts[:-1]:
        attempt.failed()
    throttle.check(KNOWN, IP)
    attempts[-1].failed()
    assert retry_after(throttle, KNOWN) == LOCKOUT


def test_right_attempts_are_handed_back(throttle: LoginThrottle, store: Store) -> None:
    """A right password is no failure, and an office signing its people in from one address
    never locks itself: more passed attempts than either limit lock nothing."""
    for n in range(CLIENT_MAX + 5):
        attempt = throttle.attempt(KNOWN if n % 2 else f"user{n}@example.ch", IP)
        attempt.passed()
        attempt.passed()  # a second report changes nothing
    throttle.check(KNOWN, IP)
    assert {i["failures"] for i in store.scan("directory")} == {0}


def test_signing_in_clears_the_account_and_hands_back_the_client(
    throttle: LoginThrottle, store: Store
) -> None:
    fail(throttle, KNOWN, times=ACCOUNT_MAX - 1)
    throttle.attempt(KNOWN, IP).passed(signed_in=True)
    [client] = list(store.scan("directory"))
    assert client["id"].startswith("throttle-client-") and client["failures"] == ACCOUNT_MAX - 1


def test_a_failure_after_a_sign_in_cleared_its_window_does_not_lock(throttle: LoginThrottle) -> None:
    fail(throttle, KNOWN, times=ACCOUNT_MAX - 1)
    late = throttle.attempt(KNOWN, IP)  # the limit-th attempt, still being checked
    throttle.record_success(KNOWN)  # meanwhile someone with the password signed in
    late.failed()
    throttle.check(KNOWN, IP)


def test_attempts_refused_for_a_locked_account_are_not_counted_against_the_client(
    throttle: LoginThrottle,
) -> None:
    fail(throttle, KNOWN, times=ACCOUNT_MAX)
    for _ in range(CLIENT_MAX + 1):
        with pytest.raises(TooManyAttempts):
            throttle.attempt(KNOWN, IP)
    throttle.check("colleague@example.ch", IP)


def test_concurrent_attempts_never_pass_the_limit(store: Store, clock: ManualClock) -> None:
    """20 guesses at once against a limit of 5: at most 5 are let through to be checked; the
    rest are refused, and when the 5 have failed the account is locked."""
    throttle = LoginThrottle(
        SlowReads(store),
        clock,
        max_account_failures=ACCOUNT_MAX,
        max_client_failures=100,
        window_seconds=WINDOW,
        lockout_seconds=LOCKOUT,
    )
    store.check()
    barrier = threading.Barrier(20)
    let_through: list[Attempt] = []
    refused: list[TooManyAttempts] = []

    def guess() -> None:
        barrier.wait()
        try:
            attempt = throttle.attempt(KNOWN, IP)
        except TooManyAttempts as exc:
            refused.append(exc)
            return
        let_through.append(attempt)
        time.sleep(0.01)  # the password check
        attempt.failed()

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(let_through) == ACCOUNT_MAX and len(refused) == 20 - ACCOUNT_MAX
    assert retry_after(throttle, KNOWN) == LOCKOUT
