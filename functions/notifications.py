"""In-app notifications (SPEC journey 9), private to the recipient: list (newest first, paged,
optionally unread only), unread count, mark read. They are stored with ids only; the list names
who did what on which case as the reader may see it now (shared/notifications/named.py), so a
revoked share shows a neutral text."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import azure.functions as func
from pydantic import Field

from functions.http import ApiModel, ApiQuery, Request, json_response, paging, route
from shared import bootstrap
from shared.access.permissions import Action
from shared.notifications import MAX_MARK, inbox, mark_read, named_page, unread_count
from shared.notifications.inbox import MAX_PAGE
from shared.paging import text_position

bp = func.Blueprint()

#: A page's default size: its names are read in one call per container (at most 100 keys,
#: and a notification needs up to four of the case partition's).
DEFAULT_PAGE = 25


class InboxQuery(ApiQuery):
    unread: Literal["true", "false"] = Field("false", description="Only unread notifications")
    # Checked by functions/params.py (its rules and error codes): declared here to be documented.
    limit: str | None = Field(
        None, description=f"Notifications per page, 1 to {MAX_PAGE} (default {DEFAULT_PAGE})"
    )
    continuation: str | None = Field(None, description="The previous page's continuation token")


class MarkRead(ApiModel):
    notification_ids: list[str] = Field(min_length=1, max_length=MAX_MARK)


class NotificationView(ApiModel):
    """What happened, named as the reader may see it now (never stored, never in an e-mail)."""

    id: str
    kind: str = Field(description="What it is about: share, reflections_shared, message, …")
    case_id: str | None
    item_type: str | None
    item_id: str | None
    read: bool
    at: datetime
    available: bool = Field(
        description="False: the item or thread is no longer there for the reader (revoked, expired, "
        "deleted, or the reader left the case) — shown as a neutral text, without names"
    )
    actor_name: str | None = Field(description="Who did it, if the reader may see them")
    case_name: str | None = Field(
        description="Whose case it is (the employee's name), if the reader may see it"
    )
    own_case: bool = Field(description="The reader is the case's employee")
    org_name: str | None = Field(description="The organisation, on an admin's notices")
    item_title: str | None = Field(description="The document's or note's title, the thread's subject")


class NotificationPage(ApiModel):
    notifications: list[NotificationView] = Field(description="Newest first")
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


class UnreadCount(ApiModel):
    unread_count: int


class MarkedRead(ApiModel):
    marked: int = Field(description="How many changed (unknown, foreign or already read ids are skipped)")


@route(
    bp,
    name="notification_list",
    path="api/me/notifications",
    methods=["GET"],
    permission=Action.NOTIFICATIONS_OWN,
    query=InboxQuery,
    responses={200: NotificationPage},
)
def notification_list(request: Request) -> func.HttpResponse:
    """The user's notifications, newest first, paged, saying who did what on which case."""
    window = paging.window(request, maximum=MAX_PAGE, default=DEFAULT_PAGE)
    ports = bootstrap.ports()
    page = inbox(
        ports,
        request.actor,
        unread_only=request.query_as(InboxQuery).unread == "true",
        limit=window.limit,
        continuation=text_position(window),
    )
    items = named_page(ports, request.actor, page.items)
    token = paging.continuation(request, page.continuation)
    return json_response({"notifications": items, "continuation": token})


@route(
    bp,
    name="notification_unread_count",
    path="api/me/notifications/unread-count",
    methods=["GET"],
    permission=Action.NOTIFICATIONS_OWN,
    responses={200: UnreadCount},
)
def notification_unread_count(request: Request) -> func.HttpResponse:
    """How many of the user's notifications are unread."""
    return json_response({"unreadCount": unread_count(bootstrap.ports(), request.actor)})


@route(
    bp,
    name="notification_mark_read",
    path="api/me/notifications/read",
    methods=["POST"],
    permission=Action.NOTIFICATIONS_OWN,
    body=MarkRead,
    responses={200: MarkedRead},
)
def notification_mark_read(request: Request) -> func.HttpResponse:
    """Mark the user's own notifications read."""
    ids = request.body_as(MarkRead).notification_ids
    return json_response({"marked": mark_read(bootstrap.ports(), request.actor, ids)})
