"""Private text notes of any participant in a case (SPEC journey 4), shared like documents.

A note is one item ``cases`` [caseId] ``note-<noteId>`` (``type`` "note", ``ownerId``) whose
title and body are sealed with the case key (AAD = the item and the field). It is private to its
author until the author shares it (``shared.sharing``); grantees may read it, only the author
changes or deletes it, always with the ETag they read (nothing is lost).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from shared.access.caller import Caller
from shared.cases.participants import open_case
from shared.documents.validation import validate_title
from shared.errors import InvalidInput
from shared.items import REGISTRY, kernel
from shared.paging import Paged, Window
from shared.ports import Item, Ports

__all__ = [
    "MAX_BODY",
    "NOTE",
    "create",
    "delete",
    "export_owned",
    "listing",
    "listing_page",
    "purge_case",
    "read",
    "update",
    "validate_body",
    "views_of",
]  # fmt: skip

#: Characters in a note's body (about ten pages of text; the sealed item stays far below 2 MiB).
MAX_BODY = 20_000
NOTE = REGISTRY["note"]
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
    sealed = {"title": validate_title(title), "body": validate_body(body)}
    item, case = kernel.new_item(ports, caller, NOTE, case_id, sealed=sealed, plain={})
    return _view(ports, kernel.create(ports, caller, NOTE, item, case), caller.actor)


def listing(ports: Ports, caller: Caller, case_id: str) -> list[dict[str, Any]]:
    """The notes ``caller`` may see (own and shared with them), newest change first — titles
    only: a body is read one note at a time (:func:`read`), so each read of someone else's note
    is audited for its author. The listing itself is audited once, for the case's employee."""
    views = views_of(ports, kernel.listing(ports, caller, NOTE, case_id), caller.actor)
    return sorted(views, key=lambda v: (v["updatedAt"], v["id"]), reverse=True)


def listing_page(ports: Ports, caller: Caller, case_id: str, window: Window) -> Paged[dict[str, Any]]:
    """One page of the notes ``caller`` may see, titles only, newest first (docs/decisions/021);
    audited once per page."""
    page = kernel.listing_page(ports, caller, NOTE, case_id, window)
    return Paged(views_of(ports, page.items, caller.actor), page.after)


def views_of(ports: Ports, items: list[Item], user_id: str) -> list[dict[str, Any]]:
    """Views without the body (lists, "see what X sees")."""
    return [_view(ports, item, user_id, with_body=False) for item in items]


def read(ports: Ports, caller: Caller, case_id: str, note_id: str) -> dict[str, Any]:
    """One note with its body (owner and grantees); audited for its author."""
    return _view(ports, kernel.read(ports, caller, NOTE, case_id, note_id), caller.actor)


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
    """Change the title and/or the body (the author only, with the ETag they read)."""
    if title is None and body is None:
        raise InvalidInput("give a new title or body", field="body")
    changes = {"title": validate_title(title) if title is not None else None}
    changes["body"] = validate_body(body) if body is not None else None
    case = open_case(ports, case_id, caller)
    item = kernel.owned(ports, caller, NOTE, case_id, note_id)
    changed = dict(item)
    for field, text in changes.items():
        if text is not None:
            changed[f"{field}Sealed"] = kernel.seal_field(ports, case_id, item["id"], field, text)
    stored = kernel.change(ports, caller, NOTE, changed, if_match=if_match, case=case, action="update")
    return _view(ports, stored, caller.actor)


def delete(ports: Ports, caller: Caller, case_id: str, note_id: str, *, if_match: str) -> None:
    """Delete the note and every grant on it (the author only)."""
    kernel.delete(ports, caller, NOTE, case_id, note_id, if_match=if_match)


def purge_case(ports: Ports, case_id: str) -> int:
    """Every note of the case, gone (the retention purge)."""
    return kernel.purge_case(ports, NOTE, case_id)


def export_owned(ports: Ports, case_id: str, user_id: str) -> list[dict[str, Any]]:
    """The notes ``user_id`` wrote in the case, decrypted ("download my data")."""
    return [_view(ports, item, user_id) for item in kernel.export_owned(ports, NOTE, case_id, user_id)]


def _view(ports: Ports, item: Item, viewer_id: str, *, with_body: bool = True) -> dict[str, Any]:
    view = kernel.base_view(ports, NOTE, item, viewer_id)
    view["title"] = kernel.open_field(ports, item, "title")
    if with_body:
        view["body"] = kernel.open_field(ports, item, "body")
    return view
