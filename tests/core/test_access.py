from tests.access import Case, check_matrix

ALL_200 = {"anonymous": 200, "applicant": 200, "institution": 200, "reviewer": 200, "admin": 200}

MATRIX = [
    Case("GET", "/", ALL_200),
    Case("GET", "/healthz", ALL_200),
    Case("POST", "/language", {}, data={"locale": "fr", "next": "/"}, default=302),
    Case("GET", "/api/v1/openapi.json", ALL_200),
]


def test_core_access_matrix(client_as):
    check_matrix(MATRIX, client_as)
