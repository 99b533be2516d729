"""Sharing (SPEC journey 7), one set of routes per registered item type (shared/items): "who has access",
grant (with an optional expiry), revoke — owner only — and "see what X sees". Every grant and
revoke is audited with the grant's id (item and grantee), never with content.
"""

from __future__ import annotations

import azure.functions as func
from pydantic import BaseModel, ConfigDict

from functions import params
from functions.http import Request, json_response, parse_json, route
from shared import bootstrap
from shared.access.permissions import Action
from shared.cases.participants import open_case
from shared.identity import accounts
from shared.items import REGISTRY, ItemType, hooks
from shared.sharing import as_seen_by, revoke, share, who_has_access

bp = func.Blueprint()


class GrantBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Text, read by the one time parser (functions/params.py): bounded years, a stable error code.
    expiresAt: str | None = None  # noqa: N815 - JSON field name


def _register(kind: ItemType) -> None:
    item_type, param = kind.name, kind.route_param
    one = f"api/cases/{{caseId}}/{kind.segment}/{{{param}}}"

    def ids(request: Request) -> tuple[str, str]:
        return request.http.route_params["caseId"], request.http.route_params[param]

    @route(
        bp, name=f"{item_type}_access", path=one + "/access", methods=["GET"], permission=Action.ITEM_SHARE
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
    )
    def grant(request: Request) -> func.HttpResponse:
        case_id, item_id = ids(request)
        grantee = request.http.route_params["userId"]
        body = parse_json(request.http, GrantBody)
        expires_at = None if body.expiresAt is None else params.parse_datetime(body.expiresAt, "expiresAt")
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
