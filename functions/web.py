"""Serves the built frontend (``web/dist``) from the Function App itself: one origin for the
session cookie and a strict CSP, and the frontend stays in Switzerland (ARCHITECTURE §7).

A catch-all route: files that exist are served; other paths without a file extension get
``index.html`` (client-side routes); unknown ``api/...`` paths are API 404s, not the app.
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
    body = file.read_bytes() if request.http.method != "HEAD" else b""
    content_type = _TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    # Vite puts content-hashed files under assets/: cache them for ever; everything else revalidates.
    cache = "public, max-age=31536000, immutable" if path.startswith("assets/") else "no-cache"
    return func.HttpResponse(
        body, status_code=200, headers={"Content-Type": content_type, "Cache-Control": cache}
    )


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
