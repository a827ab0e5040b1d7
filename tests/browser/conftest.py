"""A live server and headless Chromium (Debian's package) for journey tests."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from talent import create_app

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app on a free loopback port, with its own database (committed data, like a real server)."""
    data_dir = tmp_path_factory.mktemp("live")
    app = create_app(
        {
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": f"sqlite:///{data_dir}/live.sqlite3",
            "SECRET_KEY": "browser-tests",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        from talent import demo
        from talent.core.setup import initialise_database
        from talent.extensions import db

        initialise_database()
        demo.load_demo()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        if os.environ.get("TALENT_REQUIRE_BROWSER"):
            pytest.fail("TALENT_REQUIRE_BROWSER is set but Debian's chromium is not installed")
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="en-GB", java_script_enabled=True)
    page = context.new_page()
    yield page
    shots = os.environ.get("TALENT_SCREENSHOTS")
    if shots:
        os.makedirs(shots, exist_ok=True)
        page.screenshot(path=os.path.join(shots, f"{request.node.name}.png"), full_page=True)
    context.close()
