"""Notifications (journey 9): private to the recipient, newest first, mark read (own only),
unread count, and an e-mail notice only when wanted and without any content — stored with the
notification as a pending effect and sent later by the relay and the mail sender (``settle``)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.outbox import OutboxMailer
from shared.errors import BackendUnavailable, InvalidInput
from shared.identity import accounts
from shared.notifications import MAX_MARK, inbox, mark_read, notify, unread_count
from shared.notifications import emails as notification_emails
from shared.ports import Email, Ports, Query
from tests.fakes import ManualClock
from tests.unit.settle import settle

LINK = "https://casedesk.example.ch/notifications"


def advance(ports: Ports, **delta: float) -> None:
    """Move the test clock (the ``wired`` fixture's clock is a ManualClock)."""
    assert isinstance(ports.clock, ManualClock)
    ports.clock.advance(**delta)


def person(ports: Ports, email: str = "dr.x@example.ch", language: accounts.Language = "de") -> str:
    return accounts.create_invited_user(ports.store, ports.clock, email=email, name="Dr X", language=language)


def share_notice(ports: Ports, user_id: str, item_id: str = "secretdoc42") -> dict[str, Any]:
    return notify(ports, user_id, "share", case_id="case77", item_type="doc", item_id=item_id)


def sent(ports: Ports) -> list[dict[str, Any]]:
    """The outbox once the relay and the mail sender have run."""
    settle(ports)
    assert isinstance(ports.mailer, OutboxMailer)
    return ports.mailer.messages()


def pending_effects(ports: Ports, user_id: str) -> list[dict[str, Any]]:
    return ports.store.query("users", user_id, Query(equals={"type": "pending-effect"})).items


class BrokenMailer:
    """A mail service that is down (a fake of our own port, not a patch)."""

    def send(self, email: Email) -> str:
        raise BackendUnavailable("mail relay down", service="mail")

    def check(self) -> None:
        raise BackendUnavailable("mail relay down", service="mail")


def test_notify_stores_ids_only_in_the_recipients_partition(wired: Ports) -> None:
    stored = share_notice(wired, "u1")
    assert stored["id"].startswith("notif-") and stored["userId"] == "u1"
    assert {k: stored[k] for k in ("type", "kind", "caseId", "itemType", "itemId", "read")} == {
        "type": "notification",
        "kind": "share",
        "caseId": "case77",
        "itemType": "doc",
        "itemId": "secretdoc42",
        "read": False,
    }
    assert inbox(wired, "u2").items == []


def test_inbox_is_newest_first_and_pages(wired: Ports) -> None:
    made = []
    for n in range(5):
        made.append(share_notice(wired, "u1", f"d{n}")["id"])
        advance(wired, seconds=1)
    first = inbox(wired, "u1", limit=3)
    assert [i["itemId"] for i in first.items] == ["d4", "d3", "d2"] and first.continuation
    rest = inbox(wired, "u1", limit=3, continuation=first.continuation)
    assert [i["itemId"] for i in rest.items] == ["d1", "d0"] and rest.continuation is None
    for bad in (0, 201):
        with pytest.raises(InvalidInput):
            inbox(wired, "u1", limit=bad)


def test_mark_read_and_unread_count(wired: Ports) -> None:
    a = share_notice(wired, "u1")["id"]
    advance(wired, seconds=1)
    b = share_notice(wired, "u1")["id"]
    assert unread_count(wired, "u1") == 2
    assert mark_read(wired, "u1", [a, a]) == 1
    assert mark_read(wired, "u1", [a]) == 0  # a retry changes nothing
    assert unread_count(wired, "u1") == 1
    assert [i["id"] for i in inbox(wired, "u1", unread_only=True).items] == [b]
    read = next(i for i in inbox(wired, "u1").items if i["id"] == a)
    assert read["read"] is True and read["readAt"]


def test_nobody_can_mark_someone_elses_notifications(wired: Ports) -> None:
    theirs = share_notice(wired, "u2")["id"]
    assert mark_read(wired, "u1", [theirs, "notif-x", "../profile", "profile", 7]) == 0  # type: ignore[list-item]
    assert unread_count(wired, "u2") == 1 and unread_count(wired, "u1") == 0
    with pytest.raises(InvalidInput):
        mark_read(wired, "u1", [theirs] * (MAX_MARK + 1))
    with pytest.raises(InvalidInput):
        mark_read(wired, "u1", theirs)


def test_unknown_kind_is_refused(wired: Ports) -> None:
    with pytest.raises(InvalidInput) as caught:
        notify(wired, "u1", "gossip", case_id=None, item_type=None, item_id=None)
    assert caught.value.field == "kind"
    assert inbox(wired, "u1").items == []


def test_notifications_expire_on_their_own(wired: Ports) -> None:
    share_notice(wired, "u1")
    advance(wired, days=366)
    assert inbox(wired, "u1").items == [] and unread_count(wired, "u1") == 0


def test_one_email_without_content_when_the_user_wants_it(wired: Ports) -> None:
    user = person(wired)
    share_notice(wired, user)
    [mail] = sent(wired)
    assert (
        mail["to"] == "dr.x@example.ch"
        and mail["tag"] == notification_emails.TAG
        and mail["language"] == "de"
    )
    assert "/notifications" in mail["text"] and "/notifications" in mail["html"]
    for body in (mail["subject"], mail["text"], mail["html"]):
        for secret in ("secretdoc42", "case77", "Dr X", user):
            assert secret not in body
    notify(wired, user, "message", case_id="case78", item_type=None, item_id="thread9")
    latest = sent(wired)[0]
    assert (latest["subject"], latest["text"]) == (mail["subject"], mail["text"])  # the kind is not told


def test_no_email_when_switched_off_or_no_profile(wired: Ports) -> None:
    user = person(wired)
    profile = accounts.profile(wired.store, user)
    accounts.update_profile(wired.store, user, {"emailNotifications": False}, if_match=profile["_etag"])
    share_notice(wired, user)
    share_notice(wired, "nobody")
    assert sent(wired) == []
    assert unread_count(wired, user) == 1 and unread_count(wired, "nobody") == 1


def test_the_request_never_waits_for_the_mail_service_and_an_outage_loses_nothing(wired: Ports) -> None:
    down = dataclasses.replace(wired, mailer=BrokenMailer())
    user = person(down)
    share_notice(down, user)  # the mail service is not called on the request path at all
    assert unread_count(down, user) == 1
    [effect] = pending_effects(down, user)
    assert effect["kind"] == "email"  # stored in the same batch as the notification
    with pytest.raises(BackendUnavailable):
        settle(down)  # the sender fails; the host will retry the queue message
    assert len(pending_effects(down, user)) == 1
    advance(wired, seconds=60)  # the message becomes visible again; the mail service is back
    [mail] = sent(wired)
    assert mail["to"] == "dr.x@example.ch" and pending_effects(wired, user) == []


@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_notification_email_is_generic_text_and_html(language: str) -> None:
    mail = notification_emails.notification_email("a@example.ch", language, LINK)
    assert mail.tag == "notification" and mail.to == "a@example.ch"
    assert mail.language == ("en" if language == "fr" else language)
    assert LINK in mail.text and f'href="{LINK}"' in mail.html and f'lang="{mail.language}"' in mail.html
    assert mail.subject.strip()


def test_notification_email_refuses_a_bad_link() -> None:
    for bad in ("javascript:alert(1)", "/notifications", "https://x.ch/a b"):
        with pytest.raises(ValueError):
            notification_emails.notification_email("a@example.ch", "en", bad)


def test_strings_exist_in_both_languages() -> None:
    strings = json.loads(
        Path(notification_emails.__file__).with_name("strings.json").read_text(encoding="utf-8")
    )
    en, de = strings["en"]["email"]["notification"], strings["de"]["email"]["notification"]
    assert set(en) == set(de) == {"subject", "heading", "intro", "signIn", "action", "preferences"}
    for key in en:
        assert en[key].strip() and de[key].strip() and en[key] != de[key]
