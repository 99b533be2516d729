"""The integration plan: dated stages (workload %, tasks and workplace adjustments, next review)
written by case managers and visible to every participant, with the history of every change.

A stage write and its history entry are one transactional batch in the case's partition, so
the history can never miss a change. The free-text tasks are case content: sealed with the case
key (AAD = the item and field), in the stage and in each history snapshot.
"""

from __future__ import annotations

from typing import Any, Literal, cast

from shared.bootstrap import Ports
from shared.cases.participants import open_case
from shared.identity.tokens import new_id
from shared.ports import BatchOperation, Item, Query

__all__ = ["Stage", "create_stage", "delete_stage", "history", "stages", "update_stage"]

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
    case_id: str,
    stage_id: str,
    *,
    stage: Stage | None,
    change: Literal["created", "updated", "deleted"],
    by: str,
    if_match: str | None,
    version: int,
) -> Item | None:
    now = ports.clock.now().isoformat()
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
        "by": by,
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
            "updatedBy": by,
            **_stored(ports, case_id, f"stage-{stage_id}", stage),
        }
        op = (
            BatchOperation("create", item)
            if if_match is None
            else BatchOperation("replace", item, if_match=if_match)
        )
        operations.append(op)
    return ports.store.batch("cases", case_id, operations)[1]


def create_stage(ports: Ports, case_id: str, stage: Stage, by: str) -> Item:
    open_case(ports, case_id)
    written = _write(ports, case_id, new_id(), stage=stage, change="created", by=by, if_match=None, version=1)
    return _view(ports, case_id, cast(Item, written))  # a create returns the item


def update_stage(ports: Ports, case_id: str, stage_id: str, stage: Stage, by: str, *, if_match: str) -> Item:
    open_case(ports, case_id)
    current = ports.store.read("cases", case_id, f"stage-{stage_id}")
    written = _write(
        ports,
        case_id,
        stage_id,
        stage=stage,
        change="updated",
        by=by,
        if_match=if_match,
        version=int(current["version"]) + 1,
    )
    return _view(ports, case_id, cast(Item, written))


def delete_stage(ports: Ports, case_id: str, stage_id: str, by: str, *, if_match: str) -> None:
    open_case(ports, case_id)
    current = ports.store.read("cases", case_id, f"stage-{stage_id}")
    _write(
        ports,
        case_id,
        stage_id,
        stage=None,
        change="deleted",
        by=by,
        if_match=if_match,
        version=int(current["version"]) + 1,
    )


def stages(ports: Ports, case_id: str) -> list[Item]:
    items = ports.store.query(
        "cases", case_id, Query(equals={"type": "stage"}, order_by="fromDate", limit=200)
    ).items
    return [_view(ports, case_id, item) for item in items]


def history(ports: Ports, case_id: str, limit: int = 100) -> list[dict[str, Any]]:
    query = Query(equals={"type": "plan_change"}, order_by="at", descending=True, limit=limit)
    out = []
    for entry in ports.store.query("cases", case_id, query).items:
        snapshot = entry.get("snapshot")
        view = None
        if snapshot:
            tasks = ports.cipher.decrypt_field(
                case_id, "cases", entry["id"], "tasks", snapshot["tasksSealed"]
            )
            view = {**{k: v for k, v in snapshot.items() if k != "tasksSealed"}, "tasks": tasks}
        out.append({k: entry[k] for k in ("stageId", "version", "change", "at", "by")} | {"stage": view})
    return out


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
