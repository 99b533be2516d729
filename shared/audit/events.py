"""What an audit event is, and how it is stored and hashed.

An event names who did what to which item, when, why (a short reason) and under which grant and
request — ids and action names only. Everything a caller supplies is checked against narrow
token patterns, so case content, names or e-mail addresses cannot end up in the log by accident;
the one free-text field, ``reason``, is a single line of at most 500 characters.

The stored form has a fixed set of fields (:data:`STORED_FIELDS`). The chain hash covers every
stored field except ``id`` (derived from ``seq`` and checked separately) and ``hash`` itself, so
editing, adding or removing any field of a stored event changes its hash.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.errors import InvalidInput

__all__ = [
    "EVENT_TYPE",
    "GENESIS_HASH",
    "HEAD_ID",
    "HEAD_TYPE",
    "MAX_REASON_CHARS",
    "PLATFORM_SCOPE",
    "STORED_FIELDS",
    "SYSTEM_ACTOR",
    "AuditEvent",
    "RecordedEvent",
    "chain_hash",
    "check_scope",
    "event_id",
    "format_time",
    "scope_for_case",
    "scope_for_org",
    "scope_for_user",
]

SYSTEM_ACTOR = "system"
PLATFORM_SCOPE = "platform"
EVENT_TYPE = "audit-event"
HEAD_TYPE = "audit-head"
HEAD_ID = "head"
GENESIS_HASH = "0" * 64
MAX_REASON_CHARS = 500

#: Ids: letters, digits and ``_ . : -`` — uuids, hex and prefixed ids pass; spaces, ``@`` (e-mail
#: addresses) and anything else that could carry content do not.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
#: Actions: lower-case words joined by ``:`` (``case:read``, ``support:grant-approve``).
_ACTION = re.compile(r"[a-z][a-z0-9_-]{0,31}(:[a-z][a-z0-9_-]{0,31}){0,3}")
_TARGET_TYPE = re.compile(r"[a-z][a-z0-9_-]{0,31}")
_SCOPE = re.compile(r"(case|org|user)-[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}|" + PLATFORM_SCOPE)

#: Caller-facing attribute → stored field.
_EVENT_FIELDS = {
    "actor": "actor",
    "action": "action",
    "target_type": "targetType",
    "target_id": "targetId",
    "case_id": "caseId",
    "org_id": "orgId",
    "owner_id": "ownerId",
    "reason": "reason",
    "grant_id": "grantId",
    "request_id": "requestId",
}
#: Every field of a stored event; a test asserts nothing else is stored.
STORED_FIELDS = frozenset(
    {*_EVENT_FIELDS.values(), "id", "scope", "type", "seq", "at", "byOwner", "prevHash", "hash"}
)


def _token(value: object, pattern: re.Pattern[str], field: str, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidInput(f"audit field {field} must be a plain id or name", field=field)


def check_scope(scope: str) -> str:
    """Scopes are partition keys of the ``audit`` container: ``case-…``, ``org-…``, ``user-…``
    or ``platform``. Anything else is a programming error that would start a stray chain."""
    _token(scope, _SCOPE, "scope")
    return scope


def scope_for_case(case_id: str) -> str:
    return check_scope(f"case-{case_id}")


def scope_for_org(org_id: str) -> str:
    return check_scope(f"org-{org_id}")


def scope_for_user(user_id: str) -> str:
    return check_scope(f"user-{user_id}")


def event_id(seq: int) -> str:
    """Zero-padded so that the store's id order is the chain order."""
    return f"e-{seq:012d}"


def format_time(moment: datetime) -> str:
    """Fixed-width UTC, so that string comparison (the store's range filter) is time order."""
    if moment.tzinfo is None:
        raise InvalidInput("audit times must be timezone-aware", field="at")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def chain_hash(stored: Mapping[str, Any]) -> str:
    """SHA-256 over canonical JSON (sorted keys, no spaces, ASCII) of every stored field but
    ``id``, ``hash`` and the store's reserved ``_`` fields."""
    body = {k: v for k, v in stored.items() if k not in ("id", "hash") and not k.startswith("_")}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


@dataclass(frozen=True, kw_only=True)
class AuditEvent:
    """One audited action. Validated on construction: an invalid event cannot exist, so a route
    cannot write content into the log even by mistake. ``owner_id`` is whose data it is (feeds
    "who accessed my data"); ``actor`` is a user id or :data:`SYSTEM_ACTOR`."""

    actor: str
    action: str
    target_type: str
    target_id: str
    request_id: str
    case_id: str | None = None
    org_id: str | None = None
    owner_id: str | None = None
    reason: str | None = None
    grant_id: str | None = None

    def __post_init__(self) -> None:
        _token(self.actor, _ID, "actor")
        _token(self.action, _ACTION, "action")
        _token(self.target_type, _TARGET_TYPE, "target_type")
        for name in ("target_id", "request_id"):
            _token(getattr(self, name), _ID, name)
        for name in ("case_id", "org_id", "owner_id", "grant_id"):
            _token(getattr(self, name), _ID, name, optional=True)
        if self.reason is not None:
            _check_reason(self.reason)

    def stored_fields(self) -> dict[str, Any]:
        """The event's part of the stored item (the log adds the chain fields)."""
        fields = {stored: getattr(self, attr) for attr, stored in _EVENT_FIELDS.items()}
        fields["byOwner"] = self.owner_id is not None and self.owner_id == self.actor
        return fields

    @classmethod
    def from_stored(cls, item: Mapping[str, Any]) -> AuditEvent:
        # Values pass through untyped on purpose: validation rejects anything tampered into shape.
        values: dict[str, Any] = {attr: item.get(stored) for attr, stored in _EVENT_FIELDS.items()}
        return cls(**values)


def _check_reason(reason: object) -> None:
    # One line, no control characters, capped: a reason explains ("ticket 4711", "covering for
    # a colleague"), it does not transport content. Refused rather than cut, so the caller sees it.
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("an audit reason must be non-empty text", field="reason")
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(f"an audit reason holds at most {MAX_REASON_CHARS} characters", field="reason")
    if any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 or ch in "\u2028\u2029" for ch in reason):
        raise InvalidInput("an audit reason must be a single line of text", field="reason")


@dataclass(frozen=True)
class RecordedEvent:
    """An event as read back from one scope's chain."""

    event: AuditEvent
    scope: str
    seq: int
    at: str

    def to_json(self) -> dict[str, Any]:
        """The public form for API responses (camelCase, no chain internals)."""
        body = {k: v for k, v in self.event.stored_fields().items() if k != "byOwner"}
        return {"scope": self.scope, "seq": self.seq, "at": self.at, **body}
