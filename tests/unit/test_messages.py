"""Messaging (issue 18) at the service level, on the memory store with a manual clock: threads,
unread counts, the delete window, bad input, the rate limit, the delayed e-mail rule, purge."""

from __future__ import annotations

from typing import Any

import pytest

from shared.access.caller import Caller
from shared.effects import EFFECT_TYPE
from shared.errors import CaseDeskError, InvalidInput, NotFound
from shared.messages import mail, messages
from shared.messages.messages import DeleteWindowOver, MessageRateLimited, NotAThreadMember
from shared.paging import Window
from shared.ports import Ports, Query
from tests.fakes import ManualClock

C = "c1"


def who(user_id: str) -> Caller:
    return Caller.user(user_id, "req-test", case_id=C)


def clock(ports: Ports) -> ManualClock:
    assert isinstance(ports.clock, ManualClock)
    return ports.clock


def participant(ports: Ports, user_id: str, role: str, status: str = "active") -> None:
    ports.store.upsert(
        "cases",
        {"id": f"participant-{user_id}", "caseId": C, "type": "participant", "userId": user_id, "role": role,
         "status": status},
    )  # fmt: skip
    ports.store.upsert(
        "users",
        {"id": "profile", "userId": user_id, "type": "profile", "name": user_id, "email": f"{user_id}@example.invalid",
         "language": "de", "emailNotifications": True},
    )  # fmt: skip


@pytest.fixture
def ports(wired: Ports) -> Ports:
    wired.store.create("cases", {"id": "case", "caseId": C, "type": "case", "orgId": "o1", "status": "open"})
    wired.case_keys.create(C)
    for user, role in (("u1", "employee"), ("u2", "doctor"), ("u3", "employer"), ("u4", "case_manager")):
        participant(wired, user, role)
    participant(wired, "u9", "doctor", status="removed")
    return wired


def start(
    ports: Ports, by: str = "u1", members: list[str] | None = None, text: str = "Hallo"
) -> dict[str, Any]:
    return messages.start_thread(ports, who(by), C, member_ids=members or ["u2"], subject="Termin", text=text)


def say(ports: Ports, user: str, thread_id: str, text: str = "x") -> dict[str, Any]:
    clock(ports).advance(seconds=1)  # ids order by time: two messages in one millisecond have no order
    return messages.send(ports, who(user), C, thread_id, text=text, attachment=None)


def threads(ports: Ports, user: str) -> dict[str, Any]:
    caller = who(user)
    inbox = messages.caller_inbox(ports, caller, C)
    page, _ = messages.threads_page(ports, caller, C, Window(limit=50), inbox=inbox)
    return page


def read(ports: Ports, user: str, thread_id: str) -> list[dict[str, Any]]:
    return messages.messages_page(ports, who(user), C, thread_id, Window(limit=50)).items


def emails(ports: Ports, user: str) -> list[dict[str, Any]]:
    found = ports.store.query("users", user, Query(equals={"type": EFFECT_TYPE, "kind": "email"}))
    return found.items


def test_one_to_one_unread_counts_and_opening_marks_read(ports: Ports) -> None:
    thread = start(ports)
    assert thread["subject"] == "Termin" and {m["userId"] for m in thread["members"]} == {"u1", "u2"}
    say(ports, "u1", thread["id"], "Zweite\nZeile\tmit Tab")
    assert threads(ports, "u2")["unreadTotal"] == 2 and threads(ports, "u1")["unreadTotal"] == 0
    assert threads(ports, "u3")["threads"] == []  # not a member: nothing
    # In-app: one notice per thread until read, not one per message.
    notices = ports.store.query(
        "users", "u2", Query(equals={"type": "notification", "kind": "message"})
    ).items
    assert len(notices) == 1 and notices[0]["itemId"] == thread["id"] and not emails(ports, "u2")
    got = read(ports, "u2", thread["id"])
    assert [m["text"] for m in got] == ["Zweite\nZeile\tmit Tab", "Hallo"]  # newest first
    assert threads(ports, "u2")["unreadTotal"] == 0
    notices = ports.store.query(
        "users", "u2", Query(equals={"type": "notification", "kind": "message"})
    ).items
    assert all(n["read"] for n in notices)
    # Sealed at rest: the stored message holds no text.
    stored = ports.store.query("cases", C, Query(equals={"type": "message"})).items
    assert (
        stored and all("Hallo" not in str(i) for i in stored) and all("Termin" not in str(i) for i in stored)
    )
    with pytest.raises(NotFound):
        read(ports, "u3", thread["id"])


@pytest.mark.parametrize(
    ("text", "field"),
    [("", "text"), ("   ", "text"), ("x" * 10_001, "text"), ("bell\x07", "text"), ("esc\x1b[0m", "text")],
)
def test_bad_text_is_refused_and_nothing_is_stored(ports: Ports, text: str, field: str) -> None:
    thread = start(ports)
    before = ports.store.count("cases", C, Query(equals={"type": "message"}))
    with pytest.raises(InvalidInput) as refused:
        messages.send(ports, who("u1"), C, thread["id"], text=text, attachment=None)
    assert refused.value.field == field
    assert ports.store.count("cases", C, Query(equals={"type": "message"})) == before
    assert messages.validate_text("x" * 10_000) == "x" * 10_000


@pytest.mark.parametrize("member", ["u9", "nobody", "u1"])
def test_members_must_be_other_active_participants(ports: Ports, member: str) -> None:
    with pytest.raises(NotAThreadMember):
        start(ports, members=[member])
    assert ports.store.count("cases", C, Query(equals={"type": "thread"})) == 0


def test_group_join_later_and_leave(ports: Ports) -> None:
    thread = start(ports, members=["u2", "u3"])
    clock(ports).advance(seconds=5)
    messages.add_member(ports, who("u2"), C, thread["id"], "u4")
    assert read(ports, "u4", thread["id"]) == []  # sees messages from the moment they joined
    clock(ports).advance(seconds=5)
    say(ports, "u3", thread["id"], "Neu")
    assert [m["text"] for m in read(ports, "u4", thread["id"])] == ["Neu"]
    assert threads(ports, "u1")["unreadTotal"] == 1
    messages.leave(ports, who("u3"), C, thread["id"])
    with pytest.raises(NotFound):
        read(ports, "u3", thread["id"])
    assert threads(ports, "u3")["threads"] == []
    with pytest.raises(NotFound):
        say(ports, "u3", thread["id"], "x")
    with pytest.raises(NotAThreadMember):
        messages.add_member(ports, who("u1"), C, thread["id"], "u9")


def test_delete_within_the_window_only(ports: Ports) -> None:
    thread = start(ports)
    sent = say(ports, "u1", thread["id"], "Oops")
    with pytest.raises(NotFound):  # not theirs
        messages.delete_message(ports, who("u2"), C, thread["id"], sent["id"])
    clock(ports).advance(minutes=14, seconds=59)
    gone = messages.delete_message(ports, who("u1"), C, thread["id"], sent["id"])
    assert gone["deleted"] and gone["text"] is None
    stored = ports.store.read("cases", C, f"message-{thread['id']}-{sent['id']}")
    assert stored["textSealed"] is None  # the text is destroyed, not hidden
    assert [m["deleted"] for m in read(ports, "u2", thread["id"])] == [True, False]
    late = say(ports, "u1", thread["id"], "Later")
    clock(ports).advance(minutes=15)
    with pytest.raises(DeleteWindowOver):
        messages.delete_message(ports, who("u1"), C, thread["id"], late["id"])


def test_the_rate_limit_answers_with_retry_after(ports: Ports) -> None:
    now = clock(ports).now()
    clock(ports).advance(seconds=60 - now.second - now.microsecond / 1e6)  # the start of a minute
    thread = start(ports)  # one message
    for _ in range(29):
        messages.send(ports, who("u1"), C, thread["id"], text="x", attachment=None)
    with pytest.raises(MessageRateLimited) as refused:
        say(ports, "u1", thread["id"], "x")
    assert 1 <= refused.value.retry_after <= 60
    clock(ports).advance(minutes=1)
    say(ports, "u1", thread["id"], "x")


def test_closed_case_threads_are_read_only(ports: Ports) -> None:
    thread = start(ports)
    case = ports.store.read("cases", C, "case")
    ports.store.replace("cases", {**case, "status": "closed"}, if_match=case["_etag"])
    assert [m["text"] for m in read(ports, "u2", thread["id"])] == ["Hallo"]
    with pytest.raises(CaseDeskError) as refused:
        say(ports, "u1", thread["id"], "x")
    assert refused.value.code == "case_closed"


# -- the e-mail rule -----------------------------------------------------------------------------------
def test_email_goes_after_the_delay_only_if_still_unread(ports: Ports) -> None:
    start(ports)
    clock(ports).advance(minutes=9, seconds=59)
    assert mail.send_due(ports) == 0 and not emails(ports, "u2")
    clock(ports).advance(seconds=1)
    assert mail.send_due(ports) == 1
    [sent] = emails(ports, "u2")
    body = str(sent["email"])
    assert "neue Nachricht" in sent["email"]["subject"]
    assert "Hallo" not in body and "Termin" not in body and "u1" not in body.replace("u1@", "")
    assert mail.send_due(ports) == 0  # the entry is gone: sent once


def test_no_email_if_read_within_the_delay(ports: Ports) -> None:
    thread = start(ports)
    clock(ports).advance(minutes=5)
    read(ports, "u2", thread["id"])
    clock(ports).advance(minutes=6)
    assert mail.send_due(ports) == 0 and not emails(ports, "u2")


def test_at_most_one_email_per_thread_in_30_minutes(ports: Ports) -> None:
    thread = start(ports)
    clock(ports).advance(minutes=10)
    assert mail.send_due(ports) == 1
    read(ports, "u2", thread["id"])  # read, then a new first unread message
    say(ports, "u1", thread["id"], "Noch eine")
    clock(ports).advance(minutes=10)  # 20 minutes after the first e-mail
    assert mail.send_due(ports) == 0
    read(ports, "u2", thread["id"])
    clock(ports).advance(minutes=11)
    say(ports, "u1", thread["id"], "Und noch eine")
    clock(ports).advance(minutes=10)  # 41 minutes after the first e-mail
    assert mail.send_due(ports) == 1
    assert len(emails(ports, "u2")) == 2


def test_a_notice_due_in_the_quiet_period_goes_when_it_ends_if_still_unread(ports: Ports) -> None:
    """Not dropped: a new unread message 10 minutes after the last e-mail is notified 30 minutes
    after that e-mail, not never."""
    thread = start(ports)
    clock(ports).advance(minutes=10)
    assert mail.send_due(ports) == 1
    read(ports, "u2", thread["id"])
    say(ports, "u1", thread["id"], "Noch eine")  # 1 s later; due 10 minutes on, inside the quiet period
    clock(ports).advance(minutes=10)
    assert mail.send_due(ports) == 0
    clock(ports).advance(minutes=19, seconds=58)  # 29:59 after the first e-mail
    assert mail.send_due(ports) == 0
    clock(ports).advance(seconds=1)  # 30 minutes after the first e-mail, still unread
    assert mail.send_due(ports) == 1
    assert len(emails(ports, "u2")) == 2
    clock(ports).advance(minutes=30)
    assert mail.send_due(ports) == 0  # sent once


def test_no_email_when_the_preference_is_off_or_the_person_left_the_case(ports: Ports) -> None:
    profile = ports.store.read("users", "u2", "profile")
    ports.store.replace("users", {**profile, "emailNotifications": False}, if_match=profile["_etag"])
    start(ports, members=["u2", "u3"])
    removed = ports.store.read("cases", C, "participant-u3")
    ports.store.replace("cases", {**removed, "status": "removed"}, if_match=removed["_etag"])
    clock(ports).advance(minutes=10)
    assert mail.send_due(ports) == 0
    assert not emails(ports, "u2") and not emails(ports, "u3")


def test_a_removed_participant_loses_every_thread_and_shows_as_former(ports: Ports) -> None:
    one = start(ports, members=["u2"], by="u4")
    two = start(ports, members=["u2", "u3"], by="u1")
    removed = ports.store.read("cases", C, "participant-u2")
    ports.store.replace("cases", {**removed, "status": "removed"}, if_match=removed["_etag"])
    members = {m["userId"]: m["former"] for m in threads(ports, "u1")["threads"][0]["members"]}
    assert members == {"u1": False, "u2": True, "u3": False}
    before = threads(ports, "u2")["unreadTotal"]
    say(ports, "u4", one["id"], "Noch da?")
    assert threads(ports, "u2")["unreadTotal"] == before  # no more notices
    assert two["id"] != one["id"]


def test_purge_removes_every_thread_message_and_inbox(ports: Ports) -> None:
    thread = start(ports, members=["u2", "u3"])
    say(ports, "u2", thread["id"], "x")
    assert messages.purge_case(ports, C) > 0
    for kind in ("thread", "message", "message_inbox", "message_mail"):
        assert ports.store.count("cases", C, Query(equals={"type": kind})) == 0
    assert messages.purge_case(ports, C) == 0  # idempotent


def test_export_holds_own_messages_only(ports: Ports) -> None:
    thread = start(ports)
    say(ports, "u2", thread["id"], "Antwort")
    assert [m["text"] for m in messages.export_owned(ports, C, "u1")] == ["Hallo"]


def test_the_retention_purge_takes_every_message_with_the_case(ports: Ports) -> None:
    """Threads are no registry item type: the purge's sweep of the case partition (after the case
    key is destroyed) and of the participants' partitions takes them, their inboxes and notices."""
    from datetime import timedelta

    from shared.retention import purge

    thread = start(ports, members=["u2", "u3"])
    say(ports, "u2", thread["id"], "Antwort")
    case = ports.store.read("cases", C, "case")
    closed = (clock(ports).now() - timedelta(days=4 * 366)).isoformat()
    ports.store.replace("cases", {**case, "status": "closed", "closedAt": closed}, if_match=case["_etag"])
    assert purge.purge_case(ports, C, clock(ports).now()) == "purged"
    for kind in ("thread", "message", "message_inbox", "message_mail"):
        assert ports.store.count("cases", C, Query(equals={"type": kind})) == 0, kind
    for user in ("u1", "u2", "u3"):
        assert ports.store.count("users", user, Query(equals={"type": "notification", "caseId": C})) == 0


def test_a_deleted_account_shows_as_former_participant_in_its_threads(ports: Ports) -> None:
    """Account deletion (shared/export/deletion.py) marks the participant record of a closed case
    ``former: true`` and deletes the profile; the other members must see "former participant"
    (the web has no name for them any more), not an active member with a role."""
    thread = start(ports, members=["u2", "u3"])
    case = ports.store.read("cases", C, "case")
    ports.store.replace("cases", {**case, "status": "closed"}, if_match=case["_etag"])
    gone = ports.store.read("cases", C, "participant-u2")
    ports.store.replace("cases", {**gone, "former": True}, if_match=gone["_etag"])
    ports.store.delete("users", "u2", "profile")
    listed = {m["userId"]: (m["former"], m["role"]) for m in threads(ports, "u1")["threads"][0]["members"]}
    assert listed == {"u1": (False, "employee"), "u2": (True, None), "u3": (False, "employer")}
    state = messages.thread_state(ports, who("u3"), C, thread["id"])
    assert {m["userId"]: m["former"] for m in state["members"]}["u2"] is True


def test_a_participant_removed_and_added_again_does_not_get_the_old_threads_back(ports: Ports) -> None:
    """A removal writes no thread (the access check ends it), so the thread still names the removed
    person as a member. Invited again and active again later (shared/cases/participants: a fresh
    participant record with a new ``since``), they must not see the threads of before — nor what
    was written while they were away — until a member adds them again (from then on)."""
    thread = start(ports, members=["u2", "u3"])
    removed = ports.store.read("cases", C, "participant-u2")
    ports.store.replace("cases", {**removed, "status": "removed"}, if_match=removed["_etag"])
    say(ports, "u1", thread["id"], "Waehrend u2 weg ist")
    clock(ports).advance(minutes=1)
    back = ports.store.read("cases", C, "participant-u2")
    ports.store.replace(
        "cases",
        {**back, "status": "active", "since": clock(ports).now().isoformat()},
        if_match=back["_etag"],
    )  # fmt: skip
    listed = threads(ports, "u2")
    assert listed["threads"] == [] and listed["unreadTotal"] == 0
    with pytest.raises(NotFound):
        read(ports, "u2", thread["id"])
    with pytest.raises(NotFound):
        messages.thread_state(ports, who("u2"), C, thread["id"])
    with pytest.raises(NotFound):
        say(ports, "u2", thread["id"], "x")
    assert "u2" not in {m["userId"] for m in threads(ports, "u1")["threads"][0]["members"]}
    say(ports, "u1", thread["id"], "Noch ohne u2")
    assert threads(ports, "u2")["unreadTotal"] == 0
    clock(ports).advance(minutes=10)
    mail.send_due(ports)
    assert not emails(ports, "u2")
    # Added again by a member: from that moment on, like anyone who joins later.
    clock(ports).advance(seconds=1)
    messages.add_member(ports, who("u3"), C, thread["id"], "u2")
    say(ports, "u3", thread["id"], "Willkommen zurueck")
    assert [m["text"] for m in read(ports, "u2", thread["id"])] == ["Willkommen zurueck"]
    assert [t["id"] for t in threads(ports, "u2")["threads"]] == [thread["id"]]


def test_no_email_for_a_thread_left_meanwhile(ports: Ports) -> None:
    """A notice scheduled just before the member left (a send racing the leave) stays unsent."""
    thread = start(ports, members=["u2", "u3"])
    messages.leave(ports, who("u3"), C, thread["id"])
    mail.schedule(ports, C, thread["id"], "u3", clock(ports).now())
    clock(ports).advance(minutes=10)
    mail.send_due(ports)
    assert not emails(ports, "u3") and len(emails(ports, "u2")) == 1
