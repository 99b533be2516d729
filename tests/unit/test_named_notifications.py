"""Issue 24.6: notifications say who did what on which case — resolved when the list is read,
as the reader may see it now (SPEC §5): a revoked, expired or deleted item, or a reader who left
the case, shows the neutral text without any name or title; the stored notification and its
e-mail hold ids only; a page costs the same store calls whatever it spans."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from shared import bootstrap
from shared.access.caller import Caller
from shared.cases import participants as case_participants
from shared.crypto.case_keys import CaseCipher, CaseKeys
from shared.documents import documents
from shared.identity import accounts
from shared.messages import messages
from shared.notes import notes
from shared.notifications import inbox, named_page, notify
from shared.ports import Ports
from shared.sharing import revoke, share
from tests.fakes import ManualClock
from tests.unit.conftest import wire_counting

CASE = "c1"


def person(ports: Ports, name: str) -> str:
    email = f"{name.rsplit(maxsplit=1)[-1].lower()}@example.invalid"
    return accounts.create_invited_user(ports.store, ports.clock, email=email, name=name, language="de")


def open_case(ports: Ports, case_id: str, employee: str, others: dict[str, str]) -> None:
    ports.store.upsert("cases", {"id": "case", "caseId": case_id, "type": "case", "orgId": "o1",
                                 "status": "open", "employeeUserId": employee})  # fmt: skip
    for user_id, role in {employee: "employee", **others}.items():
        ports.store.upsert("cases", {"id": f"participant-{user_id}", "caseId": case_id, "type": "participant",
                                     "userId": user_id, "role": role, "status": "active"})  # fmt: skip
    ports.case_keys.create(case_id)


def by(user_id: str, case_id: str = CASE) -> Caller:
    return Caller.user(user_id, "req-test", case_id=case_id)


def upload(ports: Ports, owner: str, title: str, case_id: str = CASE) -> str:
    doc = documents.upload(ports, by(owner, case_id), case_id, data=b"x\n", declared_type="text/plain",
                           file_name="x.txt", title=title, category="other")  # fmt: skip
    return str(doc["id"])


def named(ports: Ports, reader: str) -> list[dict[str, Any]]:
    return named_page(ports, reader, inbox(ports, reader).items)


@pytest.fixture
def people(wired: Ports) -> dict[str, str]:
    found = {
        "anna": person(wired, "Anna Müller"),  # the employee
        "dora": person(wired, "Dr. Dora Doctor"),
        "carla": person(wired, "Carla Case"),
    }
    open_case(wired, CASE, found["anna"], {found["dora"]: "doctor", found["carla"]: "case_manager"})
    return found


def test_a_share_names_who_shared_which_document_in_whose_case(wired: Ports, people: dict[str, str]) -> None:
    doc = upload(wired, people["anna"], "Arztzeugnis November")
    share(wired, by(people["anna"]), CASE, "doc", doc, grantee_id=people["dora"], expires_at=None)
    [view] = named(wired, people["dora"])
    assert view["available"] is True
    assert (view["actorName"], view["itemTitle"], view["caseName"]) == (
        "Anna Müller",
        "Arztzeugnis November",
        "Anna Müller",
    )
    assert view["ownCase"] is False
    # Stored with ids only: no name, no title in the recipient's partition.
    [stored] = inbox(wired, people["dora"]).items
    assert stored["actorId"] == people["anna"]
    assert "Müller" not in json.dumps(stored) and "Arztzeugnis" not in json.dumps(stored)


def test_the_employee_reads_your_case_not_their_own_name(wired: Ports, people: dict[str, str]) -> None:
    note = notes.create(wired, by(people["carla"]), CASE, title="Gespräch vom Montag", body="b")
    share(
        wired, by(people["carla"]), CASE, "note", str(note["id"]), grantee_id=people["anna"], expires_at=None
    )
    [view] = named(wired, people["anna"])
    assert (view["actorName"], view["itemTitle"], view["caseName"], view["ownCase"]) == (
        "Carla Case",
        "Gespräch vom Montag",
        None,
        True,
    )


def test_revoked_expired_or_deleted_items_show_the_neutral_text(wired: Ports, people: dict[str, str]) -> None:
    anna, dora = by(people["anna"]), people["dora"]
    revoked, expiring, deleted = (
        upload(wired, people["anna"], t) for t in ("Revoked", "Expiring", "Deleted")
    )
    for doc in (revoked, deleted):
        share(wired, anna, CASE, "doc", doc, grantee_id=dora, expires_at=None)
    later = wired.clock.now() + timedelta(hours=1)
    share(wired, anna, CASE, "doc", expiring, grantee_id=dora, expires_at=later)
    revoke(wired, anna, CASE, "doc", revoked, grantee_id=dora)
    current = documents.read(wired, anna, CASE, deleted)
    documents.delete(wired, anna, CASE, deleted, if_match=current["etag"])
    assert isinstance(wired.clock, ManualClock)
    wired.clock.advance(hours=2)
    views = named(wired, dora)
    assert len(views) == 3
    for view in views:
        assert view["available"] is False, view
        assert view["actorName"] is None and view["itemTitle"] is None, view
        assert view["caseName"] == "Anna Müller"  # she is still in the case: she sees whose it is


def test_someone_removed_from_the_case_sees_no_name_at_all(wired: Ports, people: dict[str, str]) -> None:
    doc = upload(wired, people["anna"], "Arztzeugnis")
    share(wired, by(people["anna"]), CASE, "doc", doc, grantee_id=people["dora"], expires_at=None)
    case_participants.remove(wired, by(people["carla"]), CASE, people["dora"])
    [view] = named(wired, people["dora"])
    assert view["available"] is False
    assert (view["actorName"], view["itemTitle"], view["caseName"]) == (None, None, None)


def test_a_forged_actor_is_not_named_on_a_share(wired: Ports, people: dict[str, str]) -> None:
    """The name of an item notice is the item's owner's, whatever the notification says."""
    doc = upload(wired, people["anna"], "Echt")
    share(wired, by(people["anna"]), CASE, "doc", doc, grantee_id=people["dora"], expires_at=None)
    notify(
        wired, people["dora"], "share", case_id=CASE, item_type="doc", item_id=doc, actor_id=people["carla"]
    )
    assert {v["actorName"] for v in named(wired, people["dora"])} == {"Anna Müller"}


def test_a_message_names_its_sender_and_the_thread_while_the_reader_is_a_member(
    wired: Ports, people: dict[str, str]
) -> None:
    messages.start_thread(wired, by(people["dora"]), CASE, member_ids=[people["anna"]], subject="Arbeitsversuch",
                          text="Hallo")  # fmt: skip
    [view] = named(wired, people["anna"])
    assert (view["kind"], view["actorName"], view["itemTitle"], view["available"]) == (
        "message",
        "Dr. Dora Doctor",
        "Arbeitsversuch",
        True,
    )
    # Carla is no member: a notice about that thread (forged into her inbox) names nobody.
    notify(wired, people["carla"], "message", case_id=CASE, item_type="thread", item_id=view["itemId"],
           actor_id=people["dora"], email=False)  # fmt: skip
    [foreign] = named(wired, people["carla"])
    assert foreign["available"] is False and foreign["actorName"] is None and foreign["itemTitle"] is None


def test_a_page_costs_the_same_store_calls_across_1_or_25_cases(tmp_path: Path) -> None:
    costs = []
    for cases in (1, 25):
        ports, store = wire_counting(tmp_path / str(cases))
        try:
            anna, dora = person(ports, "Anna Müller"), person(ports, "Dr. Dora Doctor")
            for i in range(25):
                case_id = f"k{i % cases}"
                if i < cases:
                    open_case(ports, case_id, anna, {dora: "doctor"})
                doc = upload(ports, anna, f"Dokument {i}", case_id)
                share(ports, by(anna, case_id), case_id, "doc", doc, grantee_id=dora, expires_at=None)
            page = inbox(ports, dora, limit=25).items
            # A cold key cache (a new instance): the keys are read too, in one call, not per case.
            keys = CaseKeys(store, ports.key_ring, ports.clock)
            cold = dataclasses.replace(ports, case_keys=keys, cipher=CaseCipher(keys))
            store.reset()
            views = named_page(cold, dora, page)
            assert {v["itemTitle"] for v in views} == {f"Dokument {i}" for i in range(25)}
            costs.append(len(store.calls))
        finally:
            bootstrap.reset()
    assert costs[0] == costs[1], costs


def test_a_break_glass_alert_names_who_opened_which_case_only_to_a_current_admin(
    wired: Ports, people: dict[str, str]
) -> None:
    ada, sven = person(wired, "Ada Admin"), person(wired, "Sven Staff")
    wired.store.upsert("orgs", {"id": "org", "orgId": "o1", "type": "org", "name": "Browser AG"})
    wired.store.upsert("orgs", {"id": f"member-{ada}", "orgId": "o1", "type": "member", "userId": ada,
                                "roles": ["org_admin"]})  # fmt: skip
    notify(wired, ada, "break_glass", case_id=CASE, item_type="org", item_id="o1", actor_id=sven)
    [view] = named(wired, ada)
    assert (view["available"], view["actorName"], view["caseName"], view["orgName"]) == (
        True,
        "Sven Staff",
        "Anna Müller",
        "Browser AG",
    )
    wired.store.upsert("orgs", {"id": f"member-{ada}", "orgId": "o1", "type": "member", "userId": ada,
                                "roles": ["case_manager"]})  # fmt: skip
    [view] = named(wired, ada)
    assert (view["available"], view["actorName"], view["caseName"], view["orgName"]) == (
        False,
        None,
        None,
        None,
    )
