"""A session's device in words people recognise ("Firefox on Windows"), from its User-Agent.

A handful of ordered rules, not a user-agent database: the list of sessions only has to let a
person tell their own devices apart, and a new dependency for that is not worth its weight
(docs/decisions/034). The order matters because browsers borrow each other's tokens: Edge and
Opera say "Chrome", Chrome says "Safari", every Chromium on iOS says "Safari" too.
Unknown parts are ``None``; the app then says "unknown browser" in the reader's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Device", "describe"]

_BROWSERS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("Edge", r"\bEdg(e|A|iOS)?/"),
        ("Opera", r"\b(OPR|Opera)/"),
        ("Samsung Internet", r"\bSamsungBrowser/"),
        ("Firefox", r"\b(Firefox|FxiOS)/"),
        ("Chrome", r"\b(Chrome|CriOS|HeadlessChrome|Chromium)/"),
        ("Safari", r"\bVersion/[\d.]+.*\bSafari/"),
    )
)
_SYSTEMS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("iPhone", r"\biPhone\b"),
        ("iPad", r"\biPad\b"),
        ("Android", r"\bAndroid\b"),
        ("Windows", r"\bWindows\b"),
        ("ChromeOS", r"\bCrOS\b"),
        ("macOS", r"\bMac OS X\b|\bMacintosh\b"),
        ("Linux", r"\bLinux\b|\bX11\b"),
    )
)


@dataclass(frozen=True)
class Device:
    browser: str | None
    system: str | None

    def summary(self) -> str:
        """An English one-liner for logs and old clients; the app words it in the reader's language."""
        return f"{self.browser or 'unknown browser'} on {self.system or 'unknown system'}"


def describe(user_agent: str | None) -> Device:
    text = (user_agent or "")[:512]
    browser = next((name for name, rule in _BROWSERS if rule.search(text)), None)
    system = next((name for name, rule in _SYSTEMS if rule.search(text)), None)
    return Device(browser=browser, system=system)
