"""The integration plan: dated stages (workload %, tasks and workplace adjustments, next review)
written by case managers and visible to every participant, with the history of every change.

A stage write, its history entry and its audit event are one transactional batch in the case's
partition, so neither the history nor the audit log can miss a change. The free-text tasks are
case content: sealed with the case key (AAD = the item and field), in the stage and in each
history snapshot.
"""

from __future__ import annotations

from typing import Any, Literal, cast

from shared.access.caller import Caller
from shared.access.relations import case_item
from shared.cases.auditing import case_audit
from shared.cases.participants import open_case
from shared.effects import commit, record
from shared.identity.tokens import new_id
from shared.paging import Paged, Window, store_page
from shared.ports import BatchOperation, Item, Ports, Query

__all__ = ["Stage", "create_stage", "delete_stage", "history_page", "stages_page", "update_stage"]

Stage = dict[str, Any]  # fromDate (date), workloadPercent (0-100), tasks (str), nextReview (date | None)


def _stored(ports: Ports, case_id: str, item_id: str, stage: Stage) -> dict[str, Any]:
    return {
        "fromDate": stage["fromDate"].isoformat(),
        "workloadPercent": stage["workloadPercent"],
        "tasksSealed": ports.cipher.encrypt_field(case_id, "cases", item_id, "tasks", stage["tasks"]),
        "nextReview": stage["nextReview"].isoformat() if stage.get("nextReview") else None,
    }


def _write(
    ports: Ports,
    caller: Caller,
    case: Item,
    stage_id: str,
    *,
    stage: Stage | None,
    change: Literal["created", "updated", "deleted"],
    if_match: str | None,
    version: int,
) -> Item | None:
    case_id = str(case["caseId"])
    moment = ports.clock.now()
    now = moment.isoformat()
    entry_id = f"planlog-{now}-{new_id()[:8]}"
    snapshot = _stored(ports, case_id, entry_id, stage) if stage is not None else None
    entry = {
        "id": entry_id,
        "caseId": case_id,
        "type": "plan_change",
        "stageId": stage_id,
        "version": version,
        "change": change,
        "at": now,
        "by": caller.actor,
        "snapshot": snapshot,
    }
    operations = [BatchOperation("create", entry)]
    if stage is None:
        operations.append(BatchOperation("delete", id=f"stage-{stage_id}", if_match=if_match))
    else:
        item = {
            "id": f"stage-{stage_id}",
            "caseId": case_id,
            "type": "stage",
            "stageId": stage_id,
            "version": version,
            "updatedAt": now,
            "updatedBy": caller.actor,
            **_stored(ports, case_id, f"stage-{stage_id}", stage),
        }
        op = (
            BatchOperation("create", item)
            if if_match is None
            else BatchOperation("replace", item, if_match=if_match)
        )
        operations.append(op)
    audit = case_audit(caller, "plan:write", case, moment, target_type="stage", target_id=stage_id)
    return commit(ports.store, "cases", case_id, operations, [audit])[1]


def create_stage(ports: Ports, caller: Caller, case_id: str, stage: Stage) -> Item:
    """Add a stage (audited ``plan:write``, with its history entry in the same batch)."""
    case = open_case(ports, case_id, caller)
    written = _write(ports, caller, case, new_id(), stage=stage, change="created", if_match=None, version=1)
    return _view(ports, case_id, cast(Item, written))  # a create returns the item


def update_stage(
    ports: Ports, caller: Caller, case_id: str, stage_id: str, stage: Stage, *, if_match: str
) -> Item:
    case = open_case(ports, case_id, caller)
    current = ports.store.read("cases", case_id, f"stage-{stage_id}")
    written = _write(
        ports,
        caller,
        case,
        stage_id,
        stage=stage,
        change="updated",
        if_match=if_match,
        version=int(current["version"]) + 1,
    )
    return _view(ports, case_id, cast(Item, written))


def delete_stage(ports: Ports, caller: Caller, case_id: str, stage_id: str, *, if_match: str) -> None:
    case = open_case(ports, case_id, caller)
    current = ports.store.read("cases", case_id, f"stage-{stage_id}")
    _write(
        ports,
        caller,
        case,
        stage_id,
        stage=None,
        change="deleted",
        if_match=if_match,
        version=int(current["version"]) + 1,
    )


def stages_page(ports: Ports, caller: Caller, case_id: str, window: Window) -> Paged[Item]:
    """One page of the plan's stages by start date, then stage id (audited ``plan:read``)."""
    query = Query(equals={"type": "stage"}, order_by="fromDate")
    page = store_page(ports.store, "cases", case_id, query, window)
    views = [_view(ports, case_id, item) for item in page.items]
    _record_read(ports, caller, case_id, "plan:read")
    return Paged(views, page.after)


def history_page(ports: Ports, caller: Caller, case_id: str, window: Window) -> Paged[dict[str, Any]]:
    """One page of the plan's changes, newest first (audited ``plan:read_history``)."""
    query = Query(equals={"type": "plan_change"}, order_by="at", descending=True)
    page = store_page(ports.store, "cases", case_id, query, window)
    out = []
    for entry in page.items:
        snapshot = entry.get("snapshot")
        view = None
        if snapshot:
            tasks = ports.cipher.decrypt_field(
                case_id, "cases", entry["id"], "tasks", snapshot["tasksSealed"]
            )
            view = {**{k: v for k, v in snapshot.items() if k != "tasksSealed"}, "tasks": tasks}
        out.append({k: entry[k] for k in ("stageId", "version", "change", "at", "by")} | {"stage": view})
    _record_read(ports, caller, case_id, "plan:read_history")
    return Paged(out, page.after)


def _record_read(ports: Ports, caller: Caller, case_id: str, action: str) -> None:
    """One write. The plan belongs to the case's employee, whom the case item names (the access
    check read it already; read here only for a caller without a routed check)."""
    case = (
        caller.case(case_id)
        or case_item(ports.store, case_id)
        or {"caseId": case_id, "orgId": caller.decision.org_id}
    )
    record(ports.store, "cases", case_id, [case_audit(caller, action, case, ports.clock.now())])


def _view(ports: Ports, case_id: str, item: Item) -> Item:
    tasks = ports.cipher.decrypt_field(case_id, "cases", item["id"], "tasks", item["tasksSealed"])
    keys = (
        "stageId",
        "fromDate",
        "workloadPercent",
        "nextReview",
        "version",
        "updatedAt",
        "updatedBy",
        "_etag",
    )
    return {**{k: item.get(k) for k in keys}, "tasks": tasks}
