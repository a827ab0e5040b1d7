import json
from datetime import date

import pytest
from sqlalchemy import func, select, text

from talent.core.audit import REDACTED, AuditEntry
from talent.core.errors import ValidationFailed
from talent.reference.models import Gender, Person
from talent.reference.operations import save_profile

NATIVE_NAMES = ["王小明", "أحمد محمد", "አበበ ቢቂላ", "देवनागरी", "Ольга", "สมชาย"]
FORM = {
    "name_latin": "WANG Xiaoming",
    "name_native": "王小明",
    "born_on": "1999-03-14",
    "gender": "male",
    "nationality_code": "CN",
    "passport_number": "E12345678",
    "passport_expires_on": "2031-01-31",
    "isced_level": "6",
    "field_code": "06",
    "languages": "zh, en",
    "affiliation_id": "",
}


pytestmark = pytest.mark.usefixtures("in_request")


def _person(db, user):
    return db.session.scalar(select(Person).where(Person.user_id == user.id))


def test_save_profile_creates_the_record_once_and_encrypts_the_passport(db, make_user):
    user = make_user("applicant")
    person = save_profile(
        user,
        name_latin="ABEBE Bikila",
        name_native="አበበ ቢቂላ",
        born_on=date(1990, 8, 7),
        nationality_code="et",
        passport_number="ep 123-456",
        languages="am,EN,am",
        isced_level="7",
        field_code="06",
        gender="male",
    )
    assert person.user_id == user.id and person.email == user.email
    assert person.passport_number == "EP123456"
    assert (person.nationality_code, person.languages, person.isced_level) == ("ET", "am,en", 7)
    assert person.gender is Gender.MALE
    raw = db.session.execute(
        text("SELECT passport_number_encrypted FROM persons WHERE id = :id"), {"id": person.id}
    ).scalar_one()
    assert b"EP123456" not in bytes(raw)

    again = save_profile(user, name_latin="ABEBE Bikila", passport_number="")
    assert again.id == person.id
    assert again.passport_number == "EP123456"  # blank keeps the number on file
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.user_id == user.id)) == 1


def test_latin_names_may_carry_accents_and_punctuation(db, make_user):
    person = save_profile(make_user("applicant"), name_latin="José-María O'Brien Nguyễn Jr.")
    assert person.name_latin == "José-María O'Brien Nguyễn Jr."


def test_audit_entries_never_hold_the_passport_number(db, make_user):
    user = make_user("applicant")
    person = save_profile(user, name_latin="Test Person", passport_number="P9876543")
    save_profile(user, passport_number="P1111111")
    entries = list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "persons", AuditEntry.object_id == str(person.id))
            .order_by(AuditEntry.id)
        )
    )
    assert [e.action for e in entries] == ["person.created", "person.updated"]
    assert entries[1].changes == {"passport_number_encrypted": [REDACTED, REDACTED]}
    dumped = json.dumps([e.changes for e in entries])
    assert "P9876543" not in dumped and "P1111111" not in dumped


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name_latin": ""}, "name_latin"),
        ({"name_latin": "A" * 201}, "name_latin"),
        ({"name_latin": "Line\nbreak"}, "name_latin"),
        ({"name_latin": "王小明"}, "name_latin"),
        ({"name_latin": "Ahmed أحمد"}, "name_latin"),
        ({"name_native": "\u202eevil"}, "name_native"),
        ({"born_on": date(2999, 1, 1)}, "born_on"),
        ({"born_on": date(1899, 12, 31)}, "born_on"),
        ({"born_on": date(1990, 1, 1), "passport_expires_on": date(1989, 1, 1)}, "passport_expires_on"),
        ({"nationality_code": "ZZ"}, "nationality_code"),
        ({"passport_number": "12"}, "passport_number"),
        ({"passport_number": "AB<123>"}, "passport_number"),
        ({"languages": "en, klingon"}, "languages"),
        ({"languages": "xx"}, "languages"),
        ({"isced_level": "9"}, "isced_level"),
        ({"field_code": "42"}, "field_code"),
        ({"gender": "robot"}, "gender"),
        ({"affiliation_id": "999999"}, "affiliation_id"),
    ],
)
def test_bad_profile_values_are_refused(db, make_user, values, field):
    user = make_user("applicant")
    with pytest.raises(ValidationFailed) as refused:
        save_profile(user, **{"name_latin": "Valid Name", **values})
    assert refused.value.field == field
    assert _person(db, user) is None


@pytest.mark.parametrize("native", NATIVE_NAMES)
def test_native_names_are_kept_exactly_and_shown_with_auto_direction(client, db, make_user, login, native):
    user = make_user("applicant")
    login(client, user)
    response = client.post("/profile", data={**FORM, "name_native": native})
    assert response.status_code == 302
    assert _person(db, user).name_native == native
    page = client.get("/profile").get_data(as_text=True)
    assert f'<span dir="auto">{native}</span>' in page


def test_profile_page_shows_the_passport_masked_and_never_prefills_it(client, db, make_user, login):
    user = make_user("applicant")
    login(client, user)
    assert "You have no profile yet" in client.get("/profile").get_data(as_text=True)
    assert client.post("/profile", data=FORM).status_code == 302
    page = client.get("/profile").get_data(as_text=True)
    assert "E12345678" not in page
    assert "••••••678" in page
    assert "Leave blank to keep the number on file" in page
    assert 'value="WANG Xiaoming"' in page and 'value="zh, en"' in page

    changed = {**FORM, "passport_number": "", "name_latin": "WANG Xiao Ming"}
    assert client.post("/profile", data=changed).status_code == 302
    person = _person(db, user)
    assert (person.name_latin, person.passport_number) == ("WANG Xiao Ming", "E12345678")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"born_on": "2999-01-01"}, "Give a date of birth in the past, after 1900."),
        ({"born_on": "1850-01-01"}, "Give a date of birth in the past, after 1900."),
        (
            {"passport_expires_on": "1998-01-01"},
            "The passport expiry date must come after the date of birth.",
        ),
        ({"languages": "en, qq"}, "is not an ISO 639-1 language code"),
        ({"name_latin": "x" * 201}, "Field cannot be longer than 200 characters."),
        ({"nationality_code": "ZZ"}, "Not a valid choice."),
        ({"born_on": "31/02/1999"}, "Not a valid date value."),
    ],
)
def test_bad_profile_form_re_renders_and_changes_nothing(client, db, make_user, login, changes, message):
    user = make_user("applicant")
    login(client, user)
    response = client.post("/profile", data={**FORM, **changes})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _person(db, user) is None


def test_admin_sees_the_full_passport_number_and_the_history(client_as, make_person):
    person = make_person(passport_number="K7654321", name_native="أحمد")
    page = client_as("admin").get(f"/persons/{person.id}").get_data(as_text=True)
    assert "K7654321" in page
    assert '<span dir="auto">أحمد</span>' in page
    assert "History" in page


def test_institution_staff_see_their_affiliates_masked_and_no_one_else(
    client_as, users, make_person, make_institution
):
    own = make_person(affiliation_id=users["institution"].institution_id, passport_number="K7654321")
    other = make_person(affiliation_id=make_institution().id)
    staff = client_as("institution")
    page = staff.get(f"/persons/{own.id}").get_data(as_text=True)
    assert "K7654321" not in page and "•••••321" in page
    assert "History" not in page
    assert staff.get(f"/persons/{other.id}").status_code == 403

    listing = staff.get("/persons").get_data(as_text=True)
    assert own.name_latin in listing and other.name_latin not in listing


def test_an_applicant_cannot_see_another_persons_page(client_as, users, make_person, make_user):
    someone = make_person(user_id=make_user("applicant").id, passport_number="K7654321")
    assert client_as("applicant").get(f"/persons/{someone.id}").status_code == 403
    mine = make_person(user_id=users["applicant"].id, passport_number="M1234567")
    page = client_as("applicant").get(f"/persons/{mine.id}").get_data(as_text=True)
    assert "M1234567" not in page and "•••••567" in page


def test_admin_searches_people_by_name(client_as, make_person):
    make_person(name_latin="Amina Okafor", name_native="Amina")
    make_person(name_latin="Li Wei", name_native="李伟")
    admin = client_as("admin")
    page = admin.get("/persons?q=okafor").get_data(as_text=True)
    assert "Amina Okafor" in page and "Li Wei" not in page
    page = admin.get("/persons", query_string={"q": "李"}).get_data(as_text=True)
    assert "Li Wei" in page and "Amina Okafor" not in page


def test_people_list_query_count_does_not_grow_with_rows(
    client_as, make_person, make_institution, count_queries
):
    admin = client_as("admin")
    admin.get("/persons")
    make_person(affiliation_id=make_institution().id)
    with count_queries() as few:
        assert admin.get("/persons").status_code == 200
    for n in range(30):
        make_person(affiliation_id=make_institution().id, nationality_code=["KE", "CN", "BR"][n % 3])
    with count_queries() as many:
        page = admin.get("/persons")
        assert page.status_code == 200
    assert 'rel="next"' in page.get_data(as_text=True)
    assert many.count == few.count
