"""Request and response models: the one ``ApiModel`` base, the shapes a route may answer, and
the parsers of declared bodies and queries (every invalid field, with our own field codes)."""

from __future__ import annotations

from typing import TypeVar

import azure.functions as func
import pydantic
import pydantic.alias_generators

from shared.errors import (
    FieldError,
    InvalidInput,
    UnsupportedMediaType,
)

Model = TypeVar("Model", bound=pydantic.BaseModel)


class ApiModel(pydantic.BaseModel):
    """The one base of every request and response model: camelCase on the wire (snake_case in
    Python), unknown fields refused. Built lazily (``defer_build``): a cold start does not pay
    for the validators of every route, each route's first request builds its own
    (tests/unit/test_openapi.py builds them all, so a broken model still fails the suite)."""

    model_config = pydantic.ConfigDict(
        extra="forbid",
        alias_generator=pydantic.alias_generators.to_camel,
        populate_by_name=True,
        defer_build=True,  # validators are built on first use, not on import (cold start, issue 13)
    )


class ApiQuery(ApiModel):
    """The base of query-parameter models: like :class:`ApiModel`, but a parameter the route does
    not know is ignored (caches and browsers add their own), not refused."""

    model_config = pydantic.ConfigDict(
        extra="ignore",
        alias_generator=pydantic.alias_generators.to_camel,
        populate_by_name=True,
        defer_build=True,
    )


class FormModel(ApiModel):
    """A ``multipart/form-data`` body (an upload): declared for the document, read by the
    handler itself (``functions/http/uploads.py`` streams the file part, which a model cannot)."""


class Binary:
    """A response of raw bytes (a download): ``responses={200: Binary}``. A subclass names the
    media types it is answered with (the OpenAPI document lists them)."""

    media_types: tuple[str, ...] = ("application/octet-stream",)


class Csv(Binary):
    """A CSV download (``text/csv``): ``responses={200: Csv}``."""

    media_types = ("text/csv",)


class Html:
    """An HTML page (the web app's shell): ``responses={200: Html}``."""


#: What a route answers per status: a model (JSON), Binary, Html, or None (no body, e.g. 204).
ResponseShape = type[pydantic.BaseModel] | type[Binary] | type[Html] | None


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
