"""The paging parameters and the times every route reads, each through one parser, so a crafted
value is a localised 400 with a stable code wherever it is sent — never a crash deep in a store
or in a time-zone conversion.

- ``limit``: ASCII digits only (``int()`` also takes ``²``, ``٣`` and ``1_0``), 1 … the route's
  maximum → else ``invalid_limit``.
- ``continuation``: opaque here; only its size and alphabet are checked. The store that issued it
  decodes it and refuses what it did not issue (``decode_continuation``) → ``invalid_continuation``.
- Times: ISO 8601, years 2000–2200 as written → else ``invalid_datetime``. ``datetime`` accepts
  ``0001-01-01T00:00+14:00``, whose UTC value lies before year 1 and overflows on conversion; the
  product has no business with times outside that range anyway. Returned in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from functions.http import Request
from shared.errors import InvalidContinuation, InvalidDateTime, InvalidLimit

__all__ = [
    "EARLIEST_YEAR",
    "LATEST_YEAR",
    "continuation",
    "limit",
    "parse_datetime",
    "query_datetime",
]

EARLIEST_YEAR = 2000
LATEST_YEAR = 2200
#: Our tokens are URL-safe base64 of a small JSON object (a Cosmos token wrapped with the query's
#: fingerprint is the largest, well under 1 KiB); the cap keeps a forged one cheap to refuse.
_MAX_TOKEN_CHARS = 4096
_TOKEN = re.compile(r"[A-Za-z0-9_-]+={0,2}")
_DIGITS = re.compile(r"[0-9]{1,6}")
_MAX_TIME_CHARS = 64


def limit(request: Request, *, maximum: int, default: int = 50) -> int:
    """The ``limit`` query parameter: a whole number from 1 to ``maximum`` (``default`` if absent)."""
    value: str | None = request.http.params.get("limit")
    if value is None or value == "":
        return default
    if not _DIGITS.fullmatch(value) or not 1 <= int(value) <= maximum:
        raise InvalidLimit("limit must be a whole number in range", field="limit", maximum=maximum)
    return int(value)


def continuation(request: Request) -> str | None:
    """The ``continuation`` query parameter as the store issued it, or ``None`` for the first page."""
    value: str | None = request.http.params.get("continuation")
    if not value:
        return None
    if len(value) > _MAX_TOKEN_CHARS or not _TOKEN.fullmatch(value):
        raise InvalidContinuation("the continuation token is not valid", field="continuation")
    return value


def query_datetime(request: Request, name: str) -> datetime | None:
    """The query parameter ``name`` as a time in UTC (one without a zone is read as UTC)."""
    value: str | None = request.http.params.get(name)
    return parse_datetime(value, name, assume_utc=True) if value else None


def parse_datetime(value: object, field: str, *, assume_utc: bool = False) -> datetime:
    """``value`` — an ISO 8601 text from a query or a body — as a time in UTC, or
    ``InvalidDateTime`` naming ``field``. Without ``assume_utc`` the text must carry its offset
    (a person's deadline is in their zone; guessing it would shift it by hours)."""
    if not isinstance(value, str) or len(value) > _MAX_TIME_CHARS or not value.isascii():
        raise _invalid(field)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _invalid(field) from None
    # Checked on the time as written, before converting: only then can the conversion not overflow.
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        raise _invalid(field)
    if parsed.tzinfo is None:
        if not assume_utc:
            raise _invalid(field)
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _invalid(field: str) -> InvalidDateTime:
    return InvalidDateTime(
        "not an ISO 8601 time in the accepted range",
        field=field,
        earliest=EARLIEST_YEAR,
        latest=LATEST_YEAR,
    )
