"""Activating an approved support grant with a fresh second factor (issue 22, decision 038): a
new authenticator code (counted against the login throttle; the login's own code is refused as
reused) or a Microsoft authentication of this session within the last minutes (issue 21)."""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import cast

from shared.access.caller import Caller
from shared.effects import commit
from shared.errors import NotFound
from shared.identity import accounts
from shared.ports import BatchOperation, Item, Ports
from shared.support.errors import SupportGrantNotApproved, SupportStepUpRequired
from shared.support.grants import audit_transition, iso, own_grant, status

__all__ = ["activate"]


def activate(
    ports: Ports,
    caller: Caller,
    grant_id: str,
    *,
    code: str | None,
    session_token: str | None,
    client_key: str = "",
) -> Item:
    """The operator starts an approved grant with a fresh second factor: a new authenticator code
    (a code already used — the login's — is refused), or, without one, a Microsoft sign-in of the
    last minutes (issue 21's step-up). The window of the approved hours starts now (audited
    ``support:activate``). Someone else's grant is ``not_found``, like one that does not exist."""
    record = own_grant(ports.store, caller.actor, grant_id)
    if record is None:
        raise NotFound("no such support grant")
    now = ports.clock.now()
    if status(record, now) != "approved":
        raise SupportGrantNotApproved("only an approved, unexpired grant can be activated")
    _step_up(ports, caller.actor, code=code, session_token=session_token, client_key=client_key)
    hours = int(record["hours"])
    changed = {
        **record,
        "state": "active",
        "activatedAt": iso(now),
        "fromAt": iso(now),
        "untilAt": iso(now + timedelta(hours=hours)),
    }
    [stored] = commit(
        ports.store,
        "orgs",
        str(record["orgId"]),
        [BatchOperation("replace", item=changed, if_match=str(record["_etag"]))],
        [audit_transition(caller, "support:activate", record, now)],
    )
    return cast(Item, stored)


def _step_up(
    ports: Ports, user_id: str, *, code: str | None, session_token: str | None, client_key: str
) -> None:
    """A fresh second factor: a TOTP code (once; operators keep CaseDesk TOTP in development and
    test; counted against the login throttle like every code), else a fresh Entra
    authentication of this session (issue 21)."""
    from shared.identity import login, totp  # noqa: PLC0415 - the login machinery only on activation
    from shared.identity.throttle import LoginThrottle  # noqa: PLC0415

    if code:
        if accounts.credentials(ports.store, user_id) is None:
            raise SupportStepUpRequired(
                "this account has no authenticator; sign in with Microsoft again", field="code"
            )
        account_key = str(accounts.profile(ports.store, user_id)["email"]).casefold()
        attempt = LoginThrottle(ports.store, ports.clock).attempt(account_key, client_key or "support")
        try:
            login.verify_second_factor(ports, user_id, code=code, recovery_code=None)
        except (totp.InvalidTotpCode, totp.TotpReplay, login.InvalidSecondFactor):
            attempt.failed()
            raise
        attempt.passed()
        return
    try:
        entra = importlib.import_module("shared.identity.entra")
    except ModuleNotFoundError:
        raise SupportStepUpRequired("enter a new code from your authenticator app", field="code") from None
    if not session_token:
        raise SupportStepUpRequired("a fresh sign-in is needed", field="code")
    try:
        entra.require_fresh_auth(ports, session_token)
    except Exception as error:  # entra.FreshAuthRequired, whatever its module's tree
        if getattr(error, "code", None) == "fresh_auth_required":
            raise SupportStepUpRequired("sign in with Microsoft again to activate", field="code") from None
        raise
