"""Private text notes of any participant in a case (SPEC journey 4), shared like documents.

A note is one item ``cases`` [caseId] ``note-<noteId>`` (``type`` "note", ``ownerId``) whose
title and body are sealed with the case key (AAD = the item and the field). It is private to its
author until the author shares it (``shared.sharing``); grantees may read it, only the author
changes or deletes it, always with the ETag they read (nothing is lost).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from shared.access.items import owned_or_404, viewable_or_404
from shared.access.relations import participant
from shared.bootstrap import Ports
from shared.cases.participants import deletable_case, open_case
from shared.documents.validation import validate_title
from shared.errors import InvalidInput, NotFound
from shared.identity.tokens import new_id
from shared.ports import Item
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


def create(ports: Ports, case_id: str, *, owner_id: str, title: str, body: str) -> dict[str, Any]:
    checked_title, checked_body = validate_title(title), validate_body(body)
    open_case(ports, case_id)
    if participant(ports.store, case_id, owner_id) is None:
        raise NotFound("no such case")
    note_id = new_id()
    item_id = f"{_TYPE}-{note_id}"
    now = ports.clock.now().isoformat()
    item: Item = {
        "id": item_id,
        "caseId": case_id,
        "type": _TYPE,
        "noteId": note_id,
        "ownerId": owner_id,
        "titleSealed": _seal(ports, case_id, item_id, "title", checked_title),
        "bodySealed": _seal(ports, case_id, item_id, "body", checked_body),
        "createdAt": now,
        "updatedAt": now,
    }
    return _view(ports, ports.store.create("cases", item), owner_id)


def listing(ports: Ports, case_id: str, user_id: str) -> list[dict[str, Any]]:
    """The notes ``user_id`` may see (own and shared with them), newest change first — titles
    only: a body is read one note at a time (:func:`read`), so each read of someone else's note
    is audited for its author."""
    return sorted(
        views_of(ports, visible_items(ports, case_id, user_id, _TYPE), user_id),
        key=lambda v: (v["updatedAt"], v["id"]),
        reverse=True,
    )


def views_of(ports: Ports, items: list[Item], user_id: str) -> list[dict[str, Any]]:
    """Views without the body (lists, "see what X sees")."""
    return [_view(ports, item, user_id, with_body=False) for item in items]


def read(ports: Ports, case_id: str, note_id: str, user_id: str) -> dict[str, Any]:
    return _view(
        ports, viewable_or_404(ports.store, case_id, _TYPE, note_id, user_id, now=ports.clock.now()), user_id
    )


def update(
    ports: Ports,
    case_id: str,
    note_id: str,
    user_id: str,
    *,
    if_match: str,
    title: str | None,
    body: str | None,
) -> dict[str, Any]:
    if title is None and body is None:
        raise InvalidInput("give a new title or body", field="body")
    new_title = validate_title(title) if title is not None else None
    new_body = validate_body(body) if body is not None else None
    open_case(ports, case_id)
    item = _owned(ports, case_id, note_id, user_id)
    changed = {**item, "updatedAt": ports.clock.now().isoformat()}
    if new_title is not None:
        changed["titleSealed"] = _seal(ports, case_id, item["id"], "title", new_title)
    if new_body is not None:
        changed["bodySealed"] = _seal(ports, case_id, item["id"], "body", new_body)
    return _view(ports, ports.store.replace("cases", changed, if_match=if_match), user_id)


def delete(ports: Ports, case_id: str, note_id: str, user_id: str, *, if_match: str) -> None:
    deletable_case(ports, case_id)
    item = _owned(ports, case_id, note_id, user_id)
    ports.store.delete("cases", case_id, item["id"], if_match=if_match)
    end_grants_for_item(ports, case_id, _TYPE, note_id)


def _owned(ports: Ports, case_id: str, note_id: str, user_id: str) -> Item:
    return owned_or_404(ports.store, case_id, _TYPE, note_id, user_id)


def _seal(ports: Ports, case_id: str, item_id: str, field: str, text: str) -> str:
    return ports.cipher.encrypt_field(case_id, "cases", item_id, field, text)


def _open(ports: Ports, item: Item, field: str) -> str:
    return ports.cipher.decrypt_field(item["caseId"], "cases", item["id"], field, item[f"{field}Sealed"])


def _view(ports: Ports, item: Item, viewer_id: str, *, with_body: bool = True) -> dict[str, Any]:
    owner = participant(ports.store, item["caseId"], item["ownerId"]) or {}
    return {
        "id": item["noteId"],
        "caseId": item["caseId"],
        "title": _open(ports, item, "title"),
        **({"body": _open(ports, item, "body")} if with_body else {}),
        "ownerId": item["ownerId"],
        "ownerRole": owner.get("role"),
        "mine": item["ownerId"] == viewer_id,
        "createdAt": item["createdAt"],
        "updatedAt": item["updatedAt"],
        "etag": item["_etag"],
    }
