"""E-mail through Azure Communication Services (the production :class:`~shared.ports.Mailer`).

Privacy rules this adapter keeps (SPEC §4): it never logs the recipient or the content, it turns
ACS engagement tracking off (no tracking pixels or rewritten links in mail about someone's health
and job), and its errors carry the HTTP status and ACS error *code* only — ACS error messages can
quote the recipient address, so the SDK exception is deliberately not chained.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Any

from azure.communication.email import EmailClient
from azure.core.exceptions import AzureError, HttpResponseError

from shared.errors import BackendUnavailable, ConfigurationError
from shared.ports import Email

__all__ = ["AcsMailer"]

logger = logging.getLogger(__name__)

# The SDK polls every 30 s unless the service sends Retry-After; a request thread waiting half a
# minute for "Succeeded" is worse than polling a little more often.
_DEFAULT_POLLING_INTERVAL = 2
# The scope the SDK itself asks for (azure/communication/email/_shared/auth_policy_utils.py).
_SCOPE = "https://communication.azure.com//.default"


def _operation_id(key: str) -> str:
    """ACS wants a GUID. An effect id (``effect-<32 hex>``) becomes that GUID, any other key a
    name-based one, so a retried send of the same e-mail reuses its operation id."""
    if not key:
        return str(uuid.uuid4())
    digits = key.removeprefix("effect-")
    try:
        return str(uuid.UUID(hex=digits))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"casedesk:{key}"))


class AcsMailer:
    """Sends :class:`~shared.ports.Email` with ``EmailClient.begin_send`` and waits for the result.

    Every send carries an ``Operation-Id`` derived from the e-mail's idempotency key (fresh
    without one): the SDK's own retries of the POST, and the mail sender's retries of the same
    e-mail, reuse it, so ACS can recognise them. ``send_timeout`` bounds the
    wait for the operation to finish. ``client_kwargs`` go to ``EmailClient`` (``retry_total``,
    ``polling_interval``, ``connection_verify``...); the client is built on first use.
    """

    def __init__(
        self,
        endpoint: str,
        sender_address: str,
        credential: Any,
        *,
        send_timeout: float = 60.0,
        **client_kwargs: Any,
    ) -> None:
        if not endpoint.lower().startswith("https://"):
            raise ConfigurationError(f"ACS endpoint must be https, got {endpoint!r}")
        if "@" not in sender_address:
            raise ConfigurationError("ACS sender address must be an e-mail address (DoNotReply@<domain>)")
        self._endpoint = endpoint
        self._sender = sender_address
        self._credential = credential
        self._send_timeout = send_timeout
        self._client_kwargs = {"polling_interval": _DEFAULT_POLLING_INTERVAL, **client_kwargs}
        self._lock = threading.Lock()
        self._client: EmailClient | None = None

    def send(self, email: Email) -> str:
        operation_id = _operation_id(email.key)
        message = {
            "senderAddress": self._sender,
            "recipients": {"to": [{"address": email.to}]},
            "content": {"subject": email.subject, "plainText": email.text, "html": email.html},
            "userEngagementTrackingDisabled": True,
        }
        try:
            poller = self._get_client().begin_send(message, operation_id=operation_id)
            result = poller.result(timeout=self._send_timeout)
            done = poller.done()
        except HttpResponseError as exc:
            error = getattr(exc, "error", None)
            code = getattr(error, "code", None) or "-"
            raise BackendUnavailable(
                f"ACS e-mail failed: HTTP {exc.status_code} {code} (operation {operation_id})",
                service="acs_email",
            ) from None
        except AzureError as exc:
            raise BackendUnavailable(
                f"ACS e-mail failed: {type(exc).__name__} (operation {operation_id})", service="acs_email"
            ) from None
        if not done:
            raise BackendUnavailable(
                f"ACS e-mail operation {operation_id} did not finish within {self._send_timeout}s",
                service="acs_email",
            )
        status = result.get("status") if isinstance(result, dict) else None
        if status != "Succeeded":
            raise BackendUnavailable(
                f"ACS e-mail operation {operation_id} ended {status!r}", service="acs_email"
            )
        message_id = str(result.get("id") or operation_id)
        logger.info("acs: sent message %s (tag %s)", message_id, email.tag or "-")
        return message_id

    def check(self) -> None:
        """Build the client and obtain a token, without sending anything: ACS has no
        side-effect-free probe, and a health check must never send mail."""
        self._get_client()
        if hasattr(self._credential, "get_token"):
            try:
                self._credential.get_token(_SCOPE)
            except AzureError as exc:
                raise BackendUnavailable(
                    f"no token for ACS: {type(exc).__name__}", service="acs_email"
                ) from exc

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def _get_client(self) -> EmailClient:
        with self._lock:
            if self._client is None:
                self._client = EmailClient(self._endpoint, self._credential, **self._client_kwargs)
            return self._client
