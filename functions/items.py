"""What every item of a case answers over HTTP, whatever its type: the response model of
``shared.items.kernel.base_view``, which each type's view model extends with its own fields
(``functions/documents.py``, ``functions/notes.py``)."""

from __future__ import annotations

from datetime import datetime

from functions.http import ApiModel
from shared.cases.participants import CaseRole

__all__ = ["ItemView"]


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
