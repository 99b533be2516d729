"""The one layout of every CaseDesk e-mail: plain text and HTML from the same catalog strings
(keys under ``email.*``), the common greeting and privacy footer, in the recipient's language.

Catalog strings are plain text. The HTML renderer escapes every piece it inserts — catalog text,
values and links alike — with :func:`html.escape`, so a hostile value is shown, never
interpreted. Links may carry secret tokens (in the fragment), so they are never put into an
error message or a log. What each e-mail says, and why so little, is decided by its sender
(``shared.identity.emails``, ``shared.notifications.emails``).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlsplit

from shared.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate
from shared.ports import Email

__all__ = ["Content", "checked_link", "email_language", "email_text", "one_line", "render_email"]

# Colours chosen for contrast on white (WCAG AA for body text and the button label).
_TEXT = "#1a1a1a"
_MUTED = "#4d4d4d"
_ACCENT = "#0b5394"
_FONT = "font-family:Arial,Helvetica,sans-serif;"


@dataclass(frozen=True)
class Content:
    """What one e-mail says, before it becomes text and HTML."""

    language: str
    subject: str
    heading: str
    before: tuple[str, ...]
    action: tuple[str, str] | None  # (button label, link)
    after: tuple[str, ...]


def email_text(key: str, language: str, **params: Any) -> str:
    return translate(f"email.{key}", language, **params)


def email_language(language: str) -> str:
    # The same rule as translate(): anything we do not write in gets English, and the e-mail's
    # language field and lang attribute must say what the text really is.
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def one_line(value: str, limit: int) -> str:
    """``value`` without line breaks or invisible control and direction characters, shortened:
    a value from outside must not be able to forge extra lines or reorder the text around it."""
    printable = "".join(ch if ch.isprintable() else " " for ch in value)
    collapsed = " ".join(printable.split())
    return collapsed if len(collapsed) <= limit else collapsed[: limit - 1].rstrip() + "…"


def checked_link(link: str) -> str:
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
        email_text("common.privacyNote", language),
        email_text("common.neverAsk", language),
        email_text("common.automatic", language),
    )


def render_email(to: str, tag: str, content: Content) -> Email:
    return Email(
        to=to,
        subject=content.subject,
        text=_render_text(content),
        html=_render_html(content),
        language=content.language,
        tag=tag,
    )


def _render_text(content: Content) -> str:
    blocks = [email_text("common.greeting", content.language), *content.before]
    if content.action:
        label, link = content.action
        blocks.append(f"{label}:\n{link}")
    blocks += content.after
    blocks.append("\n".join(("----", *_footer(content.language))))
    return "\n\n".join(blocks) + "\n"


def _paragraph(text: str, style: str = "") -> str:
    return f'<p style="margin:0 0 16px;{style}">{escape(text)}</p>'


def _render_html(content: Content) -> str:
    lang = escape(content.language)
    parts = [
        f'<h1 style="margin:0 0 24px;font-size:22px;line-height:1.3;color:{_TEXT};">'
        f"{escape(content.heading)}</h1>",
        _paragraph(email_text("common.greeting", content.language)),
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
            f"{escape(email_text('common.buttonFallback', content.language))}<br>"
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
