"""Sharing of any item type with chosen participants of a case (SPEC journey 7).

share(ports, caller, case_id, "doc", doc_id, grantee_id=doctor, expires_at=None)
can_view(ports, case_id, "doc", doc_id, user_id)          # = shared.access.items.viewable
visible_items(ports, case_id, user_id, "doc")             # own + shared, one case partition
who_has_access(...), as_seen_by(...), revoke(...), end_grants_of(...)
"""

from shared.sharing.grants import (
    ITEM_TYPES,
    MAX_EXPIRY_YEARS,
    EmployerHealthDataWarning,
    ExpiryInPast,
    ExpiryTooFar,
    NotAParticipant,
    ShareOptionNotApplicable,
    SubjectAlwaysSees,
    as_seen_by,
    can_view,
    case_items,
    end_grants_for_item,
    end_grants_for_type,
    end_grants_of,
    revoke,
    share,
    visible_items,
    who_has_access,
)

__all__ = [
    "ITEM_TYPES",
    "MAX_EXPIRY_YEARS",
    "EmployerHealthDataWarning",
    "ExpiryInPast",
    "ExpiryTooFar",
    "NotAParticipant",
    "ShareOptionNotApplicable",
    "SubjectAlwaysSees",
    "as_seen_by",
    "can_view",
    "case_items",
    "end_grants_for_item",
    "end_grants_for_type",
    "end_grants_of",
    "revoke",
    "share",
    "visible_items",
    "who_has_access",
]
