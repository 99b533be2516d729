"""Items of a case (documents, notes; later reflections, evaluations, feedback, messages): the
registry of their types (:mod:`shared.item_types`) and the code they share
(:mod:`shared.items.kernel`)."""

from shared.item_types import ITEM_PARAMS, ITEM_TYPES, REGISTRY, ItemType, by_segment, hooks

__all__ = ["ITEM_PARAMS", "ITEM_TYPES", "REGISTRY", "ItemType", "by_segment", "hooks"]
