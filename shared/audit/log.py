"""The one service that writes and reads audit events.

Each scope (``case-…``, ``org-…``, ``user-…``, ``platform``) is one partition of the ``audit``
container holding one hash chain: events ``e-<seq>`` and a ``head`` item ``{seq, hash}``. An
append is one transactional batch in that partition — create the next event, replace the head
if its ETag still matches — so concurrent writers can neither fork the chain nor leave a gap:
the loser of a race gets ``ConcurrencyConflict``/``AlreadyExists`` and retries on the new head.

An event recorded in several scopes is appended to each chain separately (partitions have no
common transaction); if a later append fails, :meth:`AuditLog.record` raises and the caller's
request fails rather than proceeding unaudited.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.audit import verify as verifier
from shared.audit.events import (
    EVENT_TYPE,
    GENESIS_HASH,
    HEAD_ID,
    HEAD_TYPE,
    AuditEvent,
    RecordedEvent,
    chain_hash,
    check_scope,
    event_id,
    format_time,
    scope_for_case,
    scope_for_org,
    scope_for_user,
)
from shared.errors import AlreadyExists, ConcurrencyConflict, IntegrityError, InvalidInput, NotFound
from shared.ports import BatchOperation, Clock, Item, Query, Scalar, Store

__all__ = ["CONTAINER", "MAX_PAGE", "AuditLog", "EventPage", "default_scopes"]

CONTAINER = "audit"
MAX_PAGE = 200
#: Appends to one chain are serialised by its head's ETag; under contention each round has a
#: winner, so a bounded number of attempts with jitter is enough for realistic fan-in.
_ATTEMPTS = 40


@dataclass(frozen=True)
class EventPage:
    events: list[RecordedEvent]
    continuation: str | None


def default_scopes(event: AuditEvent) -> list[str]:
    """The chains an event belongs to: its case, its organisation, and the data owner's user
    chain when someone other than the owner acted (the "who accessed my data" view)."""
    scopes = []
    if event.case_id is not None:
        scopes.append(scope_for_case(event.case_id))
    if event.org_id is not None:
        scopes.append(scope_for_org(event.org_id))
    if event.owner_id is not None and event.owner_id != event.actor:
        scopes.append(scope_for_user(event.owner_id))
    return scopes


class AuditLog:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    # -- writing -------------------------------------------------------------------------------
    def record(self, event: AuditEvent, scopes: Sequence[str] | None = None) -> None:
        """Append ``event`` to each scope's chain (default: :func:`default_scopes`). The time is
        taken once, so the copies in different chains agree on it."""
        chosen = list(dict.fromkeys(default_scopes(event) if scopes is None else scopes))
        if not chosen:
            raise InvalidInput("an audit event needs at least one scope", field="scopes")
        for scope in chosen:
            check_scope(scope)
        fields = {**event.stored_fields(), "type": EVENT_TYPE, "at": format_time(self._clock.now())}
        for scope in chosen:
            self._append(scope, fields)

    def _append(self, scope: str, fields: dict[str, Any]) -> int:
        for attempt in range(_ATTEMPTS):
            head = self._head(scope)
            seq = int(head["seq"]) + 1 if head else 1
            item: Item = {
                **fields,
                "id": event_id(seq),
                "scope": scope,
                "seq": seq,
                "prevHash": str(head["hash"]) if head else GENESIS_HASH,
            }
            item["hash"] = chain_hash(item)
            new_head: Item = {
                "id": HEAD_ID,
                "scope": scope,
                "type": HEAD_TYPE,
                "seq": seq,
                "hash": item["hash"],
            }
            head_op = (
                BatchOperation("replace", item=new_head, if_match=str(head["_etag"]))
                if head
                else BatchOperation("create", item=new_head)
            )
            try:
                self._store.batch(CONTAINER, scope, [BatchOperation("create", item=item), head_op])
                return seq
            except AlreadyExists:
                # The batch is atomic, so an existing next event means the head moved with it —
                # unless the chain was damaged (an event beyond its head): retrying cannot help.
                if self._head_etag(scope) == (head["_etag"] if head else None):
                    raise IntegrityError(f"audit chain {scope} has an event beyond its head") from None
            except ConcurrencyConflict:
                pass
            time.sleep(random.uniform(0, min(0.001 * 2**attempt, 0.05)))  # noqa: S311 - jitter only
        raise ConcurrencyConflict(f"audit chain {scope} kept losing races")

    def _head(self, scope: str) -> Item | None:
        try:
            return self._store.read(CONTAINER, scope, HEAD_ID)
        except NotFound:
            return None

    def _head_etag(self, scope: str) -> Any:
        head = self._head(scope)
        return head["_etag"] if head else None

    # -- reading -------------------------------------------------------------------------------
    def query(
        self,
        scope: str,
        *,
        actor: str | None = None,
        action: str | None = None,
        case_id: str | None = None,
        owner_id: str | None = None,
        exclude_owner_actions: bool = False,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        continuation: str | None = None,
    ) -> EventPage:
        """One chain's events, newest first, filtered by equality (actor, action, case, owner)
        and by time (``since`` inclusive, ``until`` exclusive) — one partition, one range field."""
        check_scope(scope)
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", field="limit")
        equals: dict[str, Scalar] = {"type": EVENT_TYPE}
        for name, value in (("actor", actor), ("action", action), ("caseId", case_id), ("ownerId", owner_id)):
            if value is not None:
                equals[name] = value
        if exclude_owner_actions:
            equals["byOwner"] = False
        ranged = since is not None or until is not None
        page = self._store.query(
            CONTAINER,
            scope,
            Query(
                equals=equals,
                range_field="at" if ranged else None,
                gte=format_time(since) if since else None,
                lt=format_time(until) if until else None,
                order_by="seq",
                descending=True,
                limit=limit,
                continuation=continuation,
            ),
        )
        return EventPage([_recorded(item) for item in page.items], page.continuation)

    def accesses_to(
        self,
        owner_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        continuation: str | None = None,
    ) -> EventPage:
        """ "Who accessed my data": events on ``owner_id``'s data by anyone but the owner, newest
        first, from the owner's user chain."""
        return self.query(
            scope_for_user(owner_id),
            owner_id=owner_id,
            exclude_owner_actions=True,
            since=since,
            until=until,
            limit=limit,
            continuation=continuation,
        )

    # -- verifying -----------------------------------------------------------------------------
    def verify(self, scope: str) -> verifier.VerifyResult:
        return verifier.verify_chain(self._store, CONTAINER, check_scope(scope))

    def scopes(self) -> list[str]:
        """Every scope with an event or a head (a cross-partition scan: ops tools only)."""
        return sorted({str(item["scope"]) for item in self._store.scan(CONTAINER)})

    def verify_all(self) -> list[verifier.VerifyResult]:
        """Every chain in the store, verified (the CLI and the daily timer)."""
        return [self.verify(scope) for scope in self.scopes()]


def _recorded(item: Item) -> RecordedEvent:
    try:
        return RecordedEvent(
            AuditEvent.from_stored(item), str(item["scope"]), int(item["seq"]), str(item["at"])
        )
    except (InvalidInput, KeyError, TypeError, ValueError) as exc:
        raise IntegrityError("a stored audit event is malformed; run verify-audit") from exc
