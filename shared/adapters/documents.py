"""Rules every Store adapter applies the same way: item validation, the size limit, expiry,
patch semantics and continuation tokens. One place, so SQLite, memory and Cosmos cannot drift.

Stored form: the caller's fields, minus reserved ``_`` fields, plus ``_expires`` (epoch seconds)
when the item has a ``ttl``. Returned form: the caller's fields plus ``_etag``.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from shared.errors import InvalidContinuation, InvalidInput, ItemTooLarge
from shared.ports import (
    CONTAINERS,
    MAX_BATCH_BYTES,
    MAX_BATCH_OPERATIONS,
    MAX_ITEM_BYTES,
    MAX_PATCH_OPERATIONS,
    MAX_READ_MANY,
    BatchOperation,
    Item,
    PatchOperation,
    Query,
    Scalar,
)

__all__ = [
    "EXPIRES",
    "apply_patch",
    "check_batch_limits",
    "check_read_many",
    "check_read_points",
    "check_scan_limit",
    "decode_continuation",
    "encode_continuation",
    "is_expired",
    "keyset_after",
    "keyset_token",
    "partition_field",
    "prepare_encoded",
    "prepare_for_write",
    "public_view",
    "scan_after",
    "scan_token",
    "validate_query",
]

EXPIRES = "_expires"
_FORBIDDEN_ID_CHARS = frozenset("/\\?#")
_MAX_ID_LENGTH = 255
MAX_QUERY_LIMIT = 1000
#: A sort value in a keyset token: a JSON scalar. Strings are capped so a token stays small
#: (sort fields are ids, times and short values; an item with a longer one pages by id).
_MAX_KEY_TEXT = 1024


def partition_field(container: str) -> str:
    try:
        return CONTAINERS[container]
    except KeyError:
        raise ValueError(f"unknown container {container!r}") from None


def _validate_id(value: Any, what: str = "id") -> str:
    # Cosmos DB forbids these characters in ids and partition keys; rejecting them everywhere
    # keeps code that passes on SQLite from failing only in Azure.
    if not isinstance(value, str) or not value or len(value) > _MAX_ID_LENGTH:
        raise InvalidInput(f"{what} must be a non-empty string of at most {_MAX_ID_LENGTH} characters")
    if _FORBIDDEN_ID_CHARS.intersection(value) or value != value.strip():
        raise InvalidInput(f"{what} contains a character the store does not allow")
    return value


def prepare_for_write(container: str, item: Mapping[str, Any], now: datetime) -> tuple[Item, str, str]:
    """Validate ``item`` and return ``(stored_document, partition_value, id)``.

    Raises ``InvalidInput`` for a bad id / partition key / ttl and ``ItemTooLarge`` past the limit.
    """
    doc, _, partition, item_id = prepare_encoded(container, item, now)
    return doc, partition, item_id


def prepare_encoded(container: str, item: Mapping[str, Any], now: datetime) -> tuple[Item, str, str, str]:
    """:func:`prepare_for_write`, plus the document's compact JSON (measured for the size limit
    anyway, so a store that keeps JSON text need not encode it twice)."""
    if not isinstance(item, Mapping):
        raise InvalidInput("an item must be a JSON object")
    doc: Item = {k: _copied(v) for k, v in item.items() if not k.startswith("_")}
    item_id = _validate_id(doc.get("id"))
    pk_field = partition_field(container)
    partition = _validate_id(doc.get(pk_field), f"partition key {pk_field}")
    ttl = doc.get("ttl")
    if ttl is not None:
        if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0:
            raise InvalidInput("ttl must be a positive whole number of seconds")
        doc[EXPIRES] = now.timestamp() + ttl
    try:
        text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInput("an item must contain only JSON values") from exc
    size = len(text.encode())
    if size > MAX_ITEM_BYTES:
        raise ItemTooLarge(f"item of {size} bytes exceeds {MAX_ITEM_BYTES}", size=size, limit=MAX_ITEM_BYTES)
    return doc, text, partition, item_id


def _copied(value: Any) -> Any:
    """A private copy of a JSON value: containers deep-copied, scalars (immutable) as they are —
    most fields are scalars, and ``deepcopy`` of each was most of the cost of a write."""
    return copy.deepcopy(value) if isinstance(value, dict | list) else value


def is_expired(doc: Mapping[str, Any], now: datetime) -> bool:
    expires = doc.get(EXPIRES)
    return isinstance(expires, int | float) and expires <= now.timestamp()


def public_view(doc: Mapping[str, Any], etag: str, *, fresh: bool = False) -> Item:
    """What callers see: their own fields and the ETag, none of the store's bookkeeping.

    ``fresh`` says ``doc`` was just decoded (or copied) for this caller alone, so its values
    need no deep copy — the copy used to cost ~40 % of a list on 1,000 items; a store that
    keeps its documents in memory must leave it False."""
    if fresh:
        view: Item = {k: v for k, v in doc.items() if not k.startswith("_")}
    else:
        view = {k: _copied(v) for k, v in doc.items() if not k.startswith("_")}
    view["_etag"] = etag
    return view


def _split_path(path: str) -> list[str]:
    if not path.startswith("/") or path == "/":
        raise InvalidInput("a patch path must look like /field or /field/sub")
    parts = path[1:].split("/")
    if any(not p or p.startswith("_") for p in parts):
        raise InvalidInput("a patch path must not be empty or touch reserved fields")
    return parts


def apply_patch(doc: Item, operations: Sequence[PatchOperation], partition_key: str) -> Item:
    """Apply Cosmos-style patch operations to a copy of ``doc`` (the SQLite and memory adapters;
    Cosmos applies them server-side with the same rules)."""
    if not operations:
        raise InvalidInput("a patch needs at least one operation")
    if len(operations) > MAX_PATCH_OPERATIONS:
        raise InvalidInput(f"a patch holds at most {MAX_PATCH_OPERATIONS} operations")
    result = copy.deepcopy(doc)
    for op in operations:
        _apply_one(result, op, partition_key)
    return result


def _apply_one(result: Item, op: PatchOperation, partition_key: str) -> None:
    parts = _split_path(op.path)
    if parts[0] in ("id", partition_key) and len(parts) == 1:
        raise InvalidInput("the id and partition key cannot be patched")
    parent: Any = result
    for part in parts[:-1]:
        parent = parent.get(part) if isinstance(parent, dict) else None
        if not isinstance(parent, dict):
            raise InvalidInput(f"patch path {op.path} does not exist")
    leaf = parts[-1]
    if op.op == "set":
        parent[leaf] = copy.deepcopy(op.value)
    elif op.op == "remove":
        if leaf not in parent:
            raise InvalidInput(f"patch path {op.path} does not exist")
        del parent[leaf]
    elif op.op == "incr":
        current = parent.get(leaf, 0)
        if isinstance(current, bool) or not isinstance(current, int | float):
            raise InvalidInput(f"patch path {op.path} is not a number")
        if isinstance(op.value, bool) or not isinstance(op.value, int | float):
            raise InvalidInput("incr needs a number")
        parent[leaf] = current + op.value
    else:
        raise InvalidInput(f"unknown patch operation {op.op!r}")


def check_read_many(ids: Sequence[str]) -> list[str]:
    """The distinct ids of a ``read_many``, each a valid id, at most ``MAX_READ_MANY``."""
    distinct = list(dict.fromkeys(ids))
    if len(distinct) > MAX_READ_MANY:
        raise InvalidInput(f"read_many takes at most {MAX_READ_MANY} ids")
    for item_id in distinct:
        _validate_id(item_id)
    return distinct


def check_read_points(keys: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The distinct (partition, id) keys of a ``read_points``, each valid, at most ``MAX_READ_MANY``."""
    distinct = list(dict.fromkeys((str(p), str(i)) for p, i in keys))
    if len(distinct) > MAX_READ_MANY:
        raise InvalidInput(f"read_points takes at most {MAX_READ_MANY} keys")
    for partition, item_id in distinct:
        _validate_id(partition, "partition key")
        _validate_id(item_id)
    return distinct


def check_batch_limits(operations: Sequence[BatchOperation]) -> None:
    """Cosmos's batch limits, enforced by every adapter before anything is applied."""
    if len(operations) > MAX_BATCH_OPERATIONS:
        raise InvalidInput(f"a batch holds at most {MAX_BATCH_OPERATIONS} operations")
    total = sum(len(json.dumps(op.item, default=str).encode()) for op in operations if op.item is not None)
    if total > MAX_BATCH_BYTES:
        raise ItemTooLarge(
            f"a batch of {total} bytes exceeds {MAX_BATCH_BYTES}", size=total, limit=MAX_BATCH_BYTES
        )


def check_scan_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_QUERY_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_QUERY_LIMIT}")


def validate_query(query: Query) -> None:
    if not 1 <= query.limit <= MAX_QUERY_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_QUERY_LIMIT}")
    fields = [*query.equals, query.order_by, *([query.range_field] if query.range_field else [])]
    for name in fields:
        # Field names end up in SQL text (json paths / Cosmos property access): allow identifiers only.
        if not name.isidentifier():
            raise InvalidInput(f"query field {name!r} is not a plain field name")
    if query.range_field is None and (query.gte is not None or query.lt is not None):
        raise InvalidInput("gte/lt need a range_field")


def encode_continuation(state: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode()


def decode_continuation(token: str) -> dict[str, Any]:
    """The state :func:`encode_continuation` packed, or ``InvalidContinuation``. A token comes
    back from the client, so it may be forged: not base64, not JSON, nested deep enough to
    exhaust the decoder, or with a keyset position (``k``, the memory and SQLite stores' state)
    that is not a ``[scalar, id]`` pair — every adapter refuses all of these the same way, here."""
    try:
        state = json.loads(base64.urlsafe_b64decode(token.encode()), parse_constant=_refuse_constant)
    except (binascii.Error, ValueError, UnicodeError, RecursionError):
        raise InvalidContinuation("the continuation token is not valid", field="continuation") from None
    if not isinstance(state, dict):
        raise InvalidContinuation("the continuation token is not valid", field="continuation")
    if "k" in state:
        _checked_key(state["k"])
    return state


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity: no sort value of ours


def _checked_key(key: Any) -> tuple[Scalar, str]:
    if not isinstance(key, list) or len(key) != 2:
        raise InvalidContinuation("the continuation token is not valid", field="continuation")
    value, item_id = key
    scalar = value is None or isinstance(value, bool | int | float | str)
    too_big = isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53
    if (
        not scalar
        or too_big
        or (isinstance(value, str) and len(value) > _MAX_KEY_TEXT)
        or not isinstance(item_id, str)
    ):
        raise InvalidContinuation("the continuation token is not valid", field="continuation")
    try:
        _validate_id(item_id)
    except InvalidInput:
        raise InvalidContinuation("the continuation token is not valid", field="continuation") from None
    return value, item_id


def keyset_token(item: Mapping[str, Any], order_by: str) -> str:
    """The continuation after ``item`` in a query ordered by ``order_by`` then ``id``: its
    position (sort value, id), not a count of rows — rows added or removed before it between
    two pages neither shift what comes next nor repeat. A value that is no scalar (an object,
    a list) sorts like null on every adapter, so it is kept as null."""
    value = item.get(order_by) if order_by != "id" else item["id"]
    if not (value is None or isinstance(value, bool | int | float | str)):
        value = None
    return encode_continuation({"k": [value, item["id"]]})


def keyset_after(token: str) -> tuple[Scalar, str]:
    """The (sort value, id) a :func:`keyset_token` holds, or ``InvalidContinuation``."""
    state = decode_continuation(token)
    if "k" not in state:
        raise InvalidContinuation("the continuation token is not valid", field="continuation")
    return _checked_key(state["k"])


def scan_token(partition: str, item_id: str) -> str:
    """The continuation of :meth:`Store.scan_page` after the item (partition, id): a position in
    the order (partition key, id), so items written or deleted meanwhile never shift the rest."""
    return encode_continuation({"s": [partition, item_id]})


def scan_after(token: str) -> tuple[str, str]:
    """The (partition, id) a :func:`scan_token` holds, or ``InvalidContinuation``."""
    state = decode_continuation(token)
    position = state.get("s")
    if (
        not isinstance(position, list)
        or len(position) != 2
        or not all(isinstance(part, str) and 0 < len(part) <= _MAX_KEY_TEXT for part in position)
    ):
        raise InvalidContinuation("the continuation token is not valid", field="continuation")
    return str(position[0]), str(position[1])
