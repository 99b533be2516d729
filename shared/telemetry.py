"""Trace ids and Application Insights through OpenTelemetry (docs/decisions/025).

The correlation id of a request is its W3C trace id: the one of the active OpenTelemetry span, if
one is active (telemetry on, and a span opened around the invocation), else the one the caller
sent in ``traceparent`` (then the Functions host uses the same trace: it is Application Insights'
``operation_Id``), else a new random one. It names the request in every log line and in the
problem+json ``instance``.

:func:`configure` sets up ``azure-monitor-opentelemetry`` once per process (called where the ports
are built and on every request; cheap after the first call), and only when
``APPLICATIONINSIGHTS_CONNECTION_STRING`` is set: the package (and OpenTelemetry) is imported
inside it, never when a module is imported, so a cold start without telemetry imports none of it.
It authenticates with the app's managed identity (Application Insights has local auth off), sends
dependency spans of the Azure SDKs (Cosmos DB, blobs, queues, Key Vault, mail) with every URL cut
down to its scheme and host (:class:`UrlScrubber`: paths carry ids), and no logs: the Functions
host already forwards every log line to Application Insights, with the invocation's trace id.
"""

from __future__ import annotations

import logging
import re
import secrets
import sys
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from shared import config
from shared.log import log_event

__all__ = [
    "URL_ATTRIBUTES",
    "UrlScrubber",
    "configure",
    "configured",
    "current_trace_id",
    "new_trace_id",
    "request_trace_id",
    "trace_id_from",
]

#: ``version-traceid-parentid-flags`` (W3C Trace Context, lower-case hex only).
_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_INVALID_TRACE_ID = "0" * 32

#: Span attributes that hold a URL or a path; they keep scheme and host only.
URL_ATTRIBUTES = frozenset({"http.url", "url.full", "url.path", "url.query", "http.target", "http.route"})

#: Instrumentations of the distro the app does not use or that would record URLs with ids.
_DISABLED_INSTRUMENTATIONS = (
    "django",
    "fastapi",
    "flask",
    "httpx",
    "logging",
    "psycopg2",
    "requests",
    "urllib",
    "urllib3",
)

_lock = threading.Lock()
_state: dict[str, bool] = {}


def trace_id_from(traceparent: str | None) -> str | None:
    """The trace id of a W3C ``traceparent`` header, or None if it is absent or invalid (version
    ``ff``, an all-zero trace or parent id, anything but 55 lower-case hex characters and dashes)."""
    match = _TRACEPARENT.fullmatch((traceparent or "").strip())
    if not match:
        return None
    version, trace_id, parent_id, _ = match.groups()
    if version == "ff" or trace_id == _INVALID_TRACE_ID or parent_id == "0" * 16:
        return None
    return trace_id


def new_trace_id() -> str:
    """A fresh random trace id (32 lower-case hex characters)."""
    trace_id = secrets.token_hex(16)
    return trace_id if trace_id != _INVALID_TRACE_ID else new_trace_id()


def current_trace_id() -> str | None:
    """The trace id of the active OpenTelemetry span, if OpenTelemetry is loaded (never imports it)."""
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return None
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return f"{context.trace_id:032x}"


def request_trace_id(headers: Mapping[str, str]) -> str:
    """The correlation id of a request: the active span's trace id, else ``traceparent``'s, else new."""
    return current_trace_id() or trace_id_from(headers.get("traceparent")) or new_trace_id()


def configured() -> bool:
    """True once :func:`configure` has set up the exporter in this process."""
    return _state.get("configured", False)


def configure() -> bool:
    """Set up Application Insights once, if ``APPLICATIONINSIGHTS_CONNECTION_STRING`` is set.
    Cheap after the first call (a dictionary lookup). Returns whether telemetry is on."""
    if "done" in _state:
        return configured()
    with _lock:
        if "done" in _state:
            return configured()
        connection = config.optional("APPLICATIONINSIGHTS_CONNECTION_STRING")
        if connection:
            try:
                _configure(connection)
                _state["configured"] = True
            except Exception as error:  # telemetry must never take the app down; say so, once
                log_event("telemetry.failed", logging.ERROR, exception=type(error).__name__)
        _state["done"] = True
    return configured()


def _configure(connection: str) -> None:
    from azure.identity import ManagedIdentityCredential  # noqa: PLC0415  # only with telemetry on
    from azure.monitor.opentelemetry import configure_azure_monitor  # noqa: PLC0415

    options: dict[str, dict[str, bool]] = {name: {"enabled": False} for name in _DISABLED_INSTRUMENTATIONS}
    options["azure_sdk"] = {"enabled": True}
    configure_azure_monitor(
        connection_string=connection,
        # Entra ID only: the component has local (key) auth off (infra/modules/monitoring.bicep).
        credential=ManagedIdentityCredential(client_id=config.optional("AZURE_CLIENT_ID")),
        disable_logging=True,  # the Functions host forwards every log line already
        enable_live_metrics=False,
        # Every span: the app's volume is small, and a sampled-away dependency is the one missing
        # when a failure is investigated (the host does not sample requests either, host.json).
        sampling_ratio=1.0,
        disable_offline_storage=True,  # nothing of the telemetry is written to the instance's disk
        instrumentation_options=options,
        span_processors=[UrlScrubber()],
    )
    # The distro also hooks the logging instrumentation into the root logger (a handler towards
    # OpenTelemetry's log pipeline, which is off here): taken out, so no log record leaves twice.
    root = logging.getLogger()
    for handler in list(root.handlers):
        if type(handler).__module__.startswith("opentelemetry."):
            root.removeHandler(handler)


def _scrub(value: Any) -> Any:
    if not isinstance(value, str):
        return "[scrubbed]"
    parts = urlsplit(value)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "[scrubbed]"


class UrlScrubber:
    """A span processor that cuts every URL attribute down to scheme and host before the exporter
    sees the span (the Azure SDKs record the full request URL, and a URL of Cosmos DB or a blob
    names documents and users by id). It must be added before the exporting processor: the
    processors of a provider share the one ended span, in the order they were added."""

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        return None

    def _on_ending(self, span: Any) -> None:
        return None

    def on_end(self, span: Any) -> None:
        attributes = span.attributes or {}
        if not URL_ATTRIBUTES & set(attributes):
            return
        from opentelemetry.attributes import BoundedAttributes  # noqa: PLC0415  # loaded with the SDK

        scrubbed = {k: (_scrub(v) if k in URL_ATTRIBUTES else v) for k, v in attributes.items()}
        # ReadableSpan keeps its attributes in ``_attributes``; the SDK offers no public way to
        # change an ended span (tests/unit/test_telemetry.py pins that this works).
        span._attributes = BoundedAttributes(attributes=scrubbed, immutable=True)

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True
