"""The demo world a newcomer sees after `make run`."""

from sqlalchemy import func, select

from talent import demo
from talent.accounts.models import User
from talent.core.permissions import Role
from talent.workshops.models import Cohort, CohortStatus, Enrolment, EnrolmentStatus


def _count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_is_a_small_believable_world_and_loading_it_twice_changes_nothing(app, db):
    with app.test_request_context():
        demo.load_demo()
        counts = (_count(db, User), _count(db, Cohort), _count(db, Enrolment))
        again = demo.load_demo()
    assert again == {"institutions": 0, "users": 0, "cohorts": 0, "certificates": 0, "applications": 0}
    assert (_count(db, User), _count(db, Cohort), _count(db, Enrolment)) == counts

    roles = {row for user in db.session.scalars(select(User)) for row in user.roles}
    assert roles == set(Role)
    # Finished cohorts with mixed outcomes, one running, one open with a waitlist and a request.
    assert _count(db, Cohort, Cohort.status == CohortStatus.CLOSED) == 2
    for status in (
        EnrolmentStatus.COMPLETED,
        EnrolmentStatus.NOT_COMPLETED,
        EnrolmentStatus.WAITLISTED,
        EnrolmentStatus.PENDING,
        EnrolmentStatus.ENROLLED,
    ):
        assert _count(db, Enrolment, Enrolment.status == status) > 0, status
    # Names in several scripts reach the database unchanged.
    from talent.reference.models import Person

    natives = set(db.session.scalars(select(Person.name_native).where(Person.name_native.is_not(None))))
    assert {"አበበ በቀለ", "أحمد حسن", "สมชาย ผ่องแสง", "李伟"} <= natives


def test_demo_logins_work_with_the_printed_password(app, db):
    with app.test_request_context():
        demo.load_demo()
    for email, password, _roles in demo.demo_logins():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.check_password(password)
