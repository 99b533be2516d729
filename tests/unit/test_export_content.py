"""What "download my data" collects (shared/export/content.py) at the service level, on the
memory store with a manual clock — the cases the API journey (tests/api/test_export_journey.py,
both adapters) does not reach: a participant removed from a case takes the messages they
received while they took part, and nothing written in the case's threads after their removal."""

from __future__ import annotations

from typing import Any

import pytest

from shared.access.caller import Caller
from shared.export import content
from shared.identity import legal, onboarding
from shared.messages import messages
from shared.ports import Ports
from tests.fakes import ManualClock

C = "c1"


def who(user_id: str) -> Caller:
    return Caller.user(user_id, "req-test", case_id=C)


def clock(ports: Ports) -> ManualClock:
    assert isinstance(ports.clock, ManualClock)
    return ports.clock


def join(ports: Ports, user_id: str, role: str) -> None:
    ports.store.upsert("cases", {"id": f"participant-{user_id}", "caseId": C, "type": "participant",
                                 "userId": user_id, "role": role, "status": "active"})  # fmt: skip
    ports.store.upsert("users", {"id": f"case-{C}", "userId": user_id, "type": "case_ref", "caseId": C,
                                 "orgId": "o1", "role": role, "status": "active"})  # fmt: skip
    ports.store.upsert("users", {"id": "profile", "userId": user_id, "type": "profile", "name": user_id,
                                 "email": f"{user_id}@example.invalid", "language": "de",
                                 "emailNotifications": False})  # fmt: skip


@pytest.fixture
def ports(wired: Ports) -> Ports:
    wired.store.create("cases", {"id": "case", "caseId": C, "type": "case", "orgId": "o1", "status": "open"})
    wired.case_keys.create(C)
    for user, role in (("u1", "employee"), ("u2", "doctor"), ("u3", "case_manager")):
        join(wired, user, role)
    return wired


def say(ports: Ports, user: str, thread_id: str, text: str) -> None:
    clock(ports).advance(seconds=1)
    messages.send(ports, who(user), C, thread_id, text=text, attachment=None)


def case_entry(ports: Ports, user: str) -> dict[str, Any]:
    data, _files = content.collect(ports, user)
    [entry] = data["cases"]
    found: dict[str, Any] = entry
    return found


def remove(ports: Ports, user: str) -> None:
    """What shared/cases/participants.remove leaves behind (the threads are not written)."""
    clock(ports).advance(seconds=1)
    item = ports.store.read("cases", C, f"participant-{user}")
    at = clock(ports).now().isoformat()
    ports.store.replace("cases", {**item, "status": "removed", "removedAt": at}, if_match=item["_etag"])
    ref = ports.store.read("users", user, f"case-{C}")
    ports.store.replace("users", {**ref, "status": "removed"}, if_match=ref["_etag"])


def test_a_removed_participant_takes_what_they_received_and_nothing_written_after(ports: Ports) -> None:
    thread = messages.start_thread(ports, who("u1"), C, member_ids=["u2", "u3"], subject=None, text="Hallo")
    say(ports, "u3", thread["id"], "Vorher")
    say(ports, "u2", thread["id"], "Meine Antwort")
    remove(ports, "u2")
    say(ports, "u1", thread["id"], "Nach der Entfernung: nicht fuer u2")
    say(ports, "u3", thread["id"], "Auch nicht fuer u2")
    entry = case_entry(ports, "u2")
    assert entry["participation"] == "removed"
    assert [m["text"] for m in entry["messagesReceived"]] == ["Hallo", "Vorher"]
    assert [m["text"] for m in entry["messagesSent"]] == ["Meine Antwort"]
    # The others keep everything they received.
    assert [m["text"] for m in case_entry(ports, "u3")["messagesReceived"]] == [
        "Hallo", "Meine Antwort", "Nach der Entfernung: nicht fuer u2",
    ]  # fmt: skip


def test_received_messages_start_when_the_person_joined_the_thread(ports: Ports) -> None:
    thread = messages.start_thread(ports, who("u1"), C, member_ids=["u3"], subject=None, text="Vor u2")
    clock(ports).advance(seconds=5)
    messages.add_member(ports, who("u3"), C, thread["id"], "u2")
    say(ports, "u3", thread["id"], "Nach dem Beitritt")
    other = messages.start_thread(ports, who("u1"), C, member_ids=["u3"], subject=None, text="Ohne u2")
    assert other["id"] != thread["id"]
    assert [m["text"] for m in case_entry(ports, "u2")["messagesReceived"]] == ["Nach dem Beitritt"]


def test_threads_of_a_participation_before_the_current_one_are_left_out(ports: Ports) -> None:
    """Removed, invited again and active again (a fresh participant record, a new ``since``): the
    threads of before are no longer theirs (shared/messages/mail.joined_in_time), in the export as
    in the thread view — nor what was written in them meanwhile."""
    thread = messages.start_thread(ports, who("u1"), C, member_ids=["u2", "u3"], subject=None, text="Hallo")
    remove(ports, "u2")
    say(ports, "u1", thread["id"], "Waehrend u2 weg ist")
    clock(ports).advance(minutes=1)
    join(ports, "u2", "doctor")
    back = ports.store.read("cases", C, "participant-u2")
    ports.store.replace("cases", {**back, "since": clock(ports).now().isoformat()}, if_match=back["_etag"])
    say(ports, "u1", thread["id"], "Noch ohne u2")
    assert case_entry(ports, "u2")["messagesReceived"] == []


def test_every_consent_given_is_in_the_export_with_its_versions_and_time(ports: Ports) -> None:
    """Issue 20: "consents with versions and times" — re-consent to new terms must not overwrite
    the earlier one in what the person can take with them."""
    profile = ports.store.read("users", "u2", "profile")
    earlier = {"terms": "2025-01", "privacy": "2025-01", "acceptedAt": "2025-02-03T08:00:00+00:00"}
    ports.store.replace("users", {**profile, "consent": earlier}, if_match=profile["_etag"])
    onboarding.record_consent(ports, "u2", **legal.current_versions())  # new terms accepted
    data, _files = content.collect(ports, "u2")
    accepted = [(c["terms"], c["privacy"]) for c in data["consents"]]
    assert accepted == [("2025-01", "2025-01"), tuple(legal.current_versions().values())]
    assert all(c["acceptedAt"] for c in data["consents"])
    assert data["consent"] == data["consents"][-1]  # the one in force
