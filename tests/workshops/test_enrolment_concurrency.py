"""Capacity under load: many enrolment requests at the same moment never overfill a cohort.

The requests race as tests/concurrency.py runs them (a thread, app context and connection each);
the data they race for is removed afterwards on PostgreSQL.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, or_, select

from talent.accounts.models import User, UserRole
from talent.core.audit import AuditEntry
from talent.core.models import Notification
from talent.core.permissions import Role
from talent.extensions import db
from talent.reference.models import Institution, InstitutionKind, Person
from talent.workshops.models import Cohort, CohortSession, Course, Enrolment, EnrolmentStatus
from tests import concurrency
from tests.concurrency import at_once

WAITLIST_NUMBER = re.compile(r"number (\d+) on the waitlist")
# Real connections that contend for the cohort's lock at once; the other requests queue for a
# connection as they would behind a production pool. The server allows 100 in all.
POSTGRES_POOL = {"pool_size": 40, "max_overflow": 0, "pool_timeout": 120, "pool_pre_ping": True}


@dataclass
class Scenario:
    admin_id: int
    admin_session_id: str  # what the session cookie holds for a logged-in administrator
    cohort_id: int
    course_id: int
    institution_ids: list[int]
    person_ids: list[int]


def _set_up(app, *, capacity: int, people: int, tag: str) -> Scenario:
    """A course, one cohort with `capacity` seats, an administrator and `people` persons, committed."""
    with app.app_context():
        today = date.today()
        host = Institution(name=f"Load Site {tag}", kind=InstitutionKind.WORKSHOP_SITE, country_code="KE")
        partner = Institution(
            name=f"Load Partner {tag}", kind=InstitutionKind.VOCATIONAL_COLLEGE, country_code="CN"
        )
        course = Course(code=f"LOAD-{tag}", title="Load test course", theory_weight=30, practical_weight=70)
        admin = User(email=f"load-admin-{tag.lower()}@example.org", display_name="Load admin")
        admin.set_password("correct horse battery")
        admin.set_roles({Role.ADMIN})
        db.session.add_all([host, partner, course, admin])
        db.session.flush()
        cohort = Cohort(
            course_id=course.id,
            host_institution_id=host.id,
            partner_institution_id=partner.id,
            starts_on=today + timedelta(days=7),
            ends_on=today + timedelta(days=60),
            language="en",
            capacity=capacity,
            enrolment_opens_on=today - timedelta(days=1),
            enrolment_closes_on=today + timedelta(days=6),
        )
        persons = [Person(name_latin=f"Load Person {tag} {n}", nationality_code="ET") for n in range(people)]
        db.session.add(cohort)
        db.session.add_all(persons)
        db.session.commit()
        scenario = Scenario(
            admin_id=admin.id,
            admin_session_id=admin.get_id(),
            cohort_id=cohort.id,
            course_id=course.id,
            institution_ids=[host.id, partner.id],
            person_ids=[p.id for p in persons],
        )
        db.session.remove()
        return scenario


def _tear_down(app, scenario: Scenario) -> None:
    """Remove every row the scenario and its requests made, their audit entries included."""
    with app.app_context():
        enrolment_ids = db.session.scalars(
            select(Enrolment.id).where(Enrolment.cohort_id == scenario.cohort_id)
        ).all()
        # A bulk delete: the audit log refuses to lose entries one object at a time, by design;
        # these describe test data that is going away with them.
        db.session.execute(
            delete(AuditEntry).where(
                or_(
                    AuditEntry.actor_id == scenario.admin_id,
                    (AuditEntry.object_type == "enrolments")
                    & AuditEntry.object_id.in_([str(i) for i in enrolment_ids]),
                )
            )
        )
        db.session.execute(delete(Notification).where(Notification.user_id == scenario.admin_id))
        db.session.execute(delete(Enrolment).where(Enrolment.cohort_id == scenario.cohort_id))
        db.session.execute(delete(CohortSession).where(CohortSession.cohort_id == scenario.cohort_id))
        db.session.execute(delete(Cohort).where(Cohort.id == scenario.cohort_id))
        db.session.execute(delete(Person).where(Person.id.in_(scenario.person_ids)))
        db.session.execute(delete(Course).where(Course.id == scenario.course_id))
        db.session.execute(delete(UserRole).where(UserRole.user_id == scenario.admin_id))
        db.session.execute(delete(User).where(User.id == scenario.admin_id))
        db.session.execute(delete(Institution).where(Institution.id.in_(scenario.institution_ids)))
        db.session.commit()
        db.session.remove()


@dataclass
class Answer:
    person_id: int
    status: int | None = None
    message: str = ""
    error: BaseException | None = None


def _enrol_at_once(app, scenario: Scenario, person_ids: list[int]) -> list[Answer]:
    """One thread per request; all of them wait at a barrier and post together."""
    answers = [Answer(person_id) for person_id in person_ids]

    def enrol(answer: Answer):
        def send(client) -> None:
            response = client.post(
                f"/cohorts/{scenario.cohort_id}/enrol", data={"person_id": str(answer.person_id)}
            )
            answer.status = response.status_code
            with client.session_transaction() as session:
                answer.message = " ".join(str(m) for _, m in session.get("_flashes", []))

        return scenario.admin_session_id, send

    outcomes = at_once(app, [enrol(answer) for answer in answers], timeout=300)
    for answer, outcome in zip(answers, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            answer.error = outcome
    return answers


def _enrolments(app, cohort_id: int) -> list[tuple[int, EnrolmentStatus, int | None]]:
    """(person id, status, waitlist position) in the order the rows were written, under the lock."""
    with app.app_context():
        rows = db.session.execute(
            select(Enrolment.person_id, Enrolment.status, Enrolment.waitlist_position)
            .where(Enrolment.cohort_id == cohort_id)
            .order_by(Enrolment.id)
        ).all()
        db.session.remove()
        return [tuple(row) for row in rows]


def _assert_seats_then_an_ordered_waitlist(app, scenario: Scenario, answers: list[Answer], seats: int):
    failures = [f"person {a.person_id}: {a.error!r}" for a in answers if a.error is not None]
    failures += [
        f"person {a.person_id}: HTTP {a.status}" for a in answers if a.error is None and a.status != 302
    ]
    assert not failures, "\n".join(failures)

    rows = _enrolments(app, scenario.cohort_id)
    waiting = len(answers) - seats
    assert len(rows) == len(answers)
    # Each request inserted its row while it held the cohort's lock, so the row order is the
    # order in which the requests took the lock: the first `seats` got a seat, the rest queued.
    assert [status for _, status, _ in rows] == [EnrolmentStatus.ENROLLED] * seats + [
        EnrolmentStatus.WAITLISTED
    ] * waiting
    assert [position for _, _, position in rows[seats:]] == list(range(1, waiting + 1))
    assert all(position is None for _, _, position in rows[:seats])

    # What each requester was told matches what was written.
    told = {a.person_id: a.message for a in answers}
    for person_id, status, position in rows:
        if status == EnrolmentStatus.ENROLLED:
            assert "is enrolled." in told[person_id]
        else:
            assert WAITLIST_NUMBER.search(told[person_id]).group(1) == str(position)


# --- PostgreSQL ----------------------------------------------------------------------------


@pytest.fixture
def postgres_app(app, tmp_path):
    with concurrency.postgres_app(
        app, tmp_path, why="the concurrency figure needs PostgreSQL", engine_options=POSTGRES_POOL
    ) as second:
        yield second


@pytest.fixture
def postgres_scenario(postgres_app, request):
    made = []

    def make(**kw):
        scenario = _set_up(postgres_app, tag=f"{request.node.name[-20:]}{len(made)}", **kw)
        made.append(scenario)
        return scenario

    yield make
    for scenario in made:
        _tear_down(postgres_app, scenario)


def test_postgres_100_requests_for_20_seats(postgres_app, postgres_scenario):
    scenario = postgres_scenario(capacity=20, people=100)
    started = time.perf_counter()
    answers = _enrol_at_once(postgres_app, scenario, scenario.person_ids)
    elapsed = time.perf_counter() - started
    _assert_seats_then_an_ordered_waitlist(postgres_app, scenario, answers, seats=20)
    print(f"\n100 simultaneous enrolment requests for 20 seats: 20 enrolled, 80 waitlisted, {elapsed:.2f} s")


def test_postgres_the_same_person_asked_for_at_once_is_enrolled_once(postgres_app, postgres_scenario):
    scenario = postgres_scenario(capacity=5, people=1)
    answers = _enrol_at_once(postgres_app, scenario, scenario.person_ids * 20)
    assert [a.error for a in answers if a.error] == []
    assert {a.status for a in answers} == {302}
    assert len(_enrolments(postgres_app, scenario.cohort_id)) == 1
    assert sum("is enrolled." in a.message for a in answers) == 1
    assert sum("already enrolled" in a.message for a in answers) == 19


# --- SQLite --------------------------------------------------------------------------------


@pytest.fixture
def sqlite_app(tmp_path):
    with concurrency.sqlite_app(tmp_path, "concurrency.sqlite3") as fresh:
        yield fresh


def test_sqlite_30_requests_for_5_seats(sqlite_app):
    scenario = _set_up(sqlite_app, capacity=5, people=30, tag="SQLITE")
    answers = _enrol_at_once(sqlite_app, scenario, scenario.person_ids)
    _assert_seats_then_an_ordered_waitlist(sqlite_app, scenario, answers, seats=5)


def test_sqlite_the_same_person_asked_for_at_once_is_enrolled_once(sqlite_app):
    scenario = _set_up(sqlite_app, capacity=5, people=1, tag="SQLITE-SAME")
    answers = _enrol_at_once(sqlite_app, scenario, scenario.person_ids * 10)
    assert [a.error for a in answers if a.error] == []
    assert {a.status for a in answers} == {302}
    assert len(_enrolments(sqlite_app, scenario.cohort_id)) == 1
    assert sum("is enrolled." in a.message for a in answers) == 1
    assert sum("already enrolled" in a.message for a in answers) == 9
