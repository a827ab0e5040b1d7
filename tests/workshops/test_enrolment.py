"""The enrolment rules: seats, the waitlist and its order, requests, withdrawals and promotion."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from talent.core.audit import AuditEntry
from talent.core.errors import ValidationFailed
from talent.core.models import Notification
from talent.workshops import enrolment as rules
from talent.workshops.models import CohortStatus, Enrolment, EnrolmentSource, EnrolmentStatus


@pytest.fixture(autouse=True)
def in_request(app, db):
    """The rules write messages in the reader's language, which a request supplies."""
    with app.test_request_context():
        yield


def _rows(db, cohort):
    return db.session.scalars(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id).order_by(Enrolment.id)
    ).all()


def _queue(db, cohort):
    """(person_id, position) of the waitlist, in order."""
    return [
        (e.person_id, e.waitlist_position)
        for e in db.session.scalars(
            select(Enrolment)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
            .order_by(Enrolment.waitlist_position)
        )
    ]


def _actions(db, enrolment):
    return db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.object_type == "enrolments", AuditEntry.object_id == str(enrolment.id))
        .order_by(AuditEntry.id)
    ).all()


def _notes(db, user):
    return db.session.scalars(
        select(Notification.message).where(Notification.user_id == user.id).order_by(Notification.id)
    ).all()


def _trainee(make_user, make_person):
    user = make_user("applicant")
    return user, make_person(user_id=user.id, email=user.email)


# --- seats and the waitlist ----------------------------------------------------------------


def test_seats_first_then_the_waitlist_in_arrival_order(db, make_cohort, make_person):
    cohort = make_cohort(capacity=2)
    people = [make_person() for _ in range(5)]
    results = [rules.enrol(cohort, p) for p in people]

    assert [r.status for r in results] == [EnrolmentStatus.ENROLLED] * 2 + [EnrolmentStatus.WAITLISTED] * 3
    assert all(r.created for r in results)
    assert _queue(db, cohort) == [(people[2].id, 1), (people[3].id, 2), (people[4].id, 3)]
    assert rules.seats_taken(cohort) == 2
    assert _actions(db, results[0].enrolment) == ["enrolment.created"]


def test_finished_enrolments_keep_their_seat(db, make_cohort, make_enrolment, make_person):
    cohort = make_cohort(capacity=2)
    make_enrolment(cohort, status=EnrolmentStatus.COMPLETED)
    make_enrolment(cohort, status=EnrolmentStatus.NOT_COMPLETED)
    make_enrolment(cohort, status=EnrolmentStatus.WITHDRAWN)

    assert rules.seats_taken(cohort) == 2
    assert rules.enrol(cohort, make_person()).status == EnrolmentStatus.WAITLISTED


def test_enrolling_the_same_person_again_changes_nothing(db, make_cohort, make_person):
    cohort = make_cohort(capacity=1)
    person, other = make_person(), make_person()
    first = rules.enrol(cohort, person)
    rules.enrol(cohort, other)  # waitlisted
    again = rules.enrol(cohort, person)
    waiting_again = rules.enrol(cohort, other)

    assert again.created is False and again.enrolment.id == first.enrolment.id
    assert again.status == EnrolmentStatus.ENROLLED
    assert waiting_again.created is False and waiting_again.enrolment.waitlist_position == 1
    assert len(_rows(db, cohort)) == 2
    assert _actions(db, first.enrolment) == ["enrolment.created"]


def test_a_withdrawn_person_enrolled_again_is_placed_like_a_new_one(db, make_cohort, make_person):
    cohort = make_cohort(capacity=1)
    person, other = make_person(), make_person()
    first = rules.enrol(cohort, person).enrolment
    rules.withdraw(first)
    rules.enrol(cohort, other)  # takes the freed seat

    again = rules.enrol(cohort, person)

    assert again.created is True and again.enrolment.id == first.id
    assert again.status == EnrolmentStatus.WAITLISTED and again.enrolment.waitlist_position == 1
    assert len(_rows(db, cohort)) == 2
    assert _actions(db, first) == ["enrolment.created", "enrolment.withdrawn", "enrolment.reopened"]


def test_staff_may_enrol_before_the_window_opens_but_not_after_the_cohort_ended(db, make_cohort, make_person):
    today = date.today()
    early = make_cohort(
        enrolment_opens_on=today + timedelta(days=3), enrolment_closes_on=today + timedelta(days=5)
    )
    assert rules.enrol(early, make_person(), today=today).status == EnrolmentStatus.ENROLLED

    ended = make_cohort(
        starts_on=today - timedelta(days=30),
        ends_on=today - timedelta(days=1),
        enrolment_opens_on=today - timedelta(days=40),
        enrolment_closes_on=today - timedelta(days=31),
    )
    with pytest.raises(ValidationFailed) as refused:
        rules.enrol(ended, make_person(), today=today)
    assert refused.value.field == "cohort_id"
    assert "ended" in refused.value.message
    assert _rows(db, ended) == []


@pytest.mark.parametrize("status", [CohortStatus.CLOSED, CohortStatus.CANCELLED])
def test_a_closed_cohort_refuses_everything(db, make_cohort, make_person, make_enrolment, status):
    cohort = make_cohort(capacity=1)
    seated = make_enrolment(cohort)
    waiting = make_enrolment(cohort, status=EnrolmentStatus.WAITLISTED, waitlist_position=1)
    make_enrolment(cohort, status=EnrolmentStatus.WAITLISTED, waitlist_position=2)
    pending = make_enrolment(cohort, status=EnrolmentStatus.PENDING, source=EnrolmentSource.SELF)
    cohort.status = status
    db.session.commit()
    before = [(e.id, e.status, e.waitlist_position) for e in _rows(db, cohort)]

    attempts = [
        lambda: rules.enrol(cohort, make_person()),
        lambda: rules.request_to_join(cohort, make_person()),
        lambda: rules.approve_request(pending),
        lambda: rules.withdraw(seated),
        lambda: rules.withdraw(waiting),
        lambda: rules.move_in_waitlist(waiting, 2),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationFailed):
            attempt()
    assert [(e.id, e.status, e.waitlist_position) for e in _rows(db, cohort)] == before


def test_an_unknown_cohort_is_refused(db):
    with pytest.raises(ValidationFailed):
        rules.lock_cohort(987654321)


# --- requests to join ----------------------------------------------------------------------


def test_a_request_inside_the_window_waits_for_approval(db, make_cohort, make_user, make_person):
    cohort = make_cohort(capacity=5)
    user, person = _trainee(make_user, make_person)

    result = rules.request_to_join(cohort, person)

    assert result.created and result.status == EnrolmentStatus.PENDING
    assert result.enrolment.source == EnrolmentSource.SELF
    assert rules.seats_taken(cohort) == 0
    assert any("awaits approval" in message for message in _notes(db, user))


@pytest.mark.parametrize(
    ("opens", "closes"),
    [(1, 10), (-10, -1)],
    ids=["window not open yet", "window closed"],
)
def test_a_request_outside_the_window_is_refused_with_its_dates(db, make_cohort, make_person, opens, closes):
    today = date.today()
    cohort = make_cohort(
        enrolment_opens_on=today + timedelta(days=opens), enrolment_closes_on=today + timedelta(days=closes)
    )
    with pytest.raises(ValidationFailed) as refused:
        rules.request_to_join(cohort, make_person(), today=today)
    assert cohort.enrolment_opens_on.isoformat() in refused.value.message
    assert cohort.enrolment_closes_on.isoformat() in refused.value.message
    assert _rows(db, cohort) == []


def test_asking_again_while_enrolled_or_pending_changes_nothing(db, make_cohort, make_person):
    cohort = make_cohort()
    enrolled, pending = make_person(), make_person()
    rules.enrol(cohort, enrolled)
    rules.request_to_join(cohort, pending)

    assert rules.request_to_join(cohort, enrolled).status == EnrolmentStatus.ENROLLED
    again = rules.request_to_join(cohort, pending)
    assert again.created is False and again.status == EnrolmentStatus.PENDING
    assert len(_rows(db, cohort)) == 2


def test_staff_enrolling_someone_who_asked_approves_the_request(db, make_cohort, make_person):
    cohort = make_cohort(capacity=1)
    person = make_person()
    asked = rules.request_to_join(cohort, person).enrolment

    result = rules.enrol(cohort, person)

    assert result.created is False and result.enrolment.id == asked.id
    assert result.status == EnrolmentStatus.ENROLLED
    assert _actions(db, asked) == ["enrolment.created", "enrolment.approved"]


def test_approval_gives_a_seat_or_a_place_in_the_waitlist_and_tells_the_trainee(
    db, make_cohort, make_user, make_person
):
    cohort = make_cohort(capacity=1)
    first_user, first = _trainee(make_user, make_person)
    second_user, second = _trainee(make_user, make_person)
    a = rules.request_to_join(cohort, first).enrolment
    b = rules.request_to_join(cohort, second).enrolment
    db.session.commit()
    db.session.expire_all()  # approval must not rely on what the request left loaded

    assert rules.approve_request(a).status == EnrolmentStatus.ENROLLED
    assert rules.approve_request(b).status == EnrolmentStatus.WAITLISTED
    assert b.waitlist_position == 1
    assert "You have a place" in _notes(db, first_user)[-1]
    assert "number 1 on the waitlist" in _notes(db, second_user)[-1]

    with pytest.raises(ValidationFailed) as refused:
        rules.approve_request(a)
    assert refused.value.field == "status"


def test_a_request_cannot_be_approved_once_the_cohort_has_ended(db, make_cohort, make_person):
    cohort = make_cohort()
    pending = rules.request_to_join(cohort, make_person()).enrolment
    with pytest.raises(ValidationFailed) as refused:
        rules.approve_request(pending, today=cohort.ends_on + timedelta(days=1))
    assert "ended" in refused.value.message
    assert pending.status == EnrolmentStatus.PENDING


# --- withdrawals and promotion -------------------------------------------------------------


def test_withdrawing_a_seat_promotes_the_first_in_line_and_tells_them(
    db, make_cohort, make_user, make_person
):
    cohort = make_cohort(capacity=1)
    seated = rules.enrol(cohort, make_person()).enrolment
    first_user, first = _trainee(make_user, make_person)
    second = make_person()
    third = make_person()
    waiting = [rules.enrol(cohort, p).enrolment for p in (second, first, third)]
    rules.move_in_waitlist(waiting[1], 1)  # `first` is now next in line, though not the first to come
    db.session.commit()
    db.session.expire_all()

    promoted = rules.withdraw(seated, reason="Moved to another city")

    assert promoted is not None and promoted.person_id == first.id
    assert promoted.status == EnrolmentStatus.ENROLLED and promoted.waitlist_position is None
    assert seated.status == EnrolmentStatus.WITHDRAWN
    assert "You have a place" in _notes(db, first_user)[-1]
    assert "enrolment.promoted" in _actions(db, promoted)
    summary = db.session.scalar(
        select(AuditEntry.summary).where(
            AuditEntry.action == "enrolment.withdrawn", AuditEntry.object_id == str(seated.id)
        )
    )
    assert summary == "Moved to another city"
    # The rest move up: the next in line is number 1 again.
    assert _queue(db, cohort) == [(second.id, 1), (third.id, 2)]
    assert rules.seats_taken(cohort) == 1


def test_withdrawing_from_the_waitlist_promotes_nobody_and_closes_the_gap(db, make_cohort, make_person):
    cohort = make_cohort(capacity=1)
    rules.enrol(cohort, make_person())
    people = [make_person() for _ in range(3)]
    waiting = [rules.enrol(cohort, p).enrolment for p in people]

    assert rules.withdraw(waiting[0]) is None

    assert rules.seats_taken(cohort) == 1
    assert _queue(db, cohort) == [(people[1].id, 1), (people[2].id, 2)]
    # A newcomer is told their real place in the line.
    newcomer = rules.enrol(cohort, make_person()).enrolment
    assert newcomer.waitlist_position == 3


def test_withdrawing_a_pending_request_promotes_nobody(db, make_cohort, make_person):
    cohort = make_cohort(capacity=1)
    rules.enrol(cohort, make_person())
    waiting = rules.enrol(cohort, make_person()).enrolment
    pending = rules.request_to_join(cohort, make_person()).enrolment

    assert rules.withdraw(pending, reason="Declined: prerequisites missing") is None
    assert waiting.status == EnrolmentStatus.WAITLISTED
    assert pending.status == EnrolmentStatus.WITHDRAWN


def test_an_enrolment_cannot_be_withdrawn_twice(db, make_cohort, make_person):
    cohort = make_cohort()
    enrolment = rules.enrol(cohort, make_person()).enrolment
    rules.withdraw(enrolment)
    with pytest.raises(ValidationFailed) as refused:
        rules.withdraw(enrolment)
    assert refused.value.field == "status"
    assert _actions(db, enrolment).count("enrolment.withdrawn") == 1


def test_withdrawal_without_a_waitlist_leaves_the_seat_free(db, make_cohort, make_person):
    cohort = make_cohort(capacity=1)
    enrolment = rules.enrol(cohort, make_person()).enrolment
    assert rules.withdraw(enrolment) is None
    assert rules.enrol(cohort, make_person()).status == EnrolmentStatus.ENROLLED


def test_promote_next_fills_every_seat_a_larger_capacity_frees(db, make_cohort, make_person):
    cohort = make_cohort(capacity=1)
    people = [make_person() for _ in range(4)]
    for person in people:
        rules.enrol(cohort, person)
    cohort.capacity = 3
    db.session.flush()

    promoted = rules.promote_next(rules.lock_cohort(cohort.id))

    assert promoted.person_id == people[2].id
    assert rules.seats_taken(cohort) == 3
    assert _queue(db, cohort) == [(people[3].id, 1)]


def test_people_without_an_account_are_enrolled_without_a_notification(db, make_cohort, make_person):
    cohort = make_cohort()
    before = db.session.scalar(select(func.count()).select_from(Notification))
    rules.enrol(cohort, make_person())
    assert db.session.scalar(select(func.count()).select_from(Notification)) == before


def test_enrolment_tells_a_trainee_with_an_account(db, make_cohort, make_user, make_person):
    cohort = make_cohort(capacity=1)
    first_user, first = _trainee(make_user, make_person)
    second_user, second = _trainee(make_user, make_person)
    rules.enrol(cohort, first)
    rules.enrol(cohort, second)
    assert "You have a place" in _notes(db, first_user)[-1]
    assert "number 1 on the waitlist" in _notes(db, second_user)[-1]


# --- reordering the waitlist ---------------------------------------------------------------


def test_staff_reorder_the_waitlist_with_an_audit_entry(db, make_cohort, make_person, make_user):
    cohort = make_cohort(capacity=1)
    staff = make_user("admin")
    rules.enrol(cohort, make_person())
    people = [make_person() for _ in range(4)]
    waiting = [rules.enrol(cohort, p).enrolment for p in people]

    rules.move_in_waitlist(waiting[3], 2, actor=staff)
    assert _queue(db, cohort) == [(people[0].id, 1), (people[3].id, 2), (people[1].id, 3), (people[2].id, 4)]
    entry = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "enrolment.waitlist_moved", AuditEntry.object_id == str(waiting[3].id)
        )
    ).one()
    assert entry.changes == {"waitlist_position": [4, 2]} and entry.actor_id == staff.id

    rules.move_in_waitlist(waiting[0], 4)
    assert _queue(db, cohort) == [(people[3].id, 1), (people[1].id, 2), (people[2].id, 3), (people[0].id, 4)]


def test_moving_to_the_same_place_records_nothing(db, make_cohort, make_person):
    cohort = make_cohort(capacity=1)
    rules.enrol(cohort, make_person())
    waiting = rules.enrol(cohort, make_person()).enrolment
    rules.move_in_waitlist(waiting, 1)
    assert "enrolment.waitlist_moved" not in _actions(db, waiting)


@pytest.mark.parametrize("position", [0, 3, -1])
def test_a_position_outside_the_waitlist_is_refused(db, make_cohort, make_person, position):
    cohort = make_cohort(capacity=1)
    rules.enrol(cohort, make_person())
    waiting = [rules.enrol(cohort, make_person()).enrolment for _ in range(2)]
    with pytest.raises(ValidationFailed) as refused:
        rules.move_in_waitlist(waiting[0], position)
    assert refused.value.field == "position" and "1 to 2" in refused.value.message
    assert [e.waitlist_position for e in waiting] == [1, 2]


def test_only_waitlisted_trainees_can_be_moved(db, make_cohort, make_person):
    cohort = make_cohort(capacity=1)
    seated = rules.enrol(cohort, make_person()).enrolment
    rules.enrol(cohort, make_person())
    with pytest.raises(ValidationFailed) as refused:
        rules.move_in_waitlist(seated, 1)
    assert refused.value.field == "position"


def test_a_trainee_removed_by_staff_is_told_but_not_one_who_withdrew_themselves(
    db, make_cohort, make_user, make_person
):
    staff = make_user("admin")
    removed_user, removed = _trainee(make_user, make_person)
    leaving_user, leaving = _trainee(make_user, make_person)
    cohort = make_cohort(capacity=5)
    first = rules.enrol(cohort, removed).enrolment
    second = rules.enrol(cohort, leaving).enrolment
    before_removed, before_leaving = len(_notes(db, removed_user)), len(_notes(db, leaving_user))

    rules.withdraw(first, actor=staff, reason="duplicate registration")
    rules.withdraw(second, actor=leaving_user)

    assert len(_notes(db, removed_user)) == before_removed + 1
    assert "no longer have a place" in _notes(db, removed_user)[-1]
    assert len(_notes(db, leaving_user)) == before_leaving
