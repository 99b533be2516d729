"""Client options for ``@vercel/cosmosdb-server``, the Cosmos DB emulator from npm — for local
runs and tests only (``COSMOS_EMULATOR=cosmosdb-server``; :func:`shared.config.validate` refuses
it in production and for any endpoint that is not on loopback).

The server speaks HTTPS with a certificate of its own that is expired and names neither
``localhost`` nor ``127.0.0.1``, so it cannot be pinned: verification is switched off for this
loopback endpoint only, in the client options built here — never in the adapter itself. Two of
its bugs are worked around on the wire (:func:`_emulator_request_hook`), so :class:`CosmosStore`
stays exactly as it runs against Azure.
"""

from __future__ import annotations

import json
import ssl
import threading
import warnings
from typing import Any

import requests
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.transport import RequestsTransport
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InsecureRequestWarning

__all__ = ["EMULATOR", "EMULATOR_KEY", "emulator_client_kwargs"]

#: The value of ``COSMOS_EMULATOR`` that selects these options.
EMULATOR = "cosmosdb-server"

#: The well-known key that Microsoft publishes for its local Cosmos DB emulator. Not a secret and
#: valid for emulators only; cosmosdb-server accepts any key, the SDK just needs a base64 one.
EMULATOR_KEY = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="

# One lock for all emulator clients: ``warnings.catch_warnings`` swaps the process-wide filter
# list and is not thread-safe; interleaved enter/exit in two threads could drop the filter while
# the other thread's request is in flight. The emulator is single-threaded anyway.
_QUIET = threading.Lock()


class _UnverifiedTlsAdapter(HTTPAdapter):
    """Connections with one prepared non-verifying TLS context. The server closes the connection
    after every response, and without a context of its own urllib3 builds one per connection and
    loads the system CA store into it (~40 ms a request, for nothing: we do not verify)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        super().init_poolmanager(*args, ssl_context=context, **kwargs)


class _LoopbackTransport(RequestsTransport):  # type: ignore[misc]  # azure.core lazy-exports it
    """A transport for the emulator only: unverified TLS (see the module docstring), and
    urllib3's ``InsecureRequestWarning`` silenced for its own requests only (a process-wide
    filter would also silence it for a misconfigured production client)."""

    def __init__(self) -> None:
        session = requests.Session()
        session.trust_env = False  # loopback: no proxies from the environment
        session.mount("https://", _UnverifiedTlsAdapter())
        super().__init__(session=session, session_owner=True)

    def send(self, request: Any, **kwargs: Any) -> Any:
        with _QUIET, warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=InsecureRequestWarning)
            return super().send(request, **kwargs)


def _emulator_request_hook(pipeline_request: PipelineRequest[Any]) -> None:
    """Work around two cosmosdb-server 1.0.1 bugs, on the wire, so the adapter stays as for Azure.

    * A point read of a missing document answers 500 (it dereferences the missing document while
      checking the partition key) unless the cross-partition header is set; with it the server
      takes its plain path and answers 404. The read is still scoped by the partition-key header.
    * Batch operations other than ``create`` need a ``partitionKey`` per operation, which the
      Python SDK does not send (the partition key is a request header, as in Azure)."""
    request = pipeline_request.http_request
    if request.method == "GET" and "/docs/" in request.url:
        request.headers["x-ms-documentdb-query-enablecrosspartition"] = "true"
    if str(request.headers.get("x-ms-cosmos-is-batch-request", "")).lower() == "true":
        partition_key = request.headers["x-ms-documentdb-partitionkey"]
        operations = json.loads(request.data)
        for operation in operations:
            operation.setdefault("partitionKey", partition_key)
        request.set_json_body(operations)


def emulator_client_kwargs() -> dict[str, Any]:
    """``CosmosClient`` options for the loopback emulator: no TLS verification (see above), the
    quirk hook, and no retries with short timeouts so a dead endpoint fails in well under a
    second instead of going through the SDK's connection retries."""
    return {
        "connection_verify": False,
        "transport": _LoopbackTransport(),
        "raw_request_hook": _emulator_request_hook,
        "retry_total": 0,
        "retry_connect": 0,
        "retry_read": 0,
        "connection_timeout": 5,
        "read_timeout": 30,
    }
