"""PDF reports (SPEC journey 12; docs/decisions/028-pdf-reports.md): what goes in, who may make
one, and how a paper copy is verified.

**Only what the requester may see now.** The reflections and the plan come through the
dashboard's own path (:func:`shared.reflections.reflections.visible`: the live share's window,
the series and trends of :mod:`shared.reflections.series`), the documents through the documents'
own listing (own and shared with the requester; titles and dates, never contents), free text only
where the window includes it *and* the requester asked for it. Nothing is re-derived here.

**Authenticity.** Every report gets an id and a short verification code, printed on every page.
Making it writes, in this order:

1. a *lookup record* in ``directory`` [``report-<id>``]: the SHA-256 of the code (salted with the
   id), the day it was made and the requester's role — no case id, no person, no content — so a
   verification is one point read by the id alone;
2. one batch in the case's partition: the report's record (``report-<id>``: requester, role,
   period, language, the PDF's SHA-256, the recipient line sealed with the case key) and the audit
   event ``report:create`` (actor, case, and in its one-line reason the period and the SHA-256 —
   ids and digests only, never content or a name). If the batch fails, the lookup record is
   removed again.

The PDF itself is never stored. :func:`verify` (a public, throttled route) answers only "made by
CaseDesk on <day> for <role>"; a wrong code and an unknown id get the same answer, codes are
compared in constant time, and an unknown id is compared against a dummy hash so that both take
the same time. The retention purge calls :func:`purge_case`, which removes the case's lookup
records (found through the report records in the case partition, which the purge's sweep of
the partition then removes).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from shared.access.caller import Caller
from shared.access.relations import participant
from shared.audit.events import AuditEvent
from shared.documents import documents
from shared.effects import audit_op, commit
from shared.errors import InvalidInput, NotFound
from shared.i18n import LANGUAGES
from shared.identity import accounts
from shared.identity.throttle import LoginThrottle
from shared.paging import MAX_LIMIT, Window
from shared.ports import BatchOperation, Item, Ports, Query
from shared.reflections import reflections
from shared.reflections.reflections import ZURICH, DateInFuture, InvalidRange, RangeTooLong, Visible
from shared.reflections.series import ScaleSeries

__all__ = [
    "EVALUATIONS_HOOK",
    "MAX_RECIPIENT",
    "MAX_REPORT_YEARS",
    "REPORT_ROLES",
    "CapacityLine",
    "EvaluationSections",
    "RecordLine",
    "Report",
    "ReportContent",
    "ReportNotVerified",
    "evaluations_of",
    "gather",
    "generate",
    "normalise_code",
    "purge_case",
    "reports_of",
    "verify",
]

#: Who may make a report (SPEC §3; the access table says the same for the route).
REPORT_ROLES = ("employee", "case_manager", "doctor")
#: The longest period a report covers: five years back from its last day (that day included).
MAX_REPORT_YEARS = 5
#: The recipient line the requester may type for the watermark ("Dr. Meier, GP").
MAX_RECIPIENT = 120
#: Report ids and codes are typed from paper: no 0/O, 1/I/L.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_ID_LENGTH, _CODE_LENGTH = 12, 10
_TOKEN = re.compile(f"[{_ALPHABET}]+")
LOOKUP_TYPE, RECORD_TYPE = "report-lookup", "report"
_DUMMY_HASH = hashlib.sha256(b"casedesk-report-no-such-id").hexdigest()


class ReportNotVerified(NotFound):
    """A verification that failed: unknown id and wrong code alike (nothing else is said)."""

    code = "report_not_verified"


@dataclass(frozen=True)
class DocumentLine:
    title: str
    category: str
    owner_role: str
    updated_on: date
    mine: bool


@dataclass(frozen=True)
class CapacityLine:
    start: date
    end: date | None  # exclusive; None: until further notice
    percent: int


@dataclass(frozen=True)
class RecordLine:
    """One evaluation (a doctor's) or one piece of feedback (the employer's) as the report lists it."""

    kind: str  # "evaluation" | "feedback"
    day: date  # an evaluation's first valid day; the feedback's day
    corrected: bool
    percent: int | None = None
    valid_to: date | None = None  # inclusive; None: until further notice
    next_review: date | None = None
    restrictions: str | None = None
    recommendations: str | None = None
    scales: dict[str, int | None] = field(default_factory=dict)
    text: str | None = None


@dataclass(frozen=True)
class EvaluationSections:
    """Work capacity from the evaluations and the evaluations and feedback the requester may see."""

    work_capacity: list[CapacityLine] = field(default_factory=list)
    records: list[RecordLine] = field(default_factory=list)


def evaluations_of(ports: Ports, caller: Caller, case_id: str, first: date, last: date) -> EvaluationSections:
    """Issue 16's evaluations and feedback through its one "what may this viewer see now" path
    (:func:`shared.evaluations.records.dashboard`, which audits the read as the dashboard does)."""
    from shared.evaluations import records  # noqa: PLC0415 - issue 16's service, when a report is made

    seen = records.dashboard(ports, caller, case_id, first, last)
    capacity = [
        CapacityLine(
            date.fromisoformat(step["from"]),
            date.fromisoformat(step["to"]) if step["to"] else None,
            int(step["capacityPercent"]),
        )
        for step in seen["capacity"]
    ]
    lines = [
        RecordLine(
            "evaluation",
            date.fromisoformat(e["validFrom"]),
            bool(e.get("corrected")),
            percent=e.get("capacityPercent"),
            valid_to=date.fromisoformat(e["validTo"]) if e.get("validTo") else None,
            next_review=date.fromisoformat(e["nextReview"]) if e.get("nextReview") else None,
            restrictions=e.get("restrictions"),
            recommendations=e.get("recommendations"),
        )
        for e in seen["evaluations"]
    ]
    lines += [
        RecordLine(
            "feedback",
            date.fromisoformat(f["date"]),
            bool(f.get("corrected")),
            scales={name: f.get(name) for name in records.FEEDBACK_SCALES},
            text=f.get("text"),
        )
        for f in seen["feedback"]
    ]
    return EvaluationSections(capacity, sorted(lines, key=lambda line: line.day))


#: Where the report reads evaluations and feedback (issue 16). ``None`` leaves both sections out
#: of the report cleanly (no heading, no invented content) — the switch if that service is absent.
EVALUATIONS_HOOK: Callable[[Ports, Caller, str, date, date], EvaluationSections] | None = evaluations_of


@dataclass(frozen=True)
class ReportContent:
    """Everything a report shows; :mod:`shared.reports.render` draws exactly this."""

    report_id: str
    code: str
    case_id: str
    first: date
    last: date
    language: str
    requester_name: str
    requester_role: str
    recipient: str | None
    generated_at: datetime
    access: str  # the reflections window: owner / shared / none
    visible_from: date | None
    scales: list[ScaleSeries]
    plan: list[dict[str, Any]]
    documents: list[DocumentLine]
    documents_more: bool
    texts: list[dict[str, Any]]
    evaluations: EvaluationSections | None
    verify_url: str

    @property
    def has_shared_data(self) -> bool:
        return bool(
            any(s.points for s in self.scales)
            or self.plan
            or self.documents
            or self.texts
            or (self.evaluations and (self.evaluations.work_capacity or self.evaluations.records))
        )


@dataclass(frozen=True)
class Report:
    report_id: str
    pdf: bytes
    sha256: str
    file_name: str


# -- input -----------------------------------------------------------------------------------------


def check_period(ports: Ports, first: date, last: date) -> None:
    """``from`` ≤ ``to`` ≤ today (Europe/Zurich), ``from`` at most five years before ``to``."""
    if last > reflections.today(ports):
        raise DateInFuture("the period ends in the future", field="to")
    if first > last:
        raise InvalidRange("from lies after to", field="from")
    earliest = _years_before(last, MAX_REPORT_YEARS)
    if first < earliest:
        raise RangeTooLong("the period is too long", field="from", days=(last - earliest).days + 1)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def clean_recipient(value: str | None) -> str | None:
    """The recipient line as printed: one line, no control characters, at most 120 characters."""
    text = unicodedata.normalize("NFC", (value or "").strip())
    if not text:
        return None
    if len(text) > MAX_RECIPIENT or any(unicodedata.category(c).startswith("C") for c in text):
        raise InvalidInput("not a recipient line", field="recipient")
    return text


def _token(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def normalise_code(value: str) -> str:
    """What a person typed from paper: case, spaces and dashes do not matter."""
    return re.sub(r"[\s-]", "", value).upper()


def _code_hash(report_id: str, code: str) -> str:
    return hashlib.sha256(f"{report_id}:{code}".encode()).hexdigest()


def _lookup_key(report_id: str) -> str:
    return f"report-{report_id}"


# -- content ---------------------------------------------------------------------------------------


def _role(ports: Ports, caller: Caller, case_id: str) -> str:
    role = caller.case_role(case_id)
    if role is None:
        found = participant(ports.store, case_id, caller.actor)
        role = str(found["role"]) if found else None
    if role not in REPORT_ROLES:
        raise NotFound("no such case")  # the access table lets none else here; safe to call anyway
    return role


def gather(
    ports: Ports,
    caller: Caller,
    case_id: str,
    *,
    first: date,
    last: date,
    language: str,
    recipient: str | None,
    include_text: bool,
    verify_url: str,
) -> ReportContent:
    """What the report shows, read now for the caller: one pass over the same services the
    dashboard and the document list use (each audits its read as it always does)."""
    if language not in LANGUAGES:
        raise InvalidInput("not a language", field="language")
    check_period(ports, first, last)
    recipient = clean_recipient(recipient)
    role = _role(ports, caller, case_id)
    seen: Visible = reflections.visible(ports, caller, case_id, first, last, action="report:read")
    texts = reflections.visible_texts(ports, seen, first, last) if include_text else []
    page = documents.listing_page(ports, caller, case_id, Window(limit=MAX_LIMIT))
    lines = [
        DocumentLine(
            title=str(view["title"]),
            category=str(view["category"]),
            owner_role=str(view.get("ownerRole") or ""),
            updated_on=datetime.fromisoformat(str(view["updatedAt"])).astimezone(ZURICH).date(),
            mine=bool(view["mine"]),
        )
        for view in page.items
    ]
    evaluations = EVALUATIONS_HOOK(ports, caller, case_id, first, last) if EVALUATIONS_HOOK else None
    try:
        name = str(accounts.profile(ports.store, caller.actor).get("name") or "")
    except NotFound:
        name = ""
    return ReportContent(
        report_id=_token(_ID_LENGTH),
        code=_token(_CODE_LENGTH),
        case_id=case_id,
        first=first,
        last=last,
        language=language,
        requester_name=name,
        requester_role=role,
        recipient=recipient,
        generated_at=ports.clock.now().astimezone(ZURICH),
        access=seen.window.access,
        visible_from=seen.window.visible_from,
        scales=seen.scales,
        plan=seen.plan,
        documents=lines,
        documents_more=page.after is not None,
        texts=texts,
        evaluations=evaluations,
        verify_url=verify_url,
    )


def generate(
    ports: Ports,
    caller: Caller,
    case_id: str,
    *,
    first: date,
    last: date,
    language: str,
    recipient: str | None = None,
    include_text: bool = False,
    verify_url: str = "/verify",
) -> Report:
    """Make the report: gather, render, record its authenticity (module docstring). The PDF is
    handed back, never stored."""
    content = gather(
        ports,
        caller,
        case_id,
        first=first,
        last=last,
        language=language,
        recipient=recipient,
        include_text=include_text,
        verify_url=verify_url,
    )
    from shared.reports import render  # noqa: PLC0415 - reportlab: only a report pays for its import

    pdf = render.render(content)
    digest = hashlib.sha256(pdf).hexdigest()
    _record(ports, caller, content, digest)
    return Report(content.report_id, pdf, digest, f"casedesk-report-{content.first}-{content.last}.pdf")


def _record(ports: Ports, caller: Caller, content: ReportContent, digest: str) -> None:
    now = ports.clock.now()
    key = _lookup_key(content.report_id)
    ports.store.create(
        "directory",
        {
            "id": key,
            "key": key,
            "type": LOOKUP_TYPE,
            "codeHash": _code_hash(content.report_id, content.code),
            "generatedOn": content.generated_at.date().isoformat(),
            "requesterRole": content.requester_role,
        },
    )
    case_id = content.case_id
    record_id = f"{RECORD_TYPE}-{content.report_id}"
    sealed = (
        ports.cipher.encrypt_field(case_id, "cases", record_id, "recipient", content.recipient)
        if content.recipient
        else None
    )
    record: Item = {
        "id": record_id,
        "caseId": case_id,
        "type": RECORD_TYPE,
        "reportId": content.report_id,
        "requesterId": caller.actor,
        "requesterRole": content.requester_role,
        "from": content.first.isoformat(),
        "to": content.last.isoformat(),
        "language": content.language,
        "sha256": digest,
        "recipientSealed": sealed,
        "createdAt": now.isoformat(),
    }
    case = caller.case(case_id) or {}
    event = AuditEvent(
        actor=caller.actor,
        action="report:create",
        target_type="report",
        target_id=content.report_id,
        request_id=caller.request_id,
        case_id=case_id,
        org_id=case.get("orgId") or caller.decision.org_id,
        owner_id=case.get("employeeUserId"),
        reason=f"sha256={digest} period={content.first.isoformat()}/{content.last.isoformat()}",
        grant_id=caller.grant_id,
    )
    try:
        commit(
            ports.store,
            "cases",
            case_id,
            [BatchOperation("create", item=record)],
            [audit_op("cases", case_id, event, now)],
        )
    except Exception:
        with contextlib.suppress(NotFound):
            ports.store.delete("directory", key, key)
        raise


# -- verification ----------------------------------------------------------------------------------


def verify(ports: Ports, report_id: str, code: str, client_key: str) -> dict[str, str]:
    """ "Generated by CaseDesk on <day> for <role>" — or :class:`ReportNotVerified`, the same for an
    unknown id and a wrong code. Throttled per report id and per client (the login throttle:
    counted before the check, a success hands the attempt back)."""
    report_id, code = normalise_code(report_id), normalise_code(code)
    attempt = LoginThrottle(ports.store, ports.clock).attempt(f"report:{report_id}", client_key)
    found: Item | None = None
    if _TOKEN.fullmatch(report_id) and len(report_id) == _ID_LENGTH:
        with contextlib.suppress(NotFound):
            found = ports.store.read("directory", _lookup_key(report_id), _lookup_key(report_id))
    if found is not None and found.get("type") != LOOKUP_TYPE:
        found = None
    expected = str(found["codeHash"]) if found else _DUMMY_HASH
    matches = hmac.compare_digest(_code_hash(report_id, code).encode(), expected.encode())
    if not (matches and found is not None):
        attempt.failed()
        raise ReportNotVerified("no report with this id and code")
    attempt.passed()
    return {
        "reportId": report_id,
        "generatedOn": str(found["generatedOn"]),
        "requesterRole": str(found["requesterRole"]),
    }


# -- retention -------------------------------------------------------------------------------------


def purge_case(ports: Ports, case_id: str) -> int:
    """The case's lookup records (the retention purge, before it sweeps the case partition, which
    removes the report records themselves). Idempotent."""
    removed = 0
    continuation: str | None = None
    while True:
        page = ports.store.query(
            "cases", case_id, Query(equals={"type": RECORD_TYPE}, limit=100, continuation=continuation)
        )
        for item in page.items:
            key = _lookup_key(str(item["reportId"]))
            with contextlib.suppress(NotFound):
                ports.store.delete("directory", key, key)
                removed += 1
        continuation = page.continuation
        if continuation is None:
            return removed


def reports_of(ports: Ports, case_id: str) -> list[Item]:
    """The case's report records (tests, the purge)."""
    return ports.store.query("cases", case_id, Query(equals={"type": RECORD_TYPE}, limit=200)).items
