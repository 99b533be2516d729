"""``mail_sender``: the queue trigger that sends the e-mails the relay queued.

Each message on ``mail-outgoing`` is a reference to a pending e-mail effect
(``shared/effects/mail.py``). An exception fails the message: the host retries it up to
``maxDequeueCount`` (``host.json``) and then moves it to ``mail-outgoing-poison``. Logs carry
the message id and the outcome only.
"""

from __future__ import annotations

import azure.functions as func

from shared import bootstrap
from shared.effects.mail import send_queued_email
from shared.effects.relay import MAIL_QUEUE
from shared.log import log_event

bp = func.Blueprint()

#: The app setting prefix of the identity-based queue connection (``CasedeskQueue__queueServiceUri``).
QUEUE_CONNECTION = "CasedeskQueue"


@bp.queue_trigger(arg_name="msg", queue_name=MAIL_QUEUE, connection=QUEUE_CONNECTION)
def mail_sender(msg: func.QueueMessage) -> None:
    outcome = send_queued_email(bootstrap.ports(), msg.get_body().decode("utf-8"))
    log_event(
        "mail.sent" if outcome == "sent" else "mail.already_sent",
        messageId=msg.id,
        dequeueCount=msg.dequeue_count,
    )
