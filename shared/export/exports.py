"""The life of one export: asked for, built by the background job, downloaded in parts, gone.

The record ``users`` [userId] ``export`` (one per person: "one export at a time") holds the
export id, its state (``queued`` → ``ready`` | ``failed``), the number and size of its parts and
the export's own AES-256 key wrapped with the key-encryption key (``KeyRing``); its ``ttl`` ends
it 24 hours after it was asked for. The parts live in blobs ``exports/<userId>/<exportId>/<n>``
(shared/export/parts.py). Deleting the record and the blobs — after the download, when the
person discards it, or by the hourly sweep once 24 hours are over — leaves nothing readable:
without the wrapped key no part opens.

Audited in the person's own chain: ``export:request``, ``export:ready`` (the system actor
built it) and ``export:download`` (the first part served). docs/decisions/030-download-my-data.md.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from shared.access.caller import Caller
from shared.audit.events import SYSTEM_ACTOR, AuditEvent
from shared.crypto.aead import associated_data, open_sealed, seal
from shared.effects import audit_event, audit_op, commit, record
from shared.errors import AlreadyExists, ConcurrencyConflict, Conflict, NotFound
from shared.export import parts
from shared.identity.tokens import new_id
from shared.log import log_event
from shared.ports import BatchOperation, Item, Ports, Query

__all__ = [
    "BUILD_QUEUE",
    "LIFETIME",
    "ExportInProgress",
    "ExportNotReady",
    "Part",
    "build",
    "discard",
    "part",
    "request",
    "status",
    "sweep",
]

#: The queue the export job listens on; a message is ``{"userId", "exportId"}``, nothing else.
BUILD_QUEUE = "export-build"
LIFETIME = timedelta(hours=24)
RECORD_ID = "export"
State = Literal["queued", "ready", "failed"]


class ExportInProgress(Conflict):
    """An export is already being built or waits for its download: one at a time."""

    code = "export_in_progress"


class ExportNotReady(Conflict):
    code = "export_not_ready"


@dataclass(frozen=True)
class Part:
    content: bytes
    number: int
    parts: int
    file_name: str


def person_orgs(ports: Ports, user_id: str) -> list[str]:
    """The organisations the person has cases or a staff role in: the chains their own account
    actions are audited in (an event by the data's owner goes to no user chain)."""
    refs = ports.store.query("users", user_id, Query(equals={"type": "case_ref"}, limit=1000)).items
    staff = ports.store.query("users", user_id, Query(equals={"type": "org_ref"}, limit=1000)).items
    return sorted({str(r["orgId"]) for r in [*refs, *staff] if r.get("orgId")})


def own_audit(
    ports: Ports, caller: Caller, action: str, target_type: str, target_id: str
) -> list[BatchOperation]:
    """``action`` by the person on their own account, once per organisation chain."""
    now = ports.clock.now()
    return [
        audit_op("users", caller.actor, audit_event(
            caller, action, target_type=target_type, target_id=target_id, org_id=org_id, owner_id=caller.actor
        ), now)
        for org_id in person_orgs(ports, caller.actor)
    ]  # fmt: skip


def _key_aad(user_id: str, export_id: str) -> bytes:
    return associated_data("export-key", user_id, export_id)


def _view(item: Item | None) -> dict[str, Any]:
    if item is None:
        return {"state": "none"}
    return {
        "state": item["state"],
        "exportId": item["exportId"],
        "requestedAt": item["requestedAt"],
        "expiresAt": item["expiresAt"],
        "parts": item.get("parts"),
        "size": item.get("size"),
        "files": item.get("files"),
        "fileName": item.get("fileName"),
    }


def _current(ports: Ports, user_id: str) -> Item | None:
    try:
        item = ports.store.read("users", user_id, RECORD_ID)
    except NotFound:
        return None
    if datetime.fromisoformat(item["expiresAt"]) <= ports.clock.now():
        return None
    return item


def _ttl(item: Item, now: datetime) -> int:
    return max(1, int((datetime.fromisoformat(item["expiresAt"]) - now).total_seconds()))


def status(ports: Ports, user_id: str) -> dict[str, Any]:
    """The person's export, if any: ``state`` none | queued | ready | failed (one read)."""
    return _view(_current(ports, user_id))


def request(ports: Ports, caller: Caller) -> dict[str, Any]:
    """Ask for a new export; the job is queued. ``ExportInProgress`` while one exists (a failed
    one does not count: asking again replaces it)."""
    user_id = caller.actor
    existing = _current(ports, user_id)
    if existing is not None and existing["state"] != "failed":
        raise ExportInProgress("an export is already being prepared or waiting for its download")
    if existing is not None:
        discard(ports, user_id)
    now = ports.clock.now()
    export_id = new_id()
    kek = ports.key_ring.current()
    key = os.urandom(32)
    item: Item = {
        "id": RECORD_ID,
        "userId": user_id,
        "type": "export",
        "exportId": export_id,
        "state": "queued",
        "requestedAt": now.astimezone(UTC).isoformat(),
        "expiresAt": (now + LIFETIME).astimezone(UTC).isoformat(),
        "kekVersion": kek.version,
        "wrappedKey": base64.b64encode(seal(kek.key, key, _key_aad(user_id, export_id))).decode(),
        "ttl": int(LIFETIME.total_seconds()),
    }
    try:
        [stored] = commit(
            ports.store,
            "users",
            user_id,
            [BatchOperation("create", item=item)],
            own_audit(ports, caller, "export:request", "export", export_id),
        )
    except AlreadyExists:
        raise ExportInProgress("an export is already being prepared") from None
    ports.queue.send(BUILD_QUEUE, json.dumps({"userId": user_id, "exportId": export_id}))
    return _view(stored)


def _key(ports: Ports, item: Item) -> bytes:
    kek = ports.key_ring.get(item["kekVersion"])
    return open_sealed(
        kek.key, base64.b64decode(item["wrappedKey"]), _key_aad(item["userId"], item["exportId"])
    )


def build(ports: Ports, message: str) -> str:
    """The job: build the ZIP of the export the message names, unless it is gone, replaced or
    built already (the queue delivers at least once). Returns what happened."""
    from shared.export.content import write_zip  # noqa: PLC0415 - zipfile only in the job
    from shared.notifications.inbox import notify  # noqa: PLC0415

    body = json.loads(message)
    user_id, export_id = str(body["userId"]), str(body["exportId"])
    item = _current(ports, user_id)
    if item is None or item["exportId"] != export_id or item["state"] != "queued":
        return "skipped"
    writer = parts.PartWriter(ports.blobs, _key(ports, item), user_id, export_id)
    try:
        files = write_zip(ports, user_id, writer)
        writer.close()
    except Exception as exc:  # any failure: the person sees "failed" and may ask again
        log_event("export.failed", logging.ERROR, exception=type(exc).__name__)
        _finish(ports, item, {"state": "failed"}, None)
        _drop_parts(ports, user_id, export_id)
        return "failed"
    now = ports.clock.now()
    day = now.astimezone(UTC).strftime("%Y-%m-%d")
    done = {"state": "ready", "parts": writer.parts, "size": writer.size, "files": files,
            "fileName": f"casedesk-my-data-{day}.zip"}  # fmt: skip
    event = AuditEvent(
        actor=SYSTEM_ACTOR, action="export:ready", target_type="export", target_id=export_id,
        request_id=export_id, owner_id=user_id,
    )  # fmt: skip
    if _finish(ports, item, done, event):
        notify(ports, user_id, "export_ready", case_id=None, item_type=None, item_id=None)
    return "built"


def _finish(ports: Ports, item: Item, changes: dict[str, Any], event: AuditEvent | None) -> bool:
    now = ports.clock.now()
    updated = {k: v for k, v in item.items() if not k.startswith("_")} | changes
    updated["ttl"] = _ttl(item, now)
    effects = [audit_op("users", item["userId"], event, now)] if event else []
    try:
        commit(ports.store, "users", item["userId"],
               [BatchOperation("replace", item=updated, if_match=item["_etag"])], effects)  # fmt: skip
    except (ConcurrencyConflict, NotFound):
        return False  # discarded or replaced meanwhile
    return True


def part(ports: Ports, caller: Caller, export_id: str, number: int) -> Part:
    """One part of a ready export, decrypted (its owner only: the record is in their partition).
    The first part's download is audited."""
    user_id = caller.actor
    item = _current(ports, user_id)
    if item is None or item["exportId"] != export_id:
        raise NotFound("no such export")
    if item["state"] != "ready":
        raise ExportNotReady("the export is not ready")
    if not 0 <= number < int(item["parts"]):
        raise NotFound("no such part")
    content = parts.open_part(ports.blobs, _key(ports, item), user_id, export_id, number)
    if number == 0:
        record(
            ports.store, "users", user_id, own_audit(ports, caller, "export:download", "export", export_id)
        )
    return Part(content, number, int(item["parts"]), str(item["fileName"]))


def discard(ports: Ports, user_id: str) -> None:
    """The export gone: record first (nothing can be served after), then its parts. Idempotent."""
    try:
        item = ports.store.read("users", user_id, RECORD_ID)
    except NotFound:
        return
    with contextlib.suppress(NotFound):
        ports.store.delete("users", user_id, RECORD_ID)
    _drop_parts(ports, user_id, item["exportId"])


def _drop_parts(ports: Ports, user_id: str, export_id: str) -> None:
    for name in list(ports.blobs.list(parts.part_prefix(user_id, export_id))):
        with contextlib.suppress(NotFound):
            ports.blobs.delete(name)


def sweep(ports: Ports) -> int:
    """The hourly timer: delete the parts of every export whose record is gone or over 24 hours
    old (discarded, downloaded, expired or replaced). Returns the number of blobs deleted."""
    exports: dict[tuple[str, str], list[str]] = {}
    for name in ports.blobs.list("exports/"):
        pieces = name.split("/")
        if len(pieces) == 4:
            exports.setdefault((pieces[1], pieces[2]), []).append(name)
    deleted = 0
    for (user_id, export_id), names in exports.items():
        item = _current(ports, user_id)
        if item is not None and item["exportId"] == export_id:
            continue
        if item is None:
            with contextlib.suppress(NotFound):
                ports.store.delete("users", user_id, RECORD_ID)  # expired: invisible already
        for name in names:
            with contextlib.suppress(NotFound):
                ports.blobs.delete(name)
                deleted += 1
    return deleted
