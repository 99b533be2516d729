"""Message catalogs (EN, DE) and language negotiation.

Catalogs are JSON files beside this module, with the same keys in every language (a unit test
compares them); the frontend uses the same keys. Lookup falls back to English, then to the key
itself, so a missing string shows up as its key instead of breaking a response.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "catalog", "negotiate", "translate"]

LANGUAGES = ("en", "de")
DEFAULT_LANGUAGE = "en"
_DIR = Path(__file__).parent


@cache
def catalog(language: str) -> dict[str, Any]:
    # Read lazily on first use (not at import time) and cached for the process.
    data: dict[str, Any] = json.loads((_DIR / f"{language}.json").read_text(encoding="utf-8"))
    return data


def _lookup(tree: dict[str, Any], key: str) -> str | None:
    node: Any = tree
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, str) else None


def translate(key: str, language: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    text = _lookup(catalog(language), key) or _lookup(catalog(DEFAULT_LANGUAGE), key) or key
    try:
        return text.format(**params) if params else text
    except (KeyError, IndexError, ValueError):
        return text


def negotiate(accept_language: str | None, preferred: str | None = None) -> str:
    """The user's preference if set, else the best supported Accept-Language entry, else EN."""
    if preferred in LANGUAGES:
        return str(preferred)
    choices: list[tuple[float, int, str]] = []
    for position, entry in enumerate((accept_language or "").split(",")):
        parts = entry.strip().split(";")
        tag = parts[0].strip().lower()
        quality = 1.0
        for param in parts[1:]:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.split("-")[0]
        if primary in LANGUAGES and quality > 0:
            choices.append((-quality, position, primary))
    return min(choices)[2] if choices else DEFAULT_LANGUAGE
