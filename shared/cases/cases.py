"""The case itself: opening it (which invites the employee), its summary, closing and reopening
(closing records the date the 3-year retention counts from), and the legal hold.

The case item holds ids and states only; names come from the participants' own profiles.
"""

from __future__ import annotations

from typing import Any

from shared.access.relations import case_item
from shared.bootstrap import Ports
from shared.cases import participants
from shared.cases.participants import CaseClosed
from shared.errors import InvalidInput, NotFound
from shared.identity import accounts, orgs
from shared.identity.accounts import Language
from shared.identity.tokens import new_id
from shared.ports import Item

__all__ = ["close", "create", "reopen", "set_legal_hold", "summary"]


def create(
    ports: Ports,
    org_id: str,
    *,
    manager_id: str,
    employee_email: str,
    employee_name: str,
    employee_language: Language,
) -> Item:
    """Open a case in ``org_id`` with ``manager_id`` as its case manager and invite the employee."""
    orgs.org(ports.store, org_id)  # NotFound for an unknown organisation
    case_id = new_id()
    # The employee is the subject of the case: their id marks whose data it is (audit, export).
    employee_id = accounts.create_invited_user(
        ports.store, ports.clock, email=employee_email, name=employee_name, language=employee_language
    )
    case = ports.store.create(
        "cases",
        {
            "id": "case",
            "caseId": case_id,
            "orgId": org_id,
            "type": "case",
            "status": "open",
            "createdAt": ports.clock.now().isoformat(),
            "createdBy": manager_id,
            "closedAt": None,
            "legalHold": False,
            "employeeUserId": employee_id,
        },
    )
    ports.case_keys.create(case_id)  # case content is sealed with the case's own key
    ports.store.upsert(
        "orgs", {"id": f"case-{case_id}", "orgId": org_id, "type": "case_ref", "caseId": case_id}
    )
    participants.add_active(ports, case, manager_id, "case_manager")
    participants.invite(
        ports,
        case_id,
        email=employee_email,
        name=employee_name,
        language=employee_language,
        role="employee",
        invited_by=manager_id,
    )
    return case


def summary(ports: Ports, case_id: str) -> dict[str, Any]:
    """Status and participants — what every participant and the org admin may see (no content)."""
    case = _case(ports, case_id)
    people = []
    for item in participants.list_for_case(ports, case_id):
        if item["status"] == "removed":
            continue
        profile = accounts.profile(ports.store, item["userId"])
        people.append(
            {
                "userId": item["userId"],
                "name": profile["name"],
                "role": item["role"],
                "status": item["status"],
            }
        )
    order = {"employee": 0, "case_manager": 1, "employer": 2, "doctor": 3}
    people.sort(key=lambda p: (order.get(p["role"], 9), p["name"]))
    keys = ("caseId", "orgId", "status", "createdAt", "closedAt", "legalHold")
    return {**{k: case.get(k) for k in keys}, "participants": people, "etag": case["_etag"]}


def close(ports: Ports, case_id: str, *, if_match: str) -> Item:
    case = _case(ports, case_id)
    if case["status"] == "closed":
        raise CaseClosed("the case is already closed")
    closed = {**case, "status": "closed", "closedAt": ports.clock.now().isoformat()}
    return ports.store.replace("cases", closed, if_match=if_match)


def reopen(ports: Ports, case_id: str, *, if_match: str) -> Item:
    case = _case(ports, case_id)
    if case["status"] != "closed":
        raise InvalidInput("only a closed case can be reopened")
    # Reopening stops the retention clock: it counts again from the next closing.
    return ports.store.replace("cases", {**case, "status": "open", "closedAt": None}, if_match=if_match)


def set_legal_hold(ports: Ports, case_id: str, hold: bool, *, if_match: str) -> Item:
    case = _case(ports, case_id)
    return ports.store.replace("cases", {**case, "legalHold": hold}, if_match=if_match)


def _case(ports: Ports, case_id: str) -> Item:
    case = case_item(ports.store, case_id)
    if case is None:
        raise NotFound("no such case")
    return case
