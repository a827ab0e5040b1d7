"""The audit log: append-only, filterable, newest first, in the viewer's time zone; object history."""

import uuid
from datetime import UTC, datetime

import pytest
from flask import render_template

from talent.accounts.models import User
from talent.core.audit import AuditEntry, record
from talent.core.queries import history_for


@pytest.fixture
def admin(make_user, db):
    user = make_user("admin", display_name="Li Wei", email="li.wei@example.org", timezone="Asia/Shanghai")
    db.session.commit()
    return user


def _entry(db, obj, action, actor=None, changes=None, at=None):
    entry = record(action, obj, changes=changes or {}, actor=actor)
    if at is not None:
        entry.occurred_at = at
    db.session.flush()
    return entry


def test_entries_cannot_be_changed_or_deleted(db, admin):
    entry = _entry(db, admin, "user.created", actor=admin)
    db.session.commit()
    entry.action = "user.forged"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()


def test_log_shows_who_when_what_and_changes_in_the_viewers_time_zone(db, client, login, admin, make_user):
    trainee = make_user("applicant", email="amina@example.org")
    _entry(
        db,
        trainee,
        "user.updated",
        actor=admin,
        changes={"display_name": ["Amina", "Amina Yusuf"], "password_hash": ["«redacted»", "«redacted»"]},
        at=datetime(2025, 1, 5, 12, 0, tzinfo=UTC),
    )
    db.session.commit()
    login(client, admin)
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "Li Wei" in html and "li.wei@example.org" in html
    assert "user.updated" in html and f"#{trainee.id}" in html
    assert "<del><bdi>Amina</bdi></del>" in html and "<ins><bdi>Amina Yusuf</bdi></ins>" in html
    assert "(hidden)" in html and "«redacted»" not in html
    assert "Jan 5, 2025, 8:00:00\u202fPM" in html  # 12:00 UTC is 20:00 in Shanghai
    assert "Asia/Shanghai" in html


def test_filters(db, client, login, admin, make_user):
    other_admin = make_user("admin", email="ops@example.org")
    first, second = make_user("applicant"), make_user("applicant")
    _entry(db, first, "user.created", actor=admin)
    _entry(db, second, "user.created", actor=other_admin)
    _entry(db, second, "user.roles_changed", actor=admin)
    _entry(db, second, "person.updated")
    db.session.commit()
    login(client, admin)

    def actions(query):
        html = client.get("/admin/audit?" + query).get_data(as_text=True)
        return sorted(
            a
            for a in ("user.created", "user.roles_changed", "person.updated")
            for _ in range(html.count(f"<code>{a}</code>"))
        )

    assert actions(f"object_type=users&object_id={second.id}") == [
        "person.updated",
        "user.created",
        "user.roles_changed",
    ]
    assert actions("actor=OPS@example.org") == ["user.created"]
    assert actions(f"actor={admin.id}") == ["user.created", "user.roles_changed"]
    assert actions("action=user.") == ["user.created", "user.created", "user.roles_changed"]
    assert actions("actor=nobody@example.org") == []
    assert "No entries match these filters." in client.get("/admin/audit?actor=nobody@example.org").get_data(
        as_text=True
    )


def test_pages_newest_first_with_older_and_newer_links(db, client, login, admin, app):
    per_page = app.config["PAGE_SIZE"]
    entries = [_entry(db, admin, f"test.step{n:03d}", actor=admin) for n in range(per_page + 5)]
    db.session.commit()
    login(client, admin)

    first = client.get("/admin/audit?action=test.").get_data(as_text=True)
    newest, oldest = entries[-1], entries[0]
    assert first.index(newest.action) < first.index(entries[-2].action)
    assert oldest.action not in first and 'rel="prev"' not in first
    older_url = f"/admin/audit?action=test.&amp;before={entries[5].id}"
    assert older_url in first

    second = client.get(older_url.replace("&amp;", "&")).get_data(as_text=True)
    assert [e.action in second for e in entries[:5]] == [True] * 5
    assert entries[5].action not in second and 'rel="next"' not in second
    newer = client.get(f"/admin/audit?action=test.&after={entries[4].id}").get_data(as_text=True)
    assert entries[5].action in newer and newest.action in newer and entries[4].action not in newer


def _actors(db, n):
    # Users without a password hash: hashing dozens of passwords would only slow the test down.
    users = [
        User(email=f"actor{uuid.uuid4().hex[:12]}@example.org", display_name="Actor", password_hash="!")
        for _ in range(n)
    ]
    db.session.add_all(users)
    db.session.flush()
    return users


def test_log_query_count_does_not_grow_with_rows(db, client, login, admin, count_queries):
    login(client, admin)
    for actor in _actors(db, 3):
        _entry(db, actor, "user.created", actor=actor)
    db.session.commit()
    with count_queries() as few:
        client.get("/admin/audit")
    for actor in _actors(db, 20):
        _entry(db, actor, "user.created", actor=actor)
    db.session.commit()
    with count_queries() as many:
        client.get("/admin/audit")
    assert many.count == few.count, many.statements


def test_history_for_an_object_is_one_query_newest_first(db, admin, count_queries, app):
    trainee, *actors = _actors(db, 6)
    for n in range(5):
        _entry(db, trainee, f"user.step{n}", actor=actors[n] if n % 2 else None)
    _entry(db, admin, "user.elsewhere", actor=admin)
    db.session.commit()
    db.session.expunge_all()

    with count_queries() as counter, app.test_request_context():
        entries = history_for(trainee, limit=4)
        html = render_template("core/_history.html", entries=entries)
    assert counter.count == 1
    assert [e.action for e in entries] == ["user.step4", "user.step3", "user.step2", "user.step1"]
    assert "Actor" in html and "System" in html and "user.elsewhere" not in html


def test_history_include_has_an_empty_state(app, db):
    with app.test_request_context():
        assert "No changes have been recorded yet." in render_template("core/_history.html", entries=[])


def test_odd_page_and_actor_values_are_ignored_not_errors(client, login, admin):
    login(client, admin)
    response = client.get("/admin/audit?before=%C2%B2&after=-1&actor=99999999999999999999999")
    assert response.status_code == 200
    assert "No entries match these filters." in response.get_data(as_text=True)
