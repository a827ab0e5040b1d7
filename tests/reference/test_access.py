from tests.access import Case, allowed, check_matrix

EVERYONE = {"applicant", "institution", "reviewer", "admin"}
INSTITUTION_DATA = {
    "name": "Matrix Polytechnic",
    "kind": "vocational_college",
    "country_code": "KE",
    "city": "Mombasa",
    "website": "",
    "partner_status": "active",
}

MATRIX = [
    Case("GET", "/institutions", allowed(EVERYONE)),
    Case("GET", "/institutions/new", allowed({"admin"})),
    Case("POST", "/institutions/new", allowed({"admin"}, ok=302), data=INSTITUTION_DATA),
    Case(
        "GET",
        "/institutions/<int:institution_id>",
        allowed(EVERYONE),
        url=lambda ctx: f"/institutions/{ctx['institution'].id}",
    ),
    Case(
        "GET",
        "/institutions/<int:institution_id>/edit",
        allowed({"admin"}),
        url=lambda ctx: f"/institutions/{ctx['institution'].id}/edit",
    ),
    Case(
        "POST",
        "/institutions/<int:institution_id>/edit",
        allowed({"admin"}, ok=302),
        url=lambda ctx: f"/institutions/{ctx['institution'].id}/edit",
        data=INSTITUTION_DATA,
    ),
    Case("GET", "/profile", allowed(EVERYONE)),
    Case("POST", "/profile", allowed(EVERYONE, ok=302), data={"name_latin": "Matrix Person"}),
    Case("GET", "/persons", allowed({"admin", "institution"})),
    # The person is affiliated to the institution user's institution, and is none of the users.
    Case(
        "GET",
        "/persons/<int:person_id>",
        allowed({"admin", "institution"}),
        url=lambda ctx: f"/persons/{ctx['person'].id}",
    ),
]


def test_reference_access_matrix(client_as, users, make_institution, make_person):
    institution = make_institution()
    person = make_person(affiliation_id=users["institution"].institution_id)
    check_matrix(MATRIX, client_as, {"institution": institution, "person": person})
