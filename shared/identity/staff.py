"""Staff administration: inviting people into an organisation, resending, revoking, roles.

Used by the org admin routes and by the ops CLI (which invites an organisation's first admin, as
:meth:`Caller.system <shared.access.caller.Caller.system>`). Every action here records its audit
event, and an invitation its e-mail, as pending effects in the same batch as the change, in the
organisation's partition (``shared/effects``); nothing waits for the chains or the mail service.
The invitation e-mail carries only a link (with the token in the fragment) and generic text.
"""

from __future__ import annotations

from datetime import datetime

from shared import config
from shared.access.caller import Caller
from shared.audit.events import SYSTEM_ACTOR
from shared.effects import audit_event, audit_op, email_op, record
from shared.identity import accounts, emails, invitations, orgs
from shared.identity.accounts import Language
from shared.identity.orgs import Role
from shared.paging import Paged, Window
from shared.ports import BatchOperation, Item, Ports

__all__ = [
    "invitations_of",
    "invitations_page",
    "invite",
    "members",
    "members_page",
    "onboarding_link",
    "resend",
    "revoke",
    "update",
]


def onboarding_link(token: str) -> str:
    # The token sits in the fragment: browsers never send it to the server or in a Referer.
    return f"{config.required('CASEDESK_PUBLIC_URL').rstrip('/')}/onboarding#token={token}"


def invite(
    ports: Ports,
    caller: Caller,
    org_id: str,
    *,
    email: str,
    name: str,
    language: Language,
    role: Role,
) -> Item:
    """Invite someone into ``org_id`` as ``role`` (audited ``staff:invite``); returns the index."""
    organisation = orgs.org(ports.store, org_id)
    address = accounts.normalise_email(email)
    user_id = accounts.create_invited_user(
        ports.store, ports.clock, email=address, name=name, language=language
    )
    profile = accounts.profile(ports.store, user_id)
    now = ports.clock.now()

    def effects(token: str, index: Item) -> list[BatchOperation]:
        return [
            _audit(caller, "staff:invite", org_id, index, now),
            _email(org_id, profile, token, organisation["name"], now),
        ]

    _, index = invitations.create(
        ports.store,
        ports.clock,
        org_id=org_id,
        user_id=user_id,
        email=address,
        role=role,
        invited_by=None if caller.actor == SYSTEM_ACTOR else caller.actor,
        effects=effects,
    )
    return index


def _audit(caller: Caller, action: str, org_id: str, index: Item, now: datetime) -> BatchOperation:
    event = audit_event(
        caller, action, target_type="invitation", target_id=str(index["invitationId"]), org_id=org_id
    )
    return audit_op("orgs", org_id, event, now)


def _email(org_id: str, profile: Item, token: str, org_name: str, now: datetime) -> BatchOperation:
    message = emails.invitation_email(
        to=profile["email"],
        language=profile["language"],
        link=onboarding_link(token),
        inviter_org=org_name,
        expires_days=config.int_setting("CASEDESK_INVITATION_DAYS"),
    )
    return email_op("orgs", org_id, message, now)


def members(ports: Ports, caller: Caller, org_id: str) -> list[Item]:
    """The organisation's staff; reading them is audited (``staff:read``, one write)."""
    found = orgs.members(ports.store, org_id)
    event = audit_event(caller, "staff:read", target_type="org", target_id=org_id, org_id=org_id)
    record(ports.store, "orgs", org_id, [audit_op("orgs", org_id, event, ports.clock.now())])
    return found


def members_page(ports: Ports, caller: Caller, org_id: str, window: Window) -> Paged[Item]:
    """One page of the organisation's staff, by user id; each page read is audited
    (``staff:read``, one write)."""
    page = orgs.members_page(ports.store, org_id, window)
    event = audit_event(caller, "staff:read", target_type="org", target_id=org_id, org_id=org_id)
    record(ports.store, "orgs", org_id, [audit_op("orgs", org_id, event, ports.clock.now())])
    return page


def invitations_of(ports: Ports, org_id: str) -> list[Item]:
    return invitations.list_for_org(ports.store, org_id)


def invitations_page(ports: Ports, org_id: str, window: Window) -> Paged[Item]:
    """One page of the organisation's staff invitations (not those into its cases), oldest first."""
    return invitations.page_for_org(ports.store, org_id, window, staff_only=True)


def resend(ports: Ports, caller: Caller, org_id: str, invitation_id: str) -> Item:
    """A new link for a pending invitation, e-mailed again (audited ``invitation:resend``)."""
    org_name = orgs.org(ports.store, org_id)["name"]
    now = ports.clock.now()

    def effects(token: str, index: Item) -> list[BatchOperation]:
        profile = accounts.profile(ports.store, index["userId"])
        return [
            _audit(caller, "invitation:resend", org_id, index, now),
            _email(org_id, profile, token, org_name, now),
        ]

    _, index = invitations.resend(ports.store, ports.clock, org_id, invitation_id, effects=effects)
    return index


def revoke(ports: Ports, caller: Caller, org_id: str, invitation_id: str) -> Item:
    """End a pending invitation (audited ``invitation:revoke``)."""
    audit = _audit(caller, "invitation:revoke", org_id, {"invitationId": invitation_id}, ports.clock.now())
    return invitations.revoke(ports.store, ports.clock, org_id, invitation_id, effects=[audit])


def update(
    ports: Ports,
    caller: Caller,
    org_id: str,
    user_id: str,
    *,
    roles: list[Role],
    access_all_cases: bool,
    if_match: str,
) -> Item:
    """Change a staff member's roles and break-glass flag (audited ``staff:update``)."""
    event = audit_event(caller, "staff:update", target_type="user", target_id=user_id, org_id=org_id)
    return orgs.update_member(
        ports.store,
        org_id,
        user_id,
        roles=roles,
        access_all_cases=access_all_cases,
        if_match=if_match,
        effects=[audit_op("orgs", org_id, event, ports.clock.now())],
    )
