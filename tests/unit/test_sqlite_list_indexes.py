"""Every list index of the embedded store (``EMBEDDED_INDEXES``) exists and serves its query:
SQLite's plan for a page of that shape searches the list index, never the partition in id order
(which reads every item of the partition to find the few of one type — a case's participants
among its thousands of threads and messages cost 1 ms at 1,000 threads that way)."""

from __future__ import annotations

import sqlite3

import pytest

from shared.adapters.sqlite import SqliteStore
from shared.indexes import EMBEDDED_INDEXES, ORDERED_FIELDS
from shared.ports import Query
from tests.fakes import ManualClock


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> SqliteStore:
    store = SqliteStore(tmp_path_factory.mktemp("indexes") / "store.sqlite3", ManualClock())
    store.check()  # the schema, with its indexes
    return store


SHAPES = [(container, fields) for container, indexes in EMBEDDED_INDEXES.items() for fields in indexes]


def _query(container: str, fields: tuple[str, ...]) -> Query:
    """The list query the index is for: equality on its fields, ordered by the last one if that
    is an ordered field of the container, else by id."""
    if fields[-1] in ORDERED_FIELDS[container]:
        return Query(equals=dict.fromkeys(fields[:-1], "x"), order_by=fields[-1], limit=10)
    return Query(equals=dict.fromkeys(fields, "x"), limit=10)


@pytest.mark.parametrize(
    ("container", "fields"), SHAPES, ids=lambda v: v if isinstance(v, str) else "_".join(v)
)
def test_a_list_query_searches_its_index(store: SqliteStore, container: str, fields: tuple[str, ...]) -> None:
    statements: list[str] = []
    connection: sqlite3.Connection = store._conn()
    connection.set_trace_callback(statements.append)
    try:
        store.query(container, "p", _query(container, fields))
    finally:
        connection.set_trace_callback(None)
    [select] = [s for s in statements if s.startswith("SELECT")]
    plan = " ".join(str(row[3]) for row in connection.execute(f"EXPLAIN QUERY PLAN {select}"))
    assert "USING INDEX" in plan and "sqlite_autoindex" not in plan, (fields, plan)
    assert "TEMP B-TREE" not in plan, (fields, plan)  # the index gives the order: no sort


def test_every_list_index_is_in_the_schema(store: SqliteStore) -> None:
    """One index per shape, none lost to a name another index already has (``IF NOT EXISTS``
    would skip it without a word)."""
    connection = store._conn()
    for container, indexes in EMBEDDED_INDEXES.items():
        found = connection.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql LIKE '%(pk, %'",
            (container,),
        ).fetchone()[0]
        assert found == len(indexes), container
