"""The delayed e-mail notice of new messages (issue 18, docs/decisions/027).

The rule, per recipient and thread: "You have a new message in CaseDesk" with a link — never the
sender, the subject or the text — goes out ``CASEDESK_MESSAGE_EMAIL_DELAY_MINUTES`` (default 10)
after the *first* unread message, and only if

- the thread is still unread for them then (they did not open it meanwhile),
- they are still a member of the thread and an active participant of the case,
- no message e-mail for this thread went to them in the last :data:`QUIET` (30 minutes) —
  else it waits until those are over, and the rule is checked again then,
- their e-mail preference allows it (``emailNotifications``).

:func:`schedule` (called when a recipient's unread count of a thread goes from 0 to 1) stores
``cases`` [caseId] ``message_mail-<threadId>-<userId>`` {dueAt}; the ``message_mail`` timer
(functions/timers.py, every minute) calls :func:`send_due`, which checks the rule for each due
entry and, if it holds, writes the e-mail as a pending effect in the recipient's partition,
together with ``message_mailed-<caseId>-<threadId>`` (when it went: the 30-minute rule), in one
batch; the relay sends it. The entry lives in the case partition, so the purge takes it along.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from shared import config
from shared.effects import commit, email_op
from shared.email_layout import Content, checked_link, email_language, email_text, render_email
from shared.errors import ConcurrencyConflict, NotFound
from shared.identity import accounts
from shared.ports import BatchOperation, Email, Item, Ports

__all__ = [
    "DUE_TYPE",
    "QUIET",
    "TAG",
    "delay",
    "joined_in_time",
    "joined_since",
    "message_email",
    "schedule",
    "send_due",
]

DUE_TYPE = "message_mail"
TAG = "message"
#: At most one message e-mail per recipient and thread in this long.
QUIET = timedelta(minutes=30)
_MAILED_TTL = int(timedelta(days=1).total_seconds())


def joined_in_time(joined: object, participant: Item | None) -> bool:
    """A thread membership counts only if it began in the person's current participation. A
    removal from the case writes no thread (the access check ends every thread at once), so a
    person removed and later invited and active again (a new ``since``) is still named in the
    threads of before: they are no longer a member of those (until a member adds them again)."""
    check = joined_since(participant)
    return check is None or check(joined)


def joined_since(participant: Item | None) -> Callable[[object], bool] | None:
    """:func:`joined_in_time` for one participant and many memberships (the thread list tests
    each of the caller's threads): their ``since`` is read once. None: every membership counts
    (a participant of before ``since`` was recorded)."""
    since = (participant or {}).get("since")
    if since is None:
        return None
    start = datetime.fromisoformat(str(since))
    return lambda joined: joined is None or datetime.fromisoformat(str(joined)) >= start


def delay() -> timedelta:
    return timedelta(minutes=config.int_setting("CASEDESK_MESSAGE_EMAIL_DELAY_MINUTES"))


def message_email(to: str, language: str, link: str) -> Email:
    """The notice: that there is a new message, and a link to sign in. Nothing else."""
    lang = email_language(language)
    content = Content(
        language=lang,
        subject=email_text("message.subject", lang),
        heading=email_text("message.heading", lang),
        before=(email_text("message.intro", lang), email_text("message.signIn", lang)),
        action=(email_text("message.action", lang), checked_link(link)),
        after=(email_text("message.preferences", lang),),
    )
    return render_email(to, TAG, content)


def schedule(ports: Ports, case_id: str, thread_id: str, user_id: str, now: datetime) -> None:
    """The recipient's first unread message of the thread: the notice is due after the delay."""
    ports.store.upsert(
        "cases",
        {
            "id": f"{DUE_TYPE}-{thread_id}-{user_id}",
            "caseId": case_id,
            "type": DUE_TYPE,
            "threadId": thread_id,
            "userId": user_id,
            "dueAt": (now + delay()).astimezone(UTC).isoformat(),
        },
    )


def send_due(ports: Ports) -> int:
    """Send the notices that are due (see the module docstring); returns how many were written.
    Entries not yet due stay; a due entry inside the quiet period waits for its end (the thread
    may still be unread then); every other due entry is removed, sent or not. Idempotent."""
    now = ports.clock.now().astimezone(UTC)
    sent = 0
    for entry in list(ports.store.scan("cases", equals={"type": DUE_TYPE})):
        if datetime.fromisoformat(str(entry["dueAt"])) > now:
            continue
        wanted = _wanted(ports, entry, now)
        if isinstance(wanted, datetime):
            _postpone(ports, entry, wanted)
            continue
        if wanted:
            sent += _send(ports, entry, now)
        with contextlib.suppress(NotFound):
            ports.store.delete("cases", str(entry["caseId"]), str(entry["id"]))
    return sent


def _postpone(ports: Ports, entry: Item, until: datetime) -> None:
    """Due again at ``until``; a message that scheduled the entry anew meanwhile wins."""
    fields = {k: v for k, v in entry.items() if not k.startswith("_")}
    with contextlib.suppress(ConcurrencyConflict, NotFound):
        ports.store.replace("cases", {**fields, "dueAt": until.isoformat()}, if_match=str(entry["_etag"]))


def _wanted(ports: Ports, entry: Item, now: datetime) -> bool | datetime:
    """Whether the notice goes now (True), never (False), or not before a time (the end of the
    quiet period after the last message e-mail of this thread)."""
    case_id, thread_id, user_id = str(entry["caseId"]), str(entry["threadId"]), str(entry["userId"])
    store = ports.store
    found = store.read_many(
        "cases",
        case_id,
        ["case", f"participant-{user_id}", f"message_inbox-{user_id}", f"thread-{thread_id}"],
    )
    case, who, inbox, thread = (
        found.get("case"), found.get(f"participant-{user_id}"),
        found.get(f"message_inbox-{user_id}"), found.get(f"thread-{thread_id}"),
    )  # fmt: skip
    if (
        case is None
        or case.get("status") not in ("open", "closed")
        or who is None
        or who.get("status") != "active"
    ):
        return False
    joined = (thread or {}).get("members", {}).get(user_id)
    if joined is None or not joined_in_time(joined, who):
        return False
    if int(((inbox or {}).get("threads", {}).get(thread_id) or {}).get("unread", 0)) <= 0:
        return False
    try:
        mailed = store.read("users", user_id, f"message_mailed-{case_id}-{thread_id}")
        quiet_until = datetime.fromisoformat(str(mailed["at"])) + QUIET
        if quiet_until > now:
            return quiet_until
    except NotFound:
        pass
    return True


def _send(ports: Ports, entry: Item, now: datetime) -> int:
    case_id, thread_id, user_id = str(entry["caseId"]), str(entry["threadId"]), str(entry["userId"])
    try:
        profile = accounts.profile(ports.store, user_id)
    except NotFound:
        return 0
    if profile.get("emailNotifications") is not True or not profile.get("email"):
        return 0
    link = f"{config.required('CASEDESK_PUBLIC_URL').rstrip('/')}/notifications"
    notice = message_email(str(profile["email"]), str(profile.get("language", "en")), link)
    mailed = {
        "id": f"message_mailed-{case_id}-{thread_id}",
        "userId": user_id,
        "caseId": case_id,
        "type": "message_mailed",
        "threadId": thread_id,
        "at": now.isoformat(),
        "ttl": _MAILED_TTL,
    }
    commit(
        ports.store,
        "users",
        user_id,
        [BatchOperation("upsert", item=mailed)],
        [email_op("users", user_id, notice, now)],
    )
    return 1
