"""Driving a Microsoft Entra sign-in over HTTP against a dev host pointed at the fake authority
(tests/fixtures/entra_fake.py): start (the pre-login cookie), the authority's redirect, the
callback (a 303 the test reads instead of following) — what a browser does, cookie by cookie."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.api.client import ApiClient
from tests.api.conftest import AdapterSet, Env, running_env
from tests.fixtures.entra_fake import EntraFake

FLOW_COOKIE = "__Host-casedesk-entra"
SESSION_COOKIE = "__Host-casedesk-session"


@contextmanager
def env_with_authority(
    tmp_path_factory: pytest.TempPathFactory, adapters: AdapterSet
) -> Iterator[tuple[Env, EntraFake]]:
    """A dev host whose Entra settings point at a fresh fake authority, and that authority."""
    fake = EntraFake(Path(tmp_path_factory.mktemp("entra-authority")))
    try:
        settings = {**fake.settings(), "CASEDESK_PUBLIC_URL": "http://127.0.0.1:{devhost_port}"}
        with running_env(tmp_path_factory, adapters, log=None, **settings) as env:
            yield env, fake
    finally:
        fake.stop()


@dataclass
class Redirected:
    """The callback's answer: its status, where it sends the browser, the cookies it sets."""

    status: int
    location: str
    cookies: dict[str, str]  # name → the whole Set-Cookie header

    @property
    def path(self) -> str:
        return urlsplit(self.location).path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.location).query))

    @property
    def fragment(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.location).fragment))

    def cookie_value(self, name: str) -> str | None:
        header = self.cookies.get(name)
        if header is None:
            return None
        morsel = SimpleCookie(header).get(name)
        return morsel.value if morsel else None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def set_cookies(headers: Any) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in headers.get_all("Set-Cookie") or []}


def start(client: ApiClient, path: str = "/api/auth/entra/start", body: Any = None) -> tuple[str, str]:
    """POST a start route; (the authority's URL, the pre-login cookie's value)."""
    started = client.post(path, body if body is not None else {})
    assert started.status == 200, started.body
    header = set_cookies(started.headers)[FLOW_COOKIE]
    return started.json()["authorizeUrl"], SimpleCookie(header)[FLOW_COOKIE].value


def callback(location: str, flow_cookie: str | None) -> Redirected:
    """GET the app's callback as the browser does after the authority's redirect."""
    headers = {"Cookie": f"{FLOW_COOKIE}={flow_cookie}"} if flow_cookie else {}
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(location, headers=headers)
    try:
        with opener.open(request, timeout=30) as answer:
            return Redirected(answer.status, answer.headers.get("Location", ""), set_cookies(answer.headers))
    except urllib.error.HTTPError as error:
        return Redirected(error.code, error.headers.get("Location", ""), set_cookies(error.headers))


def sign_in(
    env: Env,
    fake: EntraFake,
    user: str,
    *,
    client: ApiClient | None = None,
    path: str = "/api/auth/entra/start",
    body: Any = None,
    cancel: bool = False,
) -> tuple[Redirected, ApiClient]:
    """The whole round trip; the client carries the new session if the callback set one."""
    starter = client or env.client()
    authorize_url, flow = start(starter, path, body)
    back = callback(fake.redirect(authorize_url, user=user, cancel=cancel), flow)
    session = back.cookie_value(SESSION_COOKIE)
    signed_in = client or env.client()
    if session:
        signed_in = ApiClient(env.url, cookie=session)
        assert signed_in.get("/api/auth/session").status == 200
    return back, signed_in
