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


def test_casework_cases_tell_apart_and_found_by_name_status_and_order(world: World) -> None:
    output = world.run("casework")
    assert "not ok" not in output


def test_an_evaluation_shared_seen_by_the_employee_on_the_dashboard_then_corrected(world: World) -> None:
    output = world.run("evaluations")
    assert "not ok" not in output


def test_messages_between_two_people_by_polling_with_if_none_match(world: World) -> None:
    output = world.run("messages")
    assert "not ok" not in output


def test_a_pdf_report_made_from_the_dashboard_downloaded_and_verified_from_paper(world: World) -> None:
    output = world.run("reports")
    assert "not ok" not in output


def test_break_glass_opened_with_a_reason_then_reviewed_and_ended_by_the_admin(world: World) -> None:
    output = world.run("breakglass")
    assert "not ok" not in output


def test_download_my_data_as_a_zip_that_opens_and_account_deletion_refused_in_an_open_case(
    world: World,
) -> None:
    output = world.run("export")
    assert "not ok" not in output


def test_account_set_up_on_a_phone_then_sessions_recovery_codes_and_a_new_authenticator(world: World) -> None:
    output = world.run("account")
    assert "not ok" not in output


def test_notifications_name_who_shared_what_and_the_phone_header_is_one_line_with_a_menu(
    world: World,
) -> None:
    output = world.run("notifications")
    assert "not ok" not in output


def test_nothing_jumps_while_the_main_pages_and_the_share_dialog_load_on_a_slow_phone(world: World) -> None:
    output = world.run("layout-shift")
    assert "not ok" not in output


def test_support_access_asked_approved_activated_looked_at_pseudonymised_then_revoked(world: World) -> None:
    output = world.run("support")
    assert "not ok" not in output


def test_sign_in_with_microsoft_through_the_redirect_link_totp_cancel_and_an_operator(world: World) -> None:
    output = world.run("entra")
    assert "not ok" not in output


def test_paging_lists_longer_than_a_page_show_more_until_all_are_shown(world: World) -> None:
    # Last in this module: it adds 60 notes and a case, which the journeys above do not expect.
    output = world.run("paging")
    assert "not ok" not in output
