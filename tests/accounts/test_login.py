"""Logging in and out: credentials, deactivated accounts, safe redirects, rate limit, cookies."""

import pytest

from tests.accounts.conftest import field_error
from tests.conftest import PASSWORD

WRONG = "The e-mail address or the password is wrong."


def post_login(client, email, password=PASSWORD, query=""):
    return client.post(f"/login{query}", data={"email": email, "password": password})


def is_logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_login_with_the_right_password_opens_a_session(client, make_user, db):
    user = make_user("applicant", email="amina@example.org")
    db.session.commit()
    response = post_login(client, "amina@example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert is_logged_in(client)
    db.session.refresh(user)
    assert user.last_login_at is not None


def test_the_address_is_not_case_sensitive(client, make_user, db):
    make_user("applicant", email="kwame@example.org")
    db.session.commit()
    assert post_login(client, "  Kwame@Example.ORG ").status_code == 302
    assert is_logged_in(client)


@pytest.mark.parametrize(
    "email, password", [("amina@example.org", "not the password"), ("ghost@example.org", PASSWORD)]
)
def test_wrong_password_and_unknown_address_get_the_same_answer(client, make_user, db, email, password):
    make_user("applicant", email="amina@example.org")
    db.session.commit()
    response = post_login(client, email, password)
    assert response.status_code == 422
    assert field_error(response, "password") == WRONG
    assert not is_logged_in(client)


def test_a_deactivated_account_cannot_log_in(client, make_user, db):
    make_user("applicant", email="gone@example.org", is_active=False)
    db.session.commit()
    response = post_login(client, "gone@example.org")
    assert response.status_code == 422
    assert "deactivated" in field_error(response, "email")
    assert not is_logged_in(client)


def test_a_deactivated_account_loses_its_open_session(client, make_user, login, db):
    user = make_user("applicant")
    db.session.commit()
    login(client, user)
    assert is_logged_in(client)
    user.is_active = False
    db.session.commit()
    assert not is_logged_in(client)


@pytest.mark.parametrize(
    "target, landing",
    [
        ("/account/tokens", "/account/tokens"),
        ("/account?tab=1", "/account?tab=1"),
        ("https://evil.example/phish", "/"),
        ("//evil.example/phish", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_is_followed_only_to_local_paths(client, make_user, db, target, landing):
    make_user("applicant", email="nadia@example.org")
    db.session.commit()
    response = client.post(
        "/login", query_string={"next": target}, data={"email": "nadia@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == landing


def test_a_protected_page_sends_anonymous_visitors_to_log_in_and_back(client, make_user, db):
    make_user("applicant", email="back@example.org")
    db.session.commit()
    response = client.get("/account/tokens")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url.startswith("/login?next=")
    response = client.post(login_url, data={"email": "back@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/account/tokens"


def test_logout_ends_the_session(client, make_user, login, db):
    user = make_user("applicant")
    db.session.commit()
    login(client, user)
    response = client.post("/logout")
    assert response.status_code == 302
    assert not is_logged_in(client)


def test_logout_needs_a_post(client, make_user, login, db):
    # A link or image pointing at /logout must not end anyone's session.
    user = make_user("applicant")
    db.session.commit()
    login(client, user)
    assert client.get("/logout").status_code == 405
    assert is_logged_in(client)


def test_session_cookie_is_http_only_and_same_site_lax(client, make_user, db):
    make_user("applicant", email="cookie@example.org")
    db.session.commit()
    response = client.post(
        "/login", data={"email": "cookie@example.org", "password": PASSWORD, "remember": "y"}
    )
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    remember_cookie = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session_cookie, remember_cookie):
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie


def test_login_is_rate_limited_with_a_clear_page(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        response = post_login(client, "nobody@example.org", "wrong password")
        assert response.status_code == 422
    response = post_login(client, "nobody@example.org", "wrong password")
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many attempts" in page
    assert "Please wait a minute before trying again." in page
    assert "Retry-After" in response.headers
    # Reading the form is not limited.
    assert client.get("/login").status_code == 200
