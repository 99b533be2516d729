"""The shared code of every item type: create, read, change with the ETag, delete, list what a
caller may see, view — written once for the registry (:mod:`shared.item_types`).

Every function takes the acting :class:`~shared.access.caller.Caller` and checks visibility or
ownership itself (reusing what the route's access decision already read), and records its audit
event as a pending effect: a change in the same batch as the change, a read as its one write.
The types' own modules add their fields and rules (a document's versions and blobs, a note's
body) on top:

    item, case = kernel.new_item(ports, caller, NOTE, case_id, sealed={"title": t, "body": b})
    stored = kernel.create(ports, caller, NOTE, item, case)
    kernel.read(ports, caller, NOTE, case_id, note_id)            # audited for its owner
    kernel.change(ports, caller, NOTE, case_id, changed, if_match=etag, case=case)
    kernel.delete(ports, caller, NOTE, case_id, note_id, if_match=etag)
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from shared.access.caller import Caller
from shared.access.items import owned_by, owner_role, viewable_by
from shared.access.relations import participant
from shared.cases.participants import deletable_case, open_case
from shared.effects import case_audit_op, commit, commit_item, record_case_listing, record_item_read
from shared.errors import NotFound
from shared.identity.tokens import sortable_id
from shared.item_types import ItemType
from shared.paging import Paged, Window
from shared.ports import BatchOperation, Item
from shared.sharing import case_items, end_grants_for_item, end_grants_for_type, visible_items
from shared.sharing.pages import visible_page

if TYPE_CHECKING:
    from shared.ports import Ports

__all__ = [
    "base_view",
    "change",
    "create",
    "delete",
    "export_owned",
    "listing",
    "listing_page",
    "new_item",
    "open_field",
    "owned",
    "purge_case",
    "read",
    "seal_field",
]


def seal_field(ports: Ports, case_id: str, item_id: str, field: str, text: str) -> str:
    return ports.cipher.encrypt_field(case_id, "cases", item_id, field, text)


def open_field(ports: Ports, item: Item, field: str) -> str:
    return ports.cipher.decrypt_field(item["caseId"], "cases", item["id"], field, item[f"{field}Sealed"])


def new_item(
    ports: Ports,
    caller: Caller,
    kind: ItemType,
    case_id: str,
    *,
    sealed: dict[str, str],
    plain: dict[str, Any],
) -> tuple[Item, Item]:
    """A new item of ``caller`` in the open case, private to them (not yet stored), and the case."""
    case = open_case(ports, case_id, caller)
    role = caller.case_role(case_id) or (participant(ports.store, case_id, caller.actor) or {}).get("role")
    if role is None:
        raise NotFound("no such case")
    created = ports.clock.now()
    bare_id = sortable_id(created)  # a list in id order is a list by age
    item_id = f"{kind.name}-{bare_id}"
    now = created.isoformat()
    item: Item = {
        "id": item_id,
        "caseId": case_id,
        "type": kind.name,
        kind.id_field: bare_id,
        "ownerId": caller.actor,
        # A participant's role never changes, so a list need not read it per item.
        "ownerRole": role,
        **plain,
        **{
            f"{field}Sealed": seal_field(ports, case_id, item_id, field, text)
            for field, text in sealed.items()
        },
        "createdAt": now,
        "updatedAt": now,
    }
    return item, case


def create(ports: Ports, caller: Caller, kind: ItemType, item: Item, case: Item) -> Item:
    """Store a :func:`new_item` (perhaps completed by its type), audited in the same batch."""
    audit = _audit(caller, kind, f"{kind.target_type}:create", item, ports.clock.now(), org_id=case["orgId"])
    return commit_item(ports.store, "cases", item["caseId"], BatchOperation("create", item=item), [audit])


def listing(ports: Ports, caller: Caller, kind: ItemType, case_id: str) -> list[Item]:
    """The items of ``kind`` the caller may see (own and shared with them), by id; the listing
    is audited once, for the case's employee."""
    items = visible_items(ports, case_id, caller.actor, kind.name)
    record_case_listing(
        ports.store, caller, f"{kind.target_type}:list", case_id=case_id, now=ports.clock.now()
    )
    return items


def listing_page(ports: Ports, caller: Caller, kind: ItemType, case_id: str, window: Window) -> Paged[Item]:
    """One page of :func:`listing`, newest first (a bounded number of store calls whatever the number
    of items: ``shared.sharing.pages``); each page is audited once, for the case's employee."""
    page = visible_page(ports, case_id, caller.actor, kind.name, window)
    record_case_listing(
        ports.store, caller, f"{kind.target_type}:list", case_id=case_id, now=ports.clock.now()
    )
    return page


def read(
    ports: Ports, caller: Caller, kind: ItemType, case_id: str, item_id: str, *, action: str = "read"
) -> Item:
    """One item the caller may see (owner or grantee), audited for its owner."""
    item = viewable_by(ports.store, caller, case_id, kind.name, item_id, now=ports.clock.now())
    record_item_read(
        ports.store,
        caller,
        f"{kind.target_type}:{action}",
        case_id=case_id,
        target_type=kind.target_type,
        item_id=item_id,
        owner_id=item["ownerId"],
        now=ports.clock.now(),
    )
    return item


def owned(ports: Ports, caller: Caller, kind: ItemType, case_id: str, item_id: str) -> Item:
    """The caller's own item, or ``NotFound`` (someone else's item does not exist for them)."""
    return owned_by(ports.store, caller, case_id, kind.name, item_id)


def change(
    ports: Ports, caller: Caller, kind: ItemType, changed: Item, *, if_match: str, case: Item, action: str
) -> Item:
    """Replace the caller's item with ``changed`` if ``if_match`` is still its ETag (nothing is
    lost), audited ``<target>:<action>`` in the same batch."""
    now = ports.clock.now()
    changed = {**changed, "updatedAt": now.isoformat()}
    audit = _audit(caller, kind, f"{kind.target_type}:{action}", changed, now, org_id=case["orgId"])
    step = BatchOperation("replace", item=changed, if_match=if_match)
    return commit_item(ports.store, "cases", changed["caseId"], step, [audit])


def delete(
    ports: Ports, caller: Caller, kind: ItemType, case_id: str, item_id: str, *, if_match: str
) -> Item:
    """Delete the caller's item and every grant on it (open case, no legal hold); returns the
    deleted item, for the type to clean up what lives outside the store (blobs)."""
    case = deletable_case(ports, case_id, caller)
    item = owned(ports, caller, kind, case_id, item_id)
    audit = _audit(caller, kind, f"{kind.target_type}:delete", item, ports.clock.now(), org_id=case["orgId"])
    commit(
        ports.store, "cases", case_id, [BatchOperation("delete", id=item["id"], if_match=if_match)], [audit]
    )
    end_grants_for_item(ports, case_id, kind.name, item_id)
    return item


def base_view(ports: Ports, kind: ItemType, item: Item, viewer_id: str) -> dict[str, Any]:
    """What every view of an item shows; types add their own fields."""
    return {
        "id": item[kind.id_field],
        "caseId": item["caseId"],
        "ownerId": item["ownerId"],
        "ownerRole": owner_role(ports.store, item),
        "mine": item["ownerId"] == viewer_id,
        "createdAt": item["createdAt"],
        "updatedAt": item["updatedAt"],
        "etag": item["_etag"],
    }


def purge_case(ports: Ports, kind: ItemType, case_id: str) -> int:
    """Delete every item of ``kind`` in the case, with its grants (the retention purge; a timer,
    never a request): a filtered ``Store.delete_partition`` each, nothing read back. Returns how
    many items went. Idempotent."""
    deleted = ports.store.delete_partition("cases", case_id, equals={"type": kind.name})
    end_grants_for_type(ports, case_id, kind.name)
    return deleted


def export_owned(ports: Ports, kind: ItemType, case_id: str, user_id: str) -> list[Item]:
    """Every item of ``kind`` that ``user_id`` owns in the case ("download my data")."""
    return case_items(ports, case_id, {"type": kind.name, "ownerId": user_id})


def _audit(
    caller: Caller, kind: ItemType, action: str, item: Item, now: datetime, *, org_id: str | None
) -> BatchOperation:
    return case_audit_op(
        caller,
        action,
        case_id=item["caseId"],
        target_type=kind.target_type,
        target_id=item[kind.id_field],
        owner_id=item["ownerId"],
        org_id=org_id,
        now=now,
    )
