"""WCAG 2.1 AA checks with axe-core: no serious or critical violations on the main pages."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from talent.demo import DEMO_PASSWORD

PUBLIC_PAGES = ["/", "/login", "/register", "/password/forgot", "/calls", "/calls/1"]
ADMIN_PAGES = [
    "/account",
    "/profile",
    "/institutions",
    "/admin/users",
    "/admin/audit",
    "/notifications",
    "/admin/programmes",
    "/admin/calls",
    "/admin/calls/new",
    "/admin/calls/3",
    "/admin/calls/3/applications",
    "/admin/calls/3/ranking",
    "/admin/calls/3/assignments",
    "/admin/applications/13",
    "/placements",
]
# The demo's applicant Abebe Bekele (a draft and an application under review) and reviewer Fatima
# El-Sayed, who reads the interface in Arabic.
PERSONAL_PAGES = {
    "abebe@demo.talent": ["/my/applications", "/applications/1", "/calls/1/eligibility"],
    "reviewer@demo.talent": ["/reviews", "/reviews/conflicts"],
}


def _serious(results) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def axe_context(browser):
    # axe runs as injected script, which the app's CSP rightly forbids; only the test bypasses it.
    context = browser.new_context(bypass_csp=True)
    yield context
    context.close()


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_public_pages_have_no_serious_violations(axe_context, live_server, locale):
    page = axe_context.new_page()
    page.set_extra_http_headers({"Accept-Language": locale})
    problems = {}
    for path in PUBLIC_PAGES:
        page.goto(live_server + path)
        found = _serious(Axe().run(page))
        if found:
            problems[path] = found
    assert not problems, problems


@pytest.mark.parametrize(("email", "paths"), [("admin@demo.talent", ADMIN_PAGES), *PERSONAL_PAGES.items()])
def test_logged_in_pages_have_no_serious_violations(axe_context, live_server, email, paths):
    page = axe_context.new_page()
    page.goto(f"{live_server}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    problems = {}
    for path in paths:
        response = page.goto(live_server + path)
        assert response.status == 200, path
        found = _serious(Axe().run(page))
        if found:
            problems[path] = found
    assert not problems, problems
