"""Structured logging without personal data.

Log lines are JSON objects built by :func:`log_event` from an event name and fields on an
allow-list. Anything not on the list is dropped, not redacted: personal data (names, e-mail
addresses, case content, URLs with ids, IPs) cannot reach the logs by accident, because no one
can add a field without adding it here, in review.
"""

from __future__ import annotations

import json
import logging
from typing import Any

__all__ = ["SAFE_FIELDS", "log_event", "logger", "quiet_azure_sdk"]

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
        "failedScopes",
        "more",
        "oldest",
        "messageId",
        "dequeueCount",
    }
)

logger = logging.getLogger("casedesk")


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> dict[str, Any]:
    """Log ``event`` with the allowed ``fields``; returns the record (for tests)."""
    record: dict[str, Any] = {"event": event}
    record.update({k: v for k, v in fields.items() if k in SAFE_FIELDS and v is not None})
    logger.log(level, json.dumps(record, default=str, separators=(",", ":")))
    return record


def quiet_azure_sdk() -> None:
    """The Azure SDKs log every HTTP call at INFO, with URLs that carry user ids, e-mail hashes
    and session-token hashes (``…/docs/session-<hash>``): ~31 lines per Cosmos call. Only their
    warnings and errors are kept. Called where the ports are built (``shared.bootstrap``), so the
    function app, the CLI and the dev host all get it."""
    logging.getLogger("azure").setLevel(logging.WARNING)
