"""A process that dies at a chosen point of the effect pipeline (for test_effects_crash.py).

    python -m tests.contract.crash_worker '<json config>'

The config names the adapters (SQLite file or Cosmos emulator database; local or Azurite queue;
outbox directory) and the ``stage``:

- ``change``: commit a change with an audit and an e-mail effect, die right after the batch;
- ``relay``: run the relay, die right after the first audit-chain batch (before any effect is
  cleared);
- ``queue``: run the relay, die right after the first queue send (before the effect is marked);
- ``send``: send the first queued e-mail, die right after the mailer (before the effect is
  deleted and before the message is deleted from the queue).

Dying is ``os._exit``: no cleanup, no ``finally``, like a killed host. It is done by wrapping
our own ports (a fake around the real adapter), never by patching our code.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from shared.adapters.outbox import OutboxMailer
from shared.audit.events import AuditEvent
from shared.clock import SystemClock
from shared.effects import audit_op, commit, email_op
from shared.effects.mail import send_queued_email
from shared.effects.relay import MAIL_QUEUE, relay_pending
from shared.identity.credentials import issue_reset
from shared.ports import BatchOperation, Email

KILLED = 137


class _Dying:
    """Passes every call to ``inner`` and exits the process after the first call for which
    ``when(method, args)`` is true has completed."""

    def __init__(self, inner: Any, when: Any) -> None:
        self._inner, self._when = inner, when

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if not callable(target):
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            result = target(*args, **kwargs)
            if self._when(name, args):
                os._exit(KILLED)
            return result

        return call


def adapters(config: dict[str, Any]) -> SimpleNamespace:
    """The ports the pipeline needs, built from ``config`` (also used by the test itself)."""
    clock = SystemClock()
    if config["store"] == "sqlite":
        from shared.adapters.sqlite import SqliteStore

        store: Any = SqliteStore(Path(config["sqlite"]), clock)
    else:
        from shared.adapters.cosmos import CosmosStore
        from tests.fixtures.cosmos_server import emulator_client_kwargs

        url, key = config["cosmos"]
        store = CosmosStore(url, config["database"], key, clock, **emulator_client_kwargs())
    if config["queue"] == "local":
        from shared.adapters.local_queue import LocalQueue

        queue: Any = LocalQueue(config["queue_file"])
    else:
        from shared.adapters.azure_blob import emulator_credential
        from shared.adapters.azure_queue import AzureStorageQueue

        queue = AzureStorageQueue(config["queue_url"], emulator_credential(), create_missing=True)
    return SimpleNamespace(store=store, queue=queue, clock=clock, mailer=OutboxMailer(config["outbox"]))


def change(ports: SimpleNamespace, config: dict[str, Any]) -> None:
    case_id = config["case"]
    now = ports.clock.now()
    event = AuditEvent(
        actor="u1", action="note:update", target_type="note", target_id="n1", request_id=config["request"],
        case_id=case_id, org_id="o1", owner_id="u2",
    )  # fmt: skip
    mail = Email(to="someone@example.invalid", subject="s", text="t", html="<p>t</p>", tag="crash-test")
    item = {"id": "note-n1", "caseId": case_id, "type": "note", "ownerId": "u2", "version": 2}
    commit(
        ports.store,
        "cases",
        case_id,
        [BatchOperation("upsert", item=item)],
        [audit_op("cases", case_id, event, now), email_op("cases", case_id, mail, now)],
    )


def main() -> int:
    config = json.loads(sys.argv[1])
    ports = adapters(config)
    stage = config["stage"]
    if stage == "change":
        ports.store = _Dying(ports.store, lambda method, args: method == "batch" and args[0] == "cases")
        change(ports, config)
    elif stage == "relay":
        ports.store = _Dying(ports.store, lambda method, args: method == "batch" and args[0] == "audit")
        relay_pending(ports, issue_reset=issue_reset)
    elif stage == "queue":
        ports.queue = _Dying(ports.queue, lambda method, args: method == "send")
        relay_pending(ports, issue_reset=issue_reset)
    elif stage == "send":
        message = ports.queue.receive(MAIL_QUEUE, max_messages=1, visibility_timeout=1)[0]
        ports.mailer = _Dying(ports.mailer, lambda method, args: method == "send")
        send_queued_email(ports, message.body)  # type: ignore[arg-type]  # the ports it needs
    return 0  # not reached when the stage kills the process


if __name__ == "__main__":
    raise SystemExit(main())
