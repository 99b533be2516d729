"""The one check every non-public route goes through (deny by default, with a reason).

:func:`authorize` returns a :class:`~shared.access.caller.Decision`: which grant of the access
table let the user through, in which relation and roles, and the facts it read on the way (the
case's organisation, the item the route names). Services receive it inside a
:class:`~shared.access.caller.Caller`, record their audit events from it and reuse its item
instead of reading it again.

For case-scoped actions, someone with no relation to the case at all — not a participant, not
staff of its organisation — gets ``NotFound``, exactly as for a case id that does not exist, so
guessing ids (IDOR) reveals nothing. Someone related to the case but without the right role
gets ``PermissionDenied``. For item-scoped actions (owner / shared-with), an item the user may
not see is ``NotFound`` like an item that does not exist; only someone who can already see it
(a grantee trying an owner's action) learns ``PermissionDenied``.

Every fact is read at most once per check (:class:`_Facts`): a table row with two grants does not
read the participant twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from shared.access.caller import Decision
from shared.access.items import ID, ITEM_PARAMS, ITEM_TYPES, grant_counts, grant_id
from shared.access.permissions import Action
from shared.access.relations import org_member, support_grant, support_grant_is_live
from shared.access.table import TABLE, Grant
from shared.errors import CasePurged, NotFound, PermissionDenied
from shared.ports import Item, Store

__all__ = ["RELATIONS", "authorize", "route_item"]


def route_item(route_params: Mapping[str, str]) -> tuple[str, str] | None:
    """The (item type, item id) a route names, e.g. ``docId`` → ("doc", id), or ``None``."""
    named = [(kind, route_params[p]) for p, kind in ITEM_PARAMS.items() if p in route_params]
    return named[0] if len(named) == 1 else None


class _Facts:
    """What one check reads about the user, the case and the item — each at most once, and all
    of the case partition's facts (the case, the participation, the route's item and the user's
    grant on it) in one ``read_many``: one round trip where there used to be up to four."""

    def __init__(self, store: Store, user_id: str, params: Mapping[str, str], now: datetime) -> None:
        self.store, self.user_id, self.params, self.now = store, user_id, params, now
        self.case_id = params.get("caseId", "")
        self._in_case: dict[str, Item] | None = None
        self._members: dict[str, Item | None] = {}
        self._operator: bool | None = None
        self._support: Item | None = None
        named = route_item(params)
        self._item_key = (
            f"{named[0]}-{named[1]}" if named and named[0] in ITEM_TYPES and ID.fullmatch(named[1]) else None
        )
        self._grant_key = (
            grant_id(*named, user_id) if self._item_key and named and ID.fullmatch(user_id) else None
        )

    def _case_partition(self) -> dict[str, Item]:
        if self._in_case is None:
            self._in_case = {}
            if ID.fullmatch(self.case_id):
                wanted = ["case"]
                if ID.fullmatch(self.user_id):
                    wanted.append(f"participant-{self.user_id}")
                wanted += [k for k in (self._item_key, self._grant_key) if k is not None]
                if ID.fullmatch(self.user_id):
                    wanted.append(f"breakglass-{self.user_id}")
                self._in_case = self.store.read_many("cases", self.case_id, wanted)
        return self._in_case

    def case(self) -> Item | None:
        found = self._case_partition().get("case")
        return found if found is not None and found.get("type", "case") == "case" else None

    def purged(self) -> bool:
        """The case is a tombstone, or its retention purge is under way (shared/retention)."""
        found = self._case_partition().get("case")
        return found is not None and found.get("status") in ("purging", "purged")

    def participant(self) -> Item | None:
        """The user's *active* participation (removed participants have none)."""
        found = self._case_partition().get(f"participant-{self.user_id}")
        return found if found is not None and found.get("status") == "active" else None

    def member(self, org_id: str) -> Item | None:
        if org_id not in self._members:
            self._members[org_id] = org_member(self.store, org_id, self.user_id)
        return self._members[org_id]

    def org_roles(self, org_id: str) -> list[str]:
        found = self.member(org_id)
        return list(found.get("roles", [])) if found else []

    def break_glass(self) -> Item | None:
        """The user's break-glass grant on the case, if it is live (shared.tempaccess.breakglass)."""
        found = self._case_partition().get(f"breakglass-{self.user_id}")
        if found is None or found.get("type") != "break_glass" or found.get("endedAt"):
            return None
        return found if str(found.get("untilAt", "")) > self.now.astimezone(UTC).isoformat() else None

    def operator(self) -> bool:
        """The user is an active support operator (one profile read, on first need)."""
        if self._operator is None:
            from shared.identity.operators import is_operator  # noqa: PLC0415 - identity imports access

            self._operator = bool(ID.fullmatch(self.user_id)) and is_operator(self.store, self.user_id)
        return self._operator

    def support_grant(self) -> Item | None:
        """The user's own support grant named by the route (``grantId``), live or not."""
        if self._support is None:
            grant_id = self.params.get("grantId", "")
            found = support_grant(self.store, self.user_id, grant_id) if ID.fullmatch(grant_id) else None
            self._support = found or {}
        return self._support or None

    def item(self) -> Item | None:
        if self._item_key is None:
            return None
        found = self._case_partition().get(self._item_key)
        return found if found is not None and found.get("type") == self._item_key.split("-")[0] else None

    def live_grant(self) -> Item | None:
        """The user's unexpired grant on the route's item from its current owner, if any."""
        item = self.item()
        found = self._case_partition().get(self._grant_key) if self._grant_key else None
        if item is None or found is None or found.get("type") != "grant":
            return None
        return (
            found if grant_counts(found, self.now) and found.get("ownerId") == item.get("ownerId") else None
        )


#: What a relation found: the facts the decision carries, or ``None`` if it does not hold.
Found = dict[str, Any] | None


def _self(facts: _Facts, roles: tuple[str, ...]) -> Found:
    return {}


def _org(facts: _Facts, roles: tuple[str, ...]) -> Found:
    org_id = facts.params.get("orgId", "")
    held = tuple(r for r in facts.org_roles(org_id) if r in roles)
    return {"roles": held, "org_id": org_id} if held else None


def _case_org(facts: _Facts, roles: tuple[str, ...]) -> Found:
    case = facts.case()
    held = tuple(r for r in facts.org_roles(case["orgId"]) if r in roles) if case else ()
    # Org staff reach a case's summary only, never its content: read-only by construction.
    return (
        {"roles": held, "case_id": facts.case_id, "org_id": case["orgId"], "case": case, "read_only": True}
        if case and held
        else None
    )


def _org_all_cases(facts: _Facts, roles: tuple[str, ...]) -> Found:
    """Staff of the route's organisation, in one of the roles, holding "access all cases"."""
    org_id = facts.params.get("orgId", "")
    found = facts.member(org_id)
    held = tuple(r for r in (found or {}).get("roles", []) if r in roles)
    return {"roles": held, "org_id": org_id} if held and found and found.get("accessAllCases") else None


def _break_glass(facts: _Facts, roles: tuple[str, ...]) -> Found:
    """A live break-glass grant on the case, while the holder still has "access all cases" in
    the case's organisation: the summary and the plan, read-only, under the grant's reason."""
    grant, case = facts.break_glass(), facts.case()
    if grant is None or case is None or grant.get("orgId") != case.get("orgId"):
        return None
    found = facts.member(str(case["orgId"]))
    if not found or not found.get("accessAllCases") or not set(found.get("roles", [])) & set(roles):
        return None
    return {
        "roles": ("break_glass",),
        "case_id": facts.case_id,
        "org_id": case["orgId"],
        "case": case,
        "grant_id": str(grant["accessId"]),
        "reason": str(grant["reason"]),
        "read_only": True,
    }


def _operator(facts: _Facts, roles: tuple[str, ...]) -> Found:
    """The user is an active support operator: their own support requests and grants."""
    return {} if facts.operator() else None


def _support(facts: _Facts, roles: tuple[str, ...]) -> Found:
    """The user's own support grant named by the route is live, and the case the route names (if
    any) is in its scope: the read-only support views, under the grant's id and reason."""
    grant = facts.support_grant()
    if grant is None or not support_grant_is_live(grant, facts.now):
        return None
    found: dict[str, Any] = {
        "roles": ("operator",),
        "org_id": grant["orgId"],
        "grant": grant,
        "grant_id": str(grant["accessId"]),
        "reason": str(grant["reason"]),
        "read_only": True,
    }
    if facts.case_id:
        case = facts.case()
        if case is None or case.get("orgId") != grant["orgId"]:
            return None
        if grant.get("scope") == "case" and grant.get("caseId") != facts.case_id:
            return None
        found.update(case_id=facts.case_id, case=case)
    return found


def _case(facts: _Facts, roles: tuple[str, ...]) -> Found:
    found = facts.participant()
    if found is None or found.get("role") not in roles:
        return None
    case = facts.case()
    org_id = case.get("orgId") if case else found.get("orgId")
    return {"roles": (str(found["role"]),), "case_id": facts.case_id, "org_id": org_id, "case": case}


def _item_owner(facts: _Facts, roles: tuple[str, ...]) -> Found:
    known, item = _case(facts, roles), facts.item()
    return {**known, "item": item} if known and item and item.get("ownerId") == facts.user_id else None


def _item_viewer(facts: _Facts, roles: tuple[str, ...]) -> Found:
    if (owned := _item_owner(facts, roles)) is not None:
        return owned
    known, shared = _case(facts, roles), facts.live_grant()
    return {**known, "item": facts.item(), "grant_id": str(shared["id"])} if known and shared else None


#: Each relation of the access table (shared/access/table.py) as a predicate over the facts.
RELATIONS: dict[str, Callable[[_Facts, tuple[str, ...]], Found]] = {
    "self": _self,
    "org": _org,
    "case_org": _case_org,
    "org_all_cases": _org_all_cases,
    "break_glass": _break_glass,
    "operator": _operator,
    "support": _support,
    "case": _case,
    "item_owner": _item_owner,
    "item_viewer": _item_viewer,
}


def _decide(facts: _Facts, action: Action, grant: Grant) -> Decision | None:
    """The decision if ``grant`` holds for the user, else ``None``."""
    found = RELATIONS[grant.relation](facts, grant.roles)
    if found is None:
        return None
    return Decision(
        actor=facts.user_id,
        action=action,
        relation=grant.relation,
        needs_consent=grant.needs_consent,
        **found,
    )


def authorize(
    store: Store, user_id: str, action: Action, route_params: Mapping[str, str], *, now: datetime
) -> Decision:
    """Return the decision that allows ``action``, or raise ``NotFound`` / ``PermissionDenied``."""
    facts = _Facts(store, user_id, route_params, now)
    if facts.case_id and facts.purged():  # 410 for everyone, whatever the action (journey 13)
        raise CasePurged("this case was deleted at the end of its retention period")
    grants = TABLE.get(action, ())
    for grant in grants:
        decision = _decide(facts, action, grant)
        if decision is not None:
            return decision
    if any(g.relation in ("item_owner", "item_viewer") for g in grants):
        visible = facts.participant() is not None and facts.item() is not None
        mine = (facts.item() or {}).get("ownerId") == user_id
        if not visible or (not mine and facts.live_grant() is None):
            raise NotFound("no such item")
    if grants and all(g.relation == "support" for g in grants):
        raise NotFound("no such support grant")  # whoever asks: a grant that is not theirs and live
    signed_in_only = {"self", "org", "org_all_cases", "operator"}
    if any(g.relation not in signed_in_only for g in grants) and not _related_to_case(facts):
        raise NotFound("no such case")
    if facts.operator():
        # An operator sees nothing of any organisation outside the support views (issue 22): a
        # known organisation answers exactly as an unknown one. One read, on refusals only.
        raise NotFound("no such organisation")
    raise PermissionDenied(f"{action} is not granted")


def _related_to_case(facts: _Facts) -> bool:
    if facts.participant() is not None or _break_glass(facts, ("case_manager", "org_admin")) is not None:
        return True
    case = facts.case()
    return case is not None and "org_admin" in facts.org_roles(case["orgId"])
