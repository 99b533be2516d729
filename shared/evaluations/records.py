"""Doctor evaluations and employer feedback (SPEC journeys 7, 11; issue 16): records *about the
employee*, written by a doctor / an employer contact of the case, kept with every version.

One record is one registry item ``cases`` [caseId] ``<kind>-<id>`` (``evaluation`` /
``feedback``) owned by its author. Its content lives in ``versions``: each version's fields are
sealed together with the case key (AAD = the item and ``v<n>``), so nothing of it is readable at
rest. An amendment (``If-Match`` required) appends a version; nothing is edited in place, and
every view says ``corrected`` once a record has more than one version (with the history on
the single read). See docs/decisions/026-evaluations-and-feedback.md.

Who sees a record: its author; **the case's employee, always** (their right of access, SPEC
§2.7) — a grant written in the same batch as the record, marked ``subject``, that the author can
neither revoke nor change (:func:`shared.sharing.grants.share` refuses it); and the recipients the
author chooses, with the generic grants (``shared.sharing``). Everything that decides visibility
(the access check, the lists, "see what X sees", the dashboards) therefore reads the same grants.

:func:`visible` is "the evaluations and feedback this viewer may see now" — the dashboards and
the PDF report (issue 17) read them through it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from shared.access.caller import Caller
from shared.access.items import ID, grant_id
from shared.cases.participants import open_case
from shared.effects import case_audit_op, commit, commit_item, record_case_listing
from shared.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied
from shared.item_types import REGISTRY, ItemType
from shared.items import kernel
from shared.notifications import notify
from shared.paging import Paged, Window
from shared.ports import MAX_READ_MANY, BatchOperation, Item, Ports, Query
from shared.reflections.reflections import InvalidRange, today
from shared.reflections.series import (
    FEEDBACK_POLARITY,
    FEEDBACK_SCALES,
    Evaluated,
    capacity_steps,
    scale_series,
)
from shared.sharing import NotAParticipant, case_items, visible_items

__all__ = [
    "EVALUATION",
    "FEEDBACK",
    "FEEDBACK_SCALES",
    "HORIZON_YEARS",
    "MAX_RECIPIENTS",
    "MAX_TEXT",
    "MAX_VERSIONS",
    "DateInPast",
    "DateOutOfRange",
    "DiagnosisNotAllowed",
    "EmptyFeedback",
    "FeedbackDateInFuture",
    "TooManyCorrections",
    "Visible",
    "amend",
    "create",
    "dashboard",
    "export_owned",
    "listing_page",
    "purge_case",
    "read",
    "validate_evaluation",
    "validate_feedback",
    "views_of",
    "visible",
]

EVALUATION = REGISTRY["evaluation"]
FEEDBACK = REGISTRY["feedback"]
MAX_TEXT = 4000
#: Versions one record keeps (an amendment beyond it is refused: the item stays small).
MAX_VERSIONS = 50
#: Recipients one create names (a case has a handful of participants).
MAX_RECIPIENTS = 20
#: A field name that would carry a diagnosis: refused wherever it appears.
DIAGNOSIS = re.compile(r"diagnos|icd", re.IGNORECASE)
_ALLOWED_CONTROLS = {"\n", "\t"}
#: Who writes which kind (the access table says the same for the routes).
AUTHOR_ROLE = {"evaluation": "doctor", "feedback": "employer"}
#: Every day of a record lies within this many years of today (a typo such as 9999 would
#: otherwise be stored, and the capacity line of every dashboard and report would fail on it).
HORIZON_YEARS = 5


class DiagnosisNotAllowed(InvalidInput):
    """A diagnosis does not belong in an evaluation (nor in feedback): no such field exists."""

    code = "diagnosis_not_allowed"


class DateInPast(InvalidInput):
    code = "date_in_past"


class DateOutOfRange(InvalidInput):
    code = "date_out_of_range"


class FeedbackDateInFuture(InvalidInput):
    code = "feedback_date_in_future"


class EmptyFeedback(InvalidInput):
    code = "empty_feedback"


class TooManyCorrections(Conflict):
    code = "too_many_corrections"


# -- validation ------------------------------------------------------------------------------------


def refuse_diagnosis(fields: Mapping[str, object]) -> None:
    """``DiagnosisNotAllowed`` naming the first diagnosis-like field name."""
    for name in fields:
        if DIAGNOSIS.search(str(name)):
            raise DiagnosisNotAllowed("a diagnosis does not belong here", field=str(name))


def _text(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput("not a text", errors=[FieldError(field, "invalid_value")])
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    if len(text) > MAX_TEXT:
        raise InvalidInput("text too long", errors=[FieldError(field, "too_long", {"limit": MAX_TEXT})])
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in _ALLOWED_CONTROLS for c in text):
        raise InvalidInput("control characters", errors=[FieldError(field, "invalid_value")])
    return text if text.strip() else None


def _day(value: object, field: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("not a day", errors=[FieldError(field, "invalid_date")]) from None


def _years_from(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _within_horizon(ports: Ports, days: Mapping[str, date | None], kept: Mapping[str, object]) -> None:
    """``DateOutOfRange`` for the first day more than :data:`HORIZON_YEARS` from today; a day an
    amendment keeps unchanged (``kept``: the current version) is not judged again."""
    now = today(ports)
    earliest, latest = _years_from(now, -HORIZON_YEARS), _years_from(now, HORIZON_YEARS)
    for field, day in days.items():
        if day is not None and not earliest <= day <= latest and kept.get(field) != day.isoformat():
            raise DateOutOfRange("the day lies too far from today", field=field, years=HORIZON_YEARS)


def _whole(value: object, field: str, top: int) -> int | None:
    if value is None:
        return None
    if type(value) is not int or not 0 <= value <= top:
        raise InvalidInput("out of range", errors=[FieldError(field, "invalid_value")])
    return value


_EVALUATION_FIELDS = (
    "capacityPercent",
    "validFrom",
    "validTo",
    "restrictions",
    "recommendations",
    "nextReview",
)
_FEEDBACK_FIELDS = ("date", *FEEDBACK_SCALES, "text")


def _known(fields: Mapping[str, object], known: tuple[str, ...]) -> None:
    refuse_diagnosis(fields)
    unknown = [FieldError(name, "unknown_field") for name in fields if name not in known]
    if unknown:
        raise InvalidInput("unknown fields", errors=unknown)


def validate_evaluation(
    ports: Ports, fields: Mapping[str, object], *, current: Mapping[str, object] | None = None
) -> dict[str, Any]:
    """An evaluation as stored: capacity a whole 0–100 %, ``validFrom`` a day, ``validTo`` none or
    not before it, ``nextReview`` none or not in the past — a new version (``current``: the
    version it corrects) may keep a review day that has passed, not set a new one — every day
    within :data:`HORIZON_YEARS` of today, texts within :data:`MAX_TEXT`. No diagnosis, ever."""
    kept = current or {}
    _known(fields, _EVALUATION_FIELDS)
    capacity = fields.get("capacityPercent")
    if capacity is None or type(capacity) is not int or not 0 <= capacity <= 100:
        raise InvalidInput("capacity 0-100", errors=[FieldError("capacityPercent", "invalid_value")])
    valid_from = _day(fields.get("validFrom"), "validFrom")
    if valid_from is None:
        raise InvalidInput("validFrom is required", errors=[FieldError("validFrom", "missing")])
    valid_to = _day(fields.get("validTo"), "validTo")
    if valid_to is not None and valid_to < valid_from:
        raise InvalidRange("valid to lies before valid from", field="validTo")
    review = _day(fields.get("nextReview"), "nextReview")
    if review is not None and review < today(ports) and kept.get("nextReview") != review.isoformat():
        raise DateInPast("the next review lies in the past", field="nextReview")
    _within_horizon(ports, {"validFrom": valid_from, "validTo": valid_to, "nextReview": review}, kept)
    return {
        "capacityPercent": capacity,
        "validFrom": valid_from.isoformat(),
        "validTo": valid_to.isoformat() if valid_to else None,
        "restrictions": _text(fields.get("restrictions"), "restrictions"),
        "recommendations": _text(fields.get("recommendations"), "recommendations"),
        "nextReview": review.isoformat() if review else None,
    }


def validate_feedback(
    ports: Ports, fields: Mapping[str, object], *, current: Mapping[str, object] | None = None
) -> dict[str, Any]:
    """Feedback as stored: a day not ahead (nor more than :data:`HORIZON_YEARS` back), each scale
    a whole 0–10 or none, a text; at least one scale or the text."""
    _known(fields, _FEEDBACK_FIELDS)
    day = _day(fields.get("date"), "date")
    if day is None:
        raise InvalidInput("date is required", errors=[FieldError("date", "missing")])
    if day > today(ports):
        raise FeedbackDateInFuture("feedback is given for today or earlier", field="date")
    _within_horizon(ports, {"date": day}, current or {})
    scales = {name: _whole(fields.get(name), name, 10) for name in FEEDBACK_SCALES}
    text = _text(fields.get("text"), "text")
    if text is None and all(v is None for v in scales.values()):
        raise EmptyFeedback("give at least one scale or a text", field="attendance")
    return {"date": day.isoformat(), **scales, "text": text}


_VALIDATE: dict[str, Callable[..., dict[str, Any]]] = {
    "evaluation": validate_evaluation,
    "feedback": validate_feedback,
}


# -- sealing ---------------------------------------------------------------------------------------


def _seal(ports: Ports, item: Item, number: int, content: Mapping[str, Any]) -> str:
    text = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return kernel.seal_field(ports, item["caseId"], item["id"], f"v{number}", text)


def _open(ports: Ports, item: Item, version: Mapping[str, Any]) -> dict[str, Any]:
    text = ports.cipher.decrypt_field(
        item["caseId"], "cases", item["id"], f"v{version['version']}", version["sealed"]
    )
    opened: dict[str, Any] = json.loads(text)
    return opened


# -- views -----------------------------------------------------------------------------------------


def view(
    ports: Ports, kind: ItemType, item: Item, viewer_id: str, *, history: bool = False
) -> dict[str, Any]:
    """The record as a viewer gets it: its current content, ``version`` and ``corrected``; the
    single read adds ``history`` (every version, newest first)."""
    versions = item["versions"]
    current = versions[-1]
    result = kernel.base_view(ports, kind, item, viewer_id)
    result.update(_open(ports, item, current))
    result.update(
        subjectId=item.get("subjectId"),
        version=current["version"],
        corrected=current["version"] > 1,
        correctedAt=current["at"] if current["version"] > 1 else None,
    )
    if history:
        result["history"] = [
            {"version": v["version"], "at": v["at"], **_open(ports, item, v)} for v in reversed(versions)
        ]
    return result


def views_of(ports: Ports, kind: ItemType, items: list[Item], user_id: str) -> list[dict[str, Any]]:
    return [view(ports, kind, item, user_id) for item in items]


# -- writing ---------------------------------------------------------------------------------------


def _author(ports: Ports, caller: Caller, kind: ItemType, case_id: str) -> Item:
    """The open case, if the caller writes this kind in it (the access table already says so
    for the routes; services called otherwise check it here too)."""
    case = open_case(ports, case_id, caller)
    role = caller.case_role(case_id)
    if role is None:
        found = ports.store.read_many("cases", case_id, [f"participant-{caller.actor}"])
        member = found.get(f"participant-{caller.actor}")
        role = member.get("role") if member and member.get("status") == "active" else None
    if role != AUTHOR_ROLE[kind.name]:
        raise PermissionDenied(f"only a {AUTHOR_ROLE[kind.name]} of the case writes this")
    return case


def _grant(kind: ItemType, item: Item, grantee_id: str, now: datetime, *, subject: bool) -> Item:
    return {
        "id": grant_id(kind.name, item[kind.id_field], grantee_id),
        "caseId": item["caseId"],
        "type": "grant",
        "itemType": kind.name,
        "itemId": item[kind.id_field],
        "ownerId": item["ownerId"],
        "granteeId": grantee_id,
        "expiresAt": None,
        "subject": subject,
        "createdAt": now.isoformat(),
        "updatedAt": now.isoformat(),
    }


def create(
    ports: Ports,
    caller: Caller,
    kind: ItemType,
    case_id: str,
    fields: Mapping[str, object],
    *,
    recipients: list[str],
) -> dict[str, Any]:
    """A new record by the case's doctor (evaluation) / employer contact (feedback): the item, the
    employee's grant and one grant per chosen recipient, with their audit events, in one batch;
    then each of them is notified. A recipient who is no active participant: nothing stored."""
    case = _author(ports, caller, kind, case_id)
    content = _VALIDATE[kind.name](ports, fields)
    subject = case.get("employeeUserId")
    chosen = sorted({r for r in recipients if r not in (subject, caller.actor)})
    if len(recipients) > MAX_RECIPIENTS:
        raise InvalidInput("too many recipients", field="recipients", limit=MAX_RECIPIENTS)
    if any(not ID.fullmatch(r) for r in chosen):
        raise NotAParticipant("recipients must be active participants", field="recipients")
    if chosen:
        found = ports.store.read_many("cases", case_id, [f"participant-{r}" for r in chosen])
        active = {str(p["userId"]) for p in found.values() if p.get("status") == "active"}
        if set(chosen) - active:
            raise NotAParticipant("recipients must be active participants", field="recipients")
    item, case = kernel.new_item(ports, caller, kind, case_id, sealed={}, plain={"subjectId": subject})
    now = ports.clock.now()
    item["versions"] = [{"version": 1, "at": now.isoformat(), "sealed": _seal(ports, item, 1, content)}]
    steps = [BatchOperation("create", item=item)]
    audits = [kernel_audit(caller, kind, f"{kind.target_type}:create", item, now=now, case=case)]
    grantees = ([subject] if subject and subject != caller.actor else []) + chosen
    for grantee in grantees:
        grant = _grant(kind, item, grantee, now, subject=grantee == subject)
        steps.append(BatchOperation("create", item=grant))
        audits.append(
            case_audit_op(
                caller,
                "item:share",
                case_id=case_id,
                target_type="grant",
                target_id=grant["id"],
                owner_id=caller.actor,
                now=now,
            )
        )
    [stored, *_] = commit(ports.store, "cases", case_id, steps, audits)
    if stored is None:
        raise NotFound("the record was not stored")
    for grantee in grantees:
        notify(ports, grantee, kind.share_notice, case_id=case_id, item_type=kind.name,
               item_id=item[kind.id_field], actor_id=caller.actor)  # fmt: skip
    return view(ports, kind, stored, caller.actor, history=True)


def kernel_audit(
    caller: Caller, kind: ItemType, action: str, item: Item, *, now: datetime, case: Item
) -> BatchOperation:
    return case_audit_op(
        caller,
        action,
        case_id=item["caseId"],
        target_type=kind.target_type,
        target_id=item[kind.id_field],
        owner_id=item["ownerId"],
        org_id=case.get("orgId"),
        now=now,
    )


def amend(
    ports: Ports,
    caller: Caller,
    kind: ItemType,
    case_id: str,
    item_id: str,
    *,
    fields: Mapping[str, object],
    if_match: str,
) -> dict[str, Any]:
    """A new version of the caller's record, if ``if_match`` is still its ETag; everyone who
    sees it (the employee, the recipients) is notified that it was corrected."""
    case = open_case(ports, case_id, caller)
    item = kernel.owned(ports, caller, kind, case_id, item_id)
    versions = list(item["versions"])
    content = _VALIDATE[kind.name](ports, fields, current=_open(ports, item, versions[-1]))
    if len(versions) >= MAX_VERSIONS:
        raise TooManyCorrections("this record has as many versions as it can keep", limit=MAX_VERSIONS)
    now = ports.clock.now()
    number = int(versions[-1]["version"]) + 1
    versions.append({"version": number, "at": now.isoformat(), "sealed": _seal(ports, item, number, content)})
    changed = {**item, "versions": versions, "updatedAt": now.isoformat()}
    audit = kernel_audit(caller, kind, f"{kind.target_type}:amend", changed, now=now, case=case)
    step = BatchOperation("replace", item=changed, if_match=if_match)
    stored = commit_item(ports.store, "cases", case_id, step, [audit])
    grants = ports.store.query(
        "cases",
        case_id,
        Query(equals={"type": "grant", "itemType": kind.name, "itemId": item_id}, limit=MAX_READ_MANY),
    ).items
    for grant in grants:
        if grant.get("ownerId") == caller.actor:
            notify(ports, str(grant["granteeId"]), f"{kind.name}_corrected", case_id=case_id,
                   item_type=kind.name, item_id=item_id, actor_id=caller.actor)  # fmt: skip
    return view(ports, kind, stored, caller.actor, history=True)


# -- reading ---------------------------------------------------------------------------------------


def read(ports: Ports, caller: Caller, kind: ItemType, case_id: str, item_id: str) -> dict[str, Any]:
    """One record with its history (author, employee, recipients); audited for its author."""
    item = kernel.read(ports, caller, kind, case_id, item_id)
    return view(ports, kind, item, caller.actor, history=True)


def listing_page(
    ports: Ports, caller: Caller, kind: ItemType, case_id: str, window: Window
) -> Paged[dict[str, Any]]:
    """One page of the records the caller may see, newest first; audited once per page."""
    page = kernel.listing_page(ports, caller, kind, case_id, window)
    return Paged(views_of(ports, kind, page.items, caller.actor), page.after)


@dataclass(frozen=True)
class Visible:
    """What one viewer may see now: views (current version, ``corrected``), oldest first."""

    evaluations: list[dict[str, Any]]
    feedback: list[dict[str, Any]]


def visible(ports: Ports, case_id: str, viewer_id: str, *, participant_known: bool = False) -> Visible:
    """**The evaluations and feedback ``viewer_id`` may see now** in the case: their own, the
    employee's always, and those shared with them by a live grant — the same rule as every other
    read (the dashboards and the PDF report use this one function). A few store calls per type
    (own, grants, one ``read_many`` per 100), whatever else the case holds. ``participant_known``:
    the caller's access check established that the viewer takes part in the case (else read)."""
    return Visible(
        evaluations=views_of(
            ports,
            EVALUATION,
            visible_items(ports, case_id, viewer_id, EVALUATION.name, participant_known=participant_known),
            viewer_id,
        ),
        feedback=views_of(
            ports,
            FEEDBACK,
            visible_items(ports, case_id, viewer_id, FEEDBACK.name, participant_known=participant_known),
            viewer_id,
        ),
    )


def dashboard(ports: Ports, caller: Caller, case_id: str, first: date, last: date) -> dict[str, Any]:
    """The dashboard's evaluations and feedback from what the caller may see now
    (:func:`visible`), computed by :mod:`shared.reflections.series`: work capacity over time as
    a step line (``capacity``), the evaluations in force during the period, the feedback of the
    period (newest first) and its scales' series and trends. Records someone else wrote are
    audited as one read (for the case's employee), as a list is."""
    seen = visible(ports, case_id, caller.actor, participant_known=caller.case_role(case_id) is not None)
    evaluated = [
        Evaluated(
            date.fromisoformat(e["validFrom"]),
            date.fromisoformat(e["validTo"]) if e["validTo"] else None,
            int(e["capacityPercent"]),
            str(e["id"]),
            int(e["version"]),
        )
        for e in seen.evaluations
    ]
    steps = capacity_steps(evaluated, first, last)
    shown = {step.evaluation_id for step in steps}
    evaluations = [e for e in reversed(seen.evaluations) if e["id"] in shown]
    feedback = [f for f in reversed(seen.feedback) if first.isoformat() <= f["date"] <= last.isoformat()]
    by_day: dict[date, dict[str, int | None]] = {}
    for entry in reversed(feedback):  # oldest first: of two on one day, the newer one counts
        by_day[date.fromisoformat(entry["date"])] = {name: entry[name] for name in FEEDBACK_SCALES}
    if any(not r["mine"] for r in [*evaluations, *feedback]):
        record_case_listing(
            ports.store, caller, "evaluation:dashboard", case_id=case_id, now=ports.clock.now()
        )
    return {
        "capacity": [step.to_json() for step in steps],
        "evaluations": evaluations,
        "feedback": sorted(feedback, key=lambda f: (f["date"], f["id"]), reverse=True),
        "feedbackScales": [s.to_json() for s in scale_series(by_day, FEEDBACK_SCALES, FEEDBACK_POLARITY)],
    }


# -- the purge and the export ----------------------------------------------------------------------


def purge_case(ports: Ports, kind: ItemType, case_id: str) -> int:
    return kernel.purge_case(ports, kind, case_id)


def export_owned(ports: Ports, kind: ItemType, case_id: str, user_id: str) -> list[dict[str, Any]]:
    """What ``user_id`` wrote and — for the employee — what was written about them (their right
    of access), each with every version ("download my data"), oldest first."""
    found = {i["id"]: i for i in kernel.export_owned(ports, kind, case_id, user_id)}
    found.update({i["id"]: i for i in case_items(ports, case_id, {"type": kind.name, "subjectId": user_id})})
    return [view(ports, kind, found[key], user_id, history=True) for key in sorted(found)]
