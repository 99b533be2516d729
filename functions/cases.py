"""Cases, participants and the integration plan (SPEC journeys 1, 10, 13). Thin routes: the
access table decides who may call each one (``shared/access/table.py``); the services audit
what they do, from the route's :class:`~shared.access.caller.Caller` (``request.caller``)."""

from __future__ import annotations

from datetime import date
from typing import Literal

import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field

from functions.http import Request, json_response, parse_json, require_if_match, route
from shared import bootstrap
from shared.access.permissions import Action
from shared.cases import cases, participants, plan
from shared.identity import orgs

bp = func.Blueprint()


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Person(Strict):
    email: str = Field(min_length=3, max_length=254)
    name: str = Field(min_length=1, max_length=120)
    language: Literal["en", "de"]


class NewCase(Strict):
    employee: Person


class NewParticipant(Person):
    role: Literal["case_manager", "employer", "doctor"]


class LegalHold(Strict):
    legalHold: bool  # noqa: N815 - JSON field name


class StageBody(Strict):
    fromDate: date  # noqa: N815
    workloadPercent: int = Field(ge=0, le=100)  # noqa: N815
    tasks: str = Field(max_length=4000)
    nextReview: date | None = None  # noqa: N815


@route(bp, name="case_create", path="api/orgs/{orgId}/cases", methods=["POST"], permission=Action.CASE_CREATE)
def case_create(request: Request) -> func.HttpResponse:
    body = parse_json(request.http, NewCase)
    case = cases.create(
        bootstrap.ports(),
        request.caller,
        request.http.route_params["orgId"],
        employee_email=body.employee.email,
        employee_name=body.employee.name,
        employee_language=body.employee.language,
    )
    summary = cases.summary(bootstrap.ports(), case["caseId"])
    return json_response(summary, 201, location=f"/api/cases/{case['caseId']}")


@route(bp, name="my_cases", path="api/me/cases", methods=["GET"], permission=Action.CASES_LIST_MINE)
def my_cases(request: Request) -> func.HttpResponse:
    ports = bootstrap.ports()
    refs = participants.my_cases(ports, request.actor)
    names = {r["orgId"]: orgs.org(ports.store, r["orgId"])["name"] for r in refs}
    views = [
        {
            "caseId": r["caseId"],
            "orgId": r["orgId"],
            "orgName": names[r["orgId"]],
            "role": r["role"],
            "status": r["status"],
        }
        for r in refs
    ]
    return json_response({"cases": views})


@route(bp, name="case_read", path="api/cases/{caseId}", methods=["GET"], permission=Action.CASE_READ)
def case_read(request: Request) -> func.HttpResponse:
    view = cases.read(bootstrap.ports(), request.caller, request.http.route_params["caseId"])
    return json_response(view, etag=str(view.pop("etag")))


@route(
    bp,
    name="participant_invite",
    path="api/cases/{caseId}/participants",
    methods=["POST"],
    permission=Action.PARTICIPANT_MANAGE,
)
def participant_invite(request: Request) -> func.HttpResponse:
    body = parse_json(request.http, NewParticipant)
    item = participants.invite(
        bootstrap.ports(),
        request.caller,
        request.http.route_params["caseId"],
        email=body.email,
        name=body.name,
        language=body.language,
        role=body.role,
    )
    view = {"userId": item["userId"], "role": item["role"], "status": item["status"]}
    location = f"/api/cases/{request.http.route_params['caseId']}/participants/{item['userId']}"
    return json_response(view, 201, location=location)


@route(
    bp,
    name="participant_remove",
    path="api/cases/{caseId}/participants/{userId}",
    methods=["DELETE"],
    permission=Action.PARTICIPANT_MANAGE,
)
def participant_remove(request: Request) -> func.HttpResponse:
    params = request.http.route_params
    participants.remove(bootstrap.ports(), request.caller, params["caseId"], params["userId"])
    return func.HttpResponse(status_code=204)


@route(bp, name="case_close", path="api/cases/{caseId}/close", methods=["POST"], permission=Action.CASE_CLOSE)
def case_close(request: Request) -> func.HttpResponse:
    item = cases.close(
        bootstrap.ports(),
        request.caller,
        request.http.route_params["caseId"],
        if_match=require_if_match(request),
    )
    return json_response({"status": item["status"], "closedAt": item["closedAt"]}, etag=item["_etag"])


@route(
    bp, name="case_reopen", path="api/cases/{caseId}/reopen", methods=["POST"], permission=Action.CASE_CLOSE
)
def case_reopen(request: Request) -> func.HttpResponse:
    item = cases.reopen(
        bootstrap.ports(),
        request.caller,
        request.http.route_params["caseId"],
        if_match=require_if_match(request),
    )
    return json_response({"status": item["status"], "closedAt": item["closedAt"]}, etag=item["_etag"])


@route(
    bp,
    name="case_legal_hold",
    path="api/cases/{caseId}/legal-hold",
    methods=["PUT"],
    permission=Action.CASE_LEGAL_HOLD,
)
def case_legal_hold(request: Request) -> func.HttpResponse:
    body = parse_json(request.http, LegalHold)
    item = cases.set_legal_hold(
        bootstrap.ports(),
        request.caller,
        request.http.route_params["caseId"],
        body.legalHold,
        if_match=require_if_match(request),
    )
    return json_response({"legalHold": item["legalHold"]}, etag=item["_etag"])


@route(bp, name="plan_read", path="api/cases/{caseId}/plan", methods=["GET"], permission=Action.PLAN_READ)
def plan_read(request: Request) -> func.HttpResponse:
    stages = plan.stages(bootstrap.ports(), request.caller, request.http.route_params["caseId"])
    return json_response({"stages": [{**s, "etag": s.pop("_etag")} for s in stages]})


@route(
    bp,
    name="plan_history",
    path="api/cases/{caseId}/plan/history",
    methods=["GET"],
    permission=Action.PLAN_READ,
)
def plan_history(request: Request) -> func.HttpResponse:
    changes = plan.history(bootstrap.ports(), request.caller, request.http.route_params["caseId"])
    return json_response({"changes": changes})


@route(
    bp,
    name="plan_stage_create",
    path="api/cases/{caseId}/plan/stages",
    methods=["POST"],
    permission=Action.PLAN_WRITE,
)
def plan_stage_create(request: Request) -> func.HttpResponse:
    body = parse_json(request.http, StageBody)
    stage = plan.create_stage(
        bootstrap.ports(), request.caller, request.http.route_params["caseId"], body.model_dump()
    )
    etag = str(stage.pop("_etag"))
    location = f"/api/cases/{request.http.route_params['caseId']}/plan/stages/{stage['stageId']}"
    return json_response(stage, 201, etag=etag, location=location)


@route(
    bp,
    name="plan_stage_update",
    path="api/cases/{caseId}/plan/stages/{stageId}",
    methods=["PUT"],
    permission=Action.PLAN_WRITE,
)
def plan_stage_update(request: Request) -> func.HttpResponse:
    body = parse_json(request.http, StageBody)
    params = request.http.route_params
    stage = plan.update_stage(
        bootstrap.ports(),
        request.caller,
        params["caseId"],
        params["stageId"],
        body.model_dump(),
        if_match=require_if_match(request),
    )
    etag = str(stage.pop("_etag"))
    return json_response(stage, etag=etag)


@route(
    bp,
    name="plan_stage_delete",
    path="api/cases/{caseId}/plan/stages/{stageId}",
    methods=["DELETE"],
    permission=Action.PLAN_WRITE,
)
def plan_stage_delete(request: Request) -> func.HttpResponse:
    params = request.http.route_params
    plan.delete_stage(
        bootstrap.ports(),
        request.caller,
        params["caseId"],
        params["stageId"],
        if_match=require_if_match(request),
    )
    return func.HttpResponse(status_code=204)
