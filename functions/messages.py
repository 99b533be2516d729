"""Messaging between case participants (SPEC journeys 8, 9; docs/decisions/027): threads of a
case, their messages, members, unread counts. Only active participants reach these routes and
only a thread's members reach a thread (``shared.messages``); a member reading their own thread
is its addressee and is not audited (SPEC §15). The thread list and a thread's state answer
``304`` to an ``If-None-Match`` naming their current ``ETag`` (the browser polls them)."""

from __future__ import annotations

from datetime import datetime

import azure.functions as func
from pydantic import Field

from functions.http import ApiModel, Request, json_response, not_modified, paging, route
from shared import bootstrap
from shared.access.permissions import Action
from shared.cases.participants import CaseRole
from shared.messages import messages

bp = func.Blueprint()

_BASE = "api/cases/{caseId}/threads"
_ONE = _BASE + "/{threadId}"
# Generous bounds for the parser only; the service applies the real rules (and says which).
_TEXT = 4 * messages.MAX_TEXT


class NewThread(ApiModel):
    member_ids: list[str] = Field(max_length=200)
    subject: str | None = Field(default=None, max_length=4 * messages.MAX_SUBJECT)
    text: str = Field(max_length=_TEXT)


class NewMessage(ApiModel):
    text: str = Field(max_length=_TEXT)
    attachment: str | None = Field(default=None, max_length=100, description="One of your own document ids")


class NewMember(ApiModel):
    user_id: str = Field(max_length=100)


class ThreadMember(ApiModel):
    user_id: str
    role: CaseRole | None
    former: bool = Field(description="No longer a participant of the case (shown as a former participant)")
    joined_at: datetime


class ThreadView(ApiModel):
    id: str
    case_id: str
    subject: str | None
    created_by: str
    members: list[ThreadMember]
    unread: int
    last_at: datetime | None
    created_at: datetime
    read_only: bool = Field(description="The case is closed: the thread can be read, not written")
    etag: str


class ThreadList(ApiModel):
    """One page of the caller's threads in the case, newest activity first."""

    threads: list[ThreadView]
    unread_total: int
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


class Attachment(ApiModel):
    doc_id: str
    available: bool = Field(description="False: the reader cannot (or no longer can) see the document")
    title: str | None = None


class MessageView(ApiModel):
    id: str
    thread_id: str
    sender_id: str
    mine: bool
    text: str | None = Field(description="null once the sender deleted the message")
    deleted: bool
    attachment: Attachment | None
    created_at: datetime
    deletable_until: datetime | None
    can_delete: bool


class MessageList(ApiModel):
    """One page of a thread's messages, newest first (since the caller joined)."""

    messages: list[MessageView]
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


def _case(request: Request) -> str:
    return str(request.http.route_params["caseId"])


def _thread(request: Request) -> tuple[str, str]:
    return request.http.route_params["caseId"], request.http.route_params["threadId"]


@route(
    bp,
    name="thread_list",
    path=_BASE,
    methods=["GET"],
    permission=Action.MESSAGE_THREADS,
    query=paging.PageQuery,
    responses={200: ThreadList, 304: None},
)
def thread_list(request: Request) -> func.HttpResponse:
    """The caller's threads of the case with unread counts (304 when unchanged)."""
    ports, case_id = bootstrap.ports(), _case(request)
    window = paging.window(request)
    inbox = messages.caller_inbox(ports, request.caller, case_id)
    if window.after is None:
        unchanged = not_modified(request, messages.list_etag(inbox))
        if unchanged is not None:
            return unchanged
    page, etag = messages.threads_page(ports, request.caller, case_id, window, inbox=inbox)
    body = {
        "threads": page["threads"],
        "unreadTotal": page["unreadTotal"],
        "continuation": paging.continuation(request, page["after"]),
    }
    return json_response(body, etag=etag)


@route(
    bp,
    name="thread_start",
    path=_BASE,
    methods=["POST"],
    permission=Action.MESSAGE_START,
    body=NewThread,
    responses={201: ThreadView},
)
def thread_start(request: Request) -> func.HttpResponse:
    """Start a thread with other active participants, with its first message."""
    body = request.body_as(NewThread)
    case_id = _case(request)
    view = messages.start_thread(
        bootstrap.ports(),
        request.caller,
        case_id,
        member_ids=body.member_ids,
        subject=body.subject,
        text=body.text,
    )
    return json_response(view, 201, etag=view["etag"], location=f"/api/cases/{case_id}/threads/{view['id']}")


@route(
    bp,
    name="thread_read",
    path=_ONE,
    methods=["GET"],
    permission=Action.MESSAGE_READ,
    responses={200: ThreadView, 304: None},
)
def thread_read(request: Request) -> func.HttpResponse:
    """A thread's state: members, unread count (304 when unchanged)."""
    ports = bootstrap.ports()
    unchanged = not_modified(request, messages.thread_etag(ports, request.caller, *_thread(request)))
    if unchanged is not None:
        return unchanged
    view = messages.thread_state(ports, request.caller, *_thread(request))
    return json_response(view, etag=view["etag"])


@route(
    bp,
    name="message_list",
    path=_ONE + "/messages",
    methods=["GET"],
    permission=Action.MESSAGE_READ,
    query=paging.PageQuery,
    responses={200: MessageList},
)
def message_list(request: Request) -> func.HttpResponse:
    """A page of the thread's messages, newest first; the first page marks the thread read."""
    page = messages.messages_page(
        bootstrap.ports(), request.caller, *_thread(request), paging.window(request)
    )
    return json_response({"messages": page.items, "continuation": paging.continuation(request, page.after)})


@route(
    bp,
    name="message_send",
    path=_ONE + "/messages",
    methods=["POST"],
    permission=Action.MESSAGE_SEND,
    body=NewMessage,
    responses={201: MessageView},
)
def message_send(request: Request) -> func.HttpResponse:
    """Write into the thread; an attachment is shared with the other members."""
    body = request.body_as(NewMessage)
    case_id, thread_id = _thread(request)
    view = messages.send(
        bootstrap.ports(), request.caller, case_id, thread_id, text=body.text, attachment=body.attachment
    )
    location = f"/api/cases/{case_id}/threads/{thread_id}/messages/{view['id']}"
    return json_response(view, 201, location=location)


@route(
    bp,
    name="message_delete",
    path=_ONE + "/messages/{messageId}",
    methods=["DELETE"],
    permission=Action.MESSAGE_DELETE,
    responses={200: MessageView},
)
def message_delete(request: Request) -> func.HttpResponse:
    """Delete one's own message within 15 minutes: it shows as deleted, its text is gone."""
    view = messages.delete_message(
        bootstrap.ports(), request.caller, *_thread(request), request.http.route_params["messageId"]
    )
    return json_response(view)


@route(
    bp,
    name="thread_member_add",
    path=_ONE + "/members",
    methods=["POST"],
    permission=Action.MESSAGE_MEMBERS,
    body=NewMember,
    responses={200: ThreadView},
)
def thread_member_add(request: Request) -> func.HttpResponse:
    """Add an active participant to the thread (they see messages from now on)."""
    body = request.body_as(NewMember)
    view = messages.add_member(bootstrap.ports(), request.caller, *_thread(request), body.user_id)
    return json_response(view, etag=view["etag"])


@route(
    bp,
    name="thread_leave",
    path=_ONE + "/members/me",
    methods=["DELETE"],
    permission=Action.MESSAGE_MEMBERS,
    responses={204: None},
)
def thread_leave(request: Request) -> func.HttpResponse:
    """Leave the thread (shares one gave stay: one's sharing overview shows them)."""
    messages.leave(bootstrap.ports(), request.caller, *_thread(request))
    return func.HttpResponse(status_code=204)
