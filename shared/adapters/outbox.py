"""A mailer that sends nothing: every e-mail becomes a JSON file in a local directory.

Development and tests need to see the e-mails the product would send (invitation links, sign-in
codes) without an ACS account; a file per message is easy to open and to assert on.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from shared.adapters.private_files import make_private_dirs
from shared.clock import SystemClock
from shared.errors import BackendUnavailable
from shared.ports import Clock, Email

__all__ = ["OutboxMailer"]

logger = logging.getLogger(__name__)

_sequence_lock = threading.Lock()
_key_lock = threading.Lock()  # one check-and-store per idempotency key at a time
_last_stamp = 0


def _next_stamp() -> int:
    """Nanoseconds since the epoch, strictly increasing within this process: file names sort in
    sending order even when the clock's resolution is coarse (Windows) or two sends share a tick."""
    global _last_stamp  # noqa: PLW0603 - one process-wide sequence is the point
    with _sequence_lock:
        _last_stamp = max(time.time_ns(), _last_stamp + 1)
        return _last_stamp


class OutboxMailer:
    """LOCAL STAND-IN for :class:`~shared.adapters.acs_mail.AcsMailer`: it sends nothing.

    Each e-mail is written atomically, mode 0600, as ``<stamp>-<id>.json`` with the fields
    ``id, to, subject, text, html, language, tag, sentAt`` (ISO-8601 UTC). Production refuses this
    adapter at start-up (ARCHITECTURE §8); it warns when constructed so nobody mistakes it for the
    real thing. Logs name only the message id and tag, never the recipient or the content.
    """

    def __init__(self, directory: str | os.PathLike[str], *, clock: Clock | None = None) -> None:
        self._directory = Path(directory)
        self._clock: Clock = clock or SystemClock()
        logger.warning(
            "OutboxMailer is a LOCAL stand-in: e-mails are written to %s and NOT sent; "
            "it is refused in production",
            self._directory,
        )

    def send(self, email: Email) -> str:
        """Store the e-mail. With an idempotency key (``email.key``), a key already stored is not
        stored again: the relay's sender may retry after a crash between sending and clearing."""
        with _key_lock if email.key else contextlib.nullcontext():
            if email.key and any(self._directory.glob(f"*-{email.key}.json")):
                logger.info("outbox: message %s was stored before; not again", email.key)
                return email.key
            return self._store(email)

    def _store(self, email: Email) -> str:
        message_id = email.key or str(uuid.uuid4())
        record: dict[str, Any] = {
            "id": message_id,
            "to": email.to,
            "subject": email.subject,
            "text": email.text,
            "html": email.html,
            "language": email.language,
            "tag": email.tag,
            "sentAt": self._clock.now().isoformat(),
        }
        name = f"{_next_stamp():020d}-{message_id}.json"
        try:
            make_private_dirs(self._directory)
            self._write_atomically(self._directory / name, json.dumps(record, ensure_ascii=False, indent=2))
        except OSError as exc:
            raise BackendUnavailable("outbox directory is not writable", service="outbox") from exc
        logger.info("outbox: stored message %s (tag %s)", message_id, email.tag or "-")
        return message_id

    def messages(self, limit: int = 50) -> list[dict[str, Any]]:
        """The most recent ``limit`` messages, newest first (for the dev mail viewer and tests)."""
        try:
            names = sorted((p.name for p in self._directory.glob("*.json")), reverse=True)
        except OSError:
            return []
        result: list[dict[str, Any]] = []
        for name in names[: max(limit, 0)]:
            try:
                result.append(json.loads((self._directory / name).read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue  # removed or half-copied by hand meanwhile; not ours to repair
        return result

    def check(self) -> None:
        try:
            make_private_dirs(self._directory)
        except OSError as exc:
            raise BackendUnavailable("outbox directory cannot be created", service="outbox") from exc
        if not os.access(self._directory, os.W_OK | os.X_OK):
            raise BackendUnavailable("outbox directory is not writable", service="outbox")

    @staticmethod
    def _write_atomically(target: Path, text: str) -> None:
        # Hidden temp name (not *.json), so messages() never sees a half-written file.
        tmp = target.with_name(f".{target.stem}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
