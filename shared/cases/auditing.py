"""The audit event of an action on a case, as a pending effect in the case's partition.

Whose data it is decides whose "who accessed my data" lists the event: the case's employee (the
subject of the case) unless an item has another owner. Built from the case item the service has
read anyway, so auditing costs no extra read; the relay fills in the organisation if missing.
"""

from __future__ import annotations

from datetime import datetime

from shared.access.caller import Caller
from shared.effects import audit_event, audit_op
from shared.ports import BatchOperation, Item

__all__ = ["case_audit"]


def case_audit(
    caller: Caller,
    action: str,
    case: Item,
    now: datetime,
    *,
    target_type: str = "case",
    target_id: str | None = None,
    owner_id: str | None = None,
) -> BatchOperation:
    """The batch step recording ``caller`` doing ``action`` on ``case`` (its item as read)."""
    case_id = str(case["caseId"])
    event = audit_event(
        caller,
        action,
        target_type=target_type,
        target_id=target_id or case_id,
        case_id=case_id,
        org_id=case.get("orgId"),
        owner_id=owner_id or case.get("employeeUserId"),
    )
    return audit_op("cases", case_id, event, now)
