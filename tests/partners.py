"""Two partner institutions racing: a second app on the run's PostgreSQL test database (its own
connection pool, so requests and uploads commit for real at the same moment) and two cohorts of one
course, each with its partner's staff member and API token. What the race made is removed
afterwards: trainees' e-mail addresses must match race-trainee-%@example.org, and what staff did
is removed with them.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, or_, select

from talent.accounts.models import ApiToken, User, UserRole
from talent.core.audit import AuditEntry
from talent.core.models import Notification
from talent.core.permissions import Role
from talent.extensions import db
from talent.reference.models import Institution, InstitutionKind, Person
from talent.workshops.models import Cohort, Course, Enrolment
from tests import concurrency

ROUNDS = 5  # cohort capacity: enough for every round of a race
POOL = {"pool_size": 4, "max_overflow": 0, "pool_timeout": 60, "pool_pre_ping": True}


@pytest.fixture
def partners_app(app, tmp_path):
    with concurrency.postgres_app(
        app, tmp_path, why="SQLite serialises writers, so the race cannot happen there", engine_options=POOL
    ) as second:
        yield second


@pytest.fixture
def two_partners(partners_app):
    """Two cohorts of one course, each with its partner institution's staff member and API token."""
    today = date.today()
    with partners_app.app_context():
        host = Institution(name="Race Site", kind=InstitutionKind.WORKSHOP_SITE, country_code="KE")
        partners = [
            Institution(name=f"Race Partner {n}", kind=InstitutionKind.VOCATIONAL_COLLEGE, country_code="CN")
            for n in range(2)
        ]
        course = Course(code="RACE-EMAIL", title="Race course", theory_weight=30, practical_weight=70)
        db.session.add_all([host, *partners, course])
        db.session.flush()
        cohorts, staff, tokens = [], [], []
        for n, partner in enumerate(partners):
            cohorts.append(
                Cohort(
                    course_id=course.id,
                    host_institution_id=host.id,
                    partner_institution_id=partner.id,
                    starts_on=today + timedelta(days=7),
                    ends_on=today + timedelta(days=60),
                    language="en",
                    capacity=ROUNDS,
                    enrolment_opens_on=today - timedelta(days=1),
                    enrolment_closes_on=today + timedelta(days=6),
                )
            )
            user = User(email=f"race-staff-{n}@example.org", display_name=f"Race staff {n}")
            user.institution_id = partner.id
            user.set_password("correct horse battery")
            user.set_roles({Role.INSTITUTION})
            staff.append(user)
        db.session.add_all([*cohorts, *staff])
        db.session.flush()
        for user in staff:
            token, secret = ApiToken.issue(user, "race")
            db.session.add(token)
            tokens.append(secret)
        db.session.commit()
        ids = {
            "cohorts": [c.id for c in cohorts],
            "staff": [u.id for u in staff],
            "sessions": [u.get_id() for u in staff],
            "institutions": [host.id] + [p.id for p in partners],
            "course": course.id,
        }
        db.session.remove()
    yield ids, tokens
    with partners_app.app_context():
        person_ids = db.session.scalars(
            select(Enrolment.person_id).where(Enrolment.cohort_id.in_(ids["cohorts"]))
        )
        person_ids = sorted(
            set(person_ids) | set(db.session.scalars(select(Person.id).where(_race_emails())))
        )
        db.session.execute(
            delete(AuditEntry).where(
                or_(
                    AuditEntry.actor_id.in_(ids["staff"]),
                    (AuditEntry.object_type == "persons") & AuditEntry.object_id.in_(map(str, person_ids)),
                )
            )
        )
        db.session.execute(delete(Notification).where(Notification.user_id.in_(ids["staff"])))
        db.session.execute(delete(Enrolment).where(Enrolment.cohort_id.in_(ids["cohorts"])))
        db.session.execute(delete(Person).where(Person.id.in_(person_ids)))
        db.session.execute(delete(Cohort).where(Cohort.id.in_(ids["cohorts"])))
        db.session.execute(delete(Course).where(Course.id == ids["course"]))
        db.session.execute(delete(ApiToken).where(ApiToken.user_id.in_(ids["staff"])))
        db.session.execute(delete(UserRole).where(UserRole.user_id.in_(ids["staff"])))
        db.session.execute(delete(User).where(User.id.in_(ids["staff"])))
        db.session.execute(delete(Institution).where(Institution.id.in_(ids["institutions"])))
        db.session.commit()
        db.session.remove()


def _race_emails():
    return Person.email.like("race-trainee-%@example.org")
