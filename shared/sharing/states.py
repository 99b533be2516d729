"""Whether each of a page of one's own items is private or shared, with whom and until when
(issue 24: the cards say it, not only the share dialog).

One query per page, whatever its size: the owner's grants of one item type whose ids fall in the
id range of the page's items (a grant's id is ``grant-<type>-<itemId>-<grantee>``, so the grants
of items in an id range are one id range themselves). Expired grants are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.access.items import grant_counts
from shared.ports import Ports, Query

__all__ = ["MAX_GRANTS", "shares_of"]

#: The most grants one page reads (a page of 50 items shared with up to 10 people each fits).
MAX_GRANTS = 1000


def shares_of(
    ports: Ports, case_id: str, owner_id: str, item_type: str, item_ids: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """For each of ``item_ids`` (the owner's items of ``item_type``), who it is shared with now:
    ``{userId, expiresAt, subject}`` each (``subject``: the case's employee, who sees every item
    of their case); an empty list is a private item."""
    found: dict[str, list[dict[str, Any]]] = {str(i): [] for i in item_ids}
    if not found:
        return found
    low, high = min(found), max(found)
    query = Query(
        equals={"type": "grant", "ownerId": owner_id, "itemType": item_type},
        range_field="id",
        gte=f"grant-{item_type}-{low}-",
        lt=f"grant-{item_type}-{high}-~",  # "~" sorts after every character of a user id
        order_by="id",
        limit=MAX_GRANTS,
    )
    now = ports.clock.now()
    for grant in ports.store.query("cases", case_id, query).items:
        shares = found.get(str(grant.get("itemId")))
        if shares is not None and grant_counts(grant, now):
            shares.append(
                {
                    "userId": grant["granteeId"],
                    "expiresAt": grant.get("expiresAt"),
                    "subject": grant.get("subject") is True,
                }
            )
    return found
