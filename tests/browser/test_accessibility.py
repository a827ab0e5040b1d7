"""WCAG 2.1 AA checks with axe-core: no serious or critical violations on the main pages."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from talent.demo import DEMO_PASSWORD

PUBLIC_PAGES = ["/", "/login", "/register", "/password/forgot"]
ADMIN_PAGES = ["/account", "/profile", "/institutions", "/admin/users", "/admin/audit", "/notifications"]


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


def test_logged_in_pages_have_no_serious_violations(axe_context, live_server):
    page = axe_context.new_page()
    page.goto(f"{live_server}/login")
    page.locator("#email").fill("admin@demo.talent")
    page.locator("#password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    problems = {}
    for path in ADMIN_PAGES:
        response = page.goto(live_server + path)
        assert response.status == 200, path
        found = _serious(Axe().run(page))
        if found:
            problems[path] = found
    assert not problems, problems
