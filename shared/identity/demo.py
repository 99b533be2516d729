"""Demo data for local development (ARCHITECTURE §7): one organisation and five ready accounts.

Why it exists: without it, trying the product locally means walking an invitation, consent,
password and TOTP enrolment for every role first. Seeded accounts are already active, so a
developer signs in with :data:`DEMO_PASSWORD` and a code from the dev TOTP helper
(``GET /api/dev/totp``, :func:`current_codes`).

Why it cannot leak into a real deployment:

* :func:`seed_demo` and :func:`current_codes` refuse any environment but development, even
  though the CLI command and the route already run only there (defence in depth);
* seeding writes only into a store without any organisation, so it never mixes with real data;
* addresses use the ``.invalid`` TLD (RFC 2606), which can never deliver an e-mail;
* every demo profile is marked ``demo: True`` and the TOTP helper shows codes of marked
  accounts only, so an account that joins the demo organisation later never has its codes shown.

The demo accounts go through the same building blocks as real ones (accounts, orgs, consent,
Argon2id hashes, a TOTP secret sealed with the user's own data key, hashed recovery codes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from shared.config import Environment
from shared.errors import ConfigurationError, NotFound
from shared.identity import accounts, legal, onboarding, orgs, passwords, totp
from shared.identity.accounts import Language
from shared.identity.tokens import new_recovery_codes, recovery_code_hash
from shared.ports import Ports

__all__ = [
    "DEMO_DOMAIN",
    "DEMO_ORG_NAME",
    "DEMO_PASSWORD",
    "DemoAccount",
    "DemoCode",
    "DemoRole",
    "check_environment",
    "current_codes",
    "seed_demo",
]

DEMO_ORG_NAME = "Demo Reintegration AG"
DEMO_DOMAIN = "demo.casedesk.invalid"
#: Shared by every demo account and printed by ``seed-demo``: it is not a secret, which is fine
#: only because demo accounts exist in development alone. It meets the policy for every demo
#: account (no "CaseDesk", "Demo" or names in it: docs/decisions/016), and is one word, so a
#: double-click in the terminal copies all of it.
DEMO_PASSWORD = "QuokkaLanternHarbour42"  # noqa: S105 - a published development password

#: Staff roles, plus the case participants of the later journeys (who hold no staff role).
DemoRole = Literal["org_admin", "case_manager", "employee", "employer", "doctor"]
#: Directory entry pointing at the demo organisation: the TOTP helper finds it with a point read.
_POINTER = "dev-demo-org"


@dataclass(frozen=True)
class DemoAccount:
    user_id: str
    role: DemoRole
    email: str
    name: str
    language: Language
    recovery_codes: tuple[str, ...]


@dataclass(frozen=True)
class DemoCode:
    email: str
    role: DemoRole
    code: str
    seconds_left: int


# (mailbox, fictional name, language, role), in the order they are listed everywhere.
_PEOPLE: tuple[tuple[str, str, Language, DemoRole], ...] = (
    ("admin", "Ada Admin (Demo)", "de", "org_admin"),
    ("case.manager", "Carla Case (Demo)", "en", "case_manager"),
    ("employee", "Erika Beispiel (Demo)", "de", "employee"),
    ("employer", "Emil Employer (Demo)", "en", "employer"),
    ("doctor", "Dr. Dora Demo", "de", "doctor"),
)
_ORDER: tuple[DemoRole, ...] = tuple(role for _, _, _, role in _PEOPLE)


def check_environment(environment: Environment) -> None:
    """Raise :class:`ConfigurationError` unless ``environment`` is development."""
    if environment is not Environment.DEVELOPMENT:
        raise ConfigurationError(f"demo data exists only in development; CASEDESK_ENV is {environment.value}")


def seed_demo(ports: Ports) -> list[DemoAccount] | None:
    """Create the demo organisation and its five accounts; ``None`` if the store already holds
    an organisation (nothing is written then). Raises outside development."""
    check_environment(ports.environment)
    if next(ports.store.scan("orgs"), None) is not None:
        return None
    passwords.check_password_policy(DEMO_PASSWORD)  # a constant, but the policy may tighten
    org_id = orgs.create_org(ports.store, ports.clock, DEMO_ORG_NAME)
    seeded = [
        _create_account(ports, f"{mailbox}@{DEMO_DOMAIN}", name, language, role)
        for mailbox, name, language, role in _PEOPLE
    ]
    participants = []
    for account in seeded:
        if account.role in orgs.ROLES:
            orgs.add_member(ports.store, ports.clock, org_id, account.user_id, [account.role])
        else:
            participants.append({"userId": account.user_id, "role": account.role})
    organisation = orgs.org(ports.store, org_id)
    marked = {**organisation, "demo": True, "demoParticipants": participants}
    ports.store.replace("orgs", marked, if_match=organisation["_etag"])
    ports.store.create("directory", {"id": _POINTER, "key": _POINTER, "orgId": org_id})
    return seeded


def _create_account(ports: Ports, email: str, name: str, language: Language, role: DemoRole) -> DemoAccount:
    """An active account as onboarding would leave it: consent, password, confirmed TOTP."""
    user_id = accounts.create_invited_user(
        ports.store, ports.clock, email=email, name=name, language=language
    )
    profile = onboarding.record_consent(ports, user_id, **legal.current_versions())
    accounts.update_profile(
        ports.store, user_id, {"status": "active", "demo": True}, if_match=profile["_etag"]
    )
    codes = new_recovery_codes()
    fields = {
        "passwordHash": passwords.hash_password(DEMO_PASSWORD),
        "passwordChangedAt": ports.clock.now().isoformat(),
        "totpSealed": _sealed_new_secret(ports, user_id),
        "totpConfirmed": True,
        "totpLastStep": None,
        "recoveryCodes": [recovery_code_hash(c, user_id) for c in codes],
    }
    accounts.save_credentials(ports.store, user_id, fields, if_match=None)
    return DemoAccount(user_id, role, email, name, language, tuple(codes))


def _sealed_new_secret(ports: Ports, user_id: str) -> str:
    return onboarding.seal_totp_secret(ports, user_id, totp.new_secret())


def current_codes(ports: Ports) -> list[DemoCode]:
    """The TOTP code of each demo account right now (empty if nothing was seeded). Accounts
    come from the demo organisation; any without the ``demo`` mark are skipped."""
    check_environment(ports.environment)
    try:
        org_id = str(ports.store.read("directory", _POINTER, _POINTER)["orgId"])
    except NotFound:
        return []
    candidates: list[tuple[str, DemoRole]] = []
    for member in orgs.members(ports.store, org_id):
        role = next((r for r in _ORDER if r in member["roles"]), None)
        if role is not None:
            candidates.append((member["userId"], role))
    organisation = orgs.org(ports.store, org_id)
    candidates += [(p["userId"], p["role"]) for p in organisation.get("demoParticipants", [])]
    now = ports.clock.now()
    found = [code for user_id, role in candidates if (code := _code_of(ports, user_id, role, now))]
    return sorted(found, key=lambda c: (_ORDER.index(c.role), c.email))


def _code_of(ports: Ports, user_id: str, role: DemoRole, now: datetime) -> DemoCode | None:
    profile = accounts.profile(ports.store, user_id)
    creds = accounts.credentials(ports.store, user_id)
    if profile.get("demo") is not True or not creds or not creds.get("totpSealed"):
        return None
    secret = onboarding.totp_secret(ports, user_id, creds)
    code = totp.current_code(secret, now)
    seconds_left = totp.PERIOD_SECONDS - int(now.timestamp()) % totp.PERIOD_SECONDS
    return DemoCode(profile["email"], role, code, seconds_left)
