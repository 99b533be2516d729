"""Health probes (decision 025).

``GET /api/health`` and ``GET /api/health/live``: liveness. Is the app answering at all? Always
200, no port is touched, nothing is read: what load balancers, the Elastic Premium health check
and uptime probes call as often as they like. ``health_live`` is also the no-I/O baseline of the
load benchmark (``bench/bench_load.py``).

``GET /api/health/ready``: readiness. Does the store answer, the blob container, the mail service,
can the app read its KEK? Public, so it is built to be cheap whoever calls it, however often: the
answer is cached for :data:`READY_CACHE_SECONDS` per instance (one caller checks, concurrent
callers wait for that result), and the KEK is **never** read here — a read goes to Key Vault, and an
anonymous caller must not be able to make the app read its key-encryption key, nor spend Key
Vault's request quota. The ``key_ring_check`` timer reads it every 5 minutes and records the
outcome (``shared/key_ring_check.py``); readiness reports that record (``ok`` / ``error`` with the
check's time, ``unchecked`` when no check is younger than 15 minutes). The "Key Vault access
denied" alert watches the same from Key Vault's side (docs/operations.md).
The answer holds a status per port, no error texts and no data; the adapter names only outside
production (the API tests read them to know which adapters the dev host runs on).
"""

from __future__ import annotations

import threading
import time
from typing import Literal

import azure.functions as func
from pydantic import Field

from functions.http import ApiModel, Request, json_response, route
from shared import bootstrap, i18n, key_ring_check
from shared.access.permissions import PUBLIC
from shared.config import Environment
from shared.errors import CaseDeskError
from shared.log import log_event

bp = func.Blueprint()

#: How long one readiness answer is reused, per instance (the issue asks for 30–60 s).
READY_CACHE_SECONDS = 30.0


class PortCheck(ApiModel):
    status: Literal["ok", "error", "unchecked"]
    ms: float = Field(description="how long the check took, in milliseconds (0 if unchecked)")
    code: str | None = Field(default=None, description="the error code, if the port failed")
    adapter: str | None = Field(default=None, description="the adapter's name (not in production)")
    checked_at: str | None = Field(
        default=None, description="key ring only: when the scheduled check read the KEK (never on a request)"
    )


class PortChecks(ApiModel):
    store: PortCheck
    blobs: PortCheck
    key_ring: PortCheck
    mailer: PortCheck


class Readiness(ApiModel):
    status: Literal["ok", "degraded"]
    message: str
    environment: Environment
    age: float = Field(description="seconds since the ports were checked (the answer is cached)")
    checks: PortChecks


class Liveness(ApiModel):
    status: Literal["ok"]


_lock = threading.Lock()
#: (monotonic time of the check, environment, checks) of the last readiness check.
_cached: dict[str, tuple[float, Environment, dict[str, dict[str, object]]]] = {}


def _adapter_name(adapter: object) -> str:
    return type(getattr(adapter, "inner", adapter)).__name__  # not the meter


def _check_ports() -> tuple[Environment, dict[str, dict[str, object]]]:
    ports = bootstrap.ports()
    checks: dict[str, dict[str, object]] = {}
    for port, adapter in (("store", ports.store), ("blobs", ports.blobs), ("mailer", ports.mailer)):
        started = time.perf_counter()
        try:
            adapter.check()
            entry: dict[str, object] = {"status": "ok"}
        except CaseDeskError as error:
            entry = {"status": "error", "code": error.code}
        entry["ms"] = round((time.perf_counter() - started) * 1000, 1)
        checks[port] = entry
    started = time.perf_counter()
    try:  # the scheduled check's record, never the KEK itself: see above
        kek = key_ring_check.last_check(ports.store, ports.clock.now())
        entry = {"status": kek["status"], "checkedAt": kek["checkedAt"]}
        if kek["code"]:
            entry["code"] = kek["code"]
    except CaseDeskError:  # the store cannot say: its own check reports the failure
        entry = {"status": "unchecked", "checkedAt": None}
    entry["ms"] = round((time.perf_counter() - started) * 1000, 1)
    checks["keyRing"] = entry
    if ports.environment is not Environment.PRODUCTION:
        names: dict[str, object] = {
            "store": ports.store,
            "blobs": ports.blobs,
            "keyRing": ports.key_ring,
            "mailer": ports.mailer,
        }
        for port, named in names.items():
            checks[port]["adapter"] = _adapter_name(named)
    failed = sorted(port for port, entry in checks.items() if entry["status"] == "error")
    if failed:
        log_event("health.degraded", ports=failed)
    return ports.environment, checks


def readiness() -> tuple[float, Environment, dict[str, dict[str, object]]]:
    """(age in seconds, environment, checks): the cached answer, or a fresh one once it is older
    than :data:`READY_CACHE_SECONDS`. One check at a time per instance."""
    now = time.monotonic()
    cached = _cached.get("last")
    if cached is None or now - cached[0] >= READY_CACHE_SECONDS:
        with _lock:
            cached = _cached.get("last")
            if cached is None or time.monotonic() - cached[0] >= READY_CACHE_SECONDS:
                environment, checks = _check_ports()
                cached = (time.monotonic(), environment, checks)
                _cached["last"] = cached
    checked_at, environment, checks = cached
    return max(0.0, time.monotonic() - checked_at), environment, checks


def forget() -> None:
    """Drop the cached readiness answer (tests; a new composition root)."""
    _cached.clear()


# 503 is no problem+json: the same report, naming the port that failed (probes read the status).
@route(
    bp,
    name="health_ready",
    path="api/health/ready",
    methods=["GET"],
    permission=PUBLIC,
    responses={200: Readiness, 503: Readiness},
)
def health_ready(request: Request) -> func.HttpResponse:
    """Readiness: store, blobs and mail answer, and the last scheduled KEK check (cached 30 s; the
    KEK is never read here)."""
    age, environment, checks = readiness()
    healthy = all(c["status"] != "error" for c in checks.values())
    body = {
        "status": "ok" if healthy else "degraded",
        "message": i18n.translate("health.ok" if healthy else "health.degraded", request.language),
        "environment": environment.value,
        "age": round(age, 1),
        "checks": checks,
    }
    return json_response(body, 200 if healthy else 503)


@route(
    bp,
    name="health",
    path="api/health",
    methods=["GET"],
    permission=PUBLIC,
    responses={200: Liveness},
)
def health(request: Request) -> func.HttpResponse:
    """Liveness: the app answers. No port is touched (readiness: ``/api/health/ready``)."""
    return json_response({"status": "ok"})


@route(
    bp,
    name="health_live",
    path="api/health/live",
    methods=["GET"],
    permission=PUBLIC,
    responses={200: Liveness},
)
def health_live(request: Request) -> func.HttpResponse:
    """Liveness only: no port is touched, so it answers whatever the store or the keys do."""
    return json_response({"status": "ok"})
