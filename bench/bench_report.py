"""A PDF report over three years of daily reflections vs. the same data reads without rendering
(issue 17: target ≤ 1 s and ≤ 1 MB), on the SQLite store.

* world: bench_dashboard's — one case, 1,096 daily entries (all six scales and a note each)
  written through ``reflections.put_entry``, the series shared with the doctor;
* ours: ``POST /api/cases/{caseId}/reports`` over the three years through ``functions.http.serve``
  — session, access check, the reads of what the requester may see (series, plan, documents,
  evaluations), the rendering with reportlab, the authenticity record and audit event — as the
  doctor and as the employee; the PDF's size;
* baseline: the same reads without rendering (``reports.gather``: the dashboard path, the
  document list, the evaluations, the profile — everything the report shows, computed), and the
  bare bucket reads + decryption of bench_dashboard (``raw+decrypt``);
* the first report of a process is timed apart: it imports reportlab and loads the fonts.

Times are medians of ``--reps`` rounds after one warm-up, measured round-robin.

Run: ``.venv/bin/python -m bench.bench_report [--reps 11]``; record in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import azure.functions as func

from bench.bench_dashboard import CASE, DAYS, bucket_reads, build, interleaved
from functions import reports as routes
from functions.http import ROUTES, serve
from shared import bootstrap
from shared.access.caller import Caller
from shared.access.permissions import Action
from shared.identity.sessions import csrf_token_for
from shared.ports import Ports, Query
from shared.reflections import reflections
from shared.reports import reports

LIMIT_MS, LIMIT_BYTES = 1000.0, 1024 * 1024


def report_request(
    ports: Ports, cookie: str, sizes: list[int], *, include_text: bool = False
) -> Callable[[], func.HttpResponse]:
    last = reflections.today(ports)
    body = {"from": (last - timedelta(days=DAYS - 1)).isoformat(), "to": last.isoformat(), "language": "de",
            "recipient": "Dr. Meier, Hausarzt", "includeText": include_text}  # fmt: skip
    spec = next(r for r in ROUTES if r.name == "report_create")
    csrf = csrf_token_for(cookie.split("=", 1)[1])  # the page script's header, as after a login

    def call() -> func.HttpResponse:
        request = func.HttpRequest(
            "POST", f"http://localhost/api/cases/{CASE}/reports",
            headers={"cookie": cookie, "content-type": "application/json", "x-csrf-token": csrf},
            body=json.dumps(body).encode(), route_params={"caseId": CASE},
        )  # fmt: skip
        answer = serve(request, routes.report_create, "report_create", Action.REPORT_CREATE, None, spec=spec)
        if answer.status_code != 200:
            raise SystemExit(f"report answered {answer.status_code}: {answer.get_body()[:300]!r}")
        sizes.append(len(answer.get_body()))
        return answer

    return call


def gathered(ports: Ports, user_id: str) -> Callable[[], object]:
    last = reflections.today(ports)
    caller = Caller.user(user_id, "bench", case_id=CASE)

    def call() -> object:
        return reports.gather(
            ports, caller, CASE, first=last - timedelta(days=DAYS - 1), last=last, language="de",
            recipient="Dr. Meier, Hausarzt", include_text=False, verify_url="https://casedesk.example/verify",
        )  # fmt: skip

    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=11)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ports, _store, cookies, _ = build(Path(tmp))
        people = {role: _user_of(ports, role) for role in ("employee", "doctor")}
        sizes: dict[str, list[int]] = {"doctor": [], "employee": [], "employee, text": []}
        first_call = report_request(ports, cookies["doctor"], sizes["doctor"])
        started = time.perf_counter()
        first_call()  # imports reportlab, registers the fonts
        cold_ms = (time.perf_counter() - started) * 1000
        variants: dict[str, Callable[[], object]] = {
            "ours (doctor)": first_call,
            "ours (employee)": report_request(ports, cookies["employee"], sizes["employee"]),
            "ours (employee, text)": report_request(
                ports, cookies["employee"], sizes["employee, text"], include_text=True
            ),
            "reads (doctor)": gathered(ports, people["doctor"]),
            "reads (employee)": gathered(ports, people["employee"]),
            "raw+decrypt": bucket_reads(ports, decrypt=True),
        }
        for call in variants.values():
            call()  # warm-up
        medians = interleaved(variants, args.reps)
        bootstrap.reset()
    print(f"{DAYS} daily entries; median of {args.reps}; first report in the process {cold_ms:.0f} ms")
    for name, ms in medians.items():
        print(f"{name:21} {ms:8.2f} ms  {ms / medians['raw+decrypt']:6.2f}x raw+decrypt")
    for who in ("doctor", "employee"):
        size = max(sizes[who])
        render = medians[f"ours ({who})"] - medians[f"reads ({who})"]
        print(f"report ({who}): {size / 1024:.1f} KiB; rendering and recording ≈ {render:.1f} ms")
    print(f"report (employee, with 1,096 notes): {max(sizes['employee, text']) / 1024:.1f} KiB")
    worst_ms = max(medians["ours (doctor)"], medians["ours (employee)"])
    worst_size = max(*sizes["doctor"], *sizes["employee"])
    verdict = "OK" if worst_ms <= LIMIT_MS and worst_size <= LIMIT_BYTES else "OVER"
    print(f"target ≤ 1 s and ≤ 1 MB (the charts report): {verdict}")
    summary = {"cold_ms": round(cold_ms, 1), **{k: round(v, 2) for k, v in medians.items()}}
    print("BENCH_REPORT_JSON " + json.dumps({**summary, "bytes": {k: max(v) for k, v in sizes.items()}}))


def _user_of(ports: Ports, role: str) -> str:
    found = ports.store.query(
        "cases", CASE, Query(equals={"type": "participant", "role": role}, limit=1)
    ).items
    return str(found[0]["userId"])


if __name__ == "__main__":
    main()
