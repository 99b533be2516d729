"""Sharing (SPEC journey 7), one set of routes per registered item type (shared/items): "who has access",
grant (with an optional expiry), revoke — owner only — and "see what X sees". Every grant and
revoke is audited with the grant's id (item and grantee), never with content.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import azure.functions as func
import pydantic

from functions import params
from functions.documents import DocumentView
from functions.http import ApiModel, Request, json_response, route
from functions.notes import NoteSummary
from shared import bootstrap
from shared.access.permissions import Action
from shared.cases.participants import CaseRole, open_case
from shared.identity import accounts
from shared.items import REGISTRY, ItemType, hooks
from shared.sharing import as_seen_by, revoke, share, who_has_access

bp = func.Blueprint()


#: Text on the wire, read by the one time parser (functions/params.py: bounded years, a stable
#: error code); the document tells clients it is an ISO 8601 time.
_DateTimeText = Annotated[str, pydantic.WithJsonSchema({"type": "string", "format": "date-time"})]


class GrantBody(ApiModel):
    expires_at: _DateTimeText | None = None


class AccessEntry(ApiModel):
    """Someone who can see the item now: its owner, or a participant holding a grant."""

    user_id: str
    name: str | None
    role: CaseRole | None
    access: Literal["owner", "shared"]
    expires_at: datetime | None
    since: datetime | None


class AccessList(ApiModel):
    access: list[AccessEntry]


class Grant(ApiModel):
    user_id: str
    expires_at: datetime | None
    since: datetime


#: How each item type shows in a list (its module's ``views_of``): "see what X sees" answers one
#: list per registered type, under the type's URL segment.
_LISTED: dict[str, Any] = {"doc": list[DocumentView], "note": list[NoteSummary]}
_SEEN: dict[str, Any] = {kind.segment: (_LISTED[kind.name], ...) for kind in REGISTRY.values()}
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
        responses={200: AccessList},
    )
    def access(request: Request) -> func.HttpResponse:
        case_id, item_id = ids(request)
        ports = bootstrap.ports()
        entries = who_has_access(ports, request.caller, case_id, item_type, item_id)
        named = [{**e, "name": accounts.profile(ports.store, e["userId"]).get("name")} for e in entries]
        return json_response({"access": named})

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
            ports, request.caller, case_id, item_type, item_id, grantee_id=grantee, expires_at=expires_at
        )
        return json_response(
            {"userId": grantee, "expiresAt": stored["expiresAt"], "since": stored["createdAt"]}
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
    responses={200: SeenBy},
)
def item_preview(request: Request) -> func.HttpResponse:
    """ "See what X sees": the caller's own items exactly as participant X gets them listed."""
    case_id, viewer = request.http.route_params["caseId"], request.http.route_params["userId"]
    ports = bootstrap.ports()
    result = {
        kind.segment: hooks(kind).views_of(
            ports, as_seen_by(ports, case_id, kind.name, owner_id=request.actor, viewer_id=viewer), viewer
        )
        for kind in REGISTRY.values()
    }
    return json_response(result)
