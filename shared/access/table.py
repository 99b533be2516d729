"""SPEC §3 as one declarative table: for each action, the grants that allow it.

A grant names a *relation* between the signed-in user and the route's target, and the roles
that relation must carry:

* ``self`` — the user acting on their own account (no roles);
* ``org`` — a staff membership in the organisation named by the route (``orgId``);
* ``case`` — an active participation in the case named by the route (``caseId``), in one of
  the roles;
* ``case_org`` — a staff membership in the organisation that owns the case (``caseId``): how
  org admins reach a case's *summary* (never its content) and its legal hold;
* ``org_all_cases`` — as ``org``, and the membership holds "access all cases" (break-glass staff);
* ``break_glass`` — a live break-glass grant on the case (``caseId``, 8 h, with its reason) while
  its holder, in one of the roles, still holds "access all cases" (shared/tempaccess/breakglass.py):
  the case summary and the integration plan, read-only — never an item;
* ``operator`` — the user is an active support operator (a platform account, issue 21/22);
* ``support`` — the user's own support grant named by the route (``grantId``) is live (approved,
  activated with a fresh second factor, not revoked, its window not over) and, if the route names
  a case (``caseId``), the case is in the grant's scope: the read-only views of shared/support —
  never an item, never an ordinary case or organisation route (those answer operators 404);
* ``item_owner`` — an active participation in the case, in one of the roles, *and* ownership of
  the item the route names (``docId``, ``noteId``: ``shared.access.items.ITEM_PARAMS``);
* ``item_viewer`` — as ``item_owner``, or holding an unexpired grant from the item's owner.

Items are private by default: no staff relation, no role, not even "access all cases", reaches
an item that is neither one's own nor shared with one.

Anything not granted here is denied. ``scripts/render_access.py`` renders this table into
``docs/access.md``; a test fails when that file is stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from shared.access.permissions import Action

__all__ = ["CASE_ROLES", "ORG_ROLES", "TABLE", "Grant", "Relation"]

Relation = Literal[
    "self",
    "org",
    "org_all_cases",
    "case",
    "case_org",
    "break_glass",
    "operator",
    "support",
    "item_owner",
    "item_viewer",
]
CASE_ROLES = ("employee", "case_manager", "employer", "doctor")
ORG_ROLES = ("org_admin", "case_manager")
ALL_PARTICIPANTS = CASE_ROLES


@dataclass(frozen=True)
class Grant:
    relation: Relation
    roles: tuple[str, ...] = ()
    #: False only where a user who has not accepted the current terms must still get through.
    needs_consent: bool = True


TABLE: Mapping[Action, tuple[Grant, ...]] = {
    Action.SESSION_USE: (Grant("self", needs_consent=False),),
    Action.CONSENT_WRITE: (Grant("self", needs_consent=False),),
    Action.PROFILE_MANAGE: (Grant("self"),),
    Action.STAFF_MANAGE: (Grant("org", ("org_admin",)),),
    Action.STAFF_READ: (Grant("org", ("org_admin",)),),
    Action.CASE_CREATE: (Grant("org", ("case_manager",)),),
    Action.CASES_LIST_MINE: (Grant("self"),),
    Action.ORGS_LIST_MINE: (Grant("self"),),
    Action.ORG_CASES_LIST: (Grant("org", ("org_admin",)), Grant("org_all_cases", ("case_manager",))),
    Action.CASE_READ: (
        Grant("case", ALL_PARTICIPANTS),
        Grant("case_org", ("org_admin",)),
        Grant("break_glass", ("case_manager",)),
    ),
    Action.PARTICIPANT_MANAGE: (Grant("case", ("case_manager",)),),
    Action.CASE_CLOSE: (Grant("case", ("case_manager",)),),
    Action.CASE_LEGAL_HOLD: (Grant("case_org", ("org_admin",)),),
    Action.PLAN_READ: (Grant("case", ALL_PARTICIPANTS), Grant("break_glass", ("case_manager",))),
    Action.PLAN_WRITE: (Grant("case", ("case_manager",)),),
    Action.AUDIT_READ: (Grant("org", ("org_admin",)),),
    # Break-glass (journey 17) and the temporary-access overview (issue 23).
    Action.BREAK_GLASS_OPEN: (Grant("org_all_cases", ("case_manager",)),),
    Action.TEMP_ACCESS_READ: (Grant("org", ("org_admin",)),),
    Action.TEMP_ACCESS_MANAGE: (Grant("org", ("org_admin",)),),
    Action.ACCESS_REVIEW_READ: (Grant("case_org", ("org_admin",)),),
    Action.ACCESS_REVIEW_MANAGE: (Grant("case_org", ("org_admin",)),),
    # Support access (journey 16, issue 22): operators accept no customer terms (their duties
    # are their employer's), so their routes do not wait for a consent they never give.
    Action.SUPPORT_REQUEST: (Grant("operator", needs_consent=False),),
    Action.SUPPORT_OWN: (Grant("operator", needs_consent=False),),
    Action.SUPPORT_VIEW: (Grant("support", ("operator",), needs_consent=False),),
    Action.SUPPORT_REQUESTS_READ: (Grant("org", ("org_admin",)),),
    Action.SUPPORT_DECIDE: (Grant("org", ("org_admin",)),),
    Action.AUDIT_READ_OWN: (Grant("self"),),
    Action.DOCUMENT_CREATE: (Grant("case", ALL_PARTICIPANTS),),
    Action.DOCUMENT_LIST: (Grant("case", ALL_PARTICIPANTS),),
    Action.DOCUMENT_READ: (Grant("item_viewer", ALL_PARTICIPANTS),),
    Action.DOCUMENT_WRITE: (Grant("item_owner", ALL_PARTICIPANTS),),
    Action.DOCUMENT_DELETE: (Grant("item_owner", ALL_PARTICIPANTS),),
    Action.NOTE_CREATE: (Grant("case", ALL_PARTICIPANTS),),
    Action.NOTE_LIST: (Grant("case", ALL_PARTICIPANTS),),
    Action.NOTE_READ: (Grant("item_viewer", ALL_PARTICIPANTS),),
    Action.NOTE_WRITE: (Grant("item_owner", ALL_PARTICIPANTS),),
    Action.NOTE_DELETE: (Grant("item_owner", ALL_PARTICIPANTS),),
    # Reflections belong to the case's employee; a participant reads only what a live share of
    # the series lets them see (checked per request by shared.reflections). A single entry is
    # the employee's alone: anyone else is told it does not exist (shared.reflections).
    Action.REFLECTION_LIST: (Grant("case", ALL_PARTICIPANTS),),
    Action.REFLECTION_READ: (Grant("case", ALL_PARTICIPANTS),),
    Action.REFLECTION_WRITE: (Grant("case", ("employee",)),),
    Action.REFLECTION_DELETE: (Grant("case", ("employee",)),),
    Action.REFLECTION_SERIES_FIND: (Grant("case", ALL_PARTICIPANTS),),
    Action.REFLECTION_SERIES_READ: (Grant("item_viewer", ALL_PARTICIPANTS),),
    Action.DASHBOARD_READ: (Grant("case", ALL_PARTICIPANTS),),
    # Evaluations and feedback (issue 16): written by the case's doctor / employer contact; read by
    # the author, the employee (a grant they always hold) and the author's chosen recipients.
    Action.EVALUATION_CREATE: (Grant("case", ("doctor",)),),
    Action.EVALUATION_LIST: (Grant("case", ALL_PARTICIPANTS),),
    Action.EVALUATION_READ: (Grant("item_viewer", ALL_PARTICIPANTS),),
    Action.EVALUATION_AMEND: (Grant("item_owner", ("doctor",)),),
    Action.FEEDBACK_CREATE: (Grant("case", ("employer",)),),
    Action.FEEDBACK_LIST: (Grant("case", ALL_PARTICIPANTS),),
    Action.FEEDBACK_READ: (Grant("item_viewer", ALL_PARTICIPANTS),),
    Action.FEEDBACK_AMEND: (Grant("item_owner", ("employer",)),),
    # Messaging (issue 18): active participants only; thread membership is checked by the service
    # (shared.messages): a thread one is not a member of does not exist. No org admin, no support.
    Action.MESSAGE_THREADS: (Grant("case", ALL_PARTICIPANTS),),
    Action.MESSAGE_START: (Grant("case", ALL_PARTICIPANTS),),
    Action.MESSAGE_READ: (Grant("case", ALL_PARTICIPANTS),),
    Action.MESSAGE_SEND: (Grant("case", ALL_PARTICIPANTS),),
    Action.MESSAGE_DELETE: (Grant("case", ALL_PARTICIPANTS),),
    Action.MESSAGE_MEMBERS: (Grant("case", ALL_PARTICIPANTS),),
    Action.ITEM_SHARE: (Grant("item_owner", ALL_PARTICIPANTS),),
    Action.ITEM_PREVIEW: (Grant("case", ALL_PARTICIPANTS),),
    Action.NOTIFICATIONS_OWN: (Grant("self"),),
    # A report shows only what its requester may see (shared.reports); not employers, not org admins.
    Action.REPORT_CREATE: (Grant("case", ("employee", "case_manager", "doctor")),),
    # Microsoft Entra ID (issue 21): one's own link and step-up; the organisation's tenant link.
    Action.ENTRA_LINK: (Grant("self"),),
    Action.ENTRA_STEP_UP: (Grant("self"),),
    Action.ORG_ENTRA_MANAGE: (Grant("org", ("org_admin",)),),
}
