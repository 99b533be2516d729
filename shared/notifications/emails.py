"""The e-mail notice of a new notification, in EN and DE (catalog keys ``email.notification.*``).

It says only that there is something new and links to the notification list — no case, no item,
no person, not even the kind of notification: a share from a doctor and a new message must read
the same, because "your doctor shared something with you" in a mailbox we do not control is
already health information. It is rendered by the identity e-mails' renderer (text + HTML,
everything escaped, the common privacy footer), so every CaseDesk e-mail looks and behaves alike.
"""

from __future__ import annotations

# The shared renderer is private to shared.identity.emails today; importing it keeps one
# renderer rather than a second copy that could drift (escaping, footer).
from shared.identity.emails import _checked_link, _Content, _email, _language, _t
from shared.ports import Email

__all__ = ["TAG", "notification_email"]

TAG = "notification"


def notification_email(to: str, language: str, link: str) -> Email:
    """The generic notice; ``link`` opens the notification list (no ids, no tokens)."""
    lang = _language(language)
    content = _Content(
        language=lang,
        subject=_t("notification.subject", lang),
        heading=_t("notification.heading", lang),
        before=(_t("notification.intro", lang), _t("notification.signIn", lang)),
        action=(_t("notification.action", lang), _checked_link(link)),
        after=(_t("notification.preferences", lang),),
    )
    return _email(to, TAG, content)
