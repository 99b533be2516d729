"""The signed-in user's own account: profile, sessions, password, welcome flag; and the
signed-out password reset (SPEC journey 3). Thin: parse → service → respond."""

from __future__ import annotations

from typing import Literal

import azure.functions as func
from pydantic import Field

from functions.auth import ConsentRecord
from functions.http import ApiModel, Request, json_response, paging, require_if_match, route
from shared import bootstrap
from shared.access.permissions import PUBLIC, Action
from shared.errors import InvalidInput
from shared.identity import accounts, credentials
from shared.identity.sessions import SessionService

bp = func.Blueprint()


class ProfileChanges(ApiModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    language: accounts.Language | None = None
    email_notifications: bool | None = None


class PasswordChange(ApiModel):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class ResetRequest(ApiModel):
    email: str = Field(min_length=3, max_length=254)


class ResetCompletion(ApiModel):
    token: str = Field(min_length=20, max_length=100)
    new_password: str = Field(max_length=1024)
    code: str | None = Field(default=None, max_length=20)
    recovery_code: str | None = Field(default=None, max_length=40)


class MyProfile(ApiModel):
    """The signed-in user's own profile (its version in the ``ETag`` header)."""

    user_id: str
    email: str
    name: str
    language: accounts.Language
    email_notifications: bool
    welcome_seen: bool
    consent: ConsentRecord | None


class MySession(ApiModel):
    session_id: str
    client: str
    created_at: str
    last_seen_at: str
    current: bool = Field(description="the session making this request")


class MySessions(ApiModel):
    """One page of the user's live sessions, newest first."""

    sessions: list[MySession]
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


class PasswordChanged(ApiModel):
    other_sessions_ended: int


class ResetRequested(ApiModel):
    """The same answer whether or not the address has an account."""

    status: Literal["sent-if-known"]


def _profile_view(item: dict[str, object]) -> dict[str, object]:
    keys = ("userId", "email", "name", "language", "emailNotifications", "welcomeSeen", "consent")
    return {k: item.get(k) for k in keys}


@route(
    bp,
    name="me_read",
    path="api/me",
    methods=["GET"],
    permission=Action.PROFILE_MANAGE,
    responses={200: MyProfile},
)
def me_read(request: Request) -> func.HttpResponse:
    item = accounts.profile(bootstrap.ports().store, request.actor)
    return json_response(_profile_view(item), etag=item["_etag"])


@route(
    bp,
    name="me_update",
    path="api/me",
    methods=["PATCH"],
    permission=Action.PROFILE_MANAGE,
    body=ProfileChanges,
    responses={200: MyProfile},
)
def me_update(request: Request) -> func.HttpResponse:
    body = request.body_as(ProfileChanges)
    changes = body.model_dump(exclude_none=True, by_alias=True)
    if not changes:
        raise InvalidInput("nothing to change")
    if "name" in changes:
        changes["name"] = changes["name"].strip()
    item = accounts.update_profile(
        bootstrap.ports().store, request.actor, changes, if_match=require_if_match(request)
    )
    return json_response(_profile_view(item), etag=item["_etag"])


@route(
    bp,
    name="me_welcome_seen",
    path="api/me/welcome-seen",
    methods=["POST"],
    permission=Action.PROFILE_MANAGE,
    responses={200: MyProfile},
)
def me_welcome_seen(request: Request) -> func.HttpResponse:
    store = bootstrap.ports().store
    item = accounts.profile(store, request.actor)
    if not item.get("welcomeSeen"):
        item = accounts.update_profile(store, request.actor, {"welcomeSeen": True}, if_match=item["_etag"])
    return json_response(_profile_view(item), etag=item["_etag"])


@route(
    bp,
    name="me_sessions",
    path="api/me/sessions",
    methods=["GET"],
    permission=Action.PROFILE_MANAGE,
    query=paging.PageQuery,
    responses={200: MySessions},
)
def me_sessions(request: Request) -> func.HttpResponse:
    ports = bootstrap.ports()
    service = SessionService(ports.store, ports.clock)
    page = service.page_for_user(request.actor, request.session_id, paging.window(request))
    sessions = page.items
    views = [
        {
            "sessionId": s.session_id,
            "client": s.client,
            "createdAt": s.created_at.isoformat(),
            "lastSeenAt": s.last_seen_at.isoformat(),
            "current": s.current,
        }
        for s in sessions
    ]
    return json_response({"sessions": views, "continuation": paging.continuation(request, page.after)})


@route(
    bp,
    name="me_session_end",
    path="api/me/sessions/{sessionId}",
    methods=["DELETE"],
    permission=Action.PROFILE_MANAGE,
    responses={204: None},
)
def me_session_end(request: Request) -> func.HttpResponse:
    ports = bootstrap.ports()
    SessionService(ports.store, ports.clock).end_by_id(request.actor, request.http.route_params["sessionId"])
    return func.HttpResponse(status_code=204)


@route(
    bp,
    name="me_password",
    path="api/me/password",
    methods=["POST"],
    permission=Action.PROFILE_MANAGE,
    body=PasswordChange,
    responses={200: PasswordChanged},
)
def me_password(request: Request) -> func.HttpResponse:
    body = request.body_as(PasswordChange)
    ended = credentials.change_password(
        bootstrap.ports(), request.actor, body.current_password, body.new_password, request.session_id
    )
    return json_response({"otherSessionsEnded": ended})


@route(
    bp,
    name="password_reset_request",
    path="api/auth/password-reset",
    methods=["POST"],
    permission=PUBLIC,
    body=ResetRequest,
    responses={202: ResetRequested},
)
def password_reset_request(request: Request) -> func.HttpResponse:
    body = request.body_as(ResetRequest)
    credentials.request_reset(bootstrap.ports(), body.email, request.client_key())
    return json_response({"status": "sent-if-known"}, 202)


@route(
    bp,
    name="password_reset_complete",
    path="api/auth/password-reset/complete",
    methods=["POST"],
    permission=PUBLIC,
    body=ResetCompletion,
    responses={204: None},
)
def password_reset_complete(request: Request) -> func.HttpResponse:
    body = request.body_as(ResetCompletion)
    credentials.complete_reset(
        bootstrap.ports(),
        body.token,
        body.new_password,
        request.client_key(),
        code=body.code,
        recovery_code=body.recovery_code,
    )
    return func.HttpResponse(status_code=204)
