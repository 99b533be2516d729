"""PDF reports (issue 17, shared/reports) on the memory store with a manual clock: the text of
real PDFs (pypdf) holds every shared value's marker and none of the unshared ones, the watermark
and "page X of Y" on every page, German labels in a DE report, Latin names with the font
embedded; the chart page rendered to PNG (pypdfium2) has the chart's pixels; bad periods change
nothing; the authenticity record, the audit event and the verification (same answer for a wrong
code and an unknown id, throttled); the purge removes the lookup records."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest

from shared import bootstrap
from shared.access.caller import Caller
from shared.adapters.local_blob import LocalBlobStore
from shared.adapters.local_keys import LocalKeyFile
from shared.adapters.memory import MemoryStore
from shared.adapters.outbox import OutboxMailer
from shared.cases import plan
from shared.documents import documents
from shared.errors import InvalidInput, NotFound, TooManyRequests
from shared.ports import Ports, Query
from shared.reflections import reflections as refl
from shared.reports import reports
from shared.sharing import share
from tests.fakes import ManualClock

C = "c1"
EMP, DOC, BOSS, CM = "emp", "doc", "boss", "cm"
NAMES = {EMP: "Łukasz Ærø", DOC: "Dr. Đorđević Müller", BOSS: "Boss", CM: "Case Manager"}
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 10:00 in Zurich
DAYS = 20


@pytest.fixture
def ports(tmp_path: Path) -> Iterator[Ports]:
    clock = ManualClock(START - timedelta(days=DAYS))
    wired = bootstrap.use(
        store=MemoryStore(clock),
        blobs=LocalBlobStore(tmp_path / "blobs"),
        key_ring=LocalKeyFile(tmp_path / "keys" / "kek.json"),
        mailer=OutboxMailer(tmp_path / "outbox"),
        clock=clock,
    )
    wired.store.create(
        "cases",
        {"id": "case", "caseId": C, "type": "case", "orgId": "o1", "status": "open", "employeeUserId": EMP},
    )
    for user_id, role in ((EMP, "employee"), (DOC, "doctor"), (BOSS, "employer"), (CM, "case_manager")):
        wired.store.create(
            "cases",
            {"id": f"participant-{user_id}", "caseId": C, "type": "participant", "userId": user_id,
             "role": role, "status": "active"},
        )  # fmt: skip
        wired.store.create(
            "users", {"id": "profile", "userId": user_id, "name": NAMES[user_id], "language": "en"}
        )
    wired.case_keys.create(C)
    yield wired
    bootstrap.reset()


def who(user_id: str) -> Caller:
    return Caller.user(user_id, "req-test")


def world(ports: Ports, *, from_date: date | None, include_text: bool) -> None:
    """Twenty daily entries (note "NOTE-<day>"), a plan stage, a shared and an unshared document;
    the series shared with the doctor from ``from_date``."""
    clock = ports.clock
    assert isinstance(clock, ManualClock)
    for i in range(DAYS):
        day = clock.now().astimezone(refl.ZURICH).date()
        scales = {s: (i % 10) for s in ("wellbeing", "energy", "pain", "stress", "sleep", "workload")}
        refl.put_entry(ports, who(EMP), C, day.isoformat(), scales=scales, texts={"note": f"NOTE-{day}"},
                       if_match=None, if_none_match="*")  # fmt: skip
        clock.advance(days=1)
    plan.create_stage(
        ports,
        who(CM),
        C,
        {"fromDate": date(2026, 11, 16), "workloadPercent": 40, "tasks": "TASK-SECRET", "nextReview": None},
    )
    shared = documents.upload(ports, who(EMP), C, data=b"x\n", declared_type="text/plain", file_name="a.txt",
                              title="DOC-SHARED Arztzeugnis", category="medical_certificate")  # fmt: skip
    documents.upload(ports, who(EMP), C, data=b"y\n", declared_type="text/plain", file_name="b.txt",
                     title="DOC-PRIVATE", category="other")  # fmt: skip
    share(ports, who(EMP), C, "doc", shared["id"], grantee_id=DOC, expires_at=None)
    series = refl.find_series(ports, who(EMP), C)["id"]
    share(ports, who(EMP), C, "reflection_series", series, grantee_id=DOC, expires_at=None,
          from_date=from_date, include_text=include_text)  # fmt: skip


def make(ports: Ports, user_id: str, **options: Any) -> reports.Report:
    today = ports.clock.now().astimezone(refl.ZURICH).date()
    options.setdefault("first", today - timedelta(days=60))
    options.setdefault("last", today)
    options.setdefault("language", "en")
    return reports.generate(ports, who(user_id), C, verify_url="https://casedesk.example/verify", **options)


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def flat(pdf: bytes) -> str:
    return "\n".join(pages(pdf))


def code_of(pdf: bytes) -> str:
    found = re.search(r"code ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2})", pages(pdf)[0])
    assert found, pages(pdf)[0]
    return found.group(1)


def pending_audits(ports: Ports) -> list[dict[str, Any]]:
    found = ports.store.query("cases", C, Query(equals={"type": "pending-effect"}, limit=1000)).items
    return [e["event"] for e in found if e.get("kind") == "audit"]


def directory_lookups(ports: Ports, report_id: str) -> dict[str, Any] | None:
    key = f"report-{report_id}"
    try:
        return ports.store.read("directory", key, key)
    except NotFound:
        return None


# -- content: only what the requester may see ------------------------------------------------------


def test_the_doctors_report_holds_what_is_shared_and_nothing_else(ports: Ports) -> None:
    today = START.astimezone(refl.ZURICH).date()
    visible_from = today - timedelta(days=9)  # the last 10 of 20 entries (the last one is today - 1)
    world(ports, from_date=visible_from, include_text=True)
    report = make(ports, DOC, recipient="Dr. Meier, GP", include_text=True)
    text = flat(report.pdf)
    assert "DOC-SHARED Arztzeugnis" in text and "DOC-PRIVATE" not in text
    assert "TASK-SECRET" not in text  # the plan's tasks are never in a report
    assert "40 %" in text  # the stage's workload
    assert "(9 entries)" in text  # entries from the share's fromDate on (today has none)
    shown = {m for m in re.findall(r"NOTE-(\d{4}-\d{2}-\d{2})", text)}
    assert shown == {(visible_from + timedelta(days=i)).isoformat() for i in range(9)}
    assert "Shared with you from" in text


def test_text_is_printed_only_where_the_share_includes_it_and_it_was_asked_for(ports: Ports) -> None:
    world(ports, from_date=None, include_text=False)
    assert "NOTE-" not in flat(make(ports, DOC, include_text=True).pdf)  # the share has no text
    own = flat(make(ports, EMP, include_text=True).pdf)
    assert own.count("NOTE-") == DAYS and "DOC-PRIVATE" in own  # the employee's own data
    assert "NOTE-" not in flat(make(ports, EMP).pdf)  # not asked for


def test_a_case_manager_without_a_share_gets_a_valid_report_that_says_so(ports: Ports) -> None:
    report = make(ports, CM)
    text = flat(report.pdf)
    assert report.pdf.startswith(b"%PDF-")
    assert "Nothing is shared with you" in text and "No reflections are shared with you" in text
    assert "You have no documents in this case, and none are shared with you" in text


def test_employers_and_outsiders_get_no_report(ports: Ports) -> None:
    world(ports, from_date=None, include_text=False)
    for user_id in (BOSS, "stranger"):
        with pytest.raises(NotFound):
            make(ports, user_id)
    assert reports.reports_of(ports, C) == []


# -- every page ------------------------------------------------------------------------------------


def test_watermark_marking_and_page_numbers_are_on_every_page(ports: Ports) -> None:
    world(ports, from_date=None, include_text=True)
    report = make(ports, DOC, recipient="Dr. Meier, GP", include_text=True)
    texts = pages(report.pdf)
    assert len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        assert NAMES[DOC] in text and "for Dr. Meier, GP" in text and "2026-11-30" in text
        assert f"Page {number} of {len(texts)}" in text and "CONFIDENTIAL" in text
        assert code_of(report.pdf) in text


def test_a_german_report_has_german_labels(ports: Ports) -> None:
    world(ports, from_date=None, include_text=False)
    texts = pages(make(ports, DOC, language="de").pdf)
    assert "Fallbericht" in texts[0] and "Zeitraum" in texts[0] and "30.11.2026" in texts[0]
    assert all("VERTRAULICH" in t and f"von {len(texts)}" in t and "Seite" in t for t in texts)
    whole = "\n".join(texts)
    assert (
        "Reflexionen" in whole
        and "Integrationsstufen" in whole
        and "Dokumente: Ihre und die mit Ihnen geteilten" in whole
    )
    assert "Page " not in whole and "Reflections" not in whole


def test_latin_names_render_with_the_font_embedded(ports: Ports) -> None:
    report = make(ports, DOC, recipient="Ærø, Łódź — Đurđevac")
    text = flat(report.pdf)
    for name in ("Đorđević", "Müller", "Ærø", "Łódź", "Đurđevac"):
        assert name in text
    reader = pypdf.PdfReader(io.BytesIO(report.pdf))
    fonts: Any = reader.pages[0]["/Resources"]["/Font"]  # type: ignore[index]  # a DictionaryObject
    embedded = set()
    for ref in fonts.values():
        font = ref.get_object()
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = descendant.get("/FontDescriptor")
        if descriptor is not None and "/FontFile2" in descriptor.get_object():
            embedded.add(str(font["/BaseFont"]).split("+")[-1])
    assert {"DejaVuSans", "DejaVuSans-Bold"} <= embedded


def test_the_chart_page_draws_the_weekly_means(ports: Ports) -> None:
    import pypdfium2

    from shared.reports.render import CHART_COLOR

    world(ports, from_date=None, include_text=False)
    report = make(ports, DOC)
    pdf = pypdfium2.PdfDocument(report.pdf)
    image = pdf[1].render(scale=1.5).to_pil().convert("RGB")  # page 2: the charts
    want = tuple(round(c * 255) for c in CHART_COLOR.rgb())
    width, height = image.size
    hits = [
        (x, y)
        for y in range(height)
        for x in range(width)
        if all(abs(a - b) <= 40 for a, b in zip(image.getpixel((x, y)), want, strict=True))
    ]
    assert len(hits) > 300
    xs, ys = [x for x, _ in hits], [y for _, y in hits]
    # Inside the page's content area (18 mm margins), and spread over the chart's width.
    assert min(xs) > width * 0.08 and max(xs) < width * 0.92 and min(ys) > height * 0.05
    assert max(xs) - min(xs) > width * 0.15
    blank = pypdfium2.PdfDocument(make(ports, CM).pdf)[1].render(scale=1.5).to_pil().convert("RGB")
    assert not any(
        all(abs(a - b) <= 40 for a, b in zip(blank.getpixel((x, y)), want, strict=True))
        for y in range(0, height, 2)
        for x in range(0, width, 2)
    )  # no chart where nothing is shared: the pixels above are the chart's, not the watermark's


# -- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "code"),
    [
        (date(2026, 11, 20), date(2026, 11, 10), "invalid_range"),
        (date(2021, 11, 29), date(2026, 11, 30), "range_too_long"),
        (date(2026, 11, 1), date(2026, 12, 1), "date_in_future"),
    ],
)
def test_bad_periods_are_refused_and_change_nothing(ports: Ports, first: date, last: date, code: str) -> None:
    ports.clock.advance(days=DAYS)  # type: ignore[attr-defined]
    before = len(pending_audits(ports))
    with pytest.raises(InvalidInput) as refused:
        make(ports, DOC, first=first, last=last)
    assert refused.value.code == code
    assert reports.reports_of(ports, C) == [] and len(pending_audits(ports)) == before


def test_five_years_are_allowed_and_language_and_recipient_are_checked(ports: Ports) -> None:
    ports.clock.advance(days=DAYS)  # type: ignore[attr-defined]
    make(ports, DOC, first=date(2021, 11, 30), last=date(2026, 11, 30))  # five years: the longest
    with pytest.raises(InvalidInput):
        make(ports, DOC, language="fr")
    with pytest.raises(InvalidInput):
        make(ports, DOC, recipient="line\nbreak")
    with pytest.raises(InvalidInput):
        make(ports, DOC, recipient="x" * 121)
    assert len(reports.reports_of(ports, C)) == 1


# -- authenticity ----------------------------------------------------------------------------------


def test_a_report_is_audited_with_its_hash_and_verifiable_by_id_and_code(ports: Ports) -> None:
    world(ports, from_date=None, include_text=False)
    blobs = sorted(ports.blobs.list(""))
    report = make(ports, DOC, recipient="Dr. Meier, GP")
    assert sorted(ports.blobs.list("")) == blobs  # the PDF is never stored
    digest = hashlib.sha256(report.pdf).hexdigest()
    (record,) = reports.reports_of(ports, C)
    assert record["sha256"] == digest and record["requesterRole"] == "doctor"
    assert "Meier" not in str(record)  # the recipient line is sealed
    events = [e for e in pending_audits(ports) if e["action"] == "report:create"]
    assert len(events) == 1 and events[0]["targetId"] == report.report_id
    assert digest in events[0]["reason"] and "Meier" not in str(events[0])
    lookup = directory_lookups(ports, report.report_id)
    assert lookup is not None
    assert {k for k in lookup if not k.startswith("_")} == {"id", "key", "type", "codeHash", "generatedOn",
                                                            "requesterRole"}  # fmt: skip
    assert C not in lookup.values() and DOC not in lookup.values()
    code = code_of(report.pdf)
    answer = reports.verify(ports, report.report_id, code.lower(), "client-1")
    assert answer == {"reportId": report.report_id, "generatedOn": "2026-11-30", "requesterRole": "doctor"}
    with pytest.raises(reports.ReportNotVerified) as wrong:
        reports.verify(ports, report.report_id, "AAAA-AAAA-AA", "client-1")
    with pytest.raises(reports.ReportNotVerified) as unknown:
        reports.verify(ports, "ABCDEFGHJKMN", code, "client-1")
    assert (str(wrong.value), wrong.value.code) == (str(unknown.value), unknown.value.code)


def test_verification_is_throttled(ports: Ports) -> None:
    report = make(ports, DOC)
    for _ in range(50):
        try:
            reports.verify(ports, report.report_id, "WRONGWRONG", "client-2")
        except reports.ReportNotVerified:
            continue
        except TooManyRequests:
            break
    else:
        pytest.fail("never throttled")
    with pytest.raises(TooManyRequests):  # locked: even the right code waits
        reports.verify(ports, report.report_id, code_of(report.pdf), "client-2")


def test_the_purge_removes_the_lookup_records(ports: Ports) -> None:
    first, second = make(ports, DOC), make(ports, EMP)
    assert reports.purge_case(ports, C) == 2
    assert (
        directory_lookups(ports, first.report_id) is None
        and directory_lookups(ports, second.report_id) is None
    )
    with pytest.raises(reports.ReportNotVerified):
        reports.verify(ports, first.report_id, code_of(first.pdf), "client-3")


def test_evaluations_and_feedback_are_printed_as_the_requester_may_see_them(ports: Ports) -> None:
    from shared.evaluations import records

    world(ports, from_date=None, include_text=False)
    fields = {"capacityPercent": 60, "validFrom": "2026-11-20", "restrictions": "EVAL-RESTRICT no lifting"}
    records.create(ports, who(DOC), records.EVALUATION, C, fields, recipients=[CM])
    records.create(ports, who(BOSS), records.FEEDBACK, C, {"date": "2026-11-25", "text": "FEEDBACK-PRIVATE"},
                   recipients=[])  # fmt: skip
    records.create(ports, who(BOSS), records.FEEDBACK, C,
                   {"date": "2026-11-26", "attendance": 7, "text": "FEEDBACK-SHARED"}, recipients=[DOC])  # fmt: skip
    doctor = flat(make(ports, DOC).pdf)
    assert "Work capacity from evaluations" in doctor and "60 %" in doctor and "EVAL-RESTRICT" in doctor
    assert "FEEDBACK-SHARED" in doctor and "Attendance: 7/10" in doctor and "FEEDBACK-PRIVATE" not in doctor
    manager = flat(make(ports, CM).pdf)
    assert "EVAL-RESTRICT" in manager and "FEEDBACK" not in manager
    employee = flat(make(ports, EMP, language="de").pdf)
    assert "Arbeitsfähigkeit aus Beurteilungen" in employee
    assert "FEEDBACK-PRIVATE" in employee and "FEEDBACK-SHARED" in employee and "EVAL-RESTRICT" in employee


def test_the_retention_purge_removes_the_reports_lookup_and_records(ports: Ports) -> None:
    from shared.retention import purge

    world(ports, from_date=None, include_text=False)
    report = make(ports, DOC)
    assert directory_lookups(ports, report.report_id) is not None
    case = ports.store.read("cases", C, "case")
    closed = {**case, "status": "closed", "closedAt": (START - timedelta(days=4 * 366)).isoformat()}
    ports.store.replace("cases", closed, if_match=case["_etag"])
    assert purge.purge_case(ports, C, ports.clock.now()) == "purged"
    assert directory_lookups(ports, report.report_id) is None
    assert reports.reports_of(ports, C) == []
    with pytest.raises(reports.ReportNotVerified):
        reports.verify(ports, report.report_id, code_of(report.pdf), "client-4")


# -- the audit of issue 17: dates as a reader of the paper takes them ------------------------------


def test_a_stage_ends_the_day_before_the_next_begins(ports: Ports) -> None:
    """The plan's ``to`` is the next stage's first day (exclusive): the paper says the last day."""
    ports.clock.advance(days=DAYS)  # type: ignore[attr-defined]
    for first_day, workload in ((date(2026, 11, 2), 20), (date(2026, 11, 16), 40)):
        plan.create_stage(ports, who(CM), C,
                          {"fromDate": first_day, "workloadPercent": workload, "tasks": "x", "nextReview": None})  # fmt: skip
    text = flat(make(ports, DOC).pdf)
    assert re.search(r"2026-11-02\s+2026-11-15\s+20 %", text), text  # table cells: one a line
    assert re.search(r"2026-11-16\s+open\s+40 %", text), text


def test_an_evaluation_prints_its_validity_and_next_review(ports: Ports) -> None:
    from shared.evaluations import records

    ports.clock.advance(days=DAYS)  # type: ignore[attr-defined]
    fields = {"capacityPercent": 60, "validFrom": "2026-11-20", "validTo": "2026-12-24",
              "nextReview": "2026-12-10"}  # fmt: skip
    records.create(ports, who(DOC), records.EVALUATION, C, fields, recipients=[CM])
    records.create(ports, who(DOC), records.EVALUATION, C,
                   {"capacityPercent": 0, "validFrom": "2026-11-01", "validTo": "2026-11-19"}, recipients=[CM])  # fmt: skip
    english = flat(make(ports, CM).pdf)
    assert "Valid: 2026-11-20 – 2026-12-24" in english and "Next review: 2026-12-10" in english
    assert "Valid: 2026-11-01 – 2026-11-19" in english
    german = flat(make(ports, CM, language="de").pdf)
    assert "Gültig: 20.11.2026 – 24.12.2026" in german and "Nächste Überprüfung: 10.12.2026" in german
    records.create(ports, who(DOC), records.EVALUATION, C, {"capacityPercent": 80, "validFrom": "2026-11-30"},
                   recipients=[CM])  # fmt: skip
    assert "Valid: from 2026-11-30, until further notice" in flat(make(ports, CM).pdf)


def test_reportlab_is_imported_by_a_report_not_by_the_app_or_the_route_modules() -> None:
    """Issue 17: only the report route pays reportlab's import cost (cold start is benchmarked)."""
    import subprocess
    import sys

    probe = (
        "import sys, function_app, functions.reports, functions.evaluations, functions.reflections; "
        "print(sorted(m for m in sys.modules if m.startswith(('reportlab', 'shared.reports.render'))))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_chart_page_draws_the_trend_line_too(ports: Ports) -> None:
    import pypdfium2

    from shared.reports.render import TREND_COLOR

    world(ports, from_date=None, include_text=False)
    want = tuple(round(c * 255) for c in TREND_COLOR.rgb())

    def trend_pixels(pdf: bytes) -> int:
        image = pypdfium2.PdfDocument(pdf)[1].render(scale=1.5).to_pil().convert("RGB")
        width, height = image.size
        return sum(  # tight: the red "Confidential" marking is near the trend's orange
            all(abs(a - b) <= 25 for a, b in zip(image.getpixel((x, y)), want, strict=True))
            for y in range(0, height, 2)
            for x in range(0, width, 2)
        )

    report = make(ports, DOC)
    assert any(f"trend {status}" in flat(report.pdf) for status in ("improving", "worsening", "stable"))
    assert trend_pixels(report.pdf) > 30  # the dashed trend line of each scale
    assert trend_pixels(make(ports, CM).pdf) == 0  # nothing shared: no trend drawn
