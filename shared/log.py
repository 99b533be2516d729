"""Structured logging without personal data.

Log lines are JSON objects built by :func:`log_event` from an event name and fields on an
allow-list. Anything not on the list is dropped, not redacted: personal data (names, e-mail
addresses, case content, URLs with ids, IPs) cannot reach the logs by accident, because no one
can add a field without adding it here, in review.

Every line written while a request is served carries its ``correlationId`` — the W3C trace id
of the request (``functions/http/routing.py`` sets it with :func:`correlated`), the same id as
the problem+json ``instance`` and Application Insights' ``operation_Id``. A crash is logged as
its frames only (:func:`frames_of`: file, line, function), never the message or the locals.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = [
    "SAFE_FIELDS",
    "correlated",
    "correlation_id",
    "frames_of",
    "log_event",
    "logger",
    "quiet_azure_sdk",
]

SAFE_FIELDS = frozenset(
    {
        "function",
        "method",
        "status",
        "code",
        "durationMs",
        "correlationId",
        "adapter",
        "port",
        "count",
        "timer",
        "exception",
        "reason",  # only the text of a ConfigurationError, which names settings, never data
        # the effect relay and the mail sender: counts, a creation time, queue message ids
        "auditEffects",
        "appended",
        "emailsQueued",
        "resetsIssued",
        "activityStamped",
        "failedScopes",
        "more",
        "oldest",
        "messageId",
        "dequeueCount",
        # the retention timers (shared.retention.purge): counts only
        "due",
        "purged",
        "resumed",
        "failed",
        "skipped",
        "left",
        "notices",
        "notified",
        "withdrawn",
        "cases",
        "written",
        "moved",
        "removed",
        "auditExpired",
        # the backup export and the audit anchors (shared.backup): counts and a state word
        "items",
        "parts",
        "containers",
        "chains",
        "state",
        # store calls of one request, by kind (shared.adapters.metered)
        "storeReads",
        "storeQueries",
        "storeWrites",
        # a crash: its frames only, "path:line:function" (frames_of), never message or locals
        "frames",
        # readiness (functions/health.py): which port failed, by name
        "ports",
    }
)

logger = logging.getLogger("casedesk")

_correlation: ContextVar[str | None] = ContextVar("casedesk_correlation", default=None)

#: The project root: frames under it are named by their relative path, others by file name only
#: (an absolute path would name the machine's directories, a user's home among them).
_ROOT = Path(__file__).resolve().parents[1]
_MAX_FRAMES = 30


@contextmanager
def correlated(correlation: str) -> Iterator[None]:
    """Every :func:`log_event` inside carries ``correlationId=correlation`` (one request)."""
    token = _correlation.set(correlation)
    try:
        yield
    finally:
        _correlation.reset(token)


def correlation_id() -> str | None:
    """The correlation id of the request being served, if any."""
    return _correlation.get()


def frames_of(error: BaseException | TracebackType | None) -> list[str]:
    """The traceback of ``error`` as ``"path:line:function"`` entries, innermost last: enough to
    find the bug, and nothing of the message, the arguments or the locals (which may hold
    personal data). Capped at the innermost 30 frames."""
    tb = error.__traceback__ if isinstance(error, BaseException) else error
    frames = []
    for frame in traceback.extract_tb(tb)[-_MAX_FRAMES:]:
        path = Path(frame.filename)
        if "site-packages" in path.parts:  # a library: its path inside the package tree
            name = "/".join(path.parts[len(path.parts) - path.parts[::-1].index("site-packages") :])
        else:
            try:
                name = path.resolve().relative_to(_ROOT).as_posix()
            except ValueError:  # the standard library: its last two parts
                name = "/".join(path.parts[-2:])
        frames.append(f"{name}:{frame.lineno}:{frame.name}")
    return frames


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> dict[str, Any]:
    """Log ``event`` with the allowed ``fields``; returns the record (for tests). Inside a request
    the record carries its ``correlationId`` unless one is given."""
    record: dict[str, Any] = {"event": event}
    record.update({k: v for k, v in fields.items() if k in SAFE_FIELDS and v is not None})
    current = _correlation.get()
    if current is not None:
        record.setdefault("correlationId", current)
    logger.log(level, json.dumps(record, default=str, separators=(",", ":")))
    return record


def quiet_azure_sdk() -> None:
    """The Azure SDKs log every HTTP call at INFO, with URLs that carry user ids, e-mail hashes
    and session-token hashes (``…/docs/session-<hash>``): ~31 lines per Cosmos call. Only their
    warnings and errors are kept. Called where the ports are built (``shared.bootstrap``), so the
    function app, the CLI and the dev host all get it."""
    logging.getLogger("azure").setLevel(logging.WARNING)
