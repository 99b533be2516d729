"""The e-mail notice of a new notification, in EN and DE (catalog keys ``email.notification.*``).

It says only that there is something new and links to the notification list — no case, no item,
no person, not even the kind of notification: a share from a doctor and a new message must read
the same, because "your doctor shared something with you" in a mailbox we do not control is
already health information. It uses the common layout (``shared.email_layout``: text + HTML,
everything escaped, the privacy footer), so every CaseDesk e-mail looks and behaves alike.
"""

from __future__ import annotations

from shared.email_layout import Content, checked_link, email_language, email_text, render_email
from shared.ports import Email

__all__ = ["TAG", "notification_email"]

TAG = "notification"


def notification_email(to: str, language: str, link: str) -> Email:
    """The generic notice; ``link`` opens the notification list (no ids, no tokens)."""
    lang = email_language(language)
    content = Content(
        language=lang,
        subject=email_text("notification.subject", lang),
        heading=email_text("notification.heading", lang),
        before=(email_text("notification.intro", lang), email_text("notification.signIn", lang)),
        action=(email_text("notification.action", lang), checked_link(link)),
        after=(email_text("notification.preferences", lang),),
    )
    return render_email(to, TAG, content)
