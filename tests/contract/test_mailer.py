"""The Mailer contract, once, over the local outbox and ACS e-mail (on a loopback fake).

``delivered()`` is the adapter's far side: the outbox's own ``messages()`` or what the fake ACS
accepted, both newest first and reduced to the four fields the contract promises.
"""

from __future__ import annotations

import json
import logging
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.acs_mail import AcsMailer
from shared.adapters.outbox import OutboxMailer
from shared.errors import BackendUnavailable
from shared.ports import Email, Mailer
from tests.fixtures.acs_fake import AcsFake
from tests.fixtures.processes import free_port

SENDER = "DoNotReply@casedesk.example"
PRIVATE_TO = "max.muster@example.ch"
PRIVATE_TEXT = "Befund vertraulich 4711"


def email(n: int = 1, **fields: str) -> Email:
    values = {
        "to": f"person{n}@example.ch",
        "subject": f"Einladung {n} — CaseDesk ✓",
        "text": f"Bitte öffnen: https://casedesk.example/i/{n}",
        "html": f'<p>Bitte <a href="https://casedesk.example/i/{n}">öffnen</a></p>',
        "tag": "invitation",
        **fields,
    }
    return Email(**values)


@dataclass
class Harness:
    mailer: Mailer
    delivered: Callable[[], list[dict[str, Any]]]


@pytest.fixture(params=["outbox", "acs_mail"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    if request.param == "outbox":
        outbox = OutboxMailer(tmp_path / "outbox")
        yield Harness(outbox, lambda: [_fields(m) for m in outbox.messages()])
        return
    fake: AcsFake = request.getfixturevalue("acs_fake")
    acs = AcsMailer(fake.url, SENDER, fake.credential, **fake.client_kwargs)

    def delivered() -> list[dict[str, Any]]:
        return [
            _fields(
                {"to": m["recipients"]["to"][0]["address"], **m["content"], "text": m["content"]["plainText"]}
            )
            for m in reversed(fake.sent)
        ]

    yield Harness(acs, delivered)
    acs.close()


def _fields(message: dict[str, Any]) -> dict[str, Any]:
    return {k: message[k] for k in ("to", "subject", "text", "html")}


def test_send_returns_a_unique_id(harness: Harness) -> None:
    first, second = harness.mailer.send(email(1)), harness.mailer.send(email(2))
    assert isinstance(first, str)
    assert first
    assert first != second


def test_the_email_arrives_as_sent(harness: Harness) -> None:
    sent = email(7)
    harness.mailer.send(sent)
    assert harness.delivered() == [
        {"to": sent.to, "subject": sent.subject, "text": sent.text, "html": sent.html}
    ]


def test_nothing_logged_during_send_names_the_recipient_or_the_body(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        message_id = harness.mailer.send(
            email(to=PRIVATE_TO, text=PRIVATE_TEXT, html=f"<p>{PRIVATE_TEXT}</p>")
        )
    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    assert PRIVATE_TO not in logged
    assert "max.muster" not in logged
    assert PRIVATE_TEXT not in logged
    assert message_id in logged  # what *is* logged: the id, so a send can be traced


def test_check_passes(harness: Harness) -> None:
    harness.mailer.check()


# -- outbox ----------------------------------------------------------------------------------------


def test_outbox_lists_newest_first_with_a_limit(tmp_path: Path) -> None:
    outbox = OutboxMailer(tmp_path)
    ids = [outbox.send(email(n)) for n in range(5)]
    assert [m["id"] for m in outbox.messages()] == ids[::-1]
    assert [m["id"] for m in outbox.messages(limit=2)] == [ids[4], ids[3]]


def test_outbox_files_are_private_complete_and_utc(tmp_path: Path) -> None:
    outbox = OutboxMailer(tmp_path / "mail")
    message_id = outbox.send(email(1, language="de"))
    (file,) = (tmp_path / "mail").iterdir()  # no temp files left behind
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    record = json.loads(file.read_text(encoding="utf-8"))
    assert record["id"] == message_id
    assert (record["language"], record["tag"]) == ("de", "invitation")
    assert datetime.fromisoformat(record["sentAt"]).utcoffset() is not None
    assert datetime.fromisoformat(record["sentAt"]).utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_outbox_is_loud_about_being_a_stand_in(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        OutboxMailer(tmp_path)
    (record,) = [r for r in caplog.records if r.name == "shared.adapters.outbox"]
    assert record.levelno == logging.WARNING
    assert "LOCAL" in record.getMessage()
    assert "production" in record.getMessage()


def test_outbox_unusable_directory_is_backend_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    outbox = OutboxMailer(blocker)
    with pytest.raises(BackendUnavailable):
        outbox.send(email())
    with pytest.raises(BackendUnavailable):
        outbox.check()


# -- Azure Communication Services ----------------------------------------------------------------


def test_acs_request_shape(acs_fake: AcsFake) -> None:
    mailer = AcsMailer(acs_fake.url, SENDER, acs_fake.credential, **acs_fake.client_kwargs)
    message_id = mailer.send(email())
    post = next(r for r in acs_fake.requests if r.method == "POST")
    assert post.path == "/emails:send"
    assert post.query == {"api-version": "2025-09-01"}
    assert post.headers["authorization"] == f"Bearer {acs_fake.credential.token}"
    assert post.headers["operation-id"] == message_id  # idempotent SDK retries
    assert post.body["senderAddress"] == SENDER
    assert post.body["userEngagementTrackingDisabled"] is True
    assert acs_fake.credential.calls[0][0] == ("https://communication.azure.com//.default",)
    mailer.close()


def test_acs_server_error_is_backend_unavailable_without_personal_data(acs_fake: AcsFake) -> None:
    acs_fake.fail_with(500)
    mailer = AcsMailer(acs_fake.url, SENDER, acs_fake.credential, **acs_fake.client_kwargs)
    with pytest.raises(BackendUnavailable, match="HTTP 500") as caught:
        mailer.send(email(to=PRIVATE_TO))
    assert PRIVATE_TO not in str(caught.value)
    assert caught.value.__cause__ is None  # SDK errors may quote the address: not chained
    mailer.close()


def test_acs_failed_operation_is_backend_unavailable(acs_fake: AcsFake) -> None:
    acs_fake.fail_operations = True
    mailer = AcsMailer(acs_fake.url, SENDER, acs_fake.credential, **acs_fake.client_kwargs)
    with pytest.raises(BackendUnavailable):
        mailer.send(email())
    mailer.close()


def test_acs_unreachable_is_backend_unavailable(acs_fake: AcsFake) -> None:
    url = f"https://127.0.0.1:{free_port()}"
    mailer = AcsMailer(url, SENDER, acs_fake.credential, **acs_fake.client_kwargs)
    with pytest.raises(BackendUnavailable):
        mailer.send(email())
    mailer.close()


def test_acs_check_sends_nothing(acs_fake: AcsFake) -> None:
    mailer = AcsMailer(acs_fake.url, SENDER, acs_fake.credential, **acs_fake.client_kwargs)
    mailer.check()
    assert acs_fake.requests == []
    assert acs_fake.credential.calls
    mailer.close()
