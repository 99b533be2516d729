"""The audit log over every Store adapter: chains append without gaps or forks, and every kind of
tampering done directly in the store (bypassing the log) is found by ``verify``."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta
from typing import Any

import pytest

from shared.audit import AuditEvent, AuditLog, scope_for_case, scope_for_org, scope_for_user
from shared.audit.events import GENESIS_HASH, MAX_REASON_CHARS, STORED_FIELDS, chain_hash, event_id
from shared.errors import AlreadyExists, ConcurrencyConflict, IntegrityError, InvalidInput
from shared.ports import Query, Store
from tests.fakes import ManualClock

CASE = scope_for_case("c1")


def ev(**fields: Any) -> AuditEvent:
    defaults: dict[str, Any] = {
        "actor": "u-manager",
        "action": "case:read",
        "target_type": "case",
        "target_id": "c1",
        "case_id": "c1",
        "org_id": "o1",
        "owner_id": "u-employee",
        "request_id": "req-1",
    }
    return AuditEvent(**{**defaults, **fields})


def filled(store: Store, clock: ManualClock, n: int = 5) -> AuditLog:
    log = AuditLog(store, clock)
    for i in range(1, n + 1):
        log.record(ev(target_id=f"d{i}", target_type="document", request_id=f"req-{i}"))
        clock.advance(seconds=1)
    return log


def raw(store: Store, seq: int, scope: str = CASE) -> dict[str, Any]:
    return store.read("audit", scope, event_id(seq))


def overwrite(store: Store, seq: int, content: dict[str, Any], scope: str = CASE) -> None:
    """Tamper: put ``content`` at position ``seq`` straight into the store, as an attacker would."""
    current = raw(store, seq, scope)
    body = {k: v for k, v in content.items() if not k.startswith("_")}
    store.replace("audit", {**body, "id": event_id(seq), "scope": scope}, if_match=current["_etag"])


def findings(log: AuditLog, scope: str = CASE) -> set[tuple[int, str]]:
    """``{(seq, kind)}`` of every problem (a range ``a..b`` yields its first seq)."""
    result = log.verify(scope)
    assert result.ok == (not result.problems)
    parsed = set()
    for problem in result.problems:
        match = re.match(r"seq (\d+)(?:\.\.\d+)?: ([a-z ]+) \(", problem)
        assert match, problem
        parsed.add((int(match.group(1)), match.group(2)))
    return parsed


# -- appending and verifying -------------------------------------------------------------------


def test_an_event_is_appended_to_its_case_org_and_owner_chains_which_verify(
    store: Store, clock: ManualClock
) -> None:
    log = filled(store, clock, 4)
    for scope in (CASE, scope_for_org("o1"), scope_for_user("u-employee")):
        result = log.verify(scope)
        assert result.ok and result.checked == 4, result.problems
    first, second = raw(store, 1), raw(store, 2)
    assert first["prevHash"] == GENESIS_HASH and second["prevHash"] == first["hash"]
    assert first["hash"] == chain_hash(first) and first["seq"] == 1
    head = store.read("audit", CASE, "head")
    assert head["seq"] == 4 and head["hash"] == raw(store, 4)["hash"]
    assert sorted(log.scopes()) == sorted([CASE, "org-o1", "user-u-employee"])


def test_stored_events_hold_only_the_schema_fields(store: Store, clock: ManualClock) -> None:
    log = AuditLog(store, clock)
    log.record(ev(reason="ticket 4711: Zugriff für die Abklärung"), scopes=[CASE])
    items = store.query("audit", CASE, Query(equals={"type": "audit-event"})).items
    assert len(items) == 1
    assert set(items[0]) - {"_etag"} == STORED_FIELDS
    assert log.verify(CASE).ok


def test_an_empty_scope_verifies_as_zero_events(store: Store, clock: ManualClock) -> None:
    result = AuditLog(store, clock).verify(scope_for_case("nothing"))
    assert result.ok and result.checked == 0


class RacingStore:
    """The store under test, with a pause after every read so that concurrent writers all see
    the same head and race for it (without it, the GIL lets the memory adapter serialise them)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.lost_races = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def read(self, container: str, partition: str, id: str) -> dict[str, Any]:
        item = self._store.read(container, partition, id)
        time.sleep(0.002)
        return item

    def batch(self, container: str, partition: str, operations: Any) -> Any:
        try:
            return self._store.batch(container, partition, operations)
        except (ConcurrencyConflict, AlreadyExists):
            self.lost_races += 1
            raise


def test_concurrent_appends_make_one_chain_without_gaps_or_forks(store: Store, clock: ManualClock) -> None:
    racing = RacingStore(store)
    log = AuditLog(racing, clock)  # type: ignore[arg-type]  # a wrapper of the real adapter
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(4):
                log.record(ev(actor=f"u{n}", request_id=f"r{n}-{i}"), scopes=[CASE])
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert racing.lost_races > 0  # the retry path was exercised
    result = log.verify(CASE)
    assert result.ok and result.checked == 32, result.problems
    requests = {e.event.request_id for e in log.query(CASE, limit=200).events}
    assert len(requests) == 32  # every event landed exactly once


# -- tampering ---------------------------------------------------------------------------------


def test_an_edited_field_is_modified(store: Store, clock: ManualClock) -> None:
    log = filled(store, clock)
    overwrite(store, 3, {**raw(store, 3), "actor": "u-someone-else"})
    assert findings(log) == {(3, "modified")}


def test_an_added_field_is_modified(store: Store, clock: ManualClock) -> None:
    log = filled(store, clock)
    overwrite(store, 2, {**raw(store, 2), "note": "smuggled"})
    assert findings(log) == {(2, "modified")}


def test_a_deleted_middle_event_is_missing(store: Store, clock: ManualClock) -> None:
    log = filled(store, clock)
    store.delete("audit", CASE, event_id(3))
    assert findings(log) == {(3, "missing")}
    assert log.verify(CASE).checked == 4


def test_a_deleted_last_event_is_missing_and_a_head_mismatch(store: Store, clock: ManualClock) -> None:
    log = filled(store, clock)
    store.delete("audit", CASE, event_id(5))
    assert findings(log) == {(5, "missing"), (5, "head mismatch")}


def test_a_hidden_event_is_missing(store: Store, clock: ManualClock) -> None:
    log = filled(store, clock)
    overwrite(store, 2, {**raw(store, 2), "type": "other"})
    assert (2, "missing") in findings(log)


def test_two_swapped_events_are_reordered(store: Store, clock: ManualClock) -> None:
    log = filled(store, clock)
    second, fourth = raw(store, 2), raw(store, 4)
    overwrite(store, 2, fourth)
    overwrite(store, 4, second)
    found = findings(log)
    assert {(2, "reordered"), (4, "reordered"), (2, "broken link")} <= found
    assert not any(kind == "modified" for _, kind in found)


def test_swapped_contents_keeping_the_seq_are_detected(store: Store, clock: ManualClock) -> None:
    log = filled(store, clock)
    second, third = raw(store, 2), raw(store, 3)
    overwrite(store, 2, {**third, "seq": 2})
    overwrite(store, 3, {**second, "seq": 3})
    assert {(2, "modified"), (3, "modified")} <= findings(log)


def test_an_edited_and_rehashed_event_breaks_the_next_link(store: Store, clock: ManualClock) -> None:
    log = filled(store, clock)
    forged = {**raw(store, 3), "action": "case:update"}
    forged["hash"] = chain_hash(forged)
    overwrite(store, 3, forged)
    assert findings(log) == {(4, "broken link")}


def test_a_rehashed_last_event_no_longer_matches_the_head(store: Store, clock: ManualClock) -> None:
    log = filled(store, clock)
    forged = {**raw(store, 5), "actor": "u-innocent"}
    forged["hash"] = chain_hash(forged)
    overwrite(store, 5, forged)
    assert findings(log) == {(5, "head mismatch")}


def test_a_deleted_head_is_a_head_mismatch(store: Store, clock: ManualClock) -> None:
    log = filled(store, clock)
    store.delete("audit", CASE, "head")
    assert findings(log) == {(5, "head mismatch")}


def test_an_event_beyond_the_head_is_reported_and_stops_appends(store: Store, clock: ManualClock) -> None:
    log = filled(store, clock, 3)
    store.create("audit", {**raw(store, 3), "id": event_id(4), "seq": 4})
    assert (3, "head mismatch") in findings(log)  # reported at the seq the head names
    with pytest.raises(IntegrityError):
        log.record(ev(), scopes=[CASE])


def test_tampering_in_one_chain_leaves_the_others_intact(store: Store, clock: ManualClock) -> None:
    log = filled(store, clock)
    store.delete("audit", CASE, event_id(1))
    assert not log.verify(CASE).ok
    assert log.verify(scope_for_org("o1")).ok and log.verify(scope_for_user("u-employee")).ok


# -- reading -----------------------------------------------------------------------------------


def test_the_org_log_filters_and_pages_newest_first(store: Store, clock: ManualClock) -> None:
    log = AuditLog(store, clock)
    org = scope_for_org("o1")
    start = clock.now()
    plan = [("u-a", "case:read", "c1"), ("u-b", "case:update", "c1"), ("u-a", "case:read", "c2")] * 3
    for i, (actor, action, case) in enumerate(plan):
        log.record(ev(actor=actor, action=action, case_id=case, target_id=case, request_id=f"r{i}"), [org])
        clock.advance(minutes=1)

    def seqs(**filters: Any) -> list[int]:
        return [e.seq for e in log.query(org, limit=200, **filters).events]

    assert seqs() == list(range(9, 0, -1))
    assert seqs(actor="u-a") == [9, 7, 6, 4, 3, 1]
    assert seqs(action="case:update") == [8, 5, 2]
    assert seqs(case_id="c2") == [9, 6, 3]
    assert seqs(actor="u-a", case_id="c1") == [7, 4, 1]
    # event n was recorded at start + (n-1) minutes: since inclusive, until exclusive
    assert seqs(since=start + timedelta(minutes=3), until=start + timedelta(minutes=6)) == [6, 5, 4]
    assert seqs(actor="u-a", since=start + timedelta(minutes=5)) == [9, 7, 6]

    collected, token, pages = [], None, 0
    while True:
        page = log.query(org, limit=2, continuation=token)
        collected += [e.seq for e in page.events]
        pages += 1
        token = page.continuation
        if token is None:
            break
    assert collected == list(range(9, 0, -1)) and pages == 5
    newest = log.query(org, limit=1).events[0]
    assert newest.event.actor == "u-a" and newest.to_json()["targetId"] == "c2"
    assert "hash" not in newest.to_json() and newest.to_json()["seq"] == 9


def test_who_accessed_my_data_lists_others_only(store: Store, clock: ManualClock) -> None:
    log = AuditLog(store, clock)
    me = "u-employee"
    log.record(ev(actor="u-manager", request_id="r1"))
    clock.advance(seconds=1)
    # The owner's own read: the default scopes skip the owner's chain; forced in, it is still hidden.
    log.record(ev(actor=me, request_id="r2"))
    log.record(ev(actor=me, request_id="r3"), scopes=[scope_for_user(me)])
    log.record(ev(actor="u-doctor", action="document:read", owner_id=me, request_id="r4"))
    log.record(ev(actor="u-doctor", owner_id="u-other", request_id="r5"))
    page = log.accesses_to(me)
    assert [(e.event.actor, e.event.request_id) for e in page.events] == [
        ("u-doctor", "r4"),
        ("u-manager", "r1"),
    ]
    assert page.continuation is None
    assert [e.event.request_id for e in log.accesses_to("u-other").events] == ["r5"]
    assert log.verify(scope_for_user(me)).ok


def test_a_malformed_stored_event_is_an_integrity_error_when_read(store: Store, clock: ManualClock) -> None:
    log = filled(store, clock, 2)
    overwrite(store, 2, {**raw(store, 2), "actor": "someone@example.org"})
    with pytest.raises(IntegrityError):
        log.query(CASE)


# -- what an event may hold (no store needed) --------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"reason": "line one\nline two"},
        {"reason": "x" * (MAX_REASON_CHARS + 1)},
        {"reason": "  "},
        {"action": "read the case"},
        {"action": "Case:Read"},
        {"target_id": "anna.muster@example.org"},
        {"actor": "Anna Muster"},
        {"case_id": "c1; DROP"},
        {"request_id": ""},
        {"owner_id": 42},
    ],
)
def test_events_carrying_anything_but_ids_and_a_short_reason_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        ev(**fields)


def test_a_reason_of_the_maximum_length_is_accepted() -> None:
    assert ev(reason="ü" * MAX_REASON_CHARS).reason == "ü" * MAX_REASON_CHARS


def test_scopes_are_checked(sqlite_store: Store, clock: ManualClock) -> None:
    log = AuditLog(sqlite_store, clock)
    with pytest.raises(InvalidInput):
        log.record(ev(case_id=None, org_id=None, owner_id=None))  # no scope to write to
    with pytest.raises(InvalidInput):
        log.record(ev(), scopes=["cases-c1"])
    with pytest.raises(InvalidInput):
        scope_for_case("c 1")
    assert sqlite_store.query("audit", CASE, Query()).items == []
