"""Serves the built frontend (``web/dist``) from the Function App itself: one origin for the
session cookie and a strict CSP, and the frontend stays in Switzerland (ARCHITECTURE §7).

A catch-all route: files that exist are served; other paths without a file extension get
``index.html`` (client-side routes); unknown ``api/...`` paths are API 404s, not the app. A file
the build also wrote Brotli- or gzip-compressed (``.br``/``.gz`` beside it) is answered compressed
to a client that accepts it (``Content-Encoding``, ``Vary: Accept-Encoding``).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

import azure.functions as func

from functions.http import Html, Request, route
from shared.access.permissions import PUBLIC
from shared.errors import BackendUnavailable, NotFound

bp = func.Blueprint()

DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".html": "text/html",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".woff2": "font/woff2",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain",
}


class FrontendUnavailable(BackendUnavailable):
    code = "frontend_unavailable"


# Html names the app shell; the same 200 serves the bundle's files under their own types.
@route(bp, name="web", path="{*path}", methods=["GET", "HEAD"], permission=PUBLIC, responses={200: Html})
def web(request: Request) -> func.HttpResponse:
    path = request.http.route_params.get("path") or ""
    if path == "api" or path.startswith("api/"):
        raise NotFound("no such API route")
    file = _resolve(path)
    content_type = _TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    # Vite puts content-hashed files under assets/: cache them for ever; everything else revalidates.
    cache = "public, max-age=31536000, immutable" if path.startswith("assets/") else "no-cache"
    headers = {"Content-Type": content_type, "Cache-Control": cache}
    served = file
    if any(file.with_name(file.name + suffix).is_file() for suffix in _ENCODINGS.values()):
        # Compressed once at build time (web/scripts/precompress.mjs), never per request.
        headers["Vary"] = "Accept-Encoding"
        encoding = _accepted_encoding(request.http.headers.get("accept-encoding", ""), file)
        if encoding is not None:
            headers["Content-Encoding"] = encoding
            served = file.with_name(file.name + _ENCODINGS[encoding])
    body = served.read_bytes() if request.http.method != "HEAD" else b""
    return func.HttpResponse(body, status_code=200, headers=headers)


#: Precompressed siblings of a built file, in the order preferred (Brotli is the smaller).
_ENCODINGS = {"br": ".br", "gzip": ".gz"}


def _accepted_encoding(accept: str, file: Path) -> str | None:
    """The best encoding the client accepts (``q=0`` refuses) that the build made for ``file``."""
    offered: dict[str, float] = {}
    for part in accept.lower().split(","):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if name.strip():
            offered[name.strip()] = quality
    for encoding, suffix in _ENCODINGS.items():
        if offered.get(encoding, 0.0) > 0 and file.with_name(file.name + suffix).is_file():
            return encoding
    return None


def _resolve(path: str) -> Path:
    index = DIST / "index.html"
    if not index.is_file():
        raise FrontendUnavailable("web/dist is missing: run `make web`")
    candidate = (DIST / path).resolve()
    if not candidate.is_relative_to(DIST.resolve()):  # no ../ escapes from dist
        raise NotFound("outside the web root")
    if candidate.is_file():
        return candidate
    if "." in Path(path).name:  # a missing asset is a 404, not the app shell
        raise NotFound("no such file")
    return index
