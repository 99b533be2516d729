"""Translate azure-cosmos / azure-core exceptions into the domain error tree.

One mapping for every call of :class:`shared.adapters.cosmos.CosmosStore`, so a status code means
the same thing everywhere. Messages name the operation, the container and the status only: the
SDK's own message can quote the request (item content), so it stays on ``__cause__`` for the
logs of whoever has access to them, never in our message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from azure.core.exceptions import AzureError, HttpResponseError

from shared.errors import (
    AlreadyExists,
    BackendUnavailable,
    CaseDeskError,
    ConcurrencyConflict,
    InvalidInput,
    ItemTooLarge,
    NotFound,
)

__all__ = ["error_for_status", "status_of", "translate_errors"]

#: Cosmos answers an oversized item with 413, or (older gateways, batches) with 400 and this text.
_TOO_LARGE_TEXT = "request size is too large"


def status_of(exc: BaseException) -> int | None:
    """The HTTP status of an SDK error, or ``None`` for transport errors (no answer at all)."""
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) else None


def error_for_status(status: int | None, what: str, detail: str = "") -> CaseDeskError:
    """The domain error for one failed Cosmos call. ``detail`` is the SDK message, only used to
    recognise "request size is too large"; it is not copied into the result."""
    message = f"{what} failed" + (f" with status {status}" if status is not None else "")
    if status == 404:
        return NotFound(message)
    if status == 409:
        return AlreadyExists(message)
    if status == 412:
        return ConcurrencyConflict(message)
    if status == 413 or (status == 400 and _TOO_LARGE_TEXT in detail.lower()):
        return ItemTooLarge(message)
    if status == 400:
        return InvalidInput(message)
    # Transport errors, 401/403 (identity or RBAC misconfigured), 429 after the SDK's own
    # throttling retries, 5xx: the backend is not usable right now.
    return BackendUnavailable(message)


@contextmanager
def translate_errors(operation: str, container: str = "") -> Iterator[None]:
    """Re-raise SDK errors raised inside the block as domain errors, keeping the original as
    ``__cause__``. Domain errors raised inside the block pass through unchanged."""
    what = f"cosmos {operation}" + (f" on {container}" if container else "")
    try:
        yield
    except HttpResponseError as exc:  # includes CosmosHttpResponseError and CosmosBatchOperationError
        raise error_for_status(status_of(exc), what, str(exc.message or "")) from exc
    except AzureError as exc:  # ServiceRequestError, ServiceResponseError, client timeouts
        raise error_for_status(None, what) from exc
