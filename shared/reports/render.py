"""Drawing a report (:class:`shared.reports.reports.ReportContent`) as a PDF with reportlab.

Imported only by :func:`shared.reports.reports.generate` (reportlab costs ~100 ms to import; no
other route pays for it). Text is set in DejaVu Sans, embedded (subset) from
``shared/reports/fonts`` (copied from Debian's fonts-dejavu-core, licence beside it), so every
Latin name prints. Every page carries the "Confidential" marking, "page X of Y", the report id
and verification code, and the watermark: the requester's name, the day and the recipient line.
The charts are vector graphics (``reportlab.graphics``): the weekly means of each scale and the
trend line of :func:`shared.reflections.series.trend_line`, over the report's period.
"""

from __future__ import annotations

import functools
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from shared.i18n import translate
from shared.reflections.series import ScaleSeries, trend_line
from shared.reports.reports import RecordLine, ReportContent

__all__ = ["CHART_COLOR", "FONT", "FONT_BOLD", "render"]

FONTS = Path(__file__).with_name("fonts")
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
#: The weekly means' colour (tests look for it in the rendered chart page).
CHART_COLOR = colors.HexColor("#1F5FA8")
TREND_COLOR = colors.HexColor("#C2410C")


@functools.cache
def _fonts() -> None:
    """Register DejaVu Sans once per process (reportlab embeds the glyphs each PDF uses)."""
    pdfmetrics.registerFont(TTFont(FONT, str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


class _Text:
    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, key: str, **params: Any) -> str:
        return translate(key, self.language, **params)

    def day(self, value: date) -> str:
        return value.strftime("%d.%m.%Y") if self.language == "de" else value.isoformat()


def render(content: ReportContent) -> bytes:
    """The report as PDF bytes."""
    _fonts()
    t = _Text(content.language)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=22 * mm,
        bottomMargin=22 * mm,
        title=t("reports.title"),
        author="CaseDesk",
        creator="CaseDesk",
        subject=t("reports.confidential"),
    )
    doc.build(_story(content, t, doc.width), canvasmaker=_canvas_class(content, t))
    return out.getvalue()


# -- every page ------------------------------------------------------------------------------------


def _canvas_class(content: ReportContent, t: _Text) -> type[canvas.Canvas]:
    """A canvas that holds its pages back until it knows their number ("page X of Y"), then
    draws the marking, the footer and the watermark on each."""

    class PagedCanvas(canvas.Canvas):  # type: ignore[misc]  # reportlab has no type hints
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for number, state in enumerate(self._held, start=1):
                self.__dict__.update(state)
                _decorate(self, content, t, number, total)
                super().showPage()
            super().save()

    return PagedCanvas


def _watermark_line(content: ReportContent, t: _Text) -> str:
    parts = [content.requester_name, t.day(content.generated_at.date())]
    if content.recipient:
        parts.append(t("reports.forRecipient", recipient=content.recipient))
    return " · ".join(p for p in parts if p)


def _decorate(c: canvas.Canvas, content: ReportContent, t: _Text, number: int, total: int) -> None:
    width, height = A4
    c.saveState()
    # The watermark: diagonal, light, across the page (over the content, so it cannot be hidden
    # by it), and once more as a plain line in the footer.
    c.setFillColor(colors.Color(0.45, 0.45, 0.45, alpha=0.16))
    c.translate(width / 2, height / 2)
    c.rotate(35)
    lines = [content.requester_name, t.day(content.generated_at.date())]
    if content.recipient:
        lines.append(t("reports.forRecipient", recipient=content.recipient))
    for index, line in enumerate(lines):
        size = 30 if index == 0 else 22
        c.setFont(FONT_BOLD if index == 0 else FONT, size)
        c.drawCentredString(0, 30 - index * 36, line)
    c.restoreState()
    c.saveState()
    c.setFont(FONT_BOLD, 9)
    c.setFillColor(colors.HexColor("#B91C1C"))
    c.drawString(18 * mm, height - 12 * mm, t("reports.confidential").upper())
    c.setFillColor(colors.black)
    c.setFont(FONT, 8)
    c.drawRightString(width - 18 * mm, height - 12 * mm, f"CaseDesk · {t('reports.case')} {content.case_id}")
    c.drawString(18 * mm, 14 * mm, _watermark_line(content, t))
    c.drawString(
        18 * mm, 10 * mm, t("reports.idAndCode", id=_grouped(content.report_id), code=_grouped(content.code))
    )
    c.drawRightString(width - 18 * mm, 10 * mm, t("reports.page", page=number, pages=total))
    c.restoreState()


def _grouped(token: str) -> str:
    return "-".join(token[i : i + 4] for i in range(0, len(token), 4))


# -- the content -----------------------------------------------------------------------------------


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=13.5)
    return {
        "body": base,
        "small": ParagraphStyle(
            "small", parent=base, fontSize=8.5, leading=11, textColor=colors.HexColor("#444444")
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontName=FONT_BOLD, fontSize=20, leading=25, spaceAfter=10
        ),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=FONT_BOLD, fontSize=14, leading=18, spaceBefore=8, spaceAfter=6
        ),
        "h3": ParagraphStyle(
            "h3", parent=base, fontName=FONT_BOLD, fontSize=11, leading=14, spaceBefore=4, spaceAfter=2
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=11.5),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _table(rows: list[list[Any]], widths: list[float], *, header: bool = True) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#CCCCCC")),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if header:
        style += [
            ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F1F5F9")),
        ]
    table.setStyle(TableStyle(style))
    return table


def _story(content: ReportContent, t: _Text, width: float) -> list[Any]:
    s = _styles()
    role = t(f"web.roles.{content.requester_role}")
    requester = f"{content.requester_name} ({role})" if content.requester_name else role
    facts = [
        [t("reports.case"), content.case_id],
        [t("reports.period"), f"{t.day(content.first)} – {t.day(content.last)}"],
        [t("reports.requester"), requester],
        [t("reports.generatedAt"), f"{t.day(content.generated_at.date())} {content.generated_at:%H:%M}"],
    ]
    if content.recipient:
        facts.append([t("reports.recipient"), content.recipient])
    story: list[Any] = [
        _p(t("reports.title"), s["title"]),
        _p(t("reports.confidentialNote"), s["small"]),
        Spacer(1, 6 * mm),
        _table(
            [[_p(k, s["cell"]), _p(v, s["cell"])] for k, v in facts], [45 * mm, width - 45 * mm], header=False
        ),
        Spacer(1, 6 * mm),
        _p(t("reports.basis"), s["body"]),
        Spacer(1, 3 * mm),
        _p(
            t(
                "reports.verification",
                url=content.verify_url,
                id=_grouped(content.report_id),
                code=_grouped(content.code),
            ),
            s["body"],
        ),
    ]
    if not content.has_shared_data:
        story += [Spacer(1, 6 * mm), _p(t("reports.nothingShared"), s["h3"])]
    story += [PageBreak(), *_reflections(content, t, s, width), *_plan(content, t, s, width)]
    if content.evaluations is not None:
        story += _evaluations(content, t, s, width)
    story += _documents(content, t, s, width)
    if content.texts:
        story += _texts(content, t, s)
    return story


def _reflections(content: ReportContent, t: _Text, s: dict[str, ParagraphStyle], width: float) -> list[Any]:
    out: list[Any] = [_p(t("reports.reflections"), s["h2"])]
    if content.access == "none" or not any(series.points for series in content.scales):
        return [*out, _p(t("reports.noReflections"), s["body"])]
    if content.visible_from is not None:
        out.append(_p(t("reports.visibleFrom", date=t.day(content.visible_from)), s["small"]))
    out.append(_p(t("reports.chartLegend"), s["small"]))
    for series in content.scales:
        label = t(f"web.reflections.scales.{series.scale}.label")
        status = t(f"web.dashboard.trend.{series.trend.status}")
        heading = t("reports.scaleHeading", scale=label, trend=status, count=len(series.points))
        out.append(
            KeepTogether([_p(heading, s["h3"]), _chart(series, content.first, content.last, width, t)])
        )
    return out


def _chart(series: ScaleSeries, first: date, last: date, width: float, t: _Text) -> Drawing:
    height = 118.0
    left, bottom, right, top = 26.0, 16.0, 6.0, 6.0
    plot_w, plot_h = width - left - right, height - bottom - top
    drawing = Drawing(width, height)
    span = max((last - first).days, 1)

    def x(day: date) -> float:
        return left + plot_w * (day - first).days / span

    def y(value: float) -> float:
        return bottom + plot_h * max(0.0, min(10.0, value)) / 10

    drawing.add(
        Rect(
            left,
            bottom,
            plot_w,
            plot_h,
            strokeColor=colors.HexColor("#999999"),
            fillColor=None,
            strokeWidth=0.5,
        )
    )
    for value in (0, 5, 10):
        drawing.add(
            Line(
                left,
                y(value),
                left + plot_w,
                y(value),
                strokeColor=colors.HexColor("#DDDDDD"),
                strokeWidth=0.4,
            )
        )
        drawing.add(String(left - 4, y(value) - 3, str(value), fontName=FONT, fontSize=7, textAnchor="end"))
    drawing.add(String(left, 3, t.day(first), fontName=FONT, fontSize=7))
    drawing.add(String(left + plot_w, 3, t.day(last), fontName=FONT, fontSize=7, textAnchor="end"))
    if not series.points:
        drawing.add(
            String(
                left + plot_w / 2,
                bottom + plot_h / 2,
                t("reports.noEntries"),
                fontName=FONT,
                fontSize=8,
                textAnchor="middle",
            )
        )
        return drawing
    coords: list[float] = []
    for week in series.weekly:
        coords += [x(min(max(week.start + timedelta(days=3), first), last)), y(week.mean)]
    if len(coords) >= 4:
        drawing.add(PolyLine(coords, strokeColor=CHART_COLOR, strokeWidth=1.4))
    if len(series.weekly) <= 60:  # a marker per week while they stay apart
        for i in range(0, len(coords), 2):
            drawing.add(Circle(coords[i], coords[i + 1], 1.6, fillColor=CHART_COLOR, strokeColor=None))
    line = trend_line(series)
    if line is not None:
        (d0, v0), (d1, v1) = line
        drawing.add(
            Line(x(d0), y(v0), x(d1), y(v1), strokeColor=TREND_COLOR, strokeWidth=1.2, strokeDashArray=[4, 2])
        )
    return drawing


def _plan(content: ReportContent, t: _Text, s: dict[str, ParagraphStyle], width: float) -> list[Any]:
    out: list[Any] = [_p(t("reports.plan"), s["h2"])]
    if not content.plan:
        return [*out, _p(t("reports.noPlan"), s["body"])]
    rows: list[list[Any]] = [[t("reports.planFrom"), t("reports.planTo"), t("reports.workload")]]
    for stage in content.plan:
        # ``to`` is the next stage's first day (exclusive): the paper says this one's last day.
        last = date.fromisoformat(stage["to"]) - timedelta(days=1) if stage["to"] else None
        until = t.day(last) if last else t("reports.openEnded")
        rows.append([t.day(date.fromisoformat(stage["from"])), until, f"{stage['workloadPercent']} %"])
    return [*out, _table(rows, [width * 0.35, width * 0.35, width * 0.3])]


def _evaluations(content: ReportContent, t: _Text, s: dict[str, ParagraphStyle], width: float) -> list[Any]:
    found = content.evaluations
    if found is None:
        return []
    out: list[Any] = [_p(t("reports.workCapacity"), s["h2"])]
    if found.work_capacity:
        rows: list[list[Any]] = [[t("reports.planFrom"), t("reports.planTo"), t("reports.capacity")]]
        for step in found.work_capacity:
            # ``end`` is exclusive: the last day it holds is the day before.
            until = t.day(step.end - timedelta(days=1)) if step.end else t("reports.openEnded")
            rows.append([t.day(step.start), until, f"{step.percent} %"])
        out.append(_table(rows, [width * 0.35, width * 0.35, width * 0.3]))
    else:
        out.append(_p(t("reports.noEvaluations"), s["body"]))
    out.append(_p(t("reports.evaluations"), s["h2"]))
    if not found.records:
        return [*out, _p(t("reports.noEvaluations"), s["body"])]
    rows = [[t("reports.date"), t("reports.kind"), t("reports.text")]]
    for line in found.records:
        body = "<br/>".join(escape(part).replace("\n", "<br/>") for part in _record_parts(line, t))
        rows.append(
            [t.day(line.day), _p(t(f"reports.kinds.{line.kind}"), s["cell"]), Paragraph(body, s["cell"])]
        )
    out.append(_table(rows, [width * 0.16, width * 0.2, width * 0.64]))
    return out


def _record_parts(line: RecordLine, t: _Text) -> list[str]:
    parts: list[str] = []
    if line.percent is not None:
        parts.append(f"{t('reports.capacity')}: {line.percent} %")
    if line.kind == "evaluation":
        if line.valid_to is not None:
            validity = f"{t.day(line.day)} – {t.day(line.valid_to)}"
        else:
            validity = t("reports.validFromOpen", first=t.day(line.day))
        parts.append(f"{t('reports.validity')}: {validity}")
        if line.next_review is not None:
            parts.append(f"{t('reports.nextReview')}: {t.day(line.next_review)}")
    if line.restrictions:
        parts.append(f"{t('reports.restrictions')}: {line.restrictions}")
    if line.recommendations:
        parts.append(f"{t('reports.recommendations')}: {line.recommendations}")
    for name, value in line.scales.items():
        if value is not None:
            parts.append(f"{t(f'reports.feedbackScales.{name}')}: {value}/10")
    if line.text:
        parts.append(line.text)
    if line.corrected:
        parts.append(t("reports.corrected"))
    return parts


def _documents(content: ReportContent, t: _Text, s: dict[str, ParagraphStyle], width: float) -> list[Any]:
    out: list[Any] = [_p(t("reports.documents"), s["h2"])]
    if not content.documents:
        return [*out, _p(t("reports.noDocuments"), s["body"])]
    rows: list[list[Any]] = [
        [t("reports.docTitle"), t("web.documents.category"), t("reports.docFrom"), t("reports.docDate")]
    ]
    for doc in content.documents:
        owner = t("reports.yours") if doc.mine else t(f"web.roles.{doc.owner_role}") if doc.owner_role else ""
        rows.append(
            [
                _p(doc.title, s["cell"]),
                _p(t(f"web.documents.categories.{doc.category}"), s["cell"]),
                _p(owner, s["cell"]),
                t.day(doc.updated_on),
            ]
        )
    out.append(_table(rows, [width * 0.42, width * 0.22, width * 0.18, width * 0.18]))
    if content.documents_more:
        out.append(_p(t("reports.documentsMore", count=len(content.documents)), s["small"]))
    return out


def _texts(content: ReportContent, t: _Text, s: dict[str, ParagraphStyle]) -> list[Any]:
    out: list[Any] = [_p(t("reports.texts"), s["h2"])]
    labels = {
        "wentWell": t("reports.wentWell"),
        "limits": t("reports.limits"),
        "needs": t("reports.needs"),
        "note": t("reports.note"),
    }
    for entry in content.texts:
        day: list[Any] = [_p(t.day(date.fromisoformat(entry["date"])), s["h3"])]
        for key, label in labels.items():
            if entry.get(key):
                body = f"<b>{escape(label)}:</b> {escape(str(entry[key]))}".replace("\n", "<br/>")
                day.append(Paragraph(body, s["body"]))
        out.append(KeepTogether(day))  # a day's heading never ends a page without its text
    return out
