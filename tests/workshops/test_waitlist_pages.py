"""Answering requests to join, withdrawals with promotion, and reordering the waitlist."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from talent.core.audit import AuditEntry
from talent.core.models import Notification
from talent.reference.models import Person
from talent.workshops import enrolment as rules
from talent.workshops.models import Enrolment, EnrolmentStatus
from tests.workshops.test_enrolment_pages import field_error, flashes, page_text


@pytest.fixture
def staff(make_user):
    return make_user("institution")


@pytest.fixture
def cohort(make_cohort, staff):
    return make_cohort(host=staff.institution, capacity=2)


@pytest.fixture
def staff_client(app, staff, login):
    client = app.test_client()
    login(client, staff)
    return client


@pytest.fixture
def trainee(make_user, make_person):
    user = make_user("applicant")
    return user, make_person(user_id=user.id, email=user.email, name_latin="Sipho Ndlovu")


def test_staff_approve_requests_in_order_and_the_trainee_is_told(
    staff_client, db, cohort, trainee, make_person, make_user
):
    user, person = trainee
    first = rules.request_to_join(cohort, person).enrolment
    others = [rules.request_to_join(cohort, make_person(name_latin=f"Later {i}")).enrolment for i in range(2)]
    db.session.commit()
    page = page_text(staff_client.get(f"/cohorts/{cohort.id}/requests"))
    assert page.index("Sipho Ndlovu") < page.index("Later 0") < page.index("Later 1")

    response = staff_client.post(f"/enrolments/{first.id}/approve")
    assert response.status_code == 302
    assert "Sipho Ndlovu is enrolled." in flashes(staff_client)
    assert db.session.get(Enrolment, first.id).status == EnrolmentStatus.ENROLLED
    assert (
        "You have a place"
        in db.session.scalars(
            select(Notification.message)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id.desc())
        ).first()
    )

    staff_client.post(f"/enrolments/{others[0].id}/approve")
    staff_client.post(f"/enrolments/{others[1].id}/approve")
    assert "Later 1 is number 1 on the waitlist" in flashes(staff_client)
    assert "No requests are waiting" in page_text(staff_client.get(f"/cohorts/{cohort.id}/requests"))

    response = staff_client.post(f"/enrolments/{first.id}/approve")
    assert response.status_code == 422
    assert "Only pending requests can be approved." in page_text(response)


def test_declining_a_request_keeps_the_reason(staff_client, db, cohort, make_person):
    pending = rules.request_to_join(cohort, make_person(name_latin="Refilwe Khumalo")).enrolment
    db.session.commit()
    response = staff_client.post(
        f"/enrolments/{pending.id}/withdraw",
        data={"reason": "Prerequisite course missing", "next": f"/cohorts/{cohort.id}/requests"},
    )
    assert response.status_code == 302 and response.location.endswith(f"/cohorts/{cohort.id}/requests")
    assert "The request of Refilwe Khumalo is declined." in flashes(staff_client)
    assert db.session.get(Enrolment, pending.id).status == EnrolmentStatus.WITHDRAWN
    summary = db.session.scalar(
        select(AuditEntry.summary).where(
            AuditEntry.action == "enrolment.withdrawn", AuditEntry.object_id == str(pending.id)
        )
    )
    assert summary == "Prerequisite course missing"


# --- withdrawals and the waitlist ----------------------------------------------------------


def test_a_trainee_withdraws_and_the_first_waitlisted_is_promoted_and_told(
    client, login, db, cohort, trainee, make_user, make_person
):
    user, person = trainee
    mine = rules.enrol(cohort, person).enrolment
    rules.enrol(cohort, make_person())
    waiting_user = make_user("applicant")
    waiting = rules.enrol(cohort, make_person(user_id=waiting_user.id, name_latin="Next In Line")).enrolment
    db.session.commit()
    login(client, user)

    page = page_text(client.get(f"/enrolments/{mine.id}/withdraw"))
    assert "Withdraw from this cohort" in page and "first person on the waitlist" in page
    response = client.post(f"/enrolments/{mine.id}/withdraw", data={"reason": "Found a job"})

    assert response.status_code == 302 and response.location.endswith("/my/courses")
    messages = flashes(client)
    assert "You are withdrawn" in messages and "Next In Line" not in messages
    assert db.session.get(Enrolment, mine.id).status == EnrolmentStatus.WITHDRAWN
    assert db.session.get(Enrolment, waiting.id).status == EnrolmentStatus.ENROLLED
    note = db.session.scalars(select(Notification).where(Notification.user_id == waiting_user.id)).all()[-1]
    assert "You have a place" in note.message and note.link == "/my/courses"


def test_staff_remove_a_trainee_and_are_told_who_moved_up(
    staff_client, db, cohort, make_enrolment, make_person
):
    seated = make_enrolment(cohort, make_person(name_latin="Leaving Person"))
    make_enrolment(cohort)
    make_enrolment(cohort, make_person(name_latin="Moving Up"), status=EnrolmentStatus.WAITLISTED)
    response = staff_client.post(f"/enrolments/{seated.id}/withdraw", data={"reason": ""})
    assert response.location.endswith(f"/cohorts/{cohort.id}")
    messages = flashes(staff_client)
    assert "Leaving Person is withdrawn from the cohort." in messages
    assert "Moving Up moved up from the waitlist" in messages


@pytest.mark.parametrize(
    ("reason", "message"),
    [("x" * 501, "Field cannot be longer than 500 characters."), ("tab\there", "Control characters")],
)
def test_a_bad_reason_changes_nothing(staff_client, db, cohort, make_enrolment, reason, message):
    enrolment = make_enrolment(cohort)
    response = staff_client.post(f"/enrolments/{enrolment.id}/withdraw", data={"reason": reason})
    assert response.status_code == 422
    assert message in field_error(response, "reason")
    assert db.session.get(Enrolment, enrolment.id).status == EnrolmentStatus.ENROLLED


def test_withdrawing_twice_says_so(staff_client, db, cohort, make_enrolment):
    enrolment = make_enrolment(cohort, status=EnrolmentStatus.WITHDRAWN)
    response = staff_client.post(f"/enrolments/{enrolment.id}/withdraw", data={})
    assert response.status_code == 422
    assert "This enrolment is already withdrawn." in page_text(response)


def test_only_the_trainee_and_the_cohort_managers_may_withdraw(
    client, login, db, cohort, make_enrolment, make_user, trainee
):
    enrolment = make_enrolment(cohort, trainee[1])
    for outsider in (make_user("applicant"), make_user("institution")):
        login(client, outsider)
        assert client.get(f"/enrolments/{enrolment.id}/withdraw").status_code == 403
        assert client.post(f"/enrolments/{enrolment.id}/withdraw").status_code == 403
    assert db.session.get(Enrolment, enrolment.id).status == EnrolmentStatus.ENROLLED
    assert client.get("/enrolments/987654/withdraw").status_code == 404


def test_partner_staff_manage_the_waitlist_too(client, login, make_user, make_cohort, make_institution):
    partner = make_institution(country_code="CN")
    cohort = make_cohort(partner=partner)
    login(client, make_user("institution", institution=partner))
    assert client.get(f"/cohorts/{cohort.id}/waitlist").status_code == 200


@pytest.fixture
def queue(db, cohort, make_enrolment, make_person):
    make_enrolment(cohort)
    make_enrolment(cohort)
    return [
        make_enrolment(
            cohort,
            make_person(name_latin=f"Waiting {n}"),
            status=EnrolmentStatus.WAITLISTED,
            waitlist_position=n,
        )
        for n in (1, 2, 3)
    ]


def _order(db, cohort):
    return db.session.execute(
        select(Person.name_latin, Enrolment.waitlist_position)
        .join(Person, Person.id == Enrolment.person_id)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
        .order_by(Enrolment.waitlist_position)
    ).all()


def test_staff_move_someone_up_the_waitlist_with_an_audit_entry(staff_client, db, staff, cohort, queue):
    page = page_text(staff_client.get(f"/cohorts/{cohort.id}/waitlist"))
    assert page.index("Waiting 1") < page.index("Waiting 2") < page.index("Waiting 3")

    response = staff_client.post(f"/enrolments/{queue[2].id}/waitlist-position", data={"position": "1"})
    assert response.status_code == 302
    assert "Waiting 3 is now number 1 on the waitlist." in flashes(staff_client)
    db.session.expire_all()
    assert _order(db, cohort) == [("Waiting 3", 1), ("Waiting 1", 2), ("Waiting 2", 3)]
    entry = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "enrolment.waitlist_moved", AuditEntry.object_id == str(queue[2].id)
        )
    ).one()
    assert entry.actor_id == staff.id and entry.changes == {"waitlist_position": [3, 1]}


@pytest.mark.parametrize(
    ("position", "message"),
    [
        ("0", "Give a position from 1 up."),
        ("", "Give a position"),
        ("abc", "Not a valid integer"),
        ("4", "1 to 3"),
    ],
)
def test_a_bad_position_is_shown_by_its_row_and_changes_nothing(
    staff_client, db, cohort, queue, position, message
):
    response = staff_client.post(f"/enrolments/{queue[0].id}/waitlist-position", data={"position": position})
    assert response.status_code == 422
    assert message in field_error(response, f"position-{queue[0].id}")
    db.session.expire_all()
    assert _order(db, cohort) == [("Waiting 1", 1), ("Waiting 2", 2), ("Waiting 3", 3)]


def test_moving_someone_who_is_not_waiting_is_refused(staff_client, db, cohort, make_enrolment):
    seated = make_enrolment(cohort)
    response = staff_client.post(f"/enrolments/{seated.id}/waitlist-position", data={"position": "1"})
    assert response.status_code == 422
    assert "Only waitlisted trainees can be moved" in page_text(response)


# --- bounded queries -----------------------------------------------------------------------


def _queries_for(client, db, count_queries, url):
    db.session.expire_all()  # as in a real request, nothing is already loaded
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_list_pages_run_the_same_number_of_queries_whatever_the_rows(
    staff_client, db, staff, cohort, make_enrolment, make_person, count_queries
):
    def add(n, start):
        for i in range(n):
            person = make_person(name_latin=f"Row Person {start + i}", affiliation_id=staff.institution_id)
            make_enrolment(cohort, person, status=EnrolmentStatus.WAITLISTED, waitlist_position=start + i)
            make_enrolment(
                cohort, make_person(name_latin=f"Asker {start + i}"), status=EnrolmentStatus.PENDING
            )

    urls = [
        f"/cohorts/{cohort.id}/waitlist",
        f"/cohorts/{cohort.id}/requests",
        f"/cohorts/{cohort.id}/enrol?q=row+person",
    ]
    add(2, 1)
    few = [_queries_for(staff_client, db, count_queries, url) for url in urls]
    add(20, 3)
    many = [_queries_for(staff_client, db, count_queries, url) for url in urls]
    assert many == few
