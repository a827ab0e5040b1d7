"""Workshop journeys in a real browser: staff mark attendance, a trainee follows their course."""

import re

from playwright.sync_api import expect

from tests.browser.test_journeys import log_in


def test_partner_staff_open_their_dashboard_and_mark_attendance_in_one_post(page, live_server):
    # Zhang Min works at the Chinese partner of every demo cohort; her interface is in Chinese.
    log_in(page, live_server, "staff.tianjin@demo.talent")
    page.goto(f"{live_server}/institution")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.get_by_role("link", name=re.compile("工业机器人操作与维护")).first.click()
    expect(page.locator("main")).to_contain_text("Abebe Bekele")

    attendance_links = page.locator("a[href*='/attendance']")
    attendance_links.last.click()
    radios = page.locator("input[type=radio][value=present]")
    for i in range(radios.count()):
        radios.nth(i).check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()


def test_trainee_sees_their_course_with_attendance_and_outcome(page, live_server):
    log_in(page, live_server, "somchai@demo.talent")
    page.goto(f"{live_server}/my/courses")
    main = page.locator("main")
    expect(main).to_contain_text("New-energy vehicle maintenance")
    expect(main).to_contain_text("completed")


def test_visitor_browses_the_catalogue_without_an_account(page, live_server):
    page.goto(f"{live_server}/courses")
    page.get_by_role("link", name="Applied AI: computer vision for quality inspection").click()
    expect(page.locator("main")).to_contain_text("Cairo University of Applied Technology")
