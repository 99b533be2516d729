"""The request plumbing: problem+json mapping, headers, limits, correlation ids, logging."""

from __future__ import annotations

import json
import logging

import azure.functions as func
import pydantic
import pytest

from functions.http import (
    SECURITY_HEADERS,
    Request,
    json_response,
    parse_json,
    problem_response,
    serve,
    status_of,
)
from shared.access.permissions import PUBLIC, Action
from shared.errors import (
    AlreadyExists,
    BackendUnavailable,
    CaseDeskError,
    ConcurrencyConflict,
    ConfigurationError,
    IntegrityError,
    InvalidInput,
    ItemTooLarge,
    KeyUnavailable,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    Unauthenticated,
    UnsupportedMediaType,
)
from tests.unit.conftest import http_request


def ok(request: Request) -> func.HttpResponse:
    return json_response({"language": request.language, "correlation": request.correlation_id})


def body_of(response: func.HttpResponse) -> dict[str, object]:
    return dict(json.loads(response.get_body()))


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvalidInput(), 400),
        (UnsupportedMediaType(), 415),
        (PayloadTooLarge(limit=1), 413),
        (Unauthenticated(), 401),
        (PermissionDenied(), 403),
        (NotFound(), 404),
        (AlreadyExists(), 409),
        (ConcurrencyConflict(), 412),
        (ItemTooLarge(), 413),
        (KeyUnavailable(), 410),
        (BackendUnavailable(), 503),
        (ConfigurationError(), 503),
        (IntegrityError(), 500),
        (CaseDeskError(), 500),
    ],
)
def test_each_domain_error_has_its_status_and_a_localised_problem(error: CaseDeskError, status: int) -> None:
    assert status_of(error) == status
    en = problem_response(error, "en", "corr-1234")
    de = problem_response(error, "de", "corr-1234")
    assert en.status_code == de.status_code == status
    assert en.mimetype == "application/problem+json"
    en_body, de_body = body_of(en), body_of(de)
    assert en_body["code"] == de_body["code"] == error.code
    assert en_body["type"] == f"urn:casedesk:problem:{error.code}"
    assert en_body["status"] == status and en_body["correlationId"] == "corr-1234"
    assert en_body["title"] != de_body["title"] and en_body["detail"] != de_body["detail"]
    assert de.headers["Content-Language"] == "de"


def test_a_problem_never_contains_the_exception_message() -> None:
    body = body_of(problem_response(NotFound("case of Anna Muster"), "en", "corr-1234"))
    assert "Anna" not in json.dumps(body)


def test_every_response_carries_the_security_headers_and_a_correlation_id() -> None:
    response = serve(http_request(headers={"x-correlation-id": "abcd-1234-efgh"}), ok, "health", PUBLIC, None)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Correlation-Id"] == "abcd-1234-efgh"
    assert body_of(response)["correlation"] == "abcd-1234-efgh"


@pytest.mark.parametrize("supplied", ["", "short", "a" * 65, "bad id with spaces", "x\r\nSet-Cookie: a=b"])
def test_an_unusable_correlation_id_is_replaced(supplied: str) -> None:
    response = serve(http_request(headers={"x-correlation-id": supplied}), ok, "health", PUBLIC, None)
    assert response.headers["X-Correlation-Id"] != supplied
    assert len(response.headers["X-Correlation-Id"]) == 36


def test_the_language_follows_accept_language() -> None:
    response = serve(http_request(headers={"accept-language": "de-CH,de;q=0.9"}), ok, "health", PUBLIC, None)
    assert body_of(response)["language"] == "de"


def test_bodies_over_the_limit_are_refused_before_the_handler_runs() -> None:
    ran: list[bool] = []

    def handler(request: Request) -> func.HttpResponse:
        ran.append(True)
        return ok(request)

    big = serve(http_request("POST", body=b"x" * 11), handler, "health", PUBLIC, 10)
    declared = serve(
        http_request("POST", headers={"content-length": "999999"}), handler, "health", PUBLIC, 10
    )
    fits = serve(http_request("POST", body=b"x" * 10), handler, "health", PUBLIC, 10)
    assert big.status_code == declared.status_code == 413
    assert body_of(big)["code"] == "payload_too_large" and "10" in str(body_of(big)["detail"])
    assert fits.status_code == 200 and ran == [True]


def test_non_public_routes_are_denied_without_a_session(wired: object) -> None:
    ran: list[bool] = []

    def handler(request: Request) -> func.HttpResponse:
        ran.append(True)
        return ok(request)

    for permission in Action:
        response = serve(http_request("POST"), handler, "some_route", permission, None)
        assert response.status_code == 401 and body_of(response)["code"] == "unauthenticated"
        assert "X-Correlation-Id" in response.headers
    assert ran == []


def test_a_crash_is_a_500_without_details_and_logs_no_message(caplog: pytest.LogCaptureFixture) -> None:
    def crash(request: Request) -> func.HttpResponse:
        raise RuntimeError("secret detail about Anna Muster")

    with caplog.at_level(logging.DEBUG, logger="casedesk"):
        response = serve(http_request(), crash, "health", PUBLIC, None)
    assert response.status_code == 500 and body_of(response)["code"] == "internal_error"
    assert "Anna" not in response.get_body().decode()
    assert all("Anna" not in r.getMessage() for r in caplog.records)
    assert any('"exception":"RuntimeError"' in r.getMessage() for r in caplog.records)


def test_request_logs_hold_only_allow_listed_fields(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="casedesk"):
        serve(http_request(url="/api/cases/anna.muster@example.invalid?q=secret"), ok, "health", PUBLIC, None)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "casedesk"]
    assert lines and set(lines[-1]) <= {
        "event",
        "function",
        "method",
        "status",
        "durationMs",
        "correlationId",
    }
    assert "anna" not in caplog.text and "secret" not in caplog.text


class Greeting(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    name: str = pydantic.Field(min_length=1, max_length=10)


@pytest.mark.parametrize(
    ("content_type", "body", "error", "field"),
    [
        ("text/plain", b'{"name":"a"}', UnsupportedMediaType, None),
        ("application/json", b"{not json", InvalidInput, None),
        ("application/json", b'{"name": ""}', InvalidInput, "name"),
        ("application/json", b'{"name": "a", "admin": true}', InvalidInput, "admin"),
        ("application/json", b"[]", InvalidInput, None),
    ],
)
def test_parse_json_refuses_bad_bodies_naming_the_field(
    content_type: str, body: bytes, error: type[Exception], field: str | None
) -> None:
    with pytest.raises(error) as caught:
        parse_json(http_request("POST", body=body, headers={"content-type": content_type}), Greeting)
    if field:
        assert getattr(caught.value, "field", None) == field


def test_parse_json_accepts_a_good_body() -> None:
    req = http_request(
        "POST", body=b'{"name":"Anna"}', headers={"content-type": "application/json; charset=utf-8"}
    )
    assert parse_json(req, Greeting).name == "Anna"


def test_a_configuration_error_is_logged_with_its_reason_for_ops(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="casedesk"):
        problem = problem_response(
            ConfigurationError("CASEDESK_STORE=sqlite is refused in production"), "en", "c-12345678"
        )
    assert "CASEDESK_STORE" not in problem.get_body().decode()  # clients get the generic text
    assert any("CASEDESK_STORE=sqlite is refused" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-forwarded-for": "203.0.113.9"}, "203.0.113.9"),
        ({"x-forwarded-for": "1.2.3.4, 198.51.100.7"}, "198.51.100.7"),  # a forged first entry is ignored
        ({"x-client-ip": "192.0.2.1"}, "192.0.2.1"),
        (
            {"x-forwarded-for": "203.0.113.9:53422"},
            "203.0.113.9",
        ),  # Azure appends the port: not part of the key
        ({"x-forwarded-for": "1.2.3.4, [2001:db8::7]:443"}, "2001:db8::7"),
        ({"x-forwarded-for": "2001:db8::8"}, "2001:db8::8"),
        ({}, "unknown"),
    ],
)
def test_the_client_key_is_the_address_the_platform_appended(headers: dict[str, str], expected: str) -> None:
    assert Request(http_request(headers=headers), "en", "c-12345678").client_key() == expected


@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        ({}, False),  # no browser: the CSRF token (signed-in routes) still guards it
        ({"origin": "http://localhost"}, False),  # the request's own origin
        ({"origin": "HTTP://LOCALHOST:80"}, False),
        ({"origin": "https://evil.example"}, True),
        ({"origin": "null"}, True),  # a sandboxed frame or a data: page
        ({"origin": "http://localhost:8080"}, True),  # another port is another origin
        ({"origin": "http://localhost:99999"}, True),  # malformed
        ({"sec-fetch-site": "cross-site"}, True),
        ({"sec-fetch-site": "same-origin", "origin": "http://localhost"}, False),
        ({"sec-fetch-site": "cross-site", "origin": "http://localhost"}, True),
    ],
)
def test_a_state_change_from_another_site_is_refused_before_anything_runs(
    headers: dict[str, str], refused: bool
) -> None:
    calls: list[str] = []

    def change(request: Request) -> func.HttpResponse:
        calls.append("ran")
        return json_response({}, 201)

    request = func.HttpRequest("POST", "http://localhost/api/x", headers=headers, body=b"{}")
    response = serve(request, change, "login", PUBLIC, None)
    if refused:
        assert response.status_code == 403 and body_of(response)["code"] == "cross_site_refused"
        assert calls == []
    else:
        assert response.status_code == 201 and calls == ["ran"]


def test_reads_are_not_refused_for_their_origin() -> None:
    request = func.HttpRequest(
        "GET", "http://localhost/api/x", headers={"sec-fetch-site": "cross-site"}, body=b""
    )
    assert serve(request, ok, "health", PUBLIC, None).status_code == 200


def test_the_configured_public_origin_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEDESK_PUBLIC_URL", "https://casedesk.example.ch/")
    request = func.HttpRequest(
        "POST", "http://10.0.0.4/api/x", headers={"origin": "https://casedesk.example.ch"}, body=b"{}"
    )
    assert serve(request, ok, "login", PUBLIC, None).status_code == 200
