"""The notice before the purge: every active participant gets an in-app notification and a
content-free e-mail with a link to download their data, ``CASEDESK_NOTICE_DAYS`` before.

* **Sent once, resumable.** The index entry records the moment first (``noticeSentAt``); the
  notification ids derive from that moment, the case, its closure and the person, and each is
  created with its e-mail in one batch of the person's partition — a rerun after a crash gets
  ``AlreadyExists`` for what went out already and sends the rest. ``noticeDone`` then ends it.
* **Whatever the e-mail preference.** This is a notice about the person's data, not a courtesy;
  the e-mail still names no case, organisation or person (SPEC §5): only that data they can
  see on CaseDesk will be deleted, with a link.
* **Cancelled by a reopen or a legal hold** (``shared/retention/schedule.sync`` leaves a marker):
  the next run withdraws the notifications; a later closure or a lifted hold sends a new notice.
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import UTC, datetime

from shared import config
from shared.effects import commit, email_op
from shared.email_layout import Content, checked_link, email_language, email_text, render_email
from shared.errors import AlreadyExists, NotFound
from shared.identity import accounts
from shared.ports import BatchOperation, Email, PatchOperation, Ports, Query
from shared.retention.schedule import CANCEL_PARTITION, CANCEL_TYPE, INDEX_CONTAINER, Scheduled, notice_days

__all__ = ["KIND", "TAG", "notice_email", "send_notice", "withdraw_cancelled"]

KIND = "retention_notice"
TAG = "retention-notice"
_TTL_SECONDS = 365 * 24 * 3600


def notice_email(to: str, language: str, link: str) -> Email:
    lang = email_language(language)
    content = Content(
        language=lang,
        subject=email_text("retentionNotice.subject", lang),
        heading=email_text("retentionNotice.heading", lang),
        before=(
            email_text("retentionNotice.intro", lang, days=notice_days()),
            email_text("retentionNotice.export", lang),
        ),
        action=(email_text("retentionNotice.action", lang), checked_link(link)),
        after=(email_text("retentionNotice.why", lang),),
    )
    return render_email(to, TAG, content)


def active_participants(ports: Ports, case_id: str) -> list[str]:
    users: list[str] = []
    continuation: str | None = None
    while True:
        page = ports.store.query(
            "cases",
            case_id,
            Query(equals={"type": "participant", "status": "active"}, limit=100, continuation=continuation),
        )
        users += [str(p["userId"]) for p in page.items]
        continuation = page.continuation
        if continuation is None:
            return users


def send_notice(ports: Ports, entry: Scheduled, now: datetime) -> int:
    """Tell every active participant of the case (see the module docstring); returns how many
    notifications were new."""
    sent_at = entry.notice_sent_at
    if not sent_at:
        sent_at = now.isoformat()
        try:
            ports.store.patch(
                INDEX_CONTAINER,
                entry.partition,
                entry.case_id,
                [PatchOperation("set", "/noticeSentAt", sent_at)],
            )
        except NotFound:  # reopened or held since the schedule was read: no notice
            return 0
    moment = datetime.fromisoformat(sent_at).astimezone(UTC)
    link = f"{config.required('CASEDESK_PUBLIC_URL').rstrip('/')}/profile"
    users = active_participants(ports, entry.case_id)
    profiles = accounts.profiles(ports.store, users)
    new = 0
    for user_id in users:
        digest = hashlib.sha256(f"{entry.case_id}|{entry.closed_at}|{user_id}".encode()).hexdigest()[:32]
        notification = {
            "id": f"notif-{moment.strftime('%Y%m%dT%H%M%S%fZ')}-{digest}",
            "userId": user_id,
            "type": "notification",
            "kind": KIND,
            "caseId": entry.case_id,
            "itemType": None,
            "itemId": None,
            "read": False,
            "at": moment.isoformat(),
            "ttl": _TTL_SECONDS,
        }
        profile = profiles.get(user_id, {})
        effects = (
            [
                email_op(
                    "users",
                    user_id,
                    notice_email(profile["email"], str(profile.get("language", "en")), link),
                    now,
                )
            ]
            if profile.get("email")
            else []
        )
        try:
            commit(ports.store, "users", user_id, [BatchOperation("create", item=notification)], effects)
            new += 1
        except AlreadyExists:  # told by a run that died before finishing: not again
            continue
    with contextlib.suppress(NotFound):  # reopened or held meanwhile: its marker withdraws these
        ports.store.patch(
            INDEX_CONTAINER, entry.partition, entry.case_id, [PatchOperation("set", "/noticeDone", True)]
        )
    return new


def withdraw_cancelled(ports: Ports, limit: int) -> int:
    """Withdraw the notices of cases reopened or put on hold since (at most ``limit`` cases)."""
    page = ports.store.query(
        INDEX_CONTAINER, CANCEL_PARTITION, Query(equals={"type": CANCEL_TYPE}, limit=limit)
    )
    for marker in page.items:
        case_id = str(marker["caseId"])
        for user_id in active_participants(ports, case_id):
            found = ports.store.query(
                "users", user_id, Query(equals={"type": "notification", "kind": KIND, "caseId": case_id})
            )
            for notification in found.items:
                with contextlib.suppress(NotFound):
                    ports.store.delete("users", user_id, notification["id"])
        with contextlib.suppress(NotFound):
            ports.store.delete(INDEX_CONTAINER, CANCEL_PARTITION, case_id)
    return len(page.items)
