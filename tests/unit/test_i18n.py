from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shared import i18n
from shared.errors import CaseDeskError

CATALOGS = Path(__file__).resolve().parents[2] / "shared" / "i18n"


def keys(tree: dict[str, Any], prefix: str = "") -> set[str]:
    out: set[str] = set()
    for key, value in tree.items():
        out |= keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
    return out


def test_en_and_de_have_the_same_keys_and_no_empty_strings() -> None:
    en = json.loads((CATALOGS / "en.json").read_text())
    de = json.loads((CATALOGS / "de.json").read_text())
    assert keys(en) == keys(de)
    for lang in ("en", "de"):
        for key in keys(en):
            assert i18n.translate(key, lang).strip() not in ("", key), (lang, key)


def test_german_is_not_a_copy_of_english() -> None:
    same = [k for k in keys(i18n.catalog("en")) if i18n.translate(k, "en") == i18n.translate(k, "de")]
    assert same == []


def every_error_code() -> set[str]:
    found: set[str] = set()
    stack: list[type[CaseDeskError]] = [CaseDeskError]
    while stack:
        cls = stack.pop()
        found.add(cls.code)
        stack += cls.__subclasses__()
    return found


def test_every_error_code_has_a_title_and_detail_in_both_languages() -> None:
    for code in every_error_code():
        for lang in ("en", "de"):
            for part in ("title", "detail"):
                assert i18n.translate(f"errors.{code}.{part}", lang) != f"errors.{code}.{part}", (
                    code,
                    lang,
                    part,
                )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("", "en"),
        ("de-CH,de;q=0.9,en;q=0.8", "de"),
        ("fr-CH, fr;q=0.9, de;q=0.7, en;q=0.5", "de"),
        ("en-GB,de;q=0.9", "en"),
        ("de;q=0.2, en;q=0.8", "en"),
        ("de;q=0", "en"),
        ("it, fr", "en"),
        ("de;q=abc, en;q=0.1", "en"),
        ("*", "en"),
    ],
)
def test_accept_language_negotiation(header: str | None, expected: str) -> None:
    assert i18n.negotiate(header) == expected


def test_a_user_preference_beats_the_header() -> None:
    assert i18n.negotiate("en", preferred="de") == "de"
    assert i18n.negotiate("de", preferred="xx") == "de"


def test_placeholders_are_filled_and_missing_keys_show_the_key() -> None:
    assert "1024" in i18n.translate("errors.payload_too_large.detail", "de", limit=1024)
    assert i18n.translate("no.such.key", "de") == "no.such.key"
