"""Identity e-mails: EN and DE, text and HTML, the link in both, hostile values escaped, nothing
but links and generic words in the bodies."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from shared.identity import emails
from shared.ports import Email

LINK = "https://casedesk.example.ch/onboarding?a=1&b=2#token=Zm9vYmFy-secret_token"
HOSTILE_ORG = '<script>alert("x")</script> & Co'


def keys(tree: dict[str, Any], prefix: str = "") -> set[str]:
    out: set[str] = set()
    for key, value in tree.items():
        out |= keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
    return out


def lookup(tree: dict[str, Any], key: str) -> Any:
    for part in key.split("."):
        tree = tree[part]
    return tree


def invitation(language: str, org: str | None = "Muster AG") -> Email:
    return emails.invitation_email("person@example.ch", language, LINK, org, 7)


def reset(language: str) -> Email:
    return emails.password_reset_email("person@example.ch", language, LINK, 30)


def changed(language: str) -> Email:
    return emails.password_changed_email("person@example.ch", language, "23.11.2026 11:16")


BUILDERS: dict[str, Callable[[str], Email]] = {
    "invitation": invitation,
    "password-reset": reset,
    "password-changed": changed,
}
WITH_LINK = ["invitation", "password-reset"]


# --- the strings waiting for the catalogs ---------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("tag", BUILDERS)
def test_each_email_has_subject_text_and_html_with_no_leftovers(tag: str, language: str) -> None:
    email = BUILDERS[tag](language)
    assert email.tag == tag
    assert email.language == language
    assert email.to == "person@example.ch"
    for body in (email.subject, email.text, email.html):
        assert body.strip()
        assert "{" not in body and "}" not in body
        assert "email." not in body  # a missing catalog key shows up as the key itself
    assert "person@example.ch" not in email.text + email.html
    assert f'<html lang="{language}"' in email.html
    assert email.html.startswith("<!DOCTYPE html>")
    assert "<title>" in email.html


@pytest.mark.parametrize("tag", BUILDERS)
def test_german_is_not_english(tag: str) -> None:
    english, german = BUILDERS[tag]("en"), BUILDERS[tag]("de")
    assert english.subject != german.subject
    assert english.text != german.text
    assert 'lang="de"' in german.html and 'lang="en"' in english.html


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("tag", WITH_LINK)
def test_the_link_is_in_both_bodies_as_button_and_as_text(tag: str, language: str) -> None:
    email = BUILDERS[tag](language)
    assert LINK in email.text
    escaped = "https://casedesk.example.ch/onboarding?a=1&amp;b=2#token=Zm9vYmFy-secret_token"
    assert email.html.count(f'href="{escaped}"') == 2  # the button and the address to copy
    assert f">{escaped}</a>" in email.html
    assert LINK not in email.subject


def test_the_password_changed_notice_has_no_link_on_purpose() -> None:
    for language in ("en", "de"):
        email = changed(language)
        assert "href" not in email.html
        assert "http" not in email.text
        assert "23.11.2026 11:16" in email.text and "23.11.2026 11:16" in email.html


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_hostile_organisation_name_is_escaped(language: str) -> None:
    email = invitation(language, HOSTILE_ORG)
    assert "<script" not in email.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in email.html
    assert HOSTILE_ORG in email.text  # plain text is not interpreted, so it stays as typed
    assert HOSTILE_ORG not in email.subject


def test_an_organisation_name_cannot_forge_lines_or_run_on() -> None:
    email = invitation("en", "Muster AG\n\nClick https://evil.example now\u202e" + "x" * 300)
    assert "\n\nClick" not in email.text
    assert "\u202e" not in email.text + email.html
    line = next(line for line in email.text.splitlines() if line.startswith("Muster AG"))
    assert len(line) < 250 and "…" in line


def test_without_an_organisation_the_invitation_is_generic() -> None:
    for org in (None, "", "   "):
        email = invitation("en", org)
        assert email.text.split("\n\n")[1].startswith("You have been invited")


def test_the_bodies_name_no_person_and_no_role() -> None:
    for language in ("en", "de"):
        text = invitation(language).text.lower()
        for word in ("employee", "doctor", "patient", "arbeitnehmer", "arzt", "ärztin", "illness", "krank"):
            assert word not in text, word


def test_singular_and_plural_expiry() -> None:
    one = emails.invitation_email("a@example.ch", "en", LINK, None, 1)
    assert "1 day." in one.text
    assert "7 days" in invitation("en").text
    assert "1 Minute ab" in emails.password_reset_email("a@example.ch", "de", LINK, 1).text
    assert "30 Minuten" in reset("de").text


@pytest.mark.parametrize("language", ["fr", "", "DE"])
def test_an_unknown_language_gets_english_and_says_so(language: str) -> None:
    email = invitation(language)
    assert email.language == "en"
    assert 'lang="en"' in email.html
    assert email.subject == invitation("en").subject


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "/onboarding#token=x", "https://", "https://a.example/x y", "data:text/html,x"],
)
def test_only_absolute_http_links_are_accepted_and_never_echoed(link: str) -> None:
    with pytest.raises(ValueError, match="absolute") as error:
        emails.invitation_email("a@example.ch", "en", link, None, 7)
    assert link not in str(error.value)


def test_expiry_must_be_positive() -> None:
    with pytest.raises(ValueError):
        emails.invitation_email("a@example.ch", "en", LINK, None, 0)
    with pytest.raises(ValueError):
        emails.password_reset_email("a@example.ch", "en", LINK, 0)


def test_the_html_loads_nothing_from_outside() -> None:
    for build in BUILDERS.values():
        html = build("de").html
        assert not re.search(r"<(img|link|script|style|iframe)\b", html)
        assert "url(" not in html and "@import" not in html
