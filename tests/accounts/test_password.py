"""Changing one's password, and choosing a new one through an e-mailed link."""

import pytest
from sqlalchemy import select

from talent.accounts.passwords import make_reset_token
from talent.core.audit import REDACTED, AuditEntry
from tests.accounts.conftest import field_error, reset_link
from tests.conftest import PASSWORD

NEW = "river stones and lanterns"
SENT = "If the address belongs to an account, we have sent a link"


def actions_for(db, user) -> list[str]:
    return list(
        db.session.execute(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "users", AuditEntry.object_id == str(user.id))
            .order_by(AuditEntry.id)
        ).scalars()
    )


def is_logged_in(client) -> bool:
    return client.get("/account").status_code == 200


# --- change --------------------------------------------------------------------------------


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, make_user, login, db):
    user = make_user("applicant")
    db.session.commit()
    here, elsewhere = app.test_client(), app.test_client()
    login(here, user)
    login(elsewhere, user)
    response = here.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": NEW, "confirm": NEW}
    )
    assert response.status_code == 302
    assert is_logged_in(here)
    assert not is_logged_in(elsewhere)
    db.session.refresh(user)
    assert user.check_password(NEW) and not user.check_password(PASSWORD)
    assert user.password_hash.startswith("$argon2id$")
    entry = db.session.execute(
        select(AuditEntry).where(
            AuditEntry.action == "user.password_changed", AuditEntry.object_id == str(user.id)
        )
    ).scalar_one()
    assert entry.changes == {"password_hash": [REDACTED, REDACTED]}


def test_a_remembered_device_keeps_its_login_after_the_change(app, make_user, db):
    make_user("applicant", email="remember@example.org")
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": "remember@example.org", "password": PASSWORD, "remember": "y"})
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": NEW, "confirm": NEW}
    )
    assert any(c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize(
    "data, field, message",
    [
        (
            {"current_password": "not it at all", "new_password": NEW, "confirm": NEW},
            "current_password",
            "wrong",
        ),
        (
            {"current_password": PASSWORD, "new_password": "qwertyuiop", "confirm": "qwertyuiop"},
            "new_password",
            "too easy",
        ),
        (
            {"current_password": PASSWORD, "new_password": PASSWORD, "confirm": PASSWORD},
            "new_password",
            "different",
        ),
        ({"current_password": PASSWORD, "new_password": NEW, "confirm": NEW + "!"}, "confirm", "differ"),
    ],
)
def test_a_refused_change_says_why_and_keeps_the_old_password(
    client, make_user, login, db, data, field, message
):
    user = make_user("applicant")
    db.session.commit()
    login(client, user)
    response = client.post("/account/password", data=data)
    assert response.status_code == 422
    assert message in field_error(response, field)
    db.session.refresh(user)
    assert user.check_password(PASSWORD)
    assert is_logged_in(client)


# --- reset by e-mail -----------------------------------------------------------------------


def test_forgotten_password_mail_link_sets_a_new_password_once(client, make_user, outbox, db):
    user = make_user("applicant", email="reset.me@example.org")
    db.session.commit()
    response = client.post("/password/forgot", data={"email": "Reset.Me@example.org"})
    assert response.status_code == 200
    assert SENT in response.get_data(as_text=True)
    (mail,) = outbox("reset.me@example.org")
    assert "new password" in mail["Subject"]
    link = reset_link(mail)  # built on BASE_URL, never on the request's Host header

    page = client.get(link)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    response = client.post(link, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    db.session.refresh(user)
    assert user.check_password(NEW)
    assert actions_for(db, user)[-2:] == ["user.password_reset_requested", "user.password_reset"]

    again = client.get(link)
    assert again.status_code == 400
    assert "already used" in again.get_data(as_text=True)
    assert client.post("/login", data={"email": "reset.me@example.org", "password": NEW}).status_code == 302


def test_the_answer_is_the_same_for_known_and_unknown_addresses(client, make_user, outbox, db):
    make_user("applicant", email="known@example.org")
    db.session.commit()
    known = client.post("/password/forgot", data={"email": "known@example.org"})
    unknown = client.post("/password/forgot", data={"email": "unknown@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data() == unknown.get_data()
    assert len(outbox("known@example.org")) == 1
    assert outbox("unknown@example.org") == []


def test_a_deactivated_account_gets_no_link(client, make_user, outbox, db):
    make_user("applicant", email="inactive@example.org", is_active=False)
    db.session.commit()
    response = client.post("/password/forgot", data={"email": "inactive@example.org"})
    assert SENT in response.get_data(as_text=True)
    assert outbox("inactive@example.org") == []


def test_a_link_made_before_a_password_change_no_longer_works(app, client, make_user, db):
    user = make_user("applicant")
    db.session.commit()
    with app.test_request_context():
        token = make_reset_token(user)
    user.set_password("a different secret phrase")
    db.session.commit()
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 400


def test_an_expired_link_is_refused(app, client, make_user, db, monkeypatch):
    user = make_user("applicant")
    db.session.commit()
    with app.test_request_context():
        token = make_reset_token(user)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_a_tampered_link_is_refused(app, client, make_user, db):
    user = make_user("applicant")
    db.session.commit()
    with app.test_request_context():
        token = make_reset_token(user)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (tampered, "nonsense", "a.b.c"):
        assert client.get(f"/password/reset/{bad}").status_code == 400
        assert (
            client.post(f"/password/reset/{bad}", data={"password": NEW, "confirm": NEW}).status_code == 400
        )
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_a_weak_new_password_is_refused_and_the_link_still_works(app, client, make_user, db):
    user = make_user("applicant", email="weak.reset@example.org")
    db.session.commit()
    with app.test_request_context():
        token = make_reset_token(user)
    response = client.post(
        f"/password/reset/{token}", data={"password": "weak.reset99", "confirm": "weak.reset99"}
    )
    assert response.status_code == 422
    assert "must not contain your name or e-mail" in field_error(response, "password")
    assert client.get(f"/password/reset/{token}").status_code == 200


def test_a_bad_address_is_refused_next_to_the_field(client):
    response = client.post("/password/forgot", data={"email": "not an address"})
    assert response.status_code == 422
    assert field_error(response, "email") == "Enter a valid e-mail address."


def test_asking_for_links_is_rate_limited(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        assert client.post("/password/forgot", data={"email": "someone@example.org"}).status_code == 200
    response = client.post("/password/forgot", data={"email": "someone@example.org"})
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
