"""The e-mails of identity — invitation, password reset, password-changed notice — in EN and DE.

Each e-mail has a plain-text and an HTML body built from the same strings (catalog keys under
``email.*``), in the recipient's language. Why they say so little (SPEC §4: e-mails carry links,
not content): once sent, an e-mail lives in mailboxes, servers and backups we do not control,
often outside Switzerland, and is read on shared screens and lock screens.

- **No name at all, not even in the greeting.** An invitation may go to a mistyped address, and a
  name next to "CaseDesk" would tell a stranger that this person is part of a return-to-work case,
  which is itself health-related information. The name is also only what a case manager typed,
  unverified. A plain "Hello" costs nothing.
- **No role.** The invitation of the person returning to work reads exactly like a doctor's or an
  employer's, so the wording never reveals which of them the recipient is.
- **The organisation's name** is shown when given, because it is what lets the recipient tell a
  genuine invitation from phishing; it names an organisation, not a person. It is squeezed onto
  one line and shortened, since it comes from whoever set up the organisation.
- **The password-changed notice has no link on purpose.** A security notice with a link is the
  shape of phishing; it asks people to open CaseDesk the way they always do.

Catalog strings are plain text. The HTML renderer escapes every piece it inserts — catalog text,
values and links alike — with :func:`html.escape`, so a hostile organisation name is shown, never
interpreted. Links carry secret tokens (in the fragment), so they are never put into an error
message or a log.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlsplit

from shared.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate
from shared.ports import Email

__all__ = ["invitation_email", "password_changed_email", "password_reset_email"]

_ORG_NAME_LIMIT = 100
_WHEN_LIMIT = 80

# Colours chosen for contrast on white (WCAG AA for body text and the button label).
_TEXT = "#1a1a1a"
_MUTED = "#4d4d4d"
_ACCENT = "#0b5394"
_FONT = "font-family:Arial,Helvetica,sans-serif;"


@dataclass(frozen=True)
class _Content:
    """What one e-mail says, before it becomes text and HTML."""

    language: str
    subject: str
    heading: str
    before: tuple[str, ...]
    action: tuple[str, str] | None  # (button label, link)
    after: tuple[str, ...]


def invitation_email(to: str, language: str, link: str, inviter_org: str | None, expires_days: int) -> Email:
    """The one-time invitation link (journey 1) that opens onboarding."""
    if expires_days < 1:
        raise ValueError("an invitation must be valid for at least one day")
    lang = _language(language)
    org = _one_line(inviter_org or "", _ORG_NAME_LIMIT)
    intro = _t("invitation.introFromOrg", lang, org=org) if org else _t("invitation.intro", lang)
    expiry = (
        _t("invitation.expiresOneDay", lang)
        if expires_days == 1
        else _t("invitation.expiresDays", lang, days=expires_days)
    )
    content = _Content(
        language=lang,
        subject=_t("invitation.subject", lang),
        heading=_t("invitation.heading", lang),
        before=(intro, _t("invitation.steps", lang)),
        action=(_t("invitation.action", lang), _checked_link(link)),
        after=(expiry, _t("invitation.notExpected", lang)),
    )
    return _email(to, "invitation", content)


def password_reset_email(to: str, language: str, link: str, expires_minutes: int) -> Email:
    """The password-reset link (journey 3); finishing still needs the second factor, and says so."""
    if expires_minutes < 1:
        raise ValueError("a reset link must be valid for at least one minute")
    lang = _language(language)
    expiry = (
        _t("passwordReset.expiresOneMinute", lang)
        if expires_minutes == 1
        else _t("passwordReset.expiresMinutes", lang, minutes=expires_minutes)
    )
    content = _Content(
        language=lang,
        subject=_t("passwordReset.subject", lang),
        heading=_t("passwordReset.heading", lang),
        before=(_t("passwordReset.intro", lang),),
        action=(_t("passwordReset.action", lang), _checked_link(link)),
        after=(expiry, _t("passwordReset.secondFactor", lang), _t("passwordReset.notRequested", lang)),
    )
    return _email(to, "password-reset", content)


def password_changed_email(to: str, language: str, when_text: str) -> Email:
    """The security notice after a password change. ``when_text`` is the time of the change,
    already formatted for the recipient's language and time zone by the caller."""
    lang = _language(language)
    content = _Content(
        language=lang,
        subject=_t("passwordChanged.subject", lang),
        heading=_t("passwordChanged.heading", lang),
        before=(
            _t("passwordChanged.intro", lang),
            _t("passwordChanged.when", lang, when=_one_line(when_text, _WHEN_LIMIT)),
            _t("passwordChanged.sessions", lang),
            _t("passwordChanged.ifYou", lang),
            _t("passwordChanged.ifNotYou", lang),
        ),
        action=None,
        after=(_t("passwordChanged.noLink", lang),),
    )
    return _email(to, "password-changed", content)


def _t(key: str, language: str, **params: Any) -> str:
    return translate(f"email.{key}", language, **params)


def _language(language: str) -> str:
    # The same rule as translate(): anything we do not write in gets English, and the e-mail's
    # language field and lang attribute must say what the text really is.
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def _one_line(value: str, limit: int) -> str:
    """``value`` without line breaks or invisible control and direction characters, shortened:
    a value from outside must not be able to forge extra lines or reorder the text around it."""
    printable = "".join(ch if ch.isprintable() else " " for ch in value)
    collapsed = " ".join(printable.split())
    return collapsed if len(collapsed) <= limit else collapsed[: limit - 1].rstrip() + "…"


def _checked_link(link: str) -> str:
    parts = urlsplit(link)
    if (
        parts.scheme not in ("https", "http")
        or not parts.netloc
        or any(ch.isspace() or not ch.isprintable() for ch in link)
    ):
        # The link carries a secret token: the message must not repeat it.
        raise ValueError("an e-mail link must be an absolute http(s) URL without spaces")
    return link


def _footer(language: str) -> tuple[str, ...]:
    return (
        _t("common.privacyNote", language),
        _t("common.neverAsk", language),
        _t("common.automatic", language),
    )


def _email(to: str, tag: str, content: _Content) -> Email:
    return Email(
        to=to,
        subject=content.subject,
        text=_render_text(content),
        html=_render_html(content),
        language=content.language,
        tag=tag,
    )


def _render_text(content: _Content) -> str:
    blocks = [_t("common.greeting", content.language), *content.before]
    if content.action:
        label, link = content.action
        blocks.append(f"{label}:\n{link}")
    blocks += content.after
    blocks.append("\n".join(("----", *_footer(content.language))))
    return "\n\n".join(blocks) + "\n"


def _paragraph(text: str, style: str = "") -> str:
    return f'<p style="margin:0 0 16px;{style}">{escape(text)}</p>'


def _render_html(content: _Content) -> str:
    lang = escape(content.language)
    parts = [
        f'<h1 style="margin:0 0 24px;font-size:22px;line-height:1.3;color:{_TEXT};">'
        f"{escape(content.heading)}</h1>",
        _paragraph(_t("common.greeting", content.language)),
        *(_paragraph(text) for text in content.before),
    ]
    if content.action:
        label, link = content.action
        href = escape(link, quote=True)
        parts += [
            '<p style="margin:24px 0;">'
            f'<a href="{href}" style="display:inline-block;padding:12px 24px;background-color:{_ACCENT};'
            'color:#ffffff;font-weight:bold;text-decoration:none;border-radius:6px;">'
            f"{escape(label)}</a></p>",
            f'<p style="margin:0 0 16px;font-size:14px;color:{_MUTED};">'
            f"{escape(_t('common.buttonFallback', content.language))}<br>"
            f'<a href="{href}" style="color:{_ACCENT};word-break:break-all;">{escape(link)}</a></p>',
        ]
    parts += [_paragraph(text) for text in content.after]
    parts.append('<hr style="border:none;border-top:1px solid #d9d9d9;margin:24px 0 16px;">')
    parts += [_paragraph(text, f"font-size:13px;color:{_MUTED};") for text in _footer(content.language)]
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}" dir="ltr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light">\n'
        f"<title>{escape(content.subject)}</title>\n</head>\n"
        '<body style="margin:0;padding:0;background-color:#f4f5f7;">\n'
        '<table role="presentation" width="100%" cellspacing="0" cellpadding="0" border="0" '
        'style="background-color:#f4f5f7;">\n<tr><td align="center" style="padding:24px 12px;">\n'
        '<table role="presentation" width="100%" cellspacing="0" cellpadding="0" border="0" '
        'style="max-width:560px;background-color:#ffffff;border-radius:8px;">\n'
        f'<tr><td style="padding:32px 28px;{_FONT}font-size:16px;line-height:1.5;color:{_TEXT};">\n'
        f"{body}\n"
        "</td></tr>\n</table>\n</td></tr>\n</table>\n</body>\n</html>\n"
    )
