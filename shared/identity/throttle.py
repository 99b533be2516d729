"""Login throttling: failed logins are counted per account and per client, and either counter
reaching its limit locks further attempts for a while (SPEC journey 3).

* Counters live in ``directory`` as ``throttle-account-<sha256>`` / ``throttle-client-<sha256>``
  (docs/decisions/006): the store never holds the e-mail address or the client's IP.
* The account key is whatever the caller typed, normalised, whether or not an account exists, so
  an unknown address locks exactly like a known one and a lockout reveals nothing.
* A counter covers a fixed window from its first failure; the item's ``ttl`` ends with the window
  or the lockout, so the store forgets it by itself and a lockout releases by itself.
* Increments are read-modify-write with an ETag precondition, retried on conflict: concurrent
  failures are never lost (a conflict means another failure was counted, so retries converge).
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta
from typing import Any

from shared import config
from shared.errors import AlreadyExists, CaseDeskError, ConcurrencyConflict, NotFound
from shared.ports import Clock, Item, Store

__all__ = ["LoginThrottle", "TooManyAttempts"]

_ATTEMPTS = 50


class TooManyAttempts(CaseDeskError):
    """Too many failed logins for this account or from this client; ``retry_after`` (whole
    seconds) tells when to try again (HTTP 429 with ``Retry-After``)."""

    code = "too_many_attempts"

    def __init__(self, message: str = "", *, retry_after: int, **params: Any) -> None:
        super().__init__(message, retry_after=retry_after, **params)
        self.retry_after = retry_after


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
        """Raise ``TooManyAttempts`` if the account or the client is locked. Call it before
        checking the password, so a locked account cannot be probed at all."""
        now = self._clock.now()
        waits = [
            _seconds_until(until, now)
            for key in (_account_id(account_key), _client_id(client_key))
            if (until := _locked_until(self._read(key), now)) is not None
        ]
        if waits:
            raise TooManyAttempts("too many failed logins; try again later", retry_after=max(waits))

    def record_failure(self, account_key: str, client_key: str) -> None:
        """Count one failed login against both the account and the client."""
        self._count(_account_id(account_key), _setting(self._max_account, "CASEDESK_LOGIN_MAX_FAILURES"))
        self._count(_client_id(client_key), _setting(self._max_client, "CASEDESK_CLIENT_MAX_FAILURES"))

    def record_success(self, account_key: str) -> None:
        """A successful login clears the account's counter. Not the client's: one good password
        from an address must not reset a spraying attack from it. A lockout that a concurrent
        failure set just now stays."""
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
    def _count(self, key: str, limit: int) -> None:
        window = _setting(self._window, "CASEDESK_LOGIN_WINDOW_SECONDS")
        lockout = _setting(self._lockout, "CASEDESK_LOCKOUT_SECONDS")
        for _ in range(_ATTEMPTS):
            now = self._clock.now()
            item = self._read(key)
            if item is not None and _locked_until(item, now) is not None:
                return  # already locked: more failures neither add nor extend anything
            start, failures = _next(item, now, window)
            locked = now + timedelta(seconds=lockout) if failures >= limit else None
            end = max(start + timedelta(seconds=window), locked or start)
            new = {
                "id": key,
                "key": key,
                "failures": failures,
                "windowStart": start.isoformat(),
                "lockedUntil": locked.isoformat() if locked else None,
                "ttl": _seconds_until(end, now),
            }
            try:
                if item is None:
                    self._store.create("directory", new)
                else:
                    self._store.replace("directory", new, if_match=item["_etag"])
            except (AlreadyExists, ConcurrencyConflict, NotFound):
                continue  # someone else counted meanwhile (or the item just expired): re-read
            return
        raise ConcurrencyConflict("the login counter kept changing")

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


def _next(item: Item | None, now: datetime, window: int) -> tuple[datetime, int]:
    """Where the window starts and how many failures it holds with this one. A new window
    begins with the first failure, after the window ends, and after a lockout has ended."""
    if item is None or item.get("lockedUntil") is not None:
        return now, 1
    start = datetime.fromisoformat(item["windowStart"])
    if now >= start + timedelta(seconds=window):
        return now, 1
    return start, int(item["failures"]) + 1


def _locked_until(item: Item | None, now: datetime) -> datetime | None:
    value = item.get("lockedUntil") if item else None
    until = datetime.fromisoformat(value) if value else None
    return until if until is not None and now < until else None


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _setting(value: int | None, name: str) -> int:
    # Read when used, never at import: an import-time settings error would hide every function.
    return value if value is not None else config.int_setting(name)
