"""Side effects that leave the request safely: pending effects and the relay (issue 10).

    from shared.effects import audit_event, audit_op, commit, email_op, record

    # a change and its audit event (and e-mail), one transactional batch in one partition:
    commit(store, "cases", case_id, [BatchOperation("replace", item=changed, if_match=etag)],
           [audit_op("cases", case_id, audit_event(caller, "note:update", ...), now)])
    # an audited read: one write, no chain head on the request path:
    record(store, "cases", case_id, [audit_op("cases", case_id, audit_event(caller, "note:read", ...), now)])

The ``effect_relay`` timer (:mod:`shared.effects.relay`) sequences audit events into the hash
chains and queues e-mails; the ``mail_sender`` queue trigger (:mod:`shared.effects.mail`) sends
them. See docs/decisions/013-effects-relay.md.
"""

from shared.effects.pending import (
    EFFECT_TYPE,
    SOURCE_CONTAINERS,
    audit_event,
    audit_op,
    case_audit_op,
    commit,
    commit_item,
    email_op,
    record,
    record_case_listing,
    record_item_read,
    reset_request_op,
)

__all__ = [
    "EFFECT_TYPE",
    "SOURCE_CONTAINERS",
    "audit_event",
    "audit_op",
    "case_audit_op",
    "commit",
    "commit_item",
    "email_op",
    "record",
    "record_case_listing",
    "record_item_read",
    "reset_request_op",
]
