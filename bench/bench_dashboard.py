"""The dashboard over three years of daily reflections vs. the same bucket reads without any
aggregation (issue 15: store calls and server time, target ≤ 2×), on the SQLite store.

* world: one case with its employee and a doctor; 1,096 daily entries (three years and a day,
  all six scales and a note each) written through ``reflections.put_entry`` as the employee
  would — the clock walks forward a day at a time — and the series shared with the doctor
  (scales only, from the start);
* ours: ``GET /api/cases/{caseId}/dashboard?from=…&to=…`` over the three years through
  ``functions.http.serve`` — session, access check, the service (grant, buckets, plan, audit),
  the aggregation of ``shared/reflections/series.py`` and the JSON answer — as the employee and
  as the doctor (whose read writes its audit event);
* baseline: the same bucket reads without aggregation: one ``read_many`` of the monthly buckets
  and every entry's scales decrypted (``raw+decrypt``); the same encoded as a JSON answer
  (``raw+decrypt+json``, what any route handing out the entries costs at least); ``raw`` is the
  read alone.

Store calls are counted on a wrapper of the store (``tests/fakes.CountingStore``); times are
medians of ``--reps`` rounds after one warm-up (the case key cached, as in a warm host), the
variants measured round-robin so that a busy shared machine slows all of them alike.

Run: ``.venv/bin/python -m bench.bench_dashboard [--reps 21]``; record in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import azure.functions as func

from functions import reflections as routes
from functions.http import ROUTES, SESSION_COOKIE, serve
from shared import bootstrap
from shared.access.caller import Caller
from shared.access.permissions import Action
from shared.adapters.local_blob import LocalBlobStore
from shared.adapters.local_keys import LocalKeyFile
from shared.adapters.outbox import OutboxMailer
from shared.adapters.sqlite import SqliteStore
from shared.config import Environment
from shared.identity import demo
from shared.identity.sessions import SessionService
from shared.ports import Ports
from shared.reflections import reflections
from shared.sharing import share
from tests.fakes import CountingStore, ManualClock

CASE = "benchcase"
DAYS = 3 * 365 + 1


def build(root: Path) -> tuple[Ports, CountingStore, dict[str, str], ManualClock]:
    clock = ManualClock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC) - timedelta(days=DAYS - 1))
    store = CountingStore(SqliteStore(root / "casedesk.sqlite3", clock))
    ports = bootstrap.use(
        store=store,  # a pass-through wrapper of the Store
        blobs=LocalBlobStore(root / "blobs"),
        key_ring=LocalKeyFile(root / "keys" / "kek.json"),
        mailer=OutboxMailer(root / "outbox"),
        clock=clock,
        environment=Environment.DEVELOPMENT,
    )
    people: dict[str, str] = {a.role: a.user_id for a in demo.seed_demo(ports) or []}
    org_id = next(store.inner.scan("orgs"))["orgId"]
    store.inner.create(
        "cases",
        {"id": "case", "caseId": CASE, "type": "case", "orgId": org_id, "status": "open",
         "employeeUserId": people["employee"]},
    )  # fmt: skip
    for role in ("employee", "doctor"):
        store.inner.create(
            "cases",
            {"id": f"participant-{people[role]}", "caseId": CASE, "type": "participant",
             "userId": people[role], "role": role, "status": "active"},
        )  # fmt: skip
    ports.case_keys.create(CASE)
    owner = Caller.user(people["employee"], "bench", case_id=CASE)
    for n in range(DAYS):
        scales = {s: (n * (i + 3)) % 11 for i, s in enumerate(("wellbeing", "energy", "pain", "stress",
                                                                  "sleep", "workload"))}  # fmt: skip
        reflections.put_entry(
            ports, owner, CASE, reflections.today(ports).isoformat(), scales=scales,
            texts={"note": f"day {n}"}, if_match=None, if_none_match="*",
        )  # fmt: skip
        if n < DAYS - 1:
            clock.advance(days=1)
    series = reflections.find_series(ports, owner, CASE)["id"]
    share(ports, owner, CASE, "reflection_series", series, grantee_id=people["doctor"], expires_at=None)
    sessions = SessionService(store, clock)
    cookies = {role: f"{SESSION_COOKIE}={sessions.start(people[role], 'bench').token}" for role in people}
    return ports, store, cookies, clock


def dashboard_request(ports: Ports, cookie: str) -> Callable[[], func.HttpResponse]:
    last = reflections.today(ports)
    params = {"from": (last - timedelta(days=DAYS - 1)).isoformat(), "to": last.isoformat()}
    spec = next(r for r in ROUTES if r.name == "dashboard_read")

    def call() -> func.HttpResponse:
        request = func.HttpRequest(
            "GET", f"http://localhost/api/cases/{CASE}/dashboard", headers={"cookie": cookie}, body=b"",
            route_params={"caseId": CASE}, params=params,
        )  # fmt: skip
        answer = serve(
            request, routes.dashboard_read, "dashboard_read", Action.DASHBOARD_READ, None, spec=spec
        )
        if answer.status_code != 200:
            raise SystemExit(f"dashboard answered {answer.status_code}: {answer.get_body()[:200]!r}")
        return answer

    return call


def bucket_reads(ports: Ports, *, decrypt: bool, answer: bool = False) -> Callable[[], Any]:
    last = reflections.today(ports)
    ids = reflections._bucket_ids(last - timedelta(days=DAYS - 1), last)

    def call() -> Any:
        found = ports.store.read_many("cases", CASE, ids)
        if not decrypt:
            return list(found.values())
        cipher = ports.cipher
        entries = [
            {"date": day, "scales": json.loads(cipher.decrypt_field(CASE, "cases", b["id"], f"{day}.scales",
                                                                   e["scalesSealed"]))}
            for b in found.values()
            for day, e in b["entries"].items()
        ]  # fmt: skip
        return json.dumps({"entries": entries}, ensure_ascii=False) if answer else entries

    return call


def calls_of(call: Callable[[], object], store: CountingStore) -> list[tuple[str, str]]:
    call()  # warm-up: key cache, statement cache
    store.reset()
    call()
    return list(store.calls)


def interleaved(calls: dict[str, Callable[[], object]], reps: int) -> dict[str, float]:
    """Median ms of each, measured round-robin (one of each per round), so that the load of a
    shared machine falls on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(reps):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        ports, store, cookies, _ = build(Path(tmp))
        built = time.perf_counter() - started
        variants: dict[str, Callable[[], object]] = {
            "ours (employee)": dashboard_request(ports, cookies["employee"]),
            "ours (doctor)": dashboard_request(ports, cookies["doctor"]),
            "raw+decrypt": bucket_reads(ports, decrypt=True),
            "raw+decrypt+json": bucket_reads(ports, decrypt=True, answer=True),
            "raw": bucket_reads(ports, decrypt=False),
        }
        counted = {name: calls_of(call, store) for name, call in variants.items()}
        medians = interleaved(variants, args.reps)
        rows = {name: (medians[name], counted[name]) for name in variants}
        entries = len(bucket_reads(ports, decrypt=True)())
        bootstrap.reset()
    last = date(2026, 11, 30)
    months = len(reflections._bucket_ids(last - timedelta(days=DAYS - 1), last))
    print(
        f"{entries} entries in {months} monthly buckets; world built in {built:.1f} s; median of {args.reps}"
    )
    baseline, answered = rows["raw+decrypt"][0], rows["raw+decrypt+json"][0]
    for name, (ms, calls) in rows.items():
        kinds = ", ".join(f"{op} {container}" for op, container in calls)
        ratios = f"{ms / baseline:5.2f}x raw+decrypt  {ms / answered:5.2f}x raw+decrypt+json"
        print(f"{name:17} {ms:8.2f} ms  {ratios}  {len(calls)} calls: {kinds}")
    print(
        "BENCH_DASHBOARD_JSON "
        + json.dumps({k: {"ms": round(v[0], 3), "calls": len(v[1])} for k, v in rows.items()})
    )


if __name__ == "__main__":
    main()
