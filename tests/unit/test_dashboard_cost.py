"""What the dashboard and the reflections list cost in store calls, on the real request path
(session, access check, service, audit) through ``functions.http.serve``: a bounded number,
the same for 10 entries as for 1,000 over three years — monthly buckets, one ``read_many``
(docs/decisions/020-reflections-in-monthly-buckets.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import azure.functions as func
import pytest

from functions import reflections as routes
from functions.http import ROUTES, SESSION_COOKIE, serve
from shared import bootstrap
from shared.access.caller import Caller
from shared.access.permissions import Action
from shared.identity import demo
from shared.identity.sessions import SessionService
from shared.ports import Ports
from shared.reflections import reflections
from shared.sharing import share
from tests.fakes import CountingStore, ManualClock
from tests.unit.conftest import wire_counting

CASE = "c1"
THREE_YEARS = 3 * 365 + 1


@dataclass
class World:
    ports: Ports
    store: CountingStore
    clock: ManualClock
    employee: str
    doctor: str
    cookies: dict[str, str]


@contextmanager
def built(tmp_path: Path) -> Iterator[World]:
    ports, store = wire_counting(tmp_path)
    assert isinstance(ports.clock, ManualClock)
    seeded = demo.seed_demo(ports) or []
    people = {a.role: a.user_id for a in seeded}
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
    sessions = SessionService(store, ports.clock)
    cookies = {who: f"{SESSION_COOKIE}={sessions.start(who, 'pytest').token}" for who in (employee, doctor)}
    try:
        yield World(ports, store, ports.clock, employee, doctor, cookies)
    finally:
        bootstrap.reset()


def record_days(world: World, count: int) -> None:
    """``count`` daily entries spread evenly over the last three years, written through the
    service as the employee would (the clock walks forward, each day written on its day)."""
    owner = Caller.user(world.employee, "req-setup", case_id=CASE)
    step = THREE_YEARS // count
    world.clock.advance(days=-(THREE_YEARS - 1))
    for n in range(THREE_YEARS):
        if n % step == 0 and n // step < count:
            day = reflections.today(world.ports).isoformat()
            scales = {"wellbeing": n % 11, "pain": (n * 7) % 11}
            reflections.put_entry(world.ports, owner, CASE, day, scales=scales, texts={"note": "private"},
                                  if_match=None, if_none_match="*")  # fmt: skip
        if n < THREE_YEARS - 1:
            world.clock.advance(days=1)
    series = reflections.find_series(world.ports, owner, CASE)["id"]
    share(world.ports, owner, CASE, "reflection_series", series, grantee_id=world.doctor, expires_at=None)


def get(world: World, who: str, query: str) -> func.HttpResponse:
    request = func.HttpRequest(
        "GET",
        f"http://localhost/api/cases/{CASE}/x?{query}",
        headers={"cookie": world.cookies[who]},
        body=b"",
        route_params={"caseId": CASE},
        params=dict(part.split("=") for part in query.split("&")) if query else {},
    )
    spec = next(r for r in ROUTES if r.name == "dashboard_read")
    return serve(request, routes.dashboard_read, "dashboard_read", Action.DASHBOARD_READ, None, spec=spec)


def priced(world: World, who: str) -> tuple[list[tuple[str, str]], dict[str, object]]:
    last = reflections.today(world.ports)
    query = f"from={(last - timedelta(days=THREE_YEARS - 1)).isoformat()}&to={last.isoformat()}"
    warm = get(world, who, query)
    assert warm.status_code == 200, warm.get_body()
    world.store.reset()
    answer = get(world, who, query)
    assert answer.status_code == 200, answer.get_body()
    return list(world.store.calls), json.loads(answer.get_body())


@pytest.mark.parametrize("who", ["employee", "doctor"])
def test_a_three_year_dashboard_costs_the_same_few_calls_for_10_and_1000_entries(
    tmp_path: Path, who: str
) -> None:
    costs = []
    for count in (10, 1000):
        with built(tmp_path / str(count)) as world:
            record_days(world, count)
            calls, board = priced(world, getattr(world, who))
            points = {s["scale"]: len(s["dates"]) for s in board["scales"]}  # type: ignore[attr-defined]
            assert points["wellbeing"] == count and points["sleep"] == 0
            costs.append(calls)
    assert costs[0] == costs[1], costs
    # Session, access check (one read_many of the case partition), consent profile, the grant
    # (others only), the buckets (one read_many), the plan (one query), the audit (others only);
    # the evaluations and feedback one sees (issue 16): one's own and one's grants, a query each.
    assert len(costs[1]) == (11 if who == "doctor" else 9), costs[1]
    assert costs[1].count(("read_many", "cases")) == (3 if who == "doctor" else 2), costs[1]
    writes = [c for c in costs[1] if c[0] in CountingStore.WRITES]
    assert len(writes) == (1 if who == "doctor" else 0), writes  # the doctor's read is audited


def test_three_years_are_read_as_at_most_37_buckets() -> None:
    first, last = date(2023, 11, 30), date(2026, 11, 30)
    ids = reflections._bucket_ids(first, last)
    assert len(ids) == 37 and ids[0] == "reflmonth-202311" and ids[-1] == "reflmonth-202611"
