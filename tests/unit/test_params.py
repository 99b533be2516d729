"""The one parser for paging parameters and times (issue 14, item 2): crafted values are a
localised 400 with a stable code, never a crash."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import azure.functions as func
import pytest

from functions import params
from functions.http import Request, json_response, serve
from shared.access.permissions import PUBLIC
from shared.errors import InvalidContinuation, InvalidDateTime, InvalidLimit


def request_with(**query: str) -> Request:
    http = func.HttpRequest("GET", "http://localhost/api/x", headers={}, params=query, body=b"")
    return Request(http, "en", "correlation")


@pytest.mark.parametrize(("value", "expected"), [("1", 1), ("200", 200), ("007", 7), ("", 50)])
def test_a_limit_is_ascii_digits_in_range(value: str, expected: int) -> None:
    assert params.limit(request_with(limit=value), maximum=200) == expected
    assert params.limit(request_with(), maximum=200) == 50


@pytest.mark.parametrize(
    "value", ["\u00b2", "\u0663", "\uff15", "1_0", "+5", " 5", "5\n", "1.5", "-1", "0", "201", "9" * 40, "x"]
)
def test_any_other_limit_is_invalid_limit(value: str) -> None:
    with pytest.raises(InvalidLimit) as refused:
        params.limit(request_with(limit=value), maximum=200)
    assert refused.value.field == "limit" and refused.value.params == {"maximum": 200}


def test_a_continuation_is_passed_on_as_the_store_issued_it() -> None:
    assert params.continuation(request_with()) is None
    assert params.continuation(request_with(continuation="")) is None
    assert params.continuation(request_with(continuation="eyJvZmZzZXQiOjJ9")) == "eyJvZmZzZXQiOjJ9"
    assert params.continuation(request_with(continuation="eyJvIjoyfQ==")) == "eyJvIjoyfQ=="


@pytest.mark.parametrize("value", ["!!!", "a b", "abc===", "=abc", "\u00e9t\u00e9", "A" * 4097])
def test_text_that_cannot_be_a_token_is_invalid_continuation(value: str) -> None:
    with pytest.raises(InvalidContinuation) as refused:
        params.continuation(request_with(continuation=value))
    assert refused.value.field == "continuation"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-01T09:00:00+01:00", datetime(2026, 3, 1, 8, tzinfo=UTC)),
        ("2026-03-01T08:00:00Z", datetime(2026, 3, 1, 8, tzinfo=UTC)),
        ("2000-01-01T00:00:00+14:00", datetime(1999, 12, 31, 10, tzinfo=UTC)),
        ("2200-12-31T23:59:59-14:00", datetime(2201, 1, 1, 13, 59, 59, tzinfo=UTC)),
    ],
)
def test_a_time_is_iso_8601_within_the_years_2000_to_2200_and_returned_in_utc(
    value: str, expected: datetime
) -> None:
    parsed = params.parse_datetime(value, "at")
    assert parsed == expected and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+14:00",  # its UTC value lies before year 1: an OverflowError, i.e. a 500
        "9999-12-31T23:59:59-14:00",  # … after year 9999
        "1999-12-31T23:59:59Z",
        "2201-01-01T00:00:00Z",
        "2026-03-01T09:00:00",  # no zone where one is required
        "tomorrow",
        "",
        "\uff12\uff10\uff12\uff16-03-01T09:00:00Z",
        "2026-03-01T09:00:00" + "0" * 60 + "Z",
        1772352000,
        None,
    ],
)
def test_any_other_time_is_invalid_datetime(value: object) -> None:
    with pytest.raises(InvalidDateTime) as refused:
        params.parse_datetime(value, "expiresAt")
    assert refused.value.field == "expiresAt"
    assert refused.value.params == {"earliest": 2000, "latest": 2200}


def test_a_query_time_without_a_zone_is_read_as_utc() -> None:
    assert params.query_datetime(request_with(), "since") is None
    assert params.query_datetime(request_with(since=""), "since") is None
    assert params.query_datetime(request_with(since="2026-03-01"), "since") == datetime(
        2026, 3, 1, tzinfo=UTC
    )
    with pytest.raises(InvalidDateTime):
        params.query_datetime(request_with(until="0001-01-01T00:00:00+14:00"), "until")


def listing(request: Request) -> func.HttpResponse:
    return json_response(
        {
            "limit": params.limit(request, maximum=200),
            "continuation": params.continuation(request),
            "since": str(params.query_datetime(request, "since")),
        }
    )


@pytest.mark.parametrize(
    ("query", "code", "placeholders"),
    [
        ({"limit": "\u00b2"}, "invalid_limit", ["200"]),
        ({"continuation": "%%%"}, "invalid_continuation", []),
        ({"since": "9999-12-31T23:59:59-14:00"}, "invalid_datetime", ["2000", "2200"]),
    ],
)
def test_the_refusal_is_a_localised_problem_with_a_stable_code(
    query: dict[str, str], code: str, placeholders: list[str]
) -> None:
    details = set()
    for language in ("en", "de"):
        http = func.HttpRequest(
            "GET", "http://localhost/api/x", headers={"accept-language": language}, params=query, body=b""
        )
        response = serve(http, listing, "health", PUBLIC, None)
        problem = json.loads(response.get_body())
        assert response.status_code == 400 and response.mimetype == "application/problem+json"
        assert problem["code"] == code and problem["errors"][0]["field"] == next(iter(query))
        assert all(p in problem["detail"] for p in placeholders) and "{" not in problem["detail"]
        details.add(problem["detail"])
    assert len(details) == 2
