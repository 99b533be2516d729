"""The ``BlobStore`` port on Azure Blob Storage (azure-storage-blob v12; Azurite in tests).

Why it is shaped like this:

* No SDK client is built at import time or in the constructor: Azure Functions loses every
  function of the app when an import fails, so the client is built on first use.
* One container per store; the infrastructure creates it in Azure. :meth:`ensure_container` is
  for the emulator and local runs only.
* SDK errors become domain errors in one place (:func:`_mapped`). A missing *container* is a
  deployment fault, not a missing blob, so it becomes ``BackendUnavailable``, never ``NotFound``.
* Names pass the same validator as the local adapter (``blob_names``): a name such as ``../x``
  would otherwise be normalised by the URL layer into another container.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from azure.core.credentials import AzureNamedKeyCredential
from azure.core.exceptions import AzureError, ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import BlobClient, ContainerClient, StorageErrorCode

from shared.adapters.blob_names import validate_folder, validate_name, validate_prefix
from shared.errors import AlreadyExists, BackendUnavailable, NotFound

__all__ = ["AzureBlobStore", "emulator_credential"]

# Azurite's documented development account. The key is public (printed in Microsoft's docs and
# in Azurite's source) and only ever opens the local emulator: it is not a secret.
_EMULATOR_ACCOUNT = "devstoreaccount1"
_EMULATOR_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

#: Blobs in one batch request (the service's limit).
_BATCH = 256

# Error codes that mean "the container itself is missing", as opposed to the blob. A tuple, not a
# set: the SDK gives a str-Enum member or a plain str, and only ``==`` matches both.
_CONTAINER_GONE = (StorageErrorCode.CONTAINER_NOT_FOUND, StorageErrorCode.CONTAINER_BEING_DELETED)


def emulator_credential() -> AzureNamedKeyCredential:
    """The Azurite well-known account key (public, emulator-only)."""
    return AzureNamedKeyCredential(_EMULATOR_ACCOUNT, _EMULATOR_KEY)


class AzureBlobStore:
    """Blobs in one container. ``client_options`` go to the SDK client (e.g. ``retry_total``,
    ``connection_timeout``), so tests and the health check can fail fast."""

    def __init__(self, account_url: str, container: str, credential: Any, **client_options: Any) -> None:
        self._account_url = account_url
        self._container = container
        self._credential = credential
        self._client_options = client_options
        self._client: ContainerClient | None = None

    @property
    def _container_client(self) -> ContainerClient:
        if self._client is None:
            self._client = ContainerClient(
                self._account_url, self._container, credential=self._credential, **self._client_options
            )
        return self._client

    def ensure_container(self) -> None:
        """Create the container if it is missing. Emulator and local runs only."""
        with _mapped(), suppress(ResourceExistsError):
            self._container_client.create_container()

    def put(self, name: str, data: bytes | bytearray | memoryview, *, overwrite: bool = False) -> None:
        blob = self._blob(name)
        with _mapped():
            # overwrite=False sends If-None-Match: *, so create-if-absent is atomic on the service.
            # The SDK streams a bytearray or memoryview as an iterable of ints: hand it a file object.
            payload = data if isinstance(data, bytes) else io.BytesIO(data)
            blob.upload_blob(payload, length=len(data), overwrite=overwrite)

    def get(self, name: str) -> bytes:
        blob = self._blob(name)
        with _mapped():
            return blob.download_blob().readall()

    def delete(self, name: str) -> None:
        """Idempotent: deleting a missing blob is not an error, so purges can be resumed."""
        blob = self._blob(name)
        with _mapped():
            try:
                blob.delete_blob(delete_snapshots="include")
            except ResourceNotFoundError as exc:
                if _container_gone(exc):
                    raise

    def delete_prefix(self, prefix: str) -> int:
        """Every blob under ``prefix`` (with its snapshots), listed once and deleted in batch
        requests of :data:`_BATCH` (the service's limit) instead of one request per blob. A blob
        gone meanwhile (404) is no error; anything else is ``BackendUnavailable``. Idempotent."""
        validate_folder(prefix)
        client = self._container_client
        removed = 0
        with _mapped():
            names = list(client.list_blob_names(name_starts_with=prefix))
            for start in range(0, len(names), _BATCH):
                chunk = names[start : start + _BATCH]
                answers = client.delete_blobs(*chunk, delete_snapshots="include", raise_on_any_failure=False)
                for answer in answers:
                    if answer.status_code == 404:
                        continue
                    if not 200 <= answer.status_code < 300:
                        raise BackendUnavailable(f"blob batch delete answered {answer.status_code}")
                    removed += 1
        return removed

    def exists(self, name: str) -> bool:
        # Not BlobClient.exists(): it answers False for a missing container, hiding the fault.
        blob = self._blob(name)
        with _mapped():
            try:
                blob.get_blob_properties()
            except ResourceNotFoundError as exc:
                if _container_gone(exc):
                    raise
                return False
        return True

    def list(self, prefix: str = "") -> Iterator[str]:
        """Names starting with ``prefix``, sorted (fetched eagerly, so errors raise here)."""
        validate_prefix(prefix)
        with _mapped():
            names = sorted(self._container_client.list_blob_names(name_starts_with=prefix or None))
        return iter(names)

    def check(self) -> None:
        """Raise ``BackendUnavailable`` unless the account answers and the container exists."""
        with _mapped():
            self._container_client.get_container_properties()

    def _blob(self, name: str) -> BlobClient:
        """Validate first, so a bad name is ``InvalidInput`` before anything else is touched."""
        validate_name(name)
        return self._container_client.get_blob_client(name)

    def close(self) -> None:
        """Release the HTTP connection pool (the store stays usable; a new client is built)."""
        client, self._client = self._client, None
        if client is not None:
            client.close()


@contextmanager
def _mapped() -> Iterator[None]:
    try:
        yield
    except ResourceNotFoundError as exc:
        if _container_gone(exc):
            raise BackendUnavailable("blob container is missing") from exc
        raise NotFound("no such blob") from exc
    except ResourceExistsError as exc:
        raise AlreadyExists("blob exists") from exc
    except AzureError as exc:
        # ServiceRequestError (cannot connect), ServiceResponseError, other HttpResponseError.
        raise BackendUnavailable("blob storage failed") from exc


def _container_gone(exc: ResourceNotFoundError) -> bool:
    # The storage SDK adds ``error_code`` to the errors it raises; azure-core does not declare it.
    return getattr(exc, "error_code", None) in _CONTAINER_GONE
