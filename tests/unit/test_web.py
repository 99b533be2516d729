"""The web function: serves web/dist, falls back to the app shell, never escapes its root."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from functions import web
from tests.unit.conftest import http_request


@pytest.fixture
def dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>CaseDesk</title>")
    (root / "assets" / "app-1234.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside")
    monkeypatch.setattr(web, "DIST", root)  # a module constant: where the built files are
    yield root


def get(path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    user = web.bp._function_builders[0]._function.get_user_function()  # the registered entry point
    response = user(http_request(method, f"/{path}", route_params={"path": path}))
    headers = dict(response.headers)
    headers.setdefault("Content-Type", response.mimetype)  # problem responses set it as mimetype
    return response.status_code, headers, response.get_body()


def test_root_serves_the_app_shell_without_caching(dist: Path) -> None:
    status, headers, body = get("")
    assert status == 200 and b"CaseDesk" in body
    assert headers["Content-Type"].startswith("text/html") and headers["Cache-Control"] == "no-cache"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_hashed_assets_are_cached_for_ever(dist: Path) -> None:
    status, headers, _ = get("assets/app-1234.js")
    assert status == 200 and headers["Content-Type"] == "text/javascript"
    assert "immutable" in headers["Cache-Control"]


def test_client_side_routes_get_the_app_shell(dist: Path) -> None:
    status, _, body = get("cases/123/documents")
    assert status == 200 and b"CaseDesk" in body


@pytest.mark.parametrize(
    "path", ["assets/missing.js", "../secret.txt", "assets/../../secret.txt", "api/nope", "api"]
)
def test_missing_files_escapes_and_unknown_api_paths_are_404_problems(dist: Path, path: str) -> None:
    status, headers, body = get(path)
    assert status == 404 and headers["Content-Type"].startswith("application/problem+json")
    assert b"outside" not in body and json.loads(body)["code"] == "not_found"


def test_head_sends_no_body(dist: Path) -> None:
    status, _, body = get("", "HEAD")
    assert status == 200 and body == b""


def test_an_unbuilt_frontend_is_a_clear_503(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web, "DIST", tmp_path / "nothing")
    status, _, body = get("")
    assert status == 503 and json.loads(body)["code"] == "frontend_unavailable"
