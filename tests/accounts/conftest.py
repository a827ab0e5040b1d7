"""Fixtures for the account tests: a rate-limited app, form-error reading (the mail outbox is in tests/conftest.py)."""

from __future__ import annotations

import html
import re

import pytest

from talent import create_app
from talent.extensions import db as _db
from talent.extensions import limiter


def reset_link(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"http://talent\.test(/password/reset/\S+)", body)
    assert match, body
    return match.group(1)


def field_error(response, field: str) -> str:
    """The error shown next to `field` on a re-rendered form ("" when there is none)."""
    page = response.get_data(as_text=True)
    found = re.findall(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
    return html.unescape(" ".join(found))


@pytest.fixture
def limited_app(app):
    """A second app on the same database with rate limits switched on.

    Flask-Limiter keeps `enabled` on its one shared instance, so the session app's setting is
    put back afterwards, or later tests would be throttled too.
    """
    was_enabled = limiter.enabled
    limited = create_app(
        {
            "ENV": "testing",
            "DATA_DIR": app.config["DATA_DIR"],
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SECRET_KEY": "test-secret",
            "BASE_URL": "http://talent.test",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
            "LOGIN_RATE_LIMIT": "3 per minute",
        }
    )
    try:
        yield limited
    finally:
        limiter.enabled = was_enabled
        with limited.app_context():
            _db.engine.dispose()


def selected_values(page: str, select_id: str) -> list[str]:
    """Values of the selected options of the <select id=...> on a page."""
    match = re.search(rf'<select[^>]*\bid="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert match, f"no select #{select_id}"
    options = re.findall(r"<option([^>]*)>", match.group(1))
    return [re.search(r'value="([^"]*)"', o).group(1) for o in options if re.search(r"\bselected\b", o)]
