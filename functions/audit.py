"""Reading the audit log: the organisation's log for org admins (filtered, paged) and
"who accessed my data" for every user, in plain EN/DE (SPEC journey 15).

Events hold ids and action names only; names are looked up from profiles when shown."""

from __future__ import annotations

import azure.functions as func

from functions import params
from functions.http import Request, json_response, route
from shared import bootstrap, i18n
from shared.access.permissions import Action
from shared.audit import AuditLog
from shared.audit.events import scope_for_org
from shared.audit.log import MAX_PAGE
from shared.errors import NotFound
from shared.identity import accounts

bp = func.Blueprint()


def _name(user_id: str) -> str:
    try:
        return str(accounts.profile(bootstrap.ports().store, user_id)["name"])
    except NotFound:
        return user_id


@route(bp, name="org_audit", path="api/orgs/{orgId}/audit", methods=["GET"], permission=Action.AUDIT_READ)
def org_audit(request: Request) -> func.HttpResponse:
    ports = bootstrap.ports()
    filters = request.http.params
    page = AuditLog(ports.store, ports.clock).query(
        scope_for_org(request.http.route_params["orgId"]),
        actor=filters.get("actor") or None,
        action=filters.get("action") or None,
        case_id=filters.get("caseId") or None,
        since=params.query_datetime(request, "since"),
        until=params.query_datetime(request, "until"),
        limit=params.limit(request, maximum=MAX_PAGE),
        continuation=params.continuation(request),
    )
    events = [e.to_json() for e in page.events]
    return json_response({"events": events, "continuation": page.continuation})


@route(bp, name="my_accesses", path="api/me/accesses", methods=["GET"], permission=Action.AUDIT_READ_OWN)
def my_accesses(request: Request) -> func.HttpResponse:
    """Each access to the user's data by someone else, as a sentence in their language."""
    ports = bootstrap.ports()
    page = AuditLog(ports.store, ports.clock).accesses_to(
        request.actor,
        since=params.query_datetime(request, "since"),
        until=params.query_datetime(request, "until"),
        limit=params.limit(request, maximum=MAX_PAGE),
        continuation=params.continuation(request),
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
