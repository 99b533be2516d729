"""The composite indexes of the Cosmos containers: one table, read by the Cosmos adapter's
container setup (``CosmosStore.ensure_containers``, emulator and local use) and mirrored in
``infra/modules/cosmos.bicep`` (a test keeps the two equal, and checks that every ordered query
of the code has its index here).

Every query is ordered by a total order, its field then ``id`` (docs/decisions/021). Cosmos
serves ``ORDER BY c.f ASC, c.id ASC`` only from a composite index (f asc, id asc) — and the
descending order from (f desc, id desc) or the reverse of the ascending one; we declare both
directions of every ordered field, so a query may be turned around without an infrastructure
change. Without the index Azure (and the emulator) answer 400. Ordering by ``id`` alone needs
no composite index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.ports import CONTAINERS

__all__ = [
    "EMBEDDED_INDEXES",
    "ORDERED_FIELDS",
    "composite_indexes",
    "container_indexes",
    "indexing_policy",
    "scan_index",
]

#: Container → the fields its queries order by (other than ``id``).
ORDERED_FIELDS: Mapping[str, tuple[str, ...]] = {
    "cases": ("at", "fromDate"),  # plan history (newest first), plan stages (by start date)
    # "my cases" and the organisation's case directory, newest activity or opening first
    # (shared/cases/listing.py; staff invitations by createdAt too)
    "users": ("lastActivityAt", "createdAt"),
    "directory": (),
    "orgs": ("createdAt", "lastActivityAt"),
    "audit": ("seq",),  # an audit chain, newest first
    "keys": (),
    "sessions": (),
    "outbox": (),
}

assert set(ORDERED_FIELDS) == set(CONTAINERS), "every container has its row"


#: The embedded store's indexes (SQLite; Cosmos indexes every path by itself): container → the
#: field tuples of its list queries — equality fields, then the ordered field if any. Each is an
#: index (partition, fields…, id), so a page is a range scan that stops after the page, not a
#: scan of the partition: the list lookups of ``shared/sharing/pages.py``, the ordered lists.
EMBEDDED_INDEXES: Mapping[str, tuple[tuple[str, ...], ...]] = {
    "cases": (
        ("type",),  # the items of one type, by id (e.g. a case's participants among its thousands of items)
        ("type", "ownerId"),  # a user's own items of a type, by id
        ("type", "granteeId", "itemType"),  # the grants a user holds on a type, by id
        ("type", "itemType", "itemId"),  # the grants on one item, by id
        ("type", "at"),  # plan history
        ("type", "fromDate"),  # plan stages
    ),
    # ("caseId",): the retention purge finds a case's items in its people's and its
    # organisation's partitions (shared/retention/purge.py) without reading the partition.
    # The case lists (shared/cases/listing.py): by last activity or opening, all or one state.
    "users": (
        ("type",),
        ("type", "read"),
        ("caseId",),
        ("type", "lastActivityAt"),
        ("type", "createdAt"),
        ("type", "caseStatus", "lastActivityAt"),
        ("type", "legalHold", "lastActivityAt"),
    ),
    "directory": (),
    "orgs": (
        ("type",),
        ("type", "createdAt"),
        ("caseId",),
        ("type", "lastActivityAt"),
        ("type", "caseStatus", "lastActivityAt"),
        ("type", "legalHold", "lastActivityAt"),
        ("type", "token", "lastActivityAt"),  # a name search (the blind index), by activity
    ),
    "audit": (("type", "seq"),),
    "keys": (),
    "sessions": (),
    "outbox": (),
}


def composite_indexes(fields: Sequence[str]) -> list[list[dict[str, str]]]:
    """The composite indexes of these ordered fields, in the shape Cosmos (and Bicep) take:
    (field asc, id asc) and (field desc, id desc) for each."""
    return [
        [{"path": f"/{name}", "order": order}, {"path": "/id", "order": order}]
        for name in fields
        for order in ("ascending", "descending")
    ]


def scan_index(container: str) -> list[list[dict[str, str]]]:
    """The index of ``Store.scan_page`` (the backup export's pages): the whole container ordered
    by (partition key, id), ascending. A container partitioned by ``id`` orders by ``id`` alone,
    which needs none."""
    pk_field = CONTAINERS[container]
    if pk_field == "id":
        return []
    return [[{"path": f"/{pk_field}", "order": "ascending"}, {"path": "/id", "order": "ascending"}]]


def container_indexes(container: str, extra_fields: Sequence[str] = ()) -> list[list[dict[str, str]]]:
    """Every composite index of a container: its ordered fields', then the scan's."""
    return composite_indexes([*ORDERED_FIELDS[container], *extra_fields]) + scan_index(container)


def indexing_policy(container: str, extra_fields: Sequence[str] = ()) -> dict[str, Any]:
    """The container's indexing policy: everything indexed (the default), plus its composite
    indexes. ``extra_fields`` adds ordered fields (the contract tests order by their own)."""
    return {
        "indexingMode": "consistent",
        "automatic": True,
        "includedPaths": [{"path": "/*"}],
        "excludedPaths": [{"path": '/"_etag"/?'}],
        "compositeIndexes": container_indexes(container, extra_fields),
    }


def ordered_fields_for(container: str) -> tuple[str, ...]:
    return ORDERED_FIELDS[container]


def declared() -> Mapping[str, list[list[dict[str, str]]]]:
    """Container → its composite indexes (what the Bicep file must declare)."""
    return {name: container_indexes(name) for name in ORDERED_FIELDS}
