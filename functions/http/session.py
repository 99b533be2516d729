"""Who is asking: the session cookie, the CSRF token, the refusal of cross-site changes and the
access check of the route's permission (deny by default)."""

from __future__ import annotations

from dataclasses import replace
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

import azure.functions as func

from functions.http.request import Request
from shared import bootstrap, config
from shared.access.check import authorize
from shared.access.permissions import Action
from shared.errors import (
    PermissionDenied,
    Unauthenticated,
)
from shared.identity import accounts
from shared.identity.onboarding import ConsentRequired, consent_is_current
from shared.identity.sessions import SessionService


class CrossSiteRefused(PermissionDenied):
    code = "cross_site_refused"


SESSION_COOKIE = "__Host-casedesk-session"


CSRF_HEADER = "x-csrf-token"


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def session_token(req: func.HttpRequest) -> str | None:
    cookies = SimpleCookie()
    try:
        cookies.load(req.headers.get("cookie", ""))
    except CookieError:
        return None
    morsel = cookies.get(SESSION_COOKIE)
    return morsel.value if morsel else None


def authenticate(request: Request, permission: Action) -> Request:
    """Resolve the session cookie, require the CSRF header on state changes, check the access
    table and (unless the permission is exempt) that the user accepted the current terms."""
    ports = bootstrap.ports()
    token = session_token(request.http)
    sessions = SessionService(ports.store, ports.clock)
    if not token:
        raise Unauthenticated("no session cookie")
    session = sessions.resolve(token)
    if request.http.method.upper() not in SAFE_METHODS:
        sessions.check_csrf(session, request.http.headers.get(CSRF_HEADER))
    decision = authorize(
        ports.store, session.user_id, permission, request.http.route_params, now=ports.clock.now()
    )
    if decision.needs_consent and not consent_is_current(accounts.profile(ports.store, session.user_id)):
        raise ConsentRequired("the terms or the privacy policy changed")
    return replace(
        request,
        user_id=session.user_id,
        session_token=token,
        session_id=session.session_id,
        decision=decision,
    )


def refuse_cross_site(req: func.HttpRequest) -> None:
    """A state change a browser sends from another site is refused before anything else runs —
    on public routes too (a login or a reset forged from another site) — whatever the cookie and
    CSRF token say. Browsers send ``Sec-Fetch-Site`` and ``Origin``; a client that sends neither
    (curl, a server) is not a browser a page could steer, and still needs the CSRF token."""
    if req.method.upper() in SAFE_METHODS:
        return
    if req.headers.get("sec-fetch-site", "").strip().lower() == "cross-site":
        raise CrossSiteRefused("Sec-Fetch-Site: cross-site")
    origin = req.headers.get("origin")
    if origin is not None and (_origin_of(origin) or "null") not in _own_origins(req):
        raise CrossSiteRefused("foreign Origin")


def _own_origins(req: func.HttpRequest) -> set[str]:
    """The configured public origin, and the origin this request was addressed to (the Host it
    names, as Django compares them): a page on another site cannot make a browser send our Host
    with its own Origin. ``null`` (a sandboxed or opaque origin) is never ours."""
    own = {_origin_of(req.url)}
    public = config.optional("CASEDESK_PUBLIC_URL")
    if public:
        own.add(_origin_of(public))
    own.discard("")
    return own


def _origin_of(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # a malformed port: no origin of ours
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    port = port if port not in (None, {"http": 80, "https": 443}[parts.scheme]) else None
    return f"{parts.scheme}://{parts.hostname.lower()}" + (f":{port}" if port else "")
