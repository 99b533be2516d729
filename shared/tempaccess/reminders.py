"""The monthly access-review reminder (SPEC journey 18): each organisation's admins get one
in-app notification (and the content-free e-mail notice if they want e-mail notices) per month.

Idempotent: a marker ``review-reminder-<YYYY-MM>`` in the organisation's partition is created
first; a second run in the same month finds it and sends nothing. (At most once: a run that dies
between the marker and the notifications skips that organisation's reminder for the month — a
reminder, not an obligation; the review itself is always available.)
"""

from __future__ import annotations

from datetime import UTC

from shared.errors import AlreadyExists
from shared.identity import orgs
from shared.notifications.inbox import notify
from shared.ports import Ports

__all__ = ["remind"]


def remind(ports: Ports) -> int:
    """Remind the admins of every organisation not yet reminded this month; returns how many
    organisations were reminded."""
    month = ports.clock.now().astimezone(UTC).strftime("%Y-%m")
    reminded = 0
    for organisation in ports.store.scan("orgs", equals={"id": "org"}):
        org_id = str(organisation["orgId"])
        marker = {
            "id": f"review-reminder-{month}",
            "orgId": org_id,
            "type": "review_reminder",
            "month": month,
        }
        try:
            ports.store.create("orgs", marker)
        except AlreadyExists:
            continue
        for member in orgs.members(ports.store, org_id):
            if "org_admin" in member.get("roles", []):
                notify(
                    ports,
                    str(member["userId"]),
                    "access_review_due",
                    case_id=None,
                    item_type="org",
                    item_id=org_id,
                )
        reminded += 1
    return reminded
