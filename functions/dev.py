"""Development-only routes. ``function_app`` registers this Blueprint only when
``CASEDESK_ENV=development``; ``tests/unit/test_function_app.py`` proves it is absent otherwise."""

from __future__ import annotations

import azure.functions as func

from functions.http import Request, json_response, route
from shared import bootstrap
from shared.access.permissions import PUBLIC
from shared.errors import NotFound

bp = func.Blueprint()


@route(bp, name="dev_outbox", path="api/dev/outbox", methods=["GET"], permission=PUBLIC)
def dev_outbox(request: Request) -> func.HttpResponse:
    mailer = bootstrap.ports().mailer
    messages = getattr(mailer, "messages", None)
    if messages is None:
        raise NotFound("the configured mailer has no local outbox")
    return json_response({"messages": messages(limit=50)})
