"""Registering a route and serving it: the plumbing every HTTP function runs in (limits, the
cross-site check, the session and permission, declared body and query, the error mapping, the
security headers, the request log) and the registry of route declarations."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import azure.functions as func
import pydantic
import pydantic.alias_generators

from functions.http.models import FormModel, ResponseShape, parse_json, parse_query
from functions.http.problems import problem_response
from functions.http.request import Request
from functions.http.responses import SECURITY_HEADERS
from functions.http.session import authenticate, refuse_cross_site
from shared import config, i18n, telemetry
from shared.access.permissions import PUBLIC_ROUTES, Action, Public
from shared.adapters.metered import metering
from shared.errors import (
    CaseDeskError,
    PayloadTooLarge,
)
from shared.log import correlated, frames_of, log_event

_log = logging.getLogger("casedesk.http")


Handler = Callable[[Request], func.HttpResponse]


BodyLimit = int | Callable[[], int] | None


@dataclass(frozen=True)
class RouteSpec:
    """What a route declares about itself: the OpenAPI document (functions/openapi.py) is made
    from these, and the plumbing parses ``body`` and ``query`` before the handler runs."""

    name: str
    path: str
    methods: tuple[str, ...]
    permission: Action | Public
    body: type[pydantic.BaseModel] | None = None
    query: type[pydantic.BaseModel] | None = None
    responses: Mapping[int, ResponseShape] = field(default_factory=dict)
    summary: str = ""


#: Every route of the app, as registered (the OpenAPI document walks it).
ROUTES: list[RouteSpec] = []


def route(
    bp: func.Blueprint,
    *,
    name: str,
    path: str,
    methods: Sequence[str],
    permission: Action | Public,
    max_body: BodyLimit = None,
    body: type[pydantic.BaseModel] | None = None,
    query: type[pydantic.BaseModel] | None = None,
    responses: Mapping[int, ResponseShape] | None = None,
) -> Callable[[Handler], Handler]:
    """Register ``handler`` as HTTP function ``name`` on ``bp`` under ``path``. ``max_body`` is
    the request size limit in bytes (default ``CASEDESK_MAX_REQUEST_BYTES``), or a function
    returning it, read per request (settings are never read at import time). ``body`` and
    ``query`` are parsed before the handler runs (``request.body_as`` / ``request.query_as``;
    every invalid field in one 400); ``responses`` names what each status answers. The route
    describes itself with them in the OpenAPI document."""
    if isinstance(permission, Public) and name not in PUBLIC_ROUTES:
        raise ValueError(f"route {name!r} is public but not on PUBLIC_ROUTES")
    spec = RouteSpec(
        name, path, tuple(m.upper() for m in methods), permission, body, query, dict(responses or {})
    )

    def decorator(handler: Handler) -> Handler:
        ROUTES.append(replace(spec, summary=(handler.__doc__ or "").strip().split("\n")[0]))

        def entry(req: func.HttpRequest) -> func.HttpResponse:
            return serve(req, handler, name, permission, max_body, spec=spec)

        entry.__name__ = name  # the host names the function after it; no functools.wraps:
        entry.__qualname__ = name  # the host would then bind the handler's own signature
        entry.casedesk_permission = permission  # type: ignore[attr-defined]  # read by the walk test
        builder = bp.route(route=path, methods=list(methods), auth_level=func.AuthLevel.ANONYMOUS)(entry)
        bp.function_name(name=name)(builder)
        return handler

    return decorator


def serve(
    req: func.HttpRequest,
    handler: Handler,
    name: str,
    permission: Action | Public,
    max_body: BodyLimit,
    *,
    spec: RouteSpec | None = None,
) -> func.HttpResponse:
    """Run ``handler`` inside the plumbing (what :func:`route` registers; tests call it directly).
    The correlation id is the request's W3C trace id (``shared.telemetry``): every log line of
    the request carries it, the problem+json ``instance`` and ``X-Correlation-Id`` name it."""
    started = time.perf_counter()
    telemetry.configure()  # once per process, and only with a connection string
    correlation = telemetry.request_trace_id(req.headers)
    language = i18n.negotiate(req.headers.get("accept-language"))
    with correlated(correlation), metering() as meter:
        response = _answer(
            req,
            handler,
            name=name,
            permission=permission,
            max_body=max_body,
            spec=spec,
            language=language,
            correlation=correlation,
        )
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Correlation-Id"] = correlation
    log_event(
        "request",
        function=name,
        method=req.method,
        status=response.status_code,
        durationMs=round((time.perf_counter() - started) * 1000, 2),
        correlationId=correlation,
        storeReads=meter.reads,
        storeQueries=meter.queries,
        storeWrites=meter.writes,
    )
    return response


def _answer(
    req: func.HttpRequest,
    handler: Handler,
    *,
    name: str,
    permission: Action | Public,
    max_body: BodyLimit,
    spec: RouteSpec | None,
    language: str,
    correlation: str,
) -> func.HttpResponse:
    """The handler's answer, or the problem that stands for its error."""
    request: Request | None = None
    try:
        enforce_body_limit(req, max_body)
        refuse_cross_site(req)
        request = Request(req, language, correlation)
        if not isinstance(permission, Public):
            request = authenticate(request, permission)
        if spec is not None and (spec.body is not None or spec.query is not None):
            json_body = spec.body is not None and not issubclass(spec.body, FormModel)
            request = replace(
                request,
                body=parse_json(req, spec.body) if json_body and spec.body is not None else None,
                query=parse_query(req, spec.query) if spec.query is not None else None,
            )
        response = handler(request)
        if spec is not None:
            check_declared(spec, response)
    except CaseDeskError as error:
        response = problem_response(error, language, correlation)
    except Exception as error:  # a bug: answer 500; log the type and the frames, never the message
        log_event(
            "request.crash",
            logging.ERROR,
            function=name,
            correlationId=correlation,
            exception=type(error).__name__,
            frames=frames_of(error),
        )
        if isinstance(error, UndeclaredResponse):  # names and types only: safe to log in full
            _log.error("%s", error)
        response = problem_response(CaseDeskError("internal"), language, correlation)
    if response.status_code >= 400 and request is not None and request.decision is not None:
        _note_failure(request, name, response, correlation)
    return response


def _note_failure(request: Request, name: str, response: func.HttpResponse, correlation: str) -> None:
    """A request that passed the access check failed: note its correlation id and code for the
    organisation's support (shared/support/failures.py; refusals are not noted)."""
    from shared import bootstrap  # noqa: PLC0415 - only on the failure path
    from shared.support.failures import record_failure  # noqa: PLC0415

    decision = request.decision
    if decision is None or not decision.org_id:
        return
    try:
        code = str(json.loads(response.get_body() or b"{}").get("code", ""))
    except ValueError:
        code = ""
    ports = bootstrap.ports()
    record_failure(
        ports.store,
        ports.clock,
        org_id=decision.org_id,
        case_id=decision.case_id,
        function=name,
        status=response.status_code,
        code=code or "internal_error",
        correlation_id=correlation,
    )


class UndeclaredResponse(Exception):
    """A handler answered what its route does not declare (caught in tests; see below)."""


def check_declared(spec: RouteSpec, response: func.HttpResponse) -> None:
    """In the test environment every answer must match its route's declaration — the status,
    and a JSON body its response model validates (unknown fields refused) — so the OpenAPI
    document cannot say what the code does not do. A mismatch is a bug: 500 in tests."""
    if config.environment() is not config.Environment.TEST or response.status_code >= 400:
        return
    if response.status_code not in spec.responses:
        raise UndeclaredResponse(f"{spec.name} answered {response.status_code}, not declared")
    shape = spec.responses[response.status_code]
    if isinstance(shape, type) and issubclass(shape, pydantic.BaseModel):
        try:
            # By alias only: the document names the wire's (camelCase) keys, and a body keyed by
            # the Python names would pass a check that accepts both (tests/fuzz found one).
            shape.model_validate_json(response.get_body() or b"", by_alias=True, by_name=False)
        except pydantic.ValidationError as exc:
            fields = ", ".join(
                ".".join(str(p) for p in e["loc"]) + f" ({e['type']})" for e in exc.errors()[:5]
            )
            raise UndeclaredResponse(
                f"{spec.name} {response.status_code} does not match {shape.__name__}: {fields}"
            ) from None


def enforce_body_limit(req: func.HttpRequest, max_body: BodyLimit) -> None:
    if max_body is None:
        limit = config.int_setting("CASEDESK_MAX_REQUEST_BYTES")
    else:
        limit = max_body() if callable(max_body) else max_body
    declared = req.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge("declared body too large", limit=limit)
    if len(req.get_body() or b"") > limit:
        raise PayloadTooLarge("body too large", limit=limit)
