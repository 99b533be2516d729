"""Feedback on the onboarding (SPEC journey 2, issue 25): asked once after the welcome, optional.

What is kept, for the platform's product team and nobody else: a rating (1–5), a comment and the
app's language, under the *month* it was given — no user id, no case, no organisation, no time
of day, and a random id, so an entry cannot be traced back to the person by its content or by
lining it up with other records. It expires after 12 months (``ttl``), as the privacy policy
says. The person's profile keeps only that they were asked (``feedbackAsked``), so the question is
not repeated; the profile is marked first, so a failure in between loses the feedback rather
than asking twice. docs/decisions/034.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from shared.errors import Conflict
from shared.identity import accounts
from shared.identity.tokens import new_id
from shared.ports import Item, Ports, Query, Store

__all__ = ["FeedbackGiven", "OnboardingFeedback", "entries", "record"]

#: 12 months, in seconds (the store forgets the entry then).
KEEP_SECONDS = 365 * 24 * 3600
_PARTITION = "onboarding-feedback-"


class FeedbackGiven(Conflict):
    """The question was answered (or declined) before: it is asked once."""

    code = "onboarding_feedback_done"


@dataclass(frozen=True)
class OnboardingFeedback:
    month: str  # "2026-11"
    rating: int | None
    comment: str | None
    language: str


def _partition(month: str) -> str:
    return _PARTITION + month


def record(ports: Ports, user_id: str, *, rating: int | None, comment: str | None) -> bool:
    """Store the answer (nothing but "asked" when both are empty: "no, thanks"); returns whether
    an entry was stored. Raises :class:`FeedbackGiven` the second time."""
    profile = accounts.profile(ports.store, user_id)
    if profile.get("feedbackAsked"):
        raise FeedbackGiven("the onboarding feedback was given or declined already")
    accounts.update_profile(ports.store, user_id, {"feedbackAsked": True}, if_match=profile["_etag"])
    text = (comment or "").strip() or None
    if rating is None and text is None:
        return False
    month = _month(ports.clock.now())
    key = _partition(month)
    entry = {
        "id": f"feedback-{new_id()}",
        "key": key,
        "month": month,
        "rating": rating,
        "comment": text,
        "language": profile.get("language", "en"),
        "ttl": KEEP_SECONDS,
    }
    ports.store.create("directory", entry)
    return True


def entries(store: Store, month: str) -> Iterator[OnboardingFeedback]:
    """The feedback of one month (``YYYY-MM``), one partition query per page."""
    query = Query(range_field="id", gte="feedback-", lt="feedback.", limit=500)
    while True:
        page = store.query("directory", _partition(month), query)
        yield from (_entry(item) for item in page.items)
        if page.continuation is None:
            return
        query = replace(query, continuation=page.continuation)


def _entry(item: Item) -> OnboardingFeedback:
    return OnboardingFeedback(
        item["month"], item.get("rating"), item.get("comment"), item.get("language", "en")
    )


def _month(now: datetime) -> str:
    return now.strftime("%Y-%m")
