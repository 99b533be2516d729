"""Continuation tokens as clients see them: opaque, HMAC-protected, bound to the user and the
query (docs/decisions/021-keyset-paging-tokens.md).

A list route asks :func:`window` for the page the client wants and answers with
:func:`continuation` of the service's next position::

    page = notes.listing(ports, request.caller, case_id, paging.window(request))
    return json_response({"notes": page.items, "continuation": paging.continuation(request, page.after)})

The token is ``base64url(tag ‖ payload)``, payload = JSON ``{"v": position, "u": user, "q":
query}``: ``u`` a hash of the user id, ``q`` a fingerprint of the route's path and its query
parameters (all but ``limit`` and ``continuation``), tag = HMAC-SHA256 over the payload with a key
derived from the caller's session token — the same secret the CSRF token is derived from, with
another label, so no new secret exists and a token dies with its session. A token that was
altered, issued to another user (or session), or for another case, list or filter is refused
with 400 ``invalid_continuation``; the service never sees it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from functions import params
from functions.http.models import ApiQuery
from functions.http.request import Request
from shared.errors import InvalidContinuation
from shared.paging import DEFAULT_LIMIT, MAX_LIMIT, Window

__all__ = ["CONTINUATION_DOC", "PageQuery", "continuation", "first_window", "window"]

CONTINUATION_DOC = "The next page's token (opaque; for this user and this query only); null on the last page"


class PageQuery(ApiQuery):
    """The paging parameters every list route takes (checked by functions/params.py, its rules
    and error codes: declared here to be documented)."""

    limit: str | None = Field(None, description=f"Items per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})")
    continuation: str | None = Field(None, description="The previous page's continuation token")


_LABEL = b"casedesk-paging-v1"
_TAG_BYTES = 32
_PAGING_PARAMETERS = frozenset({"limit", "continuation"})


def window(
    request: Request,
    *,
    maximum: int = MAX_LIMIT,
    default: int = DEFAULT_LIMIT,
    scope: Mapping[str, str] | None = None,
) -> Window:
    """The page the client asks for: ``limit`` (1 … ``maximum``, ``invalid_limit`` otherwise) and
    the position its ``continuation`` token holds (``invalid_continuation`` unless this route
    issued it to this session for this very query). ``scope``: as for :func:`continuation`."""
    size = params.limit(request, maximum=maximum, default=default)
    token = params.continuation(request)
    return Window(limit=size, after=None if token is None else _open(request, token, scope))


def first_window(request: Request, *, maximum: int = MAX_LIMIT, default: int = DEFAULT_LIMIT) -> Window:
    """The first page of each of several lists one route answers at once ("see what X sees"):
    a continuation belongs to one of them, so it is refused here (send it with that list's
    ``section``)."""
    size = params.limit(request, maximum=maximum, default=default)
    if params.continuation(request) is not None:
        raise _refused()
    return Window(limit=size)


def continuation(
    request: Request, after: Any, *, path: str | None = None, scope: Mapping[str, str] | None = None
) -> str | None:
    """The token a client sends to get the page after ``after`` (``None`` on the last page).
    ``path``: the list route it is for, when another route hands out its first page (a case's
    summary holds its first participants), called without parameters. ``scope``: parameters the
    token is bound to whatever this request had (a section of "see what X sees": the token of
    one section continues that section only, sent with ``section=<it>``)."""
    if after is None:
        return None
    query = _query(request, scope) if path is None else _fingerprint(path, sorted((scope or {}).items()))
    payload = json.dumps(
        {"v": after, "u": _user(request), "q": query}, separators=(",", ":"), sort_keys=True
    ).encode()
    tag = hmac.new(_key(request), payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(tag + payload).decode().rstrip("=")


def _open(request: Request, token: str, scope: Mapping[str, str] | None) -> Any:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise _refused() from None
    tag, payload = raw[:_TAG_BYTES], raw[_TAG_BYTES:]
    expected = hmac.new(_key(request), payload, hashlib.sha256).digest()
    if len(tag) != _TAG_BYTES or not hmac.compare_digest(tag, expected):
        raise _refused()  # altered, or issued to another session (the key is the session's)
    try:
        state = json.loads(payload)
    except (ValueError, UnicodeError, RecursionError):
        raise _refused() from None
    if (
        not isinstance(state, dict)
        or state.get("u") != _user(request)
        or state.get("q") != _query(request, scope)
        or "v" not in state
    ):
        raise _refused()  # another user's, or another list's / case's / filter's token
    return state["v"]


def _key(request: Request) -> bytes:
    """HMAC-SHA256(session token, label): every list route has a session (deny by default)."""
    if not request.session_token:
        raise _refused()
    return hmac.new(request.session_token.encode(), _LABEL, hashlib.sha256).digest()


def _user(request: Request) -> str:
    return hashlib.sha256(f"user:{request.actor}".encode()).hexdigest()[:32]


def _query(request: Request, scope: Mapping[str, str] | None = None) -> str:
    """The route's path with its parameters, and the route's declared query parameters but the
    paging ones (those named in ``scope`` take its values). Undeclared parameters (a cache
    buster a browser or proxy adds) change nothing the route answers, so they do not count."""
    bound = dict(scope or {})
    if isinstance(request.query, BaseModel):
        declared = request.query.model_dump(by_alias=True, exclude_none=True)
        given = {k: str(v) for k, v in declared.items() if k not in _PAGING_PARAMETERS}
    else:
        given = {k: v for k, v in request.http.params.items() if k not in _PAGING_PARAMETERS}
    filters = sorted({**{k: v for k, v in given.items() if k not in bound}, **bound}.items())
    return _fingerprint(urlsplit(request.http.url).path, filters)


def _fingerprint(path: str, filters: list[tuple[str, str]]) -> str:
    text = json.dumps([path.rstrip("/"), filters], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _refused() -> InvalidContinuation:
    return InvalidContinuation("the continuation token is not valid", field="continuation")
