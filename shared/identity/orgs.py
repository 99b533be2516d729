"""Organisations (tenants) and their staff memberships.

Roles: ``org_admin`` (manages staff, never sees case content) and ``case_manager``; the flag
``accessAllCases`` allows break-glass access later (SPEC journey 17).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal, cast

from shared.effects import commit
from shared.errors import InvalidInput, NotFound
from shared.identity.tokens import new_id
from shared.paging import Paged, Window, store_page
from shared.ports import MAX_READ_MANY, BatchOperation, Clock, Item, Query, Store

__all__ = [
    "ROLES",
    "Role",
    "add_member",
    "create_org",
    "member",
    "members",
    "members_page",
    "my_orgs",
    "my_orgs_page",
    "names",
    "org",
    "update_member",
]

Role = Literal["org_admin", "case_manager"]
ROLES: tuple[Role, ...] = ("org_admin", "case_manager")


def create_org(store: Store, clock: Clock, name: str) -> str:
    clean = name.strip()
    if not 2 <= len(clean) <= 120:
        raise InvalidInput("an organisation name has 2 to 120 characters", field="name")
    org_id = new_id()
    store.create("orgs", {"id": "org", "orgId": org_id, "name": clean, "createdAt": clock.now().isoformat()})
    return org_id


def org(store: Store, org_id: str) -> Item:
    return store.read("orgs", org_id, "org")


def names(store: Store, org_ids: Iterable[str]) -> dict[str, str]:
    """The names of these organisations, by id: each once, one store call per 100 of them."""
    wanted = list(dict.fromkeys(org_ids))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), MAX_READ_MANY):
        keys = [(org_id, "org") for org_id in wanted[start : start + MAX_READ_MANY]]
        found.update({key[0]: str(item["name"]) for key, item in store.read_points("orgs", keys).items()})
    return found


def add_member(store: Store, clock: Clock, org_id: str, user_id: str, roles: list[Role]) -> Item:
    """Make ``user_id`` staff of ``org_id`` (idempotent: existing roles are kept and extended)."""
    _check_roles(roles)
    # The user-side reference first, so a membership is never missing from "my organisations";
    # a reference without a membership (a crash in between) is ignored by my_orgs().
    store.upsert("users", {"id": f"org-{org_id}", "userId": user_id, "type": "org_ref", "orgId": org_id})
    try:
        current = member(store, org_id, user_id)
    except NotFound:
        return store.create(
            "orgs",
            {
                "id": f"member-{user_id}",
                "orgId": org_id,
                "type": "member",
                "userId": user_id,
                "roles": sorted(set(roles)),
                "accessAllCases": False,
                "since": clock.now().isoformat(),
            },
        )
    merged = {**current, "roles": sorted(set(current["roles"]) | set(roles))}
    return store.replace("orgs", merged, if_match=current["_etag"])


def member(store: Store, org_id: str, user_id: str) -> Item:
    return store.read("orgs", org_id, f"member-{user_id}")


def my_orgs(store: Store, user_id: str) -> list[Item]:
    """The organisations ``user_id`` is staff of, with their membership (``org``, ``member``),
    by name. Reads the user's own partition, then one point read per organisation."""
    found = []
    query = Query(equals={"type": "org_ref"}, limit=100)
    while True:
        page = store.query("users", user_id, query)
        for ref in page.items:
            try:
                found.append(
                    {"org": org(store, ref["orgId"]), "member": member(store, ref["orgId"], user_id)}
                )
            except NotFound:
                continue
        if page.continuation is None:
            return sorted(found, key=lambda f: (f["org"]["name"].casefold(), f["org"]["orgId"]))
        query = Query(equals={"type": "org_ref"}, limit=100, continuation=page.continuation)


def my_orgs_page(store: Store, user_id: str, window: Window) -> Paged[Item]:
    """One page of :func:`my_orgs` — pages follow the organisation ids, each page sorted by name
    — in one query and one call per 50 organisations (their items and memberships), not two
    point reads per organisation."""
    page = store_page(store, "users", user_id, Query(equals={"type": "org_ref"}), window)
    org_ids = [str(ref["orgId"]) for ref in page.items]
    found: dict[tuple[str, str], Item] = {}
    for start in range(0, len(org_ids), MAX_READ_MANY // 2):
        chunk = org_ids[start : start + MAX_READ_MANY // 2]
        keys = [key for o in chunk for key in ((o, "org"), (o, f"member-{user_id}"))]
        found.update(store.read_points("orgs", keys))
    rows = [
        {"org": found[(o, "org")], "member": found[(o, f"member-{user_id}")]}
        for o in org_ids
        if (o, "org") in found and (o, f"member-{user_id}") in found
    ]
    # Pages follow the ids; a page shows its organisations by name (most people have one page).
    rows.sort(key=lambda f: (str(f["org"]["name"]).casefold(), f["org"]["orgId"]))
    return Paged(rows, page.after)


def members(store: Store, org_id: str) -> list[Item]:
    items: list[Item] = []
    query = Query(equals={"type": "member"}, limit=500)
    while True:
        page = store.query("orgs", org_id, query)
        items += page.items
        if page.continuation is None:
            return items
        query = Query(equals={"type": "member"}, limit=500, continuation=page.continuation)


def members_page(store: Store, org_id: str, window: Window) -> Paged[Item]:
    """One page of the organisation's staff, by user id."""
    return store_page(store, "orgs", org_id, Query(equals={"type": "member"}), window)


def update_member(
    store: Store,
    org_id: str,
    user_id: str,
    *,
    roles: list[Role],
    access_all_cases: bool,
    if_match: str,
    effects: Sequence[BatchOperation] = (),
) -> Item:
    """Change a membership if it is still the version the caller saw; ``effects`` (the audit
    event) are stored in the same batch of the organisation's partition."""
    _check_roles(roles)
    if not roles:
        raise InvalidInput("a staff member keeps at least one role", field="roles")
    current = member(store, org_id, user_id)
    updated = {**current, "roles": sorted(set(roles)), "accessAllCases": access_all_cases}
    [stored] = commit(
        store, "orgs", org_id, [BatchOperation("replace", item=updated, if_match=if_match)], effects
    )
    return cast(Item, stored)


def _check_roles(roles: list[Role]) -> None:
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise InvalidInput("unknown role", field="roles")
