"""Support access with the organisation's consent (SPEC journey 16, issue 22, decision 038).

Operators request access to one organisation (or one of its cases) with a reason, a ticket
reference, a duration and a data level, list their grants, activate an approved one with a fresh
second factor, and read — only then, only within scope, only read — the views under
``/api/support/grants/{grantId}/…``. The organisation's admins list the requests, approve
(optionally narrowed) or deny them, and revoke a grant at any moment.
"""

from __future__ import annotations

from typing import Literal

import azure.functions as func
from pydantic import Field

from functions.http import ApiModel, Request, json_response, paging, require_if_match, route
from shared import bootstrap
from shared.access.permissions import Action
from shared.support import activation, grants, listing, views

bp = func.Blueprint()

_MINE = "api/support/grants"
_GRANT = "api/support/grants/{grantId}"
_ORG = "api/orgs/{orgId}/support-grants"

Status = Literal["requested", "lapsed", "approved", "denied", "active", "expired", "revoked"]


class SupportRequestBody(ApiModel):
    org_id: str = Field(max_length=64, description="The organisation's id, from the support ticket")
    scope: Literal["org", "case"] = Field("org", description="Its administrative views, or one case")
    case_id: str | None = Field(None, max_length=64, description="The case, for scope case")
    reason: str = Field(max_length=2000, description="Why access is needed (one line, at most 500)")
    ticket: str = Field(max_length=200, description="The support ticket's reference")
    hours: int | None = Field(None, description="Duration from activation, 1 to 72 hours (default 24)")
    level: Literal["pseudonymised", "identified"] | None = Field(
        None, description="pseudonymised (the default) or identified"
    )


class ApproveBody(ApiModel):
    """Each field narrows the request; leave it out to approve as asked."""

    scope: Literal["org", "case"] | None = None
    case_id: str | None = Field(None, max_length=64)
    level: Literal["pseudonymised", "identified"] | None = None
    hours: int | None = None


class ActivateBody(ApiModel):
    code: str | None = Field(
        None,
        max_length=16,
        description="A new code from the authenticator (never the login's); without it, a Microsoft "
        "sign-in of the last minutes counts (POST /api/auth/entra/step-up)",
    )


class SupportGrant(ApiModel):
    """A support grant: what was asked, what was approved, and where it stands."""

    grant_id: str
    org_id: str
    org_name: str
    operator_id: str
    operator_name: str
    scope: Literal["org", "case"]
    case_id: str | None
    reason: str
    ticket: str
    level: Literal["pseudonymised", "identified"]
    hours: int
    status: Status
    requested_at: str
    decided_at: str | None
    activated_at: str | None
    until_at: str | None = Field(description="Approved: activate before; active: access ends then")
    ended_at: str | None
    etag: str = Field(description="the grant's version, for If-Match on a decision")


class SupportGrantPage(ApiModel):
    grants: list[SupportGrant] = Field(description="Newest first")
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


class AdminGrantsQuery(paging.PageQuery):
    pending: Literal["true", "false"] | None = Field(None, description="true: open requests only")


class SupportCase(ApiModel):
    """A case's metadata and status; the employee's name pseudonymised unless identified."""

    case_id: str
    status: str
    legal_hold: bool
    created_at: str | None
    closed_at: str | None
    employee_name: str


class SupportCasePage(ApiModel):
    cases: list[SupportCase]
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


class SupportParticipant(ApiModel):
    user_id: str
    name: str
    email: str | None
    role: str
    status: str = Field(description="invited (an open invitation), active or removed")
    since: str | None


class SupportParticipantPage(ApiModel):
    participants: list[SupportParticipant]
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


class SupportStage(ApiModel):
    stage_id: str
    from_date: str | None
    workload_percent: int | None
    next_review: str | None
    tasks: str | None = Field(description='"[hidden]" at the pseudonymised level')
    version: int | None
    updated_at: str | None
    updated_by: str | None


class SupportStagePage(ApiModel):
    stages: list[SupportStage]
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


class SupportAuditEvent(ApiModel):
    seq: int
    at: str
    actor: str
    action: str
    target_type: str
    target_id: str
    case_id: str | None
    owner_id: str | None
    reason: str | None
    grant_id: str | None
    request_id: str


class SupportAuditPage(ApiModel):
    events: list[SupportAuditEvent] = Field(description="Newest first")
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


class SupportFailure(ApiModel):
    correlation_id: str
    code: str
    status: int
    function: str
    case_id: str | None
    at: str


class SupportFailurePage(ApiModel):
    failures: list[SupportFailure] = Field(description="Newest first")
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


# -- the operator ------------------------------------------------------------------------------


@route(
    bp,
    name="support_request",
    path=_MINE,
    methods=["POST"],
    permission=Action.SUPPORT_REQUEST,
    body=SupportRequestBody,
    responses={201: SupportGrant},
)
def support_request(request: Request) -> func.HttpResponse:
    """Ask an organisation for support access (its admins decide)."""
    body = request.body_as(SupportRequestBody)
    ports = bootstrap.ports()
    record = grants.request_access(
        ports,
        request.caller,
        org_id=body.org_id,
        scope=body.scope,
        case_id=body.case_id or None,
        reason=body.reason,
        ticket=body.ticket,
        hours=body.hours,
        level=body.level,
    )
    view = listing.operator_view(ports, record)
    return json_response(view, 201, etag=str(view["etag"]), location="/api/support/grants")


@route(
    bp,
    name="support_grants_mine",
    path=_MINE,
    methods=["GET"],
    permission=Action.SUPPORT_OWN,
    query=paging.PageQuery,
    responses={200: SupportGrantPage},
)
def support_grants_mine(request: Request) -> func.HttpResponse:
    """The operator's own support requests and grants, newest first."""
    page = listing.mine_page(bootstrap.ports(), request.caller, paging.window(request))
    return json_response({"grants": page.items, "continuation": paging.continuation(request, page.after)})


@route(
    bp,
    name="support_activate",
    path=f"{_GRANT}/activate",
    methods=["POST"],
    permission=Action.SUPPORT_OWN,
    body=ActivateBody,
    responses={200: SupportGrant},
)
def support_activate(request: Request) -> func.HttpResponse:
    """Start an approved grant with a fresh second factor; its hours run from now."""
    body = request.body_as(ActivateBody)
    ports = bootstrap.ports()
    record = activation.activate(
        ports,
        request.caller,
        request.http.route_params["grantId"],
        code=body.code or None,
        session_token=request.session_token,
        client_key=request.client_key(),
    )
    view = listing.operator_view(ports, record)
    return json_response(view, etag=str(view["etag"]))


# -- the read-only views under a live grant -----------------------------------------------------


@route(
    bp,
    name="support_cases",
    path=f"{_GRANT}/cases",
    methods=["GET"],
    permission=Action.SUPPORT_VIEW,
    query=paging.PageQuery,
    responses={200: SupportCasePage},
)
def support_cases(request: Request) -> func.HttpResponse:
    """The cases within the grant (metadata and status only)."""
    page = views.cases_page(bootstrap.ports(), request.caller, paging.window(request))
    return json_response({"cases": page.items, "continuation": paging.continuation(request, page.after)})


@route(
    bp,
    name="support_case",
    path=f"{_GRANT}/cases/{{caseId}}",
    methods=["GET"],
    permission=Action.SUPPORT_VIEW,
    responses={200: SupportCase},
)
def support_case(request: Request) -> func.HttpResponse:
    """One case's metadata and status."""
    case_id = request.http.route_params["caseId"]
    return json_response(views.case_view(bootstrap.ports(), request.caller, case_id))


@route(
    bp,
    name="support_participants",
    path=f"{_GRANT}/cases/{{caseId}}/participants",
    methods=["GET"],
    permission=Action.SUPPORT_VIEW,
    query=paging.PageQuery,
    responses={200: SupportParticipantPage},
)
def support_participants(request: Request) -> func.HttpResponse:
    """The case's participants, roles and invitation states."""
    case_id = request.http.route_params["caseId"]
    page = views.participants_page(bootstrap.ports(), request.caller, case_id, paging.window(request))
    token = paging.continuation(request, page.after)
    return json_response({"participants": page.items, "continuation": token})


@route(
    bp,
    name="support_plan",
    path=f"{_GRANT}/cases/{{caseId}}/plan",
    methods=["GET"],
    permission=Action.SUPPORT_VIEW,
    query=paging.PageQuery,
    responses={200: SupportStagePage},
)
def support_plan(request: Request) -> func.HttpResponse:
    """The case's integration plan."""
    case_id = request.http.route_params["caseId"]
    page = views.plan_page(bootstrap.ports(), request.caller, case_id, paging.window(request))
    return json_response({"stages": page.items, "continuation": paging.continuation(request, page.after)})


@route(
    bp,
    name="support_audit",
    path=f"{_GRANT}/audit",
    methods=["GET"],
    permission=Action.SUPPORT_VIEW,
    query=paging.PageQuery,
    responses={200: SupportAuditPage},
)
def support_audit(request: Request) -> func.HttpResponse:
    """The audit events within the grant (the organisation's, or the case's)."""
    page = views.audit_page(bootstrap.ports(), request.caller, paging.window(request))
    return json_response({"events": page.items, "continuation": paging.continuation(request, page.after)})


@route(
    bp,
    name="support_failures",
    path=f"{_GRANT}/failures",
    methods=["GET"],
    permission=Action.SUPPORT_VIEW,
    query=paging.PageQuery,
    responses={200: SupportFailurePage},
)
def support_failures(request: Request) -> func.HttpResponse:
    """The correlation ids and codes of the organisation's failed requests."""
    page = views.failures_page(bootstrap.ports(), request.caller, paging.window(request))
    return json_response({"failures": page.items, "continuation": paging.continuation(request, page.after)})


# -- the organisation's admins ------------------------------------------------------------------


@route(
    bp,
    name="support_org_grants",
    path=_ORG,
    methods=["GET"],
    permission=Action.SUPPORT_REQUESTS_READ,
    query=AdminGrantsQuery,
    responses={200: SupportGrantPage},
)
def support_org_grants(request: Request) -> func.HttpResponse:
    """The organisation's support requests and grants, newest first (``pending=true``: open ones)."""
    pending = request.query_as(AdminGrantsQuery).pending == "true"
    org_id = request.http.route_params["orgId"]
    page = listing.org_page(
        bootstrap.ports(), request.caller, org_id, paging.window(request), pending_only=pending
    )
    return json_response({"grants": page.items, "continuation": paging.continuation(request, page.after)})


def _decide(request: Request, *, approve: bool) -> func.HttpResponse:
    body = request.body_as(ApproveBody) if approve else None
    params = request.http.route_params
    ports = bootstrap.ports()
    record = grants.decide(
        ports,
        request.caller,
        params["orgId"],
        params["grantId"],
        approve=approve,
        if_match=require_if_match(request),
        scope=body.scope if body else None,
        case_id=(body.case_id or None) if body else None,
        level=body.level if body else None,
        hours=body.hours if body else None,
    )
    view = listing.admin_view(ports, record)
    return json_response(view, etag=str(view["etag"]))


@route(
    bp,
    name="support_approve",
    path=f"{_ORG}/{{grantId}}/approve",
    methods=["POST"],
    permission=Action.SUPPORT_DECIDE,
    body=ApproveBody,
    responses={200: SupportGrant},
)
def support_approve(request: Request) -> func.HttpResponse:
    """Approve a request as asked, or narrowed (If-Match: the version the admin saw)."""
    return _decide(request, approve=True)


@route(
    bp,
    name="support_deny",
    path=f"{_ORG}/{{grantId}}/deny",
    methods=["POST"],
    permission=Action.SUPPORT_DECIDE,
    responses={200: SupportGrant},
)
def support_deny(request: Request) -> func.HttpResponse:
    """Deny a request (If-Match)."""
    return _decide(request, approve=False)


@route(
    bp,
    name="support_revoke",
    path=f"{_ORG}/{{grantId}}/revoke",
    methods=["POST"],
    permission=Action.SUPPORT_DECIDE,
    responses={200: SupportGrant},
)
def support_revoke(request: Request) -> func.HttpResponse:
    """End a request, an approval or a live grant now: the operator's next request is refused."""
    params = request.http.route_params
    ports = bootstrap.ports()
    record = grants.revoke(ports, request.caller, params["orgId"], params["grantId"])
    view = listing.admin_view(ports, record)
    return json_response(view, etag=str(view["etag"]))
