from tests.access import Case, check_matrix
from tests.api.test_certificates_api import CERTIFICATE_API_MATRIX
from tests.api.test_workshops_access import WORKSHOP_API_MATRIX

SIGNED_IN = {"anonymous": 401, "applicant": 200, "institution": 200, "reviewer": 200, "admin": 200}
ADMIN_ONLY = {"anonymous": 401, "applicant": 403, "institution": 403, "reviewer": 403}

NEW_INSTITUTION = {"name": "Matrix Polytechnic", "kind": "vocational_college", "country": "KE"}

MATRIX = [
    Case("GET", "/api/v1/me", SIGNED_IN),
    Case("GET", "/api/v1/countries", SIGNED_IN),
    Case("GET", "/api/v1/institutions", SIGNED_IN),
    Case("POST", "/api/v1/institutions", {**ADMIN_ONLY, "admin": 201}, json=NEW_INSTITUTION),
    Case(
        "GET",
        "/api/v1/institutions/<int:institution_id>",
        SIGNED_IN,
        url=lambda ctx: f"/api/v1/institutions/{ctx['institution_id']}",
    ),
]


def test_api_access_matrix(api_client_as, make_institution):
    check_matrix(MATRIX, api_client_as, {"institution_id": make_institution().id})


def test_a_browser_session_opens_no_api_route(client_as, make_institution):
    # The same matrix with session cookies instead of tokens: every role is a stranger to the API.
    assert client_as("admin").get("/admin/users").status_code == 200  # the sessions do work for pages
    ctx = {"institution_id": make_institution().id}
    cookie_only = [
        Case(case.method, case.rule, {}, url=case.url, default=401, json=case.json) for case in MATRIX
    ]
    check_matrix(cookie_only, client_as, ctx)


MATRIX += WORKSHOP_API_MATRIX
MATRIX += CERTIFICATE_API_MATRIX
