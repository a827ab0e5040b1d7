"""What every page promises: security headers, a language for every visitor, error pages, light weight."""

import gzip
import re

from talent.core.i18n import LANGUAGES


def test_security_headers_on_every_response(client):
    for url in ("/", "/login", "/does-not-exist", "/healthz"):
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(client):
    html = client.get("/register").get_data(as_text=True)
    assert "<script>" not in html and " style=" not in html and " onclick=" not in html


def test_visitor_gets_the_language_the_browser_asks_for(client):
    html = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in html


def test_arabic_pages_render_right_to_left(client):
    html = client.get("/", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html


def test_unknown_language_falls_back_to_english(client):
    html = client.get("/", headers={"Accept-Language": "tlh"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html


def test_switcher_overrides_the_browser_for_the_visit(client):
    response = client.post("/language", data={"locale": "zh", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    html = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="zh-Hans" dir="ltr">' in html


def test_switcher_is_remembered_for_a_logged_in_user(client, make_user, login, db):
    user = make_user("applicant")
    login(client, user)
    client.post("/language", data={"locale": "ar", "next": "/"})
    db.session.refresh(user)
    assert user.locale == "ar"


def test_switcher_ignores_unknown_languages_and_foreign_redirects(client):
    response = client.post("/language", data={"locale": "xx", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert '<html lang="en"' in client.get("/").get_data(as_text=True)


def test_every_language_is_offered_in_the_switcher(client):
    html = client.get("/").get_data(as_text=True)
    for code in LANGUAGES:
        assert f'value="{code}"' in html


def test_not_found_is_a_friendly_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_protected_page_sends_anonymous_visitors_to_log_in(client):
    response = client.get("/notifications")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_a_page_with_its_css_stays_under_60_kb_compressed(client):
    html = client.get("/register").get_data()
    css_links = re.findall(rb'href="(/static/[^"]+\.css)"', html)
    total = len(gzip.compress(html))
    for link in css_links:
        total += len(gzip.compress(client.get(link.decode()).get_data()))
    assert total < 60 * 1024, f"{total} bytes compressed"


def test_healthz_answers_the_contract(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
