import pytest
from sqlalchemy import func, select

from talent.core.audit import AuditEntry
from talent.core.errors import ValidationFailed
from talent.reference.models import Institution, InstitutionKind, PartnerStatus
from talent.reference.operations import create_institution, update_institution

pytestmark = pytest.mark.usefixtures("in_request")


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Institution))


def _create(**overrides):
    values = {"name": "Strathmore University", "kind": "university", "country_code": "KE", "city": "Nairobi"}
    values.update(overrides)
    return create_institution(**values)


def _entries(db, institution):
    stmt = select(AuditEntry).where(
        AuditEntry.object_type == "institutions", AuditEntry.object_id == str(institution.id)
    )
    return list(db.session.scalars(stmt.order_by(AuditEntry.id)))


def test_create_institution_keeps_the_facts_and_records_it(db):
    institution = _create(
        name="  Tianjin Vocational Institute ",
        name_native="天津职业大学",
        kind="vocational_college",
        country_code="cn",
        website="https://www.tjtc.edu.cn/",
    )
    assert institution.id is not None
    assert institution.name == "Tianjin Vocational Institute"
    assert institution.name_native == "天津职业大学"
    assert institution.kind is InstitutionKind.VOCATIONAL_COLLEGE
    assert institution.country_code == "CN"
    assert institution.partner_status is PartnerStatus.PROSPECTIVE
    [entry] = _entries(db, institution)
    assert entry.action == "institution.created"
    assert entry.changes["name"] == [None, "Tianjin Vocational Institute"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Bad\x00Name"}, "name"),
        ({"name_native": "名" * 201}, "name_native"),
        ({"country_code": "XX"}, "country_code"),
        ({"country_code": ""}, "country_code"),
        ({"kind": "castle"}, "kind"),
        ({"partner_status": "best friend"}, "partner_status"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"website": "ftp://example.org"}, "website"),
        ({"website": "www.example.org"}, "website"),
        ({"website": "https://"}, "website"),
    ],
)
def test_bad_input_is_refused_and_names_the_field(db, overrides, field):
    before = _count(db)
    with pytest.raises(ValidationFailed) as refused:
        _create(**overrides)
    assert refused.value.field == field
    assert _count(db) == before


def test_update_changes_only_what_is_given_and_records_the_difference(db, make_user):
    admin = make_user("admin")
    institution = _create()
    update_institution(institution, city="Mombasa", partner_status="active", actor=admin)
    assert (institution.name, institution.city) == ("Strathmore University", "Mombasa")
    entries = _entries(db, institution)
    assert entries[-1].action == "institution.updated"
    assert entries[-1].actor_id == admin.id
    assert entries[-1].changes == {
        "city": ["Nairobi", "Mombasa"],
        "partner_status": ["prospective", "active"],
    }

    update_institution(institution, city="Mombasa")
    assert len(_entries(db, institution)) == 2  # nothing changed, nothing recorded

    with pytest.raises(ValidationFailed) as refused:
        update_institution(institution, website="mailto:someone@example.org")
    assert refused.value.field == "website"


def test_admin_creates_an_institution_through_the_form(client_as, db):
    response = client_as("admin").post(
        "/institutions/new",
        data={
            "name": "Addis Ababa Science and Technology University",
            "name_native": "አዲስ አበባ ሳይንስና ቴክኖሎጂ ዩኒቨርሲቲ",
            "kind": "university",
            "country_code": "ET",
            "city": "Addis Ababa",
            "website": "https://www.aastu.edu.et",
            "partner_status": "active",
        },
    )
    assert response.status_code == 302
    page = client_as("admin").get(response.headers["Location"]).get_data(as_text=True)
    assert "Addis Ababa Science and Technology University" in page
    assert 'dir="auto">አዲስ አበባ ሳይንስና ቴክኖሎጂ ዩኒቨርሲቲ<' in page
    assert "institution.created" in page  # the history


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "x" * 201}, "Field cannot be longer than 200 characters."),
        ({"country_code": "XX"}, "Not a valid choice."),
        ({"website": "javascript:alert(1)"}, "Give a web address starting with http:// or https://."),
        ({"name": "Tab\tinside"}, "Control characters are not allowed."),
    ],
)
def test_bad_form_input_re_renders_with_the_error_and_changes_nothing(client_as, db, changes, message):
    data = {
        "name": "Good Name",
        "kind": "university",
        "country_code": "KE",
        "city": "",
        "website": "",
        "partner_status": "active",
    }
    data.update(changes)
    before = _count(db)
    response = client_as("admin").post("/institutions/new", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(db) == before


def test_edit_form_shows_current_values_and_saves(client_as, db, make_institution):
    institution = make_institution(name="Old Name", website="https://old.example.org")
    admin = client_as("admin")
    assert 'value="https://old.example.org"' in admin.get(f"/institutions/{institution.id}/edit").get_data(
        as_text=True
    )
    response = admin.post(
        f"/institutions/{institution.id}/edit",
        data={
            "name": "New Name",
            "kind": "enterprise",
            "country_code": "NG",
            "city": "Lagos",
            "website": "",
            "partner_status": "suspended",
        },
    )
    assert response.status_code == 302
    db.session.refresh(institution)
    assert (institution.name, institution.country_code, institution.website) == ("New Name", "NG", None)
    assert institution.partner_status is PartnerStatus.SUSPENDED


def test_markup_in_a_name_is_shown_as_text(client_as, make_institution):
    institution = make_institution(name="<script>alert(1)</script> College", name_native="<b>bold</b>")
    for url in ("/institutions", f"/institutions/{institution.id}"):
        page = client_as("applicant").get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; College" in page
        assert "<b>bold</b>" not in page


def test_only_admins_see_edit_and_history(client_as, make_institution):
    institution = make_institution()
    applicant_page = client_as("applicant").get(f"/institutions/{institution.id}").get_data(as_text=True)
    assert f"/institutions/{institution.id}/edit" not in applicant_page
    assert "History" not in applicant_page
    admin_page = client_as("admin").get(f"/institutions/{institution.id}").get_data(as_text=True)
    assert f"/institutions/{institution.id}/edit" in admin_page
    assert "History" in admin_page


def test_unknown_institution_is_404(client_as):
    assert client_as("applicant").get("/institutions/999999").status_code == 404


def _names(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_search_by_name_native_name_and_city_and_filters(client_as, make_institution):
    make_institution(name="Cairo University", name_native="جامعة القاهرة", city="Giza", country_code="EG")
    make_institution(
        name="Zhejiang Enterprise",
        kind=InstitutionKind.ENTERPRISE,
        country_code="CN",
        city="Hangzhou",
        partner_status=PartnerStatus.FORMER,
    )
    make_institution(name="Nairobi Workshop", kind=InstitutionKind.WORKSHOP_SITE, city="Nairobi")
    client = client_as("reviewer")

    page = _names(client.get("/institutions?q=cairo"))
    assert "Cairo University" in page and "Zhejiang" not in page
    page = _names(client.get("/institutions", query_string={"q": "القاهرة"}))
    assert "Cairo University" in page and "Nairobi Workshop" not in page
    page = _names(client.get("/institutions?q=HANGZHOU"))
    assert "Zhejiang Enterprise" in page and "Cairo" not in page
    page = _names(client.get("/institutions?kind=workshop_site"))
    assert "Nairobi Workshop" in page and "Cairo" not in page
    page = _names(client.get("/institutions?country=EG"))
    assert "Cairo University" in page and "Nairobi Workshop" not in page
    page = _names(client.get("/institutions?status=former"))
    assert "Zhejiang Enterprise" in page and "Cairo" not in page
    page = _names(client.get("/institutions?q=100%25"))
    assert "No institution matches." in page  # % is searched for literally, not as a wildcard


def test_bad_filter_is_refused(client_as):
    assert client_as("applicant").get("/institutions?kind=castle").status_code == 422


def test_pages_follow_each_other_and_keep_the_filters(client_as, make_institution):
    for n in range(27):
        make_institution(name=f"Paged Institute {n:02d}", city="Kigali", country_code="RW")
    client = client_as("applicant")
    first = _names(client.get("/institutions?country=RW"))
    assert "Paged Institute 00" in first and "Paged Institute 25" not in first
    assert 'href="/institutions?country=RW&amp;page=2"' in first
    second = _names(client.get("/institutions?country=RW&page=2"))
    assert (
        "Paged Institute 25" in second
        and "Paged Institute 26" in second
        and "Paged Institute 00" not in second
    )
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_list_query_count_does_not_grow_with_rows(client_as, make_institution, count_queries):
    client = client_as("applicant")
    client.get("/institutions")
    for n in range(3):
        make_institution(name=f"Counted {n}")
    with count_queries() as few:
        assert client.get("/institutions").status_code == 200
    for n in range(3, 25):
        make_institution(name=f"Counted {n}", country_code=["KE", "CN", "ET", "BR"][n % 4])
    with count_queries() as many:
        assert client.get("/institutions").status_code == 200
    assert many.count == few.count
    assert many.count <= 8
