"""The versioned legal documents: every version in force exists in EN and DE, lookups fall back to
English, unknown documents are NotFound, and a new versions.json is what asks for consent again."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from shared.errors import NotFound
from shared.identity import legal

LEGAL_DIR = Path(legal.__file__).parent / "legal"


def test_current_versions_name_both_documents() -> None:
    versions = legal.current_versions()
    assert set(versions) == {"terms", "privacy"}
    assert versions == json.loads((LEGAL_DIR / "versions.json").read_text(encoding="utf-8"))


def test_current_versions_is_a_copy_callers_cannot_spoil() -> None:
    legal.current_versions()["terms"] = "1999-01"
    assert legal.current_versions()["terms"] != "1999-01"


@pytest.mark.parametrize("kind", legal.KINDS)
@pytest.mark.parametrize("language", ["en", "de"])
def test_the_version_in_force_exists_in_both_languages(kind: legal.Kind, language: str) -> None:
    version = legal.current_versions()[kind]
    assert (LEGAL_DIR / f"{kind}-{version}.{language}.md").is_file()
    text = legal.document(kind, language)
    assert text == legal.document(kind, language, version)
    assert len(text.split()) > 400
    assert text.startswith("# ")
    assert f"Version {version}" in text
    # The operator is a setting (issue 25): unset here, it shows as the setting's name, visibly.
    assert "[Operator" not in text and "[CASEDESK_OPERATOR_NAME]" in text
    assert "{" not in text  # every placeholder of the text was filled


@pytest.mark.parametrize("kind", legal.KINDS)
@pytest.mark.parametrize("language", ["en", "de"])
def test_the_operator_and_the_audit_retention_come_from_the_settings(
    kind: legal.Kind, language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEDESK_OPERATOR_NAME", "Beispiel Plattform AG")
    monkeypatch.setenv("CASEDESK_OPERATOR_ADDRESS", "Musterstrasse 1, 8000 Zürich")
    monkeypatch.setenv("CASEDESK_OPERATOR_EMAIL", "datenschutz@example.ch")
    monkeypatch.setenv("CASEDESK_OPERATOR_JURISDICTION", "Zürich")
    monkeypatch.setenv("CASEDESK_AUDIT_RETENTION_YEARS", "7")
    text = legal.document(kind, language)
    assert "Beispiel Plattform AG, Musterstrasse 1, 8000 Zürich" in text and "[CASEDESK_" not in text
    if kind == "privacy":
        assert "datenschutz@example.ch" in text and ("7 years" in text or "7 Jahre" in text)
        # Issue 25: the onboarding feedback is described, with its 12 months.
        assert "12 " in text and ("feedback" in text.lower() or "Rückmeldung" in text)
    else:
        assert "Zürich, Switzerland" in text or "Zürich, Schweiz" in text


@pytest.mark.parametrize("kind", legal.KINDS)
def test_german_is_german_in_swiss_spelling(kind: legal.Kind) -> None:
    english, german = legal.document(kind, "en"), legal.document(kind, "de")
    assert german != english
    assert "ß" not in german
    assert len(re.findall(r"\b(?:und|die|der|Sie)\b", german)) > 20
    assert len(re.findall(r"\b(?:and|the|you)\b", german)) == 0


@pytest.mark.parametrize("kind", legal.KINDS)
@pytest.mark.parametrize(
    ("language", "facts"),
    [
        ("en", ["Zurich", "Geneva", "Three years", "30 days"]),
        ("de", ["Zürich", "Genf", "Drei Jahre", "30"]),
    ],
)
def test_documents_state_what_the_product_promises(kind: legal.Kind, language: str, facts: list[str]) -> None:
    if kind == "terms":
        facts = facts[2:]  # the terms refer to the privacy policy for where data live
    text = legal.document(kind, language)
    for fact in facts:
        assert fact in text, (kind, language, fact)


def test_the_privacy_policy_covers_the_promised_topics() -> None:
    english = legal.document("privacy", "en")
    for topic in ("particularly sensitive", "encrypt", "no case content", "export", "correct", "delete"):
        assert topic in english, topic
    assert "single, strictly necessary cookie" in english
    german = legal.document("privacy", "de")
    assert "besonders schützenswert" in german
    assert "EDÖB" in german


@pytest.mark.parametrize("language", ["fr", "", "EN", "de-CH"])
def test_an_unknown_language_falls_back_to_english(language: str) -> None:
    assert legal.document("terms", language) == legal.document("terms", "en")


@pytest.mark.parametrize("kind", ["cookies", "", "../terms", "TERMS"])
def test_an_unknown_kind_is_not_found(kind: str) -> None:
    with pytest.raises(NotFound):
        legal.document(kind, "en")  # type: ignore[arg-type]


@pytest.mark.parametrize("version", ["1999-01", "2026-11/../../x", "../legal/terms-2026-11", "", "latest"])
def test_an_unknown_version_is_not_found(version: str) -> None:
    with pytest.raises(NotFound):
        legal.document("privacy", "en", version)


def test_a_new_versions_file_brings_a_new_version_and_keeps_the_old(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for kind in legal.KINDS:
        for language in ("en", "de"):
            old = LEGAL_DIR / f"{kind}-2026-11.{language}.md"
            (tmp_path / old.name).write_text(old.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "terms-2027-03.en.md").write_text("# Terms 2027-03\n", encoding="utf-8")
    (tmp_path / "versions.json").write_text('{"terms": "2027-03", "privacy": "2026-11"}', encoding="utf-8")
    monkeypatch.setattr(legal, "_DIR", tmp_path)

    assert legal.current_versions() == {"terms": "2027-03", "privacy": "2026-11"}
    assert legal.document("terms", "en") == "# Terms 2027-03\n"
    # A version published only in English is shown in English rather than not at all.
    assert legal.document("terms", "de") == "# Terms 2027-03\n"
    # What someone accepted earlier stays readable.
    assert legal.document("terms", "de", "2026-11") == (LEGAL_DIR / "terms-2026-11.de.md").read_text(
        encoding="utf-8"
    )
