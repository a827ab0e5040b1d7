"""Two staff adding the same new e-mail address to two cohorts at the same moment get one person.

PostgreSQL only: SQLite serialises writers, so the second request always finds the first's record.
The requests race as tests/concurrency.py runs them, on the two partners of tests/partners.py;
their data is removed afterwards.
"""

from __future__ import annotations

from sqlalchemy import select

from talent.core.audit import AuditEntry
from talent.extensions import db
from talent.reference.models import Person
from talent.workshops.models import Enrolment
from tests.api.tokens import bearer
from tests.concurrency import at_once
from tests.partners import ROUNDS


def test_postgres_the_same_new_email_sent_to_two_cohorts_at_once_makes_one_person(partners_app, two_partners):
    ids, tokens = two_partners
    for round_ in range(ROUNDS):
        email = f"race-trainee-{round_}@example.org"

        def enrol(n: int, email=email):
            def send(client):
                return client.post(
                    f"/api/v1/cohorts/{ids['cohorts'][n]}/enrolments",
                    json={"person": {"name": "Race Trainee", "email": email}},
                    headers=bearer(tokens[n]),
                )

            return ids["sessions"][n], send

        answers = at_once(partners_app, [enrol(0), enrol(1)], timeout=60)
        assert [getattr(a, "status_code", a) for a in answers] == [201, 201], [
            a.get_data(as_text=True) if hasattr(a, "get_data") else a for a in answers
        ]
        assert answers[0].get_json()["person"]["id"] == answers[1].get_json()["person"]["id"]

        with partners_app.app_context():
            people = db.session.scalars(select(Person.id).where(Person.email == email)).all()
            assert len(people) == 1
            enrolled_in = db.session.scalars(
                select(Enrolment.cohort_id).where(Enrolment.person_id == people[0])
            )
            assert sorted(enrolled_in) == sorted(ids["cohorts"])
            created = db.session.scalars(
                select(AuditEntry.id).where(
                    AuditEntry.action == "person.created", AuditEntry.object_id == str(people[0])
                )
            ).all()
            assert len(created) == 1
            db.session.remove()
