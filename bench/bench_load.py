"""Throughput of the dev host under a realistic request mix vs. a no-I/O route, in one run
(ARCHITECTURE §10, §12: 50 concurrent users reach ≥ 0.8 of the baseline with 0 errors).

* baseline: ``GET /api/health/live`` (public, touches no port) at the same concurrency
* mix:      signed-in users cycling through six requests, one of each kind:

  - my_cases: ``GET /api/me/cases``
  - doc_list: ``GET /api/cases/{caseId}/documents``
  - note_read: ``GET /api/cases/{caseId}/notes/{noteId}`` (shared with the reader, or own)
  - download: ``GET /api/cases/{caseId}/documents/{docId}/content`` (a 3 KB text file shared
    with the reader — the grant path — or, for a few, an own one)
  - note_create: ``POST /api/cases/{caseId}/notes`` (with the CSRF header and Origin)
  - unread: ``GET /api/me/notifications/unread-count``

The world is built fresh in a temporary data directory: identities, cases and sessions through
our services (as ``shared/identity/demo.py`` does), then the dev host is started on it
(``python -m devhost`` with its timers, so the effect relay runs every 5 s as in production;
``CASEDESK_ENV=development``, because the test environment checks every answer against its
declared model) and documents, notes and grants are created over HTTP as the app would.
Then: warm-up, baseline, mix (``--rounds`` alternates them),
a table, one ``BENCH_LOAD_JSON`` line, and — if the app has the timer ``effect_relay`` — how long
draining it takes after the load.

The load client is ``wrk`` (Debian package ``wrk``) with a Lua script cycling through prepared
requests, each carrying its own user's cookie; without wrk a multi-process Python client with
keep-alive connections does the same (``--client python``). Both phases use the same client.
Per-kind counts, statuses and server-side latencies come from the dev host's request log.

Run by hand, not in ``make test``: ``.venv/bin/python -m bench.bench_load --users 50 --seconds 60``.
Record results in bench/README.md with the machine they ran on.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import multiprocessing
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from shared import bootstrap
from shared.access.caller import Caller
from shared.cases import cases, participants
from shared.identity import accounts, legal, onboarding, orgs
from shared.identity.sessions import SessionService
from shared.ports import Ports

ROOT = Path(__file__).resolve().parents[1]
COOKIE = "__Host-casedesk-session"
BASELINE_PATH = "/api/health/live"
#: Request kinds of the mix, and the function that serves each (as the dev host logs it).
KINDS: dict[str, str] = {
    "my_cases": "my_cases",
    "doc_list": "document_list",
    "note_read": "note_read",
    "download": "document_download",
    "note_create": "note_create",
    "unread": "notification_unread_count",
}
RELAY = "effect_relay"
_LOG_LINE = re.compile(r"devhost\.http: (\S+) (\S+) -> (\d{3}) (\S+) \(([\d.]+) ms\)")
_WRK_JSON = "WRKJSON "


# --------------------------------------------------------------------------------------- world


@dataclass
class User:
    user_id: str
    role: str
    token: str = field(repr=False)
    csrf: str = field(repr=False)
    cases: list[str] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)  # caseId -> readable note ids
    docs: dict[str, list[str]] = field(default_factory=dict)  # caseId -> downloadable doc ids


@dataclass
class World:
    org_id: str
    users: list[User]
    participants: dict[str, list[User]]  # caseId -> its participants (employee first)


def _active_account(ports: Ports, user_id: str) -> None:
    """Consent to the current terms and status ``active``, as onboarding leaves an account."""
    profile = onboarding.record_consent(ports, user_id, **legal.current_versions())
    accounts.update_profile(ports.store, user_id, {"status": "active"}, if_match=profile["_etag"])


def _new_account(ports: Ports, email: str, name: str) -> str:
    user_id = accounts.create_invited_user(ports.store, ports.clock, email=email, name=name, language="en")
    _active_account(ports, user_id)
    return user_id


def _open_case(ports: Ports, manager: str, org_id: str, email: str, name: str) -> Any:
    """``cases.create`` as ``manager``."""
    return cases.create(
        ports,
        Caller.user(manager, "bench-seed"),
        org_id,
        employee_email=email,
        employee_name=name,
        employee_language="en",
    )


def _invite(ports: Ports, manager: str, case_id: str, email: str, role: str) -> None:
    """``participants.invite`` by ``manager``."""
    participants.invite(
        ports,
        Caller.user(manager, "bench-seed"),
        case_id,
        email=email,
        name=role.title(),
        language="en",
        role=cast("participants.CaseRole", role),
    )


def build_identities(users: int) -> World:
    """``users`` accounts in one organisation: half of them employees with a case each, the rest
    case managers (2–3 cases each), employers and doctors (3–4 cases each); one session each."""
    ports = bootstrap.ports()
    store, clock = ports.store, ports.clock
    n_cases = max(1, math.ceil(users / 2))
    rest = users - n_cases
    n_managers = max(1, math.ceil(n_cases / 3)) if rest else 0
    n_employers = (rest - n_managers + 1) // 2
    n_doctors = rest - n_managers - n_employers
    org_id = orgs.create_org(store, clock, "Bench Load AG")
    domain = "bench.casedesk.invalid"
    managers = []
    for i in range(max(1, n_managers)):
        uid = _new_account(ports, f"manager{i}@{domain}", f"Manager {i}")
        orgs.add_member(store, clock, org_id, uid, ["case_manager"])
        managers.append(uid)
    employers = [_new_account(ports, f"employer{i}@{domain}", f"Employer {i}") for i in range(n_employers)]
    doctors = [_new_account(ports, f"doctor{i}@{domain}", f"Doctor {i}") for i in range(n_doctors)]
    by_case: dict[str, list[tuple[str, str]]] = {}
    for i in range(n_cases):
        manager = managers[i % len(managers)]
        case = _open_case(ports, manager, org_id, f"employee{i}@{domain}", f"Employee {i}")
        case_id, employee = case["caseId"], case["employeeUserId"]
        _active_account(ports, employee)
        participants.activate(ports, case_id, employee)
        people = [(employee, "employee"), (manager, "case_manager")]
        for pool, role in ((employers, "employer"), (doctors, "doctor")):
            if pool:
                uid = pool[i % len(pool)]
                _invite(ports, manager, case_id, accounts.profile(store, uid)["email"], role)
                participants.activate(ports, case_id, uid)
                people.append((uid, role))
        by_case[case_id] = people
    roles = {uid: role for people in by_case.values() for uid, role in people}
    sessions = SessionService(store, clock)
    made: dict[str, User] = {}
    for uid, role in roles.items():
        started = sessions.start(uid, "bench_load")
        made[uid] = User(uid, role, started.token, started.csrf_token)
    for case_id, people in by_case.items():
        for uid, _ in people:
            made[uid].cases.append(case_id)
    world = World(
        org_id, list(made.values()), {c: [made[u] for u, _ in people] for c, people in by_case.items()}
    )
    bootstrap.reset()
    return world


# -------------------------------------------------------------------------------- HTTP helpers


class Api:
    """One keep-alive connection to the dev host (one per thread)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"
        self._conn: http.client.HTTPConnection | None = None

    def call(
        self,
        method: str,
        path: str,
        user: User | None = None,
        body: bytes | None = None,
        content_type: str = "application/json",
    ) -> tuple[int, bytes]:
        headers = request_headers(method, user, self.origin, body is not None, content_type)
        return self.raw(method, path, headers, body)

    def raw(
        self, method: str, path: str, headers: dict[str, str], body: bytes | str | None = None
    ) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                self._conn.request(method, path, body=body, headers=headers)
                response = self._conn.getresponse()
                return response.status, response.read()
            except (ConnectionError, http.client.HTTPException):
                self._conn.close()
                self._conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, user: User | None = None, data: Any = None) -> Any:
        body = None if data is None else json.dumps(data).encode()
        status, raw = self.call(method, path, user, body)
        if not 200 <= status < 300:
            raise RuntimeError(f"{method} {path} -> {status}: {raw[:300]!r}")
        return json.loads(raw) if raw else None


def request_headers(
    method: str, user: User | None, origin: str, has_body: bool, content_type: str = "application/json"
) -> dict[str, str]:
    headers = {"Accept-Language": "en", "Accept": "application/json"}
    if user is not None:
        headers["Cookie"] = f"{COOKIE}={user.token}"
        if method not in ("GET", "HEAD"):
            headers["X-CSRF-Token"] = user.csrf
            headers["Origin"] = origin
    if has_body:
        headers["Content-Type"] = content_type
    return headers


def multipart(title: str, file_name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\n{title}'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="category"\r\n\r\nother'.encode(),
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + data,
    ]
    body = b"\r\n".join(parts) + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def small_text(label: str) -> bytes:
    """A few KB of plain text (TXT is recognised by content)."""
    line = f"{label}: Wiedereingliederung, Arbeitsversuch 50 % ab Montag, Rücksprache in zwei Wochen.\n"
    return (line * 40).encode()[:3000]


def create_content(world: World, port: int, threads: int = 4) -> None:
    """Per case: each participant uploads a document shared with every other participant and
    writes a note shared with the next participant and a private one; the employee also keeps
    a private document. Every participant then has shared items from others (the grant path)."""

    def one_case(case_id: str) -> None:
        api = Api(port)
        people = world.participants[case_id]
        base = f"/api/cases/{case_id}"
        for index, owner in enumerate(people):
            body, ctype = multipart(f"Report {owner.role}", "report.txt", small_text(owner.role))
            status, raw = api.call("POST", f"{base}/documents", owner, body, ctype)
            if status != 201:
                raise RuntimeError(f"upload -> {status}: {raw[:300]!r}")
            doc_id = json.loads(raw)["id"]
            owner.docs.setdefault(case_id, []).append(doc_id)
            for other in people:
                if other is not owner:
                    api.json("PUT", f"{base}/documents/{doc_id}/grants/{other.user_id}", owner, {})
                    other.docs.setdefault(case_id, []).insert(0, doc_id)  # shared ones first
            if owner.role == "employee":
                body, ctype = multipart("Private", "private.txt", small_text("private"))
                status, raw = api.call("POST", f"{base}/documents", owner, body, ctype)
                if status != 201:
                    raise RuntimeError(f"upload -> {status}: {raw[:300]!r}")
                owner.docs[case_id].append(json.loads(raw)["id"])
            shared = api.json("POST", f"{base}/notes", owner, {"title": "Shared", "body": "Seen together."})
            private = api.json("POST", f"{base}/notes", owner, {"title": "Mine", "body": "Only for me."})
            owner.notes.setdefault(case_id, []).extend([private["id"], shared["id"]])
            if len(people) > 1:
                reader = people[(index + 1) % len(people)]
                api.json("PUT", f"{base}/notes/{shared['id']}/grants/{reader.user_id}", owner, {})
                reader.notes.setdefault(case_id, []).insert(0, shared["id"])

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one_case, world.participants))


# ---------------------------------------------------------------------------- prepared requests


@dataclass(frozen=True)
class Prepared:
    kind: str
    method: str
    path: str
    headers: dict[str, str]
    body: str | None = None


def prepare_mix(world: World, origin: str, rounds: int = 3) -> list[Prepared]:
    """Per user, ``rounds`` cycles of the six kinds over their cases and items, users interleaved
    so that consecutive requests come from different users."""
    per_user: list[list[Prepared]] = []
    note = json.dumps({"title": "Load note", "body": "Written during the load benchmark."})
    for user in world.users:
        mine: list[Prepared] = []
        for r in range(rounds):
            case_id = user.cases[r % len(user.cases)]
            base = f"/api/cases/{case_id}"
            doc = user.docs[case_id][r % len(user.docs[case_id])]
            note_id = user.notes[case_id][r % len(user.notes[case_id])]
            get = request_headers("GET", user, origin, False)
            post = request_headers("POST", user, origin, True)
            mine += [
                Prepared("my_cases", "GET", "/api/me/cases", get),
                Prepared("doc_list", "GET", f"{base}/documents", get),
                Prepared("note_read", "GET", f"{base}/notes/{note_id}", get),
                Prepared("download", "GET", f"{base}/documents/{doc}/content", get),
                Prepared("note_create", "POST", f"{base}/notes", post, note),
                Prepared("unread", "GET", "/api/me/notifications/unread-count", get),
            ]
        per_user.append(mine)
    return [requests[i] for i in range(len(per_user[0])) for requests in per_user if i < len(requests)]


def prepare_baseline(origin: str) -> list[Prepared]:
    return [Prepared("baseline", "GET", BASELINE_PATH, request_headers("GET", None, origin, False))]


# ----------------------------------------------------------------------------------- clients


@dataclass
class PhaseResult:
    name: str
    seconds: float
    requests: int
    rps: float
    errors: dict[str, int]
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    by_kind: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def error_total(self) -> int:
        return sum(self.errors.values())


def _lua_string(text: str) -> str:
    if not text.isascii():
        raise ValueError("the wrk script carries ASCII only")
    return json.dumps(text)  # for ASCII, JSON string escapes are valid Lua escapes


def wrk_script(requests: list[Prepared]) -> str:
    rows = []
    for r in requests:
        headers = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in r.headers.items())
        body = _lua_string(r.body) if r.body is not None else "nil"
        rows.append(f"    wrk.format({_lua_string(r.method)}, {_lua_string(r.path)}, {{{headers}}}, {body}),")
    return (
        "-- generated by bench/bench_load.py: cycles through prepared requests\n"
        "local threads = {}\n"
        "local counter = 0\n"
        "local n = 0\n"
        "local reqs = {}\n"
        "function setup(thread)\n"
        "  thread:set('offset', #threads * 7919)\n"
        "  table.insert(threads, thread)\n"
        "end\n"
        "function init(args)\n"
        "  reqs = {\n" + "\n".join(rows) + "\n  }\n"
        "  n = #reqs\n"
        "  counter = (offset or 0) % n\n"
        "end\n"
        "function request()\n"
        "  counter = counter % n + 1\n"
        "  return reqs[counter]\n"
        "end\n"
        "function done(summary, latency, requests)\n"
        "  local e = summary.errors\n"
        f"  io.write(string.format('{_WRK_JSON}"
        '{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,'
        '"timeout":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d}\\n\','
        " summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,"
        " latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))\n"
        "end\n"
    )


def run_wrk(
    name: str, requests: list[Prepared], port: int, *, users: int, seconds: float, workdir: Path
) -> PhaseResult:
    script = workdir / f"{name}.lua"
    script.write_text(wrk_script(requests), encoding="ascii")
    threads = max(1, min(2, os.cpu_count() or 1, users))
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{users}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "60s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}",
    ]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=seconds + 120)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith(_WRK_JSON)), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    data = json.loads(line[len(_WRK_JSON) :])
    elapsed = data["duration_us"] / 1e6
    errors = {k: data[k] for k in ("connect", "read", "write", "timeout") if data[k]}
    if data["status"]:
        errors["non-2xx/3xx"] = data["status"]
    return PhaseResult(
        name,
        elapsed,
        data["requests"],
        data["requests"] / elapsed,
        errors,
        data["p50_us"] / 1000,
        data["p95_us"] / 1000,
        data["p99_us"] / 1000,
    )


def _python_worker(
    port: int,
    requests: list[Prepared],
    threads: int,
    offset: int,
    *,
    start_at: float,
    seconds: float,
    out: Any,
) -> None:
    """One client process: ``threads`` keep-alive connections, each cycling through the list,
    from ``start_at`` (``time.monotonic()``, shared by all processes) for ``seconds``."""
    time.sleep(max(0.0, start_at - time.monotonic()))
    deadline = start_at + seconds
    results: list[tuple[list[float], Counter[str], Counter[str]]] = []

    def loop(index: int) -> None:
        latencies: list[float] = []
        statuses: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        i = (offset + index) * 7919
        while time.monotonic() < deadline:
            r = requests[i % len(requests)]
            i += 1
            started = time.perf_counter()
            try:
                conn.request(r.method, r.path, body=r.body, headers=r.headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as error:
                errors[type(error).__name__] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            if time.monotonic() > deadline:
                break
            latencies.append(time.perf_counter() - started)
            statuses[f"{r.kind} {response.status}"] += 1
        conn.close()
        results.append((latencies, statuses, errors))

    workers = [threading.Thread(target=loop, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    latencies = [x for r in results for x in r[0]]
    statuses: Counter[str] = sum((r[1] for r in results), Counter())
    errors: Counter[str] = sum((r[2] for r in results), Counter())
    out.put((latencies, dict(statuses), dict(errors)))


def run_python(name: str, requests: list[Prepared], port: int, users: int, seconds: float) -> PhaseResult:
    processes = max(1, min(4, users))
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    shares = [users // processes + (1 if k < users % processes else 0) for k in range(processes)]
    start_at = time.monotonic() + 2.0  # every process has imported and connected by then
    procs = [
        context.Process(
            target=_python_worker,
            args=(port, requests, share, sum(shares[:k])),
            kwargs={"start_at": start_at, "seconds": seconds, "out": queue},
        )
        for k, share in enumerate(shares)
    ]
    for p in procs:
        p.start()
    collected = [queue.get(timeout=seconds + 180) for _ in procs]
    for p in procs:
        p.join()
    elapsed = seconds  # only responses that arrived before the deadline are counted
    latencies = sorted(x for c in collected for x in c[0])
    statuses: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for _, s, e in collected:
        statuses.update(s)
        errors.update(e)
    bad = sum(v for k, v in statuses.items() if not k.endswith(tuple(f" {c}" for c in range(200, 400))))
    if bad:
        errors["non-2xx/3xx"] = bad

    def pct(q: float) -> float | None:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else None

    return PhaseResult(
        name, elapsed, len(latencies), len(latencies) / elapsed, dict(errors), pct(0.5), pct(0.95), pct(0.99)
    )


# ------------------------------------------------------------------------------ dev host + log


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def devhost(
    port: int, env: dict[str, str], log: Path, threads: int | None
) -> Iterator[subprocess.Popen[bytes]]:
    # Timers run as in production: the effect relay clears pending effects every 5 s meanwhile.
    # --verbose: the timers' "done in" lines, which drain_relay reads, are quiet without it.
    argv = [sys.executable, "-m", "devhost", "--port", str(port), "--verbose"]
    if threads:
        argv += ["--threads", str(threads)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            cwd=ROOT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        api = Api(port)
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the dev host exited:\n{log.read_text(errors='replace')}")
            try:
                if api.call("GET", BASELINE_PATH)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the dev host did not answer:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def settle_offset(log: Path) -> int:
    """The log's size once the requests still in flight have been written."""
    time.sleep(0.5)
    return log.stat().st_size


def server_view(log: Path, start: int, end: int) -> dict[str, dict[str, Any]]:
    """Per function: requests, statuses, non-2xx and server-side p50/p95 from the dev host log."""
    with log.open("rb") as f:
        f.seek(start)
        text = f.read(end - start).decode("utf-8", "replace")
    times: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, Counter[int]] = defaultdict(Counter)
    for match in _LOG_LINE.finditer(text):
        function = match[4]
        statuses[function][int(match[3])] += 1
        times[function].append(float(match[5]))
    calls: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for line in text.splitlines():  # the app's own request events carry its store calls
        brace = line.find('{"event":"request"')
        if brace >= 0:
            with contextlib.suppress(ValueError):
                event = json.loads(line[brace:])
                calls[event.get("function", "?")].append(
                    (event.get("storeReads", 0), event.get("storeQueries", 0), event.get("storeWrites", 0))
                )
    view = {}
    for function, values in times.items():
        values.sort()
        counted = calls.get(function, [])
        view[function] = {
            "requests": len(values),
            "statuses": {str(k): v for k, v in sorted(statuses[function].items())},
            "non2xx": sum(v for k, v in statuses[function].items() if not 200 <= k < 300),
            "server_p50_ms": round(values[len(values) // 2], 1),
            "server_p95_ms": round(values[min(len(values) - 1, int(0.95 * len(values)))], 1),
            # mean store calls per request: point reads / queries / writes
            "store_calls": [round(sum(c[i] for c in counted) / len(counted), 2) for i in range(3)]
            if counted
            else None,
        }
    return view


def _relay_events(text: str) -> list[dict[str, Any]]:
    """The JSON events (``shared.log``) a relay run logged, request lines left out."""
    events = []
    for line in text.splitlines():
        brace = line.find('{"event":')
        if brace < 0:
            continue
        try:
            event = json.loads(line[brace:])
        except ValueError:
            continue
        if event.get("event") != "request":
            events.append(event)
    return events


def _work_left(events: list[dict[str, Any]]) -> bool:
    """Did the run move something (so another may find more)? A run that logs nothing, or only
    zero counts, found nothing pending."""
    if any(e.get("more") is True for e in events):
        return True
    numbers = [v for e in events for k, v in e.items() if isinstance(v, int) and not isinstance(v, bool)]
    return bool(events) and (not numbers or any(numbers))


def _summary(events: list[dict[str, Any]]) -> dict[str, int]:
    """Events by name, plus the sum of each numeric field they carry."""
    summary: Counter[str] = Counter(str(e.get("event")) for e in events)
    for event in events:
        for key, value in event.items():
            if isinstance(value, int) and not isinstance(value, bool):
                summary[key] += value
    return dict(summary)


def drain_relay(api: Api, log: Path, max_runs: int = 200) -> dict[str, Any]:
    """Run ``effect_relay`` on demand until a run finds nothing left to move (it logs nothing
    or only zero counts). The admin endpoint answers 202 at once, so each run's end and what it
    reported are read from the host's log. Skipped if the app has no such function."""
    runs: list[float] = []
    reports: list[dict[str, int]] = []
    left = True
    finished = re.compile(rf"timer {RELAY}: done in (\d+) ms|timer {RELAY} failed")
    started = time.monotonic()
    while len(runs) < max_runs:
        offset = log.stat().st_size
        status, _ = api.call("POST", f"/admin/functions/{RELAY}", None, b"{}")
        if status == 404 and not runs:
            return {"present": False}
        if status != 202:
            return {"present": True, "error": f"the admin endpoint answered {status}", "runs": len(runs)}
        deadline = time.monotonic() + 600
        while True:
            with log.open("rb") as f:
                f.seek(offset)
                text = f.read().decode("utf-8", "replace")
            match = finished.search(text)
            if match or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if match is None:
            return {"present": True, "error": "no end of a run in the log within 600 s", "runs": len(runs)}
        if match[1] is None:
            return {"present": True, "error": "a run failed (see the dev host log)", "runs": len(runs)}
        runs.append(float(match[1]))
        events = _relay_events(text[: match.start()])
        reports.append(_summary(events))
        left = _work_left(events)
        if not left:
            break
    return {
        "present": True,
        "drained": not left,
        "runs": len(runs),
        "run_ms": runs,
        "wall_s": round(time.monotonic() - started, 2),
        "reports": reports,
    }


# -------------------------------------------------------------------------------------- main


def machine() -> str:
    mem = ""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    return (
        f"{os.cpu_count()} vCPU {platform.machine()}, {mem}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def pick_client(choice: str) -> str:
    if choice == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if choice == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk (or --client python)")
    return choice


def print_report(phases: list[PhaseResult], ratios: list[float], client: str, relay: dict[str, Any]) -> None:
    print(f"\nclient: {client}")
    print(
        f"{'phase':<10} {'seconds':>7} {'requests':>9} {'req/s':>9} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8}"
    )
    for p in phases:
        p50 = f"{p.p50_ms:8.1f}" if p.p50_ms is not None else f"{'-':>8}"
        p95 = f"{p.p95_ms:8.1f}" if p.p95_ms is not None else f"{'-':>8}"
        print(f"{p.name:<10} {p.seconds:7.1f} {p.requests:9d} {p.rps:9.1f} {p.error_total:7d} {p50} {p95}")
        if p.errors:
            print(f"{'':<10} errors: {p.errors}")
    for p in phases:
        if p.name.startswith("mix"):
            print(f"\n{p.name}: per kind (server log; latency inside the dev host)")
            head = f"{'kind':<12} {'function':<26} {'requests':>8} {'non-2xx':>7} {'p50 ms':>8} {'p95 ms':>8}"
            print(f"{head}  {'store r/q/w':>14}  statuses")
            for kind, function in KINDS.items():
                k = p.by_kind.get(kind, {})
                store = "/".join(f"{c:g}" for c in k["store_calls"]) if k.get("store_calls") else "-"
                print(
                    f"{kind:<12} {function:<26} {k.get('requests', 0):8d} {k.get('non2xx', 0):7d} "
                    f"{k.get('server_p50_ms', 0):8.1f} {k.get('server_p95_ms', 0):8.1f}  {store:>14}  "
                    f"{k.get('statuses', {})}"
                )
    text = " / ".join(f"{r:.3f}" for r in ratios)
    print(f"\nratio mix/baseline: {text} (target >= 0.80, with 0 errors)")
    if not relay.get("present"):
        print(f"{RELAY}: not in this app (skipped)")
    elif "error" in relay:
        print(f"{RELAY}: {relay['error']}")
    else:
        state = "drained" if relay["drained"] else "NOT drained after"
        print(f"{RELAY}: {state} {relay['runs']} run(s), {relay['wall_s']} s; runs {relay['run_ms']} ms")
        for number, events in enumerate(relay["reports"], 1):
            print(f"  run {number}: {events or 'nothing logged (nothing pending)'}")


def main() -> int:  # noqa: PLR0915 - one linear script: build, start, load, report
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=50, help="concurrent users = connections (50)")
    parser.add_argument("--seconds", type=float, default=60, help="length of each measured phase (60)")
    parser.add_argument("--warmup", type=float, default=5, help="warm-up of the mix, not measured (5)")
    parser.add_argument("--rounds", type=int, default=1, help="baseline+mix pairs, alternating (1)")
    parser.add_argument("--threads", type=int, default=None, help="dev host worker threads (its default)")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--no-relay", action="store_true", help=f"do not drain {RELAY} after the load")
    parser.add_argument("--keep", action="store_true", help="keep the data directory and the host log")
    args = parser.parse_args()
    client = pick_client(args.client)

    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    data, log = workdir / "data", workdir / "devhost.log"
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    env = {
        "CASEDESK_ENV": "development",  # not test: tests check every answer against its model
        "CASEDESK_DATA_DIR": str(data),
        "CASEDESK_PUBLIC_URL": origin,
        "CASEDESK_ARGON2_MEMORY_KIB": "1024",  # no password is hashed here; kept like the API tests
        "CASEDESK_ARGON2_ITERATIONS": "1",
    }
    os.environ.update(env)
    print(f"machine: {machine()}; client {client}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"workdir: {workdir}")
    ok = False
    try:
        t0 = time.monotonic()
        world = build_identities(args.users)
        print(
            f"world: {len(world.users)} users, {len(world.participants)} cases "
            f"({Counter(u.role for u in world.users)}) in {time.monotonic() - t0:.1f} s"
        )
        with devhost(port, env, log, args.threads):
            t0 = time.monotonic()
            create_content(world, port)
            print(f"content: documents, notes and grants over HTTP in {time.monotonic() - t0:.1f} s")
            mix, baseline = prepare_mix(world, origin), prepare_baseline(origin)
            api = Api(port)
            for kind in KINDS:  # every kind answers once before the load (else: say which)
                r = next(x for x in mix if x.kind == kind)
                status, raw = api.raw(r.method, r.path, r.headers, r.body)
                if not 200 <= status < 300:
                    print(f"check: {kind} {r.method} {r.path} -> {status}: {raw[:200]!r}")

            def phase(name: str, requests: list[Prepared], seconds: float) -> PhaseResult:
                start = settle_offset(log)
                if client == "wrk":
                    result = run_wrk(name, requests, port, users=args.users, seconds=seconds, workdir=workdir)
                else:
                    result = run_python(name, requests, port, args.users, seconds)
                by_function = server_view(log, start, settle_offset(log))
                names = {f: k for k, f in KINDS.items()}
                result.by_kind = {names.get(f, f): v for f, v in by_function.items()}
                return result

            if args.warmup > 0:
                phase("warmup", mix, args.warmup)
                phase("warmup", baseline, min(2.0, args.warmup))
            phases: list[PhaseResult] = []
            ratios = []
            for k in range(args.rounds):
                suffix = f"#{k + 1}" if args.rounds > 1 else ""
                base = phase(f"baseline{suffix}", baseline, args.seconds)
                load = phase(f"mix{suffix}", mix, args.seconds)
                phases += [base, load]
                ratios.append(load.rps / base.rps)
            relay = {"present": False, "skipped": True} if args.no_relay else drain_relay(api, log)
        print_report(phases, ratios, client, relay)
        summary = {
            "users": args.users,
            "seconds": args.seconds,
            "client": client,
            "machine": machine(),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "ratio": [round(r, 4) for r in ratios],
            "ratio_median": round(statistics.median(ratios), 4),
            "phases": [
                {
                    "name": p.name,
                    "seconds": round(p.seconds, 2),
                    "requests": p.requests,
                    "rps": round(p.rps, 1),
                    "errors": p.errors,
                    "p50_ms": p.p50_ms and round(p.p50_ms, 1),
                    "p95_ms": p.p95_ms and round(p.p95_ms, 1),
                    "p99_ms": p.p99_ms and round(p.p99_ms, 1),
                    "by_kind": p.by_kind,
                }
                for p in phases
            ],
            "relay": relay,
        }
        print("BENCH_LOAD_JSON " + json.dumps(summary, separators=(",", ":")))
        ok = True
    finally:
        if args.keep or not ok:
            print(f"kept: {workdir} (dev host log: {log})")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
