"""Two administrators accepting the last place at the same moment: one succeeds, one is refused.

The requests race as tests/concurrency.py runs them (a thread, app context and connection each);
the data they race for is removed afterwards on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from talent.accounts.models import User, UserRole
from talent.core.audit import AuditEntry
from talent.core.db import utcnow
from talent.core.permissions import Role
from talent.extensions import db
from talent.programmes.models import Application, ApplicationStatus, Call, Programme, ProgrammeKind
from talent.reference.models import Person
from tests import concurrency
from tests.concurrency import at_once


@dataclass
class Scenario:
    admin_ids: list[int]
    admin_session_ids: list[str]
    programme_id: int
    call_id: int
    application_ids: list[int]
    person_ids: list[int]


def _set_up(app, tag: str, *, applicants: int = 2) -> Scenario:
    with app.app_context():
        now = utcnow()
        programme = Programme(kind=ProgrammeKind.SCHOLARSHIP, name=f"Race programme {tag}", names={})
        admins = []
        for n in range(applicants):
            admin = User(email=f"race-admin-{n}-{tag.lower()}@example.org", display_name=f"Race admin {n}")
            admin.set_password("correct horse battery")
            admin.set_roles({Role.ADMIN})
            admins.append(admin)
        db.session.add_all([programme, *admins])
        db.session.flush()
        call = Call(
            programme_id=programme.id,
            title=f"Race call {tag}",
            titles={},
            opens_at=now - timedelta(days=30),
            closes_at=now - timedelta(days=1),
            quota_total=1,
            country_quotas={},
            rubric=[],
        )
        persons = [
            Person(name_latin=f"Race Person {tag} {n}", nationality_code="ET") for n in range(applicants)
        ]
        db.session.add(call)
        db.session.add_all(persons)
        db.session.flush()
        applications = [
            Application(
                call_id=call.id,
                person_id=p.id,
                status=ApplicationStatus.UNDER_REVIEW,
                country_code="ET",
                submitted_at=now - timedelta(days=2),
            )
            for p in persons
        ]
        db.session.add_all(applications)
        db.session.commit()
        scenario = Scenario(
            admin_ids=[a.id for a in admins],
            admin_session_ids=[a.get_id() for a in admins],
            programme_id=programme.id,
            call_id=call.id,
            application_ids=[a.id for a in applications],
            person_ids=[p.id for p in persons],
        )
        db.session.remove()
        return scenario


def _tear_down(app, scenario: Scenario) -> None:
    with app.app_context():
        # A bulk delete: the audit log refuses to lose entries one by one, by design; these
        # describe test data that is going away with them.
        db.session.execute(delete(AuditEntry).where(AuditEntry.actor_id.in_(scenario.admin_ids)))
        db.session.execute(delete(Application).where(Application.call_id == scenario.call_id))
        db.session.execute(delete(Call).where(Call.id == scenario.call_id))
        db.session.execute(delete(Programme).where(Programme.id == scenario.programme_id))
        db.session.execute(delete(Person).where(Person.id.in_(scenario.person_ids)))
        db.session.execute(delete(UserRole).where(UserRole.user_id.in_(scenario.admin_ids)))
        db.session.execute(delete(User).where(User.id.in_(scenario.admin_ids)))
        db.session.commit()
        db.session.remove()


def _accept_at_once(app, scenario: Scenario) -> list[int | BaseException]:
    """Each administrator accepts a different application for the one place, at the same moment."""

    def accept(index: int):
        def send(client) -> int:
            return client.post(
                f"/admin/applications/{scenario.application_ids[index]}/decision",
                data={"decision": "accepted"},
            ).status_code

        return scenario.admin_session_ids[index], send

    return at_once(app, [accept(i) for i in range(len(scenario.application_ids))], timeout=120)


def _statuses(app, scenario: Scenario) -> list[ApplicationStatus]:
    with app.app_context():
        rows = db.session.scalars(
            select(Application.status).where(Application.call_id == scenario.call_id).order_by(Application.id)
        ).all()
        db.session.remove()
        return list(rows)


def _assert_one_place_given(app, scenario: Scenario, answers) -> None:
    assert all(isinstance(a, int) for a in answers), answers
    assert sorted(answers) == [302] + [409] * (len(answers) - 1)
    statuses = _statuses(app, scenario)
    assert statuses.count(ApplicationStatus.ACCEPTED) == 1
    assert statuses.count(ApplicationStatus.UNDER_REVIEW) == len(answers) - 1


@pytest.fixture
def postgres_app(app, tmp_path):
    with concurrency.postgres_app(
        app, tmp_path, why="the row lock is tested on PostgreSQL", engine_options={"pool_size": 10}
    ) as second:
        yield second


def test_postgres_two_admins_accepting_the_last_place(postgres_app):
    scenario = _set_up(postgres_app, "PG2")
    try:
        _assert_one_place_given(postgres_app, scenario, _accept_at_once(postgres_app, scenario))
    finally:
        _tear_down(postgres_app, scenario)


def test_postgres_eight_admins_accepting_the_last_place(postgres_app):
    scenario = _set_up(postgres_app, "PG8", applicants=8)
    try:
        _assert_one_place_given(postgres_app, scenario, _accept_at_once(postgres_app, scenario))
    finally:
        _tear_down(postgres_app, scenario)


@pytest.fixture
def sqlite_app(tmp_path):
    with concurrency.sqlite_app(tmp_path, "decisions.sqlite3") as fresh:
        yield fresh


def test_sqlite_two_admins_accepting_the_last_place(sqlite_app):
    scenario = _set_up(sqlite_app, "SQLITE")
    _assert_one_place_given(sqlite_app, scenario, _accept_at_once(sqlite_app, scenario))
