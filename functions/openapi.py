"""``GET /api/openapi.json``: the API described by its own routes (OpenAPI 3.1).

Every route registers a :class:`~functions.http.RouteSpec` (path, methods, permission, body,
query and response models per status); the document is generated from that registry, so it
cannot drift from the code: a route without declared responses, or a schema that says nothing,
fails ``tests/unit/test_openapi.py``. Errors are the one problem+json shape (decision 017), by
reference. Public: the document names routes and shapes, never data.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import azure.functions as func
import pydantic

from functions.http import ROUTES, ApiModel, Binary, FormModel, Html, Request, RouteSpec, json_response, route
from shared.access.permissions import PUBLIC, Public

__all__ = ["bp", "document"]

bp = func.Blueprint()

_PARAM = re.compile(r"\{\*?([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}")
VERSION = "1.0.0"
_PROBLEM = "#/components/schemas/Problem"

#: The routes that can answer 429 Too Many Requests (a ``Retry-After`` header says when to try
#: again): the login throttle counts their attempts (passwords, second factors, reset links,
#: report codes, starts of a sign-in with Microsoft), and messages are rate-limited per sender.
#: Every other route never answers 429.
THROTTLED = frozenset(
    {
        "login",
        "login_second_factor",
        "password_reset_request",
        "password_reset_complete",
        "me_password",
        "me_delete",
        "me_recovery_codes_renew",
        "me_authenticator_confirm",
        "report_verify",
        "message_send",
        "entra_start",
    }
)


class ProblemField(ApiModel):
    field: str | None
    code: str
    detail: str


class Problem(ApiModel):
    """The one shape of every error answer (application/problem+json, RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    code: str
    errors: list[ProblemField]


def _path(spec: RouteSpec) -> tuple[str, list[str]]:
    """The OpenAPI path and its parameter names: ``{kind:alpha}`` → ``{kind}``, ``{*path}`` →
    ``{path}``."""
    names = _PARAM.findall(spec.path)
    return "/" + _PARAM.sub(lambda m: "{" + m.group(1) + "}", spec.path).strip("/"), names


def _models() -> list[type[pydantic.BaseModel]]:
    seen: dict[str, type[pydantic.BaseModel]] = {"Problem": Problem}
    for spec in ROUTES:
        for model in (spec.body, spec.query, *spec.responses.values()):
            if isinstance(model, type) and issubclass(model, pydantic.BaseModel):
                seen.setdefault(model.__name__, model)
    return list(seen.values())


def _content(shape: Any) -> dict[str, Any] | None:
    if shape is None:
        return None
    if isinstance(shape, type) and issubclass(shape, Binary):
        return {media: {"schema": {"type": "string", "format": "binary"}} for media in shape.media_types}
    if shape is Html:
        # The web route: the app shell, and the bundle's own files under their own types.
        return {
            "text/html": {"schema": {"type": "string"}},
            "*/*": {"schema": {"type": "string", "format": "binary"}},
        }
    if isinstance(shape, type) and issubclass(shape, FormModel):
        return {"multipart/form-data": {"schema": {"$ref": f"#/components/schemas/{shape.__name__}"}}}
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{shape.__name__}"}}}


#: The routes that answer 503 while an optional integration is not set up on this deployment:
#: Microsoft sign-in without ``CASEDESK_ENTRA_CLIENT_ID`` (``entra_not_configured``, issue 21).
UNCONFIGURED = frozenset({"entra_start", "entra_step_up", "entra_link", "org_entra_link"})


def _too_many_requests() -> dict[str, Any]:
    return {
        "description": "Throttled (docs/problems/too_many_attempts.md, message_rate_limited.md)",
        "headers": {
            "Retry-After": {
                "description": "Seconds until the next attempt is counted",
                "schema": {"type": "string", "pattern": "^[0-9]+$"},
            }
        },
        "content": {"application/problem+json": {"schema": {"$ref": _PROBLEM}}},
    }


def _operation(spec: RouteSpec, method: str, names: list[str], schemas: dict[str, Any]) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names
    ]
    if spec.query is not None:
        query = schemas[spec.query.__name__]
        required = set(query.get("required", []))
        for name, schema in query.get("properties", {}).items():
            parameters.append({"name": name, "in": "query", "required": name in required, "schema": schema})
    operation: dict[str, Any] = {
        # One function may answer several methods (the web shell: GET and HEAD).
        "operationId": spec.name if len(spec.methods) == 1 else f"{spec.name}_{method.lower()}",
        "x-function": spec.name,
        "summary": spec.summary or spec.name.replace("_", " "),
        "x-permission": "public" if isinstance(spec.permission, Public) else str(spec.permission.value),
        "responses": {},
    }
    if not isinstance(spec.permission, Public):
        # The CSRF header is required on state changes only (functions/http/session.py).
        safe = method.upper() in ("GET", "HEAD")
        operation["security"] = [{"session": []} if safe else {"session": [], "csrf": []}]
    if parameters:
        operation["parameters"] = parameters
    if spec.body is not None:
        operation["requestBody"] = {"required": True, "content": _content(spec.body)}
    for status, shape in sorted(spec.responses.items()):
        answer: dict[str, Any] = {"description": f"{status} answer"}
        content = _content(shape)
        if content is not None:
            answer["content"] = content
        if 300 <= status < 400:  # a redirect of the browser (the Entra callback): no body
            answer["description"] = "Redirect to a page of the app"
            answer["headers"] = {
                "Location": {"description": "where the browser goes", "schema": {"type": "string"}}
            }
        operation["responses"][str(status)] = answer
    if spec.name in THROTTLED:
        operation["responses"]["429"] = _too_many_requests()
    if spec.name in UNCONFIGURED:
        operation["responses"]["503"] = {
            "description": "Not set up on this deployment (docs/problems/entra_not_configured.md)",
            "content": {"application/problem+json": {"schema": {"$ref": _PROBLEM}}},
        }
    operation["responses"]["default"] = {"$ref": "#/components/responses/Problem"}
    return operation


@functools.cache
def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of every registered route (built once per process)."""
    from pydantic.json_schema import models_json_schema  # noqa: PLC0415 - lazy: cold start

    from functions.lazy import load_all  # noqa: PLC0415 - function_app imports functions.lazy

    load_all()  # route modules load on their first call (functions/lazy.py): declare them all

    _, definitions = models_json_schema(
        [(m, "validation") for m in _models()], ref_template="#/components/schemas/{model}"
    )
    schemas: dict[str, Any] = definitions.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    for spec in ROUTES:
        path, names = _path(spec)
        for method in spec.methods:
            paths.setdefault(path, {})[method.lower()] = _operation(spec, method, names, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "CaseDesk API",
            "version": VERSION,
            "description": "Generated from the routes' own declarations. Errors: application/problem+json.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "responses": {
                "Problem": {
                    "description": "An error (application/problem+json, docs/problems/<code>.md)",
                    "content": {"application/problem+json": {"schema": {"$ref": _PROBLEM}}},
                }
            },
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "__Host-casedesk-session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            },
        },
    }


class OpenApiDocument(pydantic.RootModel[dict[str, Any]]):
    """An OpenAPI 3.1 document (this one)."""


@route(
    bp,
    name="openapi",
    path="api/openapi.json",
    methods=["GET"],
    permission=PUBLIC,
    responses={200: OpenApiDocument},
)
def openapi(request: Request) -> func.HttpResponse:
    """The API's OpenAPI 3.1 document."""
    response = json_response(document())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
