"""``GET /api/health``: is every port answering? 200 if all are, 503 if any is not.
``GET /api/health/live``: is the app answering at all? Always 200, no port is touched.

Public (load balancers and uptime probes call them), so they report only a status per port —
no error texts, no data, and the adapter names only outside production. ``health_live`` is also
the no-I/O baseline of the load benchmark (``bench/bench_load.py``).
"""

from __future__ import annotations

import time
from typing import Literal

import azure.functions as func
from pydantic import Field

from functions.http import ApiModel, Request, json_response, route
from shared import bootstrap, i18n
from shared.access.permissions import PUBLIC
from shared.config import Environment
from shared.errors import CaseDeskError

bp = func.Blueprint()


class PortCheck(ApiModel):
    status: Literal["ok", "error"]
    ms: float = Field(description="how long the check took, in milliseconds")
    code: str | None = Field(default=None, description="the error code, if the port failed")
    adapter: str | None = Field(default=None, description="the adapter's name (not in production)")


class PortChecks(ApiModel):
    store: PortCheck
    blobs: PortCheck
    key_ring: PortCheck
    mailer: PortCheck


class HealthReport(ApiModel):
    status: Literal["ok", "degraded"]
    message: str
    environment: Environment
    checks: PortChecks


class Liveness(ApiModel):
    status: Literal["ok"]


# 503 is no problem+json: the same report, naming the port that failed (probes read the status).
@route(
    bp,
    name="health",
    path="api/health",
    methods=["GET"],
    permission=PUBLIC,
    responses={200: HealthReport, 503: HealthReport},
)
def health(request: Request) -> func.HttpResponse:
    ports = bootstrap.ports()
    checks = {}
    for port, adapter in (
        ("store", ports.store),
        ("blobs", ports.blobs),
        ("keyRing", ports.key_ring),
        ("mailer", ports.mailer),
    ):
        started = time.perf_counter()
        try:
            adapter.check()
            status, code = "ok", None
        except CaseDeskError as error:
            status, code = "error", error.code
        entry: dict[str, object] = {"status": status, "ms": round((time.perf_counter() - started) * 1000, 1)}
        if code:
            entry["code"] = code
        if ports.environment is not Environment.PRODUCTION:
            entry["adapter"] = type(adapter).__name__
        checks[port] = entry
    healthy = all(c["status"] == "ok" for c in checks.values())
    body = {
        "status": "ok" if healthy else "degraded",
        "message": i18n.translate("health.ok" if healthy else "health.degraded", request.language),
        "environment": ports.environment.value,
        "checks": checks,
    }
    return json_response(body, 200 if healthy else 503)


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
