"""The journeys of issue 6 in headless Chromium, through the dev host (see conftest.py). Each
test runs one script of ``web/e2e/``; its steps are printed, and on failure the whole output
(and screenshots named FAILED-* in test-artifacts/browser/) tell what the page showed."""

from __future__ import annotations

from tests.browser.conftest import World


def test_onboarding_with_totp_welcome_language_switch_session_expiry_and_sign_out(world: World) -> None:
    output = world.run("onboarding")
    assert "not ok" not in output


def test_upload_with_progress_share_and_revoke_seen_from_both_sides_at_360_px(world: World) -> None:
    output = world.run("documents")
    assert "not ok" not in output


def test_case_manager_and_org_admin_views(world: World) -> None:
    output = world.run("staff")
    assert "not ok" not in output


def test_a_week_of_reflections_at_360_px_shared_scales_only_with_the_doctor_then_revoked(
    world: World,
) -> None:
    output = world.run("reflections")
    assert "not ok" not in output


def test_paging_lists_longer_than_a_page_show_more_until_all_are_shown(world: World) -> None:
    # Last in this module: it adds 60 notes and a case, which the journeys above do not expect.
    output = world.run("paging")
    assert "not ok" not in output
