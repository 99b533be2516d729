"""Organisation staff administration by org admins: invite, list, resend, revoke, roles/flags.

Org admins manage accounts but never see case content (SPEC §1); nothing here touches cases.
"""

from __future__ import annotations

from typing import Literal

import azure.functions as func
from pydantic import Field

from functions.http import ApiModel, Request, json_response, paging, require_if_match, route
from shared import bootstrap
from shared.access.permissions import Action
from shared.identity import accounts, orgs, staff
from shared.identity.orgs import Role

bp = func.Blueprint()


class InviteStaffBody(ApiModel):
    email: str = Field(min_length=3, max_length=254)
    name: str = Field(min_length=1, max_length=120)
    language: accounts.Language
    role: Role


class UpdateStaffBody(ApiModel):
    roles: list[Role] = Field(min_length=1, max_length=2)
    access_all_cases: bool


class StaffInvitation(ApiModel):
    """An invitation into the organisation or one of its cases (``role`` is then a case role)."""

    invitation_id: str
    email: str
    role: str
    status: Literal["pending", "accepted", "revoked"]
    created_at: str
    expires_at: str = Field(description="when the link stops working (meaningful while pending)")
    accepted_at: str | None = None
    revoked_at: str | None = None


class StaffMember(ApiModel):
    user_id: str
    name: str
    email: str
    roles: list[Role]
    access_all_cases: bool
    etag: str = Field(description="the member's version, for If-Match on a change")


class StaffOverview(ApiModel):
    """One page of the organisation's staff, by user id (invitations: GET …/invitations)."""

    members: list[StaffMember]
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


class StaffInvitations(ApiModel):
    """One page of the organisation's staff invitations, oldest first."""

    invitations: list[StaffInvitation]
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


class StaffRoles(ApiModel):
    """A member's roles after a change (the new version in the ``ETag`` header)."""

    user_id: str
    roles: list[Role]
    access_all_cases: bool


class MyOrg(ApiModel):
    org_id: str
    name: str
    roles: list[Role]
    access_all_cases: bool


class MyOrgs(ApiModel):
    """One page of the user's organisations, by organisation id."""

    orgs: list[MyOrg]
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


def _invitation_view(item: dict[str, object]) -> dict[str, object]:
    keys = ("invitationId", "email", "role", "status", "createdAt", "expiresAt", "acceptedAt", "revokedAt")
    return {k: item.get(k) for k in keys}


@route(
    bp,
    name="staff_invite",
    path="api/orgs/{orgId}/invitations",
    methods=["POST"],
    permission=Action.STAFF_MANAGE,
    body=InviteStaffBody,
    responses={201: StaffInvitation},
)
def staff_invite(request: Request) -> func.HttpResponse:
    body = request.body_as(InviteStaffBody)
    org_id = request.http.route_params["orgId"]
    index = staff.invite(
        bootstrap.ports(),
        request.caller,
        org_id,
        email=body.email,
        name=body.name,
        language=body.language,
        role=body.role,
    )
    location = f"/api/orgs/{org_id}/invitations/{index['invitationId']}"
    return json_response(_invitation_view(index), 201, location=location)


@route(
    bp,
    name="staff_list",
    path="api/orgs/{orgId}/staff",
    methods=["GET"],
    permission=Action.STAFF_READ,
    query=paging.PageQuery,
    responses={200: StaffOverview},
)
def staff_list(request: Request) -> func.HttpResponse:
    """The organisation's staff, one page by user id."""
    ports = bootstrap.ports()
    org_id = request.http.route_params["orgId"]
    page = staff.members_page(ports, request.caller, org_id, paging.window(request))
    people = accounts.profiles(ports.store, [str(item["userId"]) for item in page.items])
    members = []
    for item in page.items:
        profile = people.get(str(item["userId"]), {})
        members.append(
            {
                "userId": item["userId"],
                "name": profile.get("name", ""),
                "email": profile.get("email", ""),
                "roles": item["roles"],
                "accessAllCases": item["accessAllCases"],
                "etag": item["_etag"],
            }
        )
    return json_response({"members": members, "continuation": paging.continuation(request, page.after)})


@route(
    bp,
    name="staff_invitations",
    path="api/orgs/{orgId}/invitations",
    methods=["GET"],
    permission=Action.STAFF_READ,
    query=paging.PageQuery,
    responses={200: StaffInvitations},
)
def staff_invitations(request: Request) -> func.HttpResponse:
    """The organisation's staff invitations (pending, accepted, revoked), one page, oldest first;
    invitations into its cases are the case's business (its participants list)."""
    org_id = request.http.route_params["orgId"]
    page = staff.invitations_page(bootstrap.ports(), org_id, paging.window(request))
    views = [_invitation_view(i) for i in page.items]
    return json_response({"invitations": views, "continuation": paging.continuation(request, page.after)})


@route(
    bp,
    name="staff_invitation_resend",
    path="api/orgs/{orgId}/invitations/{invitationId}/resend",
    methods=["POST"],
    permission=Action.STAFF_MANAGE,
    responses={200: StaffInvitation},
)
def staff_invitation_resend(request: Request) -> func.HttpResponse:
    params = request.http.route_params
    index = staff.resend(bootstrap.ports(), request.caller, params["orgId"], params["invitationId"])
    return json_response(_invitation_view(index))


@route(
    bp,
    name="staff_invitation_revoke",
    path="api/orgs/{orgId}/invitations/{invitationId}",
    methods=["DELETE"],
    permission=Action.STAFF_MANAGE,
    responses={200: StaffInvitation},
)
def staff_invitation_revoke(request: Request) -> func.HttpResponse:
    params = request.http.route_params
    index = staff.revoke(bootstrap.ports(), request.caller, params["orgId"], params["invitationId"])
    return json_response(_invitation_view(index))


@route(
    bp,
    name="staff_update",
    path="api/orgs/{orgId}/staff/{userId}",
    methods=["PATCH"],
    permission=Action.STAFF_MANAGE,
    body=UpdateStaffBody,
    responses={200: StaffRoles},
)
def staff_update(request: Request) -> func.HttpResponse:
    body = request.body_as(UpdateStaffBody)
    params = request.http.route_params
    item = staff.update(
        bootstrap.ports(),
        request.caller,
        params["orgId"],
        params["userId"],
        roles=body.roles,
        access_all_cases=body.access_all_cases,
        if_match=require_if_match(request),
    )
    return json_response(
        {"userId": item["userId"], "roles": item["roles"], "accessAllCases": item["accessAllCases"]},
        etag=item["_etag"],
    )


@route(
    bp,
    name="my_orgs",
    path="api/me/orgs",
    methods=["GET"],
    permission=Action.ORGS_LIST_MINE,
    query=paging.PageQuery,
    responses={200: MyOrgs},
)
def my_orgs(request: Request) -> func.HttpResponse:
    """The organisations the user is staff of (where the app offers org admin and case views)."""
    page = orgs.my_orgs_page(bootstrap.ports().store, request.actor, paging.window(request))
    views = [
        {
            "orgId": f["org"]["orgId"],
            "name": f["org"]["name"],
            "roles": f["member"]["roles"],
            "accessAllCases": f["member"].get("accessAllCases", False),
        }
        for f in page.items
    ]
    return json_response({"orgs": views, "continuation": paging.continuation(request, page.after)})
