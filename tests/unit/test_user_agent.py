"""The device a session is shown as (issue 25): real User-Agent strings of the browsers people
use, including the ones that borrow each other's tokens."""

from __future__ import annotations

import pytest

from shared.identity.user_agent import Device, describe

CASES = [
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Firefox",
        "Windows",
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        "Edge",
        "Windows",
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.1 Safari/605.1.15",
        "Safari",
        "macOS",
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
        "Chrome",
        "iPhone",
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
        "Samsung Internet",
        "Android",
    ),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0",
        "Opera",
        "Linux",
    ),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
        "Chrome",
        "Linux",
    ),
    (
        "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
        "Safari",
        "iPad",
    ),
]


@pytest.mark.parametrize(("agent", "browser", "system"), CASES)
def test_common_browsers_are_named(agent: str, browser: str, system: str) -> None:
    assert describe(agent) == Device(browser, system)


def test_what_is_not_recognised_stays_unnamed() -> None:
    assert describe(None) == Device(None, None)
    assert describe("curl/8.5.0") == Device(None, None)
    assert describe("python-urllib/3.12").summary() == "unknown browser on unknown system"
    # A User-Agent cut after the platform still names the system (sessions stored before 2026-11).
    assert describe("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36") == Device(None, "Windows")
