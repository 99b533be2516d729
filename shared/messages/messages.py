"""Messaging between the participants of a case (SPEC journeys 8, 9; docs/decisions/027).

Everything lives in the case's partition (``cases`` [caseId]), so the retention purge's sweep
of the partition takes it with the case, and the crypto-shredding of the case key makes every
sealed text unreadable first:

- ``thread-<threadId>`` — ``members`` {userId: joinedAt}, ``former`` {userId: leftAt}, the
  subject sealed with the case key (optional), ``lastAt``;
- ``message-<threadId>-<messageId>`` — ``senderId``, ``textSealed`` (sealed with the case key),
  ``attachment`` (a document id of the sender, or ``None``), ``deletedAt``. Append-only: the one
  change is the sender's deletion within :data:`DELETE_WINDOW`, which destroys the text;
- ``message_inbox-<userId>`` — one per member of any thread of the case: ``threads``
  {threadId: {unread, lastAt, joinedAt}}. It is what makes the thread list and the unread
  counts one point read whatever the number of messages or threads, and its ETag is the list's
  ``ETag`` (a poll answered 304 costs the session, the access check and this one read). A new
  message increments each recipient's counter with an unconditional ``incr`` patch, applied by
  the store (Cosmos server-side), so concurrent senders never lose an increment;
- ``message_mail-<threadId>-<userId>`` — the delayed e-mail notice (:mod:`shared.messages.mail`).

Reading one's own thread is what an addressee does: not audited (SPEC §15). Sends, deletions and
membership changes are audited in the same batch as the change. Org admins and support never
reach a thread: the routes grant only active participants, and a thread only its members.
"""

from __future__ import annotations

import contextlib
import heapq
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

from shared import config
from shared.access.caller import Caller
from shared.access.items import ID, grant_counts, grant_id
from shared.cases.participants import deletable_case, open_case
from shared.effects import case_audit_op, commit_item
from shared.errors import (
    AlreadyExists,
    ConcurrencyConflict,
    Conflict,
    InvalidInput,
    NotFound,
    TooManyRequests,
)
from shared.identity.tokens import sortable_id
from shared.items import kernel
from shared.messages import mail
from shared.notifications.inbox import notify
from shared.paging import Paged, Window, text_position
from shared.ports import MAX_READ_MANY, BatchOperation, Item, PatchOperation, Ports, Query
from shared.sharing import share

__all__ = [
    "DELETE_WINDOW",
    "MAX_MEMBERS",
    "MAX_SUBJECT",
    "MAX_TEXT",
    "DeleteWindowOver",
    "MessageRateLimited",
    "NotAThreadMember",
    "add_member",
    "caller_inbox",
    "delete_message",
    "export_owned",
    "leave",
    "list_etag",
    "mark_read",
    "messages_page",
    "purge_case",
    "send",
    "start_thread",
    "thread_state",
    "threads_page",
    "validate_text",
]

MAX_TEXT = 10_000
MAX_SUBJECT = 200
#: Members a thread may have at once (a case has a handful of participants).
MAX_MEMBERS = 50
#: The sender may delete their own message this long after sending it.
DELETE_WINDOW = timedelta(minutes=15)
_ALLOWED_CONTROLS = {"\n", "\t"}
_ATTEMPTS = 5
_RATE_TTL = 120


class NotAThreadMember(InvalidInput):
    """A member named for a thread who is not (or no longer) an active participant of the case."""

    code = "not_a_thread_member"


class DeleteWindowOver(Conflict):
    """A message can be deleted by its sender only within 15 minutes of sending it."""

    code = "message_delete_window_over"


class MessageRateLimited(TooManyRequests):
    """Too many messages in a minute (429 with ``Retry-After``)."""

    code = "message_rate_limited"

    def __init__(self, message: str = "", *, retry_after: int, **params: Any) -> None:
        super().__init__(message, retry_after=retry_after, **params)
        self.retry_after = retry_after


# -- validation ------------------------------------------------------------------------------------
def _clean(text: str, field: str, maximum: int, *, what: str) -> str:
    cleaned = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not cleaned.strip() or len(cleaned) > maximum:
        raise InvalidInput(f"{what} has 1 to {maximum} characters", field=field, max=maximum)
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in _ALLOWED_CONTROLS for c in cleaned):
        raise InvalidInput(f"{what} must not contain control characters", field=field)
    return cleaned


def validate_text(text: str) -> str:
    """NFC, line endings as ``\\n``, no control characters but newline and tab, 1–10,000 chars."""
    return _clean(text, "text", MAX_TEXT, what="a message")


def _validate_subject(subject: str | None) -> str | None:
    if subject is None or not subject.strip():
        return None
    cleaned = _clean(subject, "subject", MAX_SUBJECT, what="a subject").strip()
    if "\n" in cleaned or "\t" in cleaned:
        raise InvalidInput("a subject is one line", field="subject")
    return cleaned


def _valid_id(value: str, field: str) -> str:
    if not isinstance(value, str) or not ID.fullmatch(value):
        raise NotFound("no such thread") if field == "threadId" else InvalidInput("not an id", field=field)
    return value


# -- reading what is there -----------------------------------------------------------------------------
def _active_participants(ports: Ports, case_id: str) -> dict[str, Item]:
    """userId → participant item of the case's active participants (one query: a case has a
    handful). A participant whose account was deleted (``former``, shared/export/deletion.py) is
    not one."""
    found: dict[str, Item] = {}
    continuation: str | None = None
    while True:
        page = ports.store.query(
            "cases", case_id, Query(equals={"type": "participant"}, limit=500, continuation=continuation)
        )
        found.update(
            {str(p["userId"]): p for p in page.items if p.get("status") == "active" and not p.get("former")}
        )
        continuation = page.continuation
        if continuation is None:
            return found


def _current(thread: Item, user_id: str, active: dict[str, Item]) -> bool:
    """``user_id`` is a member of the thread now: named in it, and — if an active participant —
    since their current participation began (:func:`mail.joined_in_time`)."""
    joined = thread.get("members", {}).get(user_id)
    return joined is not None and (user_id not in active or mail.joined_in_time(joined, active[user_id]))


def _thread(
    ports: Ports, caller: Caller, case_id: str, thread_id: str, *, participation: bool = True
) -> Item:
    """The thread if the caller is a member of it, else ``NotFound`` (it does not exist for them).
    The thread and the caller's participation are one ``read_many``; ``participation=False``
    (the polled ETag: a point read, it shows nothing) reads the thread alone."""
    _valid_id(thread_id, "threadId")
    key = f"thread-{thread_id}"
    if participation:
        found = ports.store.read_many("cases", case_id, [key, f"participant-{caller.actor}"])
        thread, mine = found.get(key), found.get(f"participant-{caller.actor}")
    else:
        mine = None
        try:
            thread = ports.store.read("cases", case_id, key)
        except NotFound:
            thread = None
    if thread is None or thread.get("type") != "thread" or caller.actor not in thread.get("members", {}):
        raise NotFound("no such thread")
    if participation and not mail.joined_in_time(thread["members"][caller.actor], mine):
        raise NotFound("no such thread")
    return thread


def _inbox(ports: Ports, case_id: str, user_id: str) -> Item | None:
    try:
        return ports.store.read("cases", case_id, f"message_inbox-{user_id}")
    except NotFound:
        return None


def _join_inbox(ports: Ports, case_id: str, user_id: str, thread_id: str, entry: dict[str, Any]) -> None:
    """Put the thread into the user's inbox (made on first use)."""
    key = f"message_inbox-{user_id}"
    for _ in range(_ATTEMPTS):
        try:
            ports.store.patch("cases", case_id, key, [PatchOperation("set", f"/threads/{thread_id}", entry)])
            return
        except NotFound:
            item = {"id": key, "caseId": case_id, "type": "message_inbox", "userId": user_id, "threads": {}}
            item["threads"] = {thread_id: entry}
            try:
                ports.store.create("cases", item)
                return
            except AlreadyExists:  # made meanwhile: patch it
                continue
    raise ConcurrencyConflict("the inbox kept changing")


def _leave_inbox(ports: Ports, case_id: str, user_id: str, thread_id: str) -> None:
    with contextlib.suppress(NotFound, InvalidInput):  # not there: nothing to remove
        ports.store.patch(
            "cases", case_id, f"message_inbox-{user_id}", [PatchOperation("remove", f"/threads/{thread_id}")]
        )


def _audit(
    caller: Caller, action: str, case: Item, *, target_type: str, target_id: str, now: datetime
) -> BatchOperation:
    return case_audit_op(
        caller,
        action,
        case_id=str(case["caseId"]),
        target_type=target_type,
        target_id=target_id,
        org_id=case.get("orgId"),
        now=now,
    )


def _check_rate(ports: Ports, user_id: str) -> None:
    """At most ``CASEDESK_MESSAGE_RATE_PER_MINUTE`` messages per user and minute: an
    unconditional increment of the minute's counter (cannot lose a count), refused past it."""
    limit = config.int_setting("CASEDESK_MESSAGE_RATE_PER_MINUTE")
    now = ports.clock.now().astimezone(UTC)
    key = f"message_rate-{now.strftime('%Y%m%d%H%M')}"
    count = 0
    for _ in range(_ATTEMPTS):
        try:
            count = int(
                ports.store.patch("users", user_id, key, [PatchOperation("incr", "/count", 1)])["count"]
            )
            break
        except NotFound:
            item = {"id": key, "userId": user_id, "type": "message_rate", "count": 1, "ttl": _RATE_TTL}
            try:
                ports.store.create("users", item)
                count = 1
                break
            except AlreadyExists:
                continue
    if count > limit:
        raise MessageRateLimited("too many messages; wait a moment", retry_after=max(1, 60 - now.second))


# -- views ---------------------------------------------------------------------------------------------
def _subject(ports: Ports, thread: Item) -> str | None:
    if not thread.get("subjectSealed"):
        return None
    return kernel.open_field(ports, thread, "subject")


def _members(thread: Item, active: dict[str, Item]) -> list[dict[str, Any]]:
    """The members, oldest first; one no longer in the case is a former participant; one who is in
    the case again since after they joined is no member any more (left out)."""
    members = [
        {
            "userId": uid,
            "role": (active.get(uid) or {}).get("role"),
            "former": uid not in active,
            "joinedAt": at,
        }
        for uid, at in sorted(thread.get("members", {}).items(), key=lambda kv: (kv[1], kv[0]))
        if _current(thread, uid, active)
    ]
    return members


def _thread_view(
    ports: Ports, thread: Item, entry: dict[str, Any] | None, active: dict[str, Item], viewer: str
) -> dict[str, Any]:
    return {
        "id": thread["threadId"],
        "caseId": thread["caseId"],
        "subject": _subject(ports, thread),
        "createdBy": thread["createdBy"],
        "members": _members(thread, active),
        "unread": int((entry or {}).get("unread", 0)),
        "lastAt": (entry or {}).get("lastAt") or thread.get("lastAt"),
        "createdAt": thread["createdAt"],
        "readOnly": False,
        "etag": thread["_etag"],
    }


def _message_view(
    ports: Ports, item: Item, viewer: str, attachments: dict[str, dict[str, Any] | None], now: datetime
) -> dict[str, Any]:
    deleted = item.get("deletedAt") is not None
    sent = datetime.fromisoformat(item["createdAt"])
    mine = item["senderId"] == viewer
    attachment = None
    if item.get("attachment") and not deleted:
        attachment = attachments.get(str(item["attachment"])) or {
            "docId": item["attachment"],
            "available": False,
        }
    return {
        "id": item["messageId"],
        "threadId": item["threadId"],
        "senderId": item["senderId"],
        "mine": mine,
        "text": None if deleted else kernel.open_field(ports, item, "text"),
        "deleted": deleted,
        "attachment": attachment,
        "createdAt": item["createdAt"],
        "deletableUntil": (sent + DELETE_WINDOW).isoformat() if mine and not deleted else None,
        "canDelete": mine and not deleted and now < sent + DELETE_WINDOW,
    }


def _attachments(
    ports: Ports, case_id: str, items: list[Item], viewer: str
) -> dict[str, dict[str, Any] | None]:
    """docId → what the viewer may see of the attached document: its title if they own it or a
    grant lets them see it now, else ``None`` ("attachment not available"). One ``read_many`` of
    the documents and one of the viewer's grants per page, whatever the page holds."""
    doc_ids = sorted({str(i["attachment"]) for i in items if i.get("attachment") and not i.get("deletedAt")})
    if not doc_ids:
        return {}
    docs: dict[str, Item] = {}
    grants: dict[str, Item] = {}
    now = ports.clock.now()
    for start in range(0, len(doc_ids), MAX_READ_MANY):
        chunk = doc_ids[start : start + MAX_READ_MANY]
        docs.update(ports.store.read_many("cases", case_id, [f"doc-{d}" for d in chunk]))
        grants.update(ports.store.read_many("cases", case_id, [grant_id("doc", d, viewer) for d in chunk]))
    result: dict[str, dict[str, Any] | None] = {}
    for doc_id in doc_ids:
        doc = docs.get(f"doc-{doc_id}")
        grant = grants.get(grant_id("doc", doc_id, viewer))
        visible = doc is not None and (
            doc.get("ownerId") == viewer
            or (grant is not None and grant.get("ownerId") == doc.get("ownerId") and grant_counts(grant, now))
        )
        if doc is not None and visible:
            result[doc_id] = {
                "docId": doc_id,
                "available": True,
                "title": kernel.open_field(ports, doc, "title"),
            }
        else:
            result[doc_id] = None
    return result


# -- threads --------------------------------------------------------------------------------------------
def start_thread(
    ports: Ports, caller: Caller, case_id: str, *, member_ids: list[str], subject: str | None, text: str
) -> dict[str, Any]:
    """A new thread of the caller with ``member_ids`` (other active participants of the case),
    opened with its first message."""
    clean_subject = _validate_subject(subject)
    validate_text(text)
    case = open_case(ports, case_id, caller)
    wanted = list(dict.fromkeys(member_ids))
    if not wanted or len(wanted) >= MAX_MEMBERS:
        raise NotAThreadMember(f"name 1 to {MAX_MEMBERS - 1} other participants", field="memberIds")
    active = _active_participants(ports, case_id)
    if caller.actor not in active:
        raise NotFound("no such case")
    for uid in wanted:
        if not isinstance(uid, str) or uid == caller.actor or uid not in active:
            raise NotAThreadMember("members must be other active participants of the case", field="memberIds")
    _check_rate(ports, caller.actor)
    now = ports.clock.now()
    thread_id = sortable_id(now)
    at = now.isoformat()
    thread: Item = {
        "id": f"thread-{thread_id}",
        "caseId": case_id,
        "type": "thread",
        "threadId": thread_id,
        "createdBy": caller.actor,
        "members": {uid: at for uid in [caller.actor, *wanted]},
        "former": {},
        "subjectSealed": None,
        "createdAt": at,
        "lastAt": at,
        "updatedAt": at,
    }
    if clean_subject is not None:
        thread["subjectSealed"] = kernel.seal_field(ports, case_id, thread["id"], "subject", clean_subject)
    audit = _audit(caller, "thread:create", case, target_type="thread", target_id=thread_id, now=now)
    stored = commit_item(ports.store, "cases", case_id, BatchOperation("create", item=thread), [audit])
    for uid in [caller.actor, *wanted]:
        _join_inbox(ports, case_id, uid, thread_id, {"unread": 0, "lastAt": at, "joinedAt": at})
    send(ports, caller, case_id, thread_id, text=text, attachment=None, _rate_checked=True, _case=case)
    stored = ports.store.read("cases", case_id, stored["id"])
    inbox = _inbox(ports, case_id, caller.actor)
    return _thread_view(ports, stored, (inbox or {}).get("threads", {}).get(thread_id), active, caller.actor)


def caller_inbox(ports: Ports, caller: Caller, case_id: str) -> Item | None:
    """The caller's inbox in the case (one point read; None before their first thread): what
    :func:`threads_page` and :func:`list_etag` are made from."""
    return _inbox(ports, case_id, caller.actor)


def threads_page(
    ports: Ports, caller: Caller, case_id: str, window: Window, *, inbox: Item | None
) -> tuple[dict[str, Any], str]:
    """The caller's threads in the case, newest activity first, with their unread counts and the
    total; and the list's ETag. From the caller's ``inbox`` (:func:`caller_inbox`), one
    ``read_many`` of the page's threads and one query of the case's participants — whatever the
    number of messages or threads. The position is ``"<lastAt>|<threadId>"`` of the last
    thread given."""
    after = text_position(window)
    active = _active_participants(ports, case_id)
    entries: dict[str, Any] = (inbox or {}).get("threads", {})
    joined_in_time = mail.joined_since(active.get(caller.actor))
    if joined_in_time is not None:  # entries from before the current participation are gone
        entries = {t: e for t, e in entries.items() if joined_in_time(e.get("joinedAt"))}
    total = sum([int(e.get("unread", 0)) for e in entries.values()])
    positions = [(str(e.get("lastAt", "")), t) for t, e in entries.items()]
    if after is not None:
        last_at, _, last_id = after.partition("|")
        positions = [p for p in positions if p < (last_at, last_id)]
    ordered = heapq.nlargest(window.limit + 1, positions)  # newest first; (lastAt, id) is unique
    page = ordered[: window.limit]
    more = len(ordered) > window.limit
    threads: dict[str, Item] = {}
    for start in range(0, len(page), MAX_READ_MANY):
        ids = [f"thread-{t}" for _, t in page[start : start + MAX_READ_MANY]]
        threads.update(ports.store.read_many("cases", case_id, ids))
    read_only = (caller.case(case_id) or {}).get("status", "open") != "open"
    views = []
    for _, thread_id in page:
        thread = threads.get(f"thread-{thread_id}")
        if thread is None or not _current(thread, caller.actor, active):
            continue
        view = _thread_view(ports, thread, entries[thread_id], active, caller.actor)
        view["readOnly"] = read_only
        views.append(view)
    position = "|".join(page[-1]) if more and page else None
    return {"threads": views, "unreadTotal": total, "after": position}, list_etag(inbox)


def list_etag(inbox: Item | None) -> str:
    """The thread list's ETag: the inbox's (a poll answered 304 costs its one point read)."""
    return str((inbox or {}).get("_etag", '"empty"'))


def thread_etag(ports: Ports, caller: Caller, case_id: str, thread_id: str) -> str:
    """The thread's ETag (it changes with every message, deletion and membership change)."""
    return str(_thread(ports, caller, case_id, thread_id, participation=False)["_etag"])


def thread_state(ports: Ports, caller: Caller, case_id: str, thread_id: str) -> dict[str, Any]:
    """The thread as its member sees it (not audited: a member is an addressee, SPEC §15)."""
    thread = _thread(ports, caller, case_id, thread_id)
    inbox = _inbox(ports, case_id, caller.actor)
    view = _thread_view(
        ports, thread, (inbox or {}).get("threads", {}).get(thread_id), _active_participants(ports, case_id),
        caller.actor,
    )  # fmt: skip
    view["readOnly"] = (caller.case(case_id) or {}).get("status", "open") != "open"
    return view


def messages_page(
    ports: Ports, caller: Caller, case_id: str, thread_id: str, window: Window
) -> Paged[dict[str, Any]]:
    """One page of the thread's messages, newest first — only those since the caller joined.
    The first page marks the thread read for the caller (opening a thread reads it)."""
    thread = _thread(ports, caller, case_id, thread_id)
    joined = datetime.fromisoformat(thread["members"][caller.actor])
    prefix = f"message-{thread_id}-"
    start = prefix + sortable_id(joined)[:12]
    after = text_position(window)
    if after is not None and not after.startswith(prefix):
        raise InvalidInput("the continuation token is not valid", field="continuation")
    query = Query(
        equals={"type": "message", "threadId": thread_id},
        range_field="id",
        gte=start,
        lt=after if after is not None else prefix + "~",
        order_by="id",
        descending=True,
        limit=window.limit,
    )
    page = ports.store.query("cases", case_id, query)
    items = page.items
    more = page.continuation is not None
    if after is None:
        mark_read(ports, caller, case_id, thread_id)
    now = ports.clock.now()
    attachments = _attachments(ports, case_id, items, caller.actor)
    views = [_message_view(ports, i, caller.actor, attachments, now) for i in items]
    return Paged(views, str(items[-1]["id"]) if more and items else None)


def mark_read(ports: Ports, caller: Caller, case_id: str, thread_id: str) -> None:
    """Set the caller's unread count of the thread to 0 (a write only if it was not 0) and mark
    their in-app notices of it read."""
    inbox = _inbox(ports, case_id, caller.actor)
    entry = (inbox or {}).get("threads", {}).get(thread_id)
    if not entry or not entry.get("unread"):
        return
    with contextlib.suppress(NotFound, InvalidInput):
        ports.store.patch(
            "cases",
            case_id,
            f"message_inbox-{caller.actor}",
            [PatchOperation("set", f"/threads/{thread_id}/unread", 0)],
        )
    notices = ports.store.query(
        "users",
        caller.actor,
        Query(
            equals={"type": "notification", "kind": "message", "itemId": thread_id, "read": False}, limit=20
        ),
    )
    at = ports.clock.now().astimezone(UTC).isoformat()
    for notice in notices.items:
        with contextlib.suppress(NotFound):
            ports.store.patch(
                "users", caller.actor, str(notice["id"]),
                [PatchOperation("set", "/read", True), PatchOperation("set", "/readAt", at)],
            )  # fmt: skip


# -- messages -------------------------------------------------------------------------------------------
def send(
    ports: Ports,
    caller: Caller,
    case_id: str,
    thread_id: str,
    *,
    text: str,
    attachment: str | None,
    _rate_checked: bool = False,
    _case: Item | None = None,
) -> dict[str, Any]:
    """Append a message to the thread (members of an open case only). An attachment is one of the
    sender's own documents: it is shared with every other member who cannot see it yet."""
    clean = validate_text(text)
    case = _case or open_case(ports, case_id, caller)
    thread = _thread(ports, caller, case_id, thread_id)
    doc: Item | None = None
    if attachment is not None:
        if not isinstance(attachment, str) or not ID.fullmatch(attachment):
            raise InvalidInput("not a document id", field="attachment")
        try:
            doc = ports.store.read("cases", case_id, f"doc-{attachment}")
        except NotFound:
            doc = None
        if doc is None or doc.get("type") != "doc" or doc.get("ownerId") != caller.actor:
            raise InvalidInput("attach one of your own documents of this case", field="attachment")
    if not _rate_checked:
        _check_rate(ports, caller.actor)
    active = _active_participants(ports, case_id)
    now = ports.clock.now()
    message_id = sortable_id(now)
    item_id = f"message-{thread_id}-{message_id}"
    message: Item = {
        "id": item_id,
        "caseId": case_id,
        "type": "message",
        "threadId": thread_id,
        "messageId": message_id,
        "senderId": caller.actor,
        "textSealed": kernel.seal_field(ports, case_id, item_id, "text", clean),
        "attachment": attachment,
        "createdAt": now.isoformat(),
        "deletedAt": None,
    }
    audit = _audit(
        caller, "message:send", case, target_type="message", target_id=f"{thread_id}-{message_id}", now=now
    )
    stored = commit_item(ports.store, "cases", case_id, BatchOperation("create", item=message), [audit])
    at = now.isoformat()
    with contextlib.suppress(NotFound):  # the thread's ETag changes: pollers see the new message
        ports.store.patch("cases", case_id, thread["id"], [PatchOperation("set", "/lastAt", at)])
    recipients = [
        uid
        for uid in thread.get("members", {})
        if uid != caller.actor and uid in active and _current(thread, uid, active)
    ]
    with contextlib.suppress(NotFound, InvalidInput):
        ports.store.patch(
            "cases",
            case_id,
            f"message_inbox-{caller.actor}",
            [PatchOperation("set", f"/threads/{thread_id}/lastAt", at)],
        )
    for uid in recipients:
        _deliver(ports, case_id, thread_id, uid, now, sender_id=caller.actor)
    if doc is not None and recipients:
        _share_attachment(ports, caller, case_id, str(attachment), recipients)
    return _message_view(
        ports, stored, caller.actor, _attachments(ports, case_id, [stored], caller.actor), now
    )


def _deliver(
    ports: Ports, case_id: str, thread_id: str, user_id: str, now: datetime, *, sender_id: str
) -> None:
    """One more unread message for ``user_id``; the first unread one of a spell brings the in-app
    notice (one per thread until it is read) and schedules the e-mail notice."""
    ops = [
        PatchOperation("incr", f"/threads/{thread_id}/unread", 1),
        PatchOperation("set", f"/threads/{thread_id}/lastAt", now.isoformat()),
    ]
    try:
        patched = ports.store.patch("cases", case_id, f"message_inbox-{user_id}", ops)
    except (NotFound, InvalidInput):  # left the thread meanwhile
        return
    if int(patched["threads"][thread_id]["unread"]) == 1:
        notify(ports, user_id, "message", case_id=case_id, item_type="thread", item_id=thread_id,
               actor_id=sender_id, email=False)  # fmt: skip
        mail.schedule(ports, case_id, thread_id, user_id, now)


def _share_attachment(ports: Ports, caller: Caller, case_id: str, doc_id: str, recipients: list[str]) -> None:
    """Share the document with each recipient who holds no live grant on it yet (a grant the
    owner gave with an expiry stays as it is: the owner decides)."""
    existing = ports.store.read_many("cases", case_id, [grant_id("doc", doc_id, uid) for uid in recipients])
    now = ports.clock.now()
    for uid in recipients:
        grant = existing.get(grant_id("doc", doc_id, uid))
        if grant is None or not grant_counts(grant, now):
            share(ports, caller, case_id, "doc", doc_id, grantee_id=uid, expires_at=None)


def delete_message(
    ports: Ports, caller: Caller, case_id: str, thread_id: str, message_id: str
) -> dict[str, Any]:
    """The sender deletes their message within :data:`DELETE_WINDOW`: the text is destroyed, the
    message shows as deleted (not under legal hold: that keeps the case's data as it is). Audited
    in the same batch."""
    case = deletable_case(ports, case_id, caller)
    thread = _thread(ports, caller, case_id, thread_id)
    if not isinstance(message_id, str) or not ID.fullmatch(message_id):
        raise NotFound("no such message")
    try:
        item = ports.store.read("cases", case_id, f"message-{thread_id}-{message_id}")
    except NotFound:
        raise NotFound("no such message") from None
    if item.get("senderId") != caller.actor:
        raise NotFound("no such message")  # someone else's message cannot be deleted: it is not "yours"
    if item.get("deletedAt") is not None:
        return _message_view(ports, item, caller.actor, {}, ports.clock.now())
    now = ports.clock.now()
    if now >= datetime.fromisoformat(item["createdAt"]) + DELETE_WINDOW:
        raise DeleteWindowOver("a message can be deleted only within 15 minutes", field="messageId")
    changed = {**item, "textSealed": None, "attachment": None, "deletedAt": now.isoformat()}
    audit = _audit(
        caller, "message:delete", case, target_type="message", target_id=f"{thread_id}-{message_id}", now=now
    )
    stored = commit_item(
        ports.store,
        "cases",
        case_id,
        BatchOperation("replace", item=changed, if_match=item["_etag"]),
        [audit],
    )
    with contextlib.suppress(NotFound):
        ports.store.patch(
            "cases", case_id, thread["id"], [PatchOperation("set", "/updatedAt", now.isoformat())]
        )
    return _message_view(ports, stored, caller.actor, {}, now)


# -- membership ----------------------------------------------------------------------------------------
def _change_thread(
    ports: Ports, caller: Caller, case: Item, thread_id: str, *, action: str, change: Any
) -> Item:
    """Apply ``change(thread) -> thread`` with the thread's ETag (retried on a concurrent change),
    audited ``action`` in the same batch."""
    case_id = str(case["caseId"])
    for _ in range(_ATTEMPTS):
        thread = _thread(ports, caller, case_id, thread_id)
        changed = change(thread)
        now = ports.clock.now()
        changed["updatedAt"] = now.isoformat()
        audit = _audit(caller, action, case, target_type="thread", target_id=thread_id, now=now)
        step = BatchOperation("replace", item=changed, if_match=thread["_etag"])
        try:
            return commit_item(ports.store, "cases", case_id, step, [audit])
        except ConcurrencyConflict:
            continue
    raise ConcurrencyConflict("the thread kept changing")


def add_member(ports: Ports, caller: Caller, case_id: str, thread_id: str, user_id: str) -> dict[str, Any]:
    """Any member adds another active participant; they see messages from now on."""
    case = open_case(ports, case_id, caller)
    _thread(ports, caller, case_id, thread_id)  # a thread one is not in (or of another case): 404 first
    active = _active_participants(ports, case_id)
    if not isinstance(user_id, str) or user_id not in active:
        raise NotAThreadMember("members must be active participants of the case", field="userId")
    at = ports.clock.now().isoformat()

    def join(thread: Item) -> Item:
        if user_id in thread["members"] and _current(thread, user_id, active):
            raise AlreadyThreadMember("already a member of the thread", field="userId")
        if len(thread["members"]) >= MAX_MEMBERS:
            raise NotAThreadMember(f"a thread has at most {MAX_MEMBERS} members", field="userId")
        former = {k: v for k, v in thread.get("former", {}).items() if k != user_id}
        return {**thread, "members": {**thread["members"], user_id: at}, "former": former}

    stored = _change_thread(ports, caller, case, thread_id, action="thread:add_member", change=join)
    _join_inbox(ports, case_id, user_id, thread_id, {"unread": 0, "lastAt": at, "joinedAt": at})
    return thread_state(ports, caller, case_id, str(stored["threadId"]))


class AlreadyThreadMember(InvalidInput):
    code = "already_thread_member"


def leave(ports: Ports, caller: Caller, case_id: str, thread_id: str) -> None:
    """The caller leaves the thread: it is gone for them. Shares they gave stay (their own
    sharing overview shows them)."""
    case = open_case(ports, case_id, caller)
    at = ports.clock.now().isoformat()

    def drop(thread: Item) -> Item:
        members = {k: v for k, v in thread["members"].items() if k != caller.actor}
        return {**thread, "members": members, "former": {**thread.get("former", {}), caller.actor: at}}

    _change_thread(ports, caller, case, thread_id, action="thread:leave", change=drop)
    _leave_inbox(ports, case_id, caller.actor, thread_id)
    with contextlib.suppress(NotFound):
        ports.store.delete("cases", case_id, f"message_mail-{thread_id}-{caller.actor}")


# -- retention and export ----------------------------------------------------------------------------------
_TYPES = ("thread", "message", "message_inbox", "message_mail")


def purge_case(ports: Ports, case_id: str) -> int:
    """Every thread, message, inbox and scheduled notice of the case, gone (the retention purge;
    idempotent). The purge's sweep of the partition would take them too; this is explicit."""
    deleted = 0
    for kind in _TYPES:
        while True:
            page = ports.store.query("cases", case_id, Query(equals={"type": kind}, limit=100))
            if not page.items:
                break
            for item in page.items:
                with contextlib.suppress(NotFound):
                    ports.store.delete("cases", case_id, str(item["id"]))
                    deleted += 1
    return deleted


def export_owned(ports: Ports, case_id: str, user_id: str) -> list[dict[str, Any]]:
    """The messages ``user_id`` sent in the case, decrypted ("download my data"); deleted ones
    hold no text."""
    found: list[dict[str, Any]] = []
    continuation: str | None = None
    while True:
        page = ports.store.query(
            "cases",
            case_id,
            Query(equals={"type": "message", "senderId": user_id}, limit=500, continuation=continuation),
        )
        for item in page.items:
            found.append(
                {
                    "threadId": item["threadId"],
                    "id": item["messageId"],
                    "createdAt": item["createdAt"],
                    "deleted": item.get("deletedAt") is not None,
                    "text": None if item.get("deletedAt") else kernel.open_field(ports, item, "text"),
                    "attachment": item.get("attachment"),
                }
            )
        continuation = page.continuation
        if continuation is None:
            return found
