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
import re
import time
import uuid
from collections.abc import Mapping, Sequence
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
from shared.errors import (
    AlreadyExists,
    ConcurrencyConflict,
    IntegrityError,
    InvalidInput,
    InvalidLimit,
    NotFound,
)
from shared.ports import BatchOperation, Clock, Item, Query, Scalar, Store

__all__ = ["CONTAINER", "MARKER_TYPE", "MAX_PAGE", "AuditLog", "EventPage", "default_scopes", "stored_event"]

_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,100}")

CONTAINER = "audit"
MAX_PAGE = 200
#: Appends to one chain are serialised by its head's ETag. The relay is the only writer in
#: normal operation; the retries cover a second relay instance or the ops CLI running at once.
_ATTEMPTS = 40
#: Events per batch: two operations each (event + applied marker) and the head, within Cosmos
#: DB's 100 operations per transactional batch.
_CHUNK = 49
#: Applied markers only need to outlive the pending effects they guard (the relay retries
#: within seconds); a week leaves room for an outage.
MARKER_TTL_SECONDS = 7 * 24 * 3600
MARKER_TYPE = "audit-applied"


def stored_event(event: AuditEvent, at: datetime) -> dict[str, Any]:
    """The event's fields as its chain copies store them (the chain adds id, seq and hashes)."""
    return {**event.stored_fields(), "type": EVENT_TYPE, "at": format_time(at)}


def _marker(scope: str, key: str) -> Item:
    if not _KEY.fullmatch(key):
        raise InvalidInput("an audit idempotency key must be a plain id", field="key")
    return {"id": f"applied-{key}", "scope": scope, "type": MARKER_TYPE, "ttl": MARKER_TTL_SECONDS}


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

    # -- writing (the relay is the one writer; see shared/effects) ------------------------------
    def record(
        self,
        event: AuditEvent,
        scopes: Sequence[str] | None = None,
        *,
        at: datetime | None = None,
        key: str | None = None,
    ) -> None:
        """Append ``event`` to each scope's chain (default: :func:`default_scopes`) now. The time
        (default: now) is taken once, so the copies in different chains agree on it. ``key``
        makes the append idempotent: an event already appended under that key is not repeated.

        Requests never call this: they write a pending effect and the relay sequences it
        (:mod:`shared.effects.relay`), so no request waits on a chain head."""
        chosen = list(dict.fromkeys(default_scopes(event) if scopes is None else scopes))
        if not chosen:
            raise InvalidInput("an audit event needs at least one scope", field="scopes")
        fields = stored_event(event, at or self._clock.now())
        for scope in chosen:
            self.sequence(scope, [(key or f"direct-{uuid.uuid4().hex}", fields)])

    def sequence(self, scope: str, entries: Sequence[tuple[str, dict[str, Any]]]) -> int:
        """Append ``entries`` — (idempotency key, :func:`stored_event` fields) in order — to
        ``scope``'s chain; returns how many were new. Each chunk is one transactional batch in
        the scope's partition: the events, one *applied marker* per key (so a relay that died
        after appending and before clearing its pending effects does not append them twice), and
        the head, replaced only if its ETag still matches (so concurrent writers can neither fork
        the chain nor leave a gap: the loser retries on the new head)."""
        check_scope(scope)
        todo = list(entries)
        appended = 0
        while todo:
            chunk, todo = todo[:_CHUNK], todo[_CHUNK:]
            appended += self._append_chunk(scope, chunk)
        return appended

    def _append_chunk(self, scope: str, chunk: list[tuple[str, dict[str, Any]]]) -> int:
        for attempt in range(_ATTEMPTS):
            head = self._head(scope)
            seq = int(head["seq"]) if head else 0
            prev = str(head["hash"]) if head else GENESIS_HASH
            operations: list[BatchOperation] = []
            for key, fields in chunk:
                seq += 1
                item: Item = {**fields, "id": event_id(seq), "scope": scope, "seq": seq, "prevHash": prev}
                item["hash"] = prev = chain_hash(item)
                operations.append(BatchOperation("create", item=item))
                operations.append(BatchOperation("create", item=_marker(scope, key)))
            new_head: Item = {"id": HEAD_ID, "scope": scope, "type": HEAD_TYPE, "seq": seq, "hash": prev}
            operations.append(
                BatchOperation("replace", item=new_head, if_match=str(head["_etag"]))
                if head
                else BatchOperation("create", item=new_head)
            )
            try:
                self._store.batch(CONTAINER, scope, operations)
                return len(chunk)
            except AlreadyExists:
                applied = [key for key, _ in chunk if self._applied(scope, key)]
                if applied:  # a previous run appended these already: append only the rest
                    chunk = [(k, f) for k, f in chunk if k not in applied]
                    if not chunk:
                        return 0
                    continue
                # The batch is atomic, so an existing next event means the head moved with it —
                # unless the chain was damaged (an event beyond its head): retrying cannot help.
                if self._head_etag(scope) == (head["_etag"] if head else None):
                    raise IntegrityError(f"audit chain {scope} has an event beyond its head") from None
            except ConcurrencyConflict:
                pass
            time.sleep(random.uniform(0, min(0.001 * 2**attempt, 0.05)))  # noqa: S311 - jitter only
        raise ConcurrencyConflict(f"audit chain {scope} kept losing races")

    def _applied(self, scope: str, key: str) -> bool:
        try:
            self._store.read(CONTAINER, scope, _marker(scope, key)["id"])
        except NotFound:
            return False
        return True

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
            raise InvalidLimit(f"limit must be between 1 and {MAX_PAGE}", field="limit", maximum=MAX_PAGE)
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
    def verify(self, scope: str, anchor: tuple[int, str] | None = None) -> verifier.VerifyResult:
        return verifier.verify_chain(self._store, CONTAINER, check_scope(scope), anchor)

    def scopes(self) -> list[str]:
        """Every scope with an event or a head (a cross-partition scan: ops tools only)."""
        return sorted({str(item["scope"]) for item in self._store.scan(CONTAINER)})

    def verify_all(self, anchors: Mapping[str, tuple[int, str]] | None = None) -> list[verifier.VerifyResult]:
        """Every chain in the store, verified (the CLI and the daily timer); with ``anchors``
        (scope → the ``(seq, hash)`` published outside the store), each against its anchor, and
        every anchored chain must still exist — unless the retention deleted it (its case's
        tombstone records ``auditExpired``: one read per vanished chain)."""
        anchors = anchors or {}
        scopes = self.scopes()
        results = [self.verify(scope, anchors.get(scope)) for scope in scopes]
        present = set(scopes)
        for scope, (seq, _hash) in sorted(anchors.items()):
            if scope in present or self._expired(scope):
                continue
            gone = verifier.VerifyResult(scope)
            gone.add(1, verifier.MISSING, f"the chain is gone; the anchor records {seq} events", seq)
            results.append(gone)
        return results

    def _expired(self, scope: str) -> bool:
        """Whether the retention deleted this chain on purpose (a purged case's, 10 years on)."""
        if not scope.startswith("case-"):
            return False
        try:
            case = self._store.read("cases", scope.removeprefix("case-"), "case")
        except (NotFound, InvalidInput):
            return False
        return bool(case.get("auditExpired"))


def _recorded(item: Item) -> RecordedEvent:
    try:
        return RecordedEvent(
            AuditEvent.from_stored(item), str(item["scope"]), int(item["seq"]), str(item["at"])
        )
    except (InvalidInput, KeyError, TypeError, ValueError) as exc:
        raise IntegrityError("a stored audit event is malformed; run verify-audit") from exc
