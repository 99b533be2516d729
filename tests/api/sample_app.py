"""A small function app for the dev host's own tests (not the product's ``function_app``).

Its routes are built to tell the precedence rules apart, and its timers append
``<function> past_due=<bool>`` to the file named by ``SAMPLE_TIMER_FILE``, so a test can see
that (and when) they ran. Schedules come from app settings (``%NAME%``), as they can on Azure.
The queue function ``on_job`` (queue ``sample-jobs``) appends ``on_job <id> try=<n> <body>`` to
``SAMPLE_QUEUE_FILE`` for every try, and fails on bodies starting with ``fail``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import azure.functions as func

bp = func.Blueprint()


def _json(document: object, status: int = 200) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(document), status_code=status, mimetype="application/json")


@bp.route(route="items/latest", methods=["GET"])
def items_latest(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"route": "literal"})


@bp.route(route="items/{id}", methods=["GET"])
def items_by_id(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"route": "parameter", "id": req.route_params["id"]})


@bp.route(route="orders/{n:int}", methods=["GET"])
def order_by_number(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"route": "int", "n": req.route_params["n"]})


@bp.route(route="orders/{name:alpha}", methods=["GET"])
def order_by_name(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"route": "alpha", "name": req.route_params["name"]})


@bp.route(route="docs/{doc:guid}", methods=["GET"])
def doc_by_guid(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"route": "guid", "doc": req.route_params["doc"]})


@bp.route(route="{*path}", methods=["GET"])
def catch_all(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"route": "catch-all", "path": req.route_params.get("path")})


@bp.route(route="echo", methods=["POST"])
def echo(req: func.HttpRequest) -> func.HttpResponse:
    content_type = req.headers.get("content-type", "application/octet-stream")
    return func.HttpResponse(req.get_body(), status_code=201, headers={"Content-Type": content_type})


@bp.route(route="inspect", methods=["GET", "PUT"])
def inspect_request(req: func.HttpRequest) -> func.HttpResponse:
    """Reflects what the function saw (and CASEDESK_ENV), and sends headers back: two cookies and
    a custom one."""
    document = {
        "method": req.method,
        "url": req.url,
        "params": dict(req.params),
        "headers": dict(req.headers),
    }
    document["casedesk_env"] = os.environ.get("CASEDESK_ENV")
    response = _json(document)
    response.headers["X-Echo"] = req.headers.get("x-test", "")
    response.headers.add("Set-Cookie", "a=1; Path=/")
    response.headers.add("Set-Cookie", "b=2; Path=/")
    return response


@bp.route(route="latin", methods=["GET"])
def latin(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("Grüezi", status_code=202, mimetype="text/plain", charset="latin-1")


@bp.route(route="async/{name}", methods=["GET"])
async def greet_async(req: func.HttpRequest) -> str:
    return f"hello {req.route_params['name']}"


@bp.route(route="boom", methods=["GET"])
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("secret detail that must not reach the client")


def _note(name: str, timer: func.TimerRequest) -> None:
    path = os.environ.get("SAMPLE_TIMER_FILE")
    if path:
        with Path(path).open("a", encoding="utf-8") as out:
            out.write(f"{name} past_due={timer.past_due}\n")


@bp.timer_trigger(arg_name="timer", schedule="%SAMPLE_TICK_SCHEDULE%")
def tick(timer: func.TimerRequest) -> None:
    _note("tick", timer)


@bp.timer_trigger(arg_name="timer", schedule="0 0 0 1 1 *", run_on_startup=True)
def startup(timer: func.TimerRequest) -> None:
    _note("startup", timer)


@bp.timer_trigger(arg_name="timer", schedule="%SAMPLE_FLAKY_SCHEDULE%")
async def flaky(timer: func.TimerRequest, context: func.Context) -> None:
    """Fails every time, after leaving a note: the schedule must carry on regardless."""
    _note(context.function_name, timer)
    raise RuntimeError("timer failure")


@bp.queue_trigger(arg_name="msg", queue_name="sample-jobs", connection="CasedeskQueue")
def on_job(msg: func.QueueMessage) -> None:
    body = msg.get_body().decode("utf-8")
    path = os.environ.get("SAMPLE_QUEUE_FILE")
    if path:
        with Path(path).open("a", encoding="utf-8") as out:
            out.write(f"on_job {msg.id} try={msg.dequeue_count} {body}\n")
    if body.startswith("fail"):
        raise RuntimeError("queue function failure")


app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_blueprint(bp)
