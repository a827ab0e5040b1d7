"""Administrators manage accounts: list and search, create, change roles, membership, activity."""

import re

import pytest
from sqlalchemy import select

from talent.accounts import operations
from talent.accounts.models import User
from talent.core.audit import AuditEntry
from talent.core.permissions import Role
from tests.accounts.conftest import field_error, selected_values
from tests.conftest import PASSWORD


@pytest.fixture
def admin(make_user):
    return make_user("admin", display_name="Office Admin")


@pytest.fixture
def admin_client(app, admin, login, db):
    db.session.commit()
    client = app.test_client()
    login(client, admin)
    return client


def bulk_users(db, prefix: str, n: int, *roles: str, institution=None, start: int = 0) -> None:
    """Many users sharing one precomputed hash: Argon2 is slow on purpose, and these tests
    are about rows, not passwords."""
    hashed = User(email="x@example.org", display_name="x")
    hashed.set_password(PASSWORD)
    for i in range(start, start + n):
        user = User(
            email=f"{prefix}{i:02d}@example.org",
            display_name=f"{prefix.title()} {i}",
            password_hash=hashed.password_hash,
            institution_id=institution.id if institution else None,
        )
        user.set_roles({Role(r) for r in roles})
        db.session.add(user)
    db.session.commit()


def listed_emails(response) -> list[str]:
    page = response.get_data(as_text=True)
    body = page.split("<tbody>", 1)[1] if "<tbody>" in page else ""
    return re.findall(r"<td>([^<@]+@[^<]+)</td>", body)


def edit_data(user, **change):
    data = {
        "display_name": user.display_name,
        "roles": [r.value for r in user.roles],
        "institution_id": str(user.institution_id or ""),
        "is_active": "y" if user.is_active else "",
    }
    data.update(change)
    if not data["is_active"]:
        del data["is_active"]  # an unticked box is not sent at all
    return data


def last_entry(db, user) -> AuditEntry:
    return db.session.execute(
        select(AuditEntry)
        .where(AuditEntry.object_type == "users", AuditEntry.object_id == str(user.id))
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).scalar_one()


# --- list ----------------------------------------------------------------------------------


def test_search_by_address_or_name_and_filter_by_role(admin_client, make_user, db):
    make_user("applicant", email="chen.li@uni.example", display_name="Chen Li")
    make_user("reviewer", email="reviewer.one@example.org", display_name="Ngozi Adeyemi")
    make_user("reviewer", "applicant", email="both@example.org", display_name="Both Roles")
    db.session.commit()
    assert listed_emails(admin_client.get("/admin/users?q=UNI.EXAMPLE")) == ["chen.li@uni.example"]
    assert listed_emails(admin_client.get("/admin/users?q=adeyemi")) == ["reviewer.one@example.org"]
    reviewers = listed_emails(admin_client.get("/admin/users?role=reviewer"))
    assert set(reviewers) == {"reviewer.one@example.org", "both@example.org"}
    both = listed_emails(admin_client.get("/admin/users?role=applicant&q=both"))
    assert both == ["both@example.org"]


def test_search_wildcards_are_taken_literally(admin_client, make_user, db):
    make_user("applicant", email="plain@example.org")
    db.session.commit()
    response = admin_client.get("/admin/users?q=%25")
    assert listed_emails(response) == []
    assert "No user matches this search." in response.get_data(as_text=True)


def test_an_unknown_role_filter_is_refused_next_to_the_field(admin_client):
    response = admin_client.get("/admin/users?role=emperor")
    assert response.status_code == 422
    assert field_error(response, "role")


def test_the_list_is_paged(app, admin_client, make_user, db):
    bulk_users(db, "paged", app.config["PAGE_SIZE"] + 3, "applicant")
    first = admin_client.get("/admin/users?q=paged")
    assert len(listed_emails(first)) == app.config["PAGE_SIZE"]
    assert 'rel="next"' in first.get_data(as_text=True)
    second = admin_client.get("/admin/users?q=paged&page=2")
    assert len(listed_emails(second)) == 3
    assert not set(listed_emails(first)) & set(listed_emails(second))


def test_the_list_runs_the_same_queries_for_3_and_30_users(admin_client, make_institution, db, count_queries):
    institution = make_institution()
    bulk_users(db, "staff", 3, "institution", "reviewer", institution=institution)
    admin_client.get("/admin/users")
    with count_queries() as few:
        assert admin_client.get("/admin/users").status_code == 200
    bulk_users(db, "staff", 27, "institution", "reviewer", institution=institution, start=3)
    with count_queries() as many:
        assert admin_client.get("/admin/users").status_code == 200
    assert many.count == few.count, many.statements


# --- create --------------------------------------------------------------------------------


def test_an_admin_creates_institution_staff(admin_client, admin, make_institution, db):
    institution = make_institution(name="Nairobi Polytechnic")
    db.session.commit()
    page = admin_client.get("/admin/users/new").get_data(as_text=True)
    assert "Nairobi Polytechnic" in page
    response = admin_client.post(
        "/admin/users/new",
        data={
            "email": "Staff@Poly.example",
            "display_name": "Grace Wanjiru",
            "roles": ["institution", "reviewer"],
            "institution_id": str(institution.id),
            "password": "a long enough phrase",
        },
    )
    assert response.status_code == 302
    user = db.session.execute(User.by_email("staff@poly.example")).scalar_one()
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    assert user.roles == [Role.INSTITUTION, Role.REVIEWER]
    assert user.institution_id == institution.id
    assert user.check_password("a long enough phrase")
    entry = last_entry(db, user)
    assert (entry.action, entry.actor_id) == ("user.created", admin.id)
    assert entry.changes["roles"] == [None, ["institution", "reviewer"]]


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"roles": ["institution"]}, "institution_id", "must belong to an institution"),
        ({"roles": []}, "roles", "at least one role"),
        ({"email": "DUP@example.org"}, "email", "already exists"),
        ({"password": "password123"}, "password", "too easy"),
        ({"institution_id": "999999"}, "institution_id", "Not a valid choice"),
    ],
)
def test_a_refused_creation_says_why_and_creates_nothing(admin_client, make_user, db, change, field, message):
    make_user("applicant", email="dup@example.org")
    db.session.commit()
    data = {
        "email": "new.person@example.org",
        "display_name": "New Person",
        "roles": ["applicant"],
        "password": "a long enough phrase",
    }
    data.update(change)
    response = admin_client.post("/admin/users/new", data=data)
    assert response.status_code == 422
    assert message in field_error(response, field)
    assert db.session.execute(User.by_email("new.person@example.org")).first() is None


# --- edit ----------------------------------------------------------------------------------


def test_the_edit_form_shows_the_current_state(admin_client, make_user, make_institution, db):
    institution = make_institution()
    user = make_user("institution", "reviewer", institution=institution)
    db.session.commit()
    page = admin_client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert 'id="roles-institution" value="institution" checked' in page
    assert 'id="roles-reviewer" value="reviewer" checked' in page
    assert 'id="roles-admin" value="admin">' in page
    assert selected_values(page, "institution_id") == [str(institution.id)]
    assert "checked" in re.search(r'<input[^>]*id="is_active"[^>]*>', page).group(0)


def test_changing_roles_and_membership_is_audited_with_before_and_after(
    admin_client, admin, make_user, make_institution, db
):
    institution = make_institution()
    user = make_user("applicant", display_name="Tariq")
    db.session.commit()
    response = admin_client.post(
        f"/admin/users/{user.id}",
        data=edit_data(
            user, roles=["applicant", "institution", "reviewer"], institution_id=str(institution.id)
        ),
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.roles == [Role.APPLICANT, Role.INSTITUTION, Role.REVIEWER]
    assert user.institution_id == institution.id
    entry = last_entry(db, user)
    assert (entry.action, entry.actor_id) == ("user.updated", admin.id)
    assert entry.changes["roles"] == [["applicant"], ["applicant", "institution", "reviewer"]]
    assert entry.changes["institution_id"] == [None, institution.id]


def test_deactivating_ends_sessions_and_tokens(app, admin_client, make_user, login, db):
    user = make_user("applicant")
    _token, plaintext = operations.create_api_token(user, "Script")
    db.session.commit()
    their_browser = app.test_client()
    login(their_browser, user)
    assert their_browser.get("/account").status_code == 200
    response = admin_client.post(f"/admin/users/{user.id}", data=edit_data(user, is_active=""))
    assert response.status_code == 302
    db.session.refresh(user)
    assert not user.is_active
    assert last_entry(db, user).changes["is_active"] == [True, False]
    assert their_browser.get("/account").status_code == 302
    api = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {plaintext}"})
    assert api.status_code == 401
    assert (
        app.test_client().post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 422
    )


def test_an_admin_cannot_remove_their_own_admin_role(admin_client, admin, db):
    response = admin_client.post(f"/admin/users/{admin.id}", data=edit_data(admin, roles=["reviewer"]))
    assert response.status_code == 422
    assert "cannot remove your own administrator role" in field_error(response, "roles")
    db.session.refresh(admin)
    assert admin.is_admin


def test_an_admin_cannot_deactivate_themselves(admin_client, admin, db):
    response = admin_client.post(f"/admin/users/{admin.id}", data=edit_data(admin, is_active=""))
    assert response.status_code == 422
    assert "cannot deactivate your own account" in field_error(response, "is_active")
    db.session.refresh(admin)
    assert admin.is_active


def test_an_admin_may_remove_another_admins_role(admin_client, make_user, db):
    other = make_user("admin", "reviewer")
    db.session.commit()
    response = admin_client.post(f"/admin/users/{other.id}", data=edit_data(other, roles=["reviewer"]))
    assert response.status_code == 302
    db.session.refresh(other)
    assert other.roles == [Role.REVIEWER]


def test_institution_staff_cannot_lose_their_institution(admin_client, make_user, db):
    staff = make_user("institution")
    db.session.commit()
    before = staff.institution_id
    response = admin_client.post(f"/admin/users/{staff.id}", data=edit_data(staff, institution_id=""))
    assert response.status_code == 422
    assert "must belong to an institution" in field_error(response, "institution_id")
    db.session.refresh(staff)
    assert staff.institution_id == before


def test_saving_without_changes_writes_no_audit_entry(admin_client, make_user, db):
    user = make_user("reviewer")
    db.session.commit()
    count_before = db.session.execute(select(AuditEntry).where(AuditEntry.object_id == str(user.id))).all()
    response = admin_client.post(f"/admin/users/{user.id}", data=edit_data(user), follow_redirects=True)
    assert "Nothing was changed." in response.get_data(as_text=True)
    count_after = db.session.execute(select(AuditEntry).where(AuditEntry.object_id == str(user.id))).all()
    assert len(count_after) == len(count_before)
