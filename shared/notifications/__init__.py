"""In-app notifications, private to the recipient (SPEC journey 9), with an optional e-mail
notice that carries a link and nothing about the case.

    notify(ports, user_id, "share", case_id=..., item_type="doc", item_id=..., actor_id=...)
    inbox(ports, user_id, unread_only=True), unread_count(ports, user_id), mark_read(ports, user_id, ids)
    named_page(ports, user_id, page.items)  # who did what on which case, as the reader may see it
"""

from shared.notifications.inbox import KINDS, MAX_MARK, inbox, mark_read, notify, unread_count
from shared.notifications.named import named_page

__all__ = ["KINDS", "MAX_MARK", "inbox", "mark_read", "named_page", "notify", "unread_count"]
