"""Invitations: a one-time link that lets a person onboard (or join an organisation/case).

The token (256 bits) goes only into the e-mail; the store keeps its SHA-256 in the directory
(``invitation-<hash>``), so a leaked database does not hold usable links. An index item in the
inviting organisation's partition lets admins list, resend and revoke without the token. Dead
links (used, revoked, replaced) stay in the directory for a while so that the person who clicks
one is told why it no longer works, then expire by ttl.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from shared import config
from shared.effects import commit
from shared.errors import ConcurrencyConflict, Gone, NotFound
from shared.identity.tokens import new_id, new_token, token_hash
from shared.paging import Paged, Window, store_page
from shared.ports import BatchOperation, Clock, Item, Query, Scalar, Store

__all__ = [
    "Effects",
    "Invitation",
    "InvitationExpired",
    "InvitationRevoked",
    "InvitationUnknown",
    "InvitationUsed",
    "consume",
    "create",
    "list_for_org",
    "open_invitation",
    "page_for_org",
    "resend",
    "revoke",
]

_DEAD_LINK_TTL = 60 * 60 * 24 * 30  # how long a dead link still explains itself

#: Builds the pending effects stored with an invitation (its e-mail, its audit event) from the
#: token (for the link in the e-mail; never stored elsewhere) and the index item.
Effects = Callable[[str, Item], Sequence[BatchOperation]]


class InvitationUnknown(NotFound):
    code = "invitation_unknown"


class InvitationExpired(Gone):
    code = "invitation_expired"


class InvitationUsed(Gone):
    code = "invitation_used"


class InvitationRevoked(Gone):
    code = "invitation_revoked"


Invitation = Item


def create(
    store: Store,
    clock: Clock,
    *,
    org_id: str,
    user_id: str,
    email: str,
    role: str,
    invited_by: str | None,
    case_id: str | None = None,
    effects: Effects | None = None,
) -> tuple[str, Invitation]:
    """Create a pending invitation; returns ``(token, index item)``. The token is shown once.
    With ``case_id`` it invites into that case in ``role``; otherwise into the organisation.
    ``effects`` (its e-mail, its audit event) are stored in the same batch as the index item."""
    invitation_id = new_id()
    now = clock.now()
    expires = now + timedelta(days=config.int_setting("CASEDESK_INVITATION_DAYS"))
    token = new_token()
    index: Item = {
        "id": f"invitation-{invitation_id}",
        "orgId": org_id,
        "type": "invitation",
        "invitationId": invitation_id,
        "tokenHash": token_hash(token),
        "userId": user_id,
        "email": email,
        "role": role,
        "caseId": case_id,
        "status": "pending",
        "invitedBy": invited_by,
        "createdAt": now.isoformat(),
        "expiresAt": expires.isoformat(),
    }
    # The link first: alone it leads nowhere (nobody holds the token before the e-mail, an
    # effect stored with the index below, goes out), so a crash in between leaves no usable link.
    _link(store, token, index)
    [stored] = commit(
        store,
        "orgs",
        org_id,
        [BatchOperation("create", item=index)],
        effects(token, index) if effects else (),
    )
    return token, cast(Item, stored)


def _link(store: Store, token: str, index: Item) -> None:
    key = f"invitation-{token_hash(token)}"
    fields = ("invitationId", "orgId", "userId", "role", "caseId", "expiresAt")
    store.create("directory", {"id": key, "key": key, "status": "pending", **{f: index[f] for f in fields}})


def open_invitation(store: Store, clock: Clock, token: str) -> Item:
    """The pending invitation behind ``token``, or the reason it cannot be used."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise InvitationUnknown("malformed invitation token")
    key = f"invitation-{token_hash(token)}"
    try:
        link = store.read("directory", key, key)
    except NotFound:
        raise InvitationUnknown("unknown invitation token") from None
    status = link["status"]
    if status == "used":
        raise InvitationUsed("invitation already used")
    if status in ("revoked", "replaced"):
        raise InvitationRevoked("invitation revoked or replaced by a newer one")
    if datetime.fromisoformat(link["expiresAt"]) <= clock.now():
        raise InvitationExpired("invitation expired")
    return link


def consume(store: Store, clock: Clock, token: str) -> Item:
    """Mark the invitation used, exactly once: of two concurrent completions one wins (ETag)."""
    link = open_invitation(store, clock, token)
    try:
        store.replace("directory", {**link, "status": "used", "ttl": _DEAD_LINK_TTL}, if_match=link["_etag"])
    except ConcurrencyConflict:
        raise InvitationUsed("invitation already used") from None
    _set_index_status(store, link["orgId"], link["invitationId"], "accepted", clock.now())
    return link


def list_for_org(store: Store, org_id: str) -> list[Item]:
    """Every invitation of the organisation, oldest first (all pages: never cut off)."""
    items: list[Item] = []
    window = Window(limit=500)
    while True:
        page = page_for_org(store, org_id, window)
        items += page.items
        if page.after is None:
            return items
        window = Window(limit=500, after=page.after)


def page_for_org(store: Store, org_id: str, window: Window, *, staff_only: bool = False) -> Paged[Item]:
    """One page of the organisation's invitations, oldest first (then by id); ``staff_only``:
    only those into the organisation itself, not the case invitations (``caseId`` is null)."""
    equals: dict[str, Scalar] = {"type": "invitation"}
    if staff_only:
        equals["caseId"] = None
    return store_page(store, "orgs", org_id, Query(equals=equals, order_by="createdAt"), window)


def resend(
    store: Store, clock: Clock, org_id: str, invitation_id: str, *, effects: Effects | None = None
) -> tuple[str, Invitation]:
    """A new link with a new expiry; the old link dies at once. ``effects`` as for :func:`create`."""
    index = _pending_index(store, org_id, invitation_id)
    _kill_link(store, index["tokenHash"], "replaced")
    token = new_token()
    expires = clock.now() + timedelta(days=config.int_setting("CASEDESK_INVITATION_DAYS"))
    updated = {
        **index,
        "tokenHash": token_hash(token),
        "expiresAt": expires.isoformat(),
        "resentAt": clock.now().isoformat(),
    }
    _link(store, token, updated)  # before the index and its e-mail, as in create()
    [stored] = commit(
        store,
        "orgs",
        org_id,
        [BatchOperation("replace", item=updated, if_match=index["_etag"])],
        effects(token, updated) if effects else (),
    )
    return token, cast(Item, stored)


def revoke(
    store: Store, clock: Clock, org_id: str, invitation_id: str, *, effects: Sequence[BatchOperation] = ()
) -> Invitation:
    """End a pending invitation; ``effects`` (its audit event) go in the batch of the index item."""
    index = _pending_index(store, org_id, invitation_id)
    _kill_link(store, index["tokenHash"], "revoked")
    return _set_index_status(store, org_id, invitation_id, "revoked", clock.now(), effects=effects)


def _pending_index(store: Store, org_id: str, invitation_id: str) -> Item:
    index = store.read("orgs", org_id, f"invitation-{invitation_id}")
    if index["status"] != "pending":
        raise InvitationUsed("only a pending invitation can be changed")
    return index


def _kill_link(store: Store, hashed: str, status: str) -> None:
    key = f"invitation-{hashed}"
    try:
        link = store.read("directory", key, key)
    except NotFound:
        return
    store.replace("directory", {**link, "status": status, "ttl": _DEAD_LINK_TTL}, if_match=link["_etag"])


def _set_index_status(
    store: Store,
    org_id: str,
    invitation_id: str,
    status: str,
    when: datetime,
    *,
    effects: Sequence[BatchOperation] = (),
) -> Item:
    index = store.read("orgs", org_id, f"invitation-{invitation_id}")
    changes: dict[str, Any] = {"status": status, f"{status}At": when.isoformat()}
    change = BatchOperation("replace", item={**index, **changes}, if_match=index["_etag"])
    [stored] = commit(store, "orgs", org_id, [change], effects)
    return cast(Item, stored)
