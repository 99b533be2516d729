"""In-app notifications (SPEC journey 9), private to the recipient: list (newest first, paged,
optionally unread only), unread count, mark read. They carry ids only; the app resolves the case
and item through the normal access checks, so a revoked share shows nothing more than "gone"."""

from __future__ import annotations

import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field

from functions import params
from functions.http import Request, json_response, parse_json, route
from shared import bootstrap
from shared.access.permissions import Action
from shared.errors import InvalidInput
from shared.notifications import MAX_MARK, inbox, mark_read, unread_count
from shared.notifications.inbox import MAX_PAGE

bp = func.Blueprint()

_FIELDS = ("id", "kind", "caseId", "itemType", "itemId", "read", "at")


class MarkRead(BaseModel):
    model_config = ConfigDict(extra="forbid")
    notificationIds: list[str] = Field(min_length=1, max_length=MAX_MARK)  # noqa: N815


@route(
    bp,
    name="notification_list",
    path="api/me/notifications",
    methods=["GET"],
    permission=Action.NOTIFICATIONS_OWN,
)
def notification_list(request: Request) -> func.HttpResponse:
    unread = request.http.params.get("unread", "false")
    if unread not in ("true", "false"):
        raise InvalidInput("unread is true or false", field="unread")
    page = inbox(
        bootstrap.ports(),
        request.actor,
        unread_only=unread == "true",
        limit=params.limit(request, maximum=MAX_PAGE),
        continuation=params.continuation(request),
    )
    items = [{key: item.get(key) for key in _FIELDS} for item in page.items]
    return json_response({"notifications": items, "continuation": page.continuation})


@route(
    bp,
    name="notification_unread_count",
    path="api/me/notifications/unread-count",
    methods=["GET"],
    permission=Action.NOTIFICATIONS_OWN,
)
def notification_unread_count(request: Request) -> func.HttpResponse:
    return json_response({"unreadCount": unread_count(bootstrap.ports(), request.actor)})


@route(
    bp,
    name="notification_mark_read",
    path="api/me/notifications/read",
    methods=["POST"],
    permission=Action.NOTIFICATIONS_OWN,
)
def notification_mark_read(request: Request) -> func.HttpResponse:
    body = parse_json(request.http, MarkRead)
    return json_response({"marked": mark_read(bootstrap.ports(), request.actor, body.notificationIds)})
