"""The ``TaskQueue`` port on Azure Storage queues (azure-storage-queue v12; Azurite in tests).

Why it is shaped like this:

* The SDK is imported on first use, not at import time, and no client is built in the
  constructor: the function app's cold start and its import must not pay for (or fail on) it.
* Messages are sent base64-encoded (``TextBase64EncodePolicy``), because that is what the
  Functions host's queue trigger expects by default (host.json ``messageEncoding: base64``), and
  decoded here on receive. A message that is not valid base64 UTF-8 (written by someone else) is
  handed over as it is stored, so its consumer fails on it and it ends in the poison queue,
  instead of blocking every receive.
* Queues are created by the infrastructure in Azure. With ``create_missing`` (emulator and local
  runs only) a send to a missing queue creates it first. A receive from a missing queue is empty.
* SDK errors become domain errors in one place (:func:`_mapped`).
"""

from __future__ import annotations

import base64
import binascii
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

from shared.adapters.queue_names import validate_body, validate_queue_name, validate_receive
from shared.errors import BackendUnavailable, ConcurrencyConflict, ItemTooLarge, NotFound
from shared.ports import QueuedMessage

if TYPE_CHECKING:
    from azure.storage.queue import QueueClient, QueueServiceClient

__all__ = ["AzureStorageQueue"]

logger = logging.getLogger(__name__)


class AzureStorageQueue:
    """Queues of one storage account. ``credential`` is the managed identity in Azure, the Azurite
    key locally. ``client_options`` go to the SDK client (e.g. ``retry_total``,
    ``connection_timeout``), so tests and the health check can fail fast."""

    def __init__(
        self, account_url: str, credential: Any, *, create_missing: bool = False, **client_options: Any
    ) -> None:
        self._account_url = account_url
        self._credential = credential
        self._create_missing = create_missing
        self._client_options = client_options
        self._service: QueueServiceClient | None = None
        self._queues: dict[str, QueueClient] = {}
        self._lock = threading.Lock()

    def send(self, queue: str, body: str) -> None:
        validate_queue_name(queue)
        validate_body(body)
        from azure.core.exceptions import ResourceNotFoundError  # noqa: PLC0415 - lazy SDK

        client = self._queue(queue)
        with _mapped(queue):
            try:
                client.send_message(body)
            except ResourceNotFoundError as exc:
                if not (self._create_missing and _queue_missing(exc)):
                    raise
                self._create(client)
                client.send_message(body)

    def receive(
        self, queue: str, *, max_messages: int = 16, visibility_timeout: int = 30
    ) -> list[QueuedMessage]:
        validate_queue_name(queue)
        validate_receive(max_messages, visibility_timeout)
        from azure.core.exceptions import ResourceNotFoundError  # noqa: PLC0415 - lazy SDK

        client = self._queue(queue)
        with _mapped(queue):
            try:
                pages = client.receive_messages(
                    messages_per_page=max_messages, visibility_timeout=visibility_timeout
                ).by_page()
                page = list(next(pages, []))  # one request: one page of up to max_messages
            except ResourceNotFoundError as exc:
                if _queue_missing(exc):
                    return []
                raise
        return [
            QueuedMessage(
                str(m.id), str(m.pop_receipt), _decode(m.content, str(m.id)), int(m.dequeue_count or 0)
            )
            for m in page
        ]

    def delete(self, queue: str, message: QueuedMessage) -> None:
        validate_queue_name(queue)
        client = self._queue(queue)
        with _mapped(queue):
            client.delete_message(message.id, message.receipt)

    def check(self) -> None:
        """Raise ``BackendUnavailable`` unless the queue service answers (lists one queue)."""
        with _mapped(""):
            next(iter(self._service_client().list_queues(results_per_page=1).by_page()), None)

    def close(self) -> None:
        """Release the HTTP connection pools (the adapter stays usable; new clients are built)."""
        with self._lock:
            service, self._service = self._service, None
            queues, self._queues = self._queues, {}
        for client in queues.values():
            client.close()
        if service is not None:
            service.close()

    # -- clients -----------------------------------------------------------------------------
    def _service_client(self) -> QueueServiceClient:
        with self._lock:
            if self._service is None:
                from azure.storage.queue import QueueServiceClient  # noqa: PLC0415 - lazy SDK

                self._service = QueueServiceClient(
                    self._account_url, credential=self._credential, **self._client_options
                )
            return self._service

    def _queue(self, name: str) -> QueueClient:
        client = self._queues.get(name)
        if client is None:
            from azure.storage.queue import TextBase64EncodePolicy  # noqa: PLC0415 - lazy SDK

            service = self._service_client()
            with self._lock:
                client = self._queues.get(name)
                if client is None:
                    # No decode policy: _decode() handles base64 per message (see module doc).
                    client = service.get_queue_client(name, message_encode_policy=TextBase64EncodePolicy())
                    self._queues[name] = client
        return client

    @staticmethod
    def _create(client: QueueClient) -> None:
        from azure.core.exceptions import ResourceExistsError  # noqa: PLC0415 - lazy SDK

        with suppress(ResourceExistsError):  # created meanwhile by someone else
            client.create_queue()


def _decode(content: Any, message_id: str) -> str:
    text = content if isinstance(content, str) else ""
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        logger.warning("queue message %s is not base64 UTF-8; handed over as stored", message_id)
        return text


def _queue_missing(exc: Any) -> bool:
    from azure.storage.queue import StorageErrorCode  # noqa: PLC0415 - lazy SDK

    return bool(getattr(exc, "error_code", None) == StorageErrorCode.QUEUE_NOT_FOUND)


@contextmanager
def _mapped(queue: str) -> Iterator[None]:
    from azure.core.exceptions import AzureError, HttpResponseError, ResourceNotFoundError  # noqa: PLC0415 - lazy SDK
    from azure.storage.queue import StorageErrorCode  # noqa: PLC0415 - lazy SDK

    try:
        yield
    except ResourceNotFoundError as exc:
        if _queue_missing(exc):
            raise BackendUnavailable(f"queue {queue} is missing", service="queue") from exc
        raise NotFound("no such queue message") from exc
    except HttpResponseError as exc:
        code = getattr(exc, "error_code", None)
        if code == StorageErrorCode.POP_RECEIPT_MISMATCH:
            raise ConcurrencyConflict("the queue message was received again since") from exc
        if code == StorageErrorCode.REQUEST_BODY_TOO_LARGE:
            raise ItemTooLarge("the queue message is too large") from exc
        raise BackendUnavailable("the queue service failed", service="queue") from exc
    except AzureError as exc:
        raise BackendUnavailable("the queue service cannot be reached", service="queue") from exc
