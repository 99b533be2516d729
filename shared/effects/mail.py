"""Sending one queued e-mail: what the ``mail_sender`` queue trigger does with a message.

The queue message is only a reference ``{"container", "partition", "id"}`` to the pending
e-mail effect — no address, no text — so neither the queue nor its poison queue ever holds
personal data. Delivery is at least once towards the mail service, made effectively once by:

- **a claim**: the sender sets ``sendingAt`` with the effect's ETag; a concurrent sender of a
  duplicate reference loses the race and fails its message, which is retried later and then
  finds the effect gone;
- **an idempotency key**: the effect id goes to the mailer (ACS operation id; the local outbox
  stores each key once), covering a crash between sending and deleting;
- **delete after send**: a reference to an effect that no longer exists was sent already.

A failure raises, so the Functions host retries the message (``maxDequeueCount`` in
``host.json``) and then moves it to ``mail-outgoing-poison``, where an operator sees it.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import TYPE_CHECKING, Any

from shared.effects.pending import EFFECT_TYPE, SOURCE_CONTAINERS
from shared.errors import ConcurrencyConflict, InvalidInput, NotFound
from shared.ports import Email, PatchOperation

if TYPE_CHECKING:
    from shared.ports import Ports

__all__ = ["send_queued_email"]

_ID = re.compile(r"[A-Za-z0-9_.:-]{1,200}")


def _reference(body: str) -> tuple[str, str, str]:
    try:
        ref: Any = json.loads(body)
    except ValueError:
        raise InvalidInput("a mail queue message is a JSON reference", field="body") from None
    if not isinstance(ref, dict):
        raise InvalidInput("a mail queue message is a JSON reference", field="body")
    container, partition, effect_id = ref.get("container"), ref.get("partition"), ref.get("id")
    if container not in SOURCE_CONTAINERS or not all(
        isinstance(v, str) and _ID.fullmatch(v) for v in (partition, effect_id)
    ):
        raise InvalidInput("a mail queue message names an effect", field="body")
    return str(container), str(partition), str(effect_id)


def send_queued_email(ports: Ports, body: str) -> str:
    """Send the e-mail effect ``body`` refers to; returns ``"sent"`` or ``"gone"`` (sent before).
    Raises ``InvalidInput`` for a malformed message (it goes to the poison queue)."""
    container, partition, effect_id = _reference(body)
    try:
        effect = ports.store.read(container, partition, effect_id)
    except NotFound:
        return "gone"
    if effect.get("type") != EFFECT_TYPE or effect.get("kind") != "email":
        raise InvalidInput("the referenced item is not an e-mail effect", field="body")
    claim = [PatchOperation("set", "/sendingAt", ports.clock.now().isoformat())]
    try:
        ports.store.patch(container, partition, effect_id, claim, if_match=effect["_etag"])
    except NotFound:
        return "gone"
    except ConcurrencyConflict:
        raise ConcurrencyConflict("another sender holds this e-mail; retry later") from None
    ports.mailer.send(Email(**{**effect["email"], "key": effect_id}))
    with contextlib.suppress(NotFound):
        ports.store.delete(container, partition, effect_id)
    return "sent"
