"""Sharing (journey 7): private by default, grants to active participants only, expiry without
any job, removal ends access at once, "see what X sees" equals what X really sees."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.access.caller import Caller
from shared.errors import InvalidInput, NotFound
from shared.notifications import inbox
from shared.ports import Ports, Query
from shared.sharing import (
    ExpiryInPast,
    ExpiryTooFar,
    NotAParticipant,
    as_seen_by,
    can_view,
    end_grants_for_item,
    end_grants_of,
    revoke,
    share,
    visible_items,
    who_has_access,
)
from shared.sharing import grants as grants_module
from tests.fakes import ManualClock

C = "c1"


def who(user_id: str) -> Caller:
    """A user acting with no routed access check: the services check ownership themselves."""
    return Caller.user(user_id, "req-test")


def advance(ports: Ports, **delta: float) -> None:
    """Move the test clock (the ``wired`` fixture's clock is a ManualClock)."""
    assert isinstance(ports.clock, ManualClock)
    ports.clock.advance(**delta)


def participant(ports: Ports, user_id: str, role: str, status: str = "active") -> None:
    ports.store.upsert(
        "cases",
        {
            "id": f"participant-{user_id}",
            "caseId": C,
            "type": "participant",
            "userId": user_id,
            "role": role,
            "status": status,
        },
    )


def item(ports: Ports, item_id: str, owner: str, item_type: str = "doc") -> None:
    ports.store.create(
        "cases", {"id": f"{item_type}-{item_id}", "caseId": C, "type": item_type, "ownerId": owner}
    )


@pytest.fixture
def ports(wired: Ports) -> Ports:
    participant(wired, "u1", "employee")
    participant(wired, "u2", "doctor")
    participant(wired, "u3", "employer")
    item(wired, "d1", "u1")
    item(wired, "d2", "u1")
    item(wired, "d3", "u3")
    item(wired, "n1", "u1", "note")
    return wired


def grant(
    ports: Ports, item_id: str = "d1", grantee: str = "u2", owner: str = "u1", **kw: Any
) -> dict[str, Any]:
    return share(ports, who(owner), C, "doc", item_id, grantee_id=grantee, expires_at=kw.get("expires_at"))


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [i["id"] for i in items]


def grant_items(ports: Ports) -> list[dict[str, Any]]:
    return ports.store.query("cases", C, Query(equals={"type": "grant"})).items


def test_items_are_private_until_shared(ports: Ports) -> None:
    assert can_view(ports, C, "doc", "d1", "u1")
    assert not can_view(ports, C, "doc", "d1", "u2")
    stored = grant(ports)
    assert stored["id"] == "grant-doc-d1-u2" and stored["type"] == "grant" and stored["expiresAt"] is None
    assert "ttl" not in stored
    assert can_view(ports, C, "doc", "d1", "u2")
    assert not can_view(ports, C, "doc", "d1", "u3")
    assert not can_view(ports, C, "doc", "d2", "u2")  # one item shared, not the owner's others


@pytest.mark.parametrize(
    ("grantee", "status"), [("u9", None), ("u4", "invited"), ("u4", "removed"), ("u1", None), ("u-2", None)]
)
def test_only_other_active_participants_can_receive_a_share(
    ports: Ports, grantee: str, status: str | None
) -> None:
    if status:
        participant(ports, grantee, "doctor", status)
    with pytest.raises(NotAParticipant) as caught:
        grant(ports, grantee=grantee)
    assert caught.value.code == "not_a_participant" and caught.value.field == "granteeId"
    assert isinstance(caught.value, InvalidInput)
    assert grant_items(ports) == []


@pytest.mark.parametrize(
    ("item_id", "owner"),
    [("d3", "u1"), ("d1", "u2"), ("nope", "u1"), ("n1", "u1"), ("../d1", "u1"), ("d1", "u9")],
)
def test_someone_elses_or_a_missing_item_is_not_found(ports: Ports, item_id: str, owner: str) -> None:
    with pytest.raises(NotFound):
        grant(ports, item_id=item_id, owner=owner, grantee="u3" if owner == "u2" else "u2")
    assert grant_items(ports) == []


def test_unknown_item_type_is_invalid(ports: Ports) -> None:
    with pytest.raises(InvalidInput) as caught:
        share(ports, who("u1"), C, "case", "d1", grantee_id="u2", expires_at=None)
    assert caught.value.field == "itemType"
    assert not can_view(ports, C, "case", "d1", "u1")


def test_expiry_must_be_future_aware_and_bounded(ports: Ports) -> None:
    now = ports.clock.now()
    for past in (now, now - timedelta(seconds=1)):
        with pytest.raises(ExpiryInPast) as caught:
            grant(ports, expires_at=past)
        assert caught.value.code == "expiry_in_past" and caught.value.field == "expiresAt"
    with pytest.raises(ExpiryTooFar) as too_far:
        grant(ports, expires_at=now + timedelta(days=3 * 366))
    assert too_far.value.code == "expiry_too_far" and too_far.value.params == {"years": 3}
    with pytest.raises(InvalidInput) as naive:
        grant(ports, expires_at=now.replace(tzinfo=None) + timedelta(days=1))
    assert naive.value.field == "expiresAt"
    assert grant_items(ports) == []
    assert grant(ports, expires_at=now + timedelta(days=3 * 365))["ttl"] == 3 * 365 * 86400


def test_expired_grants_stop_working_without_any_job(ports: Ports) -> None:
    expiry = ports.clock.now() + timedelta(hours=1)
    stored = grant(ports, expires_at=expiry)
    assert stored["ttl"] == 3600 and datetime.fromisoformat(stored["expiresAt"]) == expiry.astimezone(UTC)
    advance(ports, seconds=3599)
    assert can_view(ports, C, "doc", "d1", "u2")
    assert [e["userId"] for e in who_has_access(ports, who("u1"), C, "doc", "d1")] == ["u1", "u2"]
    advance(ports, seconds=1)
    assert not can_view(ports, C, "doc", "d1", "u2")
    assert [e["userId"] for e in who_has_access(ports, who("u1"), C, "doc", "d1")] == ["u1"]
    assert visible_items(ports, C, "u2", "doc") == []
    assert as_seen_by(ports, C, "doc", owner_id="u1", viewer_id="u2") == []


def test_a_removed_participant_loses_access_at_once_and_cleanup_is_idempotent(ports: Ports) -> None:
    grant(ports)
    grant(ports, item_id="d2")
    participant(ports, "u2", "doctor", "removed")
    assert not can_view(ports, C, "doc", "d1", "u2")
    assert visible_items(ports, C, "u2", "doc") == []
    assert [e["userId"] for e in who_has_access(ports, who("u1"), C, "doc", "d1")] == ["u1"]
    assert end_grants_of(ports, C, "u2") == 2
    assert end_grants_of(ports, C, "u2") == 0
    participant(ports, "u2", "doctor")  # invited back: old grants do not come back with them
    assert not can_view(ports, C, "doc", "d1", "u2")


def test_resharing_updates_the_expiry_and_notifies_only_once(ports: Ports) -> None:
    now = ports.clock.now()
    first = grant(ports, expires_at=now + timedelta(hours=1))
    advance(ports, minutes=30)
    second = grant(ports, expires_at=now + timedelta(days=2))
    assert second["createdAt"] == first["createdAt"] and second["updatedAt"] != first["updatedAt"]
    advance(ports, hours=3)
    assert can_view(ports, C, "doc", "d1", "u2")
    third = grant(ports, expires_at=None)  # no expiry: until revoked
    assert third["expiresAt"] is None and "ttl" not in third
    advance(ports, days=10)
    assert can_view(ports, C, "doc", "d1", "u2")
    assert len(grant_items(ports)) == 1
    notes = inbox(ports, "u2").items
    assert [(n["kind"], n["caseId"], n["itemType"], n["itemId"]) for n in notes] == [
        ("share", C, "doc", "d1")
    ]


def test_revoke_ends_access_and_only_the_owner_can(ports: Ports) -> None:
    grant(ports)
    with pytest.raises(NotFound):
        revoke(ports, who("u2"), C, "doc", "d1", grantee_id="u2")
    revoke(ports, who("u1"), C, "doc", "d1", grantee_id="u2")
    assert not can_view(ports, C, "doc", "d1", "u2")
    for grantee in ("u2", "u3", "bad-id"):
        with pytest.raises(NotFound):
            revoke(ports, who("u1"), C, "doc", "d1", grantee_id=grantee)


def test_who_has_access_is_for_the_owner_only(ports: Ports) -> None:
    expiry = ports.clock.now() + timedelta(days=1)
    grant(ports, expires_at=expiry)
    grant(ports, grantee="u3")
    entries = who_has_access(ports, who("u1"), C, "doc", "d1")
    assert [(e["userId"], e["role"], e["access"]) for e in entries] == [
        ("u1", "employee", "owner"),
        ("u2", "doctor", "shared"),
        ("u3", "employer", "shared"),
    ]
    assert entries[1]["expiresAt"] == expiry.astimezone(UTC).isoformat() and entries[2]["expiresAt"] is None
    with pytest.raises(NotFound):
        who_has_access(ports, who("u2"), C, "doc", "d1")


def test_visible_items_are_own_plus_shared_of_that_type(ports: Ports) -> None:
    grant(ports)
    grant(ports, item_id="d3", owner="u3")
    share(ports, who("u1"), C, "note", "n1", grantee_id="u2", expires_at=None)
    assert ids(visible_items(ports, C, "u2", "doc")) == ["doc-d1", "doc-d3"]
    assert ids(visible_items(ports, C, "u2", "note")) == ["note-n1"]
    assert ids(visible_items(ports, C, "u1", "doc")) == ["doc-d1", "doc-d2"]
    assert ids(visible_items(ports, C, "u3", "doc")) == ["doc-d3"]
    assert visible_items(ports, C, "u9", "doc") == []
    assert visible_items(ports, "c2", "u1", "doc") == []  # another case: nothing leaks across


def test_see_what_x_sees_is_exactly_the_owners_items_x_gets(ports: Ports) -> None:
    grant(ports)
    grant(ports, item_id="d3", owner="u3")  # u2 sees it too, but it is not u1's to preview
    assert ids(as_seen_by(ports, C, "doc", owner_id="u1", viewer_id="u2")) == ["doc-d1"]
    assert as_seen_by(ports, C, "doc", owner_id="u1", viewer_id="u3") == []
    assert as_seen_by(ports, C, "doc", owner_id="u1", viewer_id="u9") == []
    assert ids(as_seen_by(ports, C, "doc", owner_id="u1", viewer_id="u1")) == ["doc-d1", "doc-d2"]
    with pytest.raises(NotFound):
        as_seen_by(ports, C, "doc", owner_id="u9", viewer_id="u2")


def test_a_deleted_item_is_not_shown_and_its_grants_can_be_ended(ports: Ports) -> None:
    grant(ports)
    grant(ports, grantee="u3")
    ports.store.delete("cases", C, "doc-d1")
    assert not can_view(ports, C, "doc", "d1", "u2")
    assert visible_items(ports, C, "u2", "doc") == []
    assert end_grants_for_item(ports, C, "doc", "d1") == 2
    assert grant_items(ports) == []


def test_error_strings_exist_in_both_languages() -> None:
    path = Path(grants_module.__file__).with_name("strings.json")
    strings = json.loads(path.read_text(encoding="utf-8"))
    for code in ("not_a_participant", "expiry_in_past", "expiry_too_far"):
        for lang in ("en", "de"):
            entry = strings[lang]["errors"][code]
            assert entry["title"].strip() and entry["detail"].strip()
        assert strings["en"]["errors"][code] != strings["de"]["errors"][code]
