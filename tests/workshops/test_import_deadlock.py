"""Two uploads into two cohorts bringing the same new people in opposite order both finish.

Left to themselves, each upload would create its first new person, then wait for the other's not
yet committed record of its second: a deadlock, which PostgreSQL breaks by failing one upload.
The test makes each upload, after its first new person, wait (a few seconds at most) until the
other has made its own first one; without the e-mail reservations that is exactly the deadlock.
With them, the second upload waits for the first to commit, then finds its people. PostgreSQL
only: SQLite serialises writers, so two uploads never hold new records at once there.
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from talent.accounts.models import User
from talent.extensions import db
from talent.reference.models import Person
from talent.workshops import import_enrolments
from talent.workshops.import_enrolments import Outcome, apply_enrolments, read_enrolment_table
from talent.workshops.models import Cohort, Enrolment

EMAILS = ["race-trainee-deadlock-a@example.org", "race-trainee-deadlock-b@example.org"]


def _csv(emails: list[str]) -> bytes:
    rows = [f"Deadlock Trainee {email.split('@')[0][-1].upper()},{email}" for email in emails]
    return "\n".join(["name_latin,email", *rows]).encode()


def test_postgres_uploads_bringing_the_same_new_people_in_opposite_order_both_finish(
    partners_app,
    two_partners,
    monkeypatch,
):
    ids, _tokens = two_partners
    both_hold_one = threading.Barrier(2, timeout=3)
    waited = threading.local()
    real_add_person = import_enrolments.add_person

    def add_person_then_wait_for_the_other(**values):
        result = real_add_person(**values)
        if not getattr(waited, "done", False):  # only after each upload's first new person
            waited.done = True
            # Broken when the other upload waits for this one's reservation instead: go on.
            with contextlib.suppress(threading.BrokenBarrierError):
                both_hold_one.wait()
        return result

    monkeypatch.setattr(import_enrolments, "add_person", add_person_then_wait_for_the_other)

    def upload(n: int, emails: list[str]):
        with partners_app.app_context():
            try:
                cohort = db.session.get(Cohort, ids["cohorts"][n])
                # The partner's staff upload: what they did is removed with them afterwards.
                staff = db.session.get(User, ids["staff"][n])
                applied = apply_enrolments(cohort, read_enrolment_table(_csv(emails)), actor=staff)
                db.session.commit()
                return applied.counts, applied.errors
            finally:
                db.session.remove()

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(upload, 0, EMAILS), pool.submit(upload, 1, EMAILS[::-1])]
        results = [future.result(timeout=90) for future in futures]

    for counts, errors in results:
        assert errors == [] and counts[Outcome.ENROL] == 2, (counts, errors)
    assert both_hold_one.broken  # one upload waited for the other instead of taking a person
    # One new person each, made by the first upload to get there, enrolled in both cohorts.
    assert results[0][0]["new_person"] + results[1][0]["new_person"] == 2
    with partners_app.app_context():
        people = db.session.execute(select(Person.id, Person.email).where(Person.email.in_(EMAILS))).all()
        assert sorted(email for _, email in people) == EMAILS
        cohorts_of = {
            person_id: sorted(
                db.session.scalars(select(Enrolment.cohort_id).where(Enrolment.person_id == person_id))
            )
            for person_id, _ in people
        }
        assert all(cohorts == sorted(ids["cohorts"]) for cohorts in cohorts_of.values()), cohorts_of
        db.session.remove()
