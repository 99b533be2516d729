"""The WSGI application: HTTP request -> ``func.HttpRequest`` -> user function -> HTTP response.

The conversions follow the Python worker and the host: query values that repeat are joined with
"," (what .NET's ``StringValues.ToString()`` does), a response without a ``Content-Type`` header
gets one from ``mimetype`` (plus ``charset`` for ``text/*``), several ``Set-Cookie`` headers
survive, and an exception never leaks its text to the client. ``/admin/...`` is reserved for the
host, as on Azure, whatever the user routes (even a root catch-all) would match.

Bodies stay in memory and are copied as little as possible (issue 13): cheroot hands the request
body over as a stream and writes what the app returns straight to the socket — neither spools to
a temporary file (unlike waitress, which wrote request bodies above 512 KiB and responses above
1 MiB to the temp directory: plaintext documents on disk). Its socket file is pure Python
(``_pyio``), though: one ``read(n)`` of a 25 MiB body allocates n bytes per ``recv`` and joins the
pieces, and one ``write`` of a 25 MiB response copies it into its buffer and again on every partial
send. So the body is read a step at a time into one growing buffer that becomes the ``bytes``
without a copy, and a large response goes out in slices (``bench/bench_upload.py`` measures the
peak memory, ``tests/api/test_large_documents.py`` that no temporary file appears).
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import time
import wsgiref.util
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

import azure.functions as func
from azure.functions import _abc

from devhost.invoke import Invoker
from devhost.loader import HttpSpec, QueueSettings, StartupError
from devhost.queues import QueueService
from devhost.routing import RouteTable
from devhost.timers import TimerService
from functions.http import problem_document
from shared.telemetry import new_trace_id

__all__ = ["DevHostApp"]

log = logging.getLogger("devhost.http")
#: How much of a request body is read, and of a response body written, per call to the server.
READ_STEP = WRITE_STEP = 256 * 1024
Response = tuple[int, list[tuple[str, str]], bytes]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def problem(
    status: int, code: str, detail: str | None = None, headers: Iterable[tuple[str, str]] = ()
) -> Response:
    """The app's problem shape (``functions.http.problem_document``, decision 017) for the host's
    own answers, in English: ``detail``, if given, is a developer's hint instead of the catalog's
    text. A fresh correlation id names the answer, as the app's answers are named."""
    correlation = new_trace_id()
    document = problem_document(code, status, "en", correlation)
    if detail:
        document["detail"] = detail
    body = json.dumps(document).encode()
    named = [("Content-Type", "application/problem+json"), ("X-Correlation-Id", correlation)]
    return status, [*named, *HOST_HEADERS, *headers], body


#: What the dev host's own answers (404, 405, 400, admin) carry; the app's answers carry the
#: app's fuller set (functions/http/).
HOST_HEADERS = (
    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
)
#: Host names every dev host answers to; ``allowed_hosts`` adds the configured ones.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class DevHostApp:
    """Routes requests to the app's HTTP functions and serves the admin endpoint."""

    def __init__(
        self,
        https: list[HttpSpec],
        timers: TimerService,
        invoker: Invoker,
        prefix: str,
        admin: bool,
        *,
        queues: QueueService | None = None,
        allowed_hosts: frozenset[str] = LOCAL_HOSTS,
    ) -> None:
        self._allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
        self.table: RouteTable[HttpSpec] = RouteTable()
        self._http_names = {spec.function.name.lower() for spec in https}
        self._timers = timers
        self._queues = queues or QueueService([], invoker, QueueSettings())
        self._invoker = invoker
        self._admin = admin
        for spec in https:
            template = f"{prefix}/{spec.route.strip('/')}" if prefix else spec.route
            if template.strip("/").split("/")[0].lower() == "admin":
                raise StartupError(
                    f"function {spec.function.name!r}: route {template!r} is reserved for the host"
                )
            try:
                self.table.add(template, spec.methods, spec)
            except ValueError as error:
                raise StartupError(f"function {spec.function.name!r}: {error}") from None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        method = environ["REQUEST_METHOD"].upper()
        path = _text(environ.get("PATH_INFO", "")) or "/"
        status, headers, body = self._handle(environ, method, path)
        headers = [(k, v) for k, v in headers if not _hop_or_length(k)]
        if status in (204, 304) or status < 200:
            body = b""  # these never have a body, nor a Content-Length
        else:
            headers.append(("Content-Length", str(len(body))))
        if method == "HEAD":
            body = b""  # the length of the GET body stays; the server would warn about a body
        elapsed = (time.perf_counter() - started) * 1000
        target = environ.get("devhost.function", "-")
        # The route's template, not the path: paths carry ids (no URLs with ids in the log).
        template = environ.get("devhost.route", "(no route)")
        log.info("%s %s -> %d %s (%.1f ms)", method, template, status, target, elapsed)
        start_response(f"{status} {_phrase(status)}", headers)
        return _slices(body)

    def _handle(self, environ: dict[str, Any], method: str, path: str) -> Response:
        # DNS rebinding: a page on evil.example whose name resolves to 127.0.0.1 reaches us with
        # its own name in Host; only the names this host serves under are answered.
        if _host_name(environ) not in self._allowed_hosts:
            return problem(400, "invalid_host", "this host name is not served here (see --allowed-host)")
        parts = path.strip("/").split("/")
        if parts[0].lower() == "admin":
            return self._handle_admin(environ, method, parts)
        found = self.table.match(method, path)
        if found is None:
            return problem(404, "not_found")
        if isinstance(found, set):
            return problem(405, "method_not_allowed", headers=[("Allow", ", ".join(sorted(found)))])
        route, values = found
        environ["devhost.function"] = route.target.function.name
        environ["devhost.route"] = "/" + route.template.strip("/")
        try:
            result = self._invoker.call(route.target.function, _request(environ, method, values))
            return _response(result)
        except Exception:
            log.exception("function %s raised; answering 500", route.target.function.name)
            return problem(500, "internal_error")

    def _handle_admin(self, environ: dict[str, Any], method: str, parts: list[str]) -> Response:
        if not self._admin:
            return problem(404, "not_found")
        if len(parts) == 4 and parts[1].lower() == "queues" and parts[3].lower() == "drain":
            return self._drain(method, parts[2])
        if len(parts) == 4 and parts[1].lower() == "timers" and parts[3].lower() == "run":
            return self._run_timer(method, parts[2])
        if len(parts) == 2 and parts[1].lower() == "discard":
            return self._discard(environ, method)
        if len(parts) != 3 or parts[1].lower() != "functions":
            return problem(404, "not_found")
        return self._run_function(environ, method, parts[2])

    def _run_function(self, environ: dict[str, Any], method: str, name: str) -> Response:
        """``POST /admin/functions/<name>``: run a timer, or a queue function with the input."""
        if method != "POST":
            return problem(405, "method_not_allowed", headers=[("Allow", "POST")])
        if name.lower() in self._http_names:
            return problem(400, "invalid_input", f"{name} is an HTTP function: call its route instead")
        if name not in self._timers and name not in self._queues:
            return problem(404, "not_found", f"no non-HTTP function named {name}")
        body = _body(environ)
        document: Any = {}
        if body.strip():
            try:
                document = json.loads(body)
            except ValueError:
                document = None
            if not isinstance(document, dict):
                return problem(400, "invalid_input", 'the body must be a JSON object like {"input": ""}')
        if name in self._queues:
            # As on Azure: the input is the message the queue function gets (without a queue).
            value = document.get("input", "")
            self._queues.run_now(name, value if isinstance(value, str) else json.dumps(value))
        else:
            self._timers.run_now(name)
        return 202, [], b""

    def _run_timer(self, method: str, name: str) -> Response:
        """``POST /admin/timers/<name>/run``: run a timer now and answer when it is over (for
        tests; ``/admin/functions/<name>`` answers 202 at once, as on Azure)."""
        if method != "POST":
            return problem(405, "method_not_allowed", headers=[("Allow", "POST")])
        succeeded = self._timers.run_and_wait(name)
        if succeeded is None:
            return problem(404, "not_found", f"no timer named {name}")
        document = {"timer": name, "succeeded": succeeded}
        return 200, [("Content-Type", "application/json")], json.dumps(document).encode()

    def _discard(self, environ: dict[str, Any], method: str) -> Response:
        """``POST /admin/discard``: read the body as a function would get it, answer its length
        and do nothing else — the no-I/O floor of an upload (bench/bench_upload.py). An admin
        route, so it exists only on a loopback dev host, never in the app or in production."""
        if method != "POST":
            return problem(405, "method_not_allowed", headers=[("Allow", "POST")])
        document = {"bytes": len(_body(environ))}
        return 200, [("Content-Type", "application/json")], json.dumps(document).encode()

    def _drain(self, method: str, queue: str) -> Response:
        """``POST /admin/queues/<queue>/drain``: process every visible message once, now, and
        answer the counts (for tests: deterministic, unlike the pollers)."""
        if method != "POST":
            return problem(405, "method_not_allowed", headers=[("Allow", "POST")])
        if not self._queues.listens_to(queue):
            return problem(404, "not_found", f"no queue function listens to {queue}")
        try:
            result = self._queues.drain(queue)
        except Exception:
            log.exception("draining queue %s failed", queue)
            return problem(503, "backend_unavailable", "the queue could not be drained; see the dev host log")
        document = {"queue": queue, **dataclasses.asdict(result)}
        return 200, [("Content-Type", "application/json")], json.dumps(document).encode()


def _text(wsgi_string: str) -> str:
    """WSGI hands over bytes as latin-1 strings; the URL's bytes are UTF-8."""
    return wsgi_string.encode("latin-1").decode("utf-8", "replace")


def _hop_or_length(name: str) -> bool:
    """Headers the server sets: hop-by-hop ones (PEP 3333 forbids them to apps) and the length."""
    return wsgiref.util.is_hop_by_hop(name) or name.lower() == "content-length"


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _body(environ: dict[str, Any]) -> bytes:
    """The (de-chunked) request body. Read a step at a time into a ``BytesIO``, whose
    ``getvalue()`` hands its buffer over as the ``bytes`` without copying: about 1× the body in
    memory, where one ``read(n)`` from cheroot's pure-Python socket file costs 2–3×."""
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    remaining = int(length) if length else -1  # -1: up to the end of the stream (chunked)
    buffer = io.BytesIO()
    while remaining:
        piece = stream.read(READ_STEP if remaining < 0 else min(READ_STEP, remaining))
        if not piece:
            break
        buffer.write(piece)
        remaining = -1 if remaining < 0 else remaining - len(piece)
    return buffer.getvalue()


def _slices(body: bytes) -> Iterable[bytes]:
    """The response body as the server should get it: whole if small, else in ``WRITE_STEP``
    slices (each a small copy), so cheroot never copies the whole body into its write buffer."""
    if len(body) <= WRITE_STEP:
        return [body]
    view = memoryview(body)
    return (bytes(view[start : start + WRITE_STEP]) for start in range(0, len(body), WRITE_STEP))


def _host_name(environ: dict[str, Any]) -> str:
    """The host name the request addressed (``Host`` without its port; IPv6 without brackets)."""
    host = str(environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or "").strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _request(environ: dict[str, Any], method: str, route_params: dict[str, str]) -> func.HttpRequest:
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    # As Azure's front end does: the client address comes from the connection, appended to
    # X-Forwarded-For as "ip:port" — here there is no proxy in front, so whatever the client
    # sent in X-Forwarded-For or X-Client-IP is dropped, never trusted.
    headers.pop("x-client-ip", None)
    address, port = environ.get("REMOTE_ADDR", ""), environ.get("REMOTE_PORT", "")
    headers["x-forwarded-for"] = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    params: dict[str, str] = {}
    for key, value in parse_qsl(_text(environ.get("QUERY_STRING", "")), keep_blank_values=True):
        params[key] = f"{params[key]},{value}" if key in params else value
    url = wsgiref.util.request_uri(environ, include_query=True)
    return func.HttpRequest(
        method, url, headers=headers, params=params, route_params=route_params, body=_body(environ)
    )


def _response(result: Any) -> Response:
    if isinstance(result, _abc.HttpResponse):
        headers = [(str(k), str(v)) for k, v in result.headers.items()]
        if not any(k.lower() == "content-type" for k, _ in headers):
            mimetype = result.mimetype
            content_type = (
                f"{mimetype}; charset={result.charset}" if mimetype.startswith("text/") else mimetype
            )
            headers.append(("Content-Type", content_type))
        return int(result.status_code), headers, bytes(result.get_body() or b"")
    if isinstance(result, str | bytes):
        body = result.encode() if isinstance(result, str) else result
        return 200, [("Content-Type", "text/plain; charset=utf-8")], body
    if result is None:
        return 204, [], b""
    raise TypeError(f"an HTTP function returned {type(result).__name__}, not func.HttpResponse or str")
