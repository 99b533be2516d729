"""Login sessions (SPEC journey 3, ARCHITECTURE §6, docs/decisions/006).

The cookie carries an opaque 256-bit token; the store keeps only its SHA-256, so a copy of the
database cannot be replayed as a login. ``sessions`` [id = token hash] is what a request resolves;
``users`` [userId] ``session-<sessionId>`` is the user's list of their sessions, found by partition
query (never a cross-partition scan). The short ``sessionId`` names a session in the UI and API
without being a credential: it is random, not derived from the token.

The CSRF token is derived from the session token by HMAC (:func:`csrf_token_for`): after a page
reload the app has only the HttpOnly cookie, and the server can hand the same CSRF token out again
without storing it. It reveals nothing about the session token (HMAC is one-way), a cross-site
page can read neither, and only its hash is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import secrets
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from shared import config
from shared.errors import NotFound, PermissionDenied, Unauthenticated
from shared.identity.tokens import new_token, token_hash
from shared.identity.user_agent import describe
from shared.paging import Paged, Window, store_page
from shared.ports import Clock, Item, PatchOperation, Query, Store

__all__ = [
    "ActiveSession",
    "CsrfMissing",
    "NewSession",
    "SessionExpired",
    "SessionService",
    "SessionSummary",
    "csrf_token_for",
]

#: Tokens from ``new_token`` are 43 URL-safe characters; anything far off is refused unhashed.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,128}")
_SESSION_ID_SHAPE = re.compile(r"[0-9a-f]{16}")
#: ``lastSeenAt`` is written at most this often, so a busy page is not a write per request.
_TOUCH_SECONDS = 60
_MAX_CLIENT = 80
_PREFIX = "session-"


class SessionExpired(Unauthenticated):
    """Unknown, malformed, idle or past its absolute lifetime: the user must log in again.
    One error for all of them, so a probe learns nothing about which tokens once existed."""

    code = "session_expired"


class CsrfMissing(PermissionDenied):
    code = "csrf_missing"


@dataclass(frozen=True)
class NewSession:
    """Shown once at login: ``token`` goes into the cookie, ``csrf_token`` to the page script."""

    token: str = field(repr=False)
    csrf_token: str = field(repr=False)
    session_id: str
    expires_at: datetime


@dataclass(frozen=True)
class ActiveSession:
    user_id: str
    session_id: str
    csrf_hash: str = field(repr=False)
    created_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True)
class SessionSummary:
    session_id: str
    client: str
    created_at: datetime
    last_seen_at: datetime
    current: bool
    #: "Firefox", "Windows" — ``None`` when the User-Agent does not say (shared/identity/user_agent.py).
    browser: str | None = None
    system: str | None = None


class SessionService:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        idle_seconds: int | None = None,
        absolute_seconds: int | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._idle = idle_seconds
        self._absolute = absolute_seconds

    def start(self, user_id: str, client: str) -> NewSession:
        """``client`` is the request's User-Agent: kept short, and read as browser and system."""
        token = new_token()
        csrf_token = csrf_token_for(token)
        session_id = secrets.token_hex(8)
        now, lifetime = self._clock.now(), _setting(self._absolute, "CASEDESK_SESSION_ABSOLUTE_SECONDS")
        expires_at = now + timedelta(seconds=lifetime)
        times = {
            "createdAt": now.isoformat(),
            "lastSeenAt": now.isoformat(),
            "absoluteExpiry": expires_at.isoformat(),
            "ttl": lifetime,
        }
        key = token_hash(token)
        # The summary first: a crash in between leaves a listed session that cannot be used,
        # never a usable one that "end all other sessions" cannot find.
        device = describe(client)
        summary = {
            "id": _PREFIX + session_id,
            "userId": user_id,
            "client": _clean(client),
            "browser": device.browser,
            "system": device.system,
            "tokenHash": key,
        }
        self._store.create("users", {**summary, **times})
        session = {"id": key, "userId": user_id, "sessionId": session_id, "csrfHash": token_hash(csrf_token)}
        self._store.create("sessions", {**session, **times})
        return NewSession(token=token, csrf_token=csrf_token, session_id=session_id, expires_at=expires_at)

    def resolve(self, token: str) -> ActiveSession:
        item = self._read(token)
        if item is None:
            raise SessionExpired("no such session")
        now = self._clock.now()
        last_seen, expiry = _time(item["lastSeenAt"]), _time(item["absoluteExpiry"])
        idle_for = (now - last_seen).total_seconds()
        if now >= expiry or idle_for > _setting(self._idle, "CASEDESK_SESSION_IDLE_SECONDS"):
            self._remove(item["userId"], item["sessionId"], item["id"])
            raise SessionExpired("the session has expired")
        if idle_for >= _TOUCH_SECONDS:
            # A patch restarts the item's ttl, so each touch sets it to what is left of the
            # absolute lifetime: the store then forgets the session when it ends, not later.
            ops = [
                PatchOperation("set", "/lastSeenAt", now.isoformat()),
                PatchOperation("set", "/ttl", max(1, math.ceil((expiry - now).total_seconds()))),
            ]
            try:
                self._store.patch("sessions", item["id"], item["id"], ops)
            except NotFound:
                raise SessionExpired("the session ended meanwhile") from None
            with suppress(NotFound):
                self._store.patch("users", item["userId"], _PREFIX + item["sessionId"], ops)
            last_seen = now
        return ActiveSession(
            user_id=item["userId"],
            session_id=item["sessionId"],
            csrf_hash=item["csrfHash"],
            created_at=_time(item["createdAt"]),
            last_seen_at=last_seen,
        )

    def check_csrf(self, session: ActiveSession, header_value: str | None) -> None:
        """The ``X-CSRF-Token`` header of a state-changing request must match the session's.
        Hashes are compared in constant time, so timing reveals nothing about the expected value."""
        if not header_value or len(header_value) > 256:
            raise CsrfMissing("the CSRF header is missing or malformed")
        if not hmac.compare_digest(token_hash(header_value), session.csrf_hash):
            raise CsrfMissing("the CSRF header does not match the session")

    def end(self, token: str) -> None:
        """Logout. Idempotent: an unknown or already ended token is not an error."""
        item = self._read(token)
        if item is not None:
            self._remove(item["userId"], item["sessionId"], item["id"])

    def list_for_user(self, user_id: str, current_session_id: str | None = None) -> list[SessionSummary]:
        """The user's live sessions, newest first; ``current`` marks the one making the request."""
        now, idle = self._clock.now(), _setting(self._idle, "CASEDESK_SESSION_IDLE_SECONDS")
        found = [
            _summary(item, current_session_id)
            for item in self._summaries(user_id)
            # The same rules as resolve(), so the list never shows a session it would refuse.
            if now < _time(item["absoluteExpiry"])
            and (now - _time(item["lastSeenAt"])).total_seconds() <= idle
        ]
        return sorted(found, key=lambda s: (s.created_at, s.session_id), reverse=True)

    def page_for_user(
        self, user_id: str, current_session_id: str | None, window: Window
    ) -> Paged[SessionSummary]:
        """One page of :meth:`list_for_user`: one query whatever the number of sessions; sessions
        past their expiry are left out (a page may hold fewer). Pages follow the session ids (a
        seek on the id, no sort of every session); a page shows its sessions newest first —
        sessions expire, so a user's live ones fit on one page."""
        now, idle = self._clock.now(), _setting(self._idle, "CASEDESK_SESSION_IDLE_SECONDS")
        query = Query(range_field="id", gte=_PREFIX, lt="session.")
        page = store_page(self._store, "users", user_id, query, window)
        found = [
            _summary(item, current_session_id)
            for item in page.items
            if now < _time(item["absoluteExpiry"])
            and (now - _time(item["lastSeenAt"])).total_seconds() <= idle
        ]
        found.sort(key=lambda s: (s.created_at, s.session_id), reverse=True)
        return Paged(found, page.after)

    def end_by_id(self, user_id: str, session_id: str) -> None:
        """End one of the user's own sessions. Another user's id is simply not in this user's
        partition, so it raises ``NotFound`` like an id that never existed."""
        if not _SESSION_ID_SHAPE.fullmatch(session_id):
            raise NotFound("no such session")
        summary = self._store.read("users", user_id, _PREFIX + session_id)
        self._remove(user_id, session_id, summary["tokenHash"])

    def end_all_except(self, user_id: str, keep_session_id: str | None) -> int:
        """End every session of the user but ``keep_session_id`` (all with ``None``), e.g. after a
        password change. Returns how many were ended."""
        ended = 0
        for item in self._summaries(user_id):
            session_id = item["id"].removeprefix(_PREFIX)
            if session_id != keep_session_id:
                self._remove(user_id, session_id, item["tokenHash"])
                ended += 1
        return ended

    # -- helpers ---------------------------------------------------------------------------
    def _read(self, token: str) -> Item | None:
        if not isinstance(token, str) or not _TOKEN_SHAPE.fullmatch(token):
            return None
        key = token_hash(token)
        try:
            return self._store.read("sessions", key, key)
        except NotFound:
            return None

    def _summaries(self, user_id: str) -> list[Item]:
        # "session-" ≤ id < "session." selects exactly the ids with the prefix ('.' follows '-').
        query = Query(range_field="id", gte=_PREFIX, lt="session.", limit=1000)
        items: list[Item] = []
        while True:
            page = self._store.query("users", user_id, query)
            items += page.items
            if page.continuation is None:
                return items
            query = replace(query, continuation=page.continuation)

    def _remove(self, user_id: str, session_id: str, key: str) -> None:
        # The credential first, the listing second; either may already be gone (idempotent).
        with suppress(NotFound):
            self._store.delete("sessions", key, key)
        with suppress(NotFound):
            self._store.delete("users", user_id, _PREFIX + session_id)


def _summary(item: Item, current_session_id: str | None) -> SessionSummary:
    # Sessions started before the device was stored carry only the (cut) User-Agent: read that.
    device = describe(item.get("client")) if "browser" not in item else None
    return SessionSummary(
        session_id=item["id"].removeprefix(_PREFIX),
        client=item.get("client", ""),
        created_at=_time(item["createdAt"]),
        last_seen_at=_time(item["lastSeenAt"]),
        current=item["id"] == _PREFIX + (current_session_id or ""),
        browser=device.browser if device else item.get("browser"),
        system=device.system if device else item.get("system"),
    )


def csrf_token_for(session_token: str) -> str:
    """The CSRF token of a session: 256 bits, HMAC-SHA256 keyed with the session token."""
    digest = hmac.new(session_token.encode(), b"casedesk-csrf-v1", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _setting(value: int | None, name: str) -> int:
    # Read when used, never at import: an import-time settings error would hide every function.
    return value if value is not None else config.int_setting(name)


_time = datetime.fromisoformat


def _clean(client: str) -> str:
    """The caller's User-Agent, printable and capped (the device is read from it at start)."""
    text = " ".join("".join(c if c.isprintable() else " " for c in str(client)).split())
    return text[:_MAX_CLIENT] or "unknown"
