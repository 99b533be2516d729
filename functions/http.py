"""Request/response plumbing shared by every HTTP function.

:func:`route` registers a function on a Blueprint and wraps it so that every response gets the
security headers and a correlation id, bodies over the limit are refused before parsing, the
caller's permission is checked (deny by default), and every domain error is mapped — here and
nowhere else — to ``application/problem+json`` with a stable ``code`` and a localised text.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from http.cookies import CookieError, SimpleCookie
from typing import Any, TypeVar
from urllib.parse import urlsplit

import azure.functions as func
import pydantic
import pydantic.alias_generators

from shared import bootstrap, config, i18n
from shared.access.caller import Caller, Decision
from shared.access.check import authorize
from shared.access.permissions import PUBLIC_ROUTES, Action, Public
from shared.errors import (
    CaseDeskError,
    ConfigurationError,
    Conflict,
    FieldError,
    Gone,
    IntegrityError,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    PreconditionFailed,
    PreconditionRequired,
    TooManyRequests,
    Unauthenticated,
    Unavailable,
    UnsupportedMediaType,
)
from shared.identity import accounts
from shared.identity.onboarding import ConsentRequired, consent_is_current
from shared.identity.sessions import SessionService
from shared.log import log_event

__all__ = [
    "FIELD_CODES",
    "ROUTES",
    "SECURITY_HEADERS",
    "STATUS_OF_CATEGORY",
    "ApiModel",
    "ApiQuery",
    "Binary",
    "Html",
    "Request",
    "ResponseShape",
    "RouteSpec",
    "field_errors",
    "json_response",
    "parse_json",
    "parse_query",
    "problem_document",
    "problem_response",
    "problem_type",
    "route",
    "serve",
]

SECURITY_HEADERS: dict[str, str] = {
    # The SPA is bundled (no CDN, no inline script), so 'self' is enough everywhere.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


class CrossSiteRefused(PermissionDenied):
    code = "cross_site_refused"


# The status of each error category (shared/errors.py draws the tree); an error takes the status
# of the nearest category it derives from, so a new domain error needs no entry here.
STATUS_OF_CATEGORY: dict[type[CaseDeskError], int] = {
    InvalidInput: 400,
    Unauthenticated: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    Gone: 410,
    PreconditionFailed: 412,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    PreconditionRequired: 428,
    TooManyRequests: 429,
    IntegrityError: 500,
    Unavailable: 503,
}
# Only a UUID is taken from the client: the problem's ``instance`` is ``urn:uuid:<correlation id>``.
_CORRELATION = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_log = logging.getLogger("casedesk.http")


SESSION_COOKIE = "__Host-casedesk-session"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Request:
    """What a handler receives: the raw request plus what the plumbing worked out."""

    http: func.HttpRequest
    language: str
    correlation_id: str
    user_id: str | None = None
    session_token: str | None = None
    session_id: str | None = None
    decision: Decision | None = None
    body: Any = None  # the route's declared body model, parsed
    query: Any = None  # the route's declared query model, parsed

    def body_as(self, model: type[Model]) -> Model:
        """The parsed body (the route declared ``body=model``)."""
        if not isinstance(self.body, model):
            raise TypeError(f"the route does not declare body={model.__name__}")
        return self.body

    def query_as(self, model: type[Model]) -> Model:
        """The parsed query parameters (the route declared ``query=model``)."""
        if not isinstance(self.query, model):
            raise TypeError(f"the route does not declare query={model.__name__}")
        return self.query

    @property
    def actor(self) -> str:
        """The signed-in user (routes with a permission always have one)."""
        if self.user_id is None:
            raise Unauthenticated("no session")
        return self.user_id

    @property
    def caller(self) -> Caller:
        """The signed-in user with the access decision of this route, for the service to act
        and audit as (routes with a permission always have one)."""
        if self.decision is None:
            raise Unauthenticated("no session")
        return Caller(self.decision, self.correlation_id)

    def client_key(self) -> str:
        """What throttling counts per client (never logged): the last ``X-Forwarded-For`` entry,
        which Azure's front end appends; earlier entries are whatever the client chose to send."""
        forwarded = [a.strip() for a in self.http.headers.get("x-forwarded-for", "").split(",") if a.strip()]
        address = forwarded[-1] if forwarded else self.http.headers.get("x-client-ip", "") or "unknown"
        return _without_port(address)


Handler = Callable[[Request], func.HttpResponse]
BodyLimit = int | Callable[[], int] | None
Model = TypeVar("Model", bound=pydantic.BaseModel)


class ApiModel(pydantic.BaseModel):
    """The one base of every request and response model: camelCase on the wire (snake_case in
    Python), unknown fields refused."""

    model_config = pydantic.ConfigDict(
        extra="forbid", alias_generator=pydantic.alias_generators.to_camel, populate_by_name=True
    )


class ApiQuery(ApiModel):
    """The base of query-parameter models: like :class:`ApiModel`, but a parameter the route does
    not know is ignored (caches and browsers add their own), not refused."""

    model_config = pydantic.ConfigDict(
        extra="ignore", alias_generator=pydantic.alias_generators.to_camel, populate_by_name=True
    )


class Binary:
    """A response of raw bytes (a download): ``responses={200: Binary}``."""


class Html:
    """An HTML page (the web app's shell): ``responses={200: Html}``."""


#: What a route answers per status: a model (JSON), Binary, Html, or None (no body, e.g. 204).
ResponseShape = type[pydantic.BaseModel] | type[Binary] | type[Html] | None


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
    """Run ``handler`` inside the plumbing (what :func:`route` registers; tests call it directly)."""
    started = time.perf_counter()
    supplied = req.headers.get("x-correlation-id", "")
    correlation = str(uuid.UUID(supplied)) if _CORRELATION.fullmatch(supplied) else str(uuid.uuid4())
    language = i18n.negotiate(req.headers.get("accept-language"))
    try:
        _enforce_body_limit(req, max_body)
        _refuse_cross_site(req)
        request = Request(req, language, correlation)
        if not isinstance(permission, Public):
            request = _authenticate(request, permission)
        if spec is not None and (spec.body is not None or spec.query is not None):
            request = replace(
                request,
                body=parse_json(req, spec.body) if spec.body is not None else None,
                query=parse_query(req, spec.query) if spec.query is not None else None,
            )
        response = handler(request)
        if spec is not None:
            _check_declared(spec, response)
    except CaseDeskError as error:
        response = problem_response(error, language, correlation)
    except Exception as error:  # a bug: answer 500 without details, log only the type
        log_event(
            "request.crash",
            logging.ERROR,
            function=name,
            correlationId=correlation,
            exception=type(error).__name__,
        )
        if isinstance(error, UndeclaredResponse):  # names and types only: safe to log in full
            _log.error("%s", error)
        _log.debug("crash in %s", name, exc_info=True)
        response = problem_response(CaseDeskError("internal"), language, correlation)
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
    )
    return response


class UndeclaredResponse(Exception):
    """A handler answered what its route does not declare (caught in tests; see below)."""


def _check_declared(spec: RouteSpec, response: func.HttpResponse) -> None:
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
            shape.model_validate_json(response.get_body() or b"")
        except pydantic.ValidationError as exc:
            fields = ", ".join(
                ".".join(str(p) for p in e["loc"]) + f" ({e['type']})" for e in exc.errors()[:5]
            )
            raise UndeclaredResponse(
                f"{spec.name} {response.status_code} does not match {shape.__name__}: {fields}"
            ) from None


def session_token(req: func.HttpRequest) -> str | None:
    cookies = SimpleCookie()
    try:
        cookies.load(req.headers.get("cookie", ""))
    except CookieError:
        return None
    morsel = cookies.get(SESSION_COOKIE)
    return morsel.value if morsel else None


def _authenticate(request: Request, permission: Action) -> Request:
    """Resolve the session cookie, require the CSRF header on state changes, check the access
    table and (unless the permission is exempt) that the user accepted the current terms."""
    ports = bootstrap.ports()
    token = session_token(request.http)
    sessions = SessionService(ports.store, ports.clock)
    if not token:
        raise Unauthenticated("no session cookie")
    session = sessions.resolve(token)
    if request.http.method.upper() not in _SAFE_METHODS:
        sessions.check_csrf(session, request.http.headers.get(CSRF_HEADER))
    decision = authorize(
        ports.store, session.user_id, permission, request.http.route_params, now=ports.clock.now()
    )
    if decision.needs_consent and not consent_is_current(accounts.profile(ports.store, session.user_id)):
        raise ConsentRequired("the terms or the privacy policy changed")
    return replace(
        request,
        user_id=session.user_id,
        session_token=token,
        session_id=session.session_id,
        decision=decision,
    )


def _without_port(address: str) -> str:
    """``203.0.113.9:53422`` → ``203.0.113.9``, ``[2001:db8::1]:443`` → ``2001:db8::1``: Azure's
    front end appends the client's port, which changes with every connection — counted with it,
    one client would be a new client each time and evade the per-client throttle."""
    if address.startswith("["):
        return address[1 : address.find("]")] if "]" in address else address
    return address.rsplit(":", 1)[0] if address.count(":") == 1 else address


def _refuse_cross_site(req: func.HttpRequest) -> None:
    """A state change a browser sends from another site is refused before anything else runs —
    on public routes too (a login or a reset forged from another site) — whatever the cookie and
    CSRF token say. Browsers send ``Sec-Fetch-Site`` and ``Origin``; a client that sends neither
    (curl, a server) is not a browser a page could steer, and still needs the CSRF token."""
    if req.method.upper() in _SAFE_METHODS:
        return
    if req.headers.get("sec-fetch-site", "").strip().lower() == "cross-site":
        raise CrossSiteRefused("Sec-Fetch-Site: cross-site")
    origin = req.headers.get("origin")
    if origin is not None and (_origin_of(origin) or "null") not in _own_origins(req):
        raise CrossSiteRefused("foreign Origin")


def _own_origins(req: func.HttpRequest) -> set[str]:
    """The configured public origin, and the origin this request was addressed to (the Host it
    names, as Django compares them): a page on another site cannot make a browser send our Host
    with its own Origin. ``null`` (a sandboxed or opaque origin) is never ours."""
    own = {_origin_of(req.url)}
    public = config.optional("CASEDESK_PUBLIC_URL")
    if public:
        own.add(_origin_of(public))
    own.discard("")
    return own


def _origin_of(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # a malformed port: no origin of ours
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    port = port if port not in (None, {"http": 80, "https": 443}[parts.scheme]) else None
    return f"{parts.scheme}://{parts.hostname.lower()}" + (f":{port}" if port else "")


def _enforce_body_limit(req: func.HttpRequest, max_body: BodyLimit) -> None:
    if max_body is None:
        limit = config.int_setting("CASEDESK_MAX_REQUEST_BYTES")
    else:
        limit = max_body() if callable(max_body) else max_body
    declared = req.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge("declared body too large", limit=limit)
    if len(req.get_body() or b"") > limit:
        raise PayloadTooLarge("body too large", limit=limit)


def status_of(error: CaseDeskError | type[CaseDeskError]) -> int:
    """The status of the nearest category ``error`` derives from (500 for none: a bug)."""
    cls = error if isinstance(error, type) else type(error)
    return next((STATUS_OF_CATEGORY[c] for c in cls.__mro__ if c in STATUS_OF_CATEGORY), 500)


def problem_type(code: str) -> str:
    """The problem's ``type``: the page of ``code`` under the public URL where that is an https
    deployment, else a ``tag:`` URI (a dev or test host on http has no address the project owns).
    Each code is documented in ``docs/problems/<code>.md``."""
    public = (config.optional("CASEDESK_PUBLIC_URL") or "").rstrip("/")
    if public.lower().startswith("https://"):
        return f"{public}/problems/{code}"
    return f"tag:casedesk,2026:problems/{code}"


def problem_document(
    code: str,
    status: int,
    language: str,
    correlation_id: str,
    *,
    params: dict[str, Any] | None = None,
    errors: Sequence[FieldError] = (),
) -> dict[str, Any]:
    """The one problem+json shape (RFC 9457, decision 017): ``type``, ``title``, ``status``,
    localised ``detail``, ``instance`` naming the request, the stable ``code`` and ``errors``
    — every invalid field with its own code and localised text (empty when none is to blame)."""
    return {
        "type": problem_type(code),
        "title": i18n.translate(f"errors.{code}.title", language),
        "status": status,
        "detail": i18n.translate(f"errors.{code}.detail", language, **(params or {})),
        "instance": f"urn:uuid:{correlation_id}",
        "code": code,
        "errors": [
            {
                "field": e.field,
                "code": e.code,
                "detail": i18n.translate(f"errors.{e.code}.detail", language, **e.params),
            }
            for e in errors
        ],
    }


def problem_response(error: CaseDeskError, language: str, correlation_id: str) -> func.HttpResponse:
    status = status_of(error)
    code = error.code
    body = problem_document(
        code, status, language, correlation_id, params=error.params, errors=error.field_errors
    )
    headers = {"Content-Language": language}
    retry_after = error.params.get("retry_after")
    if isinstance(retry_after, int | float):
        headers["Retry-After"] = str(int(retry_after))
    if status >= 500:
        # A configuration error's text names settings (never data): ops need it to fix a deploy.
        reason = str(error) if isinstance(error, ConfigurationError) else None
        log_event(
            "request.failed",
            logging.ERROR,
            code=code,
            status=status,
            correlationId=correlation_id,
            reason=reason,
        )
    return func.HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status_code=status,
        headers=headers,
        mimetype="application/problem+json",
        charset="utf-8",
    )


def json_response(
    data: Any, status: int = 200, *, etag: str | None = None, location: str | None = None
) -> func.HttpResponse:
    """``data`` as JSON. A 201 names what it created: ``location`` is its URL path (``/api/…``)."""
    if status == 201 and not location:
        raise ValueError("a 201 response needs the created resource's location")
    headers = {"ETag": etag} if etag else {}
    if location:
        headers["Location"] = location
    return func.HttpResponse(
        json.dumps(data, ensure_ascii=False),
        status_code=status,
        headers=headers,
        mimetype="application/json",
        charset="utf-8",
    )


def require_if_match(request: Request) -> str:
    """Updates must name the version they change (optimistic concurrency: nothing is lost)."""
    etag = (request.http.headers.get("if-match") or "").strip()
    if not etag or etag == "*":
        raise PreconditionRequired("If-Match header required")
    return etag


def parse_json(req: func.HttpRequest, model: type[Model]) -> Model:
    """The body as ``model``, or ``InvalidInput`` listing every bad field (never its value)."""
    content_type = (req.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise UnsupportedMediaType("expected application/json")
    try:
        return model.model_validate_json(req.get_body() or b"")
    except pydantic.ValidationError as exc:
        raise InvalidInput("body does not match the schema", errors=field_errors(exc)) from None


def parse_query(req: func.HttpRequest, model: type[Model]) -> Model:
    """The query parameters as ``model`` (by their camelCase names), or ``InvalidInput`` listing
    every bad parameter; unknown parameters are refused like unknown body fields."""
    try:
        return model.model_validate(dict(req.params))
    except pydantic.ValidationError as exc:
        raise InvalidInput("the query does not match the schema", errors=field_errors(exc)) from None


#: pydantic's error types → our stable field codes (texts under ``errors.<code>``); any other
#: type is ``invalid_value``. Codes are ours so that a pydantic upgrade cannot change the API.
_FIELD_CODES = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "string_too_long": "too_long",
    "too_long": "too_long",
    "bytes_too_long": "too_long",
    "string_too_short": "too_short",
    "too_short": "too_short",
    "bytes_too_short": "too_short",
    "greater_than": "too_small",
    "greater_than_equal": "too_small",
    "less_than": "too_large",
    "less_than_equal": "too_large",
    "literal_error": "invalid_choice",
    "enum": "invalid_choice",
    "date_parsing": "invalid_date",
    "date_from_datetime_parsing": "invalid_date",
    "date_from_datetime_inexact": "invalid_date",
    "date_type": "invalid_date",
    "json_invalid": "malformed_json",
}
#: The only context values a text may show: limits from the model, never the input.
_LIMIT_KEYS = ("max_length", "min_length", "ge", "gt", "le", "lt")
FIELD_CODES = frozenset({*_FIELD_CODES.values(), "invalid_value"})


def field_errors(exc: pydantic.ValidationError) -> list[FieldError]:
    """One entry per invalid field (the first problem pydantic found with it), in body order."""
    found: dict[str | None, FieldError] = {}
    for detail in exc.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in detail.get("loc", ())) or None
        if field in found:
            continue
        context = detail.get("ctx") or {}
        limits = {key: context[key] for key in _LIMIT_KEYS if key in context}
        params = {"limit": next(iter(limits.values()))} if limits else {}
        params.update({k: v for k, v in limits.items() if k in ("max_length", "min_length")})
        found[field] = FieldError(field, _FIELD_CODES.get(detail["type"], "invalid_value"), params)
    return list(found.values())
