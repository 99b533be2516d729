"""Doctor evaluations and employer feedback (issue 16; SPEC journeys 7, 11): the case's doctor records
evaluations (work capacity, validity, restrictions, recommendations, next review — never a
diagnosis), the employer contact gives dated feedback on the work trial (three 0–10 scales and a
text). The employee always sees both; the author picks the other recipients (at creation, or
later through the generic sharing routes ``evaluations`` / ``feedback``). An amendment is a new
version (If-Match), shown ``corrected`` with the history. The services
(:mod:`shared.evaluations.records`) decide who sees what and audit reads by others."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import azure.functions as func
from pydantic import Field, model_validator

from functions.http import ApiModel, Request, json_response, paging, require_if_match, route
from shared import bootstrap
from shared.access.permissions import Action
from shared.evaluations import records
from shared.item_types import ItemType

bp = func.Blueprint()

_CASE = "api/cases/{caseId}"
_Percent = Annotated[int, Field(ge=0, le=100, strict=True)]
_Scale = Annotated[int | None, Field(ge=0, le=10, strict=True)]
_Text = Annotated[str | None, Field(max_length=4 * records.MAX_TEXT)]  # the service says the limit
_Recipients = Annotated[list[str], Field(max_length=records.MAX_RECIPIENTS)]


class _NoDiagnosis(ApiModel):
    """Refuses a diagnosis-like field by name (``diagnosis_not_allowed``) before anything else."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_diagnosis(cls, data: Any) -> Any:
        if isinstance(data, dict):
            records.refuse_diagnosis(data)
        return data


class EvaluationFields(_NoDiagnosis):
    """An evaluation's content. There is no diagnosis field: a diagnosis does not belong here."""

    capacity_percent: _Percent = Field(description="Work capacity, a whole 0-100 %")
    valid_from: date
    valid_to: date | None = Field(default=None, description="Inclusive; null: until further notice")
    restrictions: _Text = None
    recommendations: _Text = None
    next_review: date | None = Field(default=None, description="Not in the past (on a new evaluation)")


class NewEvaluation(EvaluationFields):
    recipients: _Recipients = Field(
        default_factory=list, description="Participants who see it besides the employee (who always does)"
    )


class FeedbackFields(_NoDiagnosis):
    """Feedback on the work trial: a day (not ahead), scales 0-10 (each optional) and a text."""

    date: date
    attendance: _Scale = None
    workload_fit: _Scale = None
    collaboration: _Scale = None
    text: _Text = None


class NewFeedback(FeedbackFields):
    recipients: _Recipients = Field(
        default_factory=list, description="Participants who see it besides the employee (who always does)"
    )


class _RecordView(ApiModel):
    id: str
    case_id: str
    owner_id: str
    owner_role: str | None
    subject_id: str | None = Field(description="The case's employee, who always sees it")
    mine: bool
    created_at: datetime
    updated_at: datetime
    etag: str
    version: int
    corrected: bool = Field(description="Amended: there is more than one version")
    corrected_at: datetime | None


class EvaluationVersion(ApiModel):
    version: int
    at: datetime
    capacity_percent: int
    valid_from: date
    valid_to: date | None
    restrictions: str | None
    recommendations: str | None
    next_review: date | None


class FeedbackVersion(ApiModel):
    version: int
    at: datetime
    date: date
    attendance: int | None
    workload_fit: int | None
    collaboration: int | None
    text: str | None


class EvaluationView(_RecordView):
    capacity_percent: int
    valid_from: date
    valid_to: date | None
    restrictions: str | None
    recommendations: str | None
    next_review: date | None


class EvaluationDetail(EvaluationView):
    history: list[EvaluationVersion] = Field(description="Every version, newest first")


class FeedbackView(_RecordView):
    date: date
    attendance: int | None
    workload_fit: int | None
    collaboration: int | None
    text: str | None


class FeedbackDetail(FeedbackView):
    history: list[FeedbackVersion] = Field(description="Every version, newest first")


class EvaluationList(ApiModel):
    evaluations: list[EvaluationView]
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


class FeedbackList(ApiModel):
    feedback: list[FeedbackView]
    continuation: str | None = Field(description=paging.CONTINUATION_DOC)


def _register(
    kind: ItemType,
    actions: tuple[Action, Action, Action, Action],
    shapes: tuple[type[ApiModel], type[ApiModel], type[ApiModel], type[ApiModel]],
) -> None:
    create_action, list_action, read_action, amend_action = actions
    new_body, change_body, detail, listed = shapes
    base = f"{_CASE}/{kind.segment}"
    one = f"{base}/{{{kind.route_param}}}"
    name = kind.name

    def fields(body: ApiModel) -> dict[str, Any]:
        dumped = body.model_dump(by_alias=True, exclude={"recipients"}, mode="python")
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in dumped.items()}

    @route(
        bp,
        name=f"{name}_create",
        path=base,
        methods=["POST"],
        permission=create_action,
        body=new_body,
        responses={201: detail},
    )
    def create(request: Request) -> func.HttpResponse:
        body = request.body_as(new_body)
        case_id = request.http.route_params["caseId"]
        recipients = list(getattr(body, "recipients", []))
        view = records.create(
            bootstrap.ports(), request.caller, kind, case_id, fields(body), recipients=recipients
        )
        location = f"/{base.format(caseId=case_id)}/{view['id']}"
        return json_response(view, 201, etag=view["etag"], location=location)

    @route(
        bp,
        name=f"{name}_list",
        path=base,
        methods=["GET"],
        permission=list_action,
        query=paging.PageQuery,
        responses={200: listed},
    )
    def listing(request: Request) -> func.HttpResponse:
        case_id = request.http.route_params["caseId"]
        page = records.listing_page(bootstrap.ports(), request.caller, kind, case_id, paging.window(request))
        key = "evaluations" if name == "evaluation" else "feedback"
        return json_response({key: page.items, "continuation": paging.continuation(request, page.after)})

    @route(
        bp, name=f"{name}_read", path=one, methods=["GET"], permission=read_action, responses={200: detail}
    )
    def read(request: Request) -> func.HttpResponse:
        params = request.http.route_params
        view = records.read(
            bootstrap.ports(), request.caller, kind, params["caseId"], params[kind.route_param]
        )
        return json_response(view, etag=view["etag"])

    @route(
        bp,
        name=f"{name}_amend",
        path=one,
        methods=["PUT"],
        permission=amend_action,
        body=change_body,
        responses={200: detail},
    )
    def amend(request: Request) -> func.HttpResponse:
        if_match = require_if_match(request)
        body = request.body_as(change_body)
        params = request.http.route_params
        view = records.amend(
            bootstrap.ports(),
            request.caller,
            kind,
            params["caseId"],
            params[kind.route_param],
            fields=fields(body),
            if_match=if_match,
        )
        return json_response(view, etag=view["etag"])

    del create, listing, read, amend  # registered on bp


_register(
    records.EVALUATION,
    (Action.EVALUATION_CREATE, Action.EVALUATION_LIST, Action.EVALUATION_READ, Action.EVALUATION_AMEND),
    (NewEvaluation, EvaluationFields, EvaluationDetail, EvaluationList),
)
_register(
    records.FEEDBACK,
    (Action.FEEDBACK_CREATE, Action.FEEDBACK_LIST, Action.FEEDBACK_READ, Action.FEEDBACK_AMEND),
    (NewFeedback, FeedbackFields, FeedbackDetail, FeedbackList),
)
