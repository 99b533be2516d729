"""Pending effects: what a change (or an audited read) leaves for the relay to carry on.

A service never appends to an audit chain or calls the mail service itself. It writes a
*pending effect* item — an audit event to sequence, an e-mail to send — into the partition of
the item it changes, in the **same transactional batch** as the change (:func:`commit`), or, for
an audited read, as the one write of the request (:func:`record`). Cosmos DB transactions cover
one partition of one container, so that is the widest "same unit of work" there is: either the
change and its effects are stored, or neither is. :mod:`shared.effects.relay` moves them on.

Stored form (in ``cases``, ``users``, ``orgs`` or ``directory``, beside the changed item)::

    {"id": "effect-<32 hex>", <partition field>: ..., "type": "pending-effect",
     "kind": "audit", "event": {<AuditEvent stored fields>, "at": ...}}
    {"id": "effect-<32 hex>", ..., "kind": "email", "email": {to, subject, text, html, ...}}

The effect id is the idempotency key downstream: the audit chains keep an applied marker per
id, the mail sender passes it to the mail service.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from shared.access.caller import Caller
from shared.audit.events import AuditEvent
from shared.audit.log import stored_event
from shared.errors import InvalidInput
from shared.ports import CONTAINERS, BatchOperation, Email, Item, Store

__all__ = [
    "EFFECT_TYPE",
    "SOURCE_CONTAINERS",
    "audit_event",
    "audit_op",
    "case_audit_op",
    "commit",
    "commit_item",
    "email_op",
    "record",
    "record_case_listing",
    "record_item_read",
    "reset_request_op",
]

EFFECT_TYPE = "pending-effect"
#: Where effects are written (and where the relay looks for them).
SOURCE_CONTAINERS = ("cases", "users", "orgs", "directory")


def audit_event(
    caller: Caller,
    action: str,
    *,
    target_type: str,
    target_id: str,
    case_id: str | None = None,
    org_id: str | None = None,
    owner_id: str | None = None,
) -> AuditEvent:
    """The event for ``caller`` doing ``action``: actor, grant, reason and request id come from
    the caller's access decision; the organisation from it too when the service does not know
    it (the relay fills in a case's organisation if neither does)."""
    return AuditEvent(
        actor=caller.actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        request_id=caller.request_id,
        case_id=case_id,
        org_id=org_id or caller.decision.org_id,
        owner_id=owner_id,
        reason=caller.reason,
        grant_id=caller.grant_id,
    )


def _effect(container: str, partition: str, kind: str, body: dict[str, Any], now: datetime) -> Item:
    if container not in SOURCE_CONTAINERS:
        raise InvalidInput(f"effects are not written to {container!r}", field="container")
    return {
        "id": f"effect-{uuid.uuid4().hex}",
        CONTAINERS[container]: partition,
        "type": EFFECT_TYPE,
        "kind": kind,
        "createdAt": now.isoformat(),
        **body,
    }


def audit_op(
    container: str, partition: str, event: AuditEvent, now: datetime, *, employee_owns: bool = False
) -> BatchOperation:
    """A batch step creating the pending audit effect for ``event`` (stamped ``now``).

    ``employee_owns`` attributes an event about the case as a whole (its summary, plan, a list)
    to the case's employee, whose "who accessed my data" lists it: the relay reads the case
    once per run for that, so the request does not have to."""
    if employee_owns and (event.case_id is None or event.owner_id is not None):
        raise InvalidInput("only an event of a case without an owner takes the employee", field="owner_id")
    body: dict[str, Any] = {"event": stored_event(event, now)}
    if employee_owns:
        body["ownerFromCase"] = True
    return BatchOperation("create", item=_effect(container, partition, "audit", body, now))


def email_op(container: str, partition: str, email: Email, now: datetime) -> BatchOperation:
    """A batch step creating the pending e-mail effect (the mail sender sends it later)."""
    return BatchOperation(
        "create", item=_effect(container, partition, "email", {"email": asdict(email)}, now)
    )


def case_audit_op(
    caller: Caller,
    action: str,
    *,
    case_id: str,
    target_type: str,
    target_id: str,
    now: datetime,
    owner_id: str | None = None,
    org_id: str | None = None,
    employee_owns: bool = False,
) -> BatchOperation:
    """:func:`audit_event` + :func:`audit_op` for an event of a case, kept in its partition."""
    event = audit_event(
        caller,
        action,
        target_type=target_type,
        target_id=target_id,
        case_id=case_id,
        org_id=org_id,
        owner_id=owner_id,
    )
    return audit_op("cases", case_id, event, now, employee_owns=employee_owns)


def reset_request_op(partition: str, address: str, now: datetime) -> BatchOperation:
    """A batch step creating a pending password-reset request for ``address`` (normalised).
    The relay looks the address up and issues the link (shared.identity.credentials.issue_reset);
    the request path never learns whether an account exists."""
    return BatchOperation(
        "create", item=_effect("directory", partition, "password-reset", {"address": address}, now)
    )


def record_item_read(
    store: Store,
    caller: Caller,
    action: str,
    *,
    case_id: str,
    target_type: str,
    item_id: str,
    owner_id: str,
    now: datetime,
) -> None:
    """An audited read of one item of a case (a document, a note): its one write, for the item's
    owner, whose "who accessed my data" then lists it."""
    audit = case_audit_op(
        caller,
        action,
        case_id=case_id,
        target_type=target_type,
        target_id=item_id,
        owner_id=owner_id,
        now=now,
    )
    record(store, "cases", case_id, [audit])


def record_case_listing(store: Store, caller: Caller, action: str, *, case_id: str, now: datetime) -> None:
    """An audited listing of a case's items, once per call, for the case's employee (the relay
    reads the case for that, so the request need not)."""
    audit = case_audit_op(
        caller, action, case_id=case_id, target_type="case", target_id=case_id, now=now, employee_owns=True
    )
    record(store, "cases", case_id, [audit])


def commit(
    store: Store,
    container: str,
    partition: str,
    changes: Sequence[BatchOperation],
    effects: Sequence[BatchOperation],
) -> list[Item | None]:
    """Write ``changes`` and their ``effects`` in one transactional batch of one partition;
    returns the results of ``changes`` (the effects' are of no interest to the caller)."""
    results = store.batch(container, partition, [*changes, *effects])
    return results[: len(changes)]


def commit_item(
    store: Store, container: str, partition: str, change: BatchOperation, effects: Sequence[BatchOperation]
) -> Item:
    """:func:`commit` of one create, upsert or replace: the item as stored."""
    if change.op == "delete":
        raise InvalidInput("commit_item stores an item; use commit for a delete", field="op")
    (stored,) = commit(store, container, partition, [change], effects)
    if stored is None:
        raise InvalidInput("the batch returned no item", field="op")
    return stored


def record(store: Store, container: str, partition: str, effects: Sequence[BatchOperation]) -> None:
    """Store effects that go with no change — an audited read: one write on the request path."""
    if len(effects) == 1:
        item = effects[0].item
        if item is None:
            raise InvalidInput("an effect step creates an item", field="effects")
        store.create(container, item)
    elif effects:
        store.batch(container, partition, effects)
