"""Continuation tokens as clients see them (functions/http/paging.py, docs/decisions/021): a
position sealed with an HMAC keyed from the session, bound to the user and the query."""

from __future__ import annotations

import base64
from typing import Any

import azure.functions as func
import pytest

from functions.http import Request, paging
from shared.errors import InvalidContinuation


def request(
    path: str = "/api/cases/c1/notes",
    *,
    session: str = "session-token-a",
    user: str = "u1",
    params: dict[str, str] | None = None,
    query: Any = None,
) -> Request:
    http = func.HttpRequest("GET", f"http://localhost{path}", body=b"", params=params or {})
    return Request(http, "en", "corr", user_id=user, session_token=session, query=query)


def continued(token: str, **kwargs: Any) -> Any:
    params = {**kwargs.pop("params", {}), "continuation": token}
    return paging.window(request(params=params, **kwargs)).after


def test_a_token_gives_back_the_position_it_sealed() -> None:
    position = {"k": ["2026-01-01", "note-1"]}
    token = paging.continuation(request(), position)
    assert token and "note-1" not in token
    assert continued(token) == position
    assert paging.continuation(request(), None) is None


@pytest.mark.parametrize(
    "other",
    [
        {"session": "session-token-b"},  # another session of the same user
        {"user": "u2"},  # another user (even were the session shared)
        {"path": "/api/cases/c2/notes"},  # another case
        {"path": "/api/cases/c1/documents"},  # another list
        {"params": {"unread": "true"}},  # another filter (undeclared: the raw parameters count)
    ],
    ids=["session", "user", "case", "list", "filter"],
)
def test_a_token_is_refused_in_any_other_scope(other: dict[str, Any]) -> None:
    token = paging.continuation(request(), "note-9")
    assert token is not None
    with pytest.raises(InvalidContinuation):
        continued(token, **other)


def test_a_token_altered_anywhere_is_refused() -> None:
    token = paging.continuation(request(), "note-9")
    assert token is not None
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    for index in range(0, len(raw), 7):
        flipped = bytearray(raw)
        flipped[index] ^= 0x01
        forged = base64.urlsafe_b64encode(bytes(flipped)).decode().rstrip("=")
        with pytest.raises(InvalidContinuation):
            continued(forged)


def test_a_scoped_token_continues_its_own_section_only() -> None:
    token = paging.continuation(request("/api/cases/c1/seen-by/u2"), "doc-1", scope={"section": "documents"})
    assert token is not None
    path = "/api/cases/c1/seen-by/u2"
    ask = request(path, params={"section": "documents", "continuation": token})
    assert paging.window(ask, scope={"section": "documents"}).after == "doc-1"
    moved = request(path, params={"section": "notes", "continuation": token})
    with pytest.raises(InvalidContinuation):
        paging.window(moved, scope={"section": "notes"})
    with pytest.raises(InvalidContinuation):  # the first page of every section takes no token
        paging.first_window(request(path, params={"continuation": token}))
