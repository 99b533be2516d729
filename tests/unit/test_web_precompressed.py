"""The web function answers a built file's Brotli or gzip copy (written once by
web/scripts/precompress.mjs) to a client that accepts it, and the file itself to one that does
not; caches are told the answer varies with Accept-Encoding."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest

from functions import web
from tests.unit.conftest import http_request

SOURCE = b"console.log('CaseDesk');\n" * 200


@pytest.fixture
def dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>CaseDesk</title>")
    (root / "assets" / "app-1234.js").write_bytes(SOURCE)
    (root / "assets" / "app-1234.js.gz").write_bytes(gzip.compress(SOURCE))
    (root / "assets" / "app-1234.js.br").write_bytes(b"brotli bytes stand-in")
    (root / "assets" / "plain-1234.css").write_text("body{}")
    monkeypatch.setattr(web, "DIST", root)  # a module constant: where the built files are
    yield root


def get(path: str, accept: str | None, method: str = "GET") -> tuple[dict[str, str], bytes]:
    user = web.bp._function_builders[0]._function.get_user_function()  # the registered entry point
    headers = {} if accept is None else {"Accept-Encoding": accept}
    response = user(http_request(method, f"/{path}", headers=headers, route_params={"path": path}))
    assert response.status_code == 200
    return dict(response.headers), response.get_body()


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [
        ("gzip, deflate, br, zstd", "br"),
        ("gzip", "gzip"),
        ("br;q=0, gzip;q=0.8", "gzip"),
        ("GZIP", "gzip"),
    ],
)
def test_the_best_accepted_copy_is_answered_with_its_encoding(dist: Path, accept: str, encoding: str) -> None:
    headers, body = get("assets/app-1234.js", accept)
    assert headers["Content-Encoding"] == encoding and headers["Vary"] == "Accept-Encoding"
    assert headers["Content-Type"] == "text/javascript"
    suffix = {"br": ".br", "gzip": ".gz"}[encoding]
    assert body == (dist / "assets" / f"app-1234.js{suffix}").read_bytes()
    if encoding == "gzip":
        assert gzip.decompress(body) == SOURCE


@pytest.mark.parametrize("accept", [None, "identity", "deflate", "gzip;q=0, br;q=0"])
def test_a_client_that_accepts_neither_gets_the_file_itself(dist: Path, accept: str | None) -> None:
    headers, body = get("assets/app-1234.js", accept)
    assert "Content-Encoding" not in headers and headers["Vary"] == "Accept-Encoding"
    assert body == SOURCE


def test_a_file_without_copies_is_answered_as_it_is_and_does_not_vary(dist: Path) -> None:
    headers, body = get("assets/plain-1234.css", "gzip, br")
    assert "Content-Encoding" not in headers and "Vary" not in headers and body == b"body{}"


def test_head_names_the_encoding_without_a_body(dist: Path) -> None:
    headers, body = get("assets/app-1234.js", "br", method="HEAD")
    assert headers["Content-Encoding"] == "br" and body == b""
