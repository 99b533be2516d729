"""What a handler receives: the raw request plus what the plumbing worked out (caller, body)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import azure.functions as func

from functions.http.models import Model
from shared.access.caller import Caller, Decision
from shared.errors import (
    Unauthenticated,
)


@dataclass(frozen=True)
class Request:
    """What a handler receives: the raw request plus what the plumbing worked out."""

    http: func.HttpRequest
    language: str
    correlation_id: str
    user_id: str | None = None
    session_token: str | None = None
    session_id: str | None = None
    decision: Decision | None = None
    body: Any = None  # the route's declared body model, parsed
    query: Any = None  # the route's declared query model, parsed

    def body_as(self, model: type[Model]) -> Model:
        """The parsed body (the route declared ``body=model``)."""
        if not isinstance(self.body, model):
            raise TypeError(f"the route does not declare body={model.__name__}")
        return self.body

    def query_as(self, model: type[Model]) -> Model:
        """The parsed query parameters (the route declared ``query=model``)."""
        if not isinstance(self.query, model):
            raise TypeError(f"the route does not declare query={model.__name__}")
        return self.query

    @property
    def actor(self) -> str:
        """The signed-in user (routes with a permission always have one)."""
        if self.user_id is None:
            raise Unauthenticated("no session")
        return self.user_id

    @property
    def caller(self) -> Caller:
        """The signed-in user with the access decision of this route, for the service to act
        and audit as (routes with a permission always have one)."""
        if self.decision is None:
            raise Unauthenticated("no session")
        return Caller(self.decision, self.correlation_id)

    def client_key(self) -> str:
        """What throttling counts per client (never logged): the last ``X-Forwarded-For`` entry,
        which Azure's front end appends; earlier entries are whatever the client chose to send."""
        forwarded = [a.strip() for a in self.http.headers.get("x-forwarded-for", "").split(",") if a.strip()]
        address = forwarded[-1] if forwarded else self.http.headers.get("x-client-ip", "") or "unknown"
        return without_port(address)


def without_port(address: str) -> str:
    """``203.0.113.9:53422`` → ``203.0.113.9``, ``[2001:db8::1]:443`` → ``2001:db8::1``: Azure's
    front end appends the client's port, which changes with every connection — counted with it,
    one client would be a new client each time and evade the per-client throttle."""
    if address.startswith("["):
        return address[1 : address.find("]")] if "]" in address else address
    return address.rsplit(":", 1)[0] if address.count(":") == 1 else address
