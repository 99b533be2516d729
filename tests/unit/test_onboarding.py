"""Onboarding's password step (shared/identity/onboarding.py): set once per invitation link, with
the person's own words as context for the policy; only a new link starts it over."""

from __future__ import annotations

import pytest

from shared.identity import accounts, invitations, legal, onboarding, orgs, passwords
from shared.identity.onboarding import PasswordAlreadySet
from shared.ports import Ports

EMAIL = "anna.muster@example.invalid"
FIRST = "correct horse battery staple 42"
SECOND = "a different long passphrase 7"


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEDESK_ARGON2_MEMORY_KIB", "8")
    monkeypatch.setenv("CASEDESK_ARGON2_ITERATIONS", "1")


def invited(ports: Ports) -> tuple[str, str, str]:
    """An invitation into "Muster Reha AG" that has its consent; returns (org id, invitation id, token)."""
    org_id = orgs.create_org(ports.store, ports.clock, "Muster Reha AG")
    user_id = accounts.create_invited_user(
        ports.store, ports.clock, email=EMAIL, name="Anna Muster", language="de"
    )
    token, index = invitations.create(
        ports.store,
        ports.clock,
        org_id=org_id,
        user_id=user_id,
        email=EMAIL,
        role="case_manager",
        invited_by=None,
    )
    onboarding.accept_terms(ports, token, **legal.current_versions())
    return org_id, index["invitationId"], token


def stored_credentials(ports: Ports, token: str) -> dict[str, object]:
    user_id = invitations.open_invitation(ports.store, ports.clock, token)["userId"]
    creds = accounts.credentials(ports.store, user_id)
    assert creds is not None
    return dict(creds)


def test_the_password_is_set_once_and_the_next_step_stays_totp(wired: Ports) -> None:
    _, _, token = invited(wired)
    assert onboarding.inspect(wired, token)["step"] == "password"
    enrolment = onboarding.set_password(wired, token, FIRST)
    assert onboarding.inspect(wired, token)["step"] == "totp"
    before = stored_credentials(wired, token)

    with pytest.raises(PasswordAlreadySet) as caught:
        onboarding.set_password(wired, token, SECOND)  # the page reloaded and submitted again

    assert caught.value.code == "password_already_set"
    after = stored_credentials(wired, token)
    assert after == before  # same hash, same TOTP secret, same version: nothing changed
    assert passwords.verify_password(FIRST, str(after["passwordHash"]))
    assert not passwords.verify_password(SECOND, str(after["passwordHash"]))
    assert onboarding.inspect(wired, token)["step"] == "totp"
    assert enrolment.secret  # the authenticator scanned the first time is still the one to confirm


def test_the_same_password_again_is_refused_too(wired: Ports) -> None:
    _, _, token = invited(wired)
    onboarding.set_password(wired, token, FIRST)
    with pytest.raises(PasswordAlreadySet):
        onboarding.set_password(wired, token, FIRST)


def test_a_new_link_starts_the_password_step_over(wired: Ports) -> None:
    org_id, invitation_id, old = invited(wired)
    onboarding.set_password(wired, old, FIRST)
    new, _ = invitations.resend(wired.store, wired.clock, org_id, invitation_id)
    assert onboarding.inspect(wired, new)["step"] == "password"
    onboarding.set_password(wired, new, SECOND)
    creds = stored_credentials(wired, new)
    assert passwords.verify_password(SECOND, str(creds["passwordHash"]))
    assert onboarding.inspect(wired, new)["step"] == "totp"


@pytest.mark.parametrize(
    ("password", "error"),
    [
        (EMAIL, passwords.ContextPassword),
        ("Anna Muster 1985", passwords.ContextPassword),
        ("MusterReha2024!", passwords.ContextPassword),  # the inviting organisation's name
        ("CaseDeskCaseDesk", passwords.ContextPassword),
        ("aaaaaaaaaaaa", passwords.RepetitivePassword),
        ("123456789012", passwords.SequentialPassword),
    ],
)
def test_onboarding_applies_the_policy_with_the_persons_words(
    wired: Ports, password: str, error: type[passwords.WeakPassword]
) -> None:
    _, _, token = invited(wired)
    with pytest.raises(error):
        onboarding.set_password(wired, token, password)
    assert onboarding.inspect(wired, token)["step"] == "password"  # nothing stored
