"""Institutions through the API: create (administrators), read, search, page."""

from sqlalchemy import select

from talent.core.audit import AuditEntry
from talent.reference.models import Institution, InstitutionKind


def _walk(client, url: str, headers: dict) -> list[dict]:
    """Every item of a paginated list, following `next` to the end."""
    items, cursor, pages = [], None, 0
    while True:
        separator = "&" if "?" in url else "?"
        page = client.get(url + (f"{separator}cursor={cursor}" if cursor else ""), headers=headers)
        assert page.status_code == 200, page.get_data(as_text=True)
        body = page.get_json()
        items.extend(body["items"])
        pages += 1
        assert pages < 100, "pagination does not end"
        cursor = body["next"]
        if cursor is None:
            return items


def test_admin_creates_an_institution(client, admin_headers, db):
    response = client.post(
        "/api/v1/institutions",
        json={
            "name": "  Université Cheikh Anta Diop ",
            "name_native": None,
            "kind": "university",
            "country": "sn",
            "city": "Dakar",
            "website": "https://www.ucad.sn",
            "partner_status": "active",
        },
        headers=admin_headers,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["name"] == "Université Cheikh Anta Diop"
    assert body["country"] == "SN" and body["kind"] == "university" and body["partner_status"] == "active"
    assert response.headers["Location"].endswith(f"/api/v1/institutions/{body['id']}")
    assert client.get(response.headers["Location"], headers=admin_headers).get_json() == body
    entry = db.session.execute(
        select(AuditEntry).where(
            AuditEntry.object_type == "institutions", AuditEntry.object_id == str(body["id"])
        )
    ).scalar_one()
    assert entry.action == "institution.created"


def test_optional_fields_take_their_defaults(client, admin_headers):
    response = client.post(
        "/api/v1/institutions",
        json={"name": "Huawei ICT Academy", "kind": "enterprise", "country": "CN"},
        headers=admin_headers,
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["partner_status"] == "prospective"
    assert body["city"] == "" and body["website"] is None and body["name_native"] is None


def test_markup_in_a_name_is_stored_verbatim_and_returned_as_json_text(client, admin_headers, db):
    name = '<script>alert("x")</script> & Co'
    response = client.post(
        "/api/v1/institutions",
        json={"name": name, "kind": "enterprise", "country": "KE"},
        headers=admin_headers,
    )
    assert response.status_code == 201
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    ident = response.get_json()["id"]
    assert db.session.get(Institution, ident).name == name
    fetched = client.get(f"/api/v1/institutions/{ident}", headers=admin_headers)
    assert fetched.mimetype == "application/json"
    assert fetched.get_json()["name"] == name


def test_any_signed_in_user_reads_one_institution(client, user_headers, make_institution):
    institution = make_institution(name="Kenya Polytechnic", name_native=None, city="Nairobi")
    body = client.get(f"/api/v1/institutions/{institution.id}", headers=user_headers).get_json()
    assert body["id"] == institution.id
    assert body["name"] == "Kenya Polytechnic" and body["country"] == "KE" and body["city"] == "Nairobi"
    assert body["created_at"].endswith("+00:00")


def test_search_and_filters(client, user_headers, make_institution):
    make_institution(
        name="Tianjin Light Industry Vocational College",
        name_native="天津轻工职业技术学院",
        country_code="CN",
        kind=InstitutionKind.VOCATIONAL_COLLEGE,
        city="Tianjin",
    )
    make_institution(
        name="Luban Workshop Djibouti", country_code="DJ", kind=InstitutionKind.WORKSHOP_SITE, city="Djibouti"
    )
    make_institution(name="University of Nairobi", country_code="KE", city="Nairobi")

    def names(query: str) -> list[str]:
        response = client.get(f"/api/v1/institutions?{query}", headers=user_headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [item["name"] for item in response.get_json()["items"]]

    assert names("q=luban") == ["Luban Workshop Djibouti"]
    assert names("q=轻工") == ["Tianjin Light Industry Vocational College"]
    assert names("q=nairobi") == ["University of Nairobi"]
    assert names("q=100%25") == []  # a literal %, not a wildcard
    assert names("country=cn") == ["Tianjin Light Industry Vocational College"]
    assert names("kind=workshop_site") == ["Luban Workshop Djibouti"]
    assert names("country=KE&kind=workshop_site") == []


def test_next_cursor_walks_every_institution_once(client, user_headers, make_institution):
    made = [make_institution(name=f"Walk {n:02}").id for n in range(23)]
    items = _walk(client, "/api/v1/institutions?q=walk&limit=5", user_headers)
    ids = [item["id"] for item in items]
    assert ids == sorted(made)
    assert len(set(ids)) == len(ids) == 23


def test_a_page_has_the_default_size_and_an_exact_last_page(client, user_headers, make_institution):
    for n in range(26):
        make_institution(name=f"Size {n}")
    first = client.get("/api/v1/institutions?q=size", headers=user_headers).get_json()
    assert len(first["items"]) == 25 and first["next"]
    last = client.get(f"/api/v1/institutions?q=size&cursor={first['next']}", headers=user_headers).get_json()
    assert len(last["items"]) == 1 and last["next"] is None
    exact = client.get("/api/v1/institutions?q=size&limit=26", headers=user_headers).get_json()
    assert len(exact["items"]) == 26 and exact["next"] is None


def test_a_bad_cursor_is_400_problem(client, user_headers, make_institution):
    make_institution()
    country_cursor = client.get("/api/v1/countries?limit=1", headers=user_headers).get_json()["next"]
    for cursor in (
        "not-a-cursor",
        "W10",
        "WyJ4Il0",
        "WzEsMl0",
        "Wzk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5XQ",
        country_cursor,
        "A" * 600,
    ):
        response = client.get(f"/api/v1/institutions?cursor={cursor}", headers=user_headers)
        assert response.status_code == 400, cursor
        assert response.mimetype == "application/problem+json"
        body = response.get_json()
        assert "cursor" in body["errors"] and "cursor" in body["detail"]


def test_limit_above_the_maximum_is_refused(client, user_headers):
    response = client.get("/api/v1/institutions?limit=101", headers=user_headers)
    assert response.status_code == 422
    assert "limit" in response.get_json()["errors"]


def test_query_count_of_a_page_does_not_grow_with_rows(client, user_headers, make_institution, count_queries):
    for n in range(5):
        make_institution(name=f"Counted {n}")
    client.get("/api/v1/institutions", headers=user_headers)  # the token's first use is recorded once

    with count_queries() as few:
        assert (
            len(client.get("/api/v1/institutions?q=counted", headers=user_headers).get_json()["items"]) == 5
        )
    for n in range(5, 50):
        make_institution(name=f"Counted {n}")
    with count_queries() as many:
        page = client.get("/api/v1/institutions?q=counted&limit=50", headers=user_headers).get_json()
        assert len(page["items"]) == 50
    assert many.count == few.count, many.statements
