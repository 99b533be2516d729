"""Staff administration: inviting people into an organisation, resending, revoking, roles.

Used by the org admin routes and by the ops CLI (which invites an organisation's first admin).
The invitation e-mail carries only a link (with the token in the fragment) and generic text.
"""

from __future__ import annotations

from shared import config
from shared.bootstrap import Ports
from shared.identity import accounts, emails, invitations, orgs
from shared.identity.accounts import Language
from shared.identity.orgs import Role
from shared.ports import Item

__all__ = ["invitations_of", "invite", "members", "onboarding_link", "resend", "revoke", "update"]


def onboarding_link(token: str) -> str:
    # The token sits in the fragment: browsers never send it to the server or in a Referer.
    return f"{config.required('CASEDESK_PUBLIC_URL').rstrip('/')}/onboarding#token={token}"


def invite(
    ports: Ports,
    org_id: str,
    *,
    email: str,
    name: str,
    language: Language,
    role: Role,
    invited_by: str | None,
) -> Item:
    organisation = orgs.org(ports.store, org_id)
    address = accounts.normalise_email(email)
    user_id = accounts.create_invited_user(
        ports.store, ports.clock, email=address, name=name, language=language
    )
    token, index = invitations.create(
        ports.store,
        ports.clock,
        org_id=org_id,
        user_id=user_id,
        email=address,
        role=role,
        invited_by=invited_by,
    )
    _send(ports, index, token, organisation["name"])
    return index


def _send(ports: Ports, index: Item, token: str, org_name: str) -> None:
    profile = accounts.profile(ports.store, index["userId"])
    ports.mailer.send(
        emails.invitation_email(
            to=profile["email"],
            language=profile["language"],
            link=onboarding_link(token),
            inviter_org=org_name,
            expires_days=config.int_setting("CASEDESK_INVITATION_DAYS"),
        )
    )


def members(ports: Ports, org_id: str) -> list[Item]:
    return orgs.members(ports.store, org_id)


def invitations_of(ports: Ports, org_id: str) -> list[Item]:
    return invitations.list_for_org(ports.store, org_id)


def resend(ports: Ports, org_id: str, invitation_id: str) -> Item:
    token, index = invitations.resend(ports.store, ports.clock, org_id, invitation_id)
    _send(ports, index, token, orgs.org(ports.store, org_id)["name"])
    return index


def revoke(ports: Ports, org_id: str, invitation_id: str) -> Item:
    return invitations.revoke(ports.store, ports.clock, org_id, invitation_id)


def update(
    ports: Ports, org_id: str, user_id: str, *, roles: list[Role], access_all_cases: bool, if_match: str
) -> Item:
    return orgs.update_member(
        ports.store, org_id, user_id, roles=roles, access_all_cases=access_all_cases, if_match=if_match
    )
