"""Development-only routes. ``function_app`` registers this Blueprint only when
``CASEDESK_ENV=development``; ``tests/unit/test_function_app.py`` proves it is absent otherwise."""

from __future__ import annotations

import azure.functions as func

from functions.http import ApiModel, Request, json_response, route
from shared import bootstrap
from shared.access.permissions import PUBLIC
from shared.errors import NotFound
from shared.identity import demo

bp = func.Blueprint()


class OutboxMessage(ApiModel):
    """An e-mail as the local outbox stored it (``shared/adapters/outbox.py``)."""

    id: str
    to: str
    subject: str
    text: str
    html: str
    language: str
    tag: str
    sent_at: str


class Outbox(ApiModel):
    messages: list[OutboxMessage]


class DemoCode(ApiModel):
    email: str
    role: demo.DemoRole
    code: str
    seconds_left: int


class DemoCodes(ApiModel):
    accounts: list[DemoCode]


@route(
    bp,
    name="dev_outbox",
    path="api/dev/outbox",
    methods=["GET"],
    permission=PUBLIC,
    responses={200: Outbox},
)
def dev_outbox(request: Request) -> func.HttpResponse:
    mailer = bootstrap.ports().mailer
    messages = getattr(mailer, "messages", None)
    if messages is None:
        raise NotFound("the configured mailer has no local outbox")
    return json_response({"messages": messages(limit=50)})


@route(
    bp,
    name="dev_totp",
    path="api/dev/totp",
    methods=["GET"],
    permission=PUBLIC,
    responses={200: DemoCodes},
)
def dev_totp(request: Request) -> func.HttpResponse:
    """Current TOTP codes of the seeded demo accounts (``seed-demo``), so a developer can sign in
    as any role without an authenticator app. Demo-marked accounts only; empty if not seeded."""
    codes = demo.current_codes(bootstrap.ports())
    return json_response(
        {
            "accounts": [
                {"email": c.email, "role": c.role, "code": c.code, "secondsLeft": c.seconds_left}
                for c in codes
            ]
        }
    )
