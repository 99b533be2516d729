"""Login throttling: failed logins are counted per account and per client, and either counter
reaching its limit locks further attempts for a while (SPEC journey 3).

* Counters live in ``directory`` as ``throttle-account-<sha256>`` / ``throttle-client-<sha256>``
  (docs/decisions/006): the store never holds the e-mail address or the client's IP.
* The account key is whatever the caller typed, normalised, whether or not an account exists, so
  an unknown address locks exactly like a known one and a lockout reveals nothing.
* A counter covers a fixed window from its first failure and carries a ``ttl``, so the store
  forgets it by itself; a lockout is a time in the item and releases by itself.
* Concurrent failures are never lost: an increment is an atomic patch (``incr``), which cannot
  conflict; only the rare transitions (first failure, new window) are ETag-guarded writes,
  retried on conflict. Locking is a patch too.
"""

from __future__ import annotations

import hashlib
import math
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

from shared import config
from shared.errors import AlreadyExists, CaseDeskError, ConcurrencyConflict, NotFound
from shared.ports import Clock, Item, PatchOperation, Store

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
            try:
                if item is None or _window_over(item, now, window):
                    new = {"id": key, "key": key, "failures": 1, "windowStart": now.isoformat()}
                    new |= {"lockedUntil": None, "ttl": window}
                    if item is None:
                        counted = self._store.create("directory", new)
                    else:
                        counted = self._store.replace("directory", new, if_match=item["_etag"])
                else:
                    # No ttl change: a patch restarts the ttl, so the item lives up to one window
                    # past its last failure: longer than needed, never shorter.
                    counted = self._store.patch(
                        "directory", key, key, [PatchOperation("incr", "/failures", 1)]
                    )
            except (AlreadyExists, ConcurrencyConflict, NotFound):
                continue  # someone else started the window first (or it just expired): re-read
            if counted["failures"] >= limit:
                self._lock(counted, now, window, lockout)
            return
        raise ConcurrencyConflict("the login counter kept changing")

    def _lock(self, item: Item, now: datetime, window: int, lockout: int) -> None:
        until = now + timedelta(seconds=lockout)
        window_end = datetime.fromisoformat(item["windowStart"]) + timedelta(seconds=window)
        ops = [
            PatchOperation("set", "/lockedUntil", until.isoformat()),
            PatchOperation("set", "/ttl", _seconds_until(max(until, window_end), now)),
        ]
        with suppress(NotFound):  # a successful login cleared it meanwhile
            self._store.patch("directory", item["key"], item["id"], ops)

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
