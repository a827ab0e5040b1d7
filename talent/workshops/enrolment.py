"""Enrolment rules: seats, the waitlist and its order, withdrawals that promote the next in line.

Every change to who holds a seat in a cohort first locks that cohort's row (SELECT … FOR UPDATE
on PostgreSQL; on SQLite writing transactions already run one at a time, see `_sqlite_begin`),
so the seat count read here cannot be overtaken by a concurrent request: capacity is never
exceeded and the waitlist keeps its order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from talent.core import audit
from talent.core.errors import ValidationFailed
from talent.core.notifications import notify, path_for, recipient_locale
from talent.extensions import db
from talent.reference.models import Person
from talent.workshops.labels import ENROLMENT_STATUS
from talent.workshops.models import (
    Cohort,
    CohortStatus,
    Enrolment,
    EnrolmentSource,
    EnrolmentStatus,
)

SEAT_HOLDING = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)


@dataclass(frozen=True)
class EnrolResult:
    enrolment: Enrolment
    created: bool  # False: the person already had an open or finished enrolment here

    @property
    def status(self) -> EnrolmentStatus:
        return self.enrolment.status


def lock_cohort(cohort_id: int) -> Cohort:
    cohort = db.session.execute(
        select(Cohort)
        .where(Cohort.id == cohort_id)
        .with_for_update(of=Cohort)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if cohort is None:
        raise ValidationFailed(_("Unknown cohort."), field="cohort_id")
    return cohort


def seats_taken(cohort: Cohort) -> int:
    return db.session.scalar(
        select(func.count()).where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(SEAT_HOLDING))
    )


def next_waitlist_position(cohort: Cohort) -> int:
    last = db.session.scalar(
        select(func.max(Enrolment.waitlist_position)).where(
            Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.WAITLISTED
        )
    )
    return (last or 0) + 1


def _place(enrolment: Enrolment, cohort: Cohort) -> None:
    """A seat if one is free, else the end of the waitlist. The caller holds the cohort lock."""
    if seats_taken(cohort) < cohort.capacity:
        enrolment.enrol()
    else:
        enrolment.waitlist(next_waitlist_position(cohort))
    db.session.flush()


def _existing(cohort: Cohort, person: Person) -> Enrolment | None:
    return db.session.execute(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.person_id == person.id)
    ).scalar_one_or_none()


def check_open(cohort: Cohort, *, today: date, self_service: bool) -> None:
    if cohort.status != CohortStatus.OPEN:
        raise ValidationFailed(
            _("This cohort is closed; nobody can be enrolled any more."), field="cohort_id"
        )
    if self_service and not cohort.is_enrolment_open(today):
        raise ValidationFailed(
            _(
                "Enrolment for this cohort is open from %(start)s to %(end)s.",
                start=cohort.enrolment_opens_on.isoformat(),
                end=cohort.enrolment_closes_on.isoformat(),
            ),
            field="cohort_id",
        )
    if not self_service and today > cohort.ends_on:
        raise ValidationFailed(
            _("This cohort has ended; nobody can be enrolled any more."), field="cohort_id"
        )


def enrol(
    cohort: Cohort,
    person: Person,
    *,
    source: EnrolmentSource = EnrolmentSource.STAFF,
    actor=None,
    today: date | None = None,
) -> EnrolResult:
    """Staff (form, upload, API) enrol a person: a seat if one is free, else the waitlist.

    Enrolling someone who is already pending, enrolled, waitlisted or finished changes nothing
    (uploads and API retries are idempotent); a withdrawn person is placed again like a new one.
    """
    return _join(cohort, person, source=source, actor=actor, today=today or date.today(), approve=True)


def request_to_join(cohort: Cohort, person: Person, *, actor=None, today: date | None = None) -> EnrolResult:
    """A trainee asks for a place themselves; staff approve it (pending until then)."""
    return _join(
        cohort, person, source=EnrolmentSource.SELF, actor=actor, today=today or date.today(), approve=False
    )


def _join(cohort, person, *, source, actor, today, approve) -> EnrolResult:
    cohort = lock_cohort(cohort.id)
    check_open(cohort, today=today, self_service=source == EnrolmentSource.SELF)
    enrolment = _existing(cohort, person)
    if enrolment is not None and enrolment.status != EnrolmentStatus.WITHDRAWN:
        if approve and enrolment.status == EnrolmentStatus.PENDING:
            return EnrolResult(approve_request(enrolment, actor=actor), created=False)
        return EnrolResult(enrolment, created=False)
    created = enrolment is None
    if created:
        enrolment = Enrolment(cohort_id=cohort.id, person_id=person.id, source=source)
        try:
            with db.session.begin_nested():
                db.session.add(enrolment)
                db.session.flush()
        except IntegrityError:
            # The same person, enrolled by a parallel request a moment ago: theirs stands.
            return EnrolResult(_existing(cohort, person), created=False)
    else:
        enrolment.reopen()
        enrolment.source = source
    if approve:
        _place(enrolment, cohort)
    audit.record(
        "enrolment.created" if created else "enrolment.reopened",
        enrolment,
        changes={"status": [None, enrolment.status.value], "person_id": [None, person.id]},
        summary=f"{person.name_latin} → {cohort.course.code} #{cohort.id}",
        actor=actor,
    )
    _tell_trainee(enrolment, cohort, person)
    db.session.flush()
    return EnrolResult(enrolment, created=True)


def approve_request(enrolment: Enrolment, *, actor=None, today: date | None = None) -> Enrolment:
    """Staff accept a pending request: a seat if one is free, else the waitlist."""
    cohort = lock_cohort(enrolment.cohort_id)
    db.session.refresh(enrolment)
    check_open(cohort, today=today or date.today(), self_service=False)
    before = enrolment.status.value
    if enrolment.status != EnrolmentStatus.PENDING:
        raise ValidationFailed(_("Only pending requests can be approved."), field="status")
    _place(enrolment, cohort)
    audit.record(
        "enrolment.approved", enrolment, changes={"status": [before, enrolment.status.value]}, actor=actor
    )
    _tell_trainee(enrolment, cohort, db.session.get(Person, enrolment.person_id))
    return enrolment


def withdraw(enrolment: Enrolment, *, actor=None, reason: str = "") -> Enrolment | None:
    """Withdraw (or remove) a trainee; a freed seat goes to the first on the waitlist.

    Returns the promoted enrolment, if any.
    """
    cohort = lock_cohort(enrolment.cohort_id)
    db.session.refresh(enrolment)
    if cohort.status != CohortStatus.OPEN:
        raise ValidationFailed(_("This cohort is closed; its enrolments are final."), field="status")
    before = enrolment.status
    position = enrolment.waitlist_position
    if not enrolment.is_open:
        raise ValidationFailed(
            _("This enrolment is already %(state)s.", state=ENROLMENT_STATUS[enrolment.status]),
            field="status",
        )
    enrolment.withdraw()
    audit.record(
        "enrolment.withdrawn",
        enrolment,
        changes={"status": [before.value, enrolment.status.value]},
        summary=reason,
        actor=actor,
    )
    db.session.flush()
    person = db.session.get(Person, enrolment.person_id)
    if actor is None or person.user_id != actor.id:
        _tell_trainee(enrolment, cohort, person)  # removed or declined by staff: they should know
    if before == EnrolmentStatus.WAITLISTED:
        _close_gap(cohort, position)
    if before == EnrolmentStatus.ENROLLED:
        return promote_next(cohort, actor=actor)
    return None


def promote_next(cohort: Cohort, *, actor=None) -> Enrolment | None:
    """Give free seats to the waitlist in order. The caller holds the cohort lock."""
    promoted = None
    while seats_taken(cohort) < cohort.capacity:
        first = db.session.execute(
            select(Enrolment)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
            .order_by(Enrolment.waitlist_position, Enrolment.id)
            .limit(1)
        ).scalar_one_or_none()
        if first is None:
            break
        position = first.waitlist_position
        first.enrol()
        audit.record(
            "enrolment.promoted",
            first,
            changes={"status": ["waitlisted", "enrolled"], "waitlist_position": [position, None]},
            actor=actor,
        )
        db.session.flush()
        _close_gap(cohort, position)
        _tell_trainee(first, cohort, db.session.get(Person, first.person_id))
        promoted = first
    return promoted


def _close_gap(cohort: Cohort, position: int | None) -> None:
    """Whoever stood behind a place that was left moves up one: positions stay 1..n, so the
    number a trainee is told is their real place in the line. The caller holds the cohort lock."""
    if position is None:
        return
    db.session.execute(
        update(Enrolment)
        .where(
            Enrolment.cohort_id == cohort.id,
            Enrolment.status == EnrolmentStatus.WAITLISTED,
            Enrolment.waitlist_position > position,
        )
        .values(waitlist_position=Enrolment.waitlist_position - 1)
        .execution_options(synchronize_session="fetch")
    )


def move_in_waitlist(enrolment: Enrolment, new_position: int, *, actor=None) -> None:
    """Staff reorder the waitlist: `enrolment` goes to `new_position` (1 = next in line)."""
    cohort = lock_cohort(enrolment.cohort_id)
    db.session.refresh(enrolment)
    if cohort.status != CohortStatus.OPEN:
        raise ValidationFailed(_("This cohort is closed; its enrolments are final."), field="position")
    if enrolment.status != EnrolmentStatus.WAITLISTED:
        raise ValidationFailed(_("Only waitlisted trainees can be moved in the waitlist."), field="position")
    queue = list(
        db.session.execute(
            select(Enrolment)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
            .order_by(Enrolment.waitlist_position, Enrolment.id)
        ).scalars()
    )
    if not 1 <= new_position <= len(queue):
        raise ValidationFailed(_("Choose a position from 1 to %(last)d.", last=len(queue)), field="position")
    old_position = queue.index(enrolment) + 1
    if old_position == new_position:
        return
    queue.remove(enrolment)
    queue.insert(new_position - 1, enrolment)
    for index, item in enumerate(queue, start=1):
        item.waitlist_position = index
    audit.record(
        "enrolment.waitlist_moved",
        enrolment,
        changes={"waitlist_position": [old_position, new_position]},
        actor=actor,
    )
    db.session.flush()


def _tell_trainee(enrolment: Enrolment, cohort: Cohort, person: Person) -> None:
    user = person.user
    if user is None:
        return
    with recipient_locale(user):
        title = cohort.course.title_in(user.locale or "en")
        if enrolment.status == EnrolmentStatus.ENROLLED:
            message = _(
                "You have a place in %(course)s (cohort starting %(start)s).",
                course=title,
                start=cohort.starts_on.isoformat(),
            )
        elif enrolment.status == EnrolmentStatus.WAITLISTED:
            message = _(
                "%(course)s is full; you are number %(position)d on the waitlist.",
                course=title,
                position=enrolment.waitlist_position,
            )
        elif enrolment.status == EnrolmentStatus.WITHDRAWN:
            message = _("You no longer have a place or a request in %(course)s.", course=title)
        else:
            message = _("Your request to join %(course)s was received and awaits approval.", course=title)
        notify(
            user,
            message,
            link=path_for("workshops.my_courses"),
            mail_subject=_("Talent Exchange: your enrolment"),
        )
