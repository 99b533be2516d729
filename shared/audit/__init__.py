"""The audit log (SPEC journey 15): append-only, hash-chained events per case, organisation and
user, written through one service, :class:`AuditLog`. Events carry ids and action names only.

    log = AuditLog(store, clock)
    log.record(AuditEvent(actor=user_id, action="case:read", target_type="case", target_id=case_id,
                          case_id=case_id, org_id=org_id, request_id=correlation_id))
    log.query(scope_for_org(org_id), action="case:read", since=..., limit=50)   # org admin
    log.accesses_to(user_id)                                                    # the employee
    log.verify(scope_for_case(case_id))                  # also: python -m shared.cli verify-audit
"""

from shared.audit.events import (
    PLATFORM_SCOPE,
    SYSTEM_ACTOR,
    AuditEvent,
    RecordedEvent,
    scope_for_case,
    scope_for_org,
    scope_for_user,
)
from shared.audit.log import AuditLog, EventPage, default_scopes
from shared.audit.verify import VerifyResult

__all__ = [
    "PLATFORM_SCOPE",
    "SYSTEM_ACTOR",
    "AuditEvent",
    "AuditLog",
    "EventPage",
    "RecordedEvent",
    "VerifyResult",
    "default_scopes",
    "scope_for_case",
    "scope_for_org",
    "scope_for_user",
]
