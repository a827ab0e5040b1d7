"""Journeys a newcomer makes, in a real browser."""

import re
import uuid

from playwright.sync_api import expect

from talent.demo import DEMO_PASSWORD


def log_in(page, base, email, password=DEMO_PASSWORD):
    page.goto(f"{base}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_newcomer_registers_and_is_logged_in(page, live_server):
    email = f"newcomer-{uuid.uuid4().hex[:8]}@example.org"
    page.goto(f"{live_server}/register")
    page.locator("#display_name").fill("Meseret Alemu")
    page.locator("#email").fill(email)
    page.locator("#password").fill("blue river mountain tea")
    page.locator("#confirm").fill("blue river mountain tea")
    page.get_by_role("button", name="Create the account").click()
    expect(page.get_by_text("Your account is ready")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Log out"))).to_be_visible()


def test_registration_with_a_weak_password_shows_the_reason_next_to_the_field(page, live_server):
    page.goto(f"{live_server}/register")
    page.locator("#display_name").fill("Short Password")
    page.locator("#email").fill(f"weak-{uuid.uuid4().hex[:8]}@example.org")
    page.locator("#password").fill("short")
    page.locator("#confirm").fill("short")
    page.get_by_role("button", name="Create the account").click()
    expect(page.locator(".error")).to_contain_text("at least 10 characters")


def test_demo_admin_logs_in(page, live_server):
    log_in(page, live_server, "admin@demo.talent")
    expect(page.get_by_text("You are logged in")).to_be_visible()


def test_switching_to_arabic_renders_right_to_left(page, live_server):
    page.goto(live_server)
    page.get_by_label("Language").select_option("ar")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")


def test_pages_work_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, "abebe@demo.talent")
    expect(page.get_by_text("You are logged in")).to_be_visible()
    context.close()


def test_trainee_edits_their_profile_with_a_name_in_ethiopic(page, live_server):
    log_in(page, live_server, "grace@demo.talent")
    page.goto(f"{live_server}/profile")
    page.locator("#name_native").fill("ግሬስ ዋንጂኩ")
    page.locator("#passport_number").fill("AK1234567")
    page.get_by_role("button", name="Save my profile").click()
    expect(page.locator(".flash-success")).to_be_visible()
    page.goto(f"{live_server}/profile")
    expect(page.get_by_text("ግሬስ ዋንጂኩ").first).to_be_visible()
    # The passport number is never shown back in full, not even to its owner.
    expect(page.locator("body")).not_to_contain_text("AK1234567")
    expect(page.locator("body")).to_contain_text("567")


def test_admin_changes_a_users_roles_and_sees_it_in_the_audit_log(page, live_server):
    log_in(page, live_server, "admin@demo.talent")
    page.goto(f"{live_server}/admin/users?q=putri")
    page.get_by_role("link", name="Putri Lestari").click()
    page.locator("#roles-reviewer").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("#roles-reviewer")).to_be_checked()
    page.goto(f"{live_server}/admin/audit?action=user.")
    expect(page.locator("main")).to_contain_text("reviewer")


def test_admin_creates_an_institution_and_bad_input_changes_nothing(page, live_server):
    log_in(page, live_server, "admin@demo.talent")
    page.goto(f"{live_server}/institutions/new")
    page.locator("#name").fill("Lusaka Luban Workshop")
    page.locator("#kind").select_option("workshop_site")
    page.locator("#country_code").select_option("ZM")
    page.locator("#website").fill("not a url")
    page.get_by_role("button", name="Create the institution").click()
    expect(page.locator(".error")).to_be_visible()
    page.locator("#website").fill("https://lusaka-luban.example.zm")
    page.get_by_role("button", name="Create the institution").click()
    expect(page.get_by_role("heading", name="Lusaka Luban Workshop")).to_be_visible()
    page.goto(f"{live_server}/institutions?q=Lusaka")
    expect(page.get_by_role("link", name="Lusaka Luban Workshop")).to_have_count(1)
