"""Cases, participants and the integration plan (SPEC journeys 1, 10, 13). Thin routes: the
access table decides who may call each one (``shared/access/table.py``); the services audit
what they do, from the route's :class:`~shared.access.caller.Caller` (``request.caller``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

import azure.functions as func
from pydantic import Field

from functions.http import ApiModel, Request, json_response, paging, require_if_match, route
from shared import bootstrap
from shared.access.permissions import Action
from shared.cases import cases, directory, listing, participants, plan
from shared.cases.listing import CaseFilter, CaseOrder
from shared.cases.participants import CaseRole
from shared.identity import accounts, orgs

bp = func.Blueprint()

_CASE = "api/cases/{caseId}"
_STAGE = "api/cases/{caseId}/plan/stages/{stageId}"
CaseStatus = Literal["open", "closed"]
#: A participant as the case shows them: removed participants are left out.
TakingPart = Literal["invited", "active"]


# -- request bodies ------------------------------------------------------------------------------
class InvitedPerson(ApiModel):
    email: str = Field(min_length=3, max_length=254)
    name: str = Field(min_length=1, max_length=120)
    language: Literal["en", "de"]


class NewCase(ApiModel):
    employee: InvitedPerson


class NewParticipant(InvitedPerson):
    role: Literal["case_manager", "employer", "doctor"]


class LegalHold(ApiModel):
    legal_hold: bool


class StageBody(ApiModel):
    from_date: date
    workload_percent: int = Field(ge=0, le=100)
    tasks: str = Field(max_length=4000)
    next_review: date | None = None


# -- answers -------------------------------------------------------------------------------------
class CaseParticipant(ApiModel):
    user_id: str
    name: str
    role: CaseRole
    status: TakingPart
    former: bool = Field(default=False, description="the account was deleted: a former participant")


class CaseSummary(ApiModel):
    """Status and participants, no content (its version is the ``ETag`` header)."""

    case_id: str
    org_id: str
    status: CaseStatus
    created_at: datetime
    closed_at: datetime | None
    legal_hold: bool
    participants: list[CaseParticipant] = Field(description="The first participants (at most 50)")
    participants_continuation: str | None = Field(
        description="Continues the participants on GET /api/cases/{caseId}/participants; null if all are here"
    )


class MyCase(ApiModel):
    """One of the user's cases: whose case it is and where it stands (no content)."""

    case_id: str
    org_id: str
    org_name: str
    role: CaseRole = Field(description="The user's role in the case")
    status: TakingPart = Field(description="The user's part in the case: invited or active")
    employee_name: str | None = Field(
        description="The employee whose case it is; null until the user has accepted the invitation"
    )
    case_status: CaseStatus | None = Field(description="Open or closed; null if the case is gone")
    legal_hold: bool
    created_at: datetime | None = Field(description="When the case was opened")
    closed_at: datetime | None
    last_activity_at: datetime | None = Field(
        description="The last change in the case the user may see (never a read): the case itself, its "
        "people and plan, the user's own items and messages, what was shared with them. Up to a few "
        "seconds behind"
    )


class CaseListQuery(paging.PageQuery):
    """How a list of cases is ordered and filtered (each order newest first)."""

    sort: CaseOrder | None = Field(
        None, description="activity: by last activity (the default); opened: by when the case was opened"
    )
    status: CaseFilter | None = Field(
        None, description="Only open or closed cases, or those under legal hold (open or closed)"
    )


class MyCases(ApiModel):
    """One page of the user's cases, newest activity (or opening) first."""

    cases: list[MyCase]
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


class OrgCasesQuery(CaseListQuery):
    q: str | None = Field(
        None,
        max_length=directory.MAX_QUERY,
        description="Only cases whose employee's name has each of these whole words (any case, accents)",
    )


class OrgCase(ApiModel):
    """One of the organisation's cases: whose it is and where it stands (never content)."""

    case_id: str
    employee_name: str
    status: CaseStatus
    legal_hold: bool
    created_at: datetime
    closed_at: datetime | None
    last_activity_at: datetime = Field(
        description="The last case-wide change (opened, closed, reopened, legal hold, people, plan): "
        "a time, never what. Up to a few seconds behind"
    )


class OrgCases(ApiModel):
    """One page of the organisation's cases (or of those the search finds), newest activity
    (or opening) first."""

    cases: list[OrgCase]
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


class CaseParticipants(ApiModel):
    """One page of the case's invited and active participants, by user id."""

    participants: list[CaseParticipant]
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


class InvitedParticipant(ApiModel):
    user_id: str
    role: CaseRole
    status: Literal["invited"]


class CaseState(ApiModel):
    status: CaseStatus
    closed_at: datetime | None = Field(description="When the case was closed; the retention counts from it")


class LegalHoldState(ApiModel):
    legal_hold: bool


class StageSnapshot(ApiModel):
    from_date: date
    workload_percent: int
    tasks: str
    next_review: date | None


class StageView(StageSnapshot):
    """A stage as written (its version is the ``ETag`` header)."""

    stage_id: str
    version: int
    updated_at: datetime
    updated_by: str = Field(description="The user id of who wrote this version")


class PlanStage(StageView):
    etag: str = Field(description="The stage's version, for If-Match")


class PlanView(ApiModel):
    """One page of the plan's stages, by start date (then stage id)."""

    stages: list[PlanStage]
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


class PlanChange(ApiModel):
    stage_id: str
    version: int
    change: Literal["created", "updated", "deleted"]
    at: datetime
    by: str = Field(description="The user id of who changed it")
    stage: StageSnapshot | None = Field(description="The stage as it was after the change; null if deleted")


class PlanHistory(ApiModel):
    """One page of the plan's changes, newest first."""

    changes: list[PlanChange]
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


@route(
    bp,
    name="case_create",
    path="api/orgs/{orgId}/cases",
    methods=["POST"],
    permission=Action.CASE_CREATE,
    body=NewCase,
    responses={201: CaseSummary},
)
def case_create(request: Request) -> func.HttpResponse:
    """Open a case and invite its employee."""
    employee = request.body_as(NewCase).employee
    case = cases.create(
        bootstrap.ports(),
        request.caller,
        request.http.route_params["orgId"],
        employee_email=employee.email,
        employee_name=employee.name,
        employee_language=employee.language,
    )
    summary = cases.summary(bootstrap.ports(), case["caseId"])
    etag = str(summary.pop("etag"))
    view = _summary_view(request, summary)
    return json_response(view, 201, etag=etag, location=f"/api/cases/{case['caseId']}")


@route(
    bp,
    name="my_cases",
    path="api/me/cases",
    methods=["GET"],
    permission=Action.CASES_LIST_MINE,
    query=CaseListQuery,
    responses={200: MyCases},
)
def my_cases(request: Request) -> func.HttpResponse:
    """The cases the user takes part in, across organisations, one page: newest activity (or
    opening) first, only open, closed or held ones if asked."""
    ports = bootstrap.ports()
    asked = request.query_as(CaseListQuery)
    state = asked.status
    window = paging.window(request)
    page = participants.my_cases_page(
        ports, request.actor, window, order=asked.sort or "activity", state=state
    )
    # A fixed number of calls per page, however many cases it lists: each organisation once,
    # the page's case items in one call, the employees' profiles in one call (per 100).
    names = orgs.names(ports.store, [str(r["orgId"]) for r in page.items])
    found = cases.case_items(ports, [str(r["caseId"]) for r in page.items])
    # Whose case it is, for those who take part in it (they see the name on the case page
    # anyway); someone only invited sees the organisation until they accept.
    employees = accounts.profiles(
        ports.store,
        [
            str(found[str(r["caseId"])]["employeeUserId"])
            for r in page.items
            if r["status"] == "active" and found.get(str(r["caseId"]), {}).get("employeeUserId")
        ],
    )
    views = []
    for r in page.items:
        case = found.get(str(r["caseId"]), {})
        if case and not listing.matches(case, state):
            continue  # changed since the entry's copy (the relay catches up within seconds)
        employee = employees.get(str(case.get("employeeUserId"))) if r["status"] == "active" else None
        views.append(
            {
                "caseId": r["caseId"],
                "orgId": r["orgId"],
                "orgName": names.get(str(r["orgId"]), ""),
                "role": r["role"],
                "status": r["status"],
                "employeeName": employee.get("name") if employee else None,
                "caseStatus": case.get("status"),
                "legalHold": bool(case.get("legalHold")),
                "createdAt": case.get("createdAt"),
                "closedAt": case.get("closedAt"),
                "lastActivityAt": r.get("lastActivityAt") or case.get("createdAt"),
            }
        )
    return json_response({"cases": views, "continuation": paging.continuation(request, page.after)})


@route(
    bp,
    name="org_cases",
    path="api/orgs/{orgId}/cases",
    methods=["GET"],
    permission=Action.ORG_CASES_LIST,
    query=OrgCasesQuery,
    responses={200: OrgCases},
)
def org_cases(request: Request) -> func.HttpResponse:
    """All the organisation's cases (summary only), one page, newest activity (or opening)
    first; ``q`` finds them by name, ``status`` keeps open, closed or held ones."""
    asked = request.query_as(OrgCasesQuery)
    org_id = request.http.route_params["orgId"]
    page = directory.page(
        bootstrap.ports(),
        org_id,
        paging.window(request),
        asked.q or "",
        order=asked.sort or "activity",
        state=asked.status,
    )
    return json_response({"cases": page.items, "continuation": paging.continuation(request, page.after)})


def _summary_view(request: Request, summary: dict[str, Any]) -> dict[str, Any]:
    """A case summary as the API answers it: the participants' continuation sealed for the
    participants list (the ETag goes in its header)."""
    after = summary.pop("participantsAfter", None)
    path = f"/api/cases/{summary['caseId']}/participants"
    summary["participantsContinuation"] = paging.continuation(request, after, path=path)
    return summary


@route(
    bp,
    name="participant_list",
    path=f"{_CASE}/participants",
    methods=["GET"],
    permission=Action.CASE_READ,
    query=paging.PageQuery,
    responses={200: CaseParticipants},
)
def participant_list(request: Request) -> func.HttpResponse:
    """The case's invited and active participants, one page by user id."""
    case_id = request.http.route_params["caseId"]
    page = cases.participants_page(bootstrap.ports(), case_id, paging.window(request))
    token = paging.continuation(request, page.after)
    return json_response({"participants": page.items, "continuation": token})


@route(
    bp,
    name="case_read",
    path=_CASE,
    methods=["GET"],
    permission=Action.CASE_READ,
    responses={200: CaseSummary},
)
def case_read(request: Request) -> func.HttpResponse:
    """The case's status and participants."""
    view = cases.read(bootstrap.ports(), request.caller, request.http.route_params["caseId"])
    etag = str(view.pop("etag"))
    return json_response(_summary_view(request, view), etag=etag)


@route(
    bp,
    name="participant_invite",
    path=f"{_CASE}/participants",
    methods=["POST"],
    permission=Action.PARTICIPANT_MANAGE,
    body=NewParticipant,
    responses={201: InvitedParticipant},
)
def participant_invite(request: Request) -> func.HttpResponse:
    """Invite someone into the case (the e-mail carries only a link)."""
    body = request.body_as(NewParticipant)
    item = participants.invite(
        bootstrap.ports(),
        request.caller,
        request.http.route_params["caseId"],
        email=body.email,
        name=body.name,
        language=body.language,
        role=body.role,
    )
    view = {"userId": item["userId"], "role": item["role"], "status": item["status"]}
    location = f"/api/cases/{request.http.route_params['caseId']}/participants/{item['userId']}"
    return json_response(view, 201, location=location)


@route(
    bp,
    name="participant_remove",
    path=f"{_CASE}/participants/{{userId}}",
    methods=["DELETE"],
    permission=Action.PARTICIPANT_MANAGE,
    responses={204: None},
)
def participant_remove(request: Request) -> func.HttpResponse:
    """End a participant's part in the case (their access ends at once)."""
    params = request.http.route_params
    participants.remove(bootstrap.ports(), request.caller, params["caseId"], params["userId"])
    return func.HttpResponse(status_code=204)


@route(
    bp,
    name="case_close",
    path=f"{_CASE}/close",
    methods=["POST"],
    permission=Action.CASE_CLOSE,
    responses={200: CaseState},
)
def case_close(request: Request) -> func.HttpResponse:
    """Close the case (the retention clock starts)."""
    item = cases.close(
        bootstrap.ports(),
        request.caller,
        request.http.route_params["caseId"],
        if_match=require_if_match(request),
    )
    return json_response({"status": item["status"], "closedAt": item["closedAt"]}, etag=item["_etag"])


@route(
    bp,
    name="case_reopen",
    path=f"{_CASE}/reopen",
    methods=["POST"],
    permission=Action.CASE_CLOSE,
    responses={200: CaseState},
)
def case_reopen(request: Request) -> func.HttpResponse:
    """Reopen a closed case."""
    item = cases.reopen(
        bootstrap.ports(),
        request.caller,
        request.http.route_params["caseId"],
        if_match=require_if_match(request),
    )
    return json_response({"status": item["status"], "closedAt": item["closedAt"]}, etag=item["_etag"])


@route(
    bp,
    name="case_legal_hold",
    path=f"{_CASE}/legal-hold",
    methods=["PUT"],
    permission=Action.CASE_LEGAL_HOLD,
    body=LegalHold,
    responses={200: LegalHoldState},
)
def case_legal_hold(request: Request) -> func.HttpResponse:
    """Set or lift the legal hold."""
    item = cases.set_legal_hold(
        bootstrap.ports(),
        request.caller,
        request.http.route_params["caseId"],
        request.body_as(LegalHold).legal_hold,
        if_match=require_if_match(request),
    )
    return json_response({"legalHold": item["legalHold"]}, etag=item["_etag"])


@route(
    bp,
    name="plan_read",
    path=f"{_CASE}/plan",
    methods=["GET"],
    permission=Action.PLAN_READ,
    query=paging.PageQuery,
    responses={200: PlanView},
)
def plan_read(request: Request) -> func.HttpResponse:
    """The integration plan's stages by start date, one page."""
    case_id = request.http.route_params["caseId"]
    page = plan.stages_page(bootstrap.ports(), request.caller, case_id, paging.window(request))
    views = []
    for stage in page.items:
        etag = stage.pop("_etag")
        views.append({**stage, "etag": etag})
    return json_response({"stages": views, "continuation": paging.continuation(request, page.after)})


@route(
    bp,
    name="plan_history",
    path=f"{_CASE}/plan/history",
    methods=["GET"],
    permission=Action.PLAN_READ,
    query=paging.PageQuery,
    responses={200: PlanHistory},
)
def plan_history(request: Request) -> func.HttpResponse:
    """The changes of the plan, newest first, one page."""
    case_id = request.http.route_params["caseId"]
    page = plan.history_page(bootstrap.ports(), request.caller, case_id, paging.window(request))
    return json_response({"changes": page.items, "continuation": paging.continuation(request, page.after)})


@route(
    bp,
    name="plan_stage_create",
    path=f"{_CASE}/plan/stages",
    methods=["POST"],
    permission=Action.PLAN_WRITE,
    body=StageBody,
    responses={201: StageView},
)
def plan_stage_create(request: Request) -> func.HttpResponse:
    """Add a stage to the plan."""
    body = request.body_as(StageBody)
    stage = plan.create_stage(
        bootstrap.ports(), request.caller, request.http.route_params["caseId"], body.model_dump(by_alias=True)
    )
    etag = str(stage.pop("_etag"))
    location = f"/api/cases/{request.http.route_params['caseId']}/plan/stages/{stage['stageId']}"
    return json_response(stage, 201, etag=etag, location=location)


@route(
    bp,
    name="plan_stage_update",
    path=_STAGE,
    methods=["PUT"],
    permission=Action.PLAN_WRITE,
    body=StageBody,
    responses={200: StageView},
)
def plan_stage_update(request: Request) -> func.HttpResponse:
    """Change a stage (If-Match: the version it changes)."""
    params = request.http.route_params
    stage = plan.update_stage(
        bootstrap.ports(),
        request.caller,
        params["caseId"],
        params["stageId"],
        request.body_as(StageBody).model_dump(by_alias=True),
        if_match=require_if_match(request),
    )
    etag = str(stage.pop("_etag"))
    return json_response(stage, etag=etag)


@route(
    bp,
    name="plan_stage_delete",
    path=_STAGE,
    methods=["DELETE"],
    permission=Action.PLAN_WRITE,
    responses={204: None},
)
def plan_stage_delete(request: Request) -> func.HttpResponse:
    """Remove a stage (If-Match: the version it removes)."""
    params = request.http.route_params
    plan.delete_stage(
        bootstrap.ports(),
        request.caller,
        params["caseId"],
        params["stageId"],
        if_match=require_if_match(request),
    )
    return func.HttpResponse(status_code=204)
