"""Issue 24: what moves a case's "last activity", and for whom (shared/effects/activity.py) —
a change, never a read, and only one the viewer may know of; the relay stamps it onto the index
entries of "my cases" and the organisation's directory, never onto the case item."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shared.audit.events import AuditEvent
from shared.effects import activity
from shared.ports import Item, PatchOperation, Ports
from tests.unit.conftest import wire

CASE, ORG = "c1", "o1"
CM, EMP, DOC, BOSS, GONE = "u-cm", "u-emp", "u-doc", "u-boss", "u-gone"


def _event(action: str, actor: str = EMP, target_id: str = CASE, case_id: str | None = CASE) -> AuditEvent:
    return AuditEvent(
        actor=actor, action=action, target_type="x", target_id=target_id, request_id="r", case_id=case_id
    )


@pytest.mark.parametrize(
    ("action", "counts"),
    [
        ("case:read", False),
        ("plan:read", False),
        ("plan:read_history", False),
        ("note:list", False),
        ("document:read", False),
        ("item:preview", False),
        ("case:break_glass", False),
        ("access_review:read", False),
        ("temp_access:end", False),
        ("case:create", True),
        ("case:close", True),
        ("case:legal_hold", True),
        ("plan:write", True),
        ("participant:invite", True),
        ("note:create", True),
        ("document:delete", True),
        ("evaluation:amend", True),
        ("message:send", True),
        ("item:share", True),
    ],
)
def test_a_change_is_activity_a_read_is_not(action: str, counts: bool) -> None:
    assert activity.is_activity(_event(action)) is counts
    assert activity.is_activity(_event(action, case_id=None)) is False  # no case, no case activity


def test_who_sees_which_change() -> None:
    touched = activity.touched_by(
        [
            (_event("note:create", EMP, "n1"), "2026-11-30T10:00:00.000000Z"),
            (_event("item:share", EMP, f"grant-doc-d1-{DOC}"), "2026-11-30T10:01:00.000000Z"),
            (_event("message:send", CM, "t1-m1"), "2026-11-30T10:02:00.000000Z"),
            (_event("plan:write", CM, "s1"), "2026-11-30T10:03:00.000000Z"),
            (_event("case:read", BOSS), "2026-11-30T10:04:00.000000Z"),
            (_event("plan:write", CM, "s1"), "2026-11-30T09:00:00.000000Z"),  # older: the latest wins
        ]
    )
    assert touched.case_wide == {CASE: "2026-11-30T10:03:00.000000Z"}
    assert touched.personal == {
        (CASE, EMP): "2026-11-30T10:01:00.000000Z",
        (CASE, DOC): "2026-11-30T10:01:00.000000Z",  # shared with the doctor
        (CASE, CM): "2026-11-30T10:02:00.000000Z",
    }
    assert touched.threads == {(CASE, "t1"): "2026-11-30T10:02:00.000000Z"}
    assert not activity.touched_by([(_event("case:read"), "2026-11-30T10:00:00.000000Z")])


def _seed(ports: Ports) -> None:
    store = ports.store
    store.upsert("cases", {"id": "case", "caseId": CASE, "orgId": ORG, "type": "case", "status": "closed",
                           "legalHold": True, "createdAt": "2026-11-01T00:00:00+00:00"})  # fmt: skip
    for user, status in (
        (CM, "active"),
        (EMP, "active"),
        (DOC, "active"),
        (BOSS, "invited"),
        (GONE, "removed"),
    ):
        store.upsert("cases", {"id": f"participant-{user}", "caseId": CASE, "type": "participant", "userId": user,
                               "role": "doctor", "status": status})  # fmt: skip
        store.upsert("users", {"id": f"case-{CASE}", "userId": user, "type": "case_ref", "caseId": CASE,
                               "orgId": ORG, "status": status, "caseStatus": "open", "legalHold": False,
                               "lastActivityAt": "2026-11-01T00:00:00.000000Z"})  # fmt: skip
    store.upsert("cases", {"id": "thread-t1", "caseId": CASE, "type": "thread",
                           "members": {CM: "2026-11-01", DOC: "2026-11-01"}})  # fmt: skip
    for item_id, kind in ((f"case-{CASE}", "case_ref"), (f"name-abc-{CASE}", "case_name")):
        store.upsert("orgs", {"id": item_id, "orgId": ORG, "type": kind, "caseId": CASE, "caseStatus": "open",
                              "legalHold": False, "lastActivityAt": "2026-11-01T00:00:00.000000Z"})  # fmt: skip


def _entry(ports: Ports, user: str) -> Item:
    return ports.store.read("users", user, f"case-{CASE}")


def _state(item: Item) -> tuple[Any, ...]:
    return (item.get("lastActivityAt"), item.get("caseStatus"), item.get("legalHold"))


def test_a_private_change_moves_only_its_writers_entry(tmp_path: Path) -> None:
    ports = wire(tmp_path)
    _seed(ports)
    case_before = ports.store.read("cases", CASE, "case")
    touched = activity.touched_by([(_event("note:create", EMP, "n1"), "2026-11-30T10:00:00.000000Z")])
    assert activity.stamp_case_indexes(ports, touched) == 1
    assert _entry(ports, EMP)["lastActivityAt"] == "2026-11-30T10:00:00.000000Z"
    for user in (CM, DOC, BOSS):
        assert _entry(ports, user)["lastActivityAt"] == "2026-11-01T00:00:00.000000Z"
    assert ports.store.read("orgs", ORG, f"case-{CASE}")["lastActivityAt"] == "2026-11-01T00:00:00.000000Z"
    assert ports.store.read("cases", CASE, "case")["_etag"] == case_before["_etag"]  # never the case item


def test_a_case_wide_change_stamps_everyone_and_the_directory_with_the_cases_state(tmp_path: Path) -> None:
    ports = wire(tmp_path)
    _seed(ports)
    at, later = "2026-11-30T10:00:00.000000Z", "2026-11-30T10:05:00.000000Z"
    touched = activity.touched_by(
        [(_event("case:close", CM), at), (_event("message:send", DOC, "t1-m9"), later)]
    )
    # Four entries of people taking part (the removed one is left alone) and two directory entries.
    assert activity.stamp_case_indexes(ports, touched) == 6
    assert _state(_entry(ports, EMP)) == (at, "closed", True)
    assert _state(_entry(ports, BOSS)) == (at, "closed", True)
    assert _state(_entry(ports, CM)) == (later, "closed", True)  # a member of the thread
    assert _state(_entry(ports, DOC)) == (later, "closed", True)
    assert _state(_entry(ports, GONE)) == ("2026-11-01T00:00:00.000000Z", "open", False)
    for item_id in (f"case-{CASE}", f"name-abc-{CASE}"):
        assert _state(ports.store.read("orgs", ORG, item_id)) == (at, "closed", True)  # case-wide only


def test_an_entry_that_is_not_there_is_skipped(tmp_path: Path) -> None:
    ports = wire(tmp_path)
    touched = activity.touched_by(
        [
            (_event("note:create", "system"), "2026-11-30T10:00:00.000000Z"),
            (_event("plan:write"), "2026-11-30T10:00:00.000000Z"),
        ]
    )
    assert activity.stamp_case_indexes(ports, touched) == 0  # a purged case, an unindexed actor


def test_the_backfill_gives_old_entries_the_cases_state_and_keeps_a_stamped_time(tmp_path: Path) -> None:
    ports = wire(tmp_path)
    _seed(ports)
    bare = {"id": f"case-{CASE}", "userId": CM, "type": "case_ref", "caseId": CASE, "orgId": ORG,
            "status": "active"}  # fmt: skip
    ports.store.upsert("users", bare)  # written before last activity existed
    later = "2026-11-20T08:00:00.000000Z"
    ports.store.patch("orgs", ORG, f"name-abc-{CASE}", [PatchOperation("set", "/lastActivityAt", later)])
    assert activity.backfill(ports) == 7  # CM, EMP, DOC, BOSS, GONE and the two directory entries
    cm = _entry(ports, CM)
    assert _state(cm) == ("2026-11-01T00:00:00.000000Z", "closed", True)
    assert cm["createdAt"] == "2026-11-01T00:00:00+00:00"
    stamped = ports.store.read("orgs", ORG, f"name-abc-{CASE}")
    assert _state(stamped) == (later, "closed", True)  # its own time, kept
    assert activity.backfill(ports) == 7 and _state(_entry(ports, CM)) == _state(cm)  # idempotent
