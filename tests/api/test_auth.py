"""Who is calling: a Bearer token, never a browser session."""

from sqlalchemy import select

from talent.accounts.models import ApiToken
from talent.core.db import utcnow
from tests.api.tokens import bearer, issue_token

PROBLEM = "application/problem+json"


def test_me_answers_with_the_token_owner(client, make_user, make_institution):
    institution = make_institution()
    user = make_user(
        "institution", "reviewer", institution=institution, display_name="Amina Yusuf", locale="fr"
    )
    response = client.get("/api/v1/me", headers=bearer(issue_token(user)))
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {
        "id": user.id,
        "email": user.email,
        "display_name": "Amina Yusuf",
        "roles": ["institution", "reviewer"],
        "institution_id": institution.id,
        "locale": "fr",
        "timezone": "UTC",
    }


def test_without_a_token_the_api_answers_401_problem(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    body = response.get_json()
    assert body["status"] == 401 and body["title"] == "Unauthorized" and body["type"] == "about:blank"
    assert "Authorization: Bearer" in body["detail"]


def test_a_revoked_token_is_refused(client, make_user, db):
    user = make_user("admin")
    token = issue_token(user)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    db.session.execute(select(ApiToken).where(ApiToken.user_id == user.id)).scalar_one().revoke()
    db.session.commit()
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_an_unknown_or_malformed_token_is_refused(client):
    for header in ("Bearer tx_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "tx_no-scheme"):
        response = client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.mimetype == PROBLEM


def test_a_deactivated_users_token_stops_working(client, make_user, db):
    user = make_user("applicant")
    token = issue_token(user)
    user.is_active = False
    db.session.flush()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_a_browser_session_is_not_accepted_by_the_api(client, make_user, login):
    user = make_user("admin")
    login(client, user)
    assert client.get("/account").status_code == 200  # the session works for pages
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.mimetype == PROBLEM


def test_using_a_token_records_when_it_was_last_used(client, make_user, db):
    user = make_user("applicant")
    token = issue_token(user)
    before = utcnow()
    client.get("/api/v1/me", headers=bearer(token))
    api_token = db.session.execute(select(ApiToken).where(ApiToken.user_id == user.id)).scalar_one()
    db.session.refresh(api_token)
    assert api_token.last_used_at is not None and api_token.last_used_at >= before


def test_a_forbidden_call_is_403_problem(client, user_headers):
    response = client.post(
        "/api/v1/institutions",
        json={"name": "X", "kind": "university", "country": "KE"},
        headers=user_headers,
    )
    assert response.status_code == 403
    assert response.mimetype == PROBLEM
    assert response.get_json()["title"] == "Forbidden"
    assert "WWW-Authenticate" not in response.headers
