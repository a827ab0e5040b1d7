"""Enrolment pages: staff enrol one trainee, requests to join, withdrawals and the waitlist."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from talent.core.audit import AuditEntry
from talent.core.models import Notification
from talent.reference.models import Person
from talent.workshops.models import CohortStatus, Enrolment, EnrolmentSource, EnrolmentStatus
from tests.access import Case, allowed

EVERYONE = {"applicant", "institution", "reviewer", "admin"}

# The lead's matrix runs these cases one after another on one shared cohort (see
# tests/workshops/conftest.py), before other pages' cases: no case here may change who holds
# which place. Posts that would are sent so that the rules answer "nothing to do" (302) or
# refuse the input (422) — either proves the role got past the access check.
ENROLMENT_MATRIX = [
    Case(
        "GET",
        "/cohorts/<int:cohort_id>/enrol",
        allowed({"admin"}),
        url=lambda c: f"/cohorts/{c['cohort'].id}/enrol",
    ),
    Case(
        "POST",
        "/cohorts/<int:cohort_id>/enrol",
        allowed({"admin"}, ok=422),  # nobody to enrol
        url=lambda c: f"/cohorts/{c['cohort'].id}/enrol",
        data={"person_id": "0"},
    ),
    Case(
        "GET",
        "/cohorts/<int:cohort_id>/requests",
        allowed({"admin"}),
        url=lambda c: f"/cohorts/{c['cohort'].id}/requests",
    ),
    Case(
        "POST",
        "/enrolments/<int:enrolment_id>/approve",
        allowed({"admin"}, ok=422),  # the trainee is enrolled already: there is no request to approve
        url=lambda c: f"/enrolments/{c['enrolment'].id}/approve",
    ),
    Case(
        "GET",
        "/enrolments/<int:enrolment_id>/withdraw",
        allowed({"applicant", "admin"}),  # the trainee themselves, and cohort managers
        url=lambda c: f"/enrolments/{c['enrolment'].id}/withdraw",
    ),
    Case(
        "POST",
        "/enrolments/<int:enrolment_id>/withdraw",
        allowed({"applicant", "admin"}, ok=422),  # a reason longer than allowed
        url=lambda c: f"/enrolments/{c['enrolment'].id}/withdraw",
        data={"reason": "x" * 501},
    ),
    Case(
        "GET",
        "/cohorts/<int:cohort_id>/waitlist",
        allowed({"admin"}),
        url=lambda c: f"/cohorts/{c['cohort'].id}/waitlist",
    ),
    Case(
        "POST",
        "/enrolments/<int:enrolment_id>/waitlist-position",
        allowed({"admin"}, ok=302),  # to the place it already holds
        url=lambda c: f"/enrolments/{c['waitlisted'].id}/waitlist-position",
        data={"position": "1"},
    ),
    Case(
        "GET",
        "/cohorts/<int:cohort_id>/join",
        allowed(EVERYONE),
        url=lambda c: f"/cohorts/{c['cohort'].id}/join",
    ),
    # The trainee is enrolled already; everyone else has no profile and is sent to make one.
    Case(
        "POST",
        "/cohorts/<int:cohort_id>/join",
        allowed(EVERYONE, ok=302),
        url=lambda c: f"/cohorts/{c['cohort'].id}/join",
    ),
]


# --- helpers -------------------------------------------------------------------------------


def field_error(response, field_id: str) -> str:
    page = response.get_data(as_text=True)
    found = re.findall(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', page, re.S)
    return html.unescape(" ".join(found))


def flashes(client) -> str:
    with client.session_transaction() as session:
        return " ".join(str(message) for _, message in session.get("_flashes", []))


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def staff(make_user, make_institution):
    return make_user("institution")


@pytest.fixture
def cohort(make_cohort, staff):
    return make_cohort(host=staff.institution, capacity=2)


@pytest.fixture
def staff_client(app, staff, login):
    client = app.test_client()
    login(client, staff)
    return client


def new_person_data(**overrides):
    data = {
        "new-name_latin": "Amina Wanjiru",
        "new-name_native": "",
        "new-email": "amina@example.org",
        "new-nationality_code": "KE",
        "new-born_on": "2001-04-12",
    }
    data.update(overrides)
    return data


# --- staff enrol one trainee ---------------------------------------------------------------


def test_staff_find_only_people_they_deal_with_and_anyone_by_exact_email(
    client, login, db, staff, cohort, make_cohort, make_person, make_enrolment, users
):
    affiliated = make_person(name_latin="Kofi Affiliated", affiliation_id=staff.institution_id)
    earlier = make_cohort(host=staff.institution)
    former = make_person(name_latin="Kofi Former")
    make_enrolment(earlier, former, status=EnrolmentStatus.COMPLETED)
    stranger = make_person(name_latin="Kofi Stranger", email="kofi.stranger@example.org")
    login(client, staff)

    page = page_text(client.get(f"/cohorts/{cohort.id}/enrol?q=kofi"))
    assert "Kofi Affiliated" in page and "Kofi Former" in page
    assert "Kofi Stranger" not in page

    page = page_text(client.get(f"/cohorts/{cohort.id}/enrol?q=KOFI.stranger@example.org"))
    assert "Kofi Stranger" in page and "Kofi Affiliated" not in page

    login(client, users["admin"])
    page = page_text(client.get(f"/cohorts/{cohort.id}/enrol?q=kofi"))
    assert all(p.name_latin in page for p in (affiliated, former, stranger))


def test_enrolling_someone_found_gives_a_seat_then_says_already_enrolled(
    staff_client, db, staff, cohort, make_person
):
    person = make_person(name_latin="Lindiwe Dube", affiliation_id=staff.institution_id)
    response = staff_client.post(f"/cohorts/{cohort.id}/enrol", data={"person_id": person.id, "q": "lindiwe"})
    assert response.status_code == 302 and "q=lindiwe" in response.location
    assert "Lindiwe Dube is enrolled." in flashes(staff_client)
    enrolment = db.session.scalars(select(Enrolment).where(Enrolment.person_id == person.id)).one()
    assert enrolment.status == EnrolmentStatus.ENROLLED and enrolment.source == EnrolmentSource.STAFF

    staff_client.post(f"/cohorts/{cohort.id}/enrol", data={"person_id": person.id})
    assert "Lindiwe Dube is already enrolled." in flashes(staff_client)
    assert count(db, Enrolment, Enrolment.person_id == person.id) == 1
    page = page_text(staff_client.get(f"/cohorts/{cohort.id}/enrol?q=lindiwe"))
    assert "enrolled" in page


def test_a_full_cohort_puts_the_trainee_on_the_waitlist_with_their_number(
    staff_client, db, staff, cohort, make_enrolment, make_person
):
    make_enrolment(cohort)
    make_enrolment(cohort)
    person = make_person(name_latin="Tendai Moyo", affiliation_id=staff.institution_id)
    staff_client.post(f"/cohorts/{cohort.id}/enrol", data={"person_id": person.id})
    assert "The cohort is full: Tendai Moyo is number 1 on the waitlist." in flashes(staff_client)


def test_staff_cannot_enrol_someone_they_may_not_see(staff_client, db, cohort, make_person):
    stranger = make_person(name_latin="Hidden Person", email="hidden@example.org")
    response = staff_client.post(
        f"/cohorts/{cohort.id}/enrol", data={"person_id": stranger.id, "q": "hidden"}
    )
    assert response.status_code == 422
    assert "Choose a person from the search results." in page_text(response)
    assert count(db, Enrolment, Enrolment.cohort_id == cohort.id) == 0
    # Knowing their exact address is enough.
    response = staff_client.post(
        f"/cohorts/{cohort.id}/enrol", data={"person_id": stranger.id, "q": "Hidden@Example.org"}
    )
    assert response.status_code == 302
    assert count(db, Enrolment, Enrolment.cohort_id == cohort.id) == 1


def test_a_new_trainee_is_created_once_and_enrolled(staff_client, db, staff, cohort):
    response = staff_client.post(
        f"/cohorts/{cohort.id}/enrol", data=new_person_data(**{"new-name_native": "阿米娜"})
    )
    assert response.status_code == 302
    assert "Amina Wanjiru is enrolled." in flashes(staff_client)
    person = db.session.scalars(select(Person).where(Person.email == "amina@example.org")).one()
    assert (person.name_native, person.nationality_code, person.born_on) == (
        "阿米娜",
        "KE",
        date(2001, 4, 12),
    )
    assert (
        count(db, AuditEntry, AuditEntry.action == "person.created", AuditEntry.object_id == str(person.id))
        == 1
    )

    # The same address again, written differently: the same person, enrolled once.
    response = staff_client.post(
        f"/cohorts/{cohort.id}/enrol",
        data=new_person_data(**{"new-email": " AMINA@example.org ", "new-name_latin": "Amina W."}),
    )
    assert response.status_code == 302
    messages = flashes(staff_client)
    assert "already on file: Amina Wanjiru" in messages and "Amina Wanjiru is already enrolled." in messages
    assert count(db, Person, func.lower(Person.email) == "amina@example.org") == 1
    assert count(db, Enrolment, Enrolment.cohort_id == cohort.id) == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"new-name_latin": ""}, "new-name_latin", "This field is required."),
        ({"new-name_latin": "王小明"}, "new-name_latin", "Latin letters"),
        ({"new-email": "not-an-address"}, "new-email", "Not a valid e-mail address."),
        ({"new-nationality_code": ""}, "new-nationality_code", "This field is required."),
        ({"new-nationality_code": "XX"}, "new-nationality_code", "Not a valid choice."),
        ({"new-born_on": "2001-13-40"}, "new-born_on", "Not a valid date value."),
        ({"new-born_on": (date.today() + timedelta(days=1)).isoformat()}, "new-born_on", "in the past"),
    ],
)
def test_bad_trainee_details_are_shown_next_to_the_field_and_nothing_is_written(
    staff_client, db, cohort, changes, field, message
):
    persons = count(db, Person)
    response = staff_client.post(f"/cohorts/{cohort.id}/enrol", data=new_person_data(**changes))
    assert response.status_code == 422
    assert message in field_error(response, field)
    assert count(db, Person) == persons
    assert count(db, Enrolment, Enrolment.cohort_id == cohort.id) == 0


def test_an_ended_cohort_refuses_and_the_new_person_is_not_kept(staff_client, db, staff, make_cohort):
    today = date.today()
    ended = make_cohort(
        host=staff.institution,
        starts_on=today - timedelta(days=30),
        ends_on=today - timedelta(days=1),
        enrolment_opens_on=today - timedelta(days=40),
        enrolment_closes_on=today - timedelta(days=31),
    )
    persons = count(db, Person)
    response = staff_client.post(f"/cohorts/{ended.id}/enrol", data=new_person_data())
    assert response.status_code == 422
    assert "This cohort has ended" in page_text(response)
    assert count(db, Person) == persons


def test_a_closed_cohort_offers_no_enrolment(staff_client, db, cohort):
    cohort.status = CohortStatus.CLOSED
    db.session.commit()
    page = page_text(staff_client.get(f"/cohorts/{cohort.id}/enrol"))
    assert "nobody can be enrolled any more" in page and "Add and enrol" not in page


def test_a_search_longer_than_allowed_is_refused(staff_client, cohort):
    response = staff_client.get(f"/cohorts/{cohort.id}/enrol?q=" + "a" * 300)
    assert response.status_code == 422
    assert field_error(response, "q")


# --- requests to join ----------------------------------------------------------------------


@pytest.fixture
def trainee(make_user, make_person):
    user = make_user("applicant")
    person = make_person(user_id=user.id, email=user.email, name_latin="Sipho Ndlovu")
    return user, person


def test_a_trainee_asks_to_join_and_comes_back_to_the_page_they_came_from(client, login, db, cohort, trainee):
    user, person = trainee
    login(client, user)
    assert "Ask to join" in page_text(client.get(f"/cohorts/{cohort.id}/join"))

    response = client.post(f"/cohorts/{cohort.id}/join", data={"next": f"/cohorts/{cohort.id}"})
    assert response.status_code == 302 and response.location.endswith(f"/cohorts/{cohort.id}")
    assert "Your request to join is sent." in flashes(client)
    enrolment = db.session.scalars(select(Enrolment).where(Enrolment.person_id == person.id)).one()
    assert enrolment.status == EnrolmentStatus.PENDING and enrolment.source == EnrolmentSource.SELF
    assert count(db, Notification, Notification.user_id == user.id) == 1

    client.post(f"/cohorts/{cohort.id}/join")
    assert "awaits approval" in flashes(client)
    assert "awaits approval" in page_text(client.get(f"/cohorts/{cohort.id}/join"))
    assert count(db, Enrolment, Enrolment.person_id == person.id) == 1


def test_a_request_never_returns_to_another_site(client, login, cohort, trainee):
    login(client, trainee[0])
    response = client.post(f"/cohorts/{cohort.id}/join", data={"next": "https://evil.example/"})
    assert response.location.endswith(f"/cohorts/{cohort.id}/join")


def test_outside_the_window_the_request_is_refused_with_the_dates(client, login, db, make_cohort, trainee):
    today = date.today()
    cohort = make_cohort(
        enrolment_opens_on=today + timedelta(days=2), enrolment_closes_on=today + timedelta(days=5)
    )
    login(client, trainee[0])
    assert "Requests to join open on" in page_text(client.get(f"/cohorts/{cohort.id}/join"))

    response = client.post(f"/cohorts/{cohort.id}/join")
    assert response.status_code == 422
    assert f"open from {cohort.enrolment_opens_on.isoformat()} to" in page_text(response)
    assert count(db, Enrolment, Enrolment.cohort_id == cohort.id) == 0


def test_someone_without_a_profile_is_sent_to_make_one(client, login, db, cohort, make_user):
    login(client, make_user("applicant"))
    assert "Create my profile" in page_text(client.get(f"/cohorts/{cohort.id}/join"))
    response = client.post(f"/cohorts/{cohort.id}/join")
    assert response.status_code == 302 and response.location.endswith("/profile")
    assert "Create your profile first" in flashes(client)
    assert count(db, Enrolment, Enrolment.cohort_id == cohort.id) == 0


def test_the_join_box_for_the_public_cohort_page(app, db, make_cohort, trainee, login):
    today = date.today()
    open_cohort = make_cohort()
    later = make_cohort(
        enrolment_opens_on=today + timedelta(days=3), enrolment_closes_on=today + timedelta(days=9)
    )
    source = '{% include "workshops/join_button.html" %}'
    with app.test_request_context(f"/cohorts/{open_cohort.id}"):
        box = render_template_string(source, cohort=open_cohort)
        assert "Log in to ask to join" in box
        assert "Requests to join open on" in render_template_string(source, cohort=later)
    client = app.test_client()
    login(client, trainee[0])
    with app.test_request_context(f"/cohorts/{open_cohort.id}"):
        from flask_login import login_user

        login_user(trainee[0])
        box = render_template_string(source, cohort=open_cohort)
        assert f'action="/cohorts/{open_cohort.id}/join"' in box
        assert f'name="next" value="/cohorts/{open_cohort.id}"' in box
