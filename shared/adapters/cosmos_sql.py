"""What the Cosmos adapter sends: SQL text with parameters, patch operations, patch predicates.

Field names are the only caller text that reaches SQL, and only after ``validate_query`` has
accepted them as identifiers; every value travels as a parameter. Fields are written with
brackets (``c["value"]``) so that Cosmos SQL keywords remain usable as field names.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from shared.adapters.documents import (
    EXPIRES,
    apply_patch,
    decode_continuation,
    encode_continuation,
    partition_field,
    prepare_for_write,
    validate_query,
)
from shared.errors import InvalidContinuation
from shared.ports import Item, PatchOperation, Query, Scalar

__all__ = [
    "ids_sql",
    "order_clause",
    "patch_operations",
    "patch_predicate",
    "query_fingerprint",
    "query_sql",
    "scan_page_sql",
    "scan_sql",
    "unwrap_continuation",
    "wrap_continuation",
]

Parameters = list[dict[str, Any]]

#: Keeps unexpired documents only; ``@now`` is the clock's epoch seconds.
_UNEXPIRED = f'(NOT IS_DEFINED(c["{EXPIRES}"]) OR c["{EXPIRES}"] > @now)'


def _field(name: str) -> str:
    return f'c["{name}"]'


def _select(clauses: Sequence[str], tail: str = "") -> str:
    # Only fixed text and validated field names are joined here; values are @parameters.
    return f"SELECT * FROM c WHERE {' AND '.join(clauses)}{tail}"  # noqa: S608


def _equals(equals: Mapping[str, Scalar], clauses: list[str], parameters: Parameters) -> None:
    for index, (name, value) in enumerate(equals.items()):
        clauses.append(f"{_field(name)} = @p{index}")
        parameters.append({"name": f"@p{index}", "value": value})


def query_sql(container: str, partition: str, query: Query, now: datetime) -> tuple[str, Parameters]:
    """One partition's query. The partition-key filter is in the SQL as well as in the request
    options: the emulator answers 400 without it (it ignores the header and scans everything)."""
    validate_query(query)
    clauses = [f"{_field(partition_field(container))} = @pk", _UNEXPIRED]
    parameters: Parameters = [{"name": "@pk", "value": partition}, {"name": "@now", "value": now.timestamp()}]
    _equals(query.equals, clauses, parameters)
    if query.range_field is not None:
        for name, operator, value in (("@gte", ">=", query.gte), ("@lt", "<", query.lt)):
            if value is not None:
                clauses.append(f"{_field(query.range_field)} {operator} {name}")
                parameters.append({"name": name, "value": value})
    return _select(clauses, " ORDER BY " + order_clause(query)), parameters


def order_clause(query: Query) -> str:
    """The total order of a query: its field, then ``id``, in one direction. Cosmos runs this
    only with a composite index (field, id) in that direction (``shared/indexes.py`` lists
    them; the infrastructure and ``ensure_containers`` declare them)."""
    direction = "DESC" if query.descending else "ASC"
    if query.order_by == "id":
        return f"c.id {direction}"
    return f"{_field(query.order_by)} {direction}, c.id {direction}"


def count_sql(container: str, partition: str, query: Query, now: datetime) -> tuple[str, Parameters]:
    """:func:`query_sql`'s filters, counted in the service (one value, whatever the number)."""
    sql, parameters = query_sql(container, partition, query, now)
    where = sql.split(" WHERE ", 1)[1].rsplit(" ORDER BY ", 1)[0]
    return f"SELECT VALUE COUNT(1) FROM c WHERE {where}", parameters  # noqa: S608 - built from validated names


def scan_sql(equals: Mapping[str, Scalar], now: datetime) -> tuple[str, Parameters]:
    validate_query(Query(equals=equals))
    clauses = [_UNEXPIRED]
    parameters: Parameters = [{"name": "@now", "value": now.timestamp()}]
    _equals(equals, clauses, parameters)
    return _select(clauses), parameters


def scan_page_sql(
    container: str,
    limit: int,
    after: tuple[str, str] | None,
    now: datetime,
    *,
    rest_of_partition: bool = False,
) -> tuple[str, Parameters]:
    """A page of the whole container in the order (partition key, id), after a position, as two
    range queries without OR (each a seek on an index): with ``rest_of_partition`` the ids after
    the position in its own partition (a single-partition query), else the partitions after it
    (the composite index (pk asc, id asc) of ``shared/indexes.py`` serves the order). A container
    partitioned by ``id`` orders by ``id`` alone."""
    pk_field = partition_field(container)
    clauses = [_UNEXPIRED]
    parameters: Parameters = [{"name": "@now", "value": now.timestamp()}, {"name": "@limit", "value": limit}]
    if pk_field == "id":
        order = "c.id ASC"
        if after is not None:
            clauses.append("c.id > @id")
            parameters.append({"name": "@id", "value": after[1]})
    else:
        pk = _field(pk_field)
        order = f"{pk} ASC, c.id ASC"
        if after is not None and rest_of_partition:
            clauses += [f"{pk} = @pk", "c.id > @id"]
            parameters += [{"name": "@pk", "value": after[0]}, {"name": "@id", "value": after[1]}]
        elif after is not None:
            clauses.append(f"{pk} > @pk")
            parameters.append({"name": "@pk", "value": after[0]})
    sql = f"SELECT TOP @limit * FROM c WHERE {' AND '.join(clauses)} ORDER BY {order}"  # noqa: S608
    return sql, parameters


def ids_sql(container: str, partition: str, ids: Sequence[str]) -> tuple[str, Parameters]:
    """The stored documents with these ids, expired ones included (the batch planner needs them)."""
    clauses = [f"{_field(partition_field(container))} = @pk", "ARRAY_CONTAINS(@ids, c.id)"]
    return _select(clauses), [{"name": "@pk", "value": partition}, {"name": "@ids", "value": list(ids)}]


def patch_predicate(now: datetime) -> str:
    """``filter_predicate`` of a patch: only an unexpired item may be patched. The SDK takes no
    parameters here, so the clock's time is formatted in: a plain decimal, because the emulator's
    parser rejects exponents (it also lowercases the predicate, harmless for this text)."""
    return f"FROM c WHERE NOT IS_DEFINED(c.{EXPIRES}) OR c.{EXPIRES} > {now.timestamp():.6f}"


def patch_operations(container: str, operations: Sequence[PatchOperation], now: datetime) -> list[Item]:
    """The SDK form of ``operations``, validated with the shared rules first so that Cosmos and
    the other adapters reject the same patches: a dry run of ``apply_patch`` on a skeleton that
    has every path the operations name (so only structural errors can occur — reserved paths,
    id or partition key, an empty list, a non-numeric ``incr``), then ``prepare_for_write`` on the
    result, so that a ``ttl`` or a value the patch writes is valid and not over the size limit."""
    skeleton: Item = {}
    for op in operations:
        node = skeleton
        parts = op.path.split("/")[1:]
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            node = child if isinstance(child, dict) else {}
        if parts:
            node.setdefault(parts[-1], 0)
    pk_field = partition_field(container)
    prepare_for_write(
        container, {**apply_patch(skeleton, operations, pk_field), "id": "x", pk_field: "x"}, now
    )
    return [
        {"op": op.op, "path": op.path} | ({} if op.op == "remove" else {"value": op.value})
        for op in operations
    ]


def query_fingerprint(container: str, partition: str, sql: str, parameters: Parameters) -> str:
    """Names one query (without the moving ``@now``), so a continuation token is only accepted
    by the query that issued it."""
    stable = [p for p in parameters if p["name"] != "@now"]
    text = json.dumps([container, partition, sql, stable], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def wrap_continuation(token: str | None, fingerprint: str) -> str | None:
    """The SDK's token, wrapped in the shared token format with the query's fingerprint."""
    return None if not token else encode_continuation({"q": fingerprint, "cosmos": token})


def unwrap_continuation(continuation: str | None, fingerprint: str) -> str | None:
    """The SDK's token back, or ``InvalidContinuation`` for a forged token or one of another query. Checked
    here because the emulator silently restarts from the first page on a token it cannot parse."""
    if continuation is None:
        return None
    state = decode_continuation(continuation)
    token = state.get("cosmos")
    if state.get("q") != fingerprint or not isinstance(token, str) or not token:
        raise InvalidContinuation("the continuation token is not valid", field="continuation")
    return token
