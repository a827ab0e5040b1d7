"""Names in any script render on a machine that lacks the script's font, and only such pages pay for it."""

import os

import pytest
from playwright.sync_api import expect

from talent import PROJECT_ROOT
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS
from tests.browser.test_journeys import log_in

# Like an employer's or a border officer's computer: fonts for Latin, Chinese and Arabic, none for
# Ethiopic, Devanagari or Thai. Installed under a name app.css does not list, the Arabic font is
# reached through the fallback face's local() source.
INSTALLED = ["NotoSans-Regular.ttf", "NotoSansCJKsc-Regular-subset.otf", "NotoNaskhArabic-Regular.ttf"]
LOADED_SCRIPTS = """async () => {
  await document.fonts.ready;
  return [...document.fonts].filter(face => face.family === "Talent Scripts" && face.status === "loaded")
    .map(face => face.unicodeRange);
}"""


@pytest.fixture(scope="module")
def officer_browser(browser, tmp_path_factory):
    root = tmp_path_factory.mktemp("fontconfig")
    fonts = root / "fonts"
    fonts.mkdir()
    for name in INSTALLED:
        (fonts / name).symlink_to(PROJECT_ROOT / "certificates" / "fonts" / name)
    config = root / "fonts.conf"
    config.write_text(
        f'<?xml version="1.0"?>\n<fontconfig><dir>{fonts}</dir><cachedir>{root / "cache"}</cachedir></fontconfig>\n'
    )
    officer = browser.browser_type.launch(
        executable_path=CHROMIUM, args=LAUNCH_ARGS, env={**os.environ, "FONTCONFIG_FILE": str(config)}
    )
    yield officer
    officer.close()


@pytest.fixture
def officer_page(officer_browser, request):
    context = officer_browser.new_context(locale=getattr(request, "param", "en-GB"))
    page = context.new_page()
    page.font_files = []
    page.on(
        "request",
        lambda req: page.font_files.append(req.url.rsplit("/", 1)[-1]) if ".woff2" in req.url else None,
    )
    yield page
    shots = os.environ.get("TALENT_SCREENSHOTS")
    if shots:
        os.makedirs(shots, exist_ok=True)
        page.screenshot(path=os.path.join(shots, f"{request.node.name}.png"), full_page=True)
    context.close()


def test_names_in_scripts_the_machine_has_no_font_for_are_drawn_with_the_shipped_fonts(
    officer_page, live_server
):
    page = officer_page
    log_in(page, live_server, "admin@demo.talent")
    page.goto(f"{live_server}/persons")
    expect(page.get_by_text("አበበ በቀለ")).to_be_visible()
    expect(page.get_by_text("अंजलि वर्मा")).to_be_visible()

    loaded = page.evaluate(LOADED_SCRIPTS)
    assert any(r.startswith("U+1200-139F") for r in loaded), loaded  # Ethiopic
    assert any(r.startswith("U+900-97F") for r in loaded), loaded  # Devanagari
    assert page.evaluate("""document.fonts.check('16px "Talent Scripts"', 'አበበ በቀለ अंजलि')""")
    assert sorted(page.font_files) == [
        "NotoSansDevanagari-Regular.woff2",
        "NotoSansEthiopic-Regular.woff2",
        "NotoSansThai-Regular.woff2",
    ], "the installed Arabic font is used, not downloaded"


@pytest.mark.parametrize(
    ("officer_page", "html_lang"), [("en-GB", "en"), ("zh-CN", "zh-Hans")], indirect=["officer_page"]
)
def test_a_page_without_those_scripts_downloads_no_font(officer_page, live_server, html_lang):
    page = officer_page
    page.goto(f"{live_server}/login")
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    page.evaluate(LOADED_SCRIPTS)
    page.goto(f"{live_server}/register")
    page.evaluate(LOADED_SCRIPTS)
    assert page.font_files == []
