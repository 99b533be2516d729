"""Notifications that say who did what on which case — resolved when they are read (SPEC §5).

A stored notification holds ids only (``caseId``, ``itemType``, ``itemId``, ``actorId``). When
the recipient lists a page of them, :func:`named_page` reads what the page needs in one batched
read per store container — the items, the recipient's grants on them, the case items and the
recipient's own participation (``cases``), the people's names (``users``), the organisations'
admin memberships and names (``orgs``) and the case keys for sealed titles (``keys``) — at most
100 keys per call and no read per notification, so a page costs the same whatever the inbox
holds. Each part is shown only under the rule that shows it anywhere else in the app:

- **The item and who shared it** only while the recipient may *view* the item now (the owner,
  or an active participant holding an unexpired grant from the current owner —
  ``shared.access.items``): a revoked, expired or deleted item, or a recipient removed from the
  case, shows the neutral text (``available`` false), with no name and no title.
- **A message's sender** only while the recipient is an active participant and a member of the
  thread; the sender must be (or have been) a member of it too.
- **Whose case it is** (the employee's name) only to an active participant of the case — they
  see it on the case page anyway — and "your case" to the employee. Someone only invited, or no
  longer in the case, sees no name (as on "My cases", docs/decisions/029).
- **Break-glass alerts** name the staff member and the case only to someone who is still an
  admin of that organisation (who sees both in the staff list and the case directory anyway).

Nothing of this is stored or logged: the names and titles exist only in the answer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.access.items import grant_counts, grant_id
from shared.errors import KeyUnavailable
from shared.item_types import ITEM_TYPES
from shared.ports import MAX_READ_MANY, Item, Ports

__all__ = ["named_page"]

#: Kinds about a shareable item: visible while the recipient may view that item.
_ITEM_KINDS = frozenset(
    {
        "share",
        "reflections_shared",
        "evaluation_shared",
        "evaluation_corrected",
        "feedback_shared",
        "feedback_corrected",
    }
)
#: Kinds addressed to an organisation's admins (``itemType`` "org", ``itemId`` the organisation).
_ORG_KINDS = frozenset({"break_glass", "access_review_due"})
#: Sealed fields that name an item: a document's and a note's title, a thread's subject.
_TITLES = {"doc": "title", "note": "title", "thread": "subject"}


@dataclass
class _Wanted:
    """The keys a page needs, per container (deduplicated, in order)."""

    cases: dict[tuple[str, str], None] = field(default_factory=dict)
    orgs: dict[tuple[str, str], None] = field(default_factory=dict)

    def case(self, case_id: str, item_id: str) -> None:
        self.cases[(case_id, item_id)] = None


def named_page(ports: Ports, reader_id: str, notifications: Sequence[Item]) -> list[dict[str, Any]]:
    """The page's notifications as the reader may see them, each with ``actorName``,
    ``caseName`` (the employee's name, when the reader may see it), ``ownCase`` (the reader is
    the case's employee), ``orgName`` (on an admin's notices), ``itemTitle`` and ``available``
    (false: the item or thread is no longer there for the reader — the app shows a neutral
    text)."""
    wanted = _Wanted()
    for n in notifications:
        _want(wanted, n, reader_id)
    cases = _read(ports, "cases", wanted.cases)
    orgs = _read(ports, "orgs", wanted.orgs)
    now = ports.clock.now()
    facts = [_facts(n, reader_id, cases, orgs, now) for n in notifications]
    names = _names(ports, [uid for f in facts for uid in (f.actor_id, f.employee_id) if uid])
    titled = [f for f in facts if f.sealed is not None]
    ports.case_keys.load([f.sealed[0]["caseId"] for f in titled if f.sealed is not None])
    views = []
    for n, f in zip(notifications, facts, strict=True):
        views.append(
            {
                "available": f.available,
                "actorName": names.get(f.actor_id) if f.actor_id else None,
                "caseName": names.get(f.employee_id) if f.employee_id else None,
                "ownCase": f.own_case,
                "orgName": f.org_name,
                "itemTitle": _title(ports, f.sealed) if f.sealed is not None else None,
                **{key: n.get(key) for key in ("id", "kind", "caseId", "itemType", "itemId", "read", "at")},
            }
        )
    return views


@dataclass
class _Facts:
    available: bool = True
    actor_id: str | None = None
    employee_id: str | None = None
    own_case: bool = False
    org_name: str | None = None
    sealed: tuple[Item, str] | None = None  # the item and its sealed field naming it


def _want(wanted: _Wanted, n: Item, reader_id: str) -> None:
    kind, case_id, item_type, item_id = n.get("kind"), n.get("caseId"), n.get("itemType"), n.get("itemId")
    if kind in _ORG_KINDS and item_type == "org" and isinstance(item_id, str):
        wanted.orgs[(item_id, f"member-{reader_id}")] = None
        wanted.orgs[(item_id, "org")] = None
    if not isinstance(case_id, str) or not case_id:
        return
    wanted.case(case_id, "case")
    if kind in _ORG_KINDS:
        return  # an admin takes no part in the case: only its summary is read
    wanted.case(case_id, f"participant-{reader_id}")
    if kind in _ITEM_KINDS and item_type in ITEM_TYPES and isinstance(item_id, str):
        wanted.case(case_id, f"{item_type}-{item_id}")
        wanted.case(case_id, grant_id(item_type, item_id, reader_id))
    elif kind == "message" and isinstance(item_id, str):
        wanted.case(case_id, f"thread-{item_id}")


def _facts(
    n: Item,
    reader_id: str,
    cases: dict[tuple[str, str], Item],
    orgs: dict[tuple[str, str], Item],
    now: datetime,
) -> _Facts:
    kind, case_id, item_type, item_id = n.get("kind"), n.get("caseId"), n.get("itemType"), n.get("itemId")
    facts = _Facts()
    case = cases.get((str(case_id), "case")) if case_id else None
    if kind in _ORG_KINDS:
        admin = orgs.get((str(item_id), f"member-{reader_id}"))
        facts.available = admin is not None and "org_admin" in admin.get("roles", [])
        if facts.available:
            facts.org_name = _str((orgs.get((str(item_id), "org")) or {}).get("name"))
            facts.actor_id = _str(n.get("actorId"))
            facts.employee_id = _str(case.get("employeeUserId")) if case else None
        return facts
    if not case_id:
        return facts  # about the reader alone (their export): nothing to resolve
    me = cases.get((str(case_id), f"participant-{reader_id}"))
    if me is None or me.get("status") != "active" or case is None:
        facts.available = False
        return facts
    employee = _str(case.get("employeeUserId"))
    facts.own_case = employee == reader_id
    facts.employee_id = None if facts.own_case else employee
    if kind in _ITEM_KINDS:
        item = cases.get((str(case_id), f"{item_type}-{item_id}"))
        grant = cases.get((str(case_id), grant_id(str(item_type), str(item_id), reader_id)))
        facts.available = _viewable(item, grant, str(item_type), reader_id, now)
        if facts.available and item is not None:
            facts.actor_id = _str(item.get("ownerId"))
            sealed = _TITLES.get(str(item_type))
            facts.sealed = (item, sealed) if sealed and item.get(f"{sealed}Sealed") else None
    elif kind == "message":
        thread = cases.get((str(case_id), f"thread-{item_id}"))
        facts.available = (
            thread is not None and thread.get("type") == "thread" and reader_id in thread.get("members", {})
        )
        if facts.available and thread is not None:
            sender = _str(n.get("actorId"))
            was_member = sender in thread.get("members", {}) or sender in thread.get("former", {})
            facts.actor_id = sender if was_member else None
            facts.sealed = (thread, "subject") if thread.get("subjectSealed") else None
    return facts


def _viewable(item: Item | None, grant: Item | None, item_type: str, reader_id: str, now: datetime) -> bool:
    """``shared.access.items.viewable`` on items already read (the participation is checked)."""
    if item is None or item.get("type") != item_type:
        return False
    if item.get("ownerId") == reader_id:
        return True
    return (
        grant is not None
        and grant.get("type") == "grant"
        and grant_counts(grant, now)
        and grant.get("ownerId") == item.get("ownerId")
    )


def _read(ports: Ports, container: str, keys: dict[tuple[str, str], None]) -> dict[tuple[str, str], Item]:
    wanted = list(keys)
    found: dict[tuple[str, str], Item] = {}
    for start in range(0, len(wanted), MAX_READ_MANY):
        found.update(ports.store.read_points(container, wanted[start : start + MAX_READ_MANY]))
    return found


def _names(ports: Ports, user_ids: Iterable[str]) -> dict[str, str]:
    """The people's names from their profiles (a deleted account has none: no name shown)."""
    keys = {(user_id, "profile"): None for user_id in user_ids}
    return {
        key[0]: str(item["name"]) for key, item in _read(ports, "users", keys).items() if item.get("name")
    }


def _title(ports: Ports, sealed: tuple[Item, str]) -> str | None:
    item, field_name = sealed
    with contextlib.suppress(KeyUnavailable):  # the case's keys are gone: it is being purged
        return ports.cipher.decrypt_field(
            item["caseId"], "cases", item["id"], field_name, item[f"{field_name}Sealed"]
        )
    return None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
