"""Programme journeys in a real browser, without JavaScript: apply, review, decide."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_journeys import log_in

# The smallest well-formed PDF: what a phone's scanner app would produce, minus the scan.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def no_script_page(browser):
    # People on slow links often browse with scripts off; every step must work without them.
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def test_applicant_applies_uploads_documents_and_submits_before_the_deadline(
    no_script_page, live_server, tmp_path
):
    page = no_script_page
    log_in(page, live_server, "putri@demo.talent")
    page.goto(f"{live_server}/calls")
    page.get_by_role("link", name="2027 intake").click()
    page.get_by_role("button", name="Apply").click()

    page.locator("#statement").fill("I build Indonesian speech datasets and want to train models for them.")
    page.locator("#plan").fill("Year one: coursework in Shenzhen. Year two: thesis on low-resource ASR.")
    page.locator("#referees-0-name").fill("Dr. Siti Rahma")
    page.locator("#referees-0-email").fill("siti.rahma@example.org")
    page.locator("#referees-0-institution").fill("Universitas Indonesia")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_be_visible()

    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    documents = {
        "cv": "curriculum vitae",
        "transcript": "academic transcript",
        "degree": "degree certificate",
        "recommendation": "letter of recommendation",
    }
    for doc_type, label in documents.items():
        page.locator("#doc_type").select_option(doc_type)
        page.locator("#file").set_input_files(str(scan))
        page.get_by_role("button", name="Upload").click()
        expect(page.locator("#documents")).to_contain_text(label)

    page.get_by_role("button", name="Submit my application").click()
    expect(page.locator("main")).to_contain_text("submitted")
    expect(page.get_by_role("button", name="Save")).to_have_count(0)


def test_a_renamed_executable_is_refused_with_the_reason(no_script_page, live_server, tmp_path):
    page = no_script_page
    log_in(page, live_server, "abebe@demo.talent")
    page.goto(f"{live_server}/my/applications")
    page.get_by_role("link", name="2027 intake").click()
    fake = tmp_path / "cv.pdf"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)
    page.locator("#file").set_input_files(str(fake))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".error").first).to_contain_text("not a PDF, PNG or JPEG")


def test_reviewer_scores_an_application_against_the_rubric(no_script_page, live_server):
    page = no_script_page
    # Fatima El-Sayed reads the interface in Arabic; the scores are the same in every language.
    log_in(page, live_server, "reviewer@demo.talent")
    page.goto(f"{live_server}/reviews")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.locator("main table a").first.click()
    for group in page.locator("fieldset:has(input[type=radio])").all():
        group.locator("input[type=radio][value='4']").check()
    page.locator("textarea").first.fill("Clear plan; strong engineering record.")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".flash-success")).to_contain_text("4.000")


def test_programme_office_ranks_and_waitlists_from_the_ranking(no_script_page, live_server):
    page = no_script_page
    log_in(page, live_server, "admin@demo.talent")
    page.goto(f"{live_server}/admin/calls")
    page.locator("tr", has_text="2026 spring placements").get_by_role(
        "link", name=re.compile("Dashboard")
    ).click()
    page.get_by_role("link", name="Ranking and decisions").click()
    rows = page.locator("main table tbody tr")
    expect(rows.first).to_be_visible()
    last = rows.last
    name = last.locator("th a").inner_text()
    last.locator("input[type=checkbox]").check()
    page.locator("select[name=decision]").select_option("waitlisted")
    page.get_by_role("button", name="Decide").click()
    expect(page.locator("main")).to_contain_text(name)
    expect(page.locator("main")).to_contain_text("waitlisted")
