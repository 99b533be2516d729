"""What only the Cosmos adapter has to get right; the shared behaviour is in test_store.py.

Needs ``cosmos_endpoint`` (tests/fixtures/cosmos_server.py, registered in tests/conftest.py).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from azure.core.exceptions import AzureError
from azure.core.pipeline import PipelineRequest
from azure.cosmos import CosmosClient
from azure.cosmos.exceptions import CosmosHttpResponseError

from shared.adapters.cosmos import CosmosStore
from shared.adapters.cosmos_errors import translate_errors
from shared.errors import (
    AlreadyExists,
    BackendUnavailable,
    ConcurrencyConflict,
    InvalidInput,
    ItemTooLarge,
    NotFound,
)
from shared.ports import Query
from tests.fakes import ManualClock
from tests.fixtures.cosmos_server import EMULATOR_KEY, emulator_client_kwargs
from tests.fixtures.processes import free_port

SECRET = "Personal detail of a case"


class Recorder:
    """Keeps what the SDK puts on the wire (method, url, headers, body)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []
        self._emulator_hook = emulator_client_kwargs()["raw_request_hook"]

    def __call__(self, pipeline_request: PipelineRequest[Any]) -> None:
        self._emulator_hook(pipeline_request)
        request = pipeline_request.http_request
        body = json.loads(request.data) if request.data else None
        self.requests.append((request.method, request.url, dict(request.headers), body))


def store_on(endpoint: tuple[str, str], database: str, **overrides: Any) -> CosmosStore:
    url, key = endpoint
    return CosmosStore(url, database, key, ManualClock(), **(emulator_client_kwargs() | overrides))


# -- no I/O before first use; dead endpoints fail fast ------------------------------------------


@pytest.mark.emulator
def test_the_client_is_not_built_before_first_use(cosmos_endpoint: tuple[str, str]) -> None:
    recorder = Recorder()
    store = store_on(cosmos_endpoint, f"test-{uuid.uuid4().hex}", raw_request_hook=recorder)
    assert recorder.requests == []
    store.ensure_containers()
    assert recorder.requests != []


def test_a_dead_endpoint_is_backend_unavailable_quickly() -> None:
    store = CosmosStore(
        f"https://127.0.0.1:{free_port()}", "db", EMULATOR_KEY, ManualClock(), **emulator_client_kwargs()
    )
    started = time.monotonic()
    for call in (lambda: store.read("cases", "case-1", "n1"), store.check):
        with pytest.raises(BackendUnavailable) as caught:
            call()
        assert isinstance(caught.value.__cause__, AzureError)
    assert time.monotonic() - started < 5


@pytest.mark.emulator
def test_check_fails_for_a_database_that_does_not_exist(cosmos_endpoint: tuple[str, str]) -> None:
    with pytest.raises(BackendUnavailable):
        store_on(cosmos_endpoint, f"missing-{uuid.uuid4().hex}").check()


# -- what is sent ---------------------------------------------------------------------------------


@pytest.mark.emulator
def test_queries_send_values_as_parameters_within_one_partition(cosmos_endpoint: tuple[str, str]) -> None:
    recorder = Recorder()
    store = store_on(cosmos_endpoint, f"test-{uuid.uuid4().hex}", raw_request_hook=recorder)
    store.ensure_containers({"cases": ("value",)})  # ORDER BY value, id needs its composite index
    hostile = "x' OR 1=1 --"
    store.create("cases", {"id": "n1", "caseId": "case-1", "type": hostile, "value": 1})
    recorder.requests.clear()

    page = store.query("cases", "case-1", Query(equals={"type": hostile, "value": 1}, order_by="value"))

    assert [item["id"] for item in page.items] == ["n1"]
    [(method, _, headers, body)] = [r for r in recorder.requests if r[3] and "query" in r[3]]
    assert method == "POST"
    assert hostile not in body["query"] and "case-1" not in body["query"]
    assert {"name": "@p0", "value": hostile} in body["parameters"]
    assert {"name": "@pk", "value": "case-1"} in body["parameters"]
    assert body["query"].endswith('ORDER BY c["value"] ASC, c.id ASC')  # a total order
    assert headers["x-ms-documentdb-partitionkey"] == '["case-1"]'
    assert headers.get("x-ms-documentdb-query-enablecrosspartition", "False").lower() != "true"


@pytest.mark.emulator
def test_ttl_stays_in_the_stored_document_for_cosmos_to_delete(cosmos_endpoint: tuple[str, str]) -> None:
    database = f"test-{uuid.uuid4().hex}"
    store = store_on(cosmos_endpoint, database)
    store.ensure_containers()
    store.create("sessions", {"id": "s1", "ttl": 60})
    url, key = cosmos_endpoint
    with CosmosClient(url, key, **emulator_client_kwargs()) as client:
        container = client.get_database_client(database).get_container_client("sessions")
        assert container.read()["defaultTtl"] == -1
        stored = container.read_item("s1", partition_key="s1")
    assert stored["ttl"] == 60 and stored["_expires"] > time.time()


@pytest.mark.emulator
def test_a_token_of_another_query_is_refused(cosmos_endpoint: tuple[str, str]) -> None:
    store = store_on(cosmos_endpoint, f"test-{uuid.uuid4().hex}")
    store.ensure_containers()
    for i in range(3):
        store.create("cases", {"id": f"n{i}", "caseId": "case-1"})
        store.create("cases", {"id": f"n{i}", "caseId": "case-2"})
    token = store.query("cases", "case-1", Query(limit=2)).continuation
    assert token is not None
    assert len(store.query("cases", "case-1", Query(limit=2, continuation=token)).items) == 1
    with pytest.raises(InvalidInput):
        store.query("cases", "case-2", Query(limit=2, continuation=token))


# -- error mapping (no server needed) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message", "expected"),
    [
        (404, "", NotFound),
        (409, "", AlreadyExists),
        (412, "", ConcurrencyConflict),
        (413, "", ItemTooLarge),
        (400, "Message: Request size is too large", ItemTooLarge),
        (400, "One of the specified inputs is invalid", InvalidInput),
        (429, "Request rate is large", BackendUnavailable),
        (503, "", BackendUnavailable),
        (403, "", BackendUnavailable),
    ],
)
def test_statuses_map_to_domain_errors_without_content(status: int, message: str, expected: type) -> None:
    original = CosmosHttpResponseError(status_code=status, message=f"{message} {SECRET}")  # type: ignore[no-untyped-call]
    with pytest.raises(expected) as caught, translate_errors("replace", "cases"):
        raise original
    assert caught.value.__cause__ is original
    assert SECRET not in str(caught.value)


def test_the_azure_sdk_logs_no_identifier_bearing_url_once_quieted(
    cosmos_endpoint: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from shared.log import quiet_azure_sdk
    from tests.fixtures.cosmos_server import make_cosmos_store

    store = make_cosmos_store(cosmos_endpoint, ManualClock())
    before = logging.getLogger("azure").level
    try:
        logging.getLogger("azure").setLevel(logging.NOTSET)
        with caplog.at_level(logging.INFO):
            store.create("sessions", {"id": "session-hash-0f1e2d", "userId": "u-123"})
        loud = [r for r in caplog.records if r.name.startswith("azure")]
        assert loud, "without quieting, the SDK logs its calls (this test would prove nothing)"
        assert any("session-hash-0f1e2d" in r.getMessage() for r in loud)
        caplog.clear()

        quiet_azure_sdk()
        with caplog.at_level(logging.INFO, logger="casedesk"):
            store.read("sessions", "session-hash-0f1e2d", "session-hash-0f1e2d")
            store.query("sessions", "session-hash-0f1e2d", Query(equals={"userId": "u-123"}))
        assert [r for r in caplog.records if r.name.startswith("azure") and r.levelno < logging.WARNING] == []
    finally:
        logging.getLogger("azure").setLevel(before)


def test_building_the_ports_quiets_the_azure_sdk(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    import logging

    from shared import bootstrap

    logging.getLogger("azure").setLevel(logging.NOTSET)
    for name, value in {
        "CASEDESK_ENV": "test",
        "CASEDESK_DATA_DIR": str(tmp_path),
        "CASEDESK_STORE": "sqlite",
        "CASEDESK_BLOBS": "local",
        "CASEDESK_KEYS": "local",
        "CASEDESK_MAIL": "outbox",
        "CASEDESK_QUEUE": "local",
    }.items():
        monkeypatch.setenv(name, value)
    bootstrap.reset()
    try:
        bootstrap.ports()
        assert logging.getLogger("azure").level == logging.WARNING
    finally:
        bootstrap.reset()
