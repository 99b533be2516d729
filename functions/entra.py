"""Sign-in with Microsoft Entra ID (issue 21, docs/decisions/032-entra-sign-in.md). Thin: parse →
``shared.identity.entra`` → respond.

A flow starts with a POST that answers the authority's URL and sets the pre-login cookie
(``__Host-casedesk-entra``, HttpOnly, Secure, ``SameSite=Lax`` — it must come back on the
redirect from Entra, a cross-site top-level GET; 10 minutes). The redirect lands on
``GET /api/auth/entra/callback``, which answers a 303 to a page of the app: after a sign-in with
the ordinary session cookie; when CaseDesk's TOTP is still needed to ``/login`` with the login
challenge in the fragment (never sent to a server); after a refusal with ``entraError=<code>``,
the stable problem code (its text is in the catalogs). msal is imported by the service only when
a flow starts or completes.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie
from urllib.parse import quote, urlencode

import azure.functions as func
from pydantic import Field

from functions.auth import session_cookie
from functions.http import ApiModel, Request, json_response, require_if_match, route
from shared import bootstrap
from shared.access.permissions import PUBLIC, Action
from shared.errors import CaseDeskError
from shared.identity import entra
from shared.log import log_event

bp = func.Blueprint()

FLOW_COOKIE = "__Host-casedesk-entra"
Id = Field(pattern=r"^[0-9a-f]{32}$")


class EntraConfig(ApiModel):
    """Whether "Sign in with Microsoft" is offered here."""

    enabled: bool


class StartBody(ApiModel):
    return_to: str | None = Field(default=None, max_length=200, description="a path of this site")


class LinkBody(StartBody):
    org_id: str = Id


class OrgLinkBody(StartBody):
    tenant_id: str = Field(max_length=36, description="the organisation's Entra tenant id (a GUID)")


class Authorize(ApiModel):
    """Where the browser goes now (the authority's sign-in page)."""

    authorize_url: str


class OwnLink(ApiModel):
    linked: bool
    tenant_id: str | None
    org_id: str | None
    linked_at: str | None


class OrgTenant(ApiModel):
    tenant_id: str | None
    linked_at: str | None


def flow_cookie(token: str, max_age: int) -> str:
    return f"{FLOW_COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={max_age}"


def _started(started: entra.Started) -> func.HttpResponse:
    response = json_response({"authorizeUrl": started.authorize_url})
    response.headers["Set-Cookie"] = flow_cookie(started.cookie_token, entra.FLOW_SECONDS)
    return response


def _flow_token(req: func.HttpRequest) -> str | None:
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(req.headers.get("cookie", ""))
    except CookieError:
        return None
    morsel = cookies.get(FLOW_COOKIE)
    return morsel.value if morsel else None


def _to(path: str, query: dict[str, str], fragment: str = "") -> str:
    joiner = "&" if "?" in path else "?"
    return path + (joiner + urlencode(query) if query else "") + (f"#{fragment}" if fragment else "")


def _redirect(location: str) -> func.HttpResponse:
    return func.HttpResponse(status_code=303, headers={"Location": location})


@route(
    bp,
    name="entra_config",
    path="api/auth/entra",
    methods=["GET"],
    permission=PUBLIC,
    responses={200: EntraConfig},
)
def entra_config(request: Request) -> func.HttpResponse:
    """Whether "Sign in with Microsoft" is offered."""
    return json_response({"enabled": entra.enabled()})


@route(
    bp,
    name="entra_start",
    path="api/auth/entra/start",
    methods=["POST"],
    permission=PUBLIC,
    body=StartBody,
    responses={200: Authorize},
)
def entra_start(request: Request) -> func.HttpResponse:
    """Start a sign-in with Microsoft: the authority's URL, and the pre-login cookie (at most
    ``STARTS_PER_CLIENT`` per client address in 15 minutes, then 429)."""
    body = request.body_as(StartBody)
    started = entra.start(
        bootstrap.ports(), "sign_in", return_to=body.return_to, client_key=request.client_key()
    )
    return _started(started)


@route(
    bp,
    name="entra_callback",
    path="api/auth/entra/callback",
    methods=["GET"],
    permission=PUBLIC,
    responses={303: None},
)
def entra_callback(request: Request) -> func.HttpResponse:
    """Where Entra redirects back: finish the flow, then go on to a page of the app."""
    ports = bootstrap.ports()
    record = None
    try:
        record = entra.take_flow(ports, _flow_token(request.http))
        agent = (request.http.headers.get("user-agent") or "unknown client")[:512]
        outcome = entra.complete(ports, record, dict(request.http.params), client=agent)
    except CaseDeskError as error:
        log_event("entra.refused", code=error.code, correlationId=request.correlation_id)
        response = _redirect(_to(entra.error_return(record), {"entraError": error.code}))
        response.headers.add("Set-Cookie", flow_cookie("", 0))
        return response
    if outcome.kind == "session" and outcome.session is not None:
        response = _redirect(outcome.return_to)
        response.headers.add(
            "Set-Cookie", session_cookie(outcome.session.token, outcome.absolute_seconds or 0)
        )
    elif outcome.kind == "second_factor":
        query = {"entra": "second_factor", "next": outcome.return_to}
        response = _redirect(_to("/login", query, f"challenge={quote(outcome.challenge or '')}"))
    else:
        response = _redirect(_to(outcome.return_to, {"entra": outcome.kind}))
    response.headers.add("Set-Cookie", flow_cookie("", 0))
    return response


@route(
    bp,
    name="entra_step_up",
    path="api/auth/entra/step-up",
    methods=["POST"],
    permission=Action.ENTRA_STEP_UP,
    body=StartBody,
    responses={200: Authorize},
)
def entra_step_up(request: Request) -> func.HttpResponse:
    """Ask Microsoft for a fresh sign-in (``prompt=login``) for this session (a step-up)."""
    body = request.body_as(StartBody)
    started = entra.start(
        bootstrap.ports(),
        "step_up",
        return_to=body.return_to,
        user_id=request.actor,
        session_token=request.session_token,
    )
    return _started(started)


@route(
    bp,
    name="entra_link",
    path="api/me/entra/link",
    methods=["POST"],
    permission=Action.ENTRA_LINK,
    body=LinkBody,
    responses={200: Authorize},
)
def entra_link(request: Request) -> func.HttpResponse:
    """Link one's own account to one's Microsoft account (staff of a linked organisation)."""
    body = request.body_as(LinkBody)
    started = entra.start(
        bootstrap.ports(),
        "link",
        return_to=body.return_to or "/profile",
        user_id=request.actor,
        org_id=body.org_id,
    )
    return _started(started)


@route(
    bp,
    name="entra_link_read",
    path="api/me/entra",
    methods=["GET"],
    permission=Action.ENTRA_LINK,
    responses={200: OwnLink},
)
def entra_link_read(request: Request) -> func.HttpResponse:
    """Whether one's account is linked to a Microsoft account, and since when."""
    link = entra.linked_identity(bootstrap.ports(), request.actor)
    return json_response(
        {
            "linked": link is not None,
            "tenantId": link["tenantId"] if link else None,
            "orgId": link["orgId"] if link else None,
            "linkedAt": link["linkedAt"] if link else None,
        }
    )


@route(
    bp,
    name="entra_unlink",
    path="api/me/entra",
    methods=["DELETE"],
    permission=Action.ENTRA_LINK,
    responses={204: None},
)
def entra_unlink(request: Request) -> func.HttpResponse:
    """End one's own link: signing in with Microsoft stops; the password and TOTP stay."""
    entra.unlink_own(bootstrap.ports(), request.actor)
    return func.HttpResponse(status_code=204)


@route(
    bp,
    name="org_entra_read",
    path="api/orgs/{orgId}/entra",
    methods=["GET"],
    permission=Action.ORG_ENTRA_MANAGE,
    responses={200: OrgTenant},
)
def org_entra_read(request: Request) -> func.HttpResponse:
    """The Entra tenant the organisation is linked to (staff may sign in with Microsoft)."""
    item = entra.org_tenant(bootstrap.ports(), request.http.route_params["orgId"])
    return json_response(
        {"tenantId": item.get("entraTenantId"), "linkedAt": item.get("entraLinkedAt")}, etag=item["_etag"]
    )


@route(
    bp,
    name="org_entra_link",
    path="api/orgs/{orgId}/entra/link",
    methods=["POST"],
    permission=Action.ORG_ENTRA_MANAGE,
    body=OrgLinkBody,
    responses={200: Authorize},
)
def org_entra_link(request: Request) -> func.HttpResponse:
    """Link the organisation to its Entra tenant: an org admin signs in from it once."""
    body = request.body_as(OrgLinkBody)
    org_id = request.http.route_params["orgId"]
    started = entra.start(
        bootstrap.ports(),
        "link_org",
        return_to=body.return_to or f"/orgs/{org_id}",
        user_id=request.actor,
        org_id=org_id,
        tenant_id=body.tenant_id,
    )
    return _started(started)


@route(
    bp,
    name="org_entra_unlink",
    path="api/orgs/{orgId}/entra",
    methods=["DELETE"],
    permission=Action.ORG_ENTRA_MANAGE,
    responses={204: None},
)
def org_entra_unlink(request: Request) -> func.HttpResponse:
    """End the organisation's link to its tenant (If-Match): its staff's Microsoft sign-in stops."""
    entra.unlink_org(
        bootstrap.ports(),
        request.caller,
        request.http.route_params["orgId"],
        if_match=require_if_match(request),
    )
    return func.HttpResponse(status_code=204)
