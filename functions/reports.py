"""PDF reports (SPEC journey 12): a case's report for the employee, the case manager or the
doctor, built only from what the requester may see now, answered as a download and never stored;
and the public, throttled check of a paper copy's id and code (``shared/reports``,
docs/decisions/028-pdf-reports.md). reportlab is imported only when a report is rendered."""

from __future__ import annotations

from datetime import date
from typing import Literal

import azure.functions as func
from pydantic import Field

from functions.http import ApiModel, Binary, Request, json_response, route
from shared import bootstrap, config
from shared.access.permissions import PUBLIC, Action
from shared.reports import reports

bp = func.Blueprint()


class ReportBody(ApiModel):
    """What to put in the report. The recipient line is printed in the watermark of every page
    (and stored sealed with the report's record, never in the audit event)."""

    from_: date = Field(alias="from")
    to: date
    language: Literal["en", "de"] | None = Field(default=None, description="default: the requester's")
    recipient: str | None = Field(default=None, max_length=reports.MAX_RECIPIENT)
    include_text: bool = Field(
        default=False, description="Print the written answers too, where the share includes them"
    )


class VerifyBody(ApiModel):
    report_id: str = Field(min_length=1, max_length=40)
    code: str = Field(min_length=1, max_length=40)


class Verified(ApiModel):
    report_id: str
    generated_on: date
    requester_role: Literal["employee", "case_manager", "doctor"]


@route(
    bp,
    name="report_create",
    path="api/cases/{caseId}/reports",
    methods=["POST"],
    permission=Action.REPORT_CREATE,
    body=ReportBody,
    responses={200: Binary},
)
def report_create(request: Request) -> func.HttpResponse:
    """A PDF report of the period (at most five years, not in the future), as a download."""
    body = request.body_as(ReportBody)
    base = config.required("CASEDESK_PUBLIC_URL").rstrip("/")
    report = reports.generate(
        bootstrap.ports(),
        request.caller,
        str(request.http.route_params["caseId"]),
        first=body.from_,
        last=body.to,
        language=body.language or request.language,
        recipient=body.recipient,
        include_text=body.include_text,
        verify_url=f"{base}/verify",
    )
    return func.HttpResponse(
        report.pdf,
        status_code=200,
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": f'attachment; filename="{report.file_name}"',
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            "X-Report-Id": report.report_id,
        },
    )


@route(
    bp,
    name="report_verify",
    path="api/reports/verify",
    methods=["POST"],
    permission=PUBLIC,
    body=VerifyBody,
    responses={200: Verified},
)
def report_verify(request: Request) -> func.HttpResponse:
    """Whether CaseDesk generated a report with this id and code: its day and requester role only."""
    body = request.body_as(VerifyBody)
    answer = reports.verify(bootstrap.ports(), body.report_id, body.code, request.client_key())
    response = json_response(answer)
    response.headers["Cache-Control"] = "no-store"
    return response
