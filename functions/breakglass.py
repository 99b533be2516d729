"""Break-glass (SPEC journey 17) and the temporary-access overview for org admins (issue 23).

Staff holding "access all cases" find a case with the organisation's case search (``org_cases``,
``q``) and open it here, ticking "outside my authorisation" and giving a reason; org admins list
every temporary access of the last ``CASEDESK_TEMP_ACCESS_DAYS`` days, count its reads, mark it
reviewed, end it, and export the list as CSV.
"""

from __future__ import annotations

from typing import Literal

import azure.functions as func
from pydantic import Field

from functions.http import ApiModel, Csv, Request, json_response, paging, require_if_match, route
from shared import bootstrap, config
from shared.access.permissions import Action
from shared.tempaccess import breakglass, review

bp = func.Blueprint()

_ORG = "api/orgs/{orgId}"


class BreakGlassBody(ApiModel):
    case_id: str = Field(min_length=1, max_length=64)
    outside_authorisation: bool = Field(description='The "outside my authorisation" tick; must be true')
    reason: str = Field(max_length=breakglass.MAX_REASON, description="Why this access is needed (audited)")


class ReviewBody(ApiModel):
    comment: str = Field("", max_length=breakglass.MAX_COMMENT)


class TempAccess(ApiModel):
    """One temporary access: who, which case, why, when, and whether an admin reviewed it."""

    access_id: str
    kind: Literal["break_glass", "support"] = Field(description="support: an operator's grant (issue 22)")
    user_id: str
    user_name: str
    case_id: str | None
    case_name: str | None = Field(
        description="the case's employee's name; null for an organisation-wide support grant or a case"
        " since deleted"
    )
    scope: Literal["case", "org"]
    reason: str
    ticket: str | None
    from_at: str
    until_at: str
    ended_at: str | None
    status: Literal["active", "expired", "ended", "requested", "lapsed", "approved", "denied"] = Field(
        description="requested, lapsed (undecided for 7 days), approved (not yet activated) and denied:"
        " support grants only"
    )
    reviewed_at: str | None
    reviewed_by: str | None
    review_comment: str | None
    etag: str = Field(description="the record's version, for If-Match on a review")


class TempAccessPage(ApiModel):
    """One page of the organisation's temporary accesses of the look-back window, newest first."""

    accesses: list[TempAccess]
    days: int = Field(description="The look-back window in days (CASEDESK_TEMP_ACCESS_DAYS)")
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


class TempAccessReads(ApiModel):
    """How often the case was read under this access (counted from the audit index)."""

    access_id: str
    reads: int


@route(
    bp,
    name="break_glass_open",
    path=f"{_ORG}/break-glass",
    methods=["POST"],
    permission=Action.BREAK_GLASS_OPEN,
    body=BreakGlassBody,
    responses={201: TempAccess},
)
def break_glass_open(request: Request) -> func.HttpResponse:
    """Open a case one is not assigned to for a few hours, with a reason (admins are alerted)."""
    body = request.body_as(BreakGlassBody)
    org_id = request.http.route_params["orgId"]
    ports = bootstrap.ports()
    record = breakglass.open_case(
        ports, request.caller, org_id, body.case_id, outside=body.outside_authorisation, reason=body.reason
    )
    view = breakglass.view(ports, record)
    return json_response(view, 201, location=f"/api/cases/{body.case_id}", etag=str(view["etag"]))


@route(
    bp,
    name="temp_access_list",
    path=f"{_ORG}/temporary-access",
    methods=["GET"],
    permission=Action.TEMP_ACCESS_READ,
    query=paging.PageQuery,
    responses={200: TempAccessPage},
)
def temp_access_list(request: Request) -> func.HttpResponse:
    """The temporary accesses of the last N days, newest first, one page."""
    org_id = request.http.route_params["orgId"]
    page = breakglass.overview_page(bootstrap.ports(), request.caller, org_id, paging.window(request))
    return json_response(
        {
            "accesses": page.items,
            "days": config.int_setting("CASEDESK_TEMP_ACCESS_DAYS"),
            "continuation": paging.continuation(request, page.after),
        }
    )


@route(
    bp,
    name="temp_access_export",
    path=f"{_ORG}/temporary-access/export",
    methods=["GET"],
    permission=Action.TEMP_ACCESS_READ,
    responses={200: Csv},
)
def temp_access_export(request: Request) -> func.HttpResponse:
    """The overview as CSV (formula injection neutralised), with each access's reads."""
    org_id = request.http.route_params["orgId"]
    text = breakglass.export_csv(bootstrap.ports(), request.caller, org_id)
    return func.HttpResponse(
        text.encode("utf-8-sig"),
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="temporary-access.csv"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


@route(
    bp,
    name="temp_access_reads",
    path=f"{_ORG}/temporary-access/{{accessId}}/reads",
    methods=["GET"],
    permission=Action.TEMP_ACCESS_READ,
    responses={200: TempAccessReads},
)
def temp_access_reads(request: Request) -> func.HttpResponse:
    """The number of reads under one access: one count in the audit index."""
    params = request.http.route_params
    return json_response(breakglass.access_reads(bootstrap.ports(), params["orgId"], params["accessId"]))


@route(
    bp,
    name="temp_access_review",
    path=f"{_ORG}/temporary-access/{{accessId}}/review",
    methods=["POST"],
    permission=Action.TEMP_ACCESS_MANAGE,
    body=ReviewBody,
    responses={200: TempAccess},
)
def temp_access_review(request: Request) -> func.HttpResponse:
    """Mark the access reviewed, with a comment (If-Match: the version the admin saw)."""
    body = request.body_as(ReviewBody)
    params = request.http.route_params
    view = breakglass.review(
        bootstrap.ports(),
        request.caller,
        params["orgId"],
        params["accessId"],
        comment=body.comment,
        if_match=require_if_match(request),
    )
    return json_response(view, etag=str(view["etag"]))


@route(
    bp,
    name="temp_access_end",
    path=f"{_ORG}/temporary-access/{{accessId}}/end",
    methods=["POST"],
    permission=Action.TEMP_ACCESS_MANAGE,
    responses={200: TempAccess},
)
def temp_access_end(request: Request) -> func.HttpResponse:
    """End a live break-glass access now (its holder loses the case at once)."""
    params = request.http.route_params
    view = breakglass.end(bootstrap.ports(), request.caller, params["orgId"], params["accessId"])
    return json_response(view, etag=str(view["etag"]))


class ReviewPerson(ApiModel):
    """A participant or an open invitation (status ``invited``) of the case."""

    user_id: str
    name: str
    role: str
    status: Literal["invited", "active"]
    former: bool = False


class ReviewGrant(ApiModel):
    """A live break-glass grant on the case (end it with …/temporary-access/{accessId}/end)."""

    kind: Literal["break_glass", "support"]
    access_id: str
    org_id: str
    user_id: str
    name: str
    reason: str | None
    from_at: str
    until_at: str


class AccessReviewPage(ApiModel):
    """Who can access the case: one page of its people; its live grants with the first page."""

    people: list[ReviewPerson]
    grants: list[ReviewGrant]
    last_reviewed_at: str | None = Field(description="when an admin last marked this review done")
    last_reviewed_by: str | None = Field(description="who marked it done (user id)")
    last_reviewed_by_name: str | None = Field(description="their name")
    last_review_comment: str | None
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


class ReviewDoneBody(ApiModel):
    comment: str = Field(max_length=review.MAX_COMMENT, description="What the admin found (may be empty)")


class ReviewDone(ApiModel):
    """The case's last completed access review."""

    last_reviewed_at: str | None
    last_reviewed_by: str | None
    last_reviewed_by_name: str | None
    last_review_comment: str | None


class ReviewPersonFacts(ApiModel):
    """How many items are shared with the person (never which) and their last access."""

    user_id: str
    shared_items: int
    last_access_at: str | None


@route(
    bp,
    name="access_review",
    path="api/cases/{caseId}/access-review",
    methods=["GET"],
    permission=Action.ACCESS_REVIEW_READ,
    query=paging.PageQuery,
    responses={200: AccessReviewPage},
)
def access_review(request: Request) -> func.HttpResponse:
    """The case's access review for org admins (people and grants, never content), one page."""
    case_id = request.http.route_params["caseId"]
    found = review.page(bootstrap.ports(), request.caller, case_id, paging.window(request))
    after = found.pop("after")
    return json_response({**found, "continuation": paging.continuation(request, after)})


@route(
    bp,
    name="access_review_done",
    path="api/cases/{caseId}/access-review/done",
    methods=["POST"],
    permission=Action.ACCESS_REVIEW_MANAGE,
    body=ReviewDoneBody,
    responses={200: ReviewDone},
)
def access_review_done(request: Request) -> func.HttpResponse:
    """Mark the case's access reviewed now, with an optional comment (audited)."""
    body = request.body_as(ReviewDoneBody)
    case_id = request.http.route_params["caseId"]
    return json_response(review.mark_done(bootstrap.ports(), request.caller, case_id, comment=body.comment))


@route(
    bp,
    name="access_review_person",
    path="api/cases/{caseId}/access-review/people/{userId}",
    methods=["GET"],
    permission=Action.ACCESS_REVIEW_READ,
    responses={200: ReviewPersonFacts},
)
def access_review_person(request: Request) -> func.HttpResponse:
    """The number of items shared with one person and their last access (audit index)."""
    params = request.http.route_params
    return json_response(review.person(bootstrap.ports(), params["caseId"], params["userId"]))


@route(
    bp,
    name="access_review_end",
    path="api/cases/{caseId}/access-review/people/{userId}/end",
    methods=["POST"],
    permission=Action.ACCESS_REVIEW_MANAGE,
    responses={204: None},
)
def access_review_end(request: Request) -> func.HttpResponse:
    """End a participation or an open invitation in one click (not the employee's, not the last
    case manager's: 400)."""
    params = request.http.route_params
    review.end_participation(bootstrap.ports(), request.caller, params["caseId"], params["userId"])
    return func.HttpResponse(status_code=204)


class AskBody(ApiModel):
    what: Literal["shares"] = Field(description="What the person is asked to check: their shares")


@route(
    bp,
    name="access_review_ask",
    path="api/cases/{caseId}/access-review/people/{userId}/ask",
    methods=["POST"],
    permission=Action.ACCESS_REVIEW_MANAGE,
    body=AskBody,
    responses={204: None},
)
def access_review_ask(request: Request) -> func.HttpResponse:
    """Ask a participant to check what they share (their shares stay their decision)."""
    request.body_as(AskBody)
    params = request.http.route_params
    review.ask_to_check(bootstrap.ports(), request.caller, params["caseId"], params["userId"])
    return func.HttpResponse(status_code=204)
