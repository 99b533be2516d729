"""The dev host, driven over real HTTP as a subprocess serving ``tests/api/sample_app.py``.

A few pure checks (the route table, the loopback rule, the admin switch) run in-process; all the
rest goes through ``python -m devhost`` on a free loopback port.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from shared import i18n
from shared.adapters.local_queue import LocalQueue
from shared.ports import QueuedMessage
from tests.fixtures.devhost import start_devhost
from tests.fixtures.processes import free_port, run_module

SAMPLE = "tests.api.sample_app"
YEARLY = "0 0 0 1 1 *"  # never during a test run (unless it runs over New Year's midnight UTC)


@dataclass(frozen=True)
class Host:
    url: str
    timer_file: Path
    log: Path


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False  # loopback only: no proxy from the environment
        yield session


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    """The sample app with timers off their schedule: they only run when a test asks."""
    folder = tmp_path_factory.mktemp("devhost-sample")
    env = _timer_env(folder / "timers.txt", tick=YEARLY, flaky=YEARLY)
    with start_devhost(SAMPLE, env=env, extra_args=["--no-timers"], log=folder / "devhost.log") as url:
        yield Host(url, folder / "timers.txt", folder / "devhost.log")


def _timer_env(timer_file: Path, *, tick: str, flaky: str) -> dict[str, str]:
    return {
        "SAMPLE_TIMER_FILE": str(timer_file),
        "SAMPLE_TICK_SCHEDULE": tick,
        "SAMPLE_FLAKY_SCHEDULE": flaky,
        # The sample's queue function is polled through the configured (local) queue: keep its
        # data next to the test's files, never in the repository's .data/.
        "CASEDESK_DATA_DIR": str(timer_file.parent / "data"),
    }


def _lines(path: Path, name: str) -> list[str]:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return [line for line in text.splitlines() if line.split(" ")[0] == name]


def _eventually(check: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def _assert_problem(response: requests.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"
    document = response.json()
    # The app's shape (decision 017), named by the answer's correlation id.
    assert set(document) == {"type", "title", "status", "detail", "instance", "code", "errors"}
    assert document["type"] == f"tag:casedesk,2026:problems/{code}"
    assert document["status"] == status
    assert document["code"] == code
    assert document["instance"] == "urn:casedesk:trace:" + response.headers["X-Correlation-Id"]
    assert isinstance(document["title"], str)
    assert document["title"] and document["detail"] and document["errors"] == []
    return dict(document)


# --- routing over HTTP ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/items/latest", {"route": "literal"}),
        ("/api/ITEMS/Latest", {"route": "literal"}),  # literals match case-insensitively
        ("/api/items/42", {"route": "parameter", "id": "42"}),
        ("/api/items/42/more/parts", {"route": "catch-all", "path": "items/42/more/parts"}),
        ("/api/orders/12", {"route": "int", "n": "12"}),
        ("/api/orders/abc", {"route": "alpha", "name": "abc"}),
        ("/api/orders/a1", {"route": "catch-all", "path": "orders/a1"}),  # neither constraint fits
        ("/api/orders/99999999999", {"route": "catch-all", "path": "orders/99999999999"}),  # > int32
        ("/api/docs/not-a-guid", {"route": "catch-all", "path": "docs/not-a-guid"}),
        ("/api/items/caf%C3%A9", {"route": "parameter", "id": "café"}),  # values are decoded
        ("/api/echo", {"route": "catch-all", "path": "echo"}),  # echo is POST-only: GET falls through
        ("/api", {"route": "catch-all", "path": None}),  # an empty catch-all is absent, as in ASP.NET
    ],
)
def test_literal_beats_parameter_beats_catch_all(
    http: requests.Session, host: Host, path: str, expected: dict[str, str]
) -> None:
    response = http.get(host.url + path)
    assert response.status_code == 200
    assert response.json() == expected


def test_guid_constraint(http: requests.Session, host: Host) -> None:
    doc = str(uuid.uuid4())
    assert http.get(f"{host.url}/api/docs/{doc}").json() == {"route": "guid", "doc": doc}


def test_no_route_outside_the_prefix_is_404_problem(http: requests.Session, host: Host) -> None:
    _assert_problem(http.get(host.url + "/items/latest"), 404, "not_found")
    _assert_problem(http.get(host.url + "/"), 404, "not_found")


def test_wrong_method_is_405_problem_with_allow(http: requests.Session, host: Host) -> None:
    response = http.delete(host.url + "/api/echo")
    _assert_problem(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "GET, POST"  # echo (POST) and the catch-all (GET) match the path


def test_an_exception_is_a_500_problem_without_its_text(http: requests.Session, host: Host) -> None:
    response = http.get(host.url + "/api/boom")
    document = _assert_problem(response, 500, "internal_error")
    assert "secret" not in response.text
    assert "RuntimeError" not in response.text
    assert document["detail"] == i18n.translate("errors.internal_error.detail")  # the generic text only
    # ... but the traceback is in the server's log, for the developer
    assert _eventually(lambda: "secret detail that must not reach the client" in host.log.read_text())
    assert "Traceback" in host.log.read_text()


def test_the_hosts_own_answers_carry_security_headers(http: requests.Session, host: Host) -> None:
    for response in (http.get(host.url + "/items/latest"), http.delete(host.url + "/api/echo")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("name", ["evil.example", "evil.example:7071", "127.0.0.1.nip.io", "[::2]:80"])
def test_a_request_for_a_foreign_host_name_is_refused(http: requests.Session, host: Host, name: str) -> None:
    """DNS rebinding: a page whose name resolves to 127.0.0.1 must not read the dev host."""
    response = http.get(host.url + "/api/inspect", headers={"Host": name})
    _assert_problem(response, 400, "invalid_host")


@pytest.mark.parametrize("name", ["localhost", "LOCALHOST:1", "127.0.0.1", "[::1]:7071"])
def test_local_host_names_are_served(http: requests.Session, host: Host, name: str) -> None:
    assert http.get(host.url + "/api/inspect", headers={"Host": name}).status_code == 200


def test_the_client_address_comes_from_the_socket_not_from_headers(
    http: requests.Session, host: Host
) -> None:
    forged = {"X-Forwarded-For": "203.0.113.9", "X-Client-IP": "198.51.100.1"}
    seen = http.get(host.url + "/api/inspect", headers=forged).json()["headers"]
    assert "x-client-ip" not in seen
    address, _, port = seen["x-forwarded-for"].rpartition(":")
    assert address == "127.0.0.1" and port.isdigit()


# --- request and response conversion -------------------------------------------------------------


def test_query_headers_and_url_reach_the_function(http: requests.Session, host: Host) -> None:
    response = http.get(host.url + "/api/inspect?a=1&a=2&b=%C3%BC&empty=", headers={"X-Test": "hi there"})
    assert response.status_code == 200
    seen = response.json()
    assert seen["method"] == "GET"
    assert seen["url"] == host.url + "/api/inspect?a=1&a=2&b=%C3%BC&empty="
    assert seen["params"] == {"a": "1,2", "b": "ü", "empty": ""}  # repeated keys joined, like the host
    assert seen["headers"]["x-test"] == "hi there"
    assert seen["headers"]["host"] == host.url.removeprefix("http://")
    assert seen["casedesk_env"] == os.environ.get("CASEDESK_ENV", "development")


def test_response_headers_round_trip(http: requests.Session, host: Host) -> None:
    response = http.put(host.url + "/api/inspect", headers={"X-Test": "ping"})
    assert response.status_code == 200
    assert response.headers["X-Echo"] == "ping"
    assert response.headers["Content-Type"] == "application/json"  # from mimetype, no charset
    assert response.raw.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert response.cookies.get_dict() == {"a": "1", "b": "2"}


def test_post_body_arrives_byte_for_byte(http: requests.Session, host: Host) -> None:
    body = bytes(range(256)) * 4096  # 1 MiB, not valid UTF-8
    response = http.post(host.url + "/api/echo", data=body, headers={"Content-Type": "application/x-test"})
    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/x-test"
    assert response.headers["Content-Length"] == str(len(body))
    assert response.content == body


def test_chunked_request_body(http: requests.Session, host: Host) -> None:
    response = http.post(host.url + "/api/echo", data=iter([b"chunk-one ", b"chunk-two"]))
    assert response.request.headers["Transfer-Encoding"] == "chunked"
    assert response.content == b"chunk-one chunk-two"


def test_mimetype_charset_and_status(http: requests.Session, host: Host) -> None:
    response = http.get(host.url + "/api/latin")
    assert response.status_code == 202
    assert response.headers["Content-Type"] == "text/plain; charset=latin-1"
    assert response.content == "Grüezi".encode("latin-1")


def test_async_function_returning_a_string(http: requests.Session, host: Host) -> None:
    response = http.get(host.url + "/api/async/world")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.text == "hello world"


# --- the admin endpoint --------------------------------------------------------------------------


def test_admin_runs_a_timer_on_demand(http: requests.Session, host: Host) -> None:
    response = http.post(host.url + "/admin/functions/tick", json={"input": ""})
    assert response.status_code == 202
    assert response.content == b""
    assert _eventually(lambda: _lines(host.timer_file, "tick") == ["tick past_due=False"])
    # names are case-insensitive, and the body is optional
    assert http.post(host.url + "/admin/functions/TICK").status_code == 202
    assert _eventually(lambda: len(_lines(host.timer_file, "tick")) == 2)
    # --no-timers also holds back run_on_startup
    assert _lines(host.timer_file, "startup") == []


def test_admin_errors(http: requests.Session, host: Host) -> None:
    _assert_problem(http.post(host.url + "/admin/functions/nope"), 404, "not_found")
    _assert_problem(http.post(host.url + "/admin/functions/echo"), 400, "invalid_input")  # HTTP function
    _assert_problem(http.post(host.url + "/admin/functions/tick", data="[1]"), 400, "invalid_input")
    _assert_problem(http.get(host.url + "/admin/functions/tick"), 405, "method_not_allowed")
    _assert_problem(http.post(host.url + "/admin/other"), 404, "not_found")


# --- timers on their schedule --------------------------------------------------------------------


def test_timers_fire_on_schedule_and_survive_errors(http: requests.Session, tmp_path: Path) -> None:
    timer_file, log = tmp_path / "timers.txt", tmp_path / "devhost.log"
    env = _timer_env(timer_file, tick="*/1 * * * * *", flaky="*/1 * * * * *")
    with start_devhost(SAMPLE, env=env, log=log):
        assert _eventually(lambda: _lines(timer_file, "startup") == ["startup past_due=False"], 10)
        assert _eventually(lambda: len(_lines(timer_file, "tick")) >= 3, 10)
        # flaky raises every time; it keeps being scheduled, and the others keep running
        assert _eventually(lambda: len(_lines(timer_file, "flaky")) >= 3, 10)
    assert "timer flaky failed; the schedule continues" in log.read_text()
    assert "RuntimeError: timer failure" in log.read_text()


# --- queue-triggered functions -------------------------------------------------------------------

QUEUE_APP = """
import azure.functions as func
from tests.api.sample_app import bp

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_blueprint(bp)
"""


@dataclass(frozen=True)
class QueueHost:
    url: str
    queue: LocalQueue  # the same SQLite queue file the dev host reads (as the CLI would share it)
    queue_file: Path
    log: Path

    def tries(self, body: str) -> list[int]:
        text = self.queue_file.read_text(encoding="utf-8") if self.queue_file.exists() else ""
        return [
            int(line.split(" ")[2].removeprefix("try="))
            for line in text.splitlines()
            if line.endswith(f" {body}")
        ]


@contextmanager
def _queue_host(tmp_path: Path, extra_args: list[str], max_dequeue_count: int = 3) -> Iterator[QueueHost]:
    """The sample's blueprint in an app whose host.json retries after 1 s and poisons after 3 tries."""
    (tmp_path / "queue_app.py").write_text(QUEUE_APP)
    queues = {"maxDequeueCount": max_dequeue_count, "visibilityTimeout": "00:00:01", "batchSize": 4}
    host_json = {"version": "2.0", "extensions": {"http": {"routePrefix": "api"}, "queues": queues}}
    (tmp_path / "host.json").write_text(json.dumps(host_json))
    env = {
        "PYTHONPATH": str(tmp_path),
        **_timer_env(tmp_path / "timers.txt", tick=YEARLY, flaky=YEARLY),
        "SAMPLE_QUEUE_FILE": str(tmp_path / "queue.txt"),
        "CASEDESK_QUEUE": "local",
    }
    queue = LocalQueue(tmp_path / "data" / "queues.sqlite3")
    log = tmp_path / "devhost.log"
    try:
        with start_devhost("queue_app", env=env, extra_args=["--no-timers", *extra_args], log=log) as url:
            yield QueueHost(url, queue, tmp_path / "queue.txt", log)
    finally:
        queue.close()


def _drain(http: requests.Session, host: QueueHost) -> dict[str, object]:
    response = http.post(host.url + "/admin/queues/sample-jobs/drain")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json"
    return dict(response.json())


def test_queue_messages_are_delivered_retried_and_poisoned(http: requests.Session, tmp_path: Path) -> None:
    """Driven by the deterministic drain (no polling): success deletes, a failure comes back after
    the visibility timeout with its dequeue count up, and the third failure goes to -poison."""
    with _queue_host(tmp_path, ["--no-queues"]) as host:
        host.queue.send("sample-jobs", "hello Grüezi")
        host.queue.send("sample-jobs", "fail-always")
        assert _drain(http, host) == {"queue": "sample-jobs", "processed": 1, "failed": 1, "poisoned": 0}
        assert host.tries("hello Grüezi") == [1]
        assert host.tries("fail-always") == [1]
        # The failed message is hidden for visibilityTimeout (1 s): nothing to do right now.
        assert _drain(http, host) == {"queue": "sample-jobs", "processed": 0, "failed": 0, "poisoned": 0}
        time.sleep(1.5)
        assert _drain(http, host) == {"queue": "sample-jobs", "processed": 0, "failed": 1, "poisoned": 0}
        time.sleep(1.5)
        assert _drain(http, host) == {"queue": "sample-jobs", "processed": 0, "failed": 1, "poisoned": 1}
        assert host.tries("fail-always") == [1, 2, 3]  # maxDequeueCount 3, as in host.json
        assert host.tries("hello Grüezi") == [1]  # delivered once, deleted on success
        (poisoned,) = host.queue.receive("sample-jobs-poison")
        assert poisoned.body == "fail-always"
        time.sleep(1.5)
        assert host.queue.receive("sample-jobs") == []  # nothing left behind
        log = host.log.read_text(encoding="utf-8")
        assert "moved to sample-jobs-poison after 3 tries" in log
        assert "queue function failure" in log  # the traceback, for the developer
        assert "Grüezi" not in log and "fail-always" not in log  # ids only, never a body


def test_queue_drain_errors(http: requests.Session, host: Host) -> None:
    _assert_problem(http.post(host.url + "/admin/queues/no-such-queue/drain"), 404, "not_found")
    _assert_problem(http.get(host.url + "/admin/queues/sample-jobs/drain"), 405, "method_not_allowed")
    _assert_problem(http.post(host.url + "/admin/queues/sample-jobs/other"), 404, "not_found")


def test_queue_polling_delivers_and_poisons_by_itself(http: requests.Session, tmp_path: Path) -> None:
    with _queue_host(tmp_path, [], max_dequeue_count=2) as host:
        host.queue.send("sample-jobs", "polled")
        assert _eventually(lambda: host.tries("polled") == [1])
        host.queue.send("sample-jobs", "fail-polled")
        assert _eventually(lambda: host.tries("fail-polled") == [1, 2])
        poisoned: list[QueuedMessage] = []
        assert _eventually(
            lambda: bool(poisoned.extend(host.queue.receive("sample-jobs-poison")) or poisoned)
        )
        assert [m.body for m in poisoned] == ["fail-polled"]
        time.sleep(1.5)
        assert host.tries("polled") == [1]
        assert host.tries("fail-polled") == [1, 2]  # no third try after the poison queue


def test_admin_runs_a_queue_function_with_its_input(http: requests.Session, host: Host) -> None:
    queue_file = host.timer_file.parent / "queue.txt"
    assert not queue_file.exists()  # the module host does not set SAMPLE_QUEUE_FILE
    response = http.post(host.url + "/admin/functions/on_job", json={"input": "fail direct"})
    assert response.status_code == 202
    assert _eventually(lambda: "queue function on_job failed on admin input" in host.log.read_text())


def test_queue_settings_from_host_json(tmp_path: Path) -> None:
    from devhost.loader import QueueSettings, StartupError, queue_settings

    assert queue_settings(tmp_path) == QueueSettings(5, 10, 16, 1.0)  # no host.json: defaults
    root = Path(__file__).resolve().parents[2]
    product = queue_settings(root)
    assert (product.max_dequeue_count, product.visibility_timeout) == (5, 30)

    def write(queues: object) -> None:
        (tmp_path / "host.json").write_text(json.dumps({"version": "2.0", "extensions": {"queues": queues}}))

    write(
        {
            "maxDequeueCount": 2,
            "visibilityTimeout": "00:01:30",
            "batchSize": 1,
            "maxPollingInterval": "00:00:00.2",
        }
    )
    assert queue_settings(tmp_path) == QueueSettings(2, 90, 1, 0.2)
    write({"visibilityTimeout": "00:00:00"})
    assert queue_settings(tmp_path).visibility_timeout == 1  # a receive hides for at least 1 s
    for bad, message in [
        ({"messageEncoding": "none"}, "messageEncoding must be base64"),
        ({"maxDequeueCount": 0}, "maxDequeueCount"),
        ({"batchSize": 33}, "batchSize must be 1-32"),
        ({"visibilityTimeout": 30}, "time span"),
        ([], "extensions.queues must be an object"),
    ]:
        write(bad)
        with pytest.raises(StartupError, match=message):
            queue_settings(tmp_path)


def test_bad_queue_host_json_stops_the_start(tmp_path: Path) -> None:
    (tmp_path / "queue_app.py").write_text(QUEUE_APP)
    host_json = {"version": "2.0", "extensions": {"queues": {"messageEncoding": "none"}}}
    (tmp_path / "host.json").write_text(json.dumps(host_json))
    env = {"PYTHONPATH": str(tmp_path), **_timer_env(tmp_path / "timers.txt", tick=YEARLY, flaky=YEARLY)}
    result = _run_devhost(["--app", "queue_app", "--port", str(free_port())], env)
    assert result.returncode == 1
    assert "messageEncoding must be base64" in result.stderr


# --- host.json and start-up checks ---------------------------------------------------------------

PREFIXLESS_APP = """
import azure.functions as func
from tests.api.sample_app import bp

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_blueprint(bp)
"""


def test_route_prefix_from_host_json(http: requests.Session, tmp_path: Path) -> None:
    (tmp_path / "prefixless_app.py").write_text(PREFIXLESS_APP)
    (tmp_path / "host.json").write_text(
        json.dumps({"version": "2.0", "extensions": {"http": {"routePrefix": ""}}})
    )
    env = {"PYTHONPATH": str(tmp_path), **_timer_env(tmp_path / "timers.txt", tick=YEARLY, flaky=YEARLY)}
    with start_devhost("prefixless_app", env=env, extra_args=["--no-timers"]) as url:
        assert http.get(url + "/items/latest").json() == {"route": "literal"}
        assert http.get(url + "/").json() == {"route": "catch-all", "path": None}
        assert http.get(url + "/api/items/latest").json() == {
            "route": "catch-all",
            "path": "api/items/latest",
        }
        # a root catch-all does not swallow the host's own admin routes
        assert http.post(url + "/admin/functions/tick").status_code == 202
        _assert_problem(http.get(url + "/admin/functions/tick"), 405, "method_not_allowed")


BAD_APPS = {
    "blob input": """
        @app.route(route="files")
        @app.blob_input(arg_name="blob", path="container/name", connection="Storage")
        def with_blob(req: func.HttpRequest, blob: str) -> str:
            return blob
    """,
    "queue name": """
        @app.queue_trigger(arg_name="msg", queue_name="Not_Valid", connection="Storage")
        def on_queue(msg: func.QueueMessage) -> None:
            pass
    """,
    "queue name without room for -poison": """
        @app.queue_trigger(arg_name="msg", queue_name="a" * 57, connection="Storage")
        def long_queue(msg: func.QueueMessage) -> None:
            pass
    """,
    "service bus trigger": """
        @app.service_bus_queue_trigger(arg_name="msg", queue_name="q", connection="Bus")
        def on_bus(msg: func.ServiceBusMessage) -> None:
            pass
    """,
    "unknown parameter": """
        @app.route(route="x")
        def needs_more(req: func.HttpRequest, other: str) -> str:
            return other
    """,
    "timespan schedule": """
        @app.timer_trigger(arg_name="t", schedule="00:05:00")
        def every_five(t: func.TimerRequest) -> None:
            pass
    """,
}
BAD_NAMES = {"blob input": "with_blob", "queue name": "on_queue", "unknown parameter": "needs_more"}
BAD_NAMES["timespan schedule"] = "every_five"
BAD_NAMES["queue name without room for -poison"] = "long_queue"
BAD_NAMES["service bus trigger"] = "on_bus"


@pytest.mark.parametrize("case", sorted(BAD_APPS))
def test_start_up_fails_clearly_for_what_the_dev_host_cannot_do(tmp_path: Path, case: str) -> None:
    header = "import azure.functions as func\napp = func.FunctionApp(http_auth_level='ANONYMOUS')\n"
    (tmp_path / "bad_app.py").write_text(header + textwrap.dedent(BAD_APPS[case]))
    result = _run_devhost(["--app", "bad_app", "--port", str(free_port())], {"PYTHONPATH": str(tmp_path)})
    assert result.returncode == 1
    assert f"cannot start: function '{BAD_NAMES[case]}'" in result.stderr


@pytest.mark.parametrize("address", ["0.0.0.0", "192.0.2.1", "::"])
def test_refuses_a_non_loopback_address_without_allow_remote(address: str) -> None:
    result = _run_devhost(["--host", address, "--port", str(free_port()), "--app", SAMPLE], {})
    assert result.returncode == 2
    assert "not a loopback address" in result.stderr
    assert "--allow-remote" in result.stderr


def _run_devhost(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_module("devhost", *args, env=env)  # a start that must fail: no server to wait for


# --- in-process: the route table and the admin switch --------------------------------------------


def test_route_table_rules(caplog: pytest.LogCaptureFixture) -> None:
    from devhost.routing import RouteTable

    table: RouteTable[str] = RouteTable()
    table.add("files/{*rest}", None, "files-catch-all")
    table.add("{*all}", ["GET"], "root-catch-all")
    table.add("files/{id:min(10):max(20)}", None, "ranged")
    table.add("files/{name:regex(^[a-z]+\\.txt$)}", None, "regex")
    table.add("years/{year:regex(^[0-9]{{1,4}}$)}", None, "regex-with-braces")
    table.add("files/{code:length(2)}/{page?}", None, "optional")
    table.add("files/{x:unknownthing}/y", ["PUT"], "unknown-constraint")
    table.add("v/{version=1}", None, "default")

    def target(path: str, method: str = "GET") -> object:
        found = table.match(method, path)
        return found[0].target if isinstance(found, tuple) else found

    assert target("/files/15") == "ranged"
    assert target("/files/9") == "files-catch-all"  # below min(10)
    assert target("/files/notes.txt") == "regex"
    assert target("/years/2024") == "regex-with-braces"
    assert target("/years/20245") == "root-catch-all"
    assert target("/files/ab") == "optional"
    assert target("/files/ab/3") == "optional"
    assert table.match("GET", "/files/ab/3")[1] == {"code": "ab", "page": "3"}  # type: ignore[index]
    assert target("/files/abc/3") == "files-catch-all"
    assert target("/files/zzz/y", "PUT") == "unknown-constraint"  # ignored constraint, with a warning
    assert "unknownthing" in caplog.text
    assert target("/v") == "default"
    assert table.match("GET", "/v")[1] == {"version": "1"}  # type: ignore[index]
    assert table.match("GET", "/files")[1] == {}  # type: ignore[index]  # empty catch-all: absent
    assert table.match("DELETE", "/other") == {"GET"}  # only the GET root catch-all fits: 405
    assert RouteTable[str]().match("GET", "/") is None  # nothing fits: 404


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{*rest}/more", "catch-all parameter must be the last segment"),
        ("file.{ext}", "mixes text and parameters"),
        ("a/{id}/{ID}", "used twice"),
        ("a//b", "empty segment"),
        ("a/{id?}/b", "only the last segments may be optional"),
        ("a/{id:min(x)}", "malformed"),
        ("a/{id:regex(()}", "malformed"),
        ("a/{1x}", "not a valid parameter name"),
    ],
)
def test_bad_route_templates(template: str, message: str) -> None:
    from devhost.routing import parse_template

    with pytest.raises(ValueError, match="route") as caught:
        parse_template(template)
    assert message in str(caught.value)


def test_loopback_rule() -> None:
    from devhost.__main__ import is_loopback

    assert all(is_loopback(h) for h in ["127.0.0.1", "127.0.0.2", "::1", "localhost", "LOCALHOST"])
    assert not any(is_loopback(h) for h in ["0.0.0.0", "::", "192.0.2.1", "10.0.0.1"])


def test_admin_endpoint_is_absent_when_remote(monkeypatch: pytest.MonkeyPatch) -> None:
    from werkzeug.test import Client

    from devhost.invoke import Invoker
    from devhost.loader import QueueSettings, collect, load_app
    from devhost.queues import QueueService
    from devhost.timers import TimerService
    from devhost.wsgi import DevHostApp

    monkeypatch.setenv("SAMPLE_TICK_SCHEDULE", YEARLY)
    monkeypatch.setenv("SAMPLE_FLAKY_SCHEDULE", YEARLY)
    app, _ = load_app(SAMPLE)
    https, timers, queues = collect(app)
    invoker = Invoker()
    try:
        queue_service = QueueService(queues, invoker, QueueSettings())
        remote = Client(
            DevHostApp(
                https, TimerService(timers, invoker), invoker, "api", admin=False, queues=queue_service
            )
        )
        for path in ("/admin/functions/tick", "/admin/functions/on_job", "/admin/queues/sample-jobs/drain"):
            response = remote.post(path)
            assert response.status_code == 404
            assert {k: response.json[k] for k in ("type", "title", "status", "code", "errors")} == {
                "type": "tag:casedesk,2026:problems/not_found",
                "title": "Not found",
                "status": 404,
                "code": "not_found",
                "errors": [],
            }
        assert remote.get("/api/items/latest").json == {"route": "literal"}
    finally:
        invoker.close()
