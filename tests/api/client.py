"""A small HTTP client for API tests: JSON in and out, the session cookie and the CSRF header
handled like the browser app does. (Standard cookie jars drop ``Secure`` cookies over plain
HTTP, which is what the dev host speaks on loopback, so the cookie is kept here by hand.)"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import SimpleCookie
from typing import Any


@dataclass
class Response:
    status: int
    headers: Message  # case-insensitive, as HTTP header names are
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class ApiClient:
    base: str
    cookie: str | None = None
    csrf: str | None = None
    language: str = "en"
    extra_headers: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        csrf: bool = True,
    ) -> Response:
        all_headers = {"Accept-Language": self.language, **self.extra_headers, **(headers or {})}
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        if self.cookie:
            all_headers["Cookie"] = f"__Host-casedesk-session={self.cookie}"
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            all_headers["X-CSRF-Token"] = self.csrf
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as raw:
                response = Response(raw.status, raw.headers, raw.read())
        except urllib.error.HTTPError as error:
            response = Response(error.code, error.headers, error.read())
        self._keep_cookie(response)
        payload = (
            response.json()
            if response.headers.get("Content-Type", "").startswith("application/json")
            else None
        )
        if isinstance(payload, dict) and "csrfToken" in payload:
            self.csrf = payload["csrfToken"]
        return response

    def _keep_cookie(self, response: Response) -> None:
        header = response.headers.get("Set-Cookie")
        if not header:
            return
        morsel = SimpleCookie(header).get("__Host-casedesk-session")
        if morsel is not None:
            self.cookie = morsel.value or None

    def get(self, path: str, **kw: Any) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Response:
        return self.request("POST", path, body, **kw)


def multipart_form(file: tuple[str, str, bytes] | None, **fields: str | bytes) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body as a browser sends it: text ``fields``, then ``file`` as
    (file name, media type, content) in the part ``file``. Returns (body, Content-Type)."""
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        raw = value if isinstance(value, bytes) else value.encode()
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + raw)
    if file is not None:
        file_name, media_type, data = file
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
            f"Content-Type: {media_type}\r\n\r\n"
        )
        parts.append(head.encode() + data)
    body = b"\r\n".join(parts) + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"
