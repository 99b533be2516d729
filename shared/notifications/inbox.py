"""Each user's notifications: ``users`` [userId] ``notif-<time>-<random>``.

Why it is built this way:

- **Private to the recipient.** Notifications live in the recipient's own partition, and every
  function here reads only the partition of the user it is given; someone else's notification
  id is simply not found there, so marking it read does nothing and reveals nothing.
- **Ids only, no content.** A notification names the case, the item and who acted by id; the
  list resolves them when it is read, through the access rules (``named.py``), so a revoked
  share shows a neutral text and no name or title is ever stored here or in an e-mail.
- **Newest first in one query.** The id starts with a fixed-width UTC time, so ordering by id
  is ordering by time, inside one partition.
- **E-mail is a courtesy.** If the user wants e-mail notices, one generic e-mail with a link
  goes out (SPEC §4: no content). It is a pending effect stored in the same batch as the
  notification (``shared/effects``): the relay queues it and the mail sender sends it later, so
  neither the notification nor the action that caused it ever waits for, or fails with, the
  mail service.
- **They do not pile up forever.** Each one carries a ``ttl``; reading it (a patch) restarts it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, timedelta
from typing import Literal, cast

from shared import config
from shared.effects import commit, email_op
from shared.errors import ConcurrencyConflict, InvalidInput, InvalidLimit, NotFound
from shared.identity import accounts
from shared.identity.tokens import new_id
from shared.notifications.emails import notification_email
from shared.ports import BatchOperation, Item, Page, PatchOperation, Ports, Query, Scalar

__all__ = ["KINDS", "MAX_MARK", "MAX_PAGE", "inbox", "mark_read", "notify", "unread_count"]

#: What a notification can be about: an item shared, a reflection series shared (issue 15),
#: a message (journey 8), an evaluation or feedback shared or corrected (issue 16).
KINDS = frozenset(
    {
        "share",
        "reflections_shared",
        "message",
        "evaluation_shared",
        "evaluation_corrected",
        "feedback_shared",
        "feedback_corrected",
        "break_glass",  # to org admins: someone opened a case by break-glass (issue 23)
        "access_review_due",  # to org admins: the monthly access-review reminder (issue 23)
        "shares_check",  # to a participant: an org admin asks them to check their shares (issue 23)
        "export_ready",  # "download my data": the ZIP is ready (issue 20)
        "support_request",  # to org admins: an operator asks for support access (issue 22)
        "support_approved",  # to the operator: their request was approved (issue 22)
        "support_denied",  # to the operator: their request was denied (issue 22)
        "support_revoked",  # to the operator: their grant was revoked (issue 22)
    }
)
MAX_PAGE = 200
#: Ids accepted by one mark-read call (one request, bounded work).
MAX_MARK = 100
_TTL = timedelta(days=365)
_ID = re.compile(r"notif-\d{8}T\d{12}Z-[0-9a-f]{32}")
_ATTEMPTS = 3
_COUNT_PAGE = 1000


def notify(
    ports: Ports,
    user_id: str,
    kind: str,
    *,
    case_id: str | None,
    item_type: str | None,
    item_id: str | None,
    actor_id: str | None = None,
    email: bool | Literal["always"] = True,
) -> Item:
    """Store a notification for ``user_id`` and, if they want e-mail notices, an e-mail notice
    with it (one batch in the user's partition; the relay sends it). ``actor_id``: who did it,
    named only when the list is read and only if the reader may see it
    (:mod:`shared.notifications.named`). ``email=False``: the caller sends its own, later notice
    (messages: shared.messages.mail). ``email="always"``: a security alert (break-glass, issue
    23): the same content-free notice, whatever the user's e-mail preference."""
    if kind not in KINDS:
        raise InvalidInput("unknown notification kind", field="kind")
    now = ports.clock.now().astimezone(UTC)
    item = {
        "id": f"notif-{now.strftime('%Y%m%dT%H%M%S%fZ')}-{new_id()}",
        "userId": user_id,
        "type": "notification",
        "kind": kind,
        "caseId": case_id,
        "itemType": item_type,
        "itemId": item_id,
        "actorId": actor_id,
        "read": False,
        "at": now.isoformat(),
        "ttl": int(_TTL.total_seconds()),
    }
    notice = _email_notice(ports, user_id, always=email == "always") if email else []
    [stored] = commit(ports.store, "users", user_id, [BatchOperation("create", item=item)], notice)
    return cast(Item, stored)


def inbox(
    ports: Ports, user_id: str, *, unread_only: bool = False, limit: int = 50, continuation: str | None = None
) -> Page:
    """The user's notifications, newest first, a page at a time."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidLimit(f"limit must be between 1 and {MAX_PAGE}", field="limit", maximum=MAX_PAGE)
    equals: dict[str, Scalar] = {"type": "notification"}
    if unread_only:
        equals["read"] = False
    query = Query(equals=equals, order_by="id", descending=True, limit=limit, continuation=continuation)
    return ports.store.query("users", user_id, query)


def mark_read(ports: Ports, user_id: str, notification_ids: Sequence[str]) -> int:
    """Mark the user's own notifications read; returns how many changed. Unknown, foreign or
    already-read ids are skipped, so a retry of the same request is harmless."""
    if isinstance(notification_ids, str) or len(notification_ids) > MAX_MARK:
        raise InvalidInput(f"give a list of at most {MAX_MARK} ids", field="notificationIds")
    changed = 0
    for notification_id in dict.fromkeys(notification_ids):
        if isinstance(notification_id, str) and _ID.fullmatch(notification_id):
            changed += _mark_one(ports, user_id, notification_id)
    return changed


def unread_count(ports: Ports, user_id: str) -> int:
    """One count in the user's partition, whatever the number of notifications."""
    return ports.store.count("users", user_id, Query(equals={"type": "notification", "read": False}))


def _mark_one(ports: Ports, user_id: str, notification_id: str) -> int:
    # ETag-guarded patch: a concurrent change (another tab marking it) makes us re-read, never
    # overwrite blindly.
    for _ in range(_ATTEMPTS):
        try:
            current = ports.store.read("users", user_id, notification_id)
        except NotFound:
            return 0
        if current.get("type") != "notification" or current.get("read") is True:
            return 0
        operations = [
            PatchOperation("set", "/read", True),
            PatchOperation("set", "/readAt", ports.clock.now().astimezone(UTC).isoformat()),
        ]
        try:
            ports.store.patch("users", user_id, notification_id, operations, if_match=current["_etag"])
            return 1
        except NotFound:
            return 0
        except ConcurrencyConflict:
            continue
    raise ConcurrencyConflict("the notification kept changing")


def _email_notice(ports: Ports, user_id: str, *, always: bool = False) -> list[BatchOperation]:
    """The e-mail notice to store with the notification, if the user wants one (or ``always``)."""
    try:
        profile = accounts.profile(ports.store, user_id)
    except NotFound:
        return []
    if (profile.get("emailNotifications") is not True and not always) or not profile.get("email"):
        return []
    link = f"{config.required('CASEDESK_PUBLIC_URL').rstrip('/')}/notifications"
    notice = notification_email(profile["email"], str(profile.get("language", "en")), link)
    return [email_op("users", user_id, notice, ports.clock.now())]
