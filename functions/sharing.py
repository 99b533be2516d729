"""Sharing (SPEC journey 7), one set of routes per registered item type (shared/items): "who has access",
grant (with an optional expiry), revoke — owner only — and "see what X sees". Every grant and
revoke is audited with the grant's id (item and grantee), never with content.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import azure.functions as func
import pydantic

from functions import params
from functions.documents import DocumentView
from functions.evaluations import EvaluationView, FeedbackView
from functions.http import ApiModel, Request, json_response, paging, route
from functions.notes import NoteSummary
from functions.reflections import EntryView, SeriesView
from shared import bootstrap
from shared.access.permissions import Action
from shared.access.relations import participant
from shared.cases.participants import CaseRole, open_case
from shared.errors import InvalidInput, NotFound
from shared.identity import accounts
from shared.items import REGISTRY, ItemType, hooks
from shared.reflections import reflections
from shared.sharing import revoke, share
from shared.sharing.pages import access_page, visible_page

bp = func.Blueprint()


#: Text on the wire, read by the one time parser (functions/params.py: bounded years, a stable
#: error code); the document tells clients it is an ISO 8601 time.
_DateTimeText = Annotated[str, pydantic.WithJsonSchema({"type": "string", "format": "date-time"})]


class GrantBody(ApiModel):
    expires_at: _DateTimeText | None = None
    from_date: date | None = pydantic.Field(
        default=None, description="Reflection series only: entries from this day on (null: all)"
    )
    include_text: bool = pydantic.Field(
        default=False, description="Reflection series only: the free text too (off by default)"
    )
    acknowledge_employer_warning: bool = pydantic.Field(
        default=False, description="Health data for the employer contact: the warning was shown"
    )


class AccessEntry(ApiModel):
    """Someone who can see the item now: its owner, or a participant holding a grant (``subject``:
    the employee's grant on a record about them, which the owner cannot end)."""

    user_id: str
    name: str | None
    role: CaseRole | None
    access: Literal["owner", "shared", "subject"]
    expires_at: datetime | None
    since: datetime | None
    from_date: date | None = None
    include_text: bool = False


class SeenByQuery(paging.PageQuery):
    section: str | None = pydantic.Field(
        None, description="One item type's section (its URL segment), to page on through it alone"
    )


class AccessList(ApiModel):
    """One page: the owner first (on the first page), then the grantees by user id."""

    access: list[AccessEntry]
    continuation: str | None = pydantic.Field(description=paging.CONTINUATION_DOC)


class Grant(ApiModel):
    user_id: str
    expires_at: datetime | None
    since: datetime
    from_date: date | None = None
    include_text: bool = False


#: How each item type shows in a list (its module's ``views_of``): "see what X sees" answers one
#: list per registered type, under the type's URL segment.
_LISTED: dict[str, Any] = {
    "doc": list[DocumentView],
    "note": list[NoteSummary],
    "reflection_series": list[SeriesView],
    "evaluation": list[EvaluationView],
    "feedback": list[FeedbackView],
}
#: Keyed by the URL segment as it is (``reflection-series``), which the camelCase alias would
#: otherwise turn into ``reflection-Series`` in the document (found by tests/fuzz).
_SEEN: dict[str, Any] = {
    kind.segment: (_LISTED[kind.name], pydantic.Field(alias=kind.segment)) for kind in REGISTRY.values()
}
#: ... and the caller's reflections of the last 30 days as X gets them (text only if shared).
_SEEN["reflections"] = (list[EntryView], ...)
#: Each item type's section is one page; its token continues that section alone (docs 021).
_SEEN["continuations"] = (
    dict[str, str | None],
    pydantic.Field(description="Per item-type section: its next page's token (send it with section=<it>)"),
)
SeenBy = pydantic.create_model(
    "SeenBy",
    __base__=ApiModel,
    __doc__="The caller's own items as participant X gets them listed, per item type.",
    **_SEEN,
)


def _register(kind: ItemType) -> None:
    item_type, param = kind.name, kind.route_param
    one = f"api/cases/{{caseId}}/{kind.segment}/{{{param}}}"

    def ids(request: Request) -> tuple[str, str]:
        return request.http.route_params["caseId"], request.http.route_params[param]

    @route(
        bp,
        name=f"{item_type}_access",
        path=one + "/access",
        methods=["GET"],
        permission=Action.ITEM_SHARE,
        query=paging.PageQuery,
        responses={200: AccessList},
    )
    def access(request: Request) -> func.HttpResponse:
        case_id, item_id = ids(request)
        ports = bootstrap.ports()
        page = access_page(ports, request.caller, case_id, item_type, item_id, window=paging.window(request))
        people = accounts.profiles(ports.store, [str(e["userId"]) for e in page.items])
        named = [{**e, "name": people.get(str(e["userId"]), {}).get("name")} for e in page.items]
        return json_response({"access": named, "continuation": paging.continuation(request, page.after)})

    @route(
        bp,
        name=f"{item_type}_grant",
        path=one + "/grants/{userId}",
        methods=["PUT"],
        permission=Action.ITEM_SHARE,
        body=GrantBody,
        responses={200: Grant},
    )
    def grant(request: Request) -> func.HttpResponse:
        case_id, item_id = ids(request)
        grantee = request.http.route_params["userId"]
        body = request.body_as(GrantBody)
        expires_at = None if body.expires_at is None else params.parse_datetime(body.expires_at, "expiresAt")
        ports = bootstrap.ports()
        open_case(ports, case_id, request.caller)
        stored = share(
            ports,
            request.caller,
            case_id,
            item_type,
            item_id,
            grantee_id=grantee,
            expires_at=expires_at,
            from_date=body.from_date,
            include_text=body.include_text,
            acknowledge_employer_warning=body.acknowledge_employer_warning,
        )
        return json_response(
            {
                "userId": grantee,
                "expiresAt": stored["expiresAt"],
                "since": stored["createdAt"],
                "fromDate": stored.get("fromDate"),
                "includeText": stored.get("includeText") is True,
            }
        )

    @route(
        bp,
        name=f"{item_type}_revoke",
        path=one + "/grants/{userId}",
        methods=["DELETE"],
        permission=Action.ITEM_SHARE,
        responses={204: None},
    )
    def revoke_grant(request: Request) -> func.HttpResponse:
        case_id, item_id = ids(request)
        grantee = request.http.route_params["userId"]
        revoke(bootstrap.ports(), request.caller, case_id, item_type, item_id, grantee_id=grantee)
        return func.HttpResponse(status_code=204)

    del access, grant, revoke_grant  # registered on bp; the names are not used here


for _kind in REGISTRY.values():  # one set of sharing routes per registered item type
    _register(_kind)


@route(
    bp,
    name="item_preview",
    path="api/cases/{caseId}/seen-by/{userId}",
    methods=["GET"],
    permission=Action.ITEM_PREVIEW,
    query=SeenByQuery,
    responses={200: SeenBy},
)
def item_preview(request: Request) -> func.HttpResponse:
    """ "See what X sees": the caller's own items exactly as participant X gets them listed —
    each item type's first page; ``section`` + ``continuation`` page on through one section."""
    case_id, viewer = request.http.route_params["caseId"], request.http.route_params["userId"]
    ports = bootstrap.ports()
    section = request.query_as(SeenByQuery).section
    kinds = {kind.segment: kind for kind in REGISTRY.values()}
    if section is not None and section not in kinds:
        raise InvalidInput("not a section of this list", field="section")
    if participant(ports.store, case_id, request.actor) is None:
        raise NotFound("no such case")
    result: dict[str, Any] = {segment: [] for segment in kinds}
    continuations: dict[str, str | None] = {segment: None for segment in kinds}
    for segment, kind in kinds.items():
        if section is not None and segment != section:
            continue
        scope = {"section": segment}
        window = paging.window(request, scope=scope) if section is not None else paging.first_window(request)
        page = visible_page(ports, case_id, viewer, kind.name, window, owner_id=request.actor)
        result[segment] = hooks(kind).views_of(ports, page.items, viewer)
        continuations[segment] = paging.continuation(request, page.after, scope=scope)
    # The caller's reflections of the last 30 days (bounded by the window): with the first page.
    result["reflections"] = (
        reflections.seen_by(ports, request.caller, case_id, viewer) if section is None else []
    )
    result["continuations"] = continuations
    return json_response(result)
