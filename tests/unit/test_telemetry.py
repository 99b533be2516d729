"""Trace ids from W3C ``traceparent`` and Application Insights through OpenTelemetry: configured
lazily, only with its connection setting, with the app's managed identity, sending no logs (the
host forwards them) and no URL path (they carry ids). Processes of their own where what is
imported, or the global OpenTelemetry state, is the question."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from shared import telemetry

ROOT = Path(__file__).resolve().parents[2]
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def run(code: str, **env: str) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter; it prints one JSON object as its last line."""
    environment = {k: v for k, v in os.environ.items() if k != "APPLICATIONINSIGHTS_CONNECTION_STRING"}
    environment.update(env)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f"00-{TRACE_ID}-00f067aa0ba902b7-01", TRACE_ID),
        (f"00-{TRACE_ID}-00f067aa0ba902b7-00", TRACE_ID),  # not sampled: still the trace
        (f" 00-{TRACE_ID}-00f067aa0ba902b7-01 ", TRACE_ID),
        (None, None),
        ("", None),
        (TRACE_ID, None),
        (f"00-{TRACE_ID.upper()}-00f067aa0ba902b7-01", None),
        (f"ff-{TRACE_ID}-00f067aa0ba902b7-01", None),
        (f"00-{'0' * 32}-00f067aa0ba902b7-01", None),
        (f"00-{TRACE_ID}-{'0' * 16}-01", None),
        (f"00-{TRACE_ID}-00f067aa0ba902b7-01-extra", None),
    ],
)
def test_the_trace_id_of_a_traceparent(header: str | None, expected: str | None) -> None:
    assert telemetry.trace_id_from(header) == expected


def test_a_request_without_a_usable_traceparent_gets_a_new_trace_id() -> None:
    assert telemetry.request_trace_id({"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"}) == TRACE_ID
    fresh = {telemetry.request_trace_id({}) for _ in range(50)}
    assert len(fresh) == 50 and all(len(t) == 32 and int(t, 16) for t in fresh)


def test_without_a_connection_string_nothing_of_opentelemetry_is_imported() -> None:
    result = run(
        """
        import json, sys
        import function_app  # the cold import: lazy registration, no telemetry
        cold = sorted(m for m in sys.modules if m.startswith(("opentelemetry", "azure.monitor")))
        from shared import telemetry
        on = telemetry.configure()
        after = sorted(m for m in sys.modules if m.startswith(("opentelemetry", "azure.monitor")))
        print(json.dumps({"cold": cold, "on": on, "after": after}))
        """,
        CASEDESK_ENV="test",
    )
    assert result == {"cold": [], "on": False, "after": []}


def test_with_a_connection_string_it_is_configured_once_with_the_managed_identity() -> None:
    result = run(
        """
        import json, logging, os, sys
        import function_app
        cold = sorted(m for m in sys.modules if m.startswith("azure.monitor"))
        from shared import telemetry
        assert telemetry.configure() and telemetry.configure()  # idempotent
        from opentelemetry import trace
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
        provider = trace.get_tracer_provider()
        exported = InMemorySpanExporter()
        provider.add_span_processor(SimpleSpanProcessor(exported))  # after the scrubber, as the exporter
        processors = provider._active_span_processor._span_processors
        batch = [p for p in processors if type(p).__name__ == "BatchSpanProcessor"]
        credential = type(batch[0]._batch_processor._exporter._credential).__name__
        url = "https://acct.documents.azure.com/dbs/casedesk/colls/users/docs/0123456789abcdef0123456789abcdef"
        with trace.get_tracer("test").start_as_current_span("read_item", attributes={"http.url": url, "db.name": "casedesk"}) as span:
            inside = telemetry.current_trace_id()
            chosen = telemetry.request_trace_id({"traceparent": "00-" + "1" * 32 + "-" + "2" * 16 + "-01"})
            expected = format(span.get_span_context().trace_id, "032x")
        (ended,) = exported.get_finished_spans()
        handlers = [type(h).__name__ for h in logging.getLogger().handlers + logging.getLogger("casedesk").handlers]
        print(json.dumps({
            "cold": cold,
            "credential": credential,
            "scrubber_first": type(processors[[type(p).__name__ for p in processors].index("UrlScrubber")]).__name__,
            "scrubber_before_export": [type(p).__name__ for p in processors].index("UrlScrubber") < processors.index(batch[0]),
            "attributes": dict(ended.attributes),
            "inside": inside == expected,
            "chosen": chosen == expected,
            "handlers": handlers,
        }))
        sys.stdout.flush()
        os._exit(0)  # no flush to the (unreachable) ingestion endpoint at exit
        """,
        CASEDESK_ENV="test",
        APPLICATIONINSIGHTS_CONNECTION_STRING=(
            "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:9/"
        ),
        AZURE_CLIENT_ID="11111111-1111-1111-1111-111111111111",
    )
    assert result["cold"] == []  # function_app's import stays lazy even with the setting present
    assert result["credential"] == "ManagedIdentityCredential"  # Entra ID: the component has keys off
    assert result["scrubber_before_export"] is True
    # The URL keeps scheme and host only (the path names a user); other attributes stay.
    attributes = result["attributes"]
    assert isinstance(attributes, dict)
    assert (
        attributes["http.url"] == "https://acct.documents.azure.com" and attributes["db.name"] == "casedesk"
    )
    assert "0123456789abcdef" not in json.dumps(attributes)
    # The active span's trace id is the correlation id, before any traceparent header.
    assert result["inside"] is True and result["chosen"] is True
    handlers = result["handlers"]
    assert isinstance(handlers, list)
    assert not any("Azure" in h or "OTel" in h or "LoggingHandler" in h for h in handlers)


def test_a_broken_connection_string_leaves_the_app_running_and_says_so() -> None:
    result = run(
        """
        import json, logging
        records = []
        class Keep(logging.Handler):
            def emit(self, record):
                records.append(record.getMessage())
        logging.getLogger("casedesk").addHandler(Keep())
        logging.getLogger("casedesk").setLevel(logging.INFO)
        from shared import telemetry
        on = telemetry.configure()
        print(json.dumps({"on": on, "again": telemetry.configure(), "records": records}))
        """,
        CASEDESK_ENV="test",
        APPLICATIONINSIGHTS_CONNECTION_STRING="not a connection string",
    )
    assert result["on"] is False and result["again"] is False
    lines = result["records"]
    assert isinstance(lines, list)
    records = [json.loads(r) for r in lines]
    assert [r["event"] for r in records] == ["telemetry.failed"]
    assert "not a connection string" not in json.dumps(records)
