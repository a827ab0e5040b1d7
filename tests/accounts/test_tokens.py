"""API tokens: created on the account page, shown once, stored hashed, revocable."""

import re

from sqlalchemy import select

from talent.accounts import operations
from talent.accounts.models import ApiToken
from talent.core.audit import AuditEntry
from tests.accounts.conftest import field_error


def created_token(response) -> str:
    match = re.search(r'id="new-token"[^>]*value="(tx_[^"]+)"', response.get_data(as_text=True))
    assert match, "the new token is not on the page"
    return match.group(1)


def me_status(app, token: str) -> int:
    # A fresh client, so no session cookie helps: the API only accepts the token.
    return app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_new_token_is_shown_once_stored_hashed_and_works(app, client, make_user, login, db):
    user = make_user("institution")
    db.session.commit()
    login(client, user)
    response = client.post("/account/tokens", data={"name": "Registrar system"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    plaintext = created_token(response)

    token = db.session.execute(select(ApiToken).where(ApiToken.user_id == user.id)).scalar_one()
    assert token.name == "Registrar system"
    assert token.token_hash == ApiToken.hash(plaintext) != plaintext
    assert token.hint == plaintext[-4:]
    assert me_status(app, plaintext) == 200

    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "Registrar system" in listing
    assert f"…{token.hint}" in listing
    assert plaintext not in listing

    entry = db.session.execute(
        select(AuditEntry).where(
            AuditEntry.object_type == "api_tokens", AuditEntry.object_id == str(token.id)
        )
    ).scalar_one()
    assert entry.action == "api_token.created"
    assert entry.actor_id == user.id
    assert plaintext not in str(entry.changes) + entry.summary


def test_revoking_stops_the_token_and_is_audited(app, client, make_user, login, db):
    user = make_user("applicant")
    token, plaintext = operations.create_api_token(user, "Laptop script")
    db.session.commit()
    login(client, user)
    assert me_status(app, plaintext) == 200
    response = client.post(f"/account/tokens/{token.id}/revoke", follow_redirects=True)
    assert "is revoked" in response.get_data(as_text=True)
    assert me_status(app, plaintext) == 401
    db.session.refresh(token)
    assert token.revoked_at is not None
    assert "revoked" in client.get("/account/tokens").get_data(as_text=True)
    actions = db.session.execute(
        select(AuditEntry.action).where(
            AuditEntry.object_type == "api_tokens", AuditEntry.object_id == str(token.id)
        )
    ).scalars()
    assert sorted(actions) == ["api_token.created", "api_token.revoked"]
    again = client.post(f"/account/tokens/{token.id}/revoke", follow_redirects=True)
    assert "was already revoked" in again.get_data(as_text=True)


def test_nobody_else_can_revoke_a_token(client, make_user, login, db):
    owner, other = make_user("applicant"), make_user("reviewer")
    token, plaintext = operations.create_api_token(owner, "Mine")
    db.session.commit()
    login(client, other)
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 403
    db.session.refresh(token)
    assert token.is_active


def test_the_list_shows_only_ones_own_tokens(client, make_user, login, db):
    me, other = make_user("applicant"), make_user("applicant")
    operations.create_api_token(me, "My importer")
    operations.create_api_token(other, "Someone else's importer")
    db.session.commit()
    login(client, me)
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "My importer" in page
    assert "Someone else" not in page


def test_an_empty_list_says_so(client, make_user, login, db):
    user = make_user("applicant")
    db.session.commit()
    login(client, user)
    assert 'class="empty"' in client.get("/account/tokens").get_data(as_text=True)


def test_a_token_needs_a_reasonable_name(client, make_user, login, db):
    user = make_user("applicant")
    db.session.commit()
    login(client, user)
    for name, message in (("  ", "This field is required."), ("n" * 101, "at most 100 characters")):
        response = client.post("/account/tokens", data={"name": name})
        assert response.status_code == 422
        assert message in field_error(response, "name")
    assert db.session.execute(select(ApiToken).where(ApiToken.user_id == user.id)).first() is None


def test_the_token_list_runs_the_same_queries_for_2_and_20_tokens(
    client, make_user, login, db, count_queries
):
    user = make_user("applicant")
    for n in range(2):
        operations.create_api_token(user, f"Token {n}")
    db.session.commit()
    login(client, user)
    client.get("/account/tokens")
    with count_queries() as few:
        assert client.get("/account/tokens").status_code == 200
    for n in range(2, 20):
        operations.create_api_token(user, f"Token {n}")
    db.session.commit()
    with count_queries() as many:
        assert client.get("/account/tokens").status_code == 200
    assert many.count == few.count, many.statements
