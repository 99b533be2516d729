"""Private notes of case participants (SPEC journey 4): create, list, read, edit, delete. Only
the author edits or deletes; grantees read. The service audits every call (reads of someone
else's note with the author as owner, so it shows in their "who accessed my data")."""

from __future__ import annotations

import azure.functions as func
from pydantic import Field

from functions.http import ApiModel, Request, json_response, paging, require_if_match, route
from functions.items import ItemView, ListedItem, with_shares
from shared import bootstrap
from shared.access.permissions import Action
from shared.notes import notes

bp = func.Blueprint()

_BASE = "api/cases/{caseId}/notes"
_ONE = _BASE + "/{noteId}"
# Generous bounds for the parser only; the service applies the real rules (and says which).
_TEXT = 4 * notes.MAX_BODY


class NewNote(ApiModel):
    title: str = Field(max_length=1000)
    body: str = Field(max_length=_TEXT)


class NoteChange(ApiModel):
    title: str | None = Field(default=None, max_length=1000)
    body: str | None = Field(default=None, max_length=_TEXT)


class NoteSummary(ItemView):
    """A note in a list: the title only (each body read is audited on its own)."""

    title: str


class NoteView(NoteSummary):
    body: str


class ListedNote(NoteSummary, ListedItem):
    """A note in the list, with whom it is shared if it is the caller's own."""


class NoteList(ApiModel):
    """One page of the notes the caller may see (own and shared), by id."""

    notes: list[ListedNote]
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


def _ids(request: Request) -> tuple[str, str]:
    return request.http.route_params["caseId"], request.http.route_params["noteId"]


@route(
    bp,
    name="note_create",
    path=_BASE,
    methods=["POST"],
    permission=Action.NOTE_CREATE,
    body=NewNote,
    responses={201: NoteView},
)
def note_create(request: Request) -> func.HttpResponse:
    body = request.body_as(NewNote)
    case_id = request.http.route_params["caseId"]
    view = notes.create(bootstrap.ports(), request.caller, case_id, title=body.title, body=body.body)
    return json_response(view, 201, etag=view["etag"], location=f"/api/cases/{case_id}/notes/{view['id']}")


@route(
    bp,
    name="note_list",
    path=_BASE,
    methods=["GET"],
    permission=Action.NOTE_LIST,
    query=paging.PageQuery,
    responses={200: NoteList},
)
def note_list(request: Request) -> func.HttpResponse:
    case_id = request.http.route_params["caseId"]
    ports = bootstrap.ports()
    page = notes.listing_page(ports, request.caller, case_id, paging.window(request))
    views = with_shares(ports, case_id, request.actor, "note", page.items)
    return json_response({"notes": views, "continuation": paging.continuation(request, page.after)})


@route(
    bp, name="note_read", path=_ONE, methods=["GET"], permission=Action.NOTE_READ, responses={200: NoteView}
)
def note_read(request: Request) -> func.HttpResponse:
    view = notes.read(bootstrap.ports(), request.caller, *_ids(request))
    return json_response(view, etag=view["etag"])


@route(
    bp,
    name="note_update",
    path=_ONE,
    methods=["PATCH"],
    permission=Action.NOTE_WRITE,
    body=NoteChange,
    responses={200: NoteView},
)
def note_update(request: Request) -> func.HttpResponse:
    body = request.body_as(NoteChange)
    view = notes.update(
        bootstrap.ports(),
        request.caller,
        *_ids(request),
        if_match=require_if_match(request),
        title=body.title,
        body=body.body,
    )
    return json_response(view, etag=view["etag"])


@route(
    bp,
    name="note_delete",
    path=_ONE,
    methods=["DELETE"],
    permission=Action.NOTE_DELETE,
    responses={204: None},
)
def note_delete(request: Request) -> func.HttpResponse:
    notes.delete(bootstrap.ports(), request.caller, *_ids(request), if_match=require_if_match(request))
    return func.HttpResponse(status_code=204)
