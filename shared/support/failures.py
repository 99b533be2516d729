"""The organisation's failed requests, for support (issue 22): correlation id, problem code,
status, route name and time — never the request's data, never who sent it.

The HTTP plumbing records one when a request that passed the access check (so its organisation
is known) ends in a problem other than a refusal (401/403/404 say nothing an operator needs):
one write, on the failure path only, and never a reason for the answer to fail. A signed-in
client can fail requests at will, so at most :data:`MAX_PER_MINUTE` are written per
organisation and minute in one process; the rest only count in the log.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, timedelta

from shared.identity.tokens import sortable_id
from shared.ports import Clock, Store

__all__ = ["FAILURE_TYPE", "KEEP_DAYS", "MAX_PER_MINUTE", "record_failure"]

FAILURE_TYPE = "request_failure"
#: How long a failed request stays listed for support (the store's TTL removes it).
KEEP_DAYS = 30
#: Failed requests written per organisation and minute (per process); support needs examples
#: and their codes, not every one of a flood.
MAX_PER_MINUTE = 60
_REFUSALS = frozenset({401, 403, 404})
_log = logging.getLogger("casedesk.support")
_lock = threading.Lock()
_written: dict[str, tuple[int, int]] = {}  # orgId → (minute, failures written in it)


def _within_cap(org_id: str, minute: int) -> bool:
    with _lock:
        if len(_written) > 10_000:  # bounded memory: only this minute's counts matter
            for stale in [org for org, (at, _) in _written.items() if at != minute]:
                del _written[stale]
        seen, count = _written.get(org_id, (minute, 0))
        if seen != minute:
            count = 0
        if count >= MAX_PER_MINUTE:
            return False
        _written[org_id] = (minute, count + 1)
        return True


def record_failure(
    store: Store,
    clock: Clock,
    *,
    org_id: str | None,
    case_id: str | None,
    function: str,
    status: int,
    code: str,
    correlation_id: str,
) -> None:
    if not org_id or status < 400 or status in _REFUSALS:
        return
    now = clock.now()
    if not _within_cap(org_id, int(now.timestamp() // 60)):
        _log.info("failed request not recorded: the organisation's cap for this minute is reached")
        return
    item = {
        "id": f"failure-{sortable_id(now)}",
        "orgId": org_id,
        "type": FAILURE_TYPE,
        "function": function,
        "status": status,
        "code": code,
        "caseId": case_id,
        "correlationId": correlation_id,
        "at": now.astimezone(UTC).isoformat(),
        "ttl": int(timedelta(days=KEEP_DAYS).total_seconds()),
    }
    try:
        store.create("orgs", item)
    except Exception:  # the answer must not fail because its failure could not be noted
        _log.warning("could not record a failed request for support")
