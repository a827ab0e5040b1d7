"""The notifications page: newest first, unread marked, mark read, mail when asked."""

from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from talent.core.models import Notification
from talent.core.notifications import notify, recipient_locale


@pytest.fixture
def applicant(make_user, db):
    user = make_user("applicant", display_name="Amina Yusuf")
    db.session.commit()
    return user


def _page(client):
    return client.get("/notifications").get_data(as_text=True)


def test_empty_state(client, login, applicant):
    login(client, applicant)
    html = _page(client)
    assert "You have no notifications." in html
    assert "Mark all as read" not in html


def test_newest_first_with_unread_marked(client, login, applicant, make_user, db):
    notify(applicant, "Your application was received.")
    notify(applicant, "Your visa case moved to submitted.", link="/visa/3")
    notify(make_user("applicant"), "Someone else's news.")
    db.session.commit()
    login(client, applicant)

    html = _page(client)
    assert html.index("Your visa case moved to submitted.") < html.index("Your application was received.")
    assert "Someone else&#39;s news." not in html and "Someone else's news." not in html
    assert html.count('<span class="badge warn">New</span>') == 2
    assert "You have 2 unread notifications." in html
    assert 'href="/visa/3"' in html


def test_mark_one_and_mark_all_as_read(client, login, applicant, db):
    first = notify(applicant, "First")
    notify(applicant, "Second")
    db.session.commit()
    login(client, applicant)

    response = client.post(f"/notifications/{first.id}/read", data={"next": "/notifications?page=1"})
    assert response.status_code == 302 and response.headers["Location"] == "/notifications?page=1"
    assert "You have 1 unread notification." in _page(client)

    response = client.post("/notifications/read", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "1 notification marked as read." in html
    assert "New</span>" not in html and "Mark all as read" not in html
    assert all(
        n.read_at
        for n in db.session.scalars(select(Notification).where(Notification.user_id == applicant.id))
    )


def test_pages_through_many_notifications(client, login, applicant, app, db):
    per_page = app.config["PAGE_SIZE"]
    for n in range(per_page + 3):
        notify(applicant, f"Message {n:03d}")
    db.session.commit()
    login(client, applicant)
    first = _page(client)
    assert f"Message {per_page + 2:03d}" in first and "Message 002" not in first
    assert 'rel="next"' in first
    second = client.get("/notifications?page=2").get_data(as_text=True)
    assert "Message 000" in second and "Message 002" in second and 'rel="next"' not in second


def test_notify_can_also_mail_in_the_users_language(db, app, make_user, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "DATA_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "SMTP_URL", None)
    user = make_user("applicant", locale="fr", email="awa@example.org")
    with recipient_locale(user):
        from flask_babel import get_locale

        assert str(get_locale()) == "fr"
    notify(user, "Votre certificat est prêt.", link="/certificates/1", mail_subject="Certificat prêt")
    db.session.commit()
    [path] = (tmp_path / "outbox").glob("*.eml")
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "awa@example.org" and message["Subject"] == "Certificat prêt"
    assert "http://talent.test/certificates/1" in message.get_content()


def test_list_query_count_does_not_grow_with_rows(client, login, applicant, count_queries, db):
    login(client, applicant)
    for n in range(3):
        notify(applicant, f"Few {n}", link="/x")
    db.session.commit()
    with count_queries() as few:
        client.get("/notifications")
    for n in range(20):
        notify(applicant, f"Many {n}", link="/x")
    db.session.commit()
    with count_queries() as many:
        client.get("/notifications")
    assert many.count == few.count, many.statements
