"""Reading the audit log: the organisation's log for org admins (filtered, paged) and
"who accessed my data" for every user, in plain EN/DE (SPEC journey 15).

Events hold ids and action names only; names are looked up from profiles when shown."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime

import azure.functions as func
from pydantic import Field

from functions import params
from functions.http import ApiModel, ApiQuery, Request, json_response, paging, route
from shared import bootstrap, i18n
from shared.access.permissions import Action
from shared.audit import AuditLog
from shared.audit.events import AuditEvent, scope_for_org
from shared.audit.log import MAX_PAGE
from shared.errors import CaseDeskError
from shared.identity import accounts
from shared.item_types import REGISTRY
from shared.items.kernel import open_field
from shared.paging import text_position
from shared.ports import MAX_READ_MANY, Ports

bp = func.Blueprint()


class AccessesQuery(ApiQuery):
    # Checked by functions/params.py (its rules and error codes): declared here to be documented.
    since: str | None = Field(None, description="ISO 8601 time (UTC if no zone), inclusive")
    until: str | None = Field(None, description="ISO 8601 time (UTC if no zone), exclusive")
    limit: str | None = Field(None, description=f"Events per page, 1 to {MAX_PAGE} (default 50)")
    continuation: str | None = Field(None, description="The previous page's continuation token")


class OrgAuditQuery(AccessesQuery):
    actor: str | None = Field(None, description="Only events of this user id")
    action: str | None = Field(None, description="Only events of this action, e.g. case:read")
    case_id: str | None = Field(None, description="Only events about this case")


class AuditEventView(ApiModel):
    """One audited action: ids and action names only."""

    scope: str
    seq: int
    at: datetime
    actor: str = Field(description="A user id, or 'system'")
    action: str
    target_type: str
    target_id: str
    case_id: str | None
    org_id: str | None
    owner_id: str | None = Field(description="Whose data it is")
    reason: str | None
    grant_id: str | None
    request_id: str
    actor_name: str | None = Field(
        default=None, description="The actor's name (people who acted in the organisation); null for 'system'"
    )


class OrgAuditPage(ApiModel):
    events: list[AuditEventView] = Field(description="Newest first")
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


class MyAccess(ApiModel):
    at: datetime
    action: str
    case_id: str | None
    sentence: str = Field(description="Who did what, in the user's language")


class MyAccessesPage(ApiModel):
    accesses: list[MyAccess] = Field(description="Newest first")
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


@route(
    bp,
    name="org_audit",
    path="api/orgs/{orgId}/audit",
    methods=["GET"],
    permission=Action.AUDIT_READ,
    query=OrgAuditQuery,
    responses={200: OrgAuditPage},
)
def org_audit(request: Request) -> func.HttpResponse:
    """The organisation's audit log, filtered and paged."""
    ports = bootstrap.ports()
    filters = request.query_as(OrgAuditQuery)
    window = paging.window(request, maximum=MAX_PAGE)
    page = AuditLog(ports.store, ports.clock).query(
        scope_for_org(request.http.route_params["orgId"]),
        actor=filters.actor or None,
        action=filters.action or None,
        case_id=filters.case_id or None,
        since=params.query_datetime(request, "since"),
        until=params.query_datetime(request, "until"),
        limit=window.limit,
        continuation=text_position(window),
    )
    # Names for people instead of ids (issue 25): every actor of the page in one call per 100.
    # They acted in this organisation or its cases, whose participants its admins see anyway.
    people = accounts.profiles(ports.store, [e.event.actor for e in page.events if e.event.actor != "system"])
    events = [
        {
            **e.to_json(),
            "actorName": people.get(e.event.actor, {}).get("name") if e.event.actor != "system" else None,
        }
        for e in page.events
    ]
    return json_response({"events": events, "continuation": paging.continuation(request, page.continuation)})


@route(
    bp,
    name="my_accesses",
    path="api/me/accesses",
    methods=["GET"],
    permission=Action.AUDIT_READ_OWN,
    query=AccessesQuery,
    responses={200: MyAccessesPage},
)
def my_accesses(request: Request) -> func.HttpResponse:
    """Each access to the user's data by someone else, as a sentence in their language."""
    ports = bootstrap.ports()
    window = paging.window(request, maximum=MAX_PAGE)
    page = AuditLog(ports.store, ports.clock).accesses_to(
        request.actor,
        since=params.query_datetime(request, "since"),
        until=params.query_datetime(request, "until"),
        limit=window.limit,
        continuation=text_position(window),
    )
    # The user's own profile and every actor of the page in one call per 100 — not one per event.
    people = accounts.profiles(ports.store, [request.actor, *(r.event.actor for r in page.events)])
    language = people.get(request.actor, {}).get("language") or request.language
    titles = _own_titles(ports, request.actor, [r.event for r in page.events])
    entries = []
    for recorded in page.events:
        action = recorded.event.action
        actor = str(people.get(recorded.event.actor, {}).get("name") or recorded.event.actor)
        code = action.replace(":", "_")
        # The user's own item by its title (issue 25): "… downloaded your document 'X'".
        title = titles.get((recorded.event.case_id or "", recorded.event.target_id))
        titled = f"audit.sentenceTitled.{code}"
        sentence = titled if title is None else i18n.translate(titled, language, actor=actor, title=title)
        if sentence == titled:
            key = f"audit.sentence.{code}"
            sentence = i18n.translate(key, language, actor=actor)
            if sentence == key:  # an action without its own sentence still reads as a sentence
                sentence = i18n.translate("audit.sentence.other", language, actor=actor)
        entries.append(
            {"at": recorded.at, "action": action, "caseId": recorded.event.case_id, "sentence": sentence}
        )
    token = paging.continuation(request, page.continuation)
    return json_response({"accesses": entries, "continuation": token})


#: The items whose title names them in "who accessed my data": the audit target type → its kind.
_TITLED = {kind.target_type: kind for kind in REGISTRY.values() if "title" in kind.sealed}


def _own_titles(ports: Ports, owner_id: str, events: list[AuditEvent]) -> dict[tuple[str, str], str]:
    """The titles of the user's own items the page's events name, by (case, item id): one read
    per 100 items, decrypted here for their owner only. An item deleted since is simply absent
    (its event then reads without a title)."""
    keys = list(
        dict.fromkeys(
            (e.case_id, f"{_TITLED[e.target_type].name}-{e.target_id}")
            for e in events
            if e.owner_id == owner_id and e.case_id and e.target_type in _TITLED
        )
    )
    titles: dict[tuple[str, str], str] = {}
    for start in range(0, len(keys), MAX_READ_MANY):
        for (case_id, _), item in ports.store.read_points(
            "cases", keys[start : start + MAX_READ_MANY]
        ).items():
            if item.get("ownerId") == owner_id and item.get("titleSealed"):
                with suppress(CaseDeskError):  # a shredded key: no title, not an error
                    titles[(case_id, str(item[_TITLED_ID[item["type"]]]))] = open_field(ports, item, "title")
    return titles


_TITLED_ID = {kind.name: kind.id_field for kind in _TITLED.values()}
