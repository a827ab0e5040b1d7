"""Cohort sessions: added one by one or from a weekly pattern, removed while no attendance exists."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from talent.core.audit import AuditEntry
from talent.core.errors import ValidationFailed
from talent.reference.models import InstitutionKind
from talent.workshops.models import Attendance, AttendanceStatus, CohortSession, SessionKind
from talent.workshops.operations import add_session, generate_sessions, remove_session

START = date(2031, 3, 3)  # a Monday
END = date(2031, 4, 25)


@pytest.fixture
def in_request(app, db):
    """Operations word their messages in the reader's language, which a request supplies."""
    with app.test_request_context():
        yield


@pytest.fixture
def site(make_institution):
    return make_institution(kind=InstitutionKind.WORKSHOP_SITE, country_code="KE")


@pytest.fixture
def host_staff(app, make_user, login, site):
    client = app.test_client()
    login(client, make_user("institution", institution=site))
    return client


def _sessions(db, cohort) -> list[CohortSession]:
    stmt = select(CohortSession).where(CohortSession.cohort_id == cohort.id).order_by(CohortSession.held_on)
    return list(db.session.scalars(stmt))


def _actions(db, cohort) -> list[str]:
    stmt = select(AuditEntry.action).where(
        AuditEntry.object_type == "cohorts", AuditEntry.object_id == str(cohort.id)
    )
    return list(db.session.scalars(stmt.order_by(AuditEntry.id)))


def _field_error(page: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page)
    assert found, f"no error shown at {field}"
    return found.group(1)


def test_add_session_within_the_cohort_and_refuse_dates_outside_it(db, in_request, make_cohort):
    cohort = make_cohort(sessions=0, starts_on=START, ends_on=END)
    session = add_session(cohort, START, "Robot safety", "theory", "2.5")
    assert (session.kind, session.hours) == (SessionKind.THEORY, Decimal("2.5"))
    assert _actions(db, cohort)[-1] == "cohort.session_added"

    with pytest.raises(ValidationFailed) as refused:
        add_session(cohort, date(2031, 5, 1), "Too late")
    assert refused.value.field == "held_on"
    assert "2031-05-01 is outside the cohort" in refused.value.message
    assert len(_sessions(db, cohort)) == 1


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((START - timedelta(days=1), "Too early"), "held_on"),
        ((START, ""), "title"),
        ((START, "x" * 201), "title"),
        ((START, "Robot safety"), "title"),  # already held that day
        ((START, "Lab", "lecture"), "kind"),
        ((START, "Lab", "practice", "0"), "hours"),
        ((START, "Lab", "practice", "25"), "hours"),
        ((START, "Lab", "practice", "2.25"), "hours"),
        ((START, "Lab", "practice", "four"), "hours"),
        (("03/04/2031", "Lab"), "held_on"),
    ],
)
def test_bad_session_input_is_refused_naming_the_field(db, in_request, make_cohort, args, field):
    cohort = make_cohort(sessions=0, starts_on=START, ends_on=END)
    add_session(cohort, START, "Robot safety")
    with pytest.raises(ValidationFailed) as refused:
        add_session(cohort, *args)
    assert refused.value.field == field
    assert len(_sessions(db, cohort)) == 1


def test_generate_sessions_from_a_weekly_pattern_skips_dates_already_present(db, in_request, make_cohort):
    cohort = make_cohort(sessions=0, starts_on=START, ends_on=END)
    add_session(cohort, date(2031, 3, 5), "Kick-off")  # a Wednesday
    made = generate_sessions(cohort, [0, 2], START, date(2031, 3, 16), "Robot lab", "practice", 4)
    assert [s.held_on for s in made] == [date(2031, 3, 3), date(2031, 3, 10), date(2031, 3, 12)]
    assert [s.title for s in made] == ["Robot lab 1", "Robot lab 2", "Robot lab 3"]
    assert generate_sessions(cohort, [0, 2], START, date(2031, 3, 16), "Robot lab") == []
    everything = generate_sessions(cohort, ["4"], title_prefix="Friday review")  # the cohort's dates
    assert [s.held_on.weekday() for s in everything] == [4] * 8
    assert _actions(db, cohort).count("cohort.sessions_generated") == 2


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"weekdays": []}, "weekdays", "at least one weekday"),
        ({"weekdays": [7]}, "weekdays", "from 0 to 6"),
        ({"start": date(2031, 3, 1)}, "start", "2031-03-01 is outside the cohort"),
        ({"end": date(2031, 4, 26)}, "end", "2031-04-26 is outside the cohort"),
        ({"start": date(2031, 4, 1), "end": date(2031, 3, 20)}, "end", "2031-04-01"),
        ({"title_prefix": ""}, "title_prefix", "required"),
        ({"hours": -1}, "hours", "more than 0"),
    ],
)
def test_bad_pattern_is_refused_and_nothing_is_made(db, in_request, make_cohort, kwargs, field, words):
    cohort = make_cohort(sessions=0, starts_on=START, ends_on=END)
    pattern = {"weekdays": [1, 3], "title_prefix": "Lab", **kwargs}
    with pytest.raises(ValidationFailed) as refused:
        generate_sessions(cohort, **pattern)
    assert refused.value.field == field and words in refused.value.message
    assert _sessions(db, cohort) == []


def test_more_than_400_sessions_at_once_are_refused(db, in_request, make_cohort):
    cohort = make_cohort(sessions=0, starts_on=date(2031, 1, 1), ends_on=date(2032, 6, 30))
    with pytest.raises(ValidationFailed) as refused:
        generate_sessions(cohort, range(7), title_prefix="Day")
    assert "547 sessions" in refused.value.message
    assert _sessions(db, cohort) == []
    assert len(generate_sessions(cohort, [0, 2, 4], title_prefix="Lab")) == 235


def test_remove_session_is_refused_once_attendance_exists(db, in_request, make_cohort, make_enrolment):
    cohort = make_cohort(sessions=2)
    first, second = _sessions(db, cohort)
    remove_session(first)
    assert _sessions(db, cohort) == [second]
    assert _actions(db, cohort)[-1] == "cohort.session_removed"

    enrolment = make_enrolment(cohort)
    db.session.add(
        Attendance(enrolment_id=enrolment.id, session_id=second.id, status=AttendanceStatus.PRESENT)
    )
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        remove_session(second)
    assert "has attendance recorded" in refused.value.message
    assert _sessions(db, cohort) == [second]


# --- the sessions page ---------------------------------------------------------------------


def test_sessions_page_adds_generates_and_removes(host_staff, db, make_cohort, site):
    cohort = make_cohort(host=site, sessions=0, starts_on=START, ends_on=END)
    url = f"/cohorts/{cohort.id}/sessions"
    assert "No sessions yet" in host_staff.get(url).get_data(as_text=True)

    response = host_staff.post(
        f"{url}/add",
        data={
            "add-held_on": "2031-03-04",
            "add-title": "Safety briefing",
            "add-kind": "theory",
            "add-hours": "2",
        },
    )
    assert response.status_code == 302
    response = host_staff.post(
        f"{url}/generate",
        data={
            "pattern-weekdays": ["0", "3"],
            "pattern-start": "2031-03-03",
            "pattern-end": "2031-03-14",
            "pattern-title_prefix": "Robot lab",
            "pattern-kind": "practice",
            "pattern-hours": "4",
        },
    )
    assert response.status_code == 302
    page = host_staff.get(url).get_data(as_text=True)
    assert "4 sessions added." in page  # the message after the pattern
    assert "5 sessions</h2>" in page and "Robot lab 4" in page and ">Safety briefing</th>" in page

    briefing = next(s for s in _sessions(db, cohort) if s.title == "Safety briefing")
    assert host_staff.post(f"{url}/{briefing.id}/remove").status_code == 302
    page = host_staff.get(url).get_data(as_text=True)
    assert ">Safety briefing</th>" not in page and "4 sessions</h2>" in page
    assert "cohort.session_removed" in page


def test_sessions_page_refuses_bad_input_with_422(host_staff, db, make_cohort, make_enrolment, site):
    cohort = make_cohort(host=site, sessions=1, starts_on=START, ends_on=END)
    url = f"/cohorts/{cohort.id}/sessions"
    response = host_staff.post(
        f"{url}/add",
        data={"add-held_on": "2031-06-01", "add-title": "Late lab", "add-kind": "practice", "add-hours": "4"},
    )
    assert response.status_code == 422
    assert "2031-06-01 is outside the cohort" in _field_error(response.get_data(as_text=True), "add-held_on")

    response = host_staff.post(f"{url}/generate", data={"pattern-title_prefix": "Lab", "pattern-hours": "4"})
    assert response.status_code == 422
    assert "choose at least one weekday" in _field_error(response.get_data(as_text=True), "pattern-weekdays")

    [session] = _sessions(db, cohort)
    enrolment = make_enrolment(cohort)
    db.session.add(
        Attendance(enrolment_id=enrolment.id, session_id=session.id, status=AttendanceStatus.ABSENT)
    )
    db.session.commit()
    page = host_staff.get(url).get_data(as_text=True)
    assert "Kept: attendance recorded" in page
    response = host_staff.post(f"{url}/{session.id}/remove")
    assert response.status_code == 422
    assert "has attendance recorded" in response.get_data(as_text=True)
    assert len(_sessions(db, cohort)) == 1


def test_a_session_of_another_cohort_is_not_found_here(host_staff, db, make_cohort, site):
    mine = make_cohort(host=site)
    [session] = _sessions(db, make_cohort(sessions=1))
    assert host_staff.post(f"/cohorts/{mine.id}/sessions/{session.id}/remove").status_code == 404


def test_sessions_page_query_count_does_not_grow_with_sessions(
    host_staff, db, make_cohort, make_enrolment, site, count_queries
):
    cohort = make_cohort(host=site, sessions=2)
    url = f"/cohorts/{cohort.id}/sessions"
    host_staff.get(url)
    with count_queries() as few:
        assert host_staff.get(url).status_code == 200
    enrolment = make_enrolment(cohort)
    for n in range(30):
        session = CohortSession(
            cohort_id=cohort.id, held_on=cohort.starts_on + timedelta(days=n), title=f"Extra {n}"
        )
        db.session.add(session)
        db.session.flush()
        db.session.add(
            Attendance(enrolment_id=enrolment.id, session_id=session.id, status=AttendanceStatus.PRESENT)
        )
    db.session.commit()
    with count_queries() as many:
        assert host_staff.get(url).status_code == 200
    assert many.count == few.count
