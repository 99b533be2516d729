"""Onboarding, login and logout (SPEC journeys 2–3). Thin: parse → service → respond.

Tokens travel in JSON bodies, never in URLs (links carry them in the fragment), so they do not
end up in access logs. A successful login or onboarding sets one cookie (HttpOnly, Secure,
SameSite=Strict, ``__Host-`` prefix) and returns the CSRF token the app must echo in
``X-CSRF-Token`` on every state-changing request.
"""

from __future__ import annotations

from typing import Literal

import azure.functions as func
from pydantic import Field

from functions.http import SESSION_COOKIE, ApiModel, Request, json_response, route
from functions.http.session import authenticate
from shared import bootstrap, config, i18n
from shared.access.permissions import PUBLIC, Action
from shared.cases import participants
from shared.errors import NotFound, Unauthenticated
from shared.identity import accounts, legal, login, onboarding
from shared.identity.qr import otpauth_qr_svg
from shared.identity.sessions import SessionService, csrf_token_for

bp = func.Blueprint()

Token = Field(min_length=20, max_length=100)


class TokenBody(ApiModel):
    token: str = Token


class ConsentBody(ApiModel):
    token: str = Token
    terms: str = Field(max_length=20)
    privacy: str = Field(max_length=20)


class PasswordBody(ApiModel):
    token: str = Token
    password: str = Field(max_length=1024)


class CodeBody(ApiModel):
    token: str = Token
    code: str = Field(max_length=20)


class LoginBody(ApiModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(max_length=1024)


class SecondFactorBody(ApiModel):
    challenge: str = Token
    code: str | None = Field(default=None, max_length=20)
    recovery_code: str | None = Field(default=None, max_length=40)


class ReConsentBody(ApiModel):
    terms: str = Field(max_length=20)
    privacy: str = Field(max_length=20)


class LegalVersions(ApiModel):
    """The versions in force of the legal documents (what a consent must name)."""

    terms: str
    privacy: str


class LegalDocument(ApiModel):
    kind: legal.Kind
    version: str
    language: accounts.Language
    markdown: str


class OnboardingState(ApiModel):
    """What the onboarding page shows for a link, and the step that comes next."""

    email: str
    language: accounts.Language
    step: Literal["login", "consent", "password", "totp"]
    versions: LegalVersions
    expires_at: str


class ConsentAccepted(ApiModel):
    step: Literal["password"]


class TotpEnrolment(ApiModel):
    """The authenticator to set up (shown once): its URI, the secret as text, and a QR code."""

    step: Literal["totp"]
    otpauth_uri: str
    secret: str
    qr_svg: str


class SessionStarted(ApiModel):
    """Sent with the session cookie: the token to echo in ``X-CSRF-Token``."""

    csrf_token: str
    session_id: str


class OnboardingComplete(SessionStarted):
    step: Literal["welcome"]
    recovery_codes: list[str]


class LoginChallenge(ApiModel):
    challenge: str
    next: Literal["second_factor"]


class SignedIn(SessionStarted):
    consent_required: bool
    recovery_codes_left: int | None = Field(
        default=None,
        description="after a sign-in with a recovery code: how many are left (the app then "
        "suggests new codes or a new authenticator); null after a sign-in with the authenticator",
    )


class CurrentSession(ApiModel):
    user_id: str
    session_id: str
    name: str
    language: accounts.Language
    consent_required: bool
    versions: LegalVersions
    csrf_token: str
    kind: Literal["user", "operator"] = Field(
        "user", description="operator: platform support staff (issue 22: the app shows their support pages)"
    )


class ConsentRecord(ApiModel):
    """The versions a person accepted, and when."""

    terms: str
    privacy: str
    accepted_at: str


class ConsentRecorded(ApiModel):
    consent: ConsentRecord


class InvitationAccepted(ApiModel):
    org_id: str
    role: str | None
    case_id: str | None


def session_cookie(token: str, max_age: int) -> str:
    return f"{SESSION_COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={max_age}"


def signed_in(user_id: str, request: Request, body: dict[str, object]) -> func.HttpResponse:
    """Start a session for ``user_id`` and answer with its cookie and CSRF token."""
    ports = bootstrap.ports()
    agent = (request.http.headers.get("user-agent") or "unknown client")[:512]
    new = SessionService(ports.store, ports.clock).start(user_id, agent)
    response = json_response({**body, "csrfToken": new.csrf_token, "sessionId": new.session_id})
    response.headers["Set-Cookie"] = session_cookie(
        new.token, config.int_setting("CASEDESK_SESSION_ABSOLUTE_SECONDS")
    )
    return response


@route(
    bp,
    name="legal_document",
    path="api/legal/{kind:alpha}",
    methods=["GET"],
    permission=PUBLIC,
    responses={200: LegalDocument},
)
def legal_document(request: Request) -> func.HttpResponse:
    requested = request.http.route_params.get("kind")
    if requested not in ("terms", "privacy"):
        raise NotFound("no such document")
    kind: Literal["terms", "privacy"] = "terms" if requested == "terms" else "privacy"
    versions = legal.current_versions()
    text = legal.document(kind, request.language)
    return json_response(
        {"kind": kind, "version": versions[kind], "language": request.language, "markdown": text}
    )


@route(
    bp,
    name="onboarding_inspect",
    path="api/onboarding/inspect",
    methods=["POST"],
    permission=PUBLIC,
    body=TokenBody,
    responses={200: OnboardingState},
)
def onboarding_inspect(request: Request) -> func.HttpResponse:
    body = request.body_as(TokenBody)
    return json_response(onboarding.inspect(bootstrap.ports(), body.token))


@route(
    bp,
    name="onboarding_consent",
    path="api/onboarding/consent",
    methods=["POST"],
    permission=PUBLIC,
    body=ConsentBody,
    responses={200: ConsentAccepted},
)
def onboarding_consent(request: Request) -> func.HttpResponse:
    body = request.body_as(ConsentBody)
    onboarding.accept_terms(bootstrap.ports(), body.token, terms=body.terms, privacy=body.privacy)
    return json_response({"step": "password"})


@route(
    bp,
    name="onboarding_password",
    path="api/onboarding/password",
    methods=["POST"],
    permission=PUBLIC,
    body=PasswordBody,
    responses={200: TotpEnrolment},
)
def onboarding_password(request: Request) -> func.HttpResponse:
    body = request.body_as(PasswordBody)
    enrolment = onboarding.set_password(bootstrap.ports(), body.token, body.password)
    qr = otpauth_qr_svg(enrolment.otpauth_uri, title=i18n.translate("onboarding.qrTitle", request.language))
    return json_response(
        {"step": "totp", "otpauthUri": enrolment.otpauth_uri, "secret": enrolment.secret, "qrSvg": qr}
    )


@route(
    bp,
    name="onboarding_totp",
    path="api/onboarding/totp",
    methods=["POST"],
    permission=PUBLIC,
    body=CodeBody,
    responses={200: OnboardingComplete},
)
def onboarding_totp(request: Request) -> func.HttpResponse:
    body = request.body_as(CodeBody)
    user_id, codes = onboarding.confirm_totp(
        bootstrap.ports(), body.token, body.code, join_case=participants.activate
    )
    return signed_in(user_id, request, {"step": "welcome", "recoveryCodes": codes})


@route(
    bp,
    name="login",
    path="api/auth/login",
    methods=["POST"],
    permission=PUBLIC,
    body=LoginBody,
    responses={200: LoginChallenge},
)
def login_password(request: Request) -> func.HttpResponse:
    body = request.body_as(LoginBody)
    challenge = login.password_step(bootstrap.ports(), body.email, body.password, request.client_key())
    return json_response({"challenge": challenge, "next": "second_factor"})


@route(
    bp,
    name="login_second_factor",
    path="api/auth/login/second-factor",
    methods=["POST"],
    permission=PUBLIC,
    body=SecondFactorBody,
    responses={200: SignedIn},
)
def login_second_factor(request: Request) -> func.HttpResponse:
    body = request.body_as(SecondFactorBody)
    user_id = login.second_factor_step(
        bootstrap.ports(),
        body.challenge,
        request.client_key(),
        code=body.code,
        recovery_code=body.recovery_code,
    )
    store = bootstrap.ports().store
    profile = accounts.profile(store, user_id)
    body_out: dict[str, object] = {"consentRequired": not onboarding.consent_is_current(profile)}
    if body.recovery_code is not None:
        creds = accounts.credentials(store, user_id) or {}
        body_out["recoveryCodesLeft"] = len(creds.get("recoveryCodes") or [])
    return signed_in(user_id, request, body_out)


@route(
    bp,
    name="logout",
    path="api/auth/logout",
    methods=["POST"],
    permission=Action.SESSION_USE,
    responses={204: None},
)
def logout(request: Request) -> func.HttpResponse:
    ports = bootstrap.ports()
    SessionService(ports.store, ports.clock).end(request.session_token or "")
    response = func.HttpResponse(status_code=204)
    response.headers["Set-Cookie"] = session_cookie("", 0)
    return response


@route(
    bp,
    name="session",
    path="api/auth/session",
    methods=["GET"],
    permission=Action.SESSION_USE,
    responses={200: CurrentSession},
)
def current_session(request: Request) -> func.HttpResponse:
    """Who is signed in, whether they must re-consent, and the CSRF token (after a page reload
    the app has only the HttpOnly cookie; the token is derived from it server-side)."""
    return json_response(_session_view(request))


def _session_view(request: Request) -> dict[str, object]:
    profile = accounts.profile(bootstrap.ports().store, request.actor)
    return {
        "userId": request.actor,
        "sessionId": request.session_id,
        "name": profile["name"],
        "language": profile["language"],
        "consentRequired": not onboarding.consent_is_current(profile),
        "versions": legal.current_versions(),
        "csrfToken": csrf_token_for(request.session_token or ""),
        "kind": "operator" if profile.get("kind") == "operator" else "user",
    }


class SessionStatus(ApiModel):
    """``GET api/auth/status``: whether this browser is signed in — without a 401 when it is not."""

    signed_in: bool
    session: CurrentSession | None = None


@route(
    bp,
    name="session_status",
    path="api/auth/status",
    methods=["GET"],
    permission=PUBLIC,
    responses={200: SessionStatus},
)
def session_status(request: Request) -> func.HttpResponse:
    """The app asks this on every page load: a signed-out visitor is normal, not an error, so it
    must not show up as a failed request (a red 401 in the browser's console). A session the
    cookie names is checked exactly as every other route checks it (idle and absolute expiry)."""
    try:
        signed = authenticate(request, Action.SESSION_USE)
    except Unauthenticated:
        return json_response({"signedIn": False, "session": None})
    return json_response({"signedIn": True, "session": _session_view(signed)})


@route(
    bp,
    name="consent",
    path="api/me/consent",
    methods=["POST"],
    permission=Action.CONSENT_WRITE,
    body=ReConsentBody,
    responses={200: ConsentRecorded},
)
def consent(request: Request) -> func.HttpResponse:
    body = request.body_as(ReConsentBody)
    profile = onboarding.record_consent(
        bootstrap.ports(), request.actor, terms=body.terms, privacy=body.privacy
    )
    return json_response({"consent": profile["consent"]})


@route(
    bp,
    name="invitation_accept",
    path="api/invitations/accept",
    methods=["POST"],
    permission=Action.PROFILE_MANAGE,
    body=TokenBody,
    responses={200: InvitationAccepted},
)
def invitation_accept(request: Request) -> func.HttpResponse:
    body = request.body_as(TokenBody)
    accepted = onboarding.accept_as(
        bootstrap.ports(), body.token, request.actor, join_case=participants.activate
    )
    return json_response(accepted)
