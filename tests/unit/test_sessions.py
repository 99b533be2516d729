"""Sessions (SPEC journey 3) on the in-memory store and on the real embedded SQLite store."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from shared.errors import NotFound, PermissionDenied, Unauthenticated
from shared.identity.sessions import CsrfMissing, SessionExpired, SessionService, csrf_token_for
from shared.ports import CONTAINERS, Store
from tests.fakes import ManualClock

IDLE = 30 * 60
ABSOLUTE = 12 * 60 * 60


@pytest.fixture
def sessions(store: Store, clock: ManualClock) -> SessionService:
    return SessionService(store, clock, idle_seconds=IDLE, absolute_seconds=ABSOLUTE)


def test_start_and_resolve_round_trip(sessions: SessionService, clock: ManualClock) -> None:
    new = sessions.start("u1", "Firefox on Linux")
    assert new.expires_at == clock.now() + timedelta(seconds=ABSOLUTE)
    assert len(new.session_id) == 16 and new.session_id not in new.token
    active = sessions.resolve(new.token)
    assert (active.user_id, active.session_id) == ("u1", new.session_id)
    assert active.created_at == clock.now() == active.last_seen_at
    assert new.token not in repr(new) and new.csrf_token not in repr(new)


def test_settings_are_read_when_used(
    store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = SessionService(store, clock)
    monkeypatch.setenv("CASEDESK_SESSION_IDLE_SECONDS", "60")
    token = service.start("u1", "x").token
    clock.advance(seconds=61)
    with pytest.raises(SessionExpired):
        service.resolve(token)


def test_tokens_are_stored_only_as_hashes(sessions: SessionService, store: Store) -> None:
    new = sessions.start("u1", "Firefox on Linux")
    sessions.resolve(new.token)
    dump = json.dumps([item for container in CONTAINERS for item in store.scan(container)])
    assert new.token not in dump and new.csrf_token not in dump
    assert dump.count(new.session_id) >= 2  # the summary id and the session's sessionId


@pytest.mark.parametrize("token", ["", "x", "not a token!", "a" * 43, "a" * 500, None])
def test_unknown_or_malformed_tokens_are_expired(sessions: SessionService, token: str) -> None:
    with pytest.raises(SessionExpired) as caught:
        sessions.resolve(token)
    assert isinstance(caught.value, Unauthenticated) and caught.value.code == "session_expired"


def test_idle_expiry_after_30_minutes_and_one_second(sessions: SessionService, clock: ManualClock) -> None:
    alive, idle = sessions.start("u1", "a").token, sessions.start("u1", "b").token
    clock.advance(seconds=IDLE)
    sessions.resolve(alive)  # exactly 30 min: still fine
    clock.advance(seconds=1)
    with pytest.raises(SessionExpired):
        sessions.resolve(idle)
    assert [s.client for s in sessions.list_for_user("u1")] == ["a"]  # the idle one is gone


def test_activity_keeps_a_session_alive_until_the_absolute_limit(
    sessions: SessionService, clock: ManualClock
) -> None:
    token = sessions.start("u1", "a").token
    for _ in range(35):  # a request every 20 minutes, up to 11 h 40 min
        clock.advance(minutes=20)
        sessions.resolve(token)
    clock.advance(minutes=20, seconds=-1)
    sessions.resolve(token)  # one second before 12 h
    clock.advance(seconds=1)
    with pytest.raises(SessionExpired):
        sessions.resolve(token)
    assert sessions.list_for_user("u1") == []


def test_last_seen_is_written_at_most_once_a_minute(
    sessions: SessionService, store: Store, clock: ManualClock
) -> None:
    new = sessions.start("u1", "a")
    etag = store.read("users", "u1", f"session-{new.session_id}")["_etag"]
    clock.advance(seconds=59)
    assert sessions.resolve(new.token).last_seen_at < clock.now()
    assert store.read("users", "u1", f"session-{new.session_id}")["_etag"] == etag
    clock.advance(seconds=1)
    assert sessions.resolve(new.token).last_seen_at == clock.now()
    assert sessions.list_for_user("u1")[0].last_seen_at == clock.now()


def test_csrf_missing_wrong_and_right(sessions: SessionService) -> None:
    new = sessions.start("u1", "a")
    active = sessions.resolve(new.token)
    for bad in (None, "", "wrong", new.token, new.csrf_token + "x", "x" * 1000):
        with pytest.raises(CsrfMissing) as caught:
            sessions.check_csrf(active, bad)
        assert isinstance(caught.value, PermissionDenied) and caught.value.code == "csrf_missing"
    sessions.check_csrf(active, new.csrf_token)


def test_the_csrf_token_can_be_handed_out_again_from_the_cookie(sessions: SessionService) -> None:
    """After a page reload the app has only the cookie; the server derives the same token."""
    first, second = sessions.start("u1", "a"), sessions.start("u1", "a")
    assert csrf_token_for(first.token) == first.csrf_token != first.token
    assert len(first.csrf_token) == 43 and first.csrf_token != second.csrf_token
    with pytest.raises(CsrfMissing):
        sessions.check_csrf(sessions.resolve(second.token), first.csrf_token)


def test_logout_is_idempotent(sessions: SessionService, store: Store) -> None:
    new = sessions.start("u1", "a")
    sessions.end(new.token)
    sessions.end(new.token)
    sessions.end("garbage")
    with pytest.raises(SessionExpired):
        sessions.resolve(new.token)
    assert list(store.scan("sessions")) == [] and list(store.scan("users")) == []


def test_list_newest_first_with_current_flag(sessions: SessionService, clock: ManualClock) -> None:
    first = sessions.start("u1", "Firefox on Linux")
    clock.advance(minutes=5)
    second = sessions.start("u1", "Safari on iOS\n\x00" + "x" * 200)
    sessions.start("u2", "someone else")
    listed = sessions.list_for_user("u1", second.session_id)
    assert [s.session_id for s in listed] == [second.session_id, first.session_id]
    assert [s.current for s in listed] == [True, False]
    assert listed[0].client.startswith("Safari on iOS x") and len(listed[0].client) == 80
    assert not any(s.current for s in sessions.list_for_user("u1"))


def test_end_by_id_ends_own_session_only(sessions: SessionService) -> None:
    mine, theirs = sessions.start("u1", "a"), sessions.start("u2", "b")
    for bad_id in (theirs.session_id, "0" * 16, "../x", ""):
        with pytest.raises(NotFound):
            sessions.end_by_id("u1", bad_id)
    assert sessions.resolve(theirs.token).user_id == "u2"
    sessions.end_by_id("u1", mine.session_id)
    with pytest.raises(SessionExpired):
        sessions.resolve(mine.token)
    assert sessions.list_for_user("u1") == []


def test_end_by_id_tolerates_a_half_ended_session(sessions: SessionService, store: Store) -> None:
    new = sessions.start("u1", "a")
    sessions.end_by_id("u1", new.session_id)
    store.create("users", {"id": f"session-{new.session_id}", "userId": "u1", "tokenHash": "0" * 64})
    sessions.end_by_id("u1", new.session_id)  # the sessions item is already gone
    assert list(store.scan("users")) == []


def test_end_all_except(sessions: SessionService) -> None:
    keep, *others = (sessions.start("u1", str(n)) for n in range(4))
    bystander = sessions.start("u2", "x")
    assert sessions.end_all_except("u1", keep.session_id) == 3
    assert [s.session_id for s in sessions.list_for_user("u1")] == [keep.session_id]
    for other in others:
        with pytest.raises(SessionExpired):
            sessions.resolve(other.token)
    sessions.resolve(keep.token)
    assert sessions.end_all_except("u1", None) == 1
    with pytest.raises(SessionExpired):
        sessions.resolve(keep.token)
    sessions.resolve(bystander.token)
