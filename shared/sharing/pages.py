"""The paged lists of sharing: what a user may see of one item type (:func:`visible_page`, also
"see what X sees") and who has access to one item (:func:`access_page`).

A page costs a bounded number of store calls whatever the number of items, grants or people
(ARCHITECTURE §12): the caller's participation once, one query for their own items, one for the
grants, one ``read_many`` per 100 shared items (a page holds at most 200), one ``read_many`` per
100 holders. Both lists are in id order — an item's id, a grantee's id — because an id is the one
order both sources of a list (own items and grants) share, so a page continues after the last
id it gave (a keyset: items added or removed meanwhile are neither skipped nor repeated). Item
ids begin with their creation time (:func:`shared.identity.tokens.sortable_id`), so items are
listed newest first by listing their ids in descending order.
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.access.caller import Caller
from shared.access.items import ITEM_TYPES, grant_counts, grant_id, owned_by
from shared.access.relations import participant
from shared.errors import InvalidContinuation, InvalidInput
from shared.paging import Paged, Window, text_position
from shared.ports import MAX_READ_MANY, Item, Ports, Query, Scalar
from shared.sharing.grants import _entry  # the one shape of an entry

__all__ = ["access_page", "visible_page"]


def visible_page(
    ports: Ports, case_id: str, user_id: str, item_type: str, window: Window, *, owner_id: str | None = None
) -> Paged[Item]:
    """One page of the items of ``item_type`` the user may see (own and shared with them), by id;
    with ``owner_id``, only that owner's items among them ("see what X sees")."""
    if item_type not in ITEM_TYPES:
        raise InvalidInput("not a shareable item type", field="itemType")
    prefix = f"{item_type}-"
    after = text_position(window)
    if after is not None and not after.startswith(prefix):
        raise _refused()
    if participant(ports.store, case_id, user_id) is None:
        return Paged([])
    limit = window.limit
    own: list[Item] = []
    if owner_id is None or owner_id == user_id:
        own = _after(ports, case_id, {"type": item_type, "ownerId": user_id}, after, limit, newest_first=True)
    equals: dict[str, Scalar] = {"type": "grant", "granteeId": user_id, "itemType": item_type}
    if owner_id is not None:
        equals["ownerId"] = owner_id
    # A grant's id is grant-<type>-<itemId>-<grantee>: for one grantee and type, grant ids and
    # item ids sort alike (ids hold no "-", which sorts before every letter and digit).
    grant_after = None if after is None else grant_id(item_type, after[len(prefix) :], user_id)
    grants = _after(ports, case_id, equals, grant_after, limit, newest_first=True)
    ids = {str(i["id"]) for i in own} | {prefix + str(g["itemId"]) for g in grants}
    candidates = sorted(ids, reverse=True)  # newest first
    page_ids = candidates[:limit]
    wanted = set(page_ids)
    found = {str(i["id"]): i for i in own if i["id"] in wanted}
    now = ports.clock.now()
    shared = [g for g in grants if prefix + str(g["itemId"]) in wanted and grant_counts(g, now)]
    # The shared items in one read per 100, not one per grant.
    for start in range(0, len(shared), MAX_READ_MANY):
        chunk = shared[start : start + MAX_READ_MANY]
        items = ports.store.read_many("cases", case_id, [prefix + str(g["itemId"]) for g in chunk])
        for grant in chunk:
            item = items.get(prefix + str(grant["itemId"]))
            if item is not None and item.get("type") == item_type and item.get("ownerId") == grant["ownerId"]:
                found[str(item["id"])] = item
    more = len(candidates) > limit
    return Paged([found[i] for i in page_ids if i in found], page_ids[-1] if more else None)


def access_page(
    ports: Ports, caller: Caller, case_id: str, item_type: str, item_id: str, *, window: Window
) -> Paged[Item]:
    """Who can see the item right now, one page of at most ``window.limit`` entries: the owner
    first, then each grant that counts, by grantee id. Entries as ``who_has_access`` gives them.
    The position is the last grantee listed ("" after the owner alone)."""
    if item_type not in ITEM_TYPES:
        raise InvalidInput("not a shareable item type", field="itemType")
    item = owned_by(ports.store, caller, case_id, item_type, item_id)
    after = window.after
    if after is not None and not isinstance(after, str):
        raise _refused()
    first = after is None
    room = window.limit - 1 if first else window.limit  # the owner takes a place on the first page
    equals: dict[str, Scalar] = {"type": "grant", "itemType": item_type, "itemId": item_id}
    grant_after = grant_id(item_type, item_id, after) if after else None
    fetched = _after(ports, case_id, equals, grant_after, max(room, 1))
    page, more = fetched[:room], len(fetched) > room
    now = ports.clock.now()
    counting = [g for g in page if grant_counts(g, now)]
    people = [caller.actor] if first else []
    people += [str(g["granteeId"]) for g in counting]
    holders: dict[str, Item] = {}
    for start in range(0, len(people), MAX_READ_MANY):
        chunk = [f"participant-{u}" for u in people[start : start + MAX_READ_MANY]]
        for found in ports.store.read_many("cases", case_id, chunk).values():
            if found.get("status") == "active":
                holders[str(found["userId"])] = found
    result: list[Item] = []
    if first:
        owner = holders.get(caller.actor, {})
        result.append(_entry(caller.actor, owner, "owner", None, item.get("createdAt")))
    for grant in counting:
        holder = holders.get(str(grant["granteeId"]))
        if holder is not None:
            access = "subject" if grant.get("subject") is True else "shared"  # the employee, always
            entry = _entry(grant["granteeId"], holder, access, grant["expiresAt"], grant["createdAt"])
            entry.update(fromDate=grant.get("fromDate"), includeText=grant.get("includeText") is True)
            result.append(entry)
    if not more:
        return Paged(result, None)
    return Paged(result, str(page[-1]["granteeId"]) if page else "")


def _after(
    ports: Ports,
    case_id: str,
    equals: Mapping[str, Scalar],
    after: str | None,
    limit: int,
    *,
    newest_first: bool = False,
) -> list[Item]:
    """Up to ``limit + 1`` items of the case matching ``equals`` with an id after ``after`` in id
    order (descending with ``newest_first``) — one query. Ascending, the range is inclusive, so
    one more is asked for and the equal one dropped; descending, it is exclusive (``lt``)."""
    if newest_first:
        query = Query(
            equals=equals,
            range_field="id" if after is not None else None,
            lt=after,
            order_by="id",
            descending=True,
            limit=limit + 1,
        )
        return ports.store.query("cases", case_id, query).items
    query = Query(
        equals=equals,
        range_field="id" if after is not None else None,
        gte=after,
        order_by="id",
        limit=limit + 2,
    )
    rows = [r for r in ports.store.query("cases", case_id, query).items if r["id"] != after]
    return rows[: limit + 1]


def _refused() -> InvalidContinuation:
    return InvalidContinuation("the continuation token is not valid", field="continuation")
