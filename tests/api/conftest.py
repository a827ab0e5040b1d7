import pytest

from tests.api.tokens import api_clients, bearer, issue_token


@pytest.fixture
def api_client_as(app, db, users):
    """`api_client_as("admin")` → a test client sending that role's user's API token."""
    return api_clients(app, users)


@pytest.fixture
def admin_headers(make_user):
    return bearer(issue_token(make_user("admin")))


@pytest.fixture
def user_headers(make_user):
    return bearer(issue_token(make_user("applicant")))
