"""Workshop factories and the shared context the access matrices use."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from talent.reference.models import InstitutionKind
from talent.workshops.models import (
    Cohort,
    CohortSession,
    Course,
    Enrolment,
    EnrolmentSource,
    EnrolmentStatus,
    SessionKind,
)

_codes = itertools.count(1)


@pytest.fixture
def make_course(db):
    def make(**kw):
        n = next(_codes)
        values = {
            "code": f"LW-{n:04d}",
            "title": f"Industrial robotics {n}",
            "titles": {"zh": f"工业机器人 {n}"},
            "field_code": "07",
            "isced_level": 5,
            "theory_hours": 40,
            "practice_hours": 120,
            "competencies": ["Operate a six-axis robot safely", "Program pick-and-place tasks"],
            "theory_weight": 30,
            "practical_weight": 70,
            "pass_mark": 60,
            "min_attendance_pct": 80,
        }
        values.update(kw)
        course = Course(**values)
        db.session.add(course)
        db.session.commit()
        return course

    return make


@pytest.fixture
def make_cohort(db, make_course, make_institution):
    def make(*, course=None, host=None, partner=None, capacity=20, sessions=4, **kw):
        today = date.today()
        host = host or make_institution(kind=InstitutionKind.WORKSHOP_SITE, country_code="KE")
        partner = partner or make_institution(kind=InstitutionKind.VOCATIONAL_COLLEGE, country_code="CN")
        values = {
            "course_id": (course or make_course()).id,
            "host_institution_id": host.id,
            "partner_institution_id": partner.id,
            "starts_on": today + timedelta(days=7),
            "ends_on": today + timedelta(days=60),
            "language": "en",
            "capacity": capacity,
            "enrolment_opens_on": today - timedelta(days=7),
            "enrolment_closes_on": today + timedelta(days=6),
            "instructors": ["Wang Jun"],
        }
        values.update(kw)
        cohort = Cohort(**values)
        db.session.add(cohort)
        db.session.flush()
        for i in range(sessions):
            db.session.add(
                CohortSession(
                    cohort_id=cohort.id,
                    held_on=cohort.starts_on + timedelta(days=7 * i),
                    title=f"Session {i + 1}",
                    kind=SessionKind.PRACTICE if i % 2 else SessionKind.THEORY,
                )
            )
        db.session.commit()
        return cohort

    return make


@pytest.fixture
def make_enrolment(db, make_person):
    def make(cohort, person=None, status=EnrolmentStatus.ENROLLED, waitlist_position=None, **kw):
        person = person or make_person()
        if status == EnrolmentStatus.WAITLISTED and waitlist_position is None:
            waitlist_position = 1
        enrolment = Enrolment(
            cohort_id=cohort.id,
            person_id=person.id,
            status=status,
            waitlist_position=waitlist_position,
            source=kw.pop("source", EnrolmentSource.STAFF),
            **kw,
        )
        db.session.add(enrolment)
        db.session.commit()
        return enrolment

    return make


@pytest.fixture
def workshop_ctx(db, users, make_user, make_person, make_cohort, make_enrolment):
    """A cohort hosted by `host_staff`'s institution; the `applicant` user is enrolled in it.

    `users["institution"]` belongs to another institution, so matrices expect 403 for that role.
    """
    host_staff = make_user("institution")
    cohort = make_cohort(host=host_staff.institution, capacity=2)
    trainee = make_person(user_id=users["applicant"].id, email=users["applicant"].email)
    enrolment = make_enrolment(cohort, trainee)
    make_enrolment(cohort)  # fills the second seat
    waitlisted = make_enrolment(cohort, status=EnrolmentStatus.WAITLISTED, waitlist_position=1)
    pending = make_enrolment(cohort, status=EnrolmentStatus.PENDING, source=EnrolmentSource.SELF)
    session = db.session.scalars(
        db.select(CohortSession).where(CohortSession.cohort_id == cohort.id).order_by(CohortSession.id)
    ).first()
    return {
        "cohort": cohort,
        "course": cohort.course,
        "session": session,
        "enrolment": enrolment,
        "waitlisted": waitlisted,
        "pending": pending,
        "trainee_user": users["applicant"],
        "host_staff": host_staff,
        "other_staff": users["institution"],
    }
