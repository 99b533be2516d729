"""Private text notes of any participant in a case (SPEC journey 4), shared like documents.

A note is one item ``cases`` [caseId] ``note-<noteId>`` (``type`` "note", ``ownerId``) whose
title and body are sealed with the case key (AAD = the item and the field). It is private to its
author until the author shares it (``shared.sharing``); grantees may read it, only the author
changes or deletes it, always with the ETag they read (nothing is lost).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from shared.access.caller import Caller
from shared.access.items import owned_by, owner_role, viewable_by
from shared.access.relations import participant
from shared.bootstrap import Ports
from shared.cases.participants import deletable_case, open_case
from shared.documents.validation import validate_title
from shared.effects import case_audit_op, commit, commit_item, record_case_listing, record_item_read
from shared.errors import InvalidInput, NotFound
from shared.identity.tokens import new_id
from shared.ports import BatchOperation, Item
from shared.sharing import end_grants_for_item, visible_items

__all__ = ["MAX_BODY", "create", "delete", "listing", "read", "update", "validate_body", "views_of"]

#: Characters in a note's body (about ten pages of text; the sealed item stays far below 2 MiB).
MAX_BODY = 20_000
_TYPE = "note"
_ALLOWED_CONTROLS = {"\n", "\t"}


def validate_body(body: str) -> str:
    """NFC, line endings as ``\\n``, no other control characters, 1 to ``MAX_BODY`` characters."""
    text = unicodedata.normalize("NFC", body.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.strip() or len(text) > MAX_BODY:
        raise InvalidInput(f"a note has 1 to {MAX_BODY} characters", field="body", max=MAX_BODY)
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in _ALLOWED_CONTROLS for c in text):
        raise InvalidInput("a note must not contain control characters", field="body")
    return text


def create(ports: Ports, caller: Caller, case_id: str, *, title: str, body: str) -> dict[str, Any]:
    """A new note of ``caller``, private to them; created and audited in one batch."""
    checked_title, checked_body = validate_title(title), validate_body(body)
    case = open_case(ports, case_id, caller)
    role = caller.case_role(case_id) or (participant(ports.store, case_id, caller.actor) or {}).get("role")
    if role is None:
        raise NotFound("no such case")
    note_id = new_id()
    item_id = f"{_TYPE}-{note_id}"
    now = ports.clock.now()
    item: Item = {
        "id": item_id,
        "caseId": case_id,
        "type": _TYPE,
        "noteId": note_id,
        "ownerId": caller.actor,
        # A participant's role never changes, so the list need not read it per note.
        "ownerRole": role,
        "titleSealed": _seal(ports, case_id, item_id, "title", checked_title),
        "bodySealed": _seal(ports, case_id, item_id, "body", checked_body),
        "createdAt": now.isoformat(),
        "updatedAt": now.isoformat(),
    }
    audit = _audit(
        caller, "note:create", note_id, case_id=case_id, owner_id=caller.actor, now=now, org_id=case["orgId"]
    )
    stored = commit_item(ports.store, "cases", case_id, BatchOperation("create", item=item), [audit])
    return _view(ports, stored, caller.actor)


def listing(ports: Ports, caller: Caller, case_id: str) -> list[dict[str, Any]]:
    """The notes ``caller`` may see (own and shared with them), newest change first — titles
    only: a body is read one note at a time (:func:`read`), so each read of someone else's note
    is audited for its author. The listing itself is audited once, for the case's employee."""
    views = sorted(
        views_of(ports, visible_items(ports, case_id, caller.actor, _TYPE), caller.actor),
        key=lambda v: (v["updatedAt"], v["id"]),
        reverse=True,
    )
    record_case_listing(ports.store, caller, "note:list", case_id=case_id, now=ports.clock.now())
    return views


def views_of(ports: Ports, items: list[Item], user_id: str) -> list[dict[str, Any]]:
    """Views without the body (lists, "see what X sees")."""
    return [_view(ports, item, user_id, with_body=False) for item in items]


def read(ports: Ports, caller: Caller, case_id: str, note_id: str) -> dict[str, Any]:
    """One note with its body (owner and grantees); audited for its author."""
    item = viewable_by(ports.store, caller, case_id, _TYPE, note_id, now=ports.clock.now())
    view = _view(ports, item, caller.actor)
    record_item_read(
        ports.store,
        caller,
        "note:read",
        case_id=case_id,
        target_type="note",
        item_id=note_id,
        owner_id=item["ownerId"],
        now=ports.clock.now(),
    )
    return view


def update(
    ports: Ports,
    caller: Caller,
    case_id: str,
    note_id: str,
    *,
    if_match: str,
    title: str | None,
    body: str | None,
) -> dict[str, Any]:
    if title is None and body is None:
        raise InvalidInput("give a new title or body", field="body")
    new_title = validate_title(title) if title is not None else None
    new_body = validate_body(body) if body is not None else None
    case = open_case(ports, case_id, caller)
    item = owned_by(ports.store, caller, case_id, _TYPE, note_id)
    now = ports.clock.now()
    changed = {**item, "updatedAt": now.isoformat()}
    if new_title is not None:
        changed["titleSealed"] = _seal(ports, case_id, item["id"], "title", new_title)
    if new_body is not None:
        changed["bodySealed"] = _seal(ports, case_id, item["id"], "body", new_body)
    audit = _audit(
        caller, "note:update", note_id, case_id=case_id, owner_id=caller.actor, now=now, org_id=case["orgId"]
    )
    step = BatchOperation("replace", item=changed, if_match=if_match)
    return _view(ports, commit_item(ports.store, "cases", case_id, step, [audit]), caller.actor)


def delete(ports: Ports, caller: Caller, case_id: str, note_id: str, *, if_match: str) -> None:
    case = deletable_case(ports, case_id, caller)
    item = owned_by(ports.store, caller, case_id, _TYPE, note_id)
    audit = _audit(
        caller,
        "note:delete",
        note_id,
        case_id=case_id,
        owner_id=caller.actor,
        now=ports.clock.now(),
        org_id=case["orgId"],
    )
    commit(
        ports.store, "cases", case_id, [BatchOperation("delete", id=item["id"], if_match=if_match)], [audit]
    )
    end_grants_for_item(ports, case_id, _TYPE, note_id)


def _seal(ports: Ports, case_id: str, item_id: str, field: str, text: str) -> str:
    return ports.cipher.encrypt_field(case_id, "cases", item_id, field, text)


def _open(ports: Ports, item: Item, field: str) -> str:
    return ports.cipher.decrypt_field(item["caseId"], "cases", item["id"], field, item[f"{field}Sealed"])


def _audit(
    caller: Caller,
    action: str,
    note_id: str,
    *,
    case_id: str,
    owner_id: str,
    now: datetime,
    org_id: str | None = None,
) -> BatchOperation:
    return case_audit_op(
        caller,
        action,
        case_id=case_id,
        target_type="note",
        target_id=note_id,
        owner_id=owner_id,
        org_id=org_id,
        now=now,
    )


def _view(ports: Ports, item: Item, viewer_id: str, *, with_body: bool = True) -> dict[str, Any]:
    return {
        "id": item["noteId"],
        "caseId": item["caseId"],
        "title": _open(ports, item, "title"),
        **({"body": _open(ports, item, "body")} if with_body else {}),
        "ownerId": item["ownerId"],
        "ownerRole": owner_role(ports.store, item),
        "mine": item["ownerId"] == viewer_id,
        "createdAt": item["createdAt"],
        "updatedAt": item["updatedAt"],
        "etag": item["_etag"],
    }
