"""Support grants as the API answers them: the operator's own list, the organisation's list for
its admins, one grant (never its pseudonym key) — a fixed number of store calls per page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.access.caller import Caller
from shared.effects import audit_event, audit_op
from shared.effects import record as record_effects
from shared.identity import accounts, orgs
from shared.paging import Paged, Window, store_page
from shared.ports import Item, Ports, Query
from shared.support.grants import KIND, record_id, status, undecided

__all__ = ["admin_view", "mine_page", "operator_view", "org_page", "view"]


def view(record: Item, now: datetime, *, operator_name: str = "", org_name: str = "") -> dict[str, Any]:
    """A grant as the API answers it (never its pseudonym key)."""
    return {
        "grantId": record["accessId"],
        "orgId": record["orgId"],
        "orgName": org_name,
        "operatorId": record["userId"],
        "operatorName": operator_name,
        "scope": record["scope"],
        "caseId": record.get("caseId"),
        "reason": record["reason"],
        "ticket": record["ticket"],
        "level": record["level"],
        "hours": record["hours"],
        "status": status(record, now),
        "requestedAt": record["requestedAt"],
        "decidedAt": record.get("decidedAt"),
        "activatedAt": record.get("activatedAt"),
        "untilAt": record["untilAt"] if record.get("state") in ("approved", "active", "revoked") else None,
        "endedAt": record.get("endedAt"),
        "etag": record["_etag"],
    }


def mine_page(ports: Ports, caller: Caller, window: Window) -> Paged[dict[str, Any]]:
    """The operator's own grants, newest first: one query, one ``read_points``, one name lookup."""
    query = Query(equals={"type": "support_grant_ref"}, order_by="id", descending=True)
    page = store_page(ports.store, "users", caller.actor, query, window)
    keys = [
        (str(ref["orgId"]), record_id(str(ref["id"]).removeprefix("supportgrant-"))) for ref in page.items
    ]
    found = ports.store.read_points("orgs", keys) if keys else {}
    names = orgs.names(ports.store, {k[0] for k in keys}) if keys else {}
    now = ports.clock.now()
    views = [
        view(found[key], now, org_name=names.get(key[0], ""))
        for key in keys
        if key in found and found[key].get("userId") == caller.actor
    ]
    return Paged(views, page.after)


def org_page(
    ports: Ports, caller: Caller, org_id: str, window: Window, *, pending_only: bool
) -> Paged[dict[str, Any]]:
    """The organisation's support grants (or only its open requests), newest first: one query,
    one name lookup and one audit write (``support_requests:read``) per page."""
    now = ports.clock.now()
    query = (
        undecided(now)
        if pending_only
        else Query(equals={"type": "temp_access", "kind": KIND}, order_by="id", descending=True)
    )
    page = store_page(ports.store, "orgs", org_id, query, window)
    names = accounts.profiles(ports.store, [str(r["userId"]) for r in page.items])
    event = audit_event(caller, "support_requests:read", target_type="org", target_id=org_id, org_id=org_id)
    record_effects(ports.store, "orgs", org_id, [audit_op("orgs", org_id, event, now)])
    return Paged(
        [
            view(r, now, operator_name=str(names.get(str(r["userId"]), {}).get("name", "")))
            for r in page.items
        ],
        page.after,
    )


def admin_view(ports: Ports, record: Item) -> dict[str, Any]:
    names = accounts.profiles(ports.store, [str(record["userId"])])
    return view(
        record, ports.clock.now(), operator_name=str(names.get(str(record["userId"]), {}).get("name", ""))
    )


def operator_view(ports: Ports, record: Item) -> dict[str, Any]:
    names = orgs.names(ports.store, [str(record["orgId"])])
    return view(record, ports.clock.now(), org_name=names.get(str(record["orgId"]), ""))
