"""How the case lists are ordered and filtered: "my cases" (``users`` [userId] ``case-<caseId>``)
and the organisation's directory (``orgs`` [orgId] ``case-<caseId>`` / ``name-<token>-<caseId>``)
page over index entries that copy the case's state and carry its last activity
(shared/effects/activity.py), so an order or a filter is one keyset query — field, then id — and
a page costs the same whatever the number of cases.

Orders, newest first: ``activity`` (the last change the viewer may see; the default) and
``opened`` (when the case was opened). Filters: ``open``, ``closed``, ``legal_hold`` (open or
closed). The entries' copy lags the case by one relay run (seconds); what a page shows is read
from the case itself, and an entry whose case no longer matches is left out of the page
(:func:`matches`).

Keyset paging over a time that moves: an entry whose activity moves on while someone pages
jumps to the top — it is not shown twice, and it shows on the next first page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from shared.ports import Item, Query, Scalar

__all__ = ["ORDERS", "STATES", "CaseFilter", "CaseOrder", "matches", "query"]

CaseOrder = Literal["activity", "opened"]
CaseFilter = Literal["open", "closed", "legal_hold"]
ORDERS: tuple[CaseOrder, ...] = ("activity", "opened")
STATES: tuple[CaseFilter, ...] = ("open", "closed", "legal_hold")


def query(
    equals: Mapping[str, Scalar], order: CaseOrder = "activity", state: CaseFilter | None = None
) -> Query:
    """The query of one list of index entries (``equals``: its type and key) in ``order``,
    only those in ``state`` if given."""
    wanted: dict[str, Scalar] = dict(equals)
    if state == "legal_hold":
        wanted["legalHold"] = True
    elif state is not None:
        wanted["caseStatus"] = state
    if order == "opened":
        return Query(equals=wanted, order_by="createdAt", descending=True)
    return Query(equals=wanted, order_by="lastActivityAt", descending=True)


def matches(case: Item | Mapping[str, Any], state: CaseFilter | None) -> bool:
    """Whether the case itself (not the entry's copy) is in ``state``."""
    if state is None:
        return True
    if state == "legal_hold":
        return bool(case.get("legalHold"))
    return case.get("status") == state
