"""Reading the audit log: the organisation's log for org admins (filtered, paged) and
"who accessed my data" for every user, in plain EN/DE (SPEC journey 15).

Events hold ids and action names only; names are looked up from profiles when shown."""

from __future__ import annotations

from datetime import UTC, datetime

import azure.functions as func

from functions.http import Request, json_response, route
from shared import bootstrap, i18n
from shared.access.permissions import Action
from shared.audit import AuditLog
from shared.audit.events import scope_for_org
from shared.errors import InvalidInput, NotFound
from shared.identity import accounts

bp = func.Blueprint()


def _time(request: Request, name: str) -> datetime | None:
    value = request.http.params.get(name)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("not an ISO date or time", field=name) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _limit(request: Request) -> int:
    value = request.http.params.get("limit", "50")
    if not value.isdigit():
        raise InvalidInput("limit must be a whole number", field="limit")
    return int(value)


def _name(user_id: str) -> str:
    try:
        return str(accounts.profile(bootstrap.ports().store, user_id)["name"])
    except NotFound:
        return user_id


@route(bp, name="org_audit", path="api/orgs/{orgId}/audit", methods=["GET"], permission=Action.AUDIT_READ)
def org_audit(request: Request) -> func.HttpResponse:
    ports = bootstrap.ports()
    params = request.http.params
    page = AuditLog(ports.store, ports.clock).query(
        scope_for_org(request.http.route_params["orgId"]),
        actor=params.get("actor") or None,
        action=params.get("action") or None,
        case_id=params.get("caseId") or None,
        since=_time(request, "since"),
        until=_time(request, "until"),
        limit=_limit(request),
        continuation=params.get("continuation") or None,
    )
    events = [e.to_json() for e in page.events]
    return json_response({"events": events, "continuation": page.continuation})


@route(bp, name="my_accesses", path="api/me/accesses", methods=["GET"], permission=Action.AUDIT_READ_OWN)
def my_accesses(request: Request) -> func.HttpResponse:
    """Each access to the user's data by someone else, as a sentence in their language."""
    ports = bootstrap.ports()
    page = AuditLog(ports.store, ports.clock).accesses_to(
        request.actor,
        since=_time(request, "since"),
        limit=_limit(request),
        continuation=request.http.params.get("continuation") or None,
    )
    language = accounts.profile(ports.store, request.actor).get("language") or request.language
    entries = []
    for recorded in page.events:
        action = recorded.event.action
        key = f"audit.sentence.{action.replace(':', '_')}"
        sentence = i18n.translate(key, language, actor=_name(recorded.event.actor))
        if sentence == key:  # an action without its own sentence still reads as a sentence
            sentence = i18n.translate("audit.sentence.other", language, actor=_name(recorded.event.actor))
        entries.append(
            {"at": recorded.at, "action": action, "caseId": recorded.event.case_id, "sentence": sentence}
        )
    return json_response({"accesses": entries, "continuation": page.continuation})
