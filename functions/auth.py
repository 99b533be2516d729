"""Onboarding, login and logout (SPEC journeys 2–3). Thin: parse → service → respond.

Tokens travel in JSON bodies, never in URLs (links carry them in the fragment), so they do not
end up in access logs. A successful login or onboarding sets one cookie (HttpOnly, Secure,
SameSite=Strict, ``__Host-`` prefix) and returns the CSRF token the app must echo in
``X-CSRF-Token`` on every state-changing request.
"""

from __future__ import annotations

from typing import Literal

import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field

from functions.http import SESSION_COOKIE, Request, json_response, parse_json, route
from shared import bootstrap, config, i18n
from shared.access.permissions import PUBLIC, Action
from shared.cases import participants
from shared.errors import NotFound
from shared.identity import accounts, legal, login, onboarding
from shared.identity.qr import otpauth_qr_svg
from shared.identity.sessions import SessionService, csrf_token_for

bp = func.Blueprint()

Token = Field(min_length=20, max_length=100)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class TokenBody(Strict):
    token: str = Token


class ConsentBody(Strict):
    token: str = Token
    terms: str = Field(max_length=20)
    privacy: str = Field(max_length=20)


class PasswordBody(Strict):
    token: str = Token
    password: str = Field(max_length=1024)


class CodeBody(Strict):
    token: str = Token
    code: str = Field(max_length=20)


class LoginBody(Strict):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(max_length=1024)


class SecondFactorBody(Strict):
    challenge: str = Token
    code: str | None = Field(default=None, max_length=20)
    recoveryCode: str | None = Field(default=None, max_length=40)  # noqa: N815 - JSON field name


class ReConsentBody(Strict):
    terms: str = Field(max_length=20)
    privacy: str = Field(max_length=20)


def session_cookie(token: str, max_age: int) -> str:
    return f"{SESSION_COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={max_age}"


def signed_in(user_id: str, request: Request, body: dict[str, object]) -> func.HttpResponse:
    """Start a session for ``user_id`` and answer with its cookie and CSRF token."""
    ports = bootstrap.ports()
    agent = (request.http.headers.get("user-agent") or "unknown client")[:60]
    new = SessionService(ports.store, ports.clock).start(user_id, agent)
    response = json_response({**body, "csrfToken": new.csrf_token, "sessionId": new.session_id})
    response.headers["Set-Cookie"] = session_cookie(
        new.token, config.int_setting("CASEDESK_SESSION_ABSOLUTE_SECONDS")
    )
    return response


@route(bp, name="legal_document", path="api/legal/{kind:alpha}", methods=["GET"], permission=PUBLIC)
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


@route(bp, name="onboarding_inspect", path="api/onboarding/inspect", methods=["POST"], permission=PUBLIC)
def onboarding_inspect(request: Request) -> func.HttpResponse:
    body = parse_json(request.http, TokenBody)
    return json_response(onboarding.inspect(bootstrap.ports(), body.token))


@route(bp, name="onboarding_consent", path="api/onboarding/consent", methods=["POST"], permission=PUBLIC)
def onboarding_consent(request: Request) -> func.HttpResponse:
    body = parse_json(request.http, ConsentBody)
    onboarding.accept_terms(bootstrap.ports(), body.token, terms=body.terms, privacy=body.privacy)
    return json_response({"step": "password"})


@route(bp, name="onboarding_password", path="api/onboarding/password", methods=["POST"], permission=PUBLIC)
def onboarding_password(request: Request) -> func.HttpResponse:
    body = parse_json(request.http, PasswordBody)
    enrolment = onboarding.set_password(bootstrap.ports(), body.token, body.password)
    qr = otpauth_qr_svg(enrolment.otpauth_uri, title=i18n.translate("onboarding.qrTitle", request.language))
    return json_response(
        {"step": "totp", "otpauthUri": enrolment.otpauth_uri, "secret": enrolment.secret, "qrSvg": qr}
    )


@route(bp, name="onboarding_totp", path="api/onboarding/totp", methods=["POST"], permission=PUBLIC)
def onboarding_totp(request: Request) -> func.HttpResponse:
    body = parse_json(request.http, CodeBody)
    user_id, codes = onboarding.confirm_totp(
        bootstrap.ports(), body.token, body.code, join_case=participants.activate
    )
    return signed_in(user_id, request, {"step": "welcome", "recoveryCodes": codes})


@route(bp, name="login", path="api/auth/login", methods=["POST"], permission=PUBLIC)
def login_password(request: Request) -> func.HttpResponse:
    body = parse_json(request.http, LoginBody)
    challenge = login.password_step(bootstrap.ports(), body.email, body.password, request.client_key())
    return json_response({"challenge": challenge, "next": "second_factor"})


@route(
    bp, name="login_second_factor", path="api/auth/login/second-factor", methods=["POST"], permission=PUBLIC
)
def login_second_factor(request: Request) -> func.HttpResponse:
    body = parse_json(request.http, SecondFactorBody)
    user_id = login.second_factor_step(
        bootstrap.ports(),
        body.challenge,
        request.client_key(),
        code=body.code,
        recovery_code=body.recoveryCode,
    )
    profile = accounts.profile(bootstrap.ports().store, user_id)
    return signed_in(user_id, request, {"consentRequired": not onboarding.consent_is_current(profile)})


@route(bp, name="logout", path="api/auth/logout", methods=["POST"], permission=Action.SESSION_USE)
def logout(request: Request) -> func.HttpResponse:
    ports = bootstrap.ports()
    SessionService(ports.store, ports.clock).end(request.session_token or "")
    response = func.HttpResponse(status_code=204)
    response.headers["Set-Cookie"] = session_cookie("", 0)
    return response


@route(bp, name="session", path="api/auth/session", methods=["GET"], permission=Action.SESSION_USE)
def current_session(request: Request) -> func.HttpResponse:
    """Who is signed in, whether they must re-consent, and the CSRF token (after a page reload
    the app has only the HttpOnly cookie; the token is derived from it server-side)."""
    profile = accounts.profile(bootstrap.ports().store, request.actor)
    return json_response(
        {
            "userId": request.actor,
            "sessionId": request.session_id,
            "name": profile["name"],
            "language": profile["language"],
            "consentRequired": not onboarding.consent_is_current(profile),
            "versions": legal.current_versions(),
            "csrfToken": csrf_token_for(request.session_token or ""),
        }
    )


@route(bp, name="consent", path="api/me/consent", methods=["POST"], permission=Action.CONSENT_WRITE)
def consent(request: Request) -> func.HttpResponse:
    body = parse_json(request.http, ReConsentBody)
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
)
def invitation_accept(request: Request) -> func.HttpResponse:
    body = parse_json(request.http, TokenBody)
    accepted = onboarding.accept_as(
        bootstrap.ports(), body.token, request.actor, join_case=participants.activate
    )
    return json_response(accepted)
