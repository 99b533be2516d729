"""Login throttling: attempts are counted per account and per client, and either counter using up
its limit locks further attempts for a while (SPEC journey 3; docs/decisions/007).

* Counters live in ``directory`` as ``throttle-account-<sha256>`` / ``throttle-client-<sha256>``
  (docs/decisions/006): the store never holds the e-mail address or the client's IP.
* The account key is whatever the caller typed, normalised, whether or not an account exists, so
  an unknown address locks exactly like a known one and a lockout reveals nothing.
* **Count first, decide after.** :meth:`LoginThrottle.attempt` counts an attempt (an atomic
  increment) *before* the password or code is checked, and the number it got decides: one past
  the limit is refused unchecked and locks. However many attempts arrive at once, at most
  ``limit`` per window are checked — checking a lock first and counting afterwards let 20
  concurrent guesses have 9–11 passwords checked against a limit of 5.
* The caller then reports how the attempt ended: :meth:`Attempt.failed` leaves it counted (the one
  that reached the limit locks); :meth:`Attempt.passed` hands it back, so signing in is never a
  failure and a shared address does not lock itself by logging its people in. An attempt whose
  request breaks off in between stays counted: the safe side.
* A counter covers a fixed window from its first attempt and carries a ``ttl``, so the store
  forgets it by itself; a lockout is a time in the item and releases by itself.
* Increments are unconditional patches (``incr``), which cannot conflict, so a burst needs no
  retries; the rare transitions (first attempt, new window, lock, hand-back) are ETag-guarded
  writes, retried on conflict.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared import config
from shared.errors import AlreadyExists, ConcurrencyConflict, NotFound, TooManyRequests
from shared.ports import Clock, Item, PatchOperation, Store

__all__ = ["Attempt", "LoginThrottle", "TooManyAttempts"]

_ATTEMPTS = 50


class TooManyAttempts(TooManyRequests):
    """Too many failed logins for this account or from this client; ``retry_after`` (whole
    seconds) tells when to try again (HTTP 429 with ``Retry-After``)."""

    code = "too_many_attempts"

    def __init__(self, message: str = "", *, retry_after: int, **params: Any) -> None:
        super().__init__(message, retry_after=retry_after, **params)
        self.retry_after = retry_after


@dataclass(frozen=True)
class _Count:
    """Where an attempt was counted: the counter, its window, and the attempt's number in it."""

    key: str
    window: str | None
    number: int
    limit: int
    etag: str  # the counter as this attempt left it: unchanged since, it can be handed back blind


class Attempt:
    """An attempt that :meth:`LoginThrottle.attempt` counted and let through. Report its end once:
    :meth:`failed` or :meth:`passed` (a second report is ignored)."""

    def __init__(self, throttle: LoginThrottle, account_key: str, client: _Count, account: _Count) -> None:
        self._throttle = throttle
        self._account_key = account_key
        self._client = client
        self._account = account
        self._open = True

    def failed(self) -> None:
        """The password or code was wrong: the attempt stays counted, and the one that used up a
        limit locks the account or the client."""
        if self._close():
            for count in (self._account, self._client):
                if count.number >= count.limit:
                    self._throttle._lock(count.key, count.window)

    def passed(self, *, signed_in: bool = False) -> None:
        """The password or code was right: the attempt is handed back. ``signed_in`` (the last
        step of a login) clears the account's counter as :meth:`LoginThrottle.record_success`."""
        if not self._close():
            return
        self._throttle._give_back(self._client)
        if signed_in:
            self._throttle.record_success(self._account_key)
        else:
            self._throttle._give_back(self._account)

    def _close(self) -> bool:
        was_open, self._open = self._open, False
        return was_open


class LoginThrottle:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        max_account_failures: int | None = None,
        max_client_failures: int | None = None,
        window_seconds: int | None = None,
        lockout_seconds: int | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._max_account = max_account_failures
        self._max_client = max_client_failures
        self._window = window_seconds
        self._lockout = lockout_seconds

    def check(self, account_key: str, client_key: str) -> None:
        """Raise ``TooManyAttempts`` if the account or the client is locked. Reads only: it
        decides nothing about a new attempt (that is :meth:`attempt`), it only saves the writes
        of one that would be refused anyway."""
        self._refuse_if_locked(self._read(_account_id(account_key)), self._read(_client_id(client_key)))

    def attempt(self, account_key: str, client_key: str) -> Attempt:
        """Count one attempt against the client and the account, then decide: raise
        ``TooManyAttempts`` if either is locked or this attempt is past its limit (which locks
        it), before any password is checked. Otherwise the caller checks and reports the end."""
        account_id, client_id = _account_id(account_key), _client_id(client_key)
        account_item, client_item = self._read(account_id), self._read(client_id)
        self._refuse_if_locked(account_item, client_item)
        client_limit = _setting(self._max_client, "CASEDESK_CLIENT_MAX_FAILURES")
        account_limit = _setting(self._max_account, "CASEDESK_LOGIN_MAX_FAILURES")
        client = self._take(client_id, client_limit, client_item)
        try:
            account = self._take(account_id, account_limit, account_item)
        except TooManyAttempts:
            # Refused for the account, this attempt checks nothing: the client gets it back, so
            # people retrying a locked account do not lock their shared address as well.
            self._give_back(client)
            raise
        return Attempt(self, account_key, client, account)

    def record_failure(self, account_key: str, client_key: str) -> None:
        """Count an attempt that is a failure by itself, with nothing to check (a reset request):
        raise ``TooManyAttempts`` if it is past the limit, so the caller does no more work."""
        self.attempt(account_key, client_key).failed()

    def record_client_attempt(self, client_key: str) -> None:
        """Count an anonymous step that names no account (starting an Entra sign-in) against the
        client alone — one counter, one write: raise ``TooManyAttempts`` if the client is locked
        or past its limit; the attempt that uses up the limit locks it."""
        client_id = _client_id(client_key)
        item = self._read(client_id)
        self._refuse_if_locked(item)
        count = self._take(client_id, _setting(self._max_client, "CASEDESK_CLIENT_MAX_FAILURES"), item)
        if count.number >= count.limit:
            self._lock(count.key, count.window)

    def record_success(self, account_key: str) -> None:
        """A successful login clears the account's counter. Not the client's: one good password
        from an address must not reset a spraying attack from it. A lockout that a concurrent
        attempt set just now stays."""
        key = _account_id(account_key)
        for _ in range(_ATTEMPTS):
            item = self._read(key)
            if item is None or _locked_until(item, self._clock.now()) is not None:
                return
            try:
                self._store.delete("directory", key, key, if_match=item["_etag"])
            except ConcurrencyConflict:
                continue
            except NotFound:
                pass
            return
        raise ConcurrencyConflict("the login counter kept changing")

    # -- helpers ---------------------------------------------------------------------------
    def _take(self, key: str, limit: int, item: Item | None) -> _Count:
        """Count one attempt in ``key``'s current window (``item`` as just read); refuse it if it
        is past ``limit``."""
        window = _setting(self._window, "CASEDESK_LOGIN_WINDOW_SECONDS")
        for _ in range(_ATTEMPTS):
            now = self._clock.now()
            self._refuse_if_locked(item)
            try:
                if item is None or _window_over(item, now, window):
                    new = {"id": key, "key": key, "failures": 1, "windowStart": now.isoformat()}
                    new |= {"window": secrets.token_hex(8), "lockedUntil": None, "ttl": window}
                    if item is None:
                        counted = self._store.create("directory", new)
                    else:
                        counted = self._store.replace("directory", new, if_match=item["_etag"])
                else:
                    # No ttl change: a patch restarts the ttl, so the item lives up to one window
                    # past its last attempt: longer than needed, never shorter.
                    counted = self._store.patch(
                        "directory", key, key, [PatchOperation("incr", "/failures", 1)]
                    )
            except (AlreadyExists, ConcurrencyConflict, NotFound):
                item = self._read(key)  # someone else started the window (or it just expired)
                continue
            self._refuse_if_locked(counted)  # locked between our read and our increment
            count = _Count(key, counted.get("window"), int(counted["failures"]), limit, counted["_etag"])
            if count.number <= limit:
                return count
            until = self._lock(key, count.window, counted)
            if until is not None:
                retry_after = _seconds_until(until, now)
                raise TooManyAttempts("too many failed logins; try again later", retry_after=retry_after)
            item = self._read(key)  # a login cleared the window meanwhile: count in the new one
        raise ConcurrencyConflict("the login counter kept changing")

    def _lock(self, key: str, window_id: str | None, item: Item | None = None) -> datetime | None:
        """Lock ``key`` unless it is locked already (a lock is never extended) or its window is no
        longer ``window_id``. Returns the lock's end, or ``None`` if the window is gone."""
        window = _setting(self._window, "CASEDESK_LOGIN_WINDOW_SECONDS")
        lockout = _setting(self._lockout, "CASEDESK_LOCKOUT_SECONDS")
        for _ in range(_ATTEMPTS):
            now = self._clock.now()
            item = item or self._read(key)
            if item is None or item.get("window") != window_id:
                return None  # a successful login cleared it, or a new window began
            if item.get("lockedUntil") is not None:
                return _locked_until(item, now)
            until = now + timedelta(seconds=lockout)
            window_end = datetime.fromisoformat(item["windowStart"]) + timedelta(seconds=window)
            ops = [
                PatchOperation("set", "/lockedUntil", until.isoformat()),
                PatchOperation("set", "/ttl", _seconds_until(max(until, window_end), now)),
            ]
            try:
                self._store.patch("directory", key, key, ops, if_match=item["_etag"])
            except ConcurrencyConflict:
                item = None
                continue
            except NotFound:
                return None
            return until
        raise ConcurrencyConflict("the login counter kept changing")

    def _give_back(self, count: _Count) -> None:
        """Take back an attempt counted in ``count``'s window, unless that window is gone or
        locked. Best effort: under endless contention the attempt simply stays counted."""
        etag = count.etag  # first blind: nobody else touched the counter in the common case
        for _ in range(_ATTEMPTS):
            try:
                self._store.patch(
                    "directory",
                    count.key,
                    count.key,
                    [PatchOperation("incr", "/failures", -1)],
                    if_match=etag,
                )
            except ConcurrencyConflict:
                item = self._read(count.key)
                if item is None or item.get("window") != count.window or item.get("lockedUntil") is not None:
                    return
                etag = item["_etag"]
                continue
            except NotFound:
                pass
            return

    def _refuse_if_locked(self, *items: Item | None) -> None:
        now = self._clock.now()
        waits = [_seconds_until(until, now) for item in items if (until := _locked_until(item, now))]
        if waits:
            raise TooManyAttempts("too many failed logins; try again later", retry_after=max(waits))

    def _read(self, key: str) -> Item | None:
        try:
            return self._store.read("directory", key, key)
        except NotFound:
            return None


def _account_id(account_key: str) -> str:
    # Case-folded here too, so a caller that forgets cannot open a second counter per spelling.
    return "throttle-account-" + _hash(account_key.strip().casefold())


def _client_id(client_key: str) -> str:
    return "throttle-client-" + _hash(client_key.strip())


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _window_over(item: Item, now: datetime, window: int) -> bool:
    """A new window begins after the last one ended, and after a lockout has ended."""
    start = datetime.fromisoformat(item["windowStart"])
    return item.get("lockedUntil") is not None or now >= start + timedelta(seconds=window)


def _locked_until(item: Item | None, now: datetime) -> datetime | None:
    value = item.get("lockedUntil") if item else None
    until = datetime.fromisoformat(value) if value else None
    return until if until is not None and now < until else None


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _setting(value: int | None, name: str) -> int:
    # Read when used, never at import: an import-time settings error would hide every function.
    return value if value is not None else config.int_setting(name)
