"""Journeys a newcomer makes, in a real browser."""

import re
import uuid

from playwright.sync_api import expect

from talent.demo import DEMO_PASSWORD


def log_in(page, base, email, password=DEMO_PASSWORD):
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_newcomer_registers_and_is_logged_in(page, live_server):
    email = f"newcomer-{uuid.uuid4().hex[:8]}@example.org"
    page.goto(f"{live_server}/register")
    page.get_by_label("Your name").fill("Meseret Alemu")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill("blue river mountain tea")
    page.get_by_label("Repeat the password").fill("blue river mountain tea")
    page.get_by_role("button", name="Create the account").click()
    expect(page.get_by_text("Your account is ready")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Log out"))).to_be_visible()


def test_registration_with_a_weak_password_shows_the_reason_next_to_the_field(page, live_server):
    page.goto(f"{live_server}/register")
    page.get_by_label("Your name").fill("Short Password")
    page.get_by_label("E-mail").fill(f"weak-{uuid.uuid4().hex[:8]}@example.org")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Repeat the password").fill("short")
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
