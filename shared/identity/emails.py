"""The e-mails of identity — invitation, password reset, password and second-factor notices — in EN and DE.

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

The layout (text and HTML, escaping, footer) is ``shared.email_layout``, shared by every e-mail.
"""

from __future__ import annotations

from shared.email_layout import Content, checked_link, email_language, email_text, one_line, render_email
from shared.ports import Email

__all__ = [
    "invitation_email",
    "password_changed_email",
    "password_reset_email",
    "second_factor_changed_email",
]

_ORG_NAME_LIMIT = 100
_WHEN_LIMIT = 80


def invitation_email(to: str, language: str, link: str, inviter_org: str | None, expires_days: int) -> Email:
    """The one-time invitation link (journey 1) that opens onboarding."""
    return _join_email(to, language, link, inviter_org, expires_days, keys="invitation", tag="invitation")


def case_added_email(to: str, language: str, link: str, inviter_org: str | None, expires_days: int) -> Email:
    """Someone who already has an account was invited into a case: sign in and join (no
    password or authenticator to set up). As content-free as the invitation: no case, no names."""
    return _join_email(to, language, link, inviter_org, expires_days, keys="caseAdded", tag="case_added")


def _join_email(
    to: str, language: str, link: str, inviter_org: str | None, expires_days: int, *, keys: str, tag: str
) -> Email:
    """An invitation link with its expiry; ``keys`` names the catalog texts (``email.<keys>.*``)."""
    if expires_days < 1:
        raise ValueError("an invitation must be valid for at least one day")
    lang = email_language(language)
    org = one_line(inviter_org or "", _ORG_NAME_LIMIT)
    intro = email_text(f"{keys}.introFromOrg", lang, org=org) if org else email_text(f"{keys}.intro", lang)
    expiry = (
        email_text("invitation.expiresOneDay", lang)
        if expires_days == 1
        else email_text("invitation.expiresDays", lang, days=expires_days)
    )
    content = Content(
        language=lang,
        subject=email_text(f"{keys}.subject", lang),
        heading=email_text(f"{keys}.heading", lang),
        before=(intro, email_text(f"{keys}.steps", lang)),
        action=(email_text(f"{keys}.action", lang), checked_link(link)),
        after=(expiry, email_text("invitation.notExpected", lang)),
    )
    return render_email(to, tag, content)


def password_reset_email(to: str, language: str, link: str, expires_minutes: int) -> Email:
    """The password-reset link (journey 3); finishing still needs the second factor, and says so."""
    if expires_minutes < 1:
        raise ValueError("a reset link must be valid for at least one minute")
    lang = email_language(language)
    expiry = (
        email_text("passwordReset.expiresOneMinute", lang)
        if expires_minutes == 1
        else email_text("passwordReset.expiresMinutes", lang, minutes=expires_minutes)
    )
    content = Content(
        language=lang,
        subject=email_text("passwordReset.subject", lang),
        heading=email_text("passwordReset.heading", lang),
        before=(email_text("passwordReset.intro", lang),),
        action=(email_text("passwordReset.action", lang), checked_link(link)),
        after=(
            expiry,
            email_text("passwordReset.secondFactor", lang),
            email_text("passwordReset.notRequested", lang),
        ),
    )
    return render_email(to, "password-reset", content)


def password_changed_email(to: str, language: str, when_text: str) -> Email:
    """The security notice after a password change. ``when_text`` is the time of the change,
    already formatted for the recipient's language and time zone by the caller."""
    lang = email_language(language)
    content = Content(
        language=lang,
        subject=email_text("passwordChanged.subject", lang),
        heading=email_text("passwordChanged.heading", lang),
        before=(
            email_text("passwordChanged.intro", lang),
            email_text("passwordChanged.when", lang, when=one_line(when_text, _WHEN_LIMIT)),
            email_text("passwordChanged.sessions", lang),
            email_text("passwordChanged.ifYou", lang),
            email_text("passwordChanged.ifNotYou", lang),
        ),
        action=None,
        after=(email_text("passwordChanged.noLink", lang),),
    )
    return render_email(to, "password-changed", content)


def second_factor_changed_email(to: str, language: str, when_text: str, *, what: str) -> Email:
    """The security notice after a new authenticator (``what="authenticator"``) or new recovery
    codes (``what="recoveryCodes"``); like the password notice, deliberately without a link."""
    lang = email_language(language)
    content = Content(
        language=lang,
        subject=email_text("secondFactorChanged.subject", lang),
        heading=email_text("secondFactorChanged.subject", lang),
        before=(
            email_text(f"secondFactorChanged.{what}", lang),
            email_text("passwordChanged.when", lang, when=one_line(when_text, _WHEN_LIMIT)),
            email_text("passwordChanged.ifYou", lang),
            email_text("secondFactorChanged.ifNotYou", lang),
        ),
        action=None,
        after=(email_text("passwordChanged.noLink", lang),),
    )
    return render_email(to, "second-factor-changed", content)
