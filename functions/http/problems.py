"""Errors as answers: the one problem+json shape (decision 017), each error category's status."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import azure.functions as func

from shared import config, i18n
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
from shared.log import log_event

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


def instance_of(correlation_id: str) -> str:
    """The problem's ``instance``: the request's trace id (W3C trace context, 32 hex digits), the
    same id as its ``X-Correlation-Id`` header, its log lines and Application Insights'
    ``operation_Id`` (decision 025)."""
    return f"urn:casedesk:trace:{correlation_id}"


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
    localised ``detail``, ``instance`` naming the request by its trace id, the stable ``code`` and ``errors``
    — every invalid field with its own code and localised text (empty when none is to blame)."""
    return {
        "type": problem_type(code),
        "title": i18n.translate(f"errors.{code}.title", language),
        "status": status,
        "detail": i18n.translate(f"errors.{code}.detail", language, **(params or {})),
        "instance": instance_of(correlation_id),
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
