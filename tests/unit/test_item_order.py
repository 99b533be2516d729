"""Lists of a case's items come newest first, and a page continues where the last one ended:
item ids begin with their creation time (``sortable_id``), so the keyset order (by id,
descending) is the order a person expects — own and shared items interleaved by age."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared import bootstrap
from shared.access.caller import Caller
from shared.identity import demo
from shared.identity.tokens import new_id, sortable_id
from shared.notes import notes
from shared.paging import Window
from shared.ports import Ports
from shared.sharing import share
from tests.fakes import ManualClock
from tests.unit.conftest import wire_counting

CASE = "c1"


def test_sortable_ids_sort_by_creation_time_and_keep_their_shape() -> None:
    times = [datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 0, 0, 0, 1000, tzinfo=UTC)]
    times.append(datetime(2031, 7, 9, tzinfo=UTC))
    ids = [sortable_id(t) for t in times]
    assert ids == sorted(ids)
    assert all(len(i) == len(new_id()) == 32 and i.isalnum() and i == i.lower() for i in ids)
    assert len({sortable_id(times[0]) for _ in range(100)}) == 100, "random within the same millisecond"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Ports, str, str]]:
    ports, store = wire_counting(tmp_path)
    people = {a.role: a.user_id for a in demo.seed_demo(ports) or []}
    employee, doctor = people["employee"], people["doctor"]
    org_id = next(store.inner.scan("orgs"))["orgId"]
    store.inner.create(
        "cases",
        {"id": "case", "caseId": CASE, "type": "case", "orgId": org_id, "status": "open",
         "employeeUserId": employee},
    )  # fmt: skip
    for user_id, role in ((employee, "employee"), (doctor, "doctor")):
        store.inner.create(
            "cases",
            {"id": f"participant-{user_id}", "caseId": CASE, "type": "participant", "userId": user_id,
             "role": role, "status": "active"},
        )  # fmt: skip
    ports.case_keys.create(CASE)
    yield ports, employee, doctor
    bootstrap.reset()


def test_a_list_is_newest_first_across_own_and_shared_items_and_pages(world: tuple[Ports, str, str]) -> None:
    ports, employee, doctor = world
    clock = ports.clock
    assert isinstance(clock, ManualClock)
    titles = []
    for n in range(7):  # alternately the doctor's own note and one the employee shares with them
        author = doctor if n % 2 else employee
        note = notes.create(ports, Caller.user(author, "r", case_id=CASE), CASE, title=f"n{n}", body="b")
        if author == employee:
            share(ports, Caller.user(employee, "r", case_id=CASE), CASE, "note", note["id"], grantee_id=doctor,
                  expires_at=None)  # fmt: skip
        titles.append(f"n{n}")
        clock.advance(seconds=1)
    reader = Caller.user(doctor, "r", case_id=CASE)
    seen: list[str] = []
    window = Window(limit=3)
    while True:
        page = notes.listing_page(ports, reader, CASE, window)
        seen += [v["title"] for v in page.items]
        if page.after is None:
            break
        window = Window(limit=3, after=page.after)
    assert seen == titles[::-1]
