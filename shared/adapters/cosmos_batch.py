"""Turn the port's batch operations into a Cosmos transactional batch.

Cosmos checks preconditions inside the batch, atomically. We still check them beforehand against
the current documents (one query for the ids involved), for two reasons:

* Expiry is a read-time rule of the port (ARCHITECTURE §3): an expired document that Cosmos has
  not deleted yet must look absent — a ``create`` over it has to become a ``replace`` of that
  exact version, and a ``replace``/``delete`` of it must fail with ``NotFound``. Cosmos cannot
  know about our clock, so only a look at the documents can decide.
* ``@vercel/cosmosdb-server`` runs batches one operation after another and does **not** roll
  back on failure. Catching the failure before anything is sent keeps the emulator atomic for
  every case but a concurrent writer; Azure itself is atomic either way.

The plan only describes the batch; :class:`~shared.adapters.cosmos.CosmosStore` sends it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.adapters.documents import check_batch_limits, is_expired, prepare_for_write
from shared.errors import AlreadyExists, ConcurrencyConflict, InvalidInput, NotFound
from shared.ports import BatchOperation, Item

__all__ = ["BatchPlan", "SdkOperation", "batch_ids", "plan_batch"]

#: One operation as ``ContainerProxy.execute_item_batch`` takes it: (type, args, kwargs).
SdkOperation = tuple[str, tuple[Any, ...], dict[str, Any]]

#: Etag of a document written earlier in the same batch: exists, but no caller can know its etag.
_UNKNOWN = object()


@dataclass
class BatchPlan:
    operations: list[SdkOperation] = field(default_factory=list)
    #: Indexes of creates sent as a replace of an expired document (a lost race there is retried).
    revived: set[int] = field(default_factory=set)


@dataclass
class _State:
    etag: object  # str: stored version; _UNKNOWN: written in this batch; None: nothing stored
    visible: bool


def _delete_id(op: BatchOperation) -> str:
    item_id = op.id if op.id is not None else (op.item or {}).get("id")
    if not isinstance(item_id, str) or not item_id:
        raise InvalidInput("a batch delete needs an id")
    return item_id


def _prepared(container: str, partition: str, op: BatchOperation, now: datetime) -> tuple[Item, str]:
    if op.item is None:
        raise InvalidInput(f"a batch {op.op} needs an item")
    doc, item_partition, item_id = prepare_for_write(container, op.item, now)
    if item_partition != partition:
        raise InvalidInput("every item of a batch must be in the batch's partition")
    return doc, item_id


def batch_ids(
    container: str, partition: str, operations: Sequence[BatchOperation], now: datetime
) -> list[str]:
    """Validate the whole batch (count, items, partition) before any I/O; return the ids it
    touches except pure upserts, whose outcome does not depend on what is stored."""
    check_batch_limits(operations)
    ids: list[str] = []
    for op in operations:
        if op.op == "delete":
            ids.append(_delete_id(op))
        elif op.op in ("create", "upsert", "replace"):
            _, item_id = _prepared(container, partition, op, now)
            if op.op != "upsert":
                ids.append(item_id)
        else:
            raise InvalidInput(f"unknown batch operation {op.op!r}")
    return list(dict.fromkeys(ids))


def _check_visible(state: _State, if_match: str | None) -> None:
    if not state.visible:
        raise NotFound("batch target does not exist")
    if if_match is not None and state.etag != if_match:
        raise ConcurrencyConflict("batch precondition failed")


def plan_batch(
    container: str,
    partition: str,
    operations: Sequence[BatchOperation],
    stored: Mapping[str, Item],
    now: datetime,
) -> BatchPlan:
    """Simulate the batch over ``stored`` (raw documents by id, expired ones included) and
    return the SDK operations, or raise the error the first failing operation would cause."""
    states = {item_id: _State(doc.get("_etag"), not is_expired(doc, now)) for item_id, doc in stored.items()}
    plan = BatchPlan()
    for index, op in enumerate(operations):
        if op.op == "delete":
            item_id = _delete_id(op)
            state = states.get(item_id, _State(None, False))
            _check_visible(state, op.if_match)
            plan.operations.append(("delete", (item_id,), _etag_kwargs(op.if_match)))
            states[item_id] = _State(None, False)
            continue
        doc, item_id = _prepared(container, partition, op, now)
        state = states.get(item_id, _State(None, False))
        if op.op == "create":
            if state.visible:
                raise AlreadyExists("batch create of an existing item")
            if isinstance(state.etag, str):  # expired but still stored: replace exactly that version
                plan.revived.add(index)
                plan.operations.append(("replace", (item_id, doc), _etag_kwargs(state.etag)))
            else:
                plan.operations.append(("create", (doc,), {}))
        elif op.op == "replace":
            _check_visible(state, op.if_match)
            plan.operations.append(("replace", (item_id, doc), _etag_kwargs(op.if_match)))
        else:
            plan.operations.append(("upsert", (doc,), {}))
        states[item_id] = _State(_UNKNOWN, True)
    return plan


def _etag_kwargs(etag: str | None) -> dict[str, Any]:
    return {} if etag is None else {"if_match_etag": etag}
