"""User accounts: the profile and the credentials item of each user (docs/decisions/006).

E-mail lookups go through the ``directory`` container by hash, so the directory holds no
address; the profile holds the address because e-mails must be sent to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal, cast

from shared.effects import commit
from shared.errors import AlreadyExists, InvalidInput, NotFound
from shared.identity.tokens import email_key, new_id
from shared.ports import MAX_READ_MANY, BatchOperation, Clock, Item, Store

__all__ = [
    "InvalidEmail",
    "Language",
    "create_invited_user",
    "credentials",
    "find_user_id",
    "normalise_email",
    "profile",
    "profiles",
    "save_credentials",
    "update_profile",
]

Language = Literal["en", "de"]
_MAX_EMAIL = 254


class InvalidEmail(InvalidInput):
    code = "invalid_email"


def normalise_email(email: str) -> str:
    value = email.strip()
    local, at, domain = value.rpartition("@")
    if not at or not local or "." not in domain or len(value) > _MAX_EMAIL or any(c.isspace() for c in value):
        raise InvalidEmail("not an e-mail address", field="email")
    return f"{local}@{domain.lower()}"


def find_user_id(store: Store, email: str) -> str | None:
    try:
        return str(store.read("directory", email_key(email), email_key(email))["userId"])
    except NotFound:
        return None


def create_invited_user(store: Store, clock: Clock, *, email: str, name: str, language: Language) -> str:
    """The account of someone invited for the first time (status ``invited``). Returns its id;
    if the address already has an account, returns that one instead (one person, one account)."""
    address = normalise_email(email)
    existing = find_user_id(store, address)
    if existing:
        return existing
    user_id = new_id()
    key = email_key(address)
    try:
        # The directory entry is the uniqueness guard: whoever creates it owns the address.
        store.create("directory", {"id": key, "key": key, "userId": user_id})
    except AlreadyExists:
        found = find_user_id(store, address)
        if found:
            return found
        raise
    store.create(
        "users",
        {
            "id": "profile",
            "userId": user_id,
            "email": address,
            "name": name.strip(),
            "language": language,
            "emailNotifications": True,
            "status": "invited",
            "consent": None,
            "welcomeSeen": False,
            "createdAt": clock.now().isoformat(),
        },
    )
    return user_id


def profile(store: Store, user_id: str) -> Item:
    return store.read("users", user_id, "profile")


def profiles(store: Store, user_ids: Iterable[str]) -> dict[str, Item]:
    """The profiles of these users, by user id (missing ones absent): one store call per 100
    people, not one per person — how a page of a list names the people on it."""
    wanted = list(dict.fromkeys(user_ids))
    found: dict[str, Item] = {}
    for start in range(0, len(wanted), MAX_READ_MANY):
        keys = [(user_id, "profile") for user_id in wanted[start : start + MAX_READ_MANY]]
        found.update({key[0]: item for key, item in store.read_points("users", keys).items()})
    return found


def update_profile(store: Store, user_id: str, changes: dict[str, Any], *, if_match: str) -> Item:
    """Apply ``changes`` to the profile if it is still the version the caller saw."""
    current = profile(store, user_id)
    updated = {**current, **changes}
    return store.replace("users", updated, if_match=if_match)


def credentials(store: Store, user_id: str) -> Item | None:
    try:
        return store.read("users", user_id, "credentials")
    except NotFound:
        return None


def save_credentials(
    store: Store,
    user_id: str,
    fields: dict[str, Any],
    *,
    if_match: str | None,
    effects: Sequence[BatchOperation] = (),
) -> Item:
    """Create the credentials item, or replace it if it is still the version read (``if_match``);
    ``effects`` (a security notice) are stored in the same batch of the user's partition."""
    item = {**fields, "id": "credentials", "userId": user_id}
    if not effects:
        if if_match is None:
            return store.create("users", item)
        return store.replace("users", item, if_match=if_match)
    change = (
        BatchOperation("create", item=item)
        if if_match is None
        else BatchOperation("replace", item=item, if_match=if_match)
    )
    [stored] = commit(store, "users", user_id, [change], effects)
    return cast(Item, stored)
