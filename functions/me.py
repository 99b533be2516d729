"""The signed-in user's own account: profile, sessions, password, second factor (new recovery
codes, a new authenticator — both after a fresh second factor), welcome flag; and the signed-out
password reset (SPEC journey 3). Thin: parse → service → respond."""

from __future__ import annotations

from typing import Literal

import azure.functions as func
from pydantic import Field

from functions.auth import ConsentRecord, TotpEnrolment
from functions.http import ApiModel, Request, json_response, paging, require_if_match, route
from shared import bootstrap, i18n
from shared.access.permissions import PUBLIC, Action
from shared.errors import InvalidInput
from shared.identity import accounts, credentials, onboarding_feedback, second_factor
from shared.identity.qr import otpauth_qr_svg
from shared.identity.sessions import SessionService

bp = func.Blueprint()


class ProfileChanges(ApiModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    language: accounts.Language | None = None
    email_notifications: bool | None = None


class PasswordChange(ApiModel):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class FreshSecondFactor(ApiModel):
    """Exactly one of them: a code from the authenticator, or one of the recovery codes."""

    code: str | None = Field(default=None, max_length=20)
    recovery_code: str | None = Field(default=None, max_length=40)


class NewAuthenticatorCode(ApiModel):
    code: str = Field(max_length=20, description="a code from the new authenticator")


class NewRecoveryCodes(ApiModel):
    """Shown once: only their hashes are kept; the earlier codes no longer work."""

    recovery_codes: list[str]


class OnboardingFeedbackBody(ApiModel):
    """Both empty: "no, thanks" (the question is not asked again either way)."""

    rating: int | None = Field(default=None, ge=1, le=5)
    comment: str | None = Field(default=None, max_length=2000)


class OtherSessionsEnded(ApiModel):
    ended: int


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
    feedback_asked: bool = Field(description="the onboarding feedback was given or declined")
    consent: ConsentRecord | None
    recovery_codes_left: int = Field(description="unused recovery codes")


class MySession(ApiModel):
    session_id: str
    client: str = Field(description="the User-Agent, shortened; ``browser`` and ``system`` name it")
    browser: str | None = Field(description='"Firefox", "Edge", … (null: not recognised)')
    system: str | None = Field(description='"Windows", "iPhone", … (null: not recognised)')
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
    user_id = str(item["userId"])
    left = second_factor.recovery_codes_left(accounts.credentials(bootstrap.ports().store, user_id))
    view = {k: item.get(k) for k in keys}
    return {**view, "feedbackAsked": bool(item.get("feedbackAsked")), "recoveryCodesLeft": left}


def _fresh(request: Request) -> FreshSecondFactor:
    body = request.body_as(FreshSecondFactor)
    if (body.code is None) == (body.recovery_code is None):
        raise InvalidInput("give exactly one of code and recoveryCode", field="code")
    return body


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
    name="me_onboarding_feedback",
    path="api/me/onboarding-feedback",
    methods=["POST"],
    permission=Action.PROFILE_MANAGE,
    body=OnboardingFeedbackBody,
    responses={204: None},
)
def me_onboarding_feedback(request: Request) -> func.HttpResponse:
    """Stored without the person's identity or any case data (shared/identity/onboarding_feedback.py)."""
    body = request.body_as(OnboardingFeedbackBody)
    onboarding_feedback.record(bootstrap.ports(), request.actor, rating=body.rating, comment=body.comment)
    return func.HttpResponse(status_code=204)


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
            "browser": s.browser,
            "system": s.system,
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
    name="me_sessions_end_others",
    path="api/me/other-sessions",
    methods=["DELETE"],
    permission=Action.PROFILE_MANAGE,
    responses={200: OtherSessionsEnded},
)
def me_sessions_end_others(request: Request) -> func.HttpResponse:
    """Sign out everywhere else: every session of the user but this one."""
    ports = bootstrap.ports()
    ended = SessionService(ports.store, ports.clock).end_all_except(request.actor, request.session_id)
    return json_response({"ended": ended})


@route(
    bp,
    name="me_recovery_codes_renew",
    path="api/me/recovery-codes",
    methods=["POST"],
    permission=Action.PROFILE_MANAGE,
    body=FreshSecondFactor,
    responses={200: NewRecoveryCodes},
)
def me_recovery_codes_renew(request: Request) -> func.HttpResponse:
    body = _fresh(request)
    codes = second_factor.renew_recovery_codes(
        bootstrap.ports(),
        request.actor,
        request.client_key(),
        code=body.code,
        recovery_code=body.recovery_code,
    )
    return json_response({"recoveryCodes": codes})


@route(
    bp,
    name="me_authenticator_start",
    path="api/me/authenticator",
    methods=["POST"],
    permission=Action.PROFILE_MANAGE,
    body=FreshSecondFactor,
    responses={200: TotpEnrolment},
)
def me_authenticator_start(request: Request) -> func.HttpResponse:
    body = _fresh(request)
    enrolment = second_factor.start_authenticator(
        bootstrap.ports(),
        request.actor,
        request.client_key(),
        code=body.code,
        recovery_code=body.recovery_code,
    )
    qr = otpauth_qr_svg(enrolment.otpauth_uri, title=i18n.translate("onboarding.qrTitle", request.language))
    return json_response(
        {"step": "totp", "otpauthUri": enrolment.otpauth_uri, "secret": enrolment.secret, "qrSvg": qr}
    )


@route(
    bp,
    name="me_authenticator_confirm",
    path="api/me/authenticator/confirm",
    methods=["POST"],
    permission=Action.PROFILE_MANAGE,
    body=NewAuthenticatorCode,
    responses={204: None},
)
def me_authenticator_confirm(request: Request) -> func.HttpResponse:
    body = request.body_as(NewAuthenticatorCode)
    second_factor.confirm_authenticator(bootstrap.ports(), request.actor, request.client_key(), body.code)
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
