"""The domain error tree, in one place.

Every error the product raises on purpose derives from :class:`CaseDeskError` and carries a
stable ``code`` (used as the problem+json ``code`` and as the i18n key ``errors.<code>``).
``functions/http.py`` maps the tree to HTTP statuses once; nothing else does.

    CaseDeskError
    ├── InvalidInput            bad request data (validation, malformed JSON, wrong type)
    │   ├── UnsupportedMediaType
    │   ├── InvalidLimit        a page size that is no whole number in the allowed range
    │   ├── InvalidContinuation a continuation token the store did not issue (or not for this query)
    │   └── InvalidDateTime     a time that is no ISO 8601 text, or outside the years we accept
    ├── PayloadTooLarge         request body over the configured limit
    ├── Unauthenticated         no valid session
    ├── PermissionDenied        authenticated, but the access table says no
    ├── NotFound                no such item (or not visible to the caller)
    ├── AlreadyExists           create of an id that exists
    ├── ConcurrencyConflict     ETag precondition failed: someone else changed it first
    ├── ItemTooLarge            a stored document would exceed the store's item limit
    ├── IntegrityError          ciphertext failed authentication (tampered, swapped or wrong key)
    ├── KeyUnavailable          a case key is gone (crypto-shredded) or a KEK version is unknown
    ├── BackendUnavailable      a port's backing service failed or cannot be reached
    └── ConfigurationError      settings are missing or unsafe for this environment
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AlreadyExists",
    "BackendUnavailable",
    "CaseDeskError",
    "ConcurrencyConflict",
    "ConfigurationError",
    "IntegrityError",
    "InvalidContinuation",
    "InvalidDateTime",
    "InvalidInput",
    "InvalidLimit",
    "ItemTooLarge",
    "KeyUnavailable",
    "NotFound",
    "PayloadTooLarge",
    "PermissionDenied",
    "Unauthenticated",
    "UnsupportedMediaType",
]


class CaseDeskError(Exception):
    """Base of every deliberate error. ``params`` fill the localised message's placeholders;
    they must never contain personal data, because messages may be logged."""

    code = "internal_error"

    def __init__(self, message: str = "", **params: Any) -> None:
        super().__init__(message or self.code)
        self.params = params


class InvalidInput(CaseDeskError):
    code = "invalid_input"

    def __init__(self, message: str = "", *, field: str | None = None, **params: Any) -> None:
        super().__init__(message, **params)
        self.field = field


class UnsupportedMediaType(InvalidInput):
    code = "unsupported_media_type"


class InvalidLimit(InvalidInput):
    code = "invalid_limit"


class InvalidContinuation(InvalidInput):
    code = "invalid_continuation"


class InvalidDateTime(InvalidInput):
    code = "invalid_datetime"


class PayloadTooLarge(CaseDeskError):
    code = "payload_too_large"


class Unauthenticated(CaseDeskError):
    code = "unauthenticated"


class PermissionDenied(CaseDeskError):
    code = "permission_denied"


class NotFound(CaseDeskError):
    code = "not_found"


class AlreadyExists(CaseDeskError):
    code = "already_exists"


class ConcurrencyConflict(CaseDeskError):
    code = "concurrency_conflict"


class ItemTooLarge(CaseDeskError):
    code = "item_too_large"


class IntegrityError(CaseDeskError):
    code = "integrity_error"


class KeyUnavailable(CaseDeskError):
    code = "key_unavailable"


class BackendUnavailable(CaseDeskError):
    code = "backend_unavailable"


class ConfigurationError(CaseDeskError):
    code = "configuration_error"
