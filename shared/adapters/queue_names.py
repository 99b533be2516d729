"""The rules every ``TaskQueue`` adapter applies before touching its backend, so that a name or a
body that works on the local queue cannot fail later on Azure Storage.

* Names: Azure's queue naming rules — 3 to 63 characters, lowercase letters, digits and dashes,
  starting and ending with a letter or digit, no two dashes in a row.
* Bodies: text, at most :data:`MAX_BODY_BYTES` in UTF-8. Azure holds up to 64 KiB per message and
  the Functions host wants it base64-encoded (4/3 of the size), so 48 KiB of text is what fits.
* Receive limits: 1–32 messages per call, visibility 1 s to 7 days (Azure's ranges).
"""

from __future__ import annotations

import re

from shared.errors import InvalidInput, ItemTooLarge

__all__ = [
    "MAX_BATCH",
    "MAX_BODY_BYTES",
    "MAX_VISIBILITY_SECONDS",
    "POISON_SUFFIX",
    "poison_queue",
    "validate_body",
    "validate_queue_name",
    "validate_receive",
]

MAX_BODY_BYTES = 48 * 1024
MAX_BATCH = 32
MAX_VISIBILITY_SECONDS = 7 * 24 * 3600
#: The Functions host moves a message that failed ``maxDequeueCount`` times to ``<queue>-poison``.
POISON_SUFFIX = "-poison"

_NAME = re.compile(r"^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


def validate_queue_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidInput(
            "queue names are 3-63 lowercase letters, digits and single dashes, "
            "starting and ending with a letter or digit",
            field="queue",
        )
    return name


def poison_queue(name: str) -> str:
    """``<name>-poison``, the queue the Functions host moves failed messages to."""
    return validate_queue_name(validate_queue_name(name) + POISON_SUFFIX)


def validate_body(body: str) -> bytes:
    """The body's UTF-8 bytes; ``InvalidInput`` for non-text, ``ItemTooLarge`` over the limit."""
    if not isinstance(body, str):
        raise InvalidInput("a queue message body is text", field="body")
    try:
        data = body.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput("a queue message body must be valid Unicode text", field="body") from None
    if len(data) > MAX_BODY_BYTES:
        raise ItemTooLarge(f"a queue message body holds at most {MAX_BODY_BYTES} bytes of UTF-8")
    return data


def validate_receive(max_messages: int, visibility_timeout: int) -> None:
    if (
        isinstance(max_messages, bool)
        or not isinstance(max_messages, int)
        or not 1 <= max_messages <= MAX_BATCH
    ):
        raise InvalidInput(f"max_messages must be 1-{MAX_BATCH}", field="max_messages")
    if (
        isinstance(visibility_timeout, bool)
        or not isinstance(visibility_timeout, int)
        or not 1 <= visibility_timeout <= MAX_VISIBILITY_SECONDS
    ):
        raise InvalidInput(
            f"visibility_timeout must be 1-{MAX_VISIBILITY_SECONDS} seconds", field="visibility_timeout"
        )
