"""Reflections (SPEC journeys 5, 7, 11): the employee records a day (six 0–10 scales, prompts, a
note), lists and deletes; every participant lists and charts only what a live share of the series
lets them see; the series itself is a registry item, shared through the generic sharing routes
(``reflection-series``). The services (``shared/reflections``) decide who sees what per request
and audit every read by someone other than the employee."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import azure.functions as func
from pydantic import Field

from functions.evaluations import EvaluationView, FeedbackView
from functions.http import ApiModel, ApiQuery, Request, json_response, require_if_match, route
from shared import bootstrap
from shared.access.permissions import Action
from shared.evaluations import records
from shared.reflections import reflections

bp = func.Blueprint()

_CASE = "api/cases/{caseId}"
_LIST = _CASE + "/reflections"
_ONE = _LIST + "/{date}"

#: A scale value: a whole number 0–10 (``5.0``, ``"5"`` and ``true`` are refused, not converted).
_Scale = Annotated[int | None, Field(ge=0, le=10, strict=True)]
Access = Literal["owner", "shared", "none"]


class ScalesInput(ApiModel):
    """The six scales, each optional; an unknown scale name is refused."""

    wellbeing: _Scale = None
    energy: _Scale = None
    pain: _Scale = None
    stress: _Scale = None
    sleep: _Scale = None
    workload: _Scale = Field(default=None, description="coping with workload")


class EntryBody(ApiModel):
    """One day's reflection. Unknown fields (a ``diagnosis``, say) are refused, never dropped."""

    scales: ScalesInput = Field(default_factory=ScalesInput)
    went_well: str | None = Field(default=None, max_length=reflections.MAX_PROMPT)
    limits: str | None = Field(default=None, max_length=reflections.MAX_PROMPT)
    needs: str | None = Field(default=None, max_length=reflections.MAX_PROMPT)
    note: str | None = Field(default=None, max_length=reflections.MAX_NOTE)


class ScalesView(ApiModel):
    wellbeing: int | None
    energy: int | None
    pain: int | None
    stress: int | None
    sleep: int | None
    workload: int | None


class EntryView(ApiModel):
    """An entry as its viewer may see it: the text fields are ``null`` unless the viewer is the
    employee or holds a share that includes text."""

    date: date
    scales: ScalesView
    went_well: str | None
    limits: str | None
    needs: str | None
    note: str | None
    updated_at: datetime
    etag: str
    version: int


class ReflectionList(ApiModel):
    entries: list[EntryView]
    from_: date = Field(alias="from")
    to: date
    editable_from: date
    today: date
    access: Access = Field(description="owner: the employee; shared: a live share; none: nothing")
    visible_from: date | None = Field(description="A share's fromDate (null: from the start)")
    includes_text: bool


class RangeQuery(ApiQuery):
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None


class SeriesView(ApiModel):
    """The case's reflection series: what the sharing routes (``reflection-series``) address."""

    id: str
    case_id: str
    owner_id: str
    mine: bool


class WeekView(ApiModel):
    week: str = Field(description="ISO week, e.g. 2026-W48")
    start: date
    mean: float
    count: int


class MonthView(ApiModel):
    month: str = Field(description="e.g. 2026-11")
    mean: float
    count: int


class TrendView(ApiModel):
    status: Literal["improving", "worsening", "stable", "not_enough_data"]
    slope_per_30_days: float | None
    points: int


class ScaleView(ApiModel):
    scale: Literal["wellbeing", "energy", "pain", "stress", "sleep", "workload"]
    polarity: Literal["higher_is_better", "higher_is_worse"]
    dates: list[date] = Field(description="The days that have a value, oldest first")
    values: list[int] = Field(description="The value of each day in dates, in the same order (0–10)")
    weekly: list[WeekView]
    monthly: list[MonthView]
    trend: TrendView


class PlanSpan(ApiModel):
    from_: date = Field(alias="from")
    to: date | None = Field(description="The next stage's fromDate (exclusive); null for the last")
    workload_percent: int


class CapacitySpan(ApiModel):
    """One step of the work-capacity line: an evaluation in force from ``from`` until ``to``."""

    from_: date = Field(alias="from")
    to: date | None = Field(description="Exclusive: the day after validTo, or the next evaluation's start")
    capacity_percent: int
    evaluation_id: str
    version: int
    corrected: bool


class FeedbackScaleView(ScaleView):
    scale: Literal["attendance", "workloadFit", "collaboration"]  # type: ignore[assignment]


class DashboardView(ApiModel):
    from_: date = Field(alias="from")
    to: date
    visible_from: date | None
    includes_text: bool
    access: Access
    scales: list[ScaleView]
    plan: list[PlanSpan]
    capacity: list[CapacitySpan] = Field(description="Work capacity over time, from the evaluations one sees")
    evaluations: list[EvaluationView] = Field(
        description="The evaluations in force in the period, newest first"
    )
    feedback: list[FeedbackView] = Field(
        description="The employer's feedback of the period one sees, newest first"
    )
    feedback_scales: list[FeedbackScaleView]


def _case_id(request: Request) -> str:
    return str(request.http.route_params["caseId"])


@route(
    bp,
    name="reflection_list",
    path=_LIST,
    methods=["GET"],
    permission=Action.REFLECTION_LIST,
    query=RangeQuery,
    responses={200: ReflectionList},
)
def reflection_list(request: Request) -> func.HttpResponse:
    """The entries the caller may see (default: the last 30 days; at most 366), newest first."""
    query = request.query_as(RangeQuery)
    answer = reflections.listing(
        bootstrap.ports(), request.caller, _case_id(request), first=query.from_, last=query.to
    )
    return json_response(answer)


@route(
    bp,
    name="reflection_read",
    path=_ONE,
    methods=["GET"],
    permission=Action.REFLECTION_READ,
    responses={200: EntryView},
)
def reflection_read(request: Request) -> func.HttpResponse:
    """One of the employee's own entries, with its ETag."""
    view = reflections.read_entry(
        bootstrap.ports(), request.caller, _case_id(request), request.http.route_params["date"]
    )
    return json_response(view, etag=view["etag"])


@route(
    bp,
    name="reflection_put",
    path=_ONE,
    methods=["PUT"],
    permission=Action.REFLECTION_WRITE,
    body=EntryBody,
    responses={200: EntryView, 201: EntryView},
)
def reflection_put(request: Request) -> func.HttpResponse:
    """Record (If-None-Match: *) or change (If-Match) the entry of a day (today … 14 days back)."""
    body = request.body_as(EntryBody)
    case_id, day = _case_id(request), request.http.route_params["date"]
    view, created = reflections.put_entry(
        bootstrap.ports(),
        request.caller,
        case_id,
        day,
        scales=body.scales.model_dump(),
        texts={"wentWell": body.went_well, "limits": body.limits, "needs": body.needs, "note": body.note},
        if_match=request.http.headers.get("if-match"),
        if_none_match=request.http.headers.get("if-none-match"),
    )
    if created:
        return json_response(view, 201, etag=view["etag"], location=f"/{_LIST.format(caseId=case_id)}/{day}")
    return json_response(view, etag=view["etag"])


@route(
    bp,
    name="reflection_delete",
    path=_ONE,
    methods=["DELETE"],
    permission=Action.REFLECTION_DELETE,
    responses={204: None},
)
def reflection_delete(request: Request) -> func.HttpResponse:
    """Delete the entry of a day (today … 14 days back), with its ETag."""
    if_match = require_if_match(request)
    reflections.delete_entry(
        bootstrap.ports(),
        request.caller,
        _case_id(request),
        request.http.route_params["date"],
        if_match=if_match,
    )
    return func.HttpResponse(status_code=204)


@route(
    bp,
    name="reflection_series_find",
    path=_CASE + "/reflections-series",
    methods=["GET"],
    permission=Action.REFLECTION_SERIES_FIND,
    responses={200: SeriesView},
)
def reflection_series_find(request: Request) -> func.HttpResponse:
    """The case's reflection series (its id, to share it; its owner, the employee)."""
    return json_response(reflections.find_series(bootstrap.ports(), request.caller, _case_id(request)))


@route(
    bp,
    name="reflection_series_read",
    path=_CASE + "/reflection-series/{seriesId}",
    methods=["GET"],
    permission=Action.REFLECTION_SERIES_READ,
    responses={200: SeriesView},
)
def reflection_series_read(request: Request) -> func.HttpResponse:
    """The series item itself, for its owner and its grantees (ids only, never an entry)."""
    item = request.caller.decision.item
    if item is None:  # the access check decided on this very item; never without it
        raise RuntimeError("the decision names no item")
    return json_response(reflections.series_view(item, request.actor))


@route(
    bp,
    name="dashboard_read",
    path=_CASE + "/dashboard",
    methods=["GET"],
    permission=Action.DASHBOARD_READ,
    query=RangeQuery,
    responses={200: DashboardView},
)
def dashboard_read(request: Request) -> func.HttpResponse:
    """The scales over time from what the caller may see now, and the plan (default: 90 days);
    the work capacity, evaluations and feedback the caller may see now (issue 16)."""
    query = request.query_as(RangeQuery)
    ports = bootstrap.ports()
    answer = reflections.dashboard(ports, request.caller, _case_id(request), first=query.from_, last=query.to)
    first, last = date.fromisoformat(answer["from"]), date.fromisoformat(answer["to"])
    answer.update(records.dashboard(ports, request.caller, _case_id(request), first, last))
    return json_response(answer)
