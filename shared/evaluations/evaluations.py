"""The registry hooks of the ``evaluation`` item type (shared/item_types.py): lists, "see what X
sees", the retention purge and "download my data" — all in :mod:`shared.evaluations.records`."""

from __future__ import annotations

from typing import Any

from shared.evaluations import records
from shared.evaluations.records import EVALUATION
from shared.ports import Item, Ports

__all__ = ["export_owned", "purge_case", "views_of"]


def views_of(ports: Ports, items: list[Item], user_id: str) -> list[dict[str, Any]]:
    return records.views_of(ports, EVALUATION, items, user_id)


def purge_case(ports: Ports, case_id: str) -> int:
    return records.purge_case(ports, EVALUATION, case_id)


def export_owned(ports: Ports, case_id: str, user_id: str) -> list[dict[str, Any]]:
    return records.export_owned(ports, EVALUATION, case_id, user_id)
