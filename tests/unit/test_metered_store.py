"""Store calls per request are counted by kind and logged with the request (ARCHITECTURE §12)."""

from __future__ import annotations

import json
import logging
import threading

import azure.functions as func
import pytest

from functions.http import serve
from shared.access.permissions import PUBLIC
from shared.adapters.memory import MemoryStore
from shared.adapters.metered import Meter, MeteredStore, metering
from shared.ports import BatchOperation, PatchOperation, Query
from tests.fakes import ManualClock


def test_each_call_is_counted_by_kind_inside_a_block_only() -> None:
    store = MeteredStore(MemoryStore(ManualClock()))
    store.create("users", {"id": "a", "userId": "u"})  # outside any block: not counted, no error
    with metering() as meter:
        store.read("users", "u", "a")
        store.read_many("users", "u", ["a", "b"])
        store.read_points("users", [("u", "a")])
        store.query("users", "u", Query())
        store.count("users", "u", Query())
        list(store.scan("users"))
        made = store.upsert("users", {"id": "b", "userId": "u"})
        store.replace("users", {"id": "b", "userId": "u", "x": 1}, if_match=made["_etag"])
        store.patch("users", "u", "b", [PatchOperation("set", "/y", 2)])
        store.batch("users", "u", [BatchOperation("create", item={"id": "c", "userId": "u"})])
        store.delete("users", "u", "c")
    assert (meter.reads, meter.queries, meter.writes) == (3, 3, 5)
    assert meter.total == 11
    store.read("users", "u", "a")
    assert meter.total == 11, "the block is closed"


def test_concurrent_blocks_count_their_own_calls() -> None:
    store = MeteredStore(MemoryStore(ManualClock()))
    store.create("users", {"id": "a", "userId": "u"})
    meters: dict[int, Meter] = {}
    start = threading.Barrier(4)

    def work(n: int) -> None:
        with metering() as meter:
            start.wait()
            for _ in range(n):
                store.read("users", "u", "a")
            meters[n] = meter

    threads = [threading.Thread(target=work, args=(n,)) for n in (1, 2, 3, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {n: m.reads for n, m in meters.items()} == {1: 1, 2: 2, 3: 3, 4: 4}


def test_the_request_log_carries_the_store_calls(wired: object, caplog: pytest.LogCaptureFixture) -> None:
    from shared import bootstrap

    ports = bootstrap.ports()
    store = MeteredStore(ports.store)

    def handler(request: object) -> func.HttpResponse:
        store.read_many("users", "nobody", ["x"])
        store.query("users", "nobody", Query())
        store.create("users", {"id": "made", "userId": "nobody"})
        return func.HttpResponse(b"{}", status_code=200, mimetype="application/json")

    request = func.HttpRequest("GET", "http://localhost/api/x", headers={}, body=b"")
    with caplog.at_level(logging.INFO, logger="casedesk"):
        assert serve(request, handler, "probe", PUBLIC, None).status_code == 200  # type: ignore[arg-type]
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "casedesk"]
    logged = next(line for line in lines if line.get("event") == "request")
    assert (logged["storeReads"], logged["storeQueries"], logged["storeWrites"]) == (1, 1, 1)
