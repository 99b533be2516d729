"""Sign-in with Microsoft Entra ID over HTTP (issue 21), on both adapter sets: a dev host pointed
at the fake authority on loopback HTTPS; every step as a browser takes it (pre-login cookie,
the authority's redirect, the callback's 303)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.api.client import ApiClient
from tests.api.conftest import AdapterSet, Env, onboard
from tests.api.entra_flow import FLOW_COOKIE, SESSION_COOKIE, callback, env_with_authority, sign_in, start
from tests.fixtures.entra_fake import CUSTOMER_TENANT, OPERATOR_ROLE, PLATFORM_TENANT, EntraFake, Identity


@dataclass
class World:
    env: Env
    fake: EntraFake
    org_id: str
    admin: ApiClient
    manager: ApiClient
    manager_id: str
    manager_recovery: list[str]
    operator_id: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, adapters: AdapterSet) -> Iterator[World]:
    with env_with_authority(tmp_path_factory, adapters) as (env, fake):
        made = env.cli(
            "create-org",
            "--name",
            "Entra AG",
            "--admin-email",
            "ea.admin@example.invalid",
            "--admin-name",
            "Ada",
        )
        org_id = re.search(r"organisation ([0-9a-f]{32})", made.stdout).group(1)  # type: ignore[union-attr]
        admin, _, _ = onboard(env, "ea.admin@example.invalid")
        invite = {"email": "ea.cm@example.invalid", "name": "Carla", "language": "en", "role": "case_manager"}
        assert admin.post(f"/api/orgs/{org_id}/invitations", invite).status == 201
        manager, _, codes = onboard(env, "ea.cm@example.invalid")
        olga = fake.add(
            Identity("olga", PLATFORM_TENANT, "Olga Operator", "olga@ops.invalid", roles=[OPERATOR_ROLE])
        )
        fake.add(Identity("ada", CUSTOMER_TENANT, "Ada Admin", "ea.admin@example.invalid"))
        fake.add(Identity("carla", CUSTOMER_TENANT, "Carla Case", "ea.cm@example.invalid"))
        fake.add(Identity("nobody", CUSTOMER_TENANT, "Carla Twin", "ea.cm@example.invalid"))
        created = env.cli(
            "create-operator", "--tenant-id", olga.tenant_id, "--object-id", olga.object_id,
            "--name", olga.name, "--email", olga.email,
        )  # fmt: skip
        operator_id = re.search(r"created operator ([0-9a-f]{32})", created.stdout).group(1)  # type: ignore[union-attr]
        manager_id = manager.get("/api/auth/session").json()["userId"]
        yield World(env, fake, org_id, admin, manager, manager_id, codes, operator_id)


def test_sign_in_with_microsoft_is_offered(world: World) -> None:
    assert world.env.client().get("/api/auth/entra").json() == {"enabled": True}


def test_an_operator_signs_in_through_the_redirect_with_a_lax_flow_cookie(world: World) -> None:
    authorize_url, flow = start(world.env.client(), body={"returnTo": "/cases"})
    started = world.env.client().post("/api/auth/entra/start", {})
    header = (started.headers.get_all("Set-Cookie") or [""])[0]
    assert header.startswith(f"{FLOW_COOKIE}=") and "SameSite=Lax" in header
    assert "HttpOnly" in header and "Secure" in header and "Max-Age=600" in header
    back = callback(world.fake.redirect(authorize_url, user="olga"), flow)
    assert back.status == 303 and back.location == "/cases"
    session = back.cookies[SESSION_COOKIE]
    assert "SameSite=Strict" in session and "HttpOnly" in session and "Max-Age=14400" in session
    assert "Max-Age=0" in back.cookies[FLOW_COOKIE]  # the flow cookie is cleared
    client = ApiClient(world.env.url, cookie=back.cookie_value(SESSION_COOKIE))
    me = client.get("/api/auth/session").json()
    assert me["userId"] == world.operator_id and me["csrfToken"]
    # A new operator accepts the terms first, like everyone; then: in no organisation, no case.
    assert me["consentRequired"] is True
    assert client.post("/api/me/consent", me["versions"]).status == 200
    assert client.get("/api/me/orgs").json()["orgs"] == []
    assert client.get("/api/me/cases").json()["cases"] == []
    # The same redirect again (a replay) signs nobody in.
    again = callback(world.fake.redirect(authorize_url, user="olga"), flow)
    assert again.path == "/login" and again.query == {"entraError": "entra_flow_invalid"}
    assert SESSION_COOKIE not in again.cookies


def test_a_callback_without_the_pre_login_cookie_or_with_a_wrong_state_signs_nobody_in(world: World) -> None:
    authorize_url, flow = start(world.env.client())
    location = world.fake.redirect(authorize_url, user="olga")
    assert callback(location, None).query == {"entraError": "entra_flow_invalid"}
    authorize_url, flow = start(world.env.client())
    location = world.fake.redirect(authorize_url, user="olga")
    forged = re.sub(r"state=[^&]+", "state=forged", location)
    back = callback(forged, flow)
    assert back.query == {"entraError": "entra_state_mismatch"} and SESSION_COOKIE not in back.cookies


def test_cancelled_and_refused_sign_ins_land_on_the_login_page_with_a_code(world: World) -> None:
    back, _ = sign_in(world.env, world.fake, "olga", cancel=True)
    assert back.path == "/login" and back.query == {"entraError": "entra_cancelled"}
    back, _ = sign_in(world.env, world.fake, "nobody")  # same address as Carla, never linked
    assert back.query == {"entraError": "entra_not_linked"} and SESSION_COOKIE not in back.cookies


def test_an_operator_without_proof_of_mfa_is_refused(world: World) -> None:
    world.fake.identities["olga"].mfa = False
    try:
        back, _ = sign_in(world.env, world.fake, "olga")
    finally:
        world.fake.identities["olga"].mfa = True
    assert back.query == {"entraError": "entra_mfa_required"} and SESSION_COOKIE not in back.cookies


def test_a_bad_return_path_or_tenant_is_refused_before_any_redirect(world: World) -> None:
    outside = world.env.client().post("/api/auth/entra/start", {"returnTo": "https://evil.invalid/"})
    assert outside.status == 400 and outside.json()["errors"][0]["field"] == "returnTo"
    bad = world.admin.post(f"/api/orgs/{world.org_id}/entra/link", {"tenantId": "not-a-guid"})
    assert bad.status == 400


def test_linking_needs_a_casedesk_login(world: World) -> None:
    anonymous = world.env.client().post("/api/me/entra/link", {"orgId": world.org_id})
    assert anonymous.status == 401


def test_org_link_then_staff_link_then_staff_sign_in_then_totp_without_mfa_then_unlink(world: World) -> None:
    org = f"/api/orgs/{world.org_id}/entra"
    assert world.admin.get(org).json() == {"tenantId": None, "linkedAt": None}
    back, _ = sign_in(
        world.env,
        world.fake,
        "ada",
        client=world.admin,
        path=f"{org}/link",
        body={"tenantId": CUSTOMER_TENANT},
    )
    assert back.path == f"/orgs/{world.org_id}" and back.query == {"entra": "org_linked"}
    linked = world.admin.get(org)
    assert linked.json()["tenantId"] == CUSTOMER_TENANT
    # Carla links her own account after her CaseDesk login, then signs in with Microsoft alone.
    back, _ = sign_in(world.env, world.fake, "carla", client=world.manager, path="/api/me/entra/link",
                      body={"orgId": world.org_id})  # fmt: skip
    assert back.query == {"entra": "linked"}
    assert world.manager.get("/api/me/entra").json()["linked"] is True
    back, carla = sign_in(world.env, world.fake, "carla")
    assert back.location == "/" and carla.get("/api/auth/session").json()["userId"] == world.manager_id
    # Without proof of MFA in the token: CaseDesk's second step, with the challenge in the fragment.
    world.fake.identities["carla"].mfa = False
    try:
        back, _ = sign_in(world.env, world.fake, "carla")
    finally:
        world.fake.identities["carla"].mfa = True
    assert (
        back.path == "/login"
        and back.query["entra"] == "second_factor"
        and SESSION_COOKIE not in back.cookies
    )
    second = world.env.client().post(
        "/api/auth/login/second-factor",
        {"challenge": back.fragment["challenge"], "recoveryCode": world.manager_recovery[0]},
    )
    assert second.status == 200, second.body
    # The organisation unlinks its tenant (If-Match): Carla's Microsoft sign-in stops.
    assert world.admin.request("DELETE", org).status == 428
    etag = world.admin.get(org).headers["ETag"]
    assert world.admin.request("DELETE", org, headers={"If-Match": etag}).status == 204
    back, _ = sign_in(world.env, world.fake, "carla")
    assert back.query == {"entraError": "entra_wrong_tenant"}


def test_step_up_records_a_fresh_sign_in_for_the_session(world: World) -> None:
    assert world.env.client().post("/api/auth/entra/step-up", {}).status == 401
    _, operator = sign_in(world.env, world.fake, "olga")
    back, _ = sign_in(world.env, world.fake, "olga", client=operator, path="/api/auth/entra/step-up",
                      body={"returnTo": "/support"})  # fmt: skip
    assert back.path == "/support" and back.query == {"entra": "stepped_up"}
    assert SESSION_COOKIE not in back.cookies  # the same session, now freshly authenticated
