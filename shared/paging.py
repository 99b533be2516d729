"""What a service is asked for and answers when it lists: a :class:`Window` (how many, and where
the previous page ended) and a :class:`Paged` (the items, and where the next page starts).

The position (``after``) is the service's own JSON state — a store's continuation token, an id,
a version number. The HTTP layer seals it into an opaque, HMAC-protected token bound to the user
and the query (``functions/http/paging.py``, docs/decisions/021), so what comes back in a
``Window`` is a position the service itself handed out for this very query; a service still
checks its shape (:func:`text_position`, :func:`int_position`), so a bug cannot become a crash.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from shared.errors import InvalidContinuation
from shared.ports import Item, Query, Store

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "Paged", "Window", "int_position", "store_page", "text_position"]

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

T = TypeVar("T")


@dataclass(frozen=True)
class Window:
    """One page asked for: up to ``limit`` items after ``after`` (``None``: from the start)."""

    limit: int = DEFAULT_LIMIT
    after: Any = None


@dataclass(frozen=True)
class Paged(Generic[T]):
    """One page: ``items``, and ``after`` — the position to continue from, ``None`` on the last page."""

    items: list[T]
    after: Any = None


def _refused() -> InvalidContinuation:
    return InvalidContinuation("the continuation token is not valid", field="continuation")


def text_position(window: Window) -> str | None:
    """The window's position as a text (an id, a store token), or ``InvalidContinuation``."""
    if window.after is None:
        return None
    if not isinstance(window.after, str) or not window.after:
        raise _refused()
    return window.after


def int_position(window: Window) -> int | None:
    """The window's position as a whole number (a version), or ``InvalidContinuation``."""
    if window.after is None:
        return None
    if isinstance(window.after, bool) or not isinstance(window.after, int):
        raise _refused()
    return window.after


def store_page(store: Store, container: str, partition: str, query: Query, window: Window) -> Paged[Item]:
    """One page of one store query: the store's own continuation is the position (a keyset on
    memory and SQLite, the SDK's token on Cosmos — both in the query's total order, field then id)."""
    page = store.query(
        container, partition, replace(query, limit=window.limit, continuation=text_position(window))
    )
    return Paged(page.items, page.continuation)
