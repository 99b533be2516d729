"""The request plumbing: problem+json mapping, headers, limits, correlation ids, logging."""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from typing import Any, Literal

import azure.functions as func
import pydantic
import pytest

from functions.http import (
    SECURITY_HEADERS,
    CrossSiteRefused,
    Request,
    json_response,
    parse_json,
    problem_response,
    problem_type,
    serve,
    status_of,
)
from shared.access.permissions import PUBLIC, Action
from shared.cases.participants import CaseClosed, LegalHoldActive
from shared.errors import (
    AlreadyExists,
    BackendUnavailable,
    CaseDeskError,
    ConcurrencyConflict,
    ConfigurationError,
    FieldError,
    IntegrityError,
    InvalidInput,
    InvalidLimit,
    ItemTooLarge,
    KeyUnavailable,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    PreconditionRequired,
    Unauthenticated,
    UnsupportedMediaType,
)
from shared.identity.invitations import InvitationExpired, InvitationUnknown
from shared.identity.onboarding import ConsentRequired, PasswordAlreadySet
from shared.identity.passwords import PasswordTooShort
from shared.identity.throttle import TooManyAttempts
from shared.log import log_event
from tests.unit.conftest import http_request

CORRELATION = "0af7651916cd43dd8448eb211c80319c"  # a W3C trace id
TRACEPARENT = f"00-{CORRELATION}-b7ad6b7169203331-01"


def ok(request: Request) -> func.HttpResponse:
    return json_response({"language": request.language, "correlation": request.correlation_id})


def body_of(response: func.HttpResponse) -> dict[str, Any]:
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
        # Domain errors take the status of their category; http.py does not know them.
        (CaseClosed(), 409),
        (LegalHoldActive(), 409),
        (PasswordAlreadySet(), 409),
        (InvitationUnknown(), 404),
        (InvitationExpired(), 410),
        (TooManyAttempts(retry_after=30), 429),
        (ConsentRequired(), 403),
        (CrossSiteRefused(), 403),
        (PreconditionRequired(), 428),
        (PasswordTooShort(), 400),
    ],
)
def test_each_domain_error_has_its_status_and_a_localised_problem(error: CaseDeskError, status: int) -> None:
    assert status_of(error) == status_of(type(error)) == status
    en = problem_response(error, "en", CORRELATION)
    de = problem_response(error, "de", CORRELATION)
    assert en.status_code == de.status_code == status
    assert en.mimetype == "application/problem+json"
    en_body, de_body = body_of(en), body_of(de)
    assert set(en_body) == {"type", "title", "status", "detail", "instance", "code", "errors"}
    assert en_body["code"] == de_body["code"] == error.code
    assert en_body["type"] == f"tag:casedesk,2026:problems/{error.code}"
    assert en_body["status"] == status and en_body["instance"] == f"urn:casedesk:trace:{CORRELATION}"
    assert en_body["title"] != de_body["title"] and en_body["detail"] != de_body["detail"]
    assert de.headers["Content-Language"] == "de"


def test_a_problem_never_contains_the_exception_message() -> None:
    body = body_of(problem_response(NotFound("case of Anna Muster"), "en", CORRELATION))
    assert "Anna" not in json.dumps(body)


def test_the_problem_type_is_a_page_under_an_https_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEDESK_PUBLIC_URL", "https://casedesk.example.ch/")
    assert problem_type("case_closed") == "https://casedesk.example.ch/problems/case_closed"
    monkeypatch.setenv("CASEDESK_PUBLIC_URL", "http://127.0.0.1:7071")  # a dev host: no address of ours
    assert problem_type("case_closed") == "tag:casedesk,2026:problems/case_closed"
    monkeypatch.delenv("CASEDESK_PUBLIC_URL")
    assert problem_type("case_closed").startswith("tag:casedesk,")


def test_an_invalid_input_lists_its_field_localised() -> None:
    en, de = (body_of(problem_response(PasswordTooShort(), lang, CORRELATION)) for lang in ("en", "de"))
    assert [(e["field"], e["code"]) for e in en["errors"]] == [("password", "weak_password_too_short")]
    assert en["errors"][0]["detail"] != de["errors"][0]["detail"]
    assert "{" not in en["errors"][0]["detail"]  # the policy's lengths filled in
    unnamed = body_of(problem_response(InvalidLimit(maximum=5), "en", CORRELATION))
    assert [(e["field"], e["code"]) for e in unnamed["errors"]] == [(None, "invalid_limit")]
    assert body_of(problem_response(NotFound(), "en", CORRELATION))["errors"] == []


def test_any_error_may_name_the_field_it_is_about() -> None:
    body = body_of(problem_response(UnsupportedMediaType("pdf only", field="file"), "en", CORRELATION))
    assert body["status"] == 415 and [e["field"] for e in body["errors"]] == ["file"]


def test_every_response_carries_the_security_headers_and_a_correlation_id() -> None:
    response = serve(http_request(headers={"traceparent": TRACEPARENT}), ok, "health", PUBLIC, None)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Correlation-Id"] == CORRELATION  # the trace id of traceparent
    assert body_of(response)["correlation"] == CORRELATION


@pytest.mark.parametrize(
    "supplied",
    [
        "",
        "short",
        "abcd-1234-efgh",
        CORRELATION,  # a trace id alone is no traceparent
        f"00-{CORRELATION.upper()}-b7ad6b7169203331-01",  # W3C: lower-case hex only
        f"ff-{CORRELATION}-b7ad6b7169203331-01",  # version ff is invalid
        f"00-{'0' * 32}-b7ad6b7169203331-01",  # an all-zero trace id is invalid
        f"00-{CORRELATION}-{'0' * 16}-01",  # so is an all-zero parent id
        f"00-{CORRELATION}-b7ad6b7169203331-01\r\nSet-Cookie: a=b",
        "{" + TRACEPARENT + "}",
    ],
)
def test_an_unusable_traceparent_is_replaced_by_a_new_trace_id(supplied: str) -> None:
    response = serve(http_request(headers={"traceparent": supplied}), ok, "health", PUBLIC, None)
    correlation = response.headers["X-Correlation-Id"]
    assert correlation != CORRELATION and re.fullmatch(r"[0-9a-f]{32}", correlation)
    assert correlation != "0" * 32


def test_without_traceparent_every_request_gets_its_own_trace_id() -> None:
    ids = {serve(http_request(), ok, "health", PUBLIC, None).headers["X-Correlation-Id"] for _ in range(20)}
    assert len(ids) == 20 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)


def test_a_problem_names_the_request_by_its_correlation_id() -> None:
    def missing(request: Request) -> func.HttpResponse:
        raise NotFound("no such case")

    response = serve(http_request(), missing, "health", PUBLIC, None)
    assert body_of(response)["instance"] == "urn:casedesk:trace:" + response.headers["X-Correlation-Id"]


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
    assert all("Anna" not in r.getMessage() and r.exc_info is None for r in caplog.records)
    (crash_line,) = [
        json.loads(r.getMessage()) for r in caplog.records if '"request.crash"' in r.getMessage()
    ]
    assert crash_line["exception"] == "RuntimeError" and crash_line["function"] == "health"
    # The traceback as frames only: file, line, function; innermost (the handler) last.
    assert crash_line["frames"][-1].startswith("tests/unit/test_http.py:")
    assert crash_line["frames"][-1].endswith(":crash")
    assert all(re.fullmatch(r"[\w./<>-]+:\d+:[\w<>.]+", f) for f in crash_line["frames"])


def test_every_line_of_a_request_carries_its_trace_id(caplog: pytest.LogCaptureFixture) -> None:
    def noisy(request: Request) -> func.HttpResponse:
        log_event("something.happened", count=1)
        raise NotFound("missing")

    with caplog.at_level(logging.INFO, logger="casedesk"):
        response = serve(http_request(headers={"traceparent": TRACEPARENT}), noisy, "health", PUBLIC, None)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "casedesk"]
    assert [line["event"] for line in lines] == ["something.happened", "request"]
    assert all(line["correlationId"] == CORRELATION for line in lines)
    assert body_of(response)["instance"] == f"urn:casedesk:trace:{CORRELATION}"
    assert "correlationId" not in log_event("outside.a.request")  # no request, no correlation id


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
        "storeReads",
        "storeQueries",
        "storeWrites",
    }
    assert "anna" not in caplog.text and "secret" not in caplog.text


class Greeting(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    name: str = pydantic.Field(min_length=1, max_length=10)


class Stage(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    percent: int = pydantic.Field(ge=0, le=100)
    day: date
    kind: Literal["full", "part"]
    tasks: list[str] = pydantic.Field(max_length=2)
    greeting: Greeting


@pytest.mark.parametrize(
    ("content_type", "body", "error", "errors"),
    [
        ("text/plain", b'{"name":"a"}', UnsupportedMediaType, []),
        ("application/json", b"{not json", InvalidInput, [FieldError(None, "malformed_json")]),
        ("application/json", b"[]", InvalidInput, [FieldError(None, "invalid_value")]),
        (
            "application/json",
            b'{"name": ""}',
            InvalidInput,
            [FieldError("name", "too_short", {"limit": 1, "min_length": 1})],
        ),
        (
            "application/json",
            b'{"name": "a", "admin": true}',
            InvalidInput,
            [FieldError("admin", "unknown_field")],
        ),
    ],
)
def test_parse_json_refuses_bad_bodies_naming_the_field(
    content_type: str, body: bytes, error: type[CaseDeskError], errors: list[FieldError]
) -> None:
    with pytest.raises(error) as caught:
        parse_json(http_request("POST", body=body, headers={"content-type": content_type}), Greeting)
    if errors:
        assert list(caught.value.field_errors) == errors


def test_parse_json_lists_every_invalid_field_with_a_localised_text() -> None:
    body = {
        "percent": 120,
        "day": "soon",
        "kind": "none",
        "tasks": ["a", "b", "c"],
        "greeting": {"name": "abcdefghijk"},
        "x": 1,
    }
    req = http_request("POST", body=json.dumps(body).encode(), headers={"content-type": "application/json"})
    with pytest.raises(InvalidInput) as caught:
        parse_json(req, Stage)
    en, de = (body_of(problem_response(caught.value, lang, CORRELATION)) for lang in ("en", "de"))
    assert en["status"] == 400 and en["code"] == "invalid_input"
    assert [(e["field"], e["code"]) for e in en["errors"]] == [
        ("percent", "too_large"),
        ("day", "invalid_date"),
        ("kind", "invalid_choice"),
        ("tasks", "too_long"),
        ("greeting.name", "too_long"),
        ("x", "unknown_field"),
    ]
    assert en["errors"][0]["detail"] == "The value is too large (limit: 100)."
    assert en["errors"][4]["detail"] == "This is too long (at most 10)."
    assert not any("{" in e["detail"] for e in en["errors"] + de["errors"])  # every placeholder filled
    assert all(e["detail"] != g["detail"] for e, g in zip(en["errors"], de["errors"], strict=True))
    assert "abcdefghijk" not in json.dumps(en) and "soon" not in json.dumps(en)  # never the input


def test_parse_json_accepts_a_good_body() -> None:
    req = http_request(
        "POST", body=b'{"name":"Anna"}', headers={"content-type": "application/json; charset=utf-8"}
    )
    assert parse_json(req, Greeting).name == "Anna"


def test_a_201_names_the_created_resource() -> None:
    created = json_response({"id": "n1"}, 201, etag='"e1"', location="/api/cases/c1/notes/n1")
    assert created.headers["Location"] == "/api/cases/c1/notes/n1" and created.headers["ETag"] == '"e1"'
    with pytest.raises(ValueError, match="location"):
        json_response({"id": "n1"}, 201)


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
        return json_response({}, 201, location="/api/x/1")

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
