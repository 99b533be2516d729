"""The signed-in user's own account: profile, sessions, password, welcome flag; and the
signed-out password reset (SPEC journey 3). Thin: parse → service → respond."""

from __future__ import annotations

from typing import Literal

import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field

from functions.http import Request, json_response, parse_json, require_if_match, route
from shared import bootstrap
from shared.access.permissions import PUBLIC, Action
from shared.errors import InvalidInput
from shared.identity import accounts, credentials
from shared.identity.sessions import SessionService

bp = func.Blueprint()


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProfileChanges(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    language: Literal["en", "de"] | None = None
    emailNotifications: bool | None = None  # noqa: N815 - JSON field name


class PasswordChange(Strict):
    currentPassword: str = Field(max_length=1024)  # noqa: N815
    newPassword: str = Field(max_length=1024)  # noqa: N815


class ResetRequest(Strict):
    email: str = Field(min_length=3, max_length=254)


class ResetCompletion(Strict):
    token: str = Field(min_length=20, max_length=100)
    newPassword: str = Field(max_length=1024)  # noqa: N815
    code: str | None = Field(default=None, max_length=20)
    recoveryCode: str | None = Field(default=None, max_length=40)  # noqa: N815


def _profile_view(item: dict[str, object]) -> dict[str, object]:
    keys = ("userId", "email", "name", "language", "emailNotifications", "welcomeSeen", "consent")
    return {k: item.get(k) for k in keys}


@route(bp, name="me_read", path="api/me", methods=["GET"], permission=Action.PROFILE_MANAGE)
def me_read(request: Request) -> func.HttpResponse:
    item = accounts.profile(bootstrap.ports().store, request.actor)
    return json_response(_profile_view(item), etag=item["_etag"])


@route(bp, name="me_update", path="api/me", methods=["PATCH"], permission=Action.PROFILE_MANAGE)
def me_update(request: Request) -> func.HttpResponse:
    body = parse_json(request.http, ProfileChanges)
    changes = body.model_dump(exclude_none=True)
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
)
def me_welcome_seen(request: Request) -> func.HttpResponse:
    store = bootstrap.ports().store
    item = accounts.profile(store, request.actor)
    if not item.get("welcomeSeen"):
        item = accounts.update_profile(store, request.actor, {"welcomeSeen": True}, if_match=item["_etag"])
    return json_response(_profile_view(item), etag=item["_etag"])


@route(bp, name="me_sessions", path="api/me/sessions", methods=["GET"], permission=Action.PROFILE_MANAGE)
def me_sessions(request: Request) -> func.HttpResponse:
    ports = bootstrap.ports()
    sessions = SessionService(ports.store, ports.clock).list_for_user(request.actor, request.session_id)
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
    return json_response({"sessions": views})


@route(
    bp,
    name="me_session_end",
    path="api/me/sessions/{sessionId}",
    methods=["DELETE"],
    permission=Action.PROFILE_MANAGE,
)
def me_session_end(request: Request) -> func.HttpResponse:
    ports = bootstrap.ports()
    SessionService(ports.store, ports.clock).end_by_id(request.actor, request.http.route_params["sessionId"])
    return func.HttpResponse(status_code=204)


@route(bp, name="me_password", path="api/me/password", methods=["POST"], permission=Action.PROFILE_MANAGE)
def me_password(request: Request) -> func.HttpResponse:
    body = parse_json(request.http, PasswordChange)
    ended = credentials.change_password(
        bootstrap.ports(), request.actor, body.currentPassword, body.newPassword, request.session_id
    )
    return json_response({"otherSessionsEnded": ended})


@route(bp, name="password_reset_request", path="api/auth/password-reset", methods=["POST"], permission=PUBLIC)
def password_reset_request(request: Request) -> func.HttpResponse:
    body = parse_json(request.http, ResetRequest)
    credentials.request_reset(bootstrap.ports(), body.email, request.client_key())
    return json_response({"status": "sent-if-known"}, 202)


@route(
    bp,
    name="password_reset_complete",
    path="api/auth/password-reset/complete",
    methods=["POST"],
    permission=PUBLIC,
)
def password_reset_complete(request: Request) -> func.HttpResponse:
    body = parse_json(request.http, ResetCompletion)
    credentials.complete_reset(
        bootstrap.ports(),
        body.token,
        body.newPassword,
        request.client_key(),
        code=body.code,
        recovery_code=body.recoveryCode,
    )
    return func.HttpResponse(status_code=204)
