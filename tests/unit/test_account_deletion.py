"""What account deletion (shared/export/deletion.py) clears outside the person's own partition,
on the memory store: the organisations' invitation records keep no e-mail address (a link still
pending dies), and a Microsoft sign-in link no longer leads to the deleted user. The whole
deletion over HTTP, on both adapters: tests/api/test_export_journey.py."""

from __future__ import annotations

import pytest

from shared.errors import NotFound
from shared.export import deletion
from shared.identity import invitations, operators
from shared.ports import Ports

USER = "a" * 32
OTHER = "b" * 32
ORG = "o" * 32
TENANT = "11111111-1111-1111-1111-111111111111"
OBJECT = "22222222-2222-2222-2222-222222222222"


def test_invitations_lose_the_address_and_a_pending_link_dies(wired: Ports) -> None:
    store, clock = wired.store, wired.clock
    _used, accepted = invitations.create(store, clock, org_id=ORG, user_id=USER, email="weg@example.invalid",
                                         role="doctor", invited_by=OTHER, case_id="c" * 32)  # fmt: skip
    store.replace(
        "orgs", {**accepted, "status": "accepted"}, if_match=store.read("orgs", ORG, accepted["id"])["_etag"]
    )
    token, pending = invitations.create(store, clock, org_id=ORG, user_id=USER, email="weg@example.invalid",
                                        role="employer", invited_by=OTHER, case_id="d" * 32)  # fmt: skip
    _t, theirs = invitations.create(store, clock, org_id=ORG, user_id=OTHER, email="bleibt@example.invalid",
                                    role="doctor", invited_by=USER)  # fmt: skip
    deletion.forget_identity(wired, USER, [ORG])
    assert store.read("orgs", ORG, accepted["id"])["email"] == ""
    assert store.read("orgs", ORG, pending["id"])["email"] == ""
    assert store.read("orgs", ORG, pending["id"])["status"] == "revoked"
    with pytest.raises(invitations.InvitationRevoked):
        invitations.open_invitation(store, clock, token)
    assert store.read("orgs", ORG, theirs["id"])["email"] == "bleibt@example.invalid"  # someone else's


def test_a_microsoft_sign_in_link_no_longer_leads_to_the_deleted_user(wired: Ports) -> None:
    key = operators.entra_key(TENANT, OBJECT)
    wired.store.create("directory", {"id": key, "key": key, "userId": USER, "kind": "staff", "orgId": ORG})
    wired.store.create("users", {"id": deletion.ENTRA_LINK, "userId": USER, "type": "entra_link", "orgId": ORG,
                                 "tenantId": TENANT, "objectId": OBJECT})  # fmt: skip
    deletion.forget_identity(wired, USER, [])
    with pytest.raises(NotFound):
        wired.store.read("directory", key, key)
