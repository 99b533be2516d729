"""The domain error tree, in one place.

Every error the product raises on purpose derives from :class:`CaseDeskError` and carries a
stable ``code`` (the problem+json ``code``, the i18n key ``errors.<code>`` and the page
``docs/problems/<code>.md``). The direct subclasses of ``CaseDeskError`` are the *categories*
(:data:`CATEGORIES`); every other error derives from exactly one of them, wherever it is defined
(``shared/identity``, ``shared/cases``, …). ``functions/http/problems.py`` maps the categories — and only
the categories — to HTTP statuses, so a new domain error needs no change there.

    CaseDeskError                 internal_error: a bug or an unexpected failure (500)
    ├── InvalidInput              the request's data is wrong; names every invalid field (400)
    │   ├── InvalidLimit          a page size that is no whole number in the allowed range
    │   ├── InvalidContinuation   a continuation token the store did not issue (or not for this query)
    │   └── InvalidDateTime       a time that is no ISO 8601 text, or outside the years we accept
    ├── Unauthenticated           no valid session, or the credentials were refused (401)
    ├── PermissionDenied          forbidden: authenticated, but not allowed (403)
    ├── NotFound                  no such item, or not visible to the caller (404)
    ├── Conflict                  the request contradicts the current state (409)
    │   └── AlreadyExists         create of an id that exists
    ├── Gone                      it existed and will not come back (410)
    │   ├── KeyUnavailable        a case key is gone (crypto-shredded) or a KEK version is unknown
    │   └── CasePurged            the case was purged after its retention period (a tombstone)
    ├── PreconditionFailed        the version the change names is not the current one (412)
    │   └── ConcurrencyConflict   ETag mismatch: someone else changed it first
    ├── PreconditionRequired      a change that must name its version (If-Match) did not (428)
    ├── PayloadTooLarge           request body over the configured limit (413)
    │   └── ItemTooLarge          a stored document would exceed the store's item limit
    ├── UnsupportedMediaType      a body of a type this route does not take (415)
    ├── TooManyRequests           throttled; ``retry_after`` seconds say when to try again (429)
    ├── Unavailable               the service cannot answer now (503)
    │   ├── BackendUnavailable    a port's backing service failed or cannot be reached
    │   └── ConfigurationError    settings are missing or unsafe for this environment
    └── IntegrityError            ciphertext failed authentication: tampered, swapped or wrong key (500)

Any error may name the request ``field`` it is about; an :class:`InvalidInput` always lists its
invalid fields (:attr:`CaseDeskError.field_errors`), one :class:`FieldError` each.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

__all__ = [
    "CATEGORIES",
    "AlreadyExists",
    "BackendUnavailable",
    "CaseDeskError",
    "CasePurged",
    "ConcurrencyConflict",
    "ConfigurationError",
    "Conflict",
    "FieldError",
    "Gone",
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
    "PreconditionFailed",
    "PreconditionRequired",
    "TooManyRequests",
    "Unauthenticated",
    "Unavailable",
    "UnsupportedMediaType",
]


@dataclasses.dataclass(frozen=True)
class FieldError:
    """One invalid field: ``field`` is its dotted path in the body or the name of the query
    parameter (``None``: the request as a whole), ``code`` a stable code with the localised text
    ``errors.<code>.detail``, ``params`` that text's placeholders (limits, never the input)."""

    field: str | None
    code: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


class CaseDeskError(Exception):
    """Base of every deliberate error. ``params`` fill the localised message's placeholders;
    they must never contain personal data, because messages may be logged."""

    code = "internal_error"

    def __init__(self, message: str = "", *, field: str | None = None, **params: Any) -> None:
        super().__init__(message or self.code)
        self.field = field
        self.params = params

    @property
    def field_errors(self) -> tuple[FieldError, ...]:
        """The request fields this error is about: its ``field``, if it names one."""
        return (FieldError(self.field, self.code, self.params),) if self.field else ()


class InvalidInput(CaseDeskError):
    """Bad request data. ``errors`` lists every invalid field (a schema validation finds them
    all at once); without it, the error itself is the one entry, naming ``field`` if given."""

    code = "invalid_input"

    def __init__(
        self,
        message: str = "",
        *,
        field: str | None = None,
        errors: Sequence[FieldError] = (),
        **params: Any,
    ) -> None:
        super().__init__(message, field=field or next((e.field for e in errors if e.field), None), **params)
        self.errors = tuple(errors)

    @property
    def field_errors(self) -> tuple[FieldError, ...]:
        return self.errors or (FieldError(self.field, self.code, self.params),)


class InvalidLimit(InvalidInput):
    code = "invalid_limit"


class InvalidContinuation(InvalidInput):
    code = "invalid_continuation"


class InvalidDateTime(InvalidInput):
    code = "invalid_datetime"


class Unauthenticated(CaseDeskError):
    code = "unauthenticated"


class PermissionDenied(CaseDeskError):
    code = "permission_denied"


class NotFound(CaseDeskError):
    code = "not_found"


class Conflict(CaseDeskError):
    code = "conflict"


class AlreadyExists(Conflict):
    code = "already_exists"


class Gone(CaseDeskError):
    code = "gone"


class KeyUnavailable(Gone):
    code = "key_unavailable"


class CasePurged(Gone):
    """The case was purged after its retention period (or its purge is under way): every route
    that names it answers 410, for everyone, and it never comes back (SPEC journey 13)."""

    code = "case_purged"


class PreconditionFailed(CaseDeskError):
    code = "precondition_failed"


class ConcurrencyConflict(PreconditionFailed):
    code = "concurrency_conflict"


class PreconditionRequired(CaseDeskError):
    code = "precondition_required"


class PayloadTooLarge(CaseDeskError):
    code = "payload_too_large"


class ItemTooLarge(PayloadTooLarge):
    code = "item_too_large"


class UnsupportedMediaType(CaseDeskError):
    code = "unsupported_media_type"


class TooManyRequests(CaseDeskError):
    code = "too_many_requests"


class Unavailable(CaseDeskError):
    code = "unavailable"


class BackendUnavailable(Unavailable):
    code = "backend_unavailable"


class ConfigurationError(Unavailable):
    code = "configuration_error"


class IntegrityError(CaseDeskError):
    code = "integrity_error"


#: The categories the HTTP layer maps to a status; every other error derives from one of them.
CATEGORIES: tuple[type[CaseDeskError], ...] = (
    InvalidInput,
    Unauthenticated,
    PermissionDenied,
    NotFound,
    Conflict,
    Gone,
    PreconditionFailed,
    PreconditionRequired,
    PayloadTooLarge,
    UnsupportedMediaType,
    TooManyRequests,
    Unavailable,
    IntegrityError,
)
