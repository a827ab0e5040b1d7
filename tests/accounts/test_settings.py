"""Account settings: name, interface language (remembered per user) and time zone."""

from sqlalchemy import select

from talent.core.audit import AuditEntry
from tests.accounts.conftest import field_error, selected_values


def audit_entries(db, user, action):
    return (
        db.session.execute(
            select(AuditEntry).where(
                AuditEntry.object_type == "users",
                AuditEntry.object_id == str(user.id),
                AuditEntry.action == action,
            )
        )
        .scalars()
        .all()
    )


def test_the_page_shows_the_current_settings(client, make_user, login, db):
    user = make_user("applicant", display_name="Wei Zhang", timezone="Asia/Shanghai", locale="zh")
    db.session.commit()
    login(client, user)
    page = client.get("/account").get_data(as_text=True)
    assert 'value="Wei Zhang"' in page
    assert selected_values(page, "timezone") == ["Asia/Shanghai"]
    assert selected_values(page, "locale") == ["zh"]
    assert user.email in page


def test_saving_changes_name_language_and_time_zone_with_an_audit_entry(client, make_user, login, db):
    user = make_user("applicant", display_name="Old Name", locale="en")
    db.session.commit()
    login(client, user)
    response = client.post(
        "/account", data={"display_name": "Fatima Diallo", "locale": "ar", "timezone": "Africa/Dakar"}
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.display_name, user.locale, user.timezone) == ("Fatima Diallo", "ar", "Africa/Dakar")
    (entry,) = audit_entries(db, user, "user.settings_changed")
    assert entry.actor_id == user.id
    assert entry.changes["display_name"] == ["Old Name", "Fatima Diallo"]
    assert entry.changes["locale"] == ["en", "ar"]
    assert entry.changes["timezone"] == ["UTC", "Africa/Dakar"]
    page = client.get("/account").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page


def test_the_language_choice_follows_the_user_to_another_device(app, make_user, login, db):
    user = make_user("applicant", locale="en")
    db.session.commit()
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user)
    assert (
        laptop.post(
            "/account", data={"display_name": user.display_name, "locale": "fr", "timezone": "UTC"}
        ).status_code
        == 302
    )
    login(phone, user)
    assert '<html lang="fr"' in phone.get("/account").get_data(as_text=True)


def test_the_header_switcher_choice_is_remembered_for_the_user(app, make_user, login, db):
    user = make_user("applicant", locale="en")
    db.session.commit()
    first, second = app.test_client(), app.test_client()
    login(first, user)
    first.post("/language", data={"locale": "es", "next": "/account"})
    login(second, user)
    assert '<html lang="es"' in second.get("/account").get_data(as_text=True)
    page = second.get("/account").get_data(as_text=True)
    assert selected_values(page, "locale") == ["es"]


def test_an_unchanged_form_writes_no_audit_entry(client, make_user, login, db):
    user = make_user("applicant", locale="en", timezone="UTC")
    db.session.commit()
    login(client, user)
    client.post("/account", data={"display_name": user.display_name, "locale": "en", "timezone": "UTC"})
    assert audit_entries(db, user, "user.settings_changed") == []


def test_bad_values_are_refused_and_change_nothing(client, make_user, login, db):
    user = make_user("applicant", display_name="Kept", locale="en")
    db.session.commit()
    login(client, user)
    response = client.post(
        "/account", data={"display_name": "x" * 201, "locale": "xx", "timezone": "Nowhere/Land"}
    )
    assert response.status_code == 422
    assert "at most 200 characters" in field_error(response, "display_name")
    assert field_error(response, "locale")
    assert field_error(response, "timezone")
    db.session.refresh(user)
    assert (user.display_name, user.locale, user.timezone) == ("Kept", "en", "UTC")
