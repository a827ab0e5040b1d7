"""Cohorts: the rules on their facts, who may set them up, and the forms that do it."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from talent.core.audit import AuditEntry
from talent.core.errors import IllegalTransition, ValidationFailed
from talent.reference.models import InstitutionKind
from talent.workshops.models import Cohort, CohortSession, CohortStatus, EnrolmentStatus
from talent.workshops.operations import (
    add_session,
    create_cohort,
    generate_sessions,
    remove_session,
    update_cohort,
)

START = date(2031, 3, 3)  # a Monday
END = date(2031, 4, 25)


@pytest.fixture
def in_request(app, db):
    """Operations word their messages in the reader's language, which a request supplies."""
    with app.test_request_context():
        yield


@pytest.fixture
def site(make_institution):
    return make_institution(
        name="Nairobi Luban Workshop", kind=InstitutionKind.WORKSHOP_SITE, country_code="KE"
    )


@pytest.fixture
def partner(make_institution):
    return make_institution(
        name="Tianjin Light Industry Vocational College",
        kind=InstitutionKind.VOCATIONAL_COLLEGE,
        country_code="CN",
    )


@pytest.fixture
def values(make_course, site, partner):
    return {
        "course_id": make_course().id,
        "host_institution_id": site.id,
        "partner_institution_id": partner.id,
        "starts_on": START,
        "ends_on": END,
        "language": "EN",
        "capacity": 24,
        "enrolment_opens_on": date(2031, 1, 10),
        "enrolment_closes_on": date(2031, 3, 10),
        "instructors": "Wang Jun\n\n  Amina Otieno \n",
    }


def _cohorts(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Cohort))


def _sessions(db, cohort) -> list[CohortSession]:
    stmt = select(CohortSession).where(CohortSession.cohort_id == cohort.id).order_by(CohortSession.held_on)
    return list(db.session.scalars(stmt))


def _actions(db, cohort) -> list[str]:
    stmt = select(AuditEntry.action).where(
        AuditEntry.object_type == "cohorts", AuditEntry.object_id == str(cohort.id)
    )
    return list(db.session.scalars(stmt.order_by(AuditEntry.id)))


def test_create_cohort_keeps_the_facts_and_records_it(db, in_request, values):
    cohort = create_cohort(**values)
    assert (cohort.language, cohort.instructors) == ("en", ["Wang Jun", "Amina Otieno"])
    assert cohort.status is CohortStatus.OPEN
    assert _actions(db, cohort) == ["cohort.created"]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"course_id": 999_999}, "course_id", "unknown course"),
        ({"course_id": "robotics"}, "course_id", "unknown course"),
        ({"host_institution_id": 999_999}, "host_institution_id", "unknown institution"),
        ({"host_institution_id": "gov"}, "host_institution_id", "workshop site"),
        ({"partner_institution_id": "kenyan"}, "partner_institution_id", "in China"),
        ({"partner_institution_id": "host"}, "partner_institution_id", "another institution"),
        ({"ends_on": date(2031, 3, 2)}, "ends_on", "2031-03-03"),
        ({"enrolment_closes_on": date(2031, 4, 26)}, "enrolment_closes_on", "2031-04-25"),
        ({"enrolment_opens_on": date(2031, 3, 11)}, "enrolment_opens_on", "2031-03-10"),
        ({"starts_on": "2031-13-01"}, "starts_on", "YYYY-MM-DD"),
        ({"starts_on": None}, "starts_on", "required"),
        ({"language": "xx"}, "language", "ISO 639-1"),
        ({"language": "eng"}, "language", "ISO 639-1"),
        ({"language": ""}, "language", "required"),
        ({"capacity": 0}, "capacity", "from 1 to 10000"),
        ({"capacity": 10_001}, "capacity", "from 1 to 10000"),
        ({"capacity": "twenty"}, "capacity", "whole number"),
        ({"instructors": [f"Instructor {n}" for n in range(21)]}, "instructors", "at most 20"),
        ({"instructors": ["x" * 121]}, "instructors", "at most 120 characters"),
    ],
)
def test_bad_cohort_input_is_refused_naming_the_field(
    db, in_request, values, make_institution, partner, changes, field, words
):
    others = {
        "gov": make_institution(kind=InstitutionKind.GOVERNMENT).id,
        "kenyan": make_institution(kind=InstitutionKind.VOCATIONAL_COLLEGE, country_code="KE").id,
    }
    if changes.get("partner_institution_id") == "host":
        changes = {"host_institution_id": partner.id, "partner_institution_id": partner.id}
    changes = {
        key: others.get(value, value) if isinstance(value, str) else value for key, value in changes.items()
    }
    before = _cohorts(db)
    with pytest.raises(ValidationFailed) as refused:
        create_cohort(**{**values, **changes})
    assert refused.value.field == field
    assert words in refused.value.message
    assert _cohorts(db) == before


def test_staff_create_cohorts_only_for_their_own_institution(
    db, in_request, values, make_user, site, partner
):
    stranger = make_user("institution")
    with pytest.raises(ValidationFailed) as refused:
        create_cohort(**values, actor=stranger)
    assert refused.value.field == "host_institution_id"
    assert create_cohort(**values, actor=make_user("institution", institution=site)).id
    assert create_cohort(**values, actor=make_user("institution", institution=partner)).id
    assert create_cohort(**values, actor=make_user("admin")).id


def test_capacity_cannot_drop_below_the_seats_taken_and_more_seats_promote_the_waitlist(
    db, in_request, make_cohort, make_enrolment
):
    cohort = make_cohort(capacity=3)
    for _ in range(3):
        make_enrolment(cohort)
    waiting = make_enrolment(cohort, status=EnrolmentStatus.WAITLISTED, waitlist_position=1)
    with pytest.raises(ValidationFailed) as refused:
        update_cohort(cohort, capacity=2)
    assert refused.value.field == "capacity"
    assert "3 trainees hold a seat already" in refused.value.message

    update_cohort(cohort, capacity=4)
    db.session.refresh(waiting)
    assert waiting.status is EnrolmentStatus.ENROLLED
    assert _actions(db, cohort)[-1] == "cohort.updated"


def test_dates_cannot_leave_sessions_outside_and_the_course_stays_once_trainees_enrolled(
    db, in_request, make_cohort, make_course, make_enrolment
):
    cohort = make_cohort(sessions=3)
    last = _sessions(db, cohort)[-1].held_on
    with pytest.raises(ValidationFailed) as refused:
        update_cohort(cohort, ends_on=last - timedelta(days=1), enrolment_closes_on=cohort.starts_on)
    assert refused.value.field == "ends_on"
    assert last.isoformat() in refused.value.message

    update_cohort(cohort, course_id=make_course().id)  # nobody enrolled yet
    make_enrolment(cohort)
    with pytest.raises(ValidationFailed) as refused:
        update_cohort(cohort, course_id=make_course().id)
    assert refused.value.field == "course_id"


def test_a_closed_cohort_can_no_longer_change(db, in_request, make_cohort):
    cohort = make_cohort(sessions=1)
    cohort.close()
    db.session.commit()
    with pytest.raises(IllegalTransition):
        update_cohort(cohort, capacity=50)
    with pytest.raises(IllegalTransition):
        add_session(cohort, cohort.starts_on, "Extra lab")
    with pytest.raises(IllegalTransition):
        remove_session(_sessions(db, cohort)[0])
    with pytest.raises(IllegalTransition):
        generate_sessions(cohort, [0, 1, 2])


# --- pages ---------------------------------------------------------------------------------


@pytest.fixture
def host_staff(app, make_user, login, site):
    client = app.test_client()
    login(client, make_user("institution", institution=site))
    return client


def form(values, **changes) -> dict:
    data = {
        key: value.isoformat() if isinstance(value, date) else str(value) for key, value in values.items()
    }
    data["language"] = "en"
    data.update(changes)
    return data


def _field_error(page: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page)
    assert found, f"no error shown at {field}"
    return found.group(1)


def test_host_staff_create_a_cohort_and_go_on_to_its_sessions(host_staff, db, values, site):
    page = host_staff.get(f"/cohorts/new?course_id={values['course_id']}").get_data(as_text=True)
    assert f'<option selected value="{site.id}">' in page  # their own site is proposed as host
    response = host_staff.post("/cohorts/new", data=form(values))
    assert response.status_code == 302
    cohort = db.session.scalar(select(Cohort).order_by(Cohort.id.desc()))
    assert response.headers["Location"].endswith(f"/cohorts/{cohort.id}/sessions")
    assert cohort.instructors == ["Wang Jun", "Amina Otieno"]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"course_id": "999999"}, "course_id", "Course: unknown course."),
        ({"ends_on": "2031-03-01"}, "ends_on", "End date: the cohort cannot end before it starts"),
        ({"ends_on": "31/12/2031"}, "ends_on", "Not a valid date value."),
        ({"enrolment_closes_on": "2031-05-01"}, "enrolment_closes_on", "on or before the cohort ends"),
        ({"enrolment_opens_on": "2031-03-11"}, "enrolment_opens_on", "on or before it closes"),
        ({"language": "zz"}, "language", "Language of instruction: “zz” is not an ISO 639-1"),
        ({"capacity": "0"}, "capacity", "Capacity: give a whole number from 1 to 10000."),
        ({"partner_institution_id": ""}, "partner_institution_id", "This field is required."),
        ({"host_institution_id": "abc"}, "host_institution_id", "Host site: unknown institution."),
    ],
)
def test_bad_cohort_form_input_is_shown_at_its_field_and_nothing_is_written(
    host_staff, db, values, changes, field, words
):
    before = _cohorts(db)
    response = host_staff.post("/cohorts/new", data=form(values, **changes))
    assert response.status_code == 422
    assert words in _field_error(response.get_data(as_text=True), field)
    assert _cohorts(db) == before


def test_staff_cannot_create_a_cohort_for_other_institutions(app, db, values, make_user, login):
    client = app.test_client()
    login(client, make_user("institution"))
    response = client.post("/cohorts/new", data=form(values))
    assert response.status_code == 422
    assert "your institution must be the host site or the partner" in _field_error(
        response.get_data(as_text=True), "host_institution_id"
    )
    assert _cohorts(db) == 0


def test_staff_edit_their_cohort_and_see_its_history(host_staff, db, make_cohort, site):
    cohort = make_cohort(host=site)
    page = host_staff.get(f"/cohorts/{cohort.id}/edit").get_data(as_text=True)
    assert "Wang Jun</textarea>" in page
    data = form(
        {key: getattr(cohort, key) for key in ("course_id", "host_institution_id", "partner_institution_id")},
        starts_on=cohort.starts_on.isoformat(),
        ends_on=cohort.ends_on.isoformat(),
        enrolment_opens_on=cohort.enrolment_opens_on.isoformat(),
        enrolment_closes_on=cohort.enrolment_closes_on.isoformat(),
        capacity="30",
        instructors="Wang Jun\nLi Na",
    )
    response = host_staff.post(f"/cohorts/{cohort.id}/edit", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cohorts/{cohort.id}")
    db.session.refresh(cohort)
    assert (cohort.capacity, cohort.instructors) == (30, ["Wang Jun", "Li Na"])
    assert "cohort.updated" in host_staff.get(f"/cohorts/{cohort.id}/edit").get_data(as_text=True)


def test_a_closed_cohort_shows_why_it_cannot_be_edited(host_staff, db, make_cohort, site):
    cohort = make_cohort(host=site, status=CohortStatus.CLOSED)
    page = host_staff.get(f"/cohorts/{cohort.id}/edit").get_data(as_text=True)
    assert "This cohort is closed" in page and '<form method="post" novalidate>' not in page
    response = host_staff.post(f"/cohorts/{cohort.id}/edit", data={"capacity": "99"})
    assert response.status_code in (409, 422)
    db.session.refresh(cohort)
    assert cohort.capacity == 20
