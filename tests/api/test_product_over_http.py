"""The product's function app served by the dev host, over real HTTP on loopback."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from functions.http import SECURITY_HEADERS
from tests.fixtures.devhost import start_devhost
from tests.fixtures.processes import free_port, run_module

DIST = Path(__file__).resolve().parents[2] / "web" / "dist"


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None, body: bytes | None = None):  # type: ignore[no-untyped-def]
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=body)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_liveness_is_200_json_and_touches_no_port(devhost_url: str) -> None:
    for path in ("/api/health", "/api/health/live"):
        status, headers, body = fetch(f"{devhost_url}{path}")
        assert status == 200 and headers["Content-Type"].startswith("application/json")
        assert json.loads(body) == {"status": "ok"}


def test_readiness_is_200_json_with_every_checked_port_ok(devhost_url: str) -> None:
    status, headers, body = fetch(f"{devhost_url}/api/health/ready")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    data = json.loads(body)
    assert data["status"] == "ok" and data["environment"] == "test"
    assert {name: check["status"] for name, check in data["checks"].items()} == {
        "store": "ok",
        "blobs": "ok",
        "keyRing": "unchecked",  # the timers do not run here: no scheduled KEK check yet (decision 025)
        "mailer": "ok",
    }
    assert data["checks"]["store"]["adapter"] == "SqliteStore"
    for name, value in SECURITY_HEADERS.items():
        assert headers[name] == value
    assert headers["X-Correlation-Id"]


def test_health_speaks_german_when_asked(devhost_url: str) -> None:
    _, _, body = fetch(f"{devhost_url}/api/health/ready", headers={"Accept-Language": "de-CH, de;q=0.9"})
    assert json.loads(body)["message"] == "Alle Systeme funktionieren"


def test_the_app_shell_and_its_assets_are_served(devhost_url: str) -> None:
    if not (DIST / "index.html").is_file():
        pytest.fail("web/dist is not built: `make test` builds it (npm run build in web/)")
    status, headers, body = fetch(f"{devhost_url}/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    page = body.decode()
    assert '<div id="app">' in page
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    script = page.split('src="', 1)[1].split('"', 1)[0]
    status, headers, js = fetch(f"{devhost_url}{script}")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    # The entry holds the first load's session check; the pages are chunks it loads on demand
    # (decision 040), each with the same immutable caching.
    assert b"/api/auth/status" in js and "immutable" in headers["Cache-Control"]
    login_chunk = re.search(rb"\./(login-[\w-]+\.js)", js)
    assert login_chunk is not None, "the sign-in page is a chunk of its own"
    status, headers, chunk = fetch(f"{devhost_url}/assets/{login_chunk.group(1).decode()}")
    assert status == 200 and b"/api/auth/login" in chunk and "immutable" in headers["Cache-Control"]
    # A client-side route (an e-mail link) gets the same shell; a missing asset does not.
    assert fetch(f"{devhost_url}/notifications")[2] == body
    assert fetch(f"{devhost_url}/assets/missing.js")[0] == 404


def test_unknown_api_paths_are_problem_json_404(devhost_url: str) -> None:
    status, headers, body = fetch(f"{devhost_url}/api/does-not-exist", headers={"Accept-Language": "de"})
    assert status == 404 and headers["Content-Type"].startswith("application/problem+json")
    problem = json.loads(body)
    assert problem["code"] == "not_found" and problem["title"] == "Nicht gefunden"


def test_wrong_method_is_refused(devhost_url: str) -> None:
    status, _, body = fetch(f"{devhost_url}/api/health", method="DELETE")
    assert status in (404, 405) and json.loads(body)["status"] == status


def test_dev_routes_do_not_exist_in_test_configuration(devhost_url: str) -> None:
    status, _, _ = fetch(f"{devhost_url}/api/dev/outbox")
    assert status == 404


def test_development_configuration_serves_the_outbox(tmp_path: Path) -> None:
    env = {"CASEDESK_ENV": "development", "CASEDESK_DATA_DIR": str(tmp_path)}
    with start_devhost(env=env, extra_args=("--no-timers",)) as url:
        status, _, body = fetch(f"{url}/api/dev/outbox")
        health_status, _, _ = fetch(f"{url}/api/health/ready")
    assert status == 200 and json.loads(body) == {"messages": []}
    assert health_status == 200
    # The readiness check opened the store; the KEK file appears on first use (readiness never
    # reads the KEK, decision 025).
    assert (tmp_path / "casedesk.sqlite3").exists()


def test_production_with_embedded_adapters_refuses_to_start_with_a_clear_message(tmp_path: Path) -> None:
    env = {"CASEDESK_ENV": "production", "CASEDESK_DATA_DIR": str(tmp_path / "data")}
    result = run_module("devhost", "--port", str(free_port()), "--no-timers", env=env)
    assert result.returncode == 1
    assert (
        "CASEDESK_STORE=sqlite is an embedded, local-only adapter and is refused in production"
        in result.stderr
    )
    assert "CASEDESK_MAIL=outbox" in result.stderr
    assert not (tmp_path / "data").exists()
