"""What the contract fuzzing (tests/fuzz, issue 29) found wrong in the OpenAPI document, pinned:
throttled routes document their 429 and an integration that may be unset its 503, downloads
name the media types they answer with (CSV, a document's own type, the web bundle's files), the
CSRF header is asked for on state changes only, "see what X sees" is keyed as it answers, and
the test environment's check of every answer compares the wire's keys (aliases), not the Python
names."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func
import pytest

from functions.http import ROUTES, ApiModel, RouteSpec
from functions.http.routing import UndeclaredResponse, check_declared
from functions.openapi import THROTTLED, UNCONFIGURED, document
from shared.access.permissions import PUBLIC


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [(p, m, op) for p, methods in document()["paths"].items() for m, op in methods.items()]


def test_every_throttled_route_exists_and_documents_its_429() -> None:
    document()  # declares every route (they load lazily)
    names = {spec.name for spec in ROUTES}
    assert names >= THROTTLED, f"not routes: {sorted(THROTTLED - names)}"
    for _, _, operation in _operations():
        declared = "429" in operation["responses"]
        assert declared == (operation["x-function"] in THROTTLED), operation["operationId"]
        if declared:
            too_many = operation["responses"]["429"]
            assert "Retry-After" in too_many["headers"]
            assert too_many["content"]["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }


def test_the_temporary_access_export_is_documented_as_csv() -> None:
    answer = document()["paths"]["/api/orgs/{orgId}/temporary-access/export"]["get"]["responses"]["200"]
    assert list(answer["content"]) == ["text/csv"]


def test_the_csrf_header_is_required_on_state_changes_only() -> None:
    for _, method, operation in _operations():
        for requirement in operation.get("security", []):
            assert ("csrf" in requirement) == (method not in ("get", "head")), operation["operationId"]


def test_the_seen_by_answer_is_keyed_by_the_item_types_url_segments() -> None:
    from shared.item_types import REGISTRY

    required = document()["components"]["schemas"]["SeenBy"]["required"]
    assert {kind.segment for kind in REGISTRY.values()} <= set(required)
    assert "reflection-series" in required and "reflection-Series" not in required


class _Answer(ApiModel):
    seen_at: str


def test_an_answer_keyed_by_python_names_is_not_what_the_route_declares(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CASEDESK_ENV", "test")
    spec = RouteSpec("probe", "api/probe", ("GET",), PUBLIC, responses={200: _Answer})
    check_declared(spec, func.HttpResponse(json.dumps({"seenAt": "now"}), status_code=200))
    with pytest.raises(UndeclaredResponse, match=r"seen_at|seenAt"):
        check_declared(spec, func.HttpResponse(json.dumps({"seen_at": "now"}), status_code=200))


def test_routes_of_an_integration_that_may_be_unset_document_their_503() -> None:
    document()
    assert {spec.name for spec in ROUTES} >= UNCONFIGURED
    for _, _, operation in _operations():
        assert ("503" in operation["responses"]) == (
            operation["x-function"] in UNCONFIGURED or operation["x-function"] == "health_ready"
        ), operation["operationId"]


def test_the_web_route_documents_its_shell_and_the_bundles_files() -> None:
    answer = document()["paths"]["/{path}"]["get"]["responses"]["200"]
    assert set(answer["content"]) == {"text/html", "*/*"}


def test_a_document_download_documents_every_media_type_a_document_may_have() -> None:
    from shared.documents.validation import MEDIA_TYPES

    paths = document()["paths"]
    for path in (
        "/api/cases/{caseId}/documents/{docId}/content",
        "/api/cases/{caseId}/documents/{docId}/versions/{version}/content",
    ):
        assert set(paths[path]["get"]["responses"]["200"]["content"]) == set(MEDIA_TYPES), path
