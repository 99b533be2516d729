"""Sign-in with Microsoft Entra ID through msal (issue 21, docs/decisions/032-entra-sign-in.md).

OpenID Connect authorization-code flow with PKCE (``msal.ConfidentialClientApplication``:
``initiate_auth_code_flow`` / ``acquire_token_by_auth_code_flow``, ``response_mode=query``):

* :func:`start` keeps msal's flow (state, nonce, PKCE verifier) server-side in the ``directory``
  container under the hash of a fresh random token, which goes into a pre-login cookie
  (``SameSite=Lax``: a Strict cookie is not sent on the redirect back from Entra). Ten minutes,
  single use: :func:`complete` deletes the record before anything else, so a replay finds nothing.
* :func:`complete` checks ``state`` (and msal the ``nonce``), redeems the code, verifies the ID
  token itself (RS256 signature against the authority's JWKS, ``iss``, ``aud``, ``exp``; msal no
  longer validates ID tokens) and only then decides. Nothing is written for the person before
  every check passed: an unreachable authority or a refused token leaves nobody half signed in.
* Proof of MFA is the Conditional Access authentication context: the ``claims`` request asks for
  ``acrs`` = ``CASEDESK_ENTRA_AUTH_CONTEXT`` and the ID token must carry it. Operators without it
  are refused; organisation staff without it complete CaseDesk's TOTP (a login challenge, then
  the ordinary second step).
* Accounts are linked by ``tid`` + ``oid`` only, never by e-mail: operators by the ops CLI
  (:mod:`shared.identity.operators`), staff by themselves after a CaseDesk login (purpose
  ``link``), and an organisation to its tenant by one successful sign-in of an org admin from it
  (purpose ``link_org``).
* Step-up (purpose ``step_up``, ``prompt=login`` + ``max_age``) records a fresh authentication on
  the current session: :func:`fresh_auth_at`, :func:`require_fresh_auth`.

No client secret exists: msal gets a ``client_assertion`` callable — in Azure a token of the
managed identity for ``api://AzureADTokenExchange`` (a federated credential on the app
registration), in development and test a JWT signed with a test-only key the fake authority knows.
msal, requests and PyJWT are imported inside the functions that use them (cold start).
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from shared import config
from shared.access.caller import Caller
from shared.effects import audit_event, audit_op, commit, record
from shared.errors import (
    AlreadyExists,
    BackendUnavailable,
    ConcurrencyConflict,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
)
from shared.identity import accounts, login, operators, orgs
from shared.identity.sessions import NewSession, SessionService
from shared.identity.throttle import LoginThrottle
from shared.identity.tokens import new_token, token_hash
from shared.ports import BatchOperation, Item, PatchOperation, Ports

if TYPE_CHECKING:
    import msal

__all__ = [
    "FLOW_SECONDS",
    "EntraAlreadyLinked",
    "EntraCancelled",
    "EntraFailed",
    "EntraFlowInvalid",
    "EntraMfaRequired",
    "EntraNotConfigured",
    "EntraNotLinked",
    "EntraRoleMissing",
    "EntraStateMismatch",
    "EntraUnavailable",
    "EntraWrongTenant",
    "FreshAuthRequired",
    "Outcome",
    "Purpose",
    "Started",
    "complete",
    "enabled",
    "fresh_auth_at",
    "linked_identity",
    "org_tenant",
    "require_fresh_auth",
    "start",
    "unlink_org",
    "unlink_own",
]

FLOW_SECONDS = 600
Purpose = Literal["sign_in", "link", "link_org", "step_up"]
_PURPOSES = ("sign_in", "link", "link_org", "step_up")
_FLOW_PREFIX = "entraflow-"
#: Sign-ins with Microsoft one client address may start within the login window (15 min): each
#: start stores a flow record for :data:`FLOW_SECONDS`, and the route is public. Counted apart
#: from failed logins (starting is not failing), high enough for an office behind one address.
STARTS_PER_CLIENT = 60
_LINK_ITEM = "entra-link"
_STAFF_KIND = "staff"
_MAX_RETURN = 200
_TIMEOUT_SECONDS = 10
_CLOCK_SKEW = 120
#: Keys of the redirect's query that belong to the protocol; anything else is dropped.
_RESPONSE_KEYS = ("code", "state", "session_state", "error", "error_description", "error_uri")


class EntraNotConfigured(Unavailable):
    code = "entra_not_configured"


class EntraUnavailable(BackendUnavailable):
    code = "entra_unavailable"


class EntraFlowInvalid(Unauthenticated):
    """No pre-login cookie, or its flow is unknown, expired or already used (a replay)."""

    code = "entra_flow_invalid"


class EntraStateMismatch(Unauthenticated):
    code = "entra_state_mismatch"


class EntraCancelled(Unauthenticated):
    code = "entra_cancelled"


class EntraFailed(Unauthenticated):
    """The authority refused, or what it answered is not a valid ID token for this app."""

    code = "entra_failed"


class EntraNotLinked(Unauthenticated):
    code = "entra_not_linked"


class EntraWrongTenant(PermissionDenied):
    code = "entra_wrong_tenant"


class EntraMfaRequired(PermissionDenied):
    code = "entra_mfa_required"


class EntraRoleMissing(PermissionDenied):
    code = "entra_role_missing"


class EntraAlreadyLinked(Conflict):
    code = "entra_already_linked"


class FreshAuthRequired(Unauthenticated):
    code = "fresh_auth_required"


@dataclass(frozen=True)
class Started:
    """Where the browser goes now, and the pre-login cookie's value (shown once)."""

    authorize_url: str
    cookie_token: str


@dataclass(frozen=True)
class Outcome:
    """What a completed flow did. ``session`` is a new CaseDesk session (sign-in);
    ``challenge`` a login challenge for CaseDesk's TOTP (staff without proof of MFA)."""

    kind: Literal["session", "second_factor", "linked", "org_linked", "stepped_up"]
    user_id: str
    return_to: str
    session: NewSession | None = None
    challenge: str | None = None
    absolute_seconds: int | None = None


def enabled() -> bool:
    return bool(config.optional("CASEDESK_ENTRA_CLIENT_ID"))


def safe_return_path(value: str | None, default: str = "/") -> str:
    """A same-origin path to go to afterwards, or ``default``: never another site."""
    if not value:
        return default
    parts = urlsplit(value)
    if (
        len(value) > _MAX_RETURN
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or parts.scheme
        or parts.netloc
        or any(not c.isprintable() or c.isspace() for c in value)
    ):
        raise InvalidInput("a path of this site", field="returnTo")
    return value


# -- starting --------------------------------------------------------------------------------
def start(
    ports: Ports,
    purpose: Purpose,
    *,
    return_to: str | None = None,
    user_id: str | None = None,
    session_token: str | None = None,
    org_id: str | None = None,
    tenant_id: str | None = None,
    client_key: str | None = None,
) -> Started:
    """Begin a flow for ``purpose``; the caller sets the pre-login cookie and sends the browser
    to ``authorize_url``. ``link`` needs the signed-in ``user_id`` and the ``org_id`` whose
    tenant they link to; ``link_org`` the org admin's ``user_id``, ``org_id`` and ``tenant_id``;
    ``step_up`` the ``user_id`` and its ``session_token``. ``sign_in`` is anonymous: it needs
    the ``client_key``, and more than :data:`STARTS_PER_CLIENT` starts from one client within
    the login window are refused (``TooManyAttempts``) before anything is stored."""
    import requests  # noqa: PLC0415 - the Entra routes only (cold start)

    if purpose not in _PURPOSES:
        raise InvalidInput("unknown purpose", field="purpose")
    client_id = _client_id()
    if purpose == "sign_in":
        if not client_key:
            raise ValueError("an anonymous start needs the client's key")
        throttle = LoginThrottle(ports.store, ports.clock, max_client_failures=STARTS_PER_CLIENT)
        throttle.record_client_attempt("entra-start|" + client_key)  # not the failed-login counters
    back = safe_return_path(return_to, "/")
    prompt: str | None = None
    max_age: int | None = None
    record: dict[str, Any] = {"purpose": purpose, "returnTo": back}
    if purpose == "sign_in":
        tenant = "organizations"
    elif purpose == "link":
        if not user_id or not org_id:
            raise InvalidInput("an organisation to link through", field="orgId")
        tenant = _staff_tenant(ports, org_id, user_id)
        record.update(userId=user_id, orgId=org_id)
    elif purpose == "link_org":
        if not user_id or not org_id or not tenant_id:
            raise InvalidInput("the tenant id", field="tenantId")
        tenant = operators.guid(tenant_id, "tenantId")
        orgs.org(ports.store, org_id)  # NotFound for an unknown organisation
        # The customer's admin consents for their tenant; this sign-in proves they did.
        record.update(userId=user_id, orgId=org_id, tenantId=tenant)
    else:
        if not user_id or not session_token:
            raise Unauthenticated("a step-up needs a session")
        operator = operators.operator(ports.store, user_id)
        tenant = _platform_tenant() if operator else "organizations"
        prompt, max_age = "login", config.int_setting("CASEDESK_ENTRA_STEP_UP_SECONDS")
        record.update(userId=user_id, sessionKey=token_hash(session_token))
    app = _application(ports.environment, tenant, client_id)
    try:
        with warnings.catch_warnings():
            # msal recommends form_post; that is a cross-site POST, on which browsers do not send
            # a SameSite=Lax cookie. Query mode with PKCE and a single-use flow (decision 032).
            warnings.filterwarnings("ignore", message="response_mode='form_post'", category=UserWarning)
            flow = app.initiate_auth_code_flow(
                [],
                redirect_uri=redirect_uri(),
                prompt=prompt,
                max_age=max_age,
                claims_challenge=json.dumps(_claims_request()),
                response_mode="query",
            )
    except (requests.RequestException, ValueError) as exc:
        raise EntraUnavailable(f"the authority could not be used ({type(exc).__name__})") from None
    cookie = new_token()
    key = _FLOW_PREFIX + token_hash(cookie)
    now = ports.clock.now()
    ports.store.create(
        "directory",
        {
            "id": key,
            "key": key,
            "type": "entra_flow",
            "flow": flow,
            "tenant": tenant,
            "createdAt": now.isoformat(),
            "ttl": FLOW_SECONDS,
            **record,
        },
    )
    return Started(authorize_url=str(flow["auth_uri"]), cookie_token=cookie)


def redirect_uri() -> str:
    """The one redirect URI registered on the app registration (docs/operations.md)."""
    return config.required("CASEDESK_PUBLIC_URL").rstrip("/") + "/api/auth/entra/callback"


# -- completing ------------------------------------------------------------------------------
def take_flow(ports: Ports, cookie_token: str | None) -> Item:
    """The flow bound to the pre-login cookie, removed (single use): a second redirect with the
    same cookie — a replay — finds nothing. Expired after :data:`FLOW_SECONDS`."""
    if not cookie_token or len(cookie_token) > 128:
        raise EntraFlowInvalid("no pre-login cookie")
    key = _FLOW_PREFIX + token_hash(cookie_token)
    try:
        record = ports.store.read("directory", key, key)
        ports.store.delete("directory", key, key)
    except NotFound:
        raise EntraFlowInvalid("unknown, expired or used sign-in flow") from None
    started = datetime.fromisoformat(str(record["createdAt"]))
    if ports.clock.now() - started > timedelta(seconds=FLOW_SECONDS):
        raise EntraFlowInvalid("the sign-in flow expired")
    return record


def complete(ports: Ports, record: Item, params: Mapping[str, str], *, client: str) -> Outcome:
    """Finish the flow ``record`` (from :func:`take_flow`) with the redirect's query ``params``.
    Raises one of this module's errors; changes nothing then."""
    import requests  # noqa: PLC0415 - the Entra routes only (cold start)

    flow: dict[str, Any] = dict(record["flow"])
    response = {k: str(params[k]) for k in _RESPONSE_KEYS if k in params}
    if not hmac.compare_digest(str(response.get("state", "")), str(flow.get("state", ""))):
        raise EntraStateMismatch("the state does not match the flow")
    if "error" in response:
        if response["error"] == "access_denied":
            raise EntraCancelled("the sign-in was cancelled")
        raise EntraFailed("the authority answered with an error")
    client_id = _client_id()
    app = _application(ports.environment, str(record["tenant"]), client_id)
    try:
        result = app.acquire_token_by_auth_code_flow(flow, response)
    except requests.RequestException:
        raise EntraUnavailable("the authority cannot be reached") from None
    except ValueError:  # msal: the state does not match (checked above, kept as a second lock)
        raise EntraStateMismatch("the state does not match the flow") from None
    except RuntimeError:  # msal: the nonce, or auth_time against max_age; its text names the token
        raise EntraFailed("the ID token does not belong to this flow") from None
    if "error" in result or "id_token" not in result:
        raise EntraFailed("the authority refused the code")
    claims = _verify_id_token(ports.environment, str(record["tenant"]), str(result["id_token"]), client_id)
    purpose = str(record["purpose"])
    if purpose == "sign_in":
        return _sign_in(ports, record, claims, client)
    if purpose == "link":
        return _link(ports, record, claims)
    if purpose == "link_org":
        return _link_org(ports, record, claims)
    return _step_up(ports, record, claims)


def error_return(record: Item | None) -> str:
    """Where the browser goes after a failed flow: the login page for a sign-in, else back."""
    if record is None or record.get("purpose") == "sign_in":
        return "/login"
    return str(record.get("returnTo") or "/")


def _has_mfa(claims: Mapping[str, Any]) -> bool:
    wanted = config.required("CASEDESK_ENTRA_AUTH_CONTEXT")
    acrs = claims.get("acrs") or []
    return wanted in (acrs if isinstance(acrs, list) else [acrs])


def _sign_in(ports: Ports, record: Item, claims: Mapping[str, Any], client: str) -> Outcome:
    tid, oid = str(claims["tid"]), str(claims["oid"])
    entry = _directory_entry(ports, tid, oid)
    if entry is None:
        # Never found by e-mail: an identity nobody linked is no account, whatever its address.
        raise EntraNotLinked("no account is linked to this Microsoft account")
    user_id = str(entry["userId"])
    profile = accounts.profile(ports.store, user_id)
    back = str(record.get("returnTo") or "/")
    if entry.get("kind") == operators.OPERATOR_KIND:
        if tid != _platform_tenant():
            raise EntraWrongTenant("operators sign in from the platform's tenant only")
        if not operators.is_operator(ports.store, user_id, profile=profile):
            raise EntraNotLinked("this operator account is disabled")
        roles = claims.get("roles") or []
        if config.required("CASEDESK_ENTRA_OPERATOR_ROLE") not in roles:
            raise EntraRoleMissing("the operator app role is missing")
        if not _has_mfa(claims):
            raise EntraMfaRequired("operators must prove MFA in the token")
        seconds = config.int_setting("CASEDESK_OPERATOR_SESSION_SECONDS")
        session = _start_session(ports, user_id, client, seconds)
        return Outcome("session", user_id, back, session=session, absolute_seconds=seconds)
    _check_staff_tenant(ports, entry, tid)
    if profile.get("status") != "active":
        raise EntraNotLinked("this account is not active")
    if not _has_mfa(claims):
        creds = accounts.credentials(ports.store, user_id)
        if not creds or not creds.get("totpConfirmed"):
            raise EntraMfaRequired("no proof of MFA and no CaseDesk second factor")
        return Outcome("second_factor", user_id, back, challenge=login.issue_challenge(ports, user_id, creds))
    seconds = config.int_setting("CASEDESK_SESSION_ABSOLUTE_SECONDS")
    session = _start_session(ports, user_id, client, seconds)
    return Outcome("session", user_id, back, session=session, absolute_seconds=seconds)


def _start_session(ports: Ports, user_id: str, client: str, seconds: int) -> NewSession:
    """An ordinary CaseDesk session; it remembers that Entra authenticated it, and when."""
    new = SessionService(ports.store, ports.clock, absolute_seconds=seconds).start(user_id, client)
    key = token_hash(new.token)
    mark = [PatchOperation("set", "/entraAuthAt", ports.clock.now().isoformat())]
    ports.store.patch("sessions", key, key, mark)
    return new


def _check_staff_tenant(ports: Ports, entry: Item, tid: str) -> None:
    """A staff link holds while its organisation is still linked to this tenant and the person
    is still its staff: the token's ``tid`` is checked against the linked tenant."""
    org_id = str(entry.get("orgId", ""))
    try:
        organisation = orgs.org(ports.store, org_id)
        orgs.member(ports.store, org_id, str(entry["userId"]))
    except NotFound:
        raise EntraWrongTenant("the organisation is no longer linked") from None
    if organisation.get("entraTenantId") != tid:
        raise EntraWrongTenant("the token's tenant is not the organisation's")


def _link(ports: Ports, record: Item, claims: Mapping[str, Any]) -> Outcome:
    """Link the signed-in staff member (who started the flow after a CaseDesk login) to the
    Entra identity that just signed in, if it is of their organisation's linked tenant."""
    user_id, org_id = str(record["userId"]), str(record["orgId"])
    tid, oid = str(claims["tid"]), str(claims["oid"])
    if _staff_tenant(ports, org_id, user_id) != tid:
        raise EntraWrongTenant("the token's tenant is not the organisation's")
    _create_link(ports, Caller.user(user_id, str(uuid.uuid4())), user_id, org_id, tid=tid, oid=oid)
    return Outcome("linked", user_id, str(record["returnTo"]))


def _create_link(ports: Ports, caller: Caller, user_id: str, org_id: str, *, tid: str, oid: str) -> None:
    key, now = operators.entra_key(tid, oid), ports.clock.now()
    existing = _directory_entry(ports, tid, oid)
    if existing is not None:
        if existing.get("userId") == user_id and existing.get("kind") == _STAFF_KIND:
            return  # linked already: nothing to do
        raise EntraAlreadyLinked("this Microsoft account is linked to another account")
    previous = _own_link(ports, user_id)
    if previous is not None:
        raise EntraAlreadyLinked("this account is linked to another Microsoft account")
    entry = {
        "id": key,
        "key": key,
        "userId": user_id,
        "kind": _STAFF_KIND,
        "orgId": org_id,
        "tenantId": tid,
        "objectId": oid,
    }
    try:
        ports.store.create("directory", entry)
    except AlreadyExists:
        raise EntraAlreadyLinked("this Microsoft account is linked to another account") from None
    link = {"id": _LINK_ITEM, "userId": user_id, "type": "entra_link", "orgId": org_id,
            "tenantId": tid, "objectId": oid, "linkedAt": now.isoformat()}  # fmt: skip
    event = audit_event(caller, "user:entra-link", target_type="user", target_id=user_id, org_id=org_id)
    record(ports.store, "orgs", org_id, [audit_op("orgs", org_id, event, now)])
    ports.store.upsert("users", link)


def _link_org(ports: Ports, record: Item, claims: Mapping[str, Any]) -> Outcome:
    """An org admin signed in from the tenant they named: the organisation is linked to it,
    and the admin's own account to the identity that signed in."""
    user_id, org_id, tenant = str(record["userId"]), str(record["orgId"]), str(record["tenantId"])
    tid, oid = str(claims["tid"]), str(claims["oid"])
    if tid != tenant:
        raise EntraWrongTenant("the admin signed in from another tenant")
    if "org_admin" not in orgs.member(ports.store, org_id, user_id).get("roles", []):
        raise PermissionDenied("only an org admin links the organisation")
    current = orgs.org(ports.store, org_id)
    now = ports.clock.now()
    changed = {k: v for k, v in current.items() if not k.startswith("_")}
    changed.update(entraTenantId=tid, entraLinkedAt=now.isoformat(), entraLinkedBy=user_id)
    caller = Caller.user(user_id, str(uuid.uuid4()))
    event = audit_event(caller, "org:entra-link", target_type="org", target_id=org_id, org_id=org_id)
    commit(
        ports.store,
        "orgs",
        org_id,
        [BatchOperation("replace", item=changed, if_match=current["_etag"])],
        [audit_op("orgs", org_id, event, now)],
    )
    with suppress(EntraAlreadyLinked):  # the admin's own link is a convenience, not the point
        _create_link(ports, caller, user_id, org_id, tid=tid, oid=oid)
    return Outcome("org_linked", user_id, str(record["returnTo"]))


def _step_up(ports: Ports, record: Item, claims: Mapping[str, Any]) -> Outcome:
    """A fresh authentication of the person the session belongs to: recorded on that session."""
    user_id, key = str(record["userId"]), str(record["sessionKey"])
    entry = _directory_entry(ports, str(claims["tid"]), str(claims["oid"]))
    if entry is None or entry.get("userId") != user_id:
        raise EntraNotLinked("another Microsoft account signed in")
    if entry.get("kind") == operators.OPERATOR_KIND and str(claims["tid"]) != _platform_tenant():
        raise EntraWrongTenant("operators sign in from the platform's tenant only")
    if not _has_mfa(claims):
        raise EntraMfaRequired("a step-up must prove MFA")
    auth_time = claims.get("auth_time")
    max_age = config.int_setting("CASEDESK_ENTRA_STEP_UP_SECONDS")
    if not isinstance(auth_time, int | float) or time.time() - auth_time > max_age + _CLOCK_SKEW:
        raise FreshAuthRequired("the authentication is not fresh")
    try:
        session = ports.store.read("sessions", key, key)
        if session.get("userId") != user_id:
            raise NotFound("another person's session")
        ports.store.patch(
            "sessions", key, key, [PatchOperation("set", "/entraAuthAt", ports.clock.now().isoformat())]
        )
    except NotFound:
        raise FreshAuthRequired("the session ended meanwhile") from None
    return Outcome("stepped_up", user_id, str(record["returnTo"]))


# -- reading and unlinking -------------------------------------------------------------------
def fresh_auth_at(ports: Ports, session_token: str | None) -> datetime | None:
    """When this session last proved an Entra authentication (sign-in or step-up), or ``None``."""
    if not session_token:
        return None
    key = token_hash(session_token)
    try:
        found = ports.store.read("sessions", key, key).get("entraAuthAt")
    except NotFound:
        return None
    return datetime.fromisoformat(str(found)) if found else None


def require_fresh_auth(
    ports: Ports, session_token: str | None, within_seconds: int | None = None
) -> datetime:
    """The time of the session's last Entra authentication, if it is at most ``within_seconds``
    old (default ``CASEDESK_ENTRA_STEP_UP_SECONDS``); else ``FreshAuthRequired`` (start a step-up)."""
    limit = (
        within_seconds if within_seconds is not None else config.int_setting("CASEDESK_ENTRA_STEP_UP_SECONDS")
    )
    at = fresh_auth_at(ports, session_token)
    if at is None or (ports.clock.now() - at).total_seconds() > limit:
        raise FreshAuthRequired("a fresh Microsoft sign-in is needed")
    return at


def linked_identity(ports: Ports, user_id: str) -> Item | None:
    """The staff member's own link (tenant, organisation, since when), or ``None``."""
    return _own_link(ports, user_id)


def unlink_own(ports: Ports, user_id: str) -> None:
    """Remove one's own staff link (idempotent): Entra sign-in stops, the password stays."""
    link = _own_link(ports, user_id)
    if link is None:
        return
    key = operators.entra_key(str(link["tenantId"]), str(link["objectId"]))
    with suppress(NotFound):
        ports.store.delete("directory", key, key)
    with suppress(NotFound):
        ports.store.delete("users", user_id, _LINK_ITEM)
    org_id, now = str(link["orgId"]), ports.clock.now()
    event = audit_event(
        Caller.user(user_id, str(uuid.uuid4())), "user:entra-unlink", target_type="user", target_id=user_id,
        org_id=org_id,
    )  # fmt: skip
    record(ports.store, "orgs", org_id, [audit_op("orgs", org_id, event, now)])


def org_tenant(ports: Ports, org_id: str) -> Item:
    """The organisation item (``entraTenantId``, ``entraLinkedAt`` and its ``_etag``)."""
    return orgs.org(ports.store, org_id)


def unlink_org(ports: Ports, caller: Caller, org_id: str, *, if_match: str) -> None:
    """End the organisation's link to its tenant: its staff's Entra sign-in stops at once."""
    current = orgs.org(ports.store, org_id)
    if current["_etag"] != if_match:
        raise ConcurrencyConflict("the organisation changed meanwhile")
    changed = {k: v for k, v in current.items() if not k.startswith("_") and not k.startswith("entra")}
    event = audit_event(caller, "org:entra-unlink", target_type="org", target_id=org_id, org_id=org_id)
    commit(
        ports.store,
        "orgs",
        org_id,
        [BatchOperation("replace", item=changed, if_match=if_match)],
        [audit_op("orgs", org_id, event, ports.clock.now())],
    )


# -- helpers ---------------------------------------------------------------------------------
def _own_link(ports: Ports, user_id: str) -> Item | None:
    try:
        return ports.store.read("users", user_id, _LINK_ITEM)
    except NotFound:
        return None


def _directory_entry(ports: Ports, tid: str, oid: str) -> Item | None:
    try:
        key = operators.entra_key(tid, oid)
        return ports.store.read("directory", key, key)
    except (NotFound, InvalidInput):
        return None


def _staff_tenant(ports: Ports, org_id: str, user_id: str) -> str:
    """The tenant ``org_id`` is linked to, for one of its staff; refused otherwise."""
    try:
        orgs.member(ports.store, org_id, user_id)
    except NotFound:
        raise PermissionDenied("not staff of this organisation") from None
    tenant = orgs.org(ports.store, org_id).get("entraTenantId")
    if not tenant:
        raise EntraWrongTenant("the organisation is not linked to a Microsoft tenant")
    return str(tenant)


def _client_id() -> str:
    client_id = config.optional("CASEDESK_ENTRA_CLIENT_ID")
    if not client_id:
        raise EntraNotConfigured("Entra sign-in is not configured")
    return client_id


def _platform_tenant() -> str:
    return config.required("CASEDESK_ENTRA_PLATFORM_TENANT_ID").lower()


def _claims_request() -> dict[str, Any]:
    """Ask for the authentication context that Conditional Access ties to MFA."""
    acrs = {"acrs": {"essential": True, "value": config.required("CASEDESK_ENTRA_AUTH_CONTEXT")}}
    return {"id_token": acrs, "access_token": acrs}


class _Http:
    """msal's HTTP client (its ``get``/``post``): a requests session with a timeout on every
    call and the test CA where one is configured. requests lets ``REQUESTS_CA_BUNDLE`` override
    a session's ``verify``; a call's own wins, so it is passed on every call."""

    def __init__(self, verify: str | bool) -> None:
        import requests  # noqa: PLC0415 - imported by the Entra routes only (cold start)

        self._session, self._verify = requests.Session(), verify

    def get(self, url: str, **kwargs: Any) -> Any:
        return self._session.get(url, **self._defaults(kwargs))

    def post(self, url: str, **kwargs: Any) -> Any:
        return self._session.post(url, **self._defaults(kwargs))

    def _defaults(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return {"timeout": _TIMEOUT_SECONDS, **kwargs, "verify": self._verify}


_lock = threading.Lock()
_http_cache: dict[Any, Any] = {}
_sessions: dict[str, _Http] = {}
_documents: dict[str, tuple[float, dict[str, Any]]] = {}
_DOCUMENT_SECONDS = 3600


def _http(environment: config.Environment) -> _Http:
    ca = config.optional("CASEDESK_ENTRA_CA_FILE") or ""
    with _lock:
        if ca not in _sessions:
            if ca and environment is config.Environment.PRODUCTION:
                raise EntraNotConfigured("CASEDESK_ENTRA_CA_FILE is for development and test only")
            _sessions[ca] = _Http(ca or True)
        return _sessions[ca]


def _authority(tenant: str) -> str:
    return f"{config.required('CASEDESK_ENTRA_AUTHORITY_HOST').rstrip('/')}/{tenant}"


def _application(
    environment: config.Environment, tenant: str, client_id: str
) -> msal.ConfidentialClientApplication:
    """A client per flow step with its own empty token cache (no tokens kept in memory); the
    authority's discovery is cached by msal across them (``http_cache``)."""
    import msal  # noqa: PLC0415 - the Entra routes only (cold start)
    import requests  # noqa: PLC0415 - the Entra routes only (cold start)

    # msal logs requests and responses (codes, tokens' claims) below WARNING: never into our logs.
    logging.getLogger("msal").setLevel(logging.WARNING)

    try:
        return msal.ConfidentialClientApplication(
            client_id,
            client_credential={"client_assertion": _assertion_source(environment, client_id, tenant)},
            authority=_authority(tenant),
            instance_discovery=False,
            http_client=_http(environment),
            http_cache=_http_cache,
            token_cache=msal.TokenCache(),
        )
    except (requests.RequestException, ValueError) as exc:
        raise EntraUnavailable(f"the authority cannot be reached ({type(exc).__name__})") from None


def _assertion_source(environment: config.Environment, client_id: str, tenant: str) -> Callable[[], str]:
    """The ``client_assertion`` callable: how the app proves itself without a secret."""
    import jwt  # noqa: PLC0415 - the Entra routes only (cold start)

    kind = config.required("CASEDESK_ENTRA_CREDENTIAL")
    if kind == "managed_identity":
        return _managed_identity_assertion
    if kind != "test_key" or environment is config.Environment.PRODUCTION:
        raise EntraNotConfigured("CASEDESK_ENTRA_CREDENTIAL must be managed_identity in production")
    key_file = config.required("CASEDESK_ENTRA_TEST_KEY_FILE")
    audience = _discovery(environment, tenant)["token_endpoint"]

    def test_assertion() -> str:
        with open(key_file, "rb") as handle:
            key = handle.read()
        now = int(time.time())
        claims = {"aud": audience, "iss": client_id, "sub": client_id, "jti": uuid.uuid4().hex,
                  "nbf": now, "iat": now, "exp": now + 300}  # fmt: skip
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "casedesk-test"})

    return test_assertion


def _managed_identity_assertion() -> str:
    """A token of the Function App's managed identity for the federated credential's audience."""
    from azure.identity import ManagedIdentityCredential  # noqa: PLC0415 - only in Azure

    client_id = config.optional("AZURE_CLIENT_ID")
    credential = ManagedIdentityCredential(client_id=client_id) if client_id else ManagedIdentityCredential()
    try:
        return str(credential.get_token("api://AzureADTokenExchange/.default").token)
    finally:
        credential.close()


def _get_json(environment: config.Environment, url: str) -> dict[str, Any]:
    import requests  # noqa: PLC0415 - the Entra routes only (cold start)

    try:
        answer = _http(environment).get(url)
        answer.raise_for_status()
        found = answer.json()
    except (requests.RequestException, ValueError):
        raise EntraUnavailable("the authority's metadata cannot be read") from None
    if not isinstance(found, dict):
        raise EntraUnavailable("the authority's metadata is malformed")
    return found


def _discovery(environment: config.Environment, tenant: str) -> dict[str, Any]:
    url = f"{_authority(tenant)}/v2.0/.well-known/openid-configuration"
    return _cached(environment, url, refresh=False)


def _cached(environment: config.Environment, url: str, *, refresh: bool) -> dict[str, Any]:
    now = time.monotonic()
    with _lock:
        hit = _documents.get(url)
    if hit and not refresh and now - hit[0] < _DOCUMENT_SECONDS:
        return hit[1]
    found = _get_json(environment, url)
    with _lock:
        _documents[url] = (now, found)
    return found


def _verify_id_token(
    environment: config.Environment, tenant: str, id_token: str, client_id: str
) -> dict[str, Any]:
    """The ID token's claims, once its signature (the authority's JWKS), audience, issuer and
    lifetime are right, and it names a tenant and an object id."""
    import jwt  # noqa: PLC0415 - the Entra routes only (cold start)

    discovery = _discovery(environment, tenant)
    try:
        kid = jwt.get_unverified_header(id_token).get("kid")
        keys = jwt.PyJWKSet.from_dict(_cached(environment, str(discovery["jwks_uri"]), refresh=False))
        if not any(k.key_id == kid for k in keys.keys):  # a rotated key: read the set again
            keys = jwt.PyJWKSet.from_dict(_cached(environment, str(discovery["jwks_uri"]), refresh=True))
        key = next(k for k in keys.keys if k.key_id == kid)
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key.key,
            algorithms=["RS256"],
            audience=client_id,
            leeway=_CLOCK_SKEW,
            options={"require": ["exp", "iat", "iss", "aud", "tid", "oid"]},
        )
    except (jwt.PyJWTError, StopIteration, KeyError):
        raise EntraFailed("the ID token is not valid for this app") from None
    tid = str(claims["tid"]).lower()
    issuer = str(discovery.get("issuer", "")).replace("{tenantid}", tid)
    if claims["iss"] != issuer or str(claims.get("ver")) != "2.0":
        raise EntraFailed("the ID token's issuer is not the authority's")
    try:
        claims["tid"], claims["oid"] = operators.guid(tid, "tid"), operators.guid(str(claims["oid"]), "oid")
    except InvalidInput:
        raise EntraFailed("the ID token names no tenant or object") from None
    return claims
