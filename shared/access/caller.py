"""Who is acting, and why they may: the access decision and the caller that carries it.

A route's access check (:func:`shared.access.check.authorize`) produces a :class:`Decision`;
the HTTP layer wraps it with the request id into a :class:`Caller` and hands that to the
service. The service records its own audit event from the caller (actor, grant, reason,
request id) in the same unit of work as its change — so nothing is audited twice and nothing
changes unaudited. Timers and the CLI act as :meth:`Caller.system`.

A decision also carries what it read — the case and the item it was made about — exactly as read
for the check, so the service does not read them again; :meth:`Caller.case` and
:meth:`Caller.item` hand them out only for that very case and item.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from shared.access.permissions import Action
from shared.audit.events import SYSTEM_ACTOR
from shared.ports import Item

__all__ = ["Caller", "Decision"]

#: Relations that hold only for an active participant of the case (shared.access.check).
_PARTICIPATION = frozenset({"case", "item_owner", "item_viewer"})


@dataclass(frozen=True, kw_only=True)
class Decision:
    """Why ``actor`` may do ``action``: the relation of the access table that held, the roles
    that satisfied it, the sharing grant if the item is someone else's, a reason (break-glass and
    support access will give one) and whether the access is read-only."""

    actor: str
    action: Action | None
    relation: str
    needs_consent: bool = True
    roles: tuple[str, ...] = ()
    case_id: str | None = None
    org_id: str | None = None
    grant_id: str | None = None
    reason: str | None = None
    read_only: bool = False
    case: Item | None = None
    item: Item | None = None
    #: The live support grant the decision was made under (relation ``support``, issue 22).
    grant: Item | None = None


@dataclass(frozen=True)
class Caller:
    """The acting user (or the system) with the decision that let them act."""

    decision: Decision
    request_id: str

    @property
    def actor(self) -> str:
        return self.decision.actor

    @property
    def grant_id(self) -> str | None:
        return self.decision.grant_id

    @property
    def reason(self) -> str | None:
        return self.decision.reason

    def case_role(self, case_id: str) -> str | None:
        """The caller's role in ``case_id`` if the decision established an active participation
        there (then the service need not read it again), else ``None``: read it."""
        if self.decision.case_id == case_id and self.decision.relation in _PARTICIPATION:
            return self.decision.roles[0] if self.decision.roles else None
        return None

    def case(self, case_id: str) -> Item | None:
        """The case item the decision read, if it is this case (else ``None``: read it)."""
        found = self.decision.case
        return found if found is not None and self.decision.case_id == case_id else None

    def item(self, case_id: str, item_type: str, item_id: str) -> Item | None:
        """The item the decision was made about, if it is this one (else ``None``: read it)."""
        found = self.decision.item
        if found is None or self.decision.case_id != case_id:
            return None
        if found.get("type") != item_type or found.get("id") != f"{item_type}-{item_id}":
            return None
        return found

    @classmethod
    def user(cls, user_id: str, request_id: str, *, case_id: str | None = None) -> Caller:
        """A user acting on their own behalf outside a routed check (sign-in, onboarding, tests)."""
        return cls(Decision(actor=user_id, action=None, relation="self", case_id=case_id), request_id)

    @classmethod
    def system(cls, request_id: str | None = None, *, reason: str | None = None) -> Caller:
        """Timers and the ops CLI: actor :data:`SYSTEM_ACTOR`, a fresh request id per run."""
        decision = Decision(actor=SYSTEM_ACTOR, action=None, relation="system", reason=reason)
        return cls(decision, request_id or f"sys-{uuid.uuid4().hex}")
