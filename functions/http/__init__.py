"""Request/response plumbing shared by every HTTP function, as a small package:

- ``routing``   — :func:`route` registers a function with its declarations (:class:`RouteSpec`,
  :data:`ROUTES`), :func:`serve` runs it inside the plumbing;
- ``request``   — :class:`Request`, what a handler receives;
- ``session``   — the session cookie, CSRF, the cross-site refusal and the permission check;
- ``models``    — :class:`ApiModel` and the shapes a route answers; body and query parsers;
- ``problems``  — errors as the one problem+json shape, each category's status;
- ``responses`` — JSON answers, the security headers, If-Match;
- ``uploads``   — multipart uploads read in chunks.

Every domain error is mapped here and nowhere else; nothing here holds state but the registry.
"""

from functions.http.models import (
    FIELD_CODES,
    ApiModel,
    ApiQuery,
    Binary,
    Csv,
    FormModel,
    Html,
    ResponseShape,
    field_errors,
    parse_json,
    parse_query,
)
from functions.http.problems import (
    STATUS_OF_CATEGORY,
    problem_document,
    problem_response,
    problem_type,
    status_of,
)
from functions.http.request import Request
from functions.http.responses import SECURITY_HEADERS, json_response, not_modified, require_if_match
from functions.http.routing import ROUTES, RouteSpec, route, serve
from functions.http.session import SESSION_COOKIE, CrossSiteRefused

__all__ = [
    "FIELD_CODES",
    "ROUTES",
    "SECURITY_HEADERS",
    "SESSION_COOKIE",
    "STATUS_OF_CATEGORY",
    "ApiModel",
    "ApiQuery",
    "Binary",
    "CrossSiteRefused",
    "Csv",
    "FormModel",
    "Html",
    "Request",
    "ResponseShape",
    "RouteSpec",
    "field_errors",
    "json_response",
    "not_modified",
    "parse_json",
    "parse_query",
    "problem_document",
    "problem_response",
    "problem_type",
    "require_if_match",
    "route",
    "serve",
    "status_of",
]
