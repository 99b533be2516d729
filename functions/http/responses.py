"""Successful answers: JSON with its headers, the security headers every answer carries, If-Match."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func

from functions.http.request import Request
from shared.errors import (
    PreconditionRequired,
)

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


def not_modified(request: Request, etag: str) -> func.HttpResponse | None:
    """A ``304 Not Modified`` (no body, the ``ETag``) if the request's ``If-None-Match`` names
    ``etag`` (or is ``*``), else ``None``: answer in full. For polled reads (the thread list and a
    thread's state): a route compares a version it gets from one point read before doing the work."""
    header = (request.http.headers.get("if-none-match") or "").strip()
    if not header:
        return None
    given = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if "*" in given or etag in given:
        return func.HttpResponse(status_code=304, headers={"ETag": etag})
    return None
