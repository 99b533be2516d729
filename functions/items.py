"""What every item of a case answers over HTTP, whatever its type: the response model of
``shared.items.kernel.base_view``, which each type's view model extends with its own fields
(``functions/documents.py``, ``functions/notes.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from functions.http import ApiModel
from shared.cases.participants import CaseRole
from shared.ports import Ports
from shared.sharing.states import shares_of

__all__ = ["ItemView", "ListedItem", "ShareState", "with_shares"]


class ItemView(ApiModel):
    """One item as its viewer sees it (``mine``: the viewer is its owner)."""

    id: str
    case_id: str
    owner_id: str
    owner_role: CaseRole | None
    mine: bool
    created_at: datetime
    updated_at: datetime
    etag: str


class ShareState(ApiModel):
    """One person an item of one's own is shared with now."""

    user_id: str
    expires_at: datetime | None = Field(description="Until when; null: until revoked")
    subject: bool = Field(description="The case's employee, who sees every item of their case")


class ListedItem(ApiModel):
    """What a list adds to each item (issue 24: the card says private or shared)."""

    shared_with: list[ShareState] | None = Field(
        description="For one's own items: who it is shared with now (empty: private); null for others' items"
    )


def with_shares(
    ports: Ports, case_id: str, viewer_id: str, item_type: str, views: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The list's views, each of the viewer's own items with ``sharedWith`` (one query per page)."""
    own = [str(v["id"]) for v in views if v.get("mine")]
    shares = shares_of(ports, case_id, viewer_id, item_type, own)
    return [{**v, "sharedWith": shares.get(str(v["id"])) if v.get("mine") else None} for v in views]
