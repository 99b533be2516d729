"""Download my data and delete my account (SPEC journey 14, issue 20): ask for an export, see
its state, fetch it part by part, discard it; the ``export_builder`` queue trigger builds it
(``shared/export``, docs/decisions/030-download-my-data.md). Thin: parse → service → respond."""

from __future__ import annotations

from typing import Literal

import azure.functions as func
from pydantic import Field

from functions.auth import session_cookie
from functions.http import ApiModel, Binary, Request, json_response, route
from functions.mail import QUEUE_CONNECTION
from shared import bootstrap
from shared.access.permissions import Action
from shared.errors import InvalidInput
from shared.export import exports
from shared.log import log_event

bp = func.Blueprint()


class ExportState(ApiModel):
    """The person's export: ``none``, ``queued`` (being built), ``ready`` or ``failed``."""

    state: Literal["none", "queued", "ready", "failed"]
    export_id: str | None = None
    requested_at: str | None = None
    expires_at: str | None = Field(default=None, description="the export is deleted then (24 h)")
    parts: int | None = Field(default=None, description="fetch parts 0 … parts-1 and join them")
    size: int | None = Field(default=None, description="bytes of the ZIP")
    files: int | None = None
    file_name: str | None = None


class AccountDeletion(ApiModel):
    password: str = Field(max_length=1024)
    code: str | None = Field(default=None, max_length=20)
    recovery_code: str | None = Field(default=None, max_length=40)


@route(bp, name="export_read", path="api/me/export", methods=["GET"],
       permission=Action.PROFILE_MANAGE, responses={200: ExportState})  # fmt: skip
def export_read(request: Request) -> func.HttpResponse:
    response = json_response(exports.status(bootstrap.ports(), request.actor))
    response.headers["Cache-Control"] = "no-store"
    return response


@route(bp, name="export_request", path="api/me/export", methods=["POST"],
       permission=Action.PROFILE_MANAGE, responses={202: ExportState})  # fmt: skip
def export_request(request: Request) -> func.HttpResponse:
    """Ask for a ZIP of all your data; it is built in the background (one at a time)."""
    return json_response(exports.request(bootstrap.ports(), request.caller), 202)


@route(bp, name="export_discard", path="api/me/export", methods=["DELETE"],
       permission=Action.PROFILE_MANAGE, responses={204: None})  # fmt: skip
def export_discard(request: Request) -> func.HttpResponse:
    """Delete the export now (the app does this after the download)."""
    exports.discard(bootstrap.ports(), request.actor)
    return func.HttpResponse(status_code=204)


@route(bp, name="export_part", path="api/me/export/{exportId}/parts/{part}", methods=["GET"],
       permission=Action.PROFILE_MANAGE, responses={200: Binary})  # fmt: skip
def export_part(request: Request) -> func.HttpResponse:
    """One part of the ZIP (at most 4 MiB); the parts joined in order are the ZIP."""
    raw = str(request.http.route_params["part"])
    if not raw.isdigit() or len(raw) > 6:
        raise InvalidInput("part must be a whole number", field="part")
    got = exports.part(
        bootstrap.ports(), request.caller, str(request.http.route_params["exportId"]), int(raw)
    )
    return func.HttpResponse(
        got.content,
        status_code=200,
        headers={
            "Content-Type": "application/octet-stream",
            "Content-Disposition": f'attachment; filename="{got.file_name}.part{got.number}"',
            "X-Export-Parts": str(got.parts),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


@route(bp, name="me_delete", path="api/me/delete", methods=["POST"],
       permission=Action.PROFILE_MANAGE, body=AccountDeletion, responses={204: None})  # fmt: skip
def me_delete(request: Request) -> func.HttpResponse:
    """Delete your account (password and second factor; not while you take part in an open case)."""
    from shared.export import deletion  # noqa: PLC0415

    body = request.body_as(AccountDeletion)
    deletion.delete_account(
        bootstrap.ports(), request.caller, body.password, request.client_key(),
        code=body.code, recovery_code=body.recovery_code,
    )  # fmt: skip
    response = func.HttpResponse(status_code=204)
    response.headers["Set-Cookie"] = session_cookie("", 0)
    return response


@bp.queue_trigger(arg_name="msg", queue_name=exports.BUILD_QUEUE, connection=QUEUE_CONNECTION)
def export_builder(msg: func.QueueMessage) -> None:
    outcome = exports.build(bootstrap.ports(), msg.get_body().decode("utf-8"))
    log_event("export." + outcome, messageId=msg.id, dequeueCount=msg.dequeue_count)
