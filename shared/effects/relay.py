"""The relay: moves pending effects on — audit events into the chains, e-mails to the mail queue.

Run by the ``effect_relay`` timer every :data:`RELAY_SCHEDULE` (5 s; the Functions host runs
a timer on one instance at a time, so the relay is the only writer of every audit chain) and on
demand by the ops CLI (``python -m shared.cli relay``) and the dev host. One run:

1. finds the pending effects of every source container (a cross-partition query on ``type``:
   a timer, never a request, may do that), oldest first, at most ``limit``;
2. **audit**: fills in a case event's organisation, and the employee as owner where the effect
   asks for it (one case read per case per run), groups the
   events by chain (case, organisation, the data owner's user chain) and appends each chain's
   share in as few batches as possible (:meth:`AuditLog.sequence`: events + applied markers +
   head, 49 events per batch), then deletes the effects, one batch per source partition;
3. **password resets**: looks each requested address up and, for an active account, issues the
   link and its e-mail (the ``issue_reset`` it is given: shared.identity.credentials.issue_reset;
   passed in because identity records its effects here, so this package must not import it) —
   off the request path, so the request cannot reveal whether an account exists;
4. **e-mail**: puts a reference to each new e-mail effect on the ``mail-outgoing`` queue and
   marks the effect ``queuedAt``; the queue-triggered sender (:mod:`shared.effects.mail`) sends
   it and deletes the effect.

Crash safety: an effect is deleted only after every chain holds it; an append is idempotent by
the effect id (applied markers), so a run that dies half-way is simply repeated by the next. An
e-mail reference queued twice (a run died between queueing and marking) is sent once: the
sender claims the effect with an ETag and deletes it after sending.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice
from typing import Any

from shared.audit import AuditLog, default_scopes
from shared.audit.events import EVENT_TYPE, AuditEvent
from shared.effects import activity
from shared.effects.pending import EFFECT_TYPE, SOURCE_CONTAINERS
from shared.errors import CaseDeskError, NotFound
from shared.log import log_event
from shared.ports import CONTAINERS, MAX_BATCH_OPERATIONS, BatchOperation, Item, PatchOperation, Ports

__all__ = ["MAIL_QUEUE", "RELAY_SCHEDULE", "RelayReport", "ResetIssuer", "relay_pending"]

#: Issues a password-reset link and its e-mail for ``address`` if it belongs to an active account;
#: returns whether it did (``shared.identity.credentials.issue_reset``).
ResetIssuer = Callable[[Ports, str], bool]

#: NCRONTAB (second minute hour day month weekday): every 5 seconds. The lag before an event
#: shows in the organisation's log and in "who accessed my data", and before an e-mail is
#: queued, is at most this interval plus one run.
RELAY_SCHEDULE = "*/5 * * * * *"
MAIL_QUEUE = "mail-outgoing"
#: Effects handled per run; a backlog beyond it is taken by the following runs.
DEFAULT_LIMIT = 5000


@dataclass
class RelayReport:
    audit_effects: int = 0
    appended: int = 0
    emails_queued: int = 0
    resets_issued: int = 0
    activity_stamped: int = 0
    failed_scopes: list[str] = field(default_factory=list)
    more: bool = False
    oldest: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failed_scopes

    def to_json(self) -> dict[str, Any]:
        return {
            "auditEffects": self.audit_effects,
            "appended": self.appended,
            "emailsQueued": self.emails_queued,
            "resetsIssued": self.resets_issued,
            "activityStamped": self.activity_stamped,
            "failedScopes": len(self.failed_scopes),
            "more": self.more,
            "oldest": self.oldest,
        }


@dataclass(frozen=True)
class _Pending:
    container: str
    item: Item

    @property
    def partition(self) -> str:
        return str(self.item[CONTAINERS[self.container]])


def relay_pending(ports: Ports, *, issue_reset: ResetIssuer, limit: int = DEFAULT_LIMIT) -> RelayReport:
    """One relay run (see the module docstring). ``ports`` needs store, clock and queue."""
    report = RelayReport()
    pending = _find_pending(ports, limit)
    report.more = len(pending) > limit
    pending = pending[:limit]
    if pending:
        report.oldest = str(pending[0].item.get("createdAt"))
    audits = [p for p in pending if p.item.get("kind") == "audit"]
    resets = [p for p in pending if p.item.get("kind") == "password-reset"]
    _relay_audit(ports, audits, report)
    _relay_resets(ports, resets, issue_reset, report)
    if report.resets_issued:  # their e-mails were written just now: take them in this run too
        pending = _find_pending(ports, limit)
    emails = [p for p in pending if p.item.get("kind") == "email" and not p.item.get("queuedAt")]
    _relay_email(ports, emails, report)
    if pending:
        log_event("relay.run", **report.to_json())
    return report


def _find_pending(ports: Ports, limit: int) -> list[_Pending]:
    """Up to ``limit + 1`` pending effects (one more tells that a backlog remains), oldest first."""
    pending: list[_Pending] = []
    for container in SOURCE_CONTAINERS:
        found = ports.store.scan(container, equals={"type": EFFECT_TYPE})
        pending.extend(_Pending(container, item) for item in islice(found, limit + 1 - len(pending)))
        if len(pending) > limit:
            break
    pending.sort(key=lambda p: (str(p.item.get("createdAt", "")), str(p.item["id"])))
    return pending


def _relay_audit(ports: Ports, audits: list[_Pending], report: RelayReport) -> None:
    log = AuditLog(ports.store, ports.clock)
    cases: dict[str, Item | None] = {}
    by_scope: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    scopes_of: dict[str, list[str]] = {}
    events: dict[str, tuple[AuditEvent, str]] = {}
    for effect in audits:
        stored = dict(effect.item["event"])
        event = AuditEvent.from_stored(stored)
        wants_owner = bool(effect.item.get("ownerFromCase")) and event.owner_id is None
        if event.case_id is not None and (event.org_id is None or wants_owner):
            if event.case_id not in cases:
                cases[event.case_id] = _case(ports, event.case_id)
            case = cases[event.case_id] or {}
            event = replace(
                event,
                org_id=event.org_id or case.get("orgId"),
                owner_id=case.get("employeeUserId") if wants_owner else event.owner_id,
            )
        fields = {**event.stored_fields(), "type": EVENT_TYPE, "at": stored["at"]}
        events[str(effect.item["id"])] = (event, str(stored["at"]))
        scopes = default_scopes(event)
        scopes_of[effect.item["id"]] = scopes
        for scope in scopes:
            by_scope[scope].append((str(effect.item["id"]), fields))
    for scope, entries in by_scope.items():
        time.sleep(0)  # a background job: let waiting requests run between chains
        try:
            report.appended += log.sequence(scope, entries)
        except CaseDeskError as exc:  # the effects stay pending; the next run retries them
            report.failed_scopes.append(scope)
            log_event("relay.chain_failed", logging.ERROR, code=exc.code)
    failed = set(report.failed_scopes)
    done = [e for e in audits if not failed.intersection(scopes_of[e.item["id"]])]
    _stamp_activity(ports, [events[str(e.item["id"])] for e in done], report)
    _delete_effects(ports, done)
    report.audit_effects = len(done)


def _stamp_activity(ports: Ports, events: list[tuple[AuditEvent, str]], report: RelayReport) -> None:
    """The cases' last activity onto their index entries (shared/effects/activity.py), before the
    effects go: a run that dies in between stamps again next time (a patch sets, it does not add).
    A failure here never holds the audit back: the next change stamps the entries again."""
    touched = activity.touched_by(events)
    if not touched:
        return
    try:
        report.activity_stamped = activity.stamp_case_indexes(ports, touched)
    except CaseDeskError as exc:
        log_event("relay.activity_failed", logging.WARNING, code=exc.code)


def _case(ports: Ports, case_id: str) -> Item | None:
    try:
        return dict(ports.store.read("cases", case_id, "case"))
    except NotFound:  # purged meanwhile: the event still goes to the case's own chain
        return None


def _delete_effects(ports: Ports, effects: list[_Pending]) -> None:
    by_partition: dict[tuple[str, str], list[str]] = defaultdict(list)
    for effect in effects:
        by_partition[(effect.container, effect.partition)].append(str(effect.item["id"]))
    for (container, partition), ids in by_partition.items():
        for start in range(0, len(ids), MAX_BATCH_OPERATIONS):
            chunk = ids[start : start + MAX_BATCH_OPERATIONS]
            try:
                ports.store.batch(container, partition, [BatchOperation("delete", id=i) for i in chunk])
            except NotFound:  # another run removed some: remove the rest one by one
                for effect_id in chunk:
                    with contextlib.suppress(NotFound):
                        ports.store.delete(container, partition, effect_id)


def _relay_resets(
    ports: Ports, resets: list[_Pending], issue_reset: ResetIssuer, report: RelayReport
) -> None:
    """Password-reset requests: issue the link for an active account, then drop the request. A
    run that dies in between issues a second link on the next run — harmless (each link is
    single-use and expires), unlike losing the request."""
    for effect in resets:
        if issue_reset(ports, str(effect.item.get("address", ""))):
            report.resets_issued += 1
    _delete_effects(ports, resets)


def _relay_email(ports: Ports, emails: list[_Pending], report: RelayReport) -> None:
    for effect in emails:
        reference = {"container": effect.container, "partition": effect.partition, "id": effect.item["id"]}
        ports.queue.send(MAIL_QUEUE, json.dumps(reference, separators=(",", ":")))
        mark = [PatchOperation("set", "/queuedAt", _now(ports))]
        with contextlib.suppress(NotFound):  # already sent and deleted by the sender: nothing to mark
            ports.store.patch(effect.container, effect.partition, str(effect.item["id"]), mark)
        report.emails_queued += 1


def _now(ports: Ports) -> str:
    moment: datetime = ports.clock.now()
    return moment.isoformat()
