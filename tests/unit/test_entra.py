"""Sign-in with Microsoft Entra ID (issue 21) against the fake authority on loopback HTTPS: msal
talks to it for real (discovery, authorize redirect, token endpoint with PKCE and a client
assertion, JWKS), the app verifies the RS256 ID tokens it issues."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from shared import config
from shared.access.caller import Caller
from shared.errors import ConfigurationError, InvalidInput
from shared.identity import demo, entra, login, operators, orgs
from shared.identity.sessions import SessionService
from shared.identity.throttle import LoginThrottle, TooManyAttempts
from shared.ports import Item, Ports
from tests.fakes import ManualClock
from tests.fixtures.entra_fake import (
    CUSTOMER_TENANT,
    OPERATOR_ROLE,
    OTHER_TENANT,
    PLATFORM_TENANT,
    EntraFake,
    Identity,
)


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EntraFake]:
    authority = EntraFake(tmp_path / "entra")
    for name, value in authority.settings().items():
        monkeypatch.setenv(name, value)
    try:
        yield authority
    finally:
        authority.stop()


@dataclass
class World:
    ports: Ports
    fake: EntraFake
    org_id: str
    admin: demo.DemoAccount
    manager: demo.DemoAccount
    operator: operators.Operator
    olga: Identity  # the operator in the platform tenant, MFA and app role
    carla: Identity  # the case manager in the customer's tenant


@pytest.fixture
def world(dev: Ports, fake: EntraFake) -> World:
    seeded = demo.seed_demo(dev)
    assert seeded is not None
    admin = next(a for a in seeded if a.role == "org_admin")
    manager = next(a for a in seeded if a.role == "case_manager")
    org_id = orgs.my_orgs(dev.store, admin.user_id)[0]["org"]["orgId"]
    olga = fake.add(
        Identity("olga", PLATFORM_TENANT, "Olga Operator", "olga@platform.invalid", roles=[OPERATOR_ROLE])
    )
    carla = fake.add(Identity("carla", CUSTOMER_TENANT, "Carla Case", manager.email))
    fake.add(Identity("ada", CUSTOMER_TENANT, "Ada Admin", admin.email))
    operator = operators.create_operator(
        dev,
        Caller.system(),
        tenant_id=olga.tenant_id,
        object_id=olga.object_id,
        name=olga.name,
        email=olga.email,
    )
    return World(dev, fake, org_id, admin, manager, operator, olga, carla)


def finish(world: World, started: entra.Started, **pick: object) -> entra.Outcome:
    query = world.fake.callback_query(started.authorize_url, **pick)
    record = entra.take_flow(world.ports, started.cookie_token)
    return entra.complete(world.ports, record, query, client="pytest")


def link_org(world: World, tenant: str = CUSTOMER_TENANT, user: str = "ada") -> entra.Outcome:
    started = entra.start(
        world.ports,
        "link_org",
        user_id=world.admin.user_id,
        org_id=world.org_id,
        tenant_id=tenant,
        return_to="/org",
    )
    return finish(world, started, user=user)


def link_carla(world: World) -> None:
    link_org(world)
    started = entra.start(world.ports, "link", user_id=world.manager.user_id, org_id=world.org_id)
    assert finish(world, started, user="carla").kind == "linked"


def sessions_of(world: World, user_id: str) -> int:
    return len(SessionService(world.ports.store, world.ports.clock).list_for_user(user_id))


def test_an_operator_signs_in_with_pkce_a_client_assertion_and_a_verified_id_token(world: World) -> None:
    started = entra.start(world.ports, "sign_in", return_to="/support", client_key="pytest")
    asked = dict(parse_qsl(urlsplit(started.authorize_url).query))
    assert asked["response_mode"] == "query" and asked["code_challenge_method"] == "S256"
    assert '"acrs"' in asked["claims"] and asked["nonce"] and asked["state"]
    outcome = finish(world, started, user="olga")
    assert outcome.kind == "session" and outcome.user_id == world.operator.user_id
    assert outcome.return_to == "/support" and outcome.session is not None
    # A normal CaseDesk session, with the operators' shorter absolute lifetime.
    active = SessionService(world.ports.store, world.ports.clock).resolve(outcome.session.token)
    assert active.user_id == world.operator.user_id
    assert outcome.session.expires_at - world.ports.clock.now() == timedelta(hours=4)
    assert entra.fresh_auth_at(world.ports, outcome.session.token) == world.ports.clock.now()
    # No secret anywhere: the token request carried a signed assertion, never a client_secret.
    [redeemed] = [r for r in world.fake.requests if r.path.endswith("/token")]
    assert "client_secret" not in redeemed.form and redeemed.form["client_assertion"].count(".") == 2
    assert redeemed.form["code_verifier"] and redeemed.status == 200


def test_staff_sign_in_after_linking_gives_a_normal_session(world: World) -> None:
    link_carla(world)
    outcome = finish(world, entra.start(world.ports, "sign_in", client_key="pytest"), user="carla")
    assert outcome.kind == "session" and outcome.user_id == world.manager.user_id
    assert outcome.absolute_seconds == 43200


def test_a_wrong_state_is_refused_and_signs_nobody_in(world: World) -> None:
    started = entra.start(world.ports, "sign_in", client_key="pytest")
    query = world.fake.callback_query(started.authorize_url, user="olga")
    record = entra.take_flow(world.ports, started.cookie_token)
    with pytest.raises(entra.EntraStateMismatch):
        entra.complete(world.ports, record, {**query, "state": "forged-state"}, client="pytest")
    assert sessions_of(world, world.operator.user_id) == 0


def test_a_flow_works_once_a_replay_finds_nothing(world: World) -> None:
    started = entra.start(world.ports, "sign_in", client_key="pytest")
    query = world.fake.callback_query(started.authorize_url, user="olga")
    record = entra.take_flow(world.ports, started.cookie_token)
    assert entra.complete(world.ports, record, query, client="pytest").kind == "session"
    with pytest.raises(entra.EntraFlowInvalid):
        entra.take_flow(world.ports, started.cookie_token)
    # Even with the flow's state copied, the code is spent at the authority too.
    with pytest.raises(entra.EntraFailed):
        entra.complete(world.ports, record, query, client="pytest")
    assert sessions_of(world, world.operator.user_id) == 1


def test_a_flow_expires_after_ten_minutes(world: World) -> None:
    started = entra.start(world.ports, "sign_in", client_key="pytest")
    assert isinstance(world.ports.clock, ManualClock)
    world.ports.clock.advance(seconds=entra.FLOW_SECONDS + 1)
    with pytest.raises(entra.EntraFlowInvalid):
        entra.take_flow(world.ports, started.cookie_token)


def test_an_operator_without_proof_of_mfa_is_refused(world: World) -> None:
    world.olga.mfa = False
    with pytest.raises(entra.EntraMfaRequired):
        finish(world, entra.start(world.ports, "sign_in", client_key="pytest"), user="olga")
    assert sessions_of(world, world.operator.user_id) == 0


def test_an_operator_without_the_app_role_is_refused(world: World) -> None:
    world.olga.roles = []
    with pytest.raises(entra.EntraRoleMissing):
        finish(world, entra.start(world.ports, "sign_in", client_key="pytest"), user="olga")


def test_staff_without_proof_of_mfa_are_asked_for_their_casedesk_totp(world: World) -> None:
    link_carla(world)
    world.carla.mfa = False
    outcome = finish(world, entra.start(world.ports, "sign_in", client_key="pytest"), user="carla")
    assert outcome.kind == "second_factor" and outcome.session is None and outcome.challenge
    assert sessions_of(world, world.manager.user_id) == 0
    user_id = login.second_factor_step(
        world.ports, outcome.challenge, "pytest", recovery_code=world.manager.recovery_codes[0]
    )
    assert user_id == world.manager.user_id


def test_a_wrong_tenant_is_refused_for_operators_and_staff(world: World) -> None:
    stranger = world.fake.add(
        Identity("oscar", OTHER_TENANT, "Oscar Other", "o@x.invalid", roles=[OPERATOR_ROLE])
    )
    operators.create_operator(
        world.ports,
        Caller.system(),
        tenant_id=OTHER_TENANT,
        object_id=stranger.object_id,
        name="Oscar",
        email="o@x.invalid",
    )
    with pytest.raises(entra.EntraWrongTenant):
        finish(world, entra.start(world.ports, "sign_in", client_key="pytest"), user="oscar")
    link_carla(world)
    # The organisation moves to another tenant: Carla's link no longer signs her in.
    organisation = orgs.org(world.ports.store, world.org_id)
    world.ports.store.replace(
        "orgs", {**organisation, "entraTenantId": OTHER_TENANT}, if_match=organisation["_etag"]
    )
    with pytest.raises(entra.EntraWrongTenant):
        finish(world, entra.start(world.ports, "sign_in", client_key="pytest"), user="carla")
    # An admin who names one tenant and signs in from another links nothing.
    with pytest.raises((entra.EntraWrongTenant, entra.EntraFailed)):
        link_org(world, tenant=PLATFORM_TENANT, user="ada")
    assert orgs.org(world.ports.store, world.org_id)["entraTenantId"] == OTHER_TENANT


def test_an_unknown_oid_is_refused_and_never_linked_by_e_mail(world: World) -> None:
    link_org(world)
    # Same tenant, same e-mail address as the case manager, but nobody linked this identity.
    world.fake.add(Identity("twin", CUSTOMER_TENANT, "Carla Twin", world.manager.email))
    with pytest.raises(entra.EntraNotLinked):
        finish(world, entra.start(world.ports, "sign_in", client_key="pytest"), user="twin")
    assert entra.linked_identity(world.ports, world.manager.user_id) is None
    assert sessions_of(world, world.manager.user_id) == 0


def test_linking_needs_a_casedesk_login_first(world: World) -> None:
    link_org(world)
    with pytest.raises(entra.EntraNotLinked):  # an Entra sign-in alone never links
        finish(world, entra.start(world.ports, "sign_in", client_key="pytest"), user="carla")
    with pytest.raises(InvalidInput):  # a link flow names the signed-in user
        entra.start(world.ports, "link", org_id=world.org_id)
    assert entra.linked_identity(world.ports, world.manager.user_id) is None


def test_the_user_cancelling_signs_nobody_in(world: World) -> None:
    with pytest.raises(entra.EntraCancelled):
        finish(world, entra.start(world.ports, "sign_in", client_key="pytest"), cancel=True)


def test_an_unreachable_authority_is_a_clear_error_and_nothing_half_signed_in(world: World) -> None:
    started = entra.start(world.ports, "sign_in", client_key="pytest")
    query = world.fake.callback_query(started.authorize_url, user="olga")
    record = entra.take_flow(world.ports, started.cookie_token)
    world.fake.stop()
    with pytest.raises(entra.EntraUnavailable):
        entra.complete(world.ports, record, query, client="pytest")
    assert sessions_of(world, world.operator.user_id) == 0
    with pytest.raises(entra.EntraUnavailable):  # nor can a new flow start
        entra.start(
            world.ports, "link_org", user_id=world.admin.user_id, org_id=world.org_id, tenant_id=OTHER_TENANT
        )


def test_a_forged_id_token_signature_is_refused(world: World) -> None:
    world.fake.forge_signature = True
    with pytest.raises(entra.EntraFailed):
        finish(world, entra.start(world.ports, "sign_in", client_key="pytest"), user="olga")
    assert sessions_of(world, world.operator.user_id) == 0


def test_step_up_records_a_fresh_authentication_on_the_session(world: World) -> None:
    signed_in = finish(world, entra.start(world.ports, "sign_in", client_key="pytest"), user="olga")
    assert signed_in.session is not None
    token = signed_in.session.token
    assert isinstance(world.ports.clock, ManualClock)
    world.ports.clock.advance(seconds=600)
    with pytest.raises(entra.FreshAuthRequired):
        entra.require_fresh_auth(world.ports, token)
    started = entra.start(
        world.ports, "step_up", user_id=world.operator.user_id, session_token=token, return_to="/support"
    )
    asked = dict(parse_qsl(urlsplit(started.authorize_url).query))
    assert asked["prompt"] == "login" and asked["max_age"] == "300"
    outcome = finish(world, started, user="olga")
    assert outcome.kind == "stepped_up" and outcome.return_to == "/support"
    assert entra.require_fresh_auth(world.ports, token) == world.ports.clock.now()
    # Someone else's Microsoft account cannot step up this session.
    other = entra.start(world.ports, "step_up", user_id=world.operator.user_id, session_token=token)
    world.fake.add(Identity("eve", PLATFORM_TENANT, "Eve", "eve@platform.invalid", roles=[OPERATOR_ROLE]))
    with pytest.raises(entra.EntraNotLinked):
        finish(world, other, user="eve")


def test_an_org_admin_links_the_organisation_by_one_sign_in_from_its_tenant(world: World) -> None:
    outcome = link_org(world)
    assert outcome.kind == "org_linked" and outcome.return_to == "/org"
    assert orgs.org(world.ports.store, world.org_id)["entraTenantId"] == CUSTOMER_TENANT
    # The admin's own account is linked by the same sign-in.
    assert entra.linked_identity(world.ports, world.admin.user_id) is not None
    organisation = orgs.org(world.ports.store, world.org_id)
    entra.unlink_org(world.ports, Caller.system(), world.org_id, if_match=organisation["_etag"])
    assert "entraTenantId" not in orgs.org(world.ports.store, world.org_id)


def test_production_refuses_the_test_key_and_a_custom_ca(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "CASEDESK_ENV": "production",
        "CASEDESK_ENTRA_CREDENTIAL": "test_key",
        "CASEDESK_ENTRA_TEST_KEY_FILE": str(tmp_path / "key.pem"),
        "CASEDESK_ENTRA_CA_FILE": str(tmp_path / "ca.pem"),
    }.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as refused:
        config.validate()
    for name in ("CASEDESK_ENTRA_CREDENTIAL", "CASEDESK_ENTRA_TEST_KEY_FILE", "CASEDESK_ENTRA_CA_FILE"):
        assert name in str(refused.value)
    with pytest.raises(entra.EntraNotConfigured):
        entra._assertion_source(config.Environment.PRODUCTION, "client", "organizations")


def test_without_a_client_id_entra_is_off(wired: Ports, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASEDESK_ENTRA_CLIENT_ID", raising=False)
    assert entra.enabled() is False
    with pytest.raises(entra.EntraNotConfigured):
        entra.start(wired, "sign_in", client_key="pytest")


def test_a_disabled_operator_is_refused_and_their_sessions_end(world: World) -> None:
    signed_in = finish(world, entra.start(world.ports, "sign_in", client_key="pytest"), user="olga")
    assert signed_in.session is not None
    disabled = operators.disable_operator(world.ports, Caller.system(), world.operator.user_id)
    assert (
        disabled.active is False and operators.is_operator(world.ports.store, world.operator.user_id) is False
    )
    assert sessions_of(world, world.operator.user_id) == 0
    with pytest.raises(entra.EntraNotLinked):
        finish(world, entra.start(world.ports, "sign_in", client_key="pytest"), user="olga")
    with pytest.raises(operators.OperatorExists):  # one account per Entra identity, even disabled
        operators.create_operator(
            world.ports, Caller.system(), tenant_id=PLATFORM_TENANT, object_id=world.olga.object_id,
            name="Olga Again", email="olga2@platform.invalid",
        )  # fmt: skip


def test_starts_of_a_sign_in_are_limited_per_client_and_apart_from_failed_logins(world: World) -> None:
    """The start is public and stores a flow record: one address gets STARTS_PER_CLIENT within the
    window, then 429 with nothing stored; another address and the password login are unaffected."""
    for _ in range(entra.STARTS_PER_CLIENT):
        entra.start(world.ports, "sign_in", client_key="203.0.113.7")
    assert flow_records(world) == entra.STARTS_PER_CLIENT
    assert counters(world) == 1  # the client's alone: one write per start
    with pytest.raises(TooManyAttempts):
        entra.start(world.ports, "sign_in", client_key="203.0.113.7")
    assert flow_records(world) == entra.STARTS_PER_CLIENT
    entra.start(world.ports, "sign_in", client_key="198.51.100.2")  # another client: unaffected
    LoginThrottle(world.ports.store, world.ports.clock).check("someone@example.com", "203.0.113.7")


def flow_records(world: World) -> int:
    return _directory_items(world, lambda item: item.get("type") == "entra_flow")


def counters(world: World) -> int:
    """The throttle's counters (an item with ``failures``)."""
    return _directory_items(world, lambda item: "failures" in item)


def _directory_items(world: World, wanted: Callable[[Item], bool]) -> int:
    found, continuation = 0, None
    while True:
        page = world.ports.store.scan_page("directory", limit=1000, continuation=continuation)
        found += sum(1 for item in page.items if wanted(item))
        if not (continuation := page.continuation):
            return found
