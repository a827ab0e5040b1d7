"""Who may open each account page: every route × every role (anonymous included)."""

import pytest

from talent.accounts import operations
from talent.accounts.passwords import make_reset_token
from tests.access import Case, allowed, check_matrix

ALL = {"anonymous": 200, "applicant": 200, "institution": 200, "reviewer": 200, "admin": 200}
ANONYMOUS_ONLY = {"anonymous": 200, "applicant": 302, "institution": 302, "reviewer": 302, "admin": 302}
SIGNED_IN = allowed({"applicant", "institution", "reviewer", "admin"})
SIGNED_IN_FORM_ERROR = allowed({"applicant", "institution", "reviewer", "admin"}, ok=422)
ADMIN_ONLY = allowed({"admin"})

MATRIX = [
    Case("GET", "/login", ANONYMOUS_ONLY),
    # An empty form is refused for what it is; logged-in users are sent on.
    Case("POST", "/login", {**ANONYMOUS_ONLY, "anonymous": 422}, data={}),
    Case("POST", "/logout", {}, default=302),
    Case("GET", "/register", ANONYMOUS_ONLY),
    Case("POST", "/register", {**ANONYMOUS_ONLY, "anonymous": 422}, data={}),
    Case("GET", "/account", SIGNED_IN),
    Case("POST", "/account", SIGNED_IN_FORM_ERROR, data={"display_name": ""}),
    Case("GET", "/account/password", SIGNED_IN),
    Case("POST", "/account/password", SIGNED_IN_FORM_ERROR, data={}),
    Case("GET", "/password/forgot", ALL),
    Case("POST", "/password/forgot", ALL, data={"email": "nobody@example.org"}),
    Case("GET", "/password/reset/<token>", ALL, url=lambda ctx: f"/password/reset/{ctx['reset_token']}"),
    Case(
        "POST",
        "/password/reset/<token>",
        {},
        default=422,
        url=lambda ctx: f"/password/reset/{ctx['reset_token']}",
        data={"password": "", "confirm": ""},
    ),
    Case("GET", "/account/tokens", SIGNED_IN),
    Case("POST", "/account/tokens", SIGNED_IN_FORM_ERROR, data={"name": ""}),
    # The applicant's token: its owner and administrators may revoke it, nobody else.
    Case(
        "POST",
        "/account/tokens/<int:token_id>/revoke",
        {"anonymous": 302, "applicant": 302, "institution": 403, "reviewer": 403, "admin": 302},
        url=lambda ctx: f"/account/tokens/{ctx['token_id']}/revoke",
    ),
    Case("GET", "/admin/users", ADMIN_ONLY),
    Case("GET", "/admin/users/new", ADMIN_ONLY),
    Case("POST", "/admin/users/new", allowed({"admin"}, ok=422), data={}),
    Case("GET", "/admin/users/<int:user_id>", ADMIN_ONLY, url=lambda ctx: f"/admin/users/{ctx['user_id']}"),
    Case(
        "POST",
        "/admin/users/<int:user_id>",
        allowed({"admin"}, ok=422),
        url=lambda ctx: f"/admin/users/{ctx['user_id']}",
        data={"display_name": ""},
    ),
]


@pytest.fixture
def ctx(app, users, make_user):
    someone = make_user("applicant")
    token, _plaintext = operations.create_api_token(users["applicant"], "Registrar")
    with app.test_request_context():
        reset_token = make_reset_token(someone)
    return {"reset_token": reset_token, "token_id": token.id, "user_id": someone.id}


def test_accounts_access_matrix(client_as, ctx):
    check_matrix(MATRIX, client_as, ctx)


def test_an_unknown_user_or_token_is_not_found(client_as, db):
    admin = client_as("admin")
    db.session.commit()  # a refused request rolls back; keep the fixtures' users
    assert admin.get("/admin/users/999999").status_code == 404
    assert admin.post("/account/tokens/999999/revoke").status_code == 404
