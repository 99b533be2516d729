"""The registry of item types: what a shareable item of a case *is*, in one place.

An item lives in ``cases`` [caseId] as ``<name>-<itemId>`` with ``type`` = ``name``, an
``ownerId`` and its fields; the fields in ``sealed`` are encrypted with the case key (AAD = the
item and the field). Everything else derives from this table: the route parameter the access
check reads (``docId``), the URL segment of the item routes and of the sharing routes
(``documents``), the audit target type (``document``), the names in the EN/DE catalogs, and the
module that holds the type's own rules and the hooks the purge and the export call::

    views_of(ports, items, viewer_id) -> list[dict]     # lists, "see what X sees"
    purge_case(ports, case_id) -> int                   # delete every item of the case
    export_owned(ports, case_id, user_id) -> list[dict] # what the person owns, decrypted

A new type (reflections, evaluations, feedback) is one entry here plus its own module built on
:mod:`shared.items.kernel`; ``tests/unit/test_item_registry.py`` checks that every entry has its
routes, access rows, catalog names and hooks.

This module imports nothing of the item modules (the access check needs the table, and the item
modules need the access check): hooks are named by module and resolved when called.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType

__all__ = ["ITEM_PARAMS", "ITEM_TYPES", "REGISTRY", "ItemType", "by_segment", "hooks"]


@dataclass(frozen=True)
class ItemType:
    name: str  # the item id prefix and its ``type`` field: "doc"
    route_param: str  # the route parameter that names one: "docId"
    segment: str  # the URL segment of its routes: "documents"
    target_type: str  # the audit target type: "document"
    id_field: str  # the field holding the bare id: "docId"
    sealed: tuple[str, ...]  # encrypted fields
    module: str  # the type's own module, with the hooks
    #: Grants may carry ``fromDate`` and ``includeText`` (the reflection series: a window and text).
    grant_options: bool = False
    #: Health data: sharing with the employer contact needs the warning acknowledged first.
    employer_warning: bool = False
    #: The notification kind a new grant sends its grantee.
    share_notice: str = "share"
    #: Records about the employee (evaluations, feedback): the case's employee always sees them,
    #: by a grant the author can neither revoke nor change (shared/evaluations/records.py).
    subject_sees: bool = False

    @property
    def catalog_key(self) -> str:
        """The EN/DE name of the type: ``items.<name>.one`` / ``items.<name>.many``."""
        return f"items.{self.name}"


REGISTRY: Mapping[str, ItemType] = {
    t.name: t
    for t in (
        ItemType("doc", "docId", "documents", "document", "docId", ("title",), "shared.documents.documents"),
        ItemType("note", "noteId", "notes", "note", "noteId", ("title", "body"), "shared.notes.notes"),
        # One per case, owned by its employee; the entries live in monthly buckets beside it.
        ItemType(
            "reflection_series",
            "seriesId",
            "reflection-series",
            "reflection_series",
            "seriesId",
            (),
            "shared.reflections.reflections",
            grant_options=True,
            employer_warning=True,
            share_notice="reflections_shared",
        ),
        # About the employee, who always sees them; every amendment is a new version (issue 16).
        ItemType(
            "evaluation",
            "evaluationId",
            "evaluations",
            "evaluation",
            "evaluationId",
            (),
            "shared.evaluations.evaluations",
            share_notice="evaluation_shared",
            subject_sees=True,
        ),
        ItemType(
            "feedback",
            "feedbackId",
            "feedback",
            "feedback",
            "feedbackId",
            (),
            "shared.evaluations.feedback",
            share_notice="feedback_shared",
            subject_sees=True,
        ),
    )
}
#: The shareable item types, and the route parameters that name an item of each.
ITEM_TYPES = frozenset(REGISTRY)
ITEM_PARAMS = {t.route_param: t.name for t in REGISTRY.values()}


def by_segment(segment: str) -> ItemType:
    return next(t for t in REGISTRY.values() if t.segment == segment)


def hooks(kind: ItemType) -> ModuleType:
    """The type's module (``views_of``, ``purge_case``, ``export_owned``)."""
    return importlib.import_module(kind.module)
