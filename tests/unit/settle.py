"""``settle(ports)``: what the Functions host does within seconds of a request — the
``effect_relay`` timer (audit events into the chains, e-mails onto the queue), then the
``mail_sender`` queue trigger for every queued e-mail. Unit tests call it after a service and
then assert end states: the chains, the outbox."""

from __future__ import annotations

from shared.effects.mail import send_queued_email
from shared.effects.relay import MAIL_QUEUE, RelayReport, relay_pending
from shared.identity.credentials import issue_reset
from shared.ports import Ports

__all__ = ["settle"]


def settle(ports: Ports) -> RelayReport:
    """Run the relay once and send every e-mail it queued; returns the relay's report."""
    report = relay_pending(ports, issue_reset=issue_reset)
    while messages := ports.queue.receive(MAIL_QUEUE, max_messages=32):
        for message in messages:
            send_queued_email(ports, message.body)
            ports.queue.delete(MAIL_QUEUE, message)
    return report
