"""The OpenAPI document (functions/openapi.py) describes every route from its own declaration:
it validates as OpenAPI 3.1, every HTTP function of the app is in it, every operation declares a
response for each status it answers with a schema that says something, and every request body
and query model is a real schema."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openapi_spec_validator import validate

import function_app
from functions.http import ROUTES
from functions.openapi import document
from tests.unit.conftest import http_request

#: State changes that take no body (the route itself says everything).
BODYLESS = frozenset(
    {
        "logout",
        "me_welcome_seen",
        "export_request",  # issue 20: "prepare my data" takes nothing
        "staff_invitation_resend",
        "case_close",
        "case_reopen",
        "temp_access_end",  # issue 23: ending a temporary access takes nothing
        "access_review_end",  # issue 23: ending a participation from the access review
        "support_deny",  # issue 22: denying a support request takes nothing (If-Match)
        "support_revoke",  # issue 22: revoking a support grant takes nothing
    }
)


def _http_function_names() -> set[str]:
    function_app.app.functions_bindings = None  # a second get_functions() on one app is refused
    try:
        return {
            fn.get_function_name()
            for fn in function_app.app.get_functions()
            if type(fn.get_trigger()).__name__ == "HttpTrigger"
        }
    finally:
        function_app.app.functions_bindings = None


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, methods in document()["paths"].items()
        for method, operation in methods.items()
    ]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    return dict(document()["components"]["schemas"][ref.rsplit("/", 1)[-1]])


def _says_something(schema: dict[str, Any]) -> bool:
    schema = _resolve(schema)
    meaningful = {"type", "properties", "items", "anyOf", "oneOf", "allOf", "enum", "const", "$ref"}
    return bool(meaningful & set(schema))


def test_the_document_validates_as_openapi_3_1() -> None:
    validate(document())


def test_every_http_function_is_described() -> None:
    described = {operation["x-function"] for _, _, operation in _operations()}
    assert _http_function_names() - described == set()
    assert {spec.name for spec in ROUTES} >= _http_function_names()


@pytest.mark.parametrize(
    ("path", "method", "operation"), _operations(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_operation_declares_its_answers_with_real_schemas(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    answers = {status: a for status, a in operation["responses"].items() if status != "default"}
    assert answers, f"{method.upper()} {path} declares no response"
    for status, answer in answers.items():
        if status in ("204", "304"):  # 304: Not Modified to an If-None-Match (polled reads)
            assert "content" not in answer
            continue
        if status == "303":  # a browser redirect (the Entra callback): where to, no body
            assert "content" not in answer and "Location" in answer["headers"]
            continue
        content = answer.get("content")
        assert content, f"{method.upper()} {path} {status} has no body schema"
        for media in content.values():
            assert _says_something(media["schema"]), f"{method.upper()} {path} {status}: empty schema"
    body = operation.get("requestBody")
    if body is not None:
        for media in body["content"].values():
            assert _says_something(media["schema"]), f"{method.upper()} {path}: empty request body schema"
    if method in ("post", "put", "patch"):
        assert body is not None or operation["x-function"] in BODYLESS, (
            f"{method.upper()} {path}: no body declared"
        )
    for parameter in operation.get("parameters", []):
        assert parameter["schema"], f"{method.upper()} {path}: parameter {parameter['name']} without schema"


def test_the_document_is_served_publicly() -> None:
    from functions.http import serve
    from functions.openapi import openapi
    from shared.access.permissions import PUBLIC

    answer = serve(http_request("GET", "/api/openapi.json"), openapi, "openapi", PUBLIC, None)
    assert answer.status_code == 200
    assert json.loads(answer.get_body())["openapi"] == "3.1.0"
