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
    if shape is Binary:
        return {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
    if shape is Html:
        return {"text/html": {"schema": {"type": "string"}}}
    if isinstance(shape, type) and issubclass(shape, FormModel):
        return {"multipart/form-data": {"schema": {"$ref": f"#/components/schemas/{shape.__name__}"}}}
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{shape.__name__}"}}}


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
        operation["security"] = [{"session": [], "csrf": []}]
    if parameters:
        operation["parameters"] = parameters
    if spec.body is not None:
        operation["requestBody"] = {"required": True, "content": _content(spec.body)}
    for status, shape in sorted(spec.responses.items()):
        answer: dict[str, Any] = {"description": f"{status} answer"}
        content = _content(shape)
        if content is not None:
            answer["content"] = content
        operation["responses"][str(status)] = answer
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
