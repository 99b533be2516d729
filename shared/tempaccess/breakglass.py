"""Break-glass access for an organisation's own staff, and the temporary-access overview
(SPEC journey 17, issue 23; docs/decisions/031-break-glass.md).

Two items per access:

- ``orgs`` [orgId] ``tempaccess-<accessId>`` — the *record* the overview lists: kind
  (``break_glass``; support accesses of issue 22 join with kind ``support``), who, scope, reason,
  ticket, from/until, ended, reviewed (by whom, when, comment). ``accessId`` is creation-time
  ordered, so the overview pages newest first by id, and the look-back window is an id range.
- ``cases`` [caseId] ``breakglass-<userId>`` — the *grant* the access check reads in the same
  ``read_many`` as the case (shared.access.check, relation ``break_glass``): the case summary and
  the integration plan, read-only, for ``CASEDESK_BREAK_GLASS_HOURS`` — never an item.

Reads under the grant are audited as any read, with the grant's id and reason; the number of reads
is *counted from the audit index* (one count per access, in the case's chain) — nothing is written
per read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from shared import config
from shared.access.caller import Caller
from shared.audit.events import EVENT_TYPE, AuditEvent, scope_for_case, scope_for_org
from shared.audit.log import CONTAINER as AUDIT
from shared.effects import audit_event, audit_op, commit
from shared.effects import record as record_effects
from shared.errors import InvalidInput, NotFound
from shared.identity import accounts, orgs
from shared.identity.tokens import sortable_id
from shared.notifications.inbox import notify
from shared.paging import Paged, Window, store_page, text_position
from shared.ports import MAX_READ_MANY, BatchOperation, Item, Ports, Query
from shared.support.grants import lapsed as support_lapsed

__all__ = [
    "KINDS",
    "MAX_COMMENT",
    "MAX_EXPORT",
    "access_reads",
    "end",
    "export_csv",
    "open_case",
    "overview_page",
    "review",
    "view",
]

KINDS = ("break_glass", "support")  # support grants (issue 22) are records of this partition too
MAX_COMMENT = 500
MAX_REASON = 500
#: Rows in one CSV export (each costs one count of its reads).
MAX_EXPORT = 500


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _record_id(access_id: str) -> str:
    return f"tempaccess-{access_id}"


def open_case(ports: Ports, caller: Caller, org_id: str, case_id: str, *, outside: bool, reason: str) -> Item:
    """Open ``case_id`` of ``org_id`` for the caller for the configured hours (audited
    ``case:break_glass`` with the reason; the organisation's admins are alerted). The access check
    let through staff with "access all cases" only; a case of another organisation is 404."""
    if outside is not True:
        raise InvalidInput(
            "confirm that this access is outside your authorisation", field="outsideAuthorisation"
        )
    clean = reason.strip() if isinstance(reason, str) else ""
    if not clean:
        raise InvalidInput("give a reason for this access", field="reason")
    if len(clean) > MAX_REASON or any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in clean):
        raise InvalidInput(f"a reason is one line of at most {MAX_REASON} characters", field="reason")
    found = (
        ports.store.read_many("cases", case_id, ["case", f"participant-{caller.actor}"]) if case_id else {}
    )
    case = found.get("case")
    if case is None or case.get("orgId") != org_id or case.get("status") in ("purging", "purged"):
        raise NotFound("no such case")
    mine = found.get(f"participant-{caller.actor}")
    if mine is not None and mine.get("status") == "active":
        raise InvalidInput("you take part in this case already; open it as usual", field="caseId")
    now = ports.clock.now()
    until = now + timedelta(hours=config.int_setting("CASEDESK_BREAK_GLASS_HOURS"))
    access_id = sortable_id(now)
    record: Item = {
        "id": _record_id(access_id),
        "orgId": org_id,
        "type": "temp_access",
        "kind": "break_glass",
        "accessId": access_id,
        "userId": caller.actor,
        "caseId": case_id,
        "scope": "case",
        "reason": clean,
        "ticket": None,
        "fromAt": _iso(now),
        "untilAt": _iso(until),
        "endedAt": None,
        "endedBy": None,
        "reviewedAt": None,
        "reviewedBy": None,
        "reviewComment": None,
    }
    event = AuditEvent(
        actor=caller.actor,
        action="case:break_glass",
        target_type="case",
        target_id=case_id,
        request_id=caller.request_id,
        case_id=case_id,
        org_id=org_id,
        owner_id=case.get("employeeUserId"),
        reason=clean,
        grant_id=access_id,
    )
    # The record and its audit event first (the overview never misses an access), then the grant.
    [stored] = commit(
        ports.store,
        "orgs",
        org_id,
        [BatchOperation("create", item=record)],
        [audit_op("orgs", org_id, event, now)],
    )
    grant = {
        "id": f"breakglass-{caller.actor}",
        "caseId": case_id,
        "type": "break_glass",
        "userId": caller.actor,
        "orgId": org_id,
        "accessId": access_id,
        "reason": clean,
        "fromAt": record["fromAt"],
        "untilAt": record["untilAt"],
        "endedAt": None,
    }
    ports.store.upsert("cases", grant)
    _alert_admins(ports, org_id, case_id, caller.actor)
    return cast(Item, stored)


def _alert_admins(ports: Ports, org_id: str, case_id: str, actor: str) -> None:
    """An in-app notification to each org admin and the content-free e-mail notice — a security
    alert, sent whatever their e-mail-notice preference: the notification names the case by id
    only, the e-mail nothing at all."""
    for member in orgs.members(ports.store, org_id):
        if "org_admin" in member.get("roles", []) and member.get("userId") != actor:
            notify(
                ports,
                str(member["userId"]),
                "break_glass",
                case_id=case_id,
                item_type="org",
                item_id=org_id,
                actor_id=actor,
                email="always",
            )


def _window_start(now: datetime) -> str:
    """The smallest access id of the look-back window (ids start with the time in ms, hex)."""
    since = now - timedelta(days=config.int_setting("CASEDESK_TEMP_ACCESS_DAYS"))
    return _record_id(f"{int(since.timestamp() * 1000):012x}")


def _query(ports: Ports) -> Query:
    return Query(
        equals={"type": "temp_access"},
        range_field="id",
        gte=_window_start(ports.clock.now()),
        order_by="id",
        descending=True,
    )


def status(record: Item, now: datetime) -> str:
    """``ended`` (by an admin), ``expired`` or ``active``; a support grant (issue 22) may also be
    ``requested``, ``lapsed`` (undecided too long), ``approved`` (not yet activated) or ``denied``."""
    if record.get("endedAt"):
        return "ended"
    state = record.get("state")
    if state in ("requested", "denied"):
        return "lapsed" if support_lapsed(record, now) else str(state)
    if str(record.get("untilAt", "")) <= _iso(now):
        return "expired"
    return "approved" if state == "approved" else "active"


def _view(
    record: Item, names: dict[str, Item], now: datetime, *, case_name: str | None = None
) -> dict[str, Any]:
    user = str(record.get("userId"))
    return {
        "accessId": record["accessId"],
        "kind": record.get("kind"),
        "userId": user,
        "userName": str(names.get(user, {}).get("name", "")),
        "caseId": record.get("caseId"),
        "caseName": case_name,
        "scope": record.get("scope"),
        "reason": record.get("reason"),
        "ticket": record.get("ticket"),
        "fromAt": record.get("fromAt"),
        "untilAt": record.get("untilAt"),
        "endedAt": record.get("endedAt"),
        "status": status(record, now),
        "reviewedAt": record.get("reviewedAt"),
        "reviewedBy": record.get("reviewedBy"),
        "reviewComment": record.get("reviewComment"),
        "etag": record["_etag"],
    }


def _views(ports: Ports, org_id: str, records: Sequence[Item], now: datetime) -> list[dict[str, Any]]:
    """Views of ``records`` with their holders' names and, for a case, its employee's name (an
    admin reviews "the case of Erik Beispiel", not an id): one ``read_points`` of the cases and
    one of the profiles per page, whatever its length."""
    case_ids = sorted({str(r["caseId"]) for r in records if r.get("caseId")})
    cases: dict[str, Item] = {}
    for start in range(0, len(case_ids), MAX_READ_MANY):
        keys = [(case_id, "case") for case_id in case_ids[start : start + MAX_READ_MANY]]
        cases.update({key[0]: item for key, item in ports.store.read_points("cases", keys).items()})
    employees = {
        case_id: str(case["employeeUserId"])
        for case_id, case in cases.items()
        if case.get("orgId") == org_id and case.get("employeeUserId")
    }
    names = accounts.profiles(ports.store, [*(str(r.get("userId")) for r in records), *employees.values()])

    def case_name(record: Item) -> str | None:
        employee = employees.get(str(record.get("caseId")))
        name = names.get(employee, {}).get("name") if employee else None
        return str(name) if name else None

    return [_view(r, names, now, case_name=case_name(r)) for r in records]


def overview_page(ports: Ports, caller: Caller, org_id: str, window: Window) -> Paged[dict[str, Any]]:
    """One page of the organisation's temporary accesses of the last ``CASEDESK_TEMP_ACCESS_DAYS``
    days, newest first: one query, one read of the page's cases and one of the people named
    (audited ``temp_access:read``). The reads of each access are :func:`access_reads` (one count
    each), not part of the page."""
    text_position(window)
    page = store_page(ports.store, "orgs", org_id, _query(ports), window)
    now = ports.clock.now()
    event = audit_event(caller, "temp_access:read", target_type="org", target_id=org_id, org_id=org_id)
    record_effects(ports.store, "orgs", org_id, [audit_op("orgs", org_id, event, now)])
    return Paged(_views(ports, org_id, page.items, now), page.after)


def _record(ports: Ports, org_id: str, access_id: str) -> Item:
    try:
        found = ports.store.read("orgs", org_id, _record_id(access_id))
    except NotFound:
        raise NotFound("no such access") from None
    if found.get("type") != "temp_access":
        raise NotFound("no such access")
    return found


def access_reads(ports: Ports, org_id: str, access_id: str) -> dict[str, Any]:
    """How often the holder read the case under this access: one count in the case's audit chain
    (events carrying the access as their grant), nothing written per read."""
    record = _record(ports, org_id, access_id)
    return {"accessId": access_id, "reads": _count(ports, record)}


#: The audited reads a break-glass access allows (its summary and its plan).
READ_ACTIONS = ("case:read", "plan:read", "plan:read_history")


#: The audited reads of a support grant (shared/support/views.py), all in the org's chain.
SUPPORT_READ_ACTIONS = (
    "case:read",
    "plan:read",
    "support:cases_read",
    "support:participants_read",
    "support:audit_read",
    "support:failures_read",
)


def _count(ports: Ports, record: Item) -> int:
    """One count per read action in the case's chain, of events under this access by its holder
    (the opening event carries the access too, so it is told apart by its action). A support
    grant's reads may span cases: they are counted in the organisation's chain."""
    if record.get("kind") == "support":
        base = {"type": EVENT_TYPE, "grantId": str(record["accessId"]), "actor": str(record["userId"])}
        org_scope = scope_for_org(str(record["orgId"]))
        return sum(
            ports.store.count(AUDIT, org_scope, Query(equals={**base, "action": action}))
            for action in SUPPORT_READ_ACTIONS
        )
    scope = scope_for_case(str(record["caseId"]))
    base = {"type": EVENT_TYPE, "grantId": str(record["accessId"]), "actor": str(record["userId"])}
    return sum(
        ports.store.count(AUDIT, scope, Query(equals={**base, "action": action})) for action in READ_ACTIONS
    )


def review(
    ports: Ports, caller: Caller, org_id: str, access_id: str, *, comment: str, if_match: str
) -> dict[str, Any]:
    """Mark an access reviewed, with a comment (audited ``temp_access:review``; If-Match)."""
    clean = comment.strip()
    if len(clean) > MAX_COMMENT:
        raise InvalidInput(f"a comment holds at most {MAX_COMMENT} characters", field="comment")
    record = _record(ports, org_id, access_id)
    now = ports.clock.now()
    changed = {**record, "reviewedAt": _iso(now), "reviewedBy": caller.actor, "reviewComment": clean or None}
    event = audit_event(
        caller, "temp_access:review", target_type="access", target_id=access_id, org_id=org_id
    )
    [stored] = commit(
        ports.store,
        "orgs",
        org_id,
        [BatchOperation("replace", item=changed, if_match=if_match)],
        [audit_op("orgs", org_id, event, now)],
    )
    return _views(ports, org_id, [cast(Item, stored)], now)[0]


def end(ports: Ports, caller: Caller, org_id: str, access_id: str) -> dict[str, Any]:
    """End a live access now (audited ``temp_access:end``); ending an ended one changes nothing.
    A support grant is revoked (shared/support/grants.py: its own event, the operator told)."""
    record = _record(ports, org_id, access_id)
    if record.get("kind") == "support":
        from shared.support import grants  # noqa: PLC0415 - support builds on this module's records

        return view(ports, grants.revoke(ports, caller, org_id, access_id))
    now = ports.clock.now()
    if status(record, now) != "active":
        return _views(ports, org_id, [record], now)[0]
    changed = {**record, "endedAt": _iso(now), "endedBy": caller.actor}
    event = audit_event(
        caller,
        "temp_access:end",
        target_type="access",
        target_id=access_id,
        case_id=str(record["caseId"]),
        org_id=org_id,
    )
    [stored] = commit(
        ports.store,
        "orgs",
        org_id,
        [BatchOperation("replace", item=changed, if_match=str(record["_etag"]))],
        [audit_op("orgs", org_id, event, now)],
    )
    # The grant the access check reads: ended too (a later break-glass of the same person has its
    # own access id, and is left alone).
    try:
        grant = ports.store.read("cases", str(record["caseId"]), f"breakglass-{record['userId']}")
    except NotFound:
        grant = None
    if grant is not None and grant.get("accessId") == access_id and not grant.get("endedAt"):
        ports.store.replace("cases", {**grant, "endedAt": _iso(now)}, if_match=str(grant["_etag"]))
    return _views(ports, org_id, [cast(Item, stored)], now)[0]


_COLUMNS = (
    "kind",
    "accessId",
    "userName",
    "userId",
    "caseId",
    "scope",
    "reason",
    "ticket",
    "fromAt",
    "untilAt",
    "endedAt",
    "status",
    "reads",
    "reviewedAt",
    "reviewedBy",
    "reviewComment",
)


def neutralise(cell: object) -> str:
    """A CSV cell a spreadsheet will not run: text starting with ``= + - @`` (or a tab or carriage
    return, which some spreadsheets skip before a formula) gets a leading apostrophe."""
    text = "" if cell is None else str(cell)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(ports: Ports, caller: Caller, org_id: str) -> str:
    """The overview as CSV (newest first, at most :data:`MAX_EXPORT` rows, each with its reads),
    every cell neutralised against formula injection (audited ``temp_access:export``)."""
    page = ports.store.query("orgs", org_id, replace(_query(ports), limit=MAX_EXPORT))
    names = accounts.profiles(ports.store, [str(r.get("userId")) for r in page.items])
    now = ports.clock.now()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_COLUMNS)
    for record in page.items:
        row = {**_view(record, names, now), "reads": _count(ports, record)}
        writer.writerow([neutralise(row.get(column)) for column in _COLUMNS])
    event = audit_event(caller, "temp_access:export", target_type="org", target_id=org_id, org_id=org_id)
    record_effects(ports.store, "orgs", org_id, [audit_op("orgs", org_id, event, now)])
    return out.getvalue()


def view(ports: Ports, record: Item) -> dict[str, Any]:
    """One record as the API answers it (with its holder's and its case's names)."""
    return _views(ports, str(record["orgId"]), [record], ports.clock.now())[0]
