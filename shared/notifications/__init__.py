"""In-app notifications, private to the recipient (SPEC journey 9), with an optional e-mail
notice that carries a link and nothing about the case.

    notify(ports, user_id, "share", case_id=..., item_type="doc", item_id=...)
    inbox(ports, user_id, unread_only=True), unread_count(ports, user_id), mark_read(ports, user_id, ids)
"""

from shared.notifications.inbox import KINDS, MAX_MARK, inbox, mark_read, notify, unread_count

__all__ = ["KINDS", "MAX_MARK", "inbox", "mark_read", "notify", "unread_count"]
