"""Self-registration: a new applicant account, or a clear refusal that creates nothing."""

import pytest
from sqlalchemy import func, select

from talent.accounts.models import User
from talent.core.audit import AuditEntry
from talent.core.permissions import Role
from tests.accounts.conftest import field_error

GOOD = {
    "display_name": "Amina Okafor",
    "email": "Amina.Okafor@Example.org",
    "password": "mango tree at dawn",
    "confirm": "mango tree at dawn",
    "locale": "fr",
    "timezone": "Africa/Lagos",
}


def user_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_registration_creates_a_logged_in_applicant(client, db):
    response = client.post("/register", data=GOOD)
    assert response.status_code == 302
    user = db.session.execute(User.by_email("amina.okafor@example.org")).scalar_one()
    assert user.email == "amina.okafor@example.org"
    assert user.roles == [Role.APPLICANT]
    assert (user.locale, user.timezone) == ("fr", "Africa/Lagos")
    assert user.password_hash.startswith("$argon2")
    assert "mango" not in user.password_hash
    assert client.get("/account").status_code == 200
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.object_type == "users", AuditEntry.object_id == str(user.id))
    ).scalar_one()
    assert entry.action == "user.created"
    assert "password" not in str(entry.changes)


def test_the_form_offers_the_languages_and_time_zones(client):
    page = client.get("/register").get_data(as_text=True)
    assert 'value="ar"' in page and "العربية" in page
    assert 'value="Asia/Shanghai"' in page


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"email": "TAKEN@example.org"}, "email", "An account with this e-mail address already exists."),
        ({"password": "1234567890", "confirm": "1234567890"}, "password", "too easy to guess"),
        ({"password": "short", "confirm": "short"}, "password", "at least 10 characters"),
        ({"confirm": "mango tree at dusk"}, "confirm", "The passwords differ."),
        ({"display_name": "A" * 201}, "display_name", "at most 200 characters"),
        ({"display_name": "   "}, "display_name", "This field is required."),
        ({"email": "not-an-address"}, "email", "Enter a valid e-mail address."),
        ({"timezone": "Mars/Olympus"}, "timezone", "Not a valid choice"),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_creates_nothing(
    client, make_user, db, change, field, message
):
    make_user("applicant", email="taken@example.org")
    db.session.commit()
    before = user_count(db)
    response = client.post("/register", data={**GOOD, **change})
    assert response.status_code == 422
    assert message in field_error(response, field)
    assert "Please correct the marked fields." in response.get_data(as_text=True)
    assert user_count(db) == before
    assert client.get("/account").status_code == 302  # nobody was logged in


def test_a_name_with_markup_is_kept_as_text_and_shown_escaped(client, db):
    name = '<script>alert("x")</script> Li'
    response = client.post("/register", data={**GOOD, "display_name": name})
    assert response.status_code == 302
    user = db.session.execute(User.by_email(GOOD["email"])).scalar_one()
    assert user.display_name == name
    page = client.get("/account").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(" in page


def test_entered_values_survive_a_refusal_except_the_passwords(client):
    response = client.post("/register", data={**GOOD, "confirm": "something else entirely"})
    page = response.get_data(as_text=True)
    assert 'value="Amina Okafor"' in page
    assert "mango tree at dawn" not in page


def test_a_logged_in_user_is_sent_home(client, make_user, login, db):
    user = make_user("applicant")
    db.session.commit()
    login(client, user)
    assert client.get("/register").headers["Location"] == "/"
