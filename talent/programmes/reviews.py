"""Review operations: assigning reviewers (by hand or automatically), conflicts, scores, withdrawal.

Every function changes state through the models, writes the audit entry, tells whoever must know
and flushes; the caller's request or job commits. The conflict rules and the assignment plan are
in `talent.programmes.assignment`.

When a submitted application gets its first reviewer it moves to under review. The applicant is
told in the application's notifications (by mail when assigned by hand; an automatic run over a
whole call tells each applicant in-app only, rather than sending thousands of mails in one request).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import exists, insert, select, update

from talent.accounts.models import User
from talent.core import audit
from talent.core.audit import AuditEntry
from talent.core.db import utcnow
from talent.core.errors import IllegalTransition, ValidationFailed
from talent.core.jobs import enqueue
from talent.core.mail import send_mail
from talent.core.models import Notification
from talent.core.notifications import absolute_url, notify, path_for, recipient_locale
from talent.extensions import db
from talent.programmes import assignment
from talent.programmes.models import (
    Application,
    ApplicationStatus,
    Call,
    Review,
    ReviewerConflict,
    ReviewStatus,
)
from talent.reference.models import Institution, Person

MAX_REASON = 1000


def reference(application_id: int) -> str:
    """The neutral label reviewers see instead of the applicant's name."""
    return f"A-{application_id:06d}"


def lock_application(application_id: int) -> Application:
    return db.session.execute(
        select(Application)
        .where(Application.id == application_id)
        .with_for_update(of=Application)
        .execution_options(populate_existing=True)
    ).scalar_one()


def call_of(application: Application) -> Call:
    return db.session.get(Call, application.call_id)


def _check_assignable(application: Application) -> None:
    if application.status not in assignment.ASSIGNABLE_STATES:
        raise IllegalTransition(
            _("Only submitted applications still under review can be given reviewers."), field="reviewer_id"
        )


TELL_UNDER_REVIEW = "programmes.tell_under_review"


def tell_under_review(application_id: int, *, mail: bool = True) -> None:
    """Tell the applicant their application is now with the reviewers (in-app, and by mail)."""
    person = db.session.scalar(
        select(Person)
        .join(Application, Application.person_id == Person.id)
        .where(Application.id == application_id)
    )
    user = db.session.get(User, person.user_id) if person is not None and person.user_id else None
    if user is None:
        return
    with recipient_locale(user):
        message = _("Your application %(ref)s is now with the reviewers.", ref=reference(application_id))
        subject = _("Your application is under review") if mail else None
    notify(user, message, link=_applicant_link(application_id), mail_subject=subject)


def _start_review(application: Application, actor, *, mail: bool) -> None:
    if application.status != ApplicationStatus.SUBMITTED:
        return
    application.start_review()
    audit.record("application.review_started", application, actor=actor)
    tell_under_review(application.id, mail=mail)


def _applicant_link(application_id: int) -> str:
    return path_for("programmes.application", application_id=application_id)


def _tell_reviewer(reviewer: User, message_for, subject_for, link: str | None) -> None:
    with recipient_locale(reviewer):
        notify(reviewer, message_for(), link=link, mail_subject=subject_for())


def assign_reviewer(
    application: Application, reviewer: User, *, actor=None, now: datetime | None = None
) -> Review:
    """Give `application` to `reviewer`; refused with the reason when a conflict rule forbids it."""
    now = now or utcnow()
    application = lock_application(application.id)
    _check_assignable(application)
    call = call_of(application)
    why = assignment.reason_against(call, application, reviewer)
    if why is not None:
        raise ValidationFailed(why, field="reviewer_id")
    review = Review(
        application_id=application.id,
        reviewer_id=reviewer.id,
        status=ReviewStatus.ASSIGNED,
        scores={},
        comment="",
        assigned_at=now,
        assigned_by_id=actor.id if actor is not None else None,
        due_at=now + timedelta(days=call.review_days),
    )
    db.session.add(review)
    db.session.flush()
    audit.record(
        "review.assigned",
        review,
        changes={"application_id": [None, application.id], "reviewer_id": [None, reviewer.id]},
        summary=f"{reference(application.id)} → {reviewer.display_name}",
        actor=actor,
    )
    _start_review(application, actor, mail=True)
    _tell_reviewer(
        reviewer,
        lambda: _("You have a new application to review: %(ref)s.", ref=reference(application.id)),
        lambda: _("A new application to review"),
        path_for("programmes.review", review_id=review.id),
    )
    db.session.flush()
    return review


# --- automatic assignment --------------------------------------------------------------------


@dataclass
class AssignmentReport:
    assigned: int  # new reviews
    applications: int  # applications that got at least one new reviewer
    already_covered: int
    shortfalls: list[assignment.Shortfall]

    @property
    def is_complete(self) -> bool:
        return not self.shortfalls


def auto_assign(call: Call, *, actor=None, now: datetime | None = None, seed: int = 0) -> AssignmentReport:
    """Fill every open application of `call` up to `reviewers_per_application` reviewers.

    Idempotent: applications that have their reviewers are left alone, so a second run only fills
    gaps (after a conflict, a withdrawal or new reviewers). A few reads, one bulk insert of the
    reviews, one bulk state update, bulk audit entries and notifications.
    """
    now = now or utcnow()
    call = db.session.execute(
        select(Call).where(Call.id == call.id).with_for_update(of=Call)
    ).scalar_one()  # one run per call at a time
    result = assignment.plan(call, seed=seed)
    actor_id = actor.id if actor is not None else None
    due = now + timedelta(days=call.review_days)
    if result.rows:
        db.session.execute(
            insert(Review),
            [
                {
                    "application_id": application_id,
                    "reviewer_id": reviewer_id,
                    "status": ReviewStatus.ASSIGNED,
                    "scores": {},
                    "comment": "",
                    "assigned_at": now,
                    "assigned_by_id": actor_id,
                    "due_at": due,
                }
                for application_id, reviewer_id in result.rows
            ],
        )
        _start_reviews_in_bulk(call, actor_id, now)
        _tell_reviewers_in_bulk(result.rows, now)
    touched = len({application_id for application_id, _r in result.rows})
    audit.record(
        "call.reviewers_assigned",
        call,
        changes={"reviews": [None, len(result.rows)], "applications": [None, touched]},
        summary=_(
            "%(reviews)d reviews assigned automatically; %(short)d applications still lack reviewers.",
            reviews=len(result.rows),
            short=len(result.shortfalls),
        ),
        actor=actor,
    )
    db.session.flush()
    return AssignmentReport(len(result.rows), touched, result.already_covered, result.shortfalls)


def _start_reviews_in_bulk(call: Call, actor_id: int | None, now: datetime) -> None:
    has_reviewer = exists().where(
        Review.application_id == Application.id, Review.status.in_(assignment.ACTIVE_REVIEW)
    )
    starting = db.session.execute(
        select(Application.id, User.id, User.locale)
        .join(Person, Person.id == Application.person_id)
        .outerjoin(User, User.id == Person.user_id)
        .where(
            Application.call_id == call.id, Application.status == ApplicationStatus.SUBMITTED, has_reviewer
        )
    ).all()
    if not starting:
        return
    db.session.execute(
        update(Application)
        .where(
            Application.call_id == call.id, Application.status == ApplicationStatus.SUBMITTED, has_reviewer
        )
        .values(status=ApplicationStatus.UNDER_REVIEW, updated_at=now),
        execution_options={"synchronize_session": False},
    )
    change = {"status": [ApplicationStatus.SUBMITTED.value, ApplicationStatus.UNDER_REVIEW.value]}
    db.session.execute(
        insert(AuditEntry),
        [
            {
                "occurred_at": now,
                "actor_id": actor_id,
                "action": "application.review_started",
                "object_type": Application.__tablename__,
                "object_id": str(application_id),
                "summary": "",
                "changes": change,
            }
            for application_id, _user, _locale in starting
        ],
    )
    # Applicants are told in the background: a call may put thousands under review at once, and
    # each gets a mail.
    told = [application_id for application_id, user_id, _locale in starting if user_id is not None]
    if told:
        from talent.programmes import review_tasks  # noqa: F401  (registers the job kind)

        enqueue(TELL_UNDER_REVIEW, {"application_ids": sorted(told)}, user=db.session.get(User, actor_id))
    # Objects already in the session must not keep the old state.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Application) and obj.call_id == call.id:
            db.session.expire(obj, ["status", "updated_at"])


def _tell_reviewers_in_bulk(rows: list[tuple[int, int]], now: datetime) -> None:
    counts: dict[int, int] = {}
    for _application, reviewer_id in rows:
        counts[reviewer_id] = counts.get(reviewer_id, 0) + 1
    reviewers = db.session.scalars(select(User).where(User.id.in_(list(counts)))).all()
    link = path_for("programmes.review_queue")
    notifications = []
    for reviewer in reviewers:
        with recipient_locale(reviewer):
            message = _("You have %(count)d new applications to review.", count=counts[reviewer.id])
            subject = _("New applications to review")
        notifications.append({"user_id": reviewer.id, "message": message, "link": link, "created_at": now})
        if reviewer.is_active:
            send_mail(reviewer.email, subject, f"{message}\n\n{absolute_url(link)}")
    db.session.execute(insert(Notification), notifications)


# --- conflicts -------------------------------------------------------------------------------


def declare_conflict(
    review: Review, reason: str, *, actor=None, now: datetime | None = None
) -> Review | None:
    """The reviewer declares a conflict with this application's applicant.

    The review leaves their queue, a standing conflict with the applicant is recorded (so they are
    never given this person again), and the least loaded reviewer the rules allow replaces them.
    Returns the replacement's review, or None when nobody can take it (the programme office sees
    the gap on the assignments page).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say briefly why you have a conflict of interest."), field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(_("At most %(n)d characters.", n=MAX_REASON), field="reason")
    application = lock_application(review.application_id)
    db.session.refresh(review, ["status"])
    review.declare_conflict(reason)
    audit.record("review.conflict_declared", review, actor=actor)
    _record_standing_conflict(review.reviewer_id, reason, person_id=application.person_id)
    db.session.flush()
    if application.status not in assignment.ASSIGNABLE_STATES:
        return None
    call = call_of(application)
    result = assignment.plan(call, application_ids=[application.id])
    if not result.rows:
        return None
    replacement = db.session.get(User, result.rows[0][1])
    return assign_reviewer(application, replacement, actor=actor, now=now)


def _record_standing_conflict(
    reviewer_id: int, reason: str, *, person_id: int | None = None, institution_id: int | None = None
) -> ReviewerConflict:
    existing = db.session.execute(
        select(ReviewerConflict).where(
            ReviewerConflict.reviewer_id == reviewer_id,
            ReviewerConflict.person_id.is_(None)
            if person_id is None
            else ReviewerConflict.person_id == person_id,
            ReviewerConflict.institution_id.is_(None)
            if institution_id is None
            else ReviewerConflict.institution_id == institution_id,
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    conflict = ReviewerConflict(
        reviewer_id=reviewer_id, person_id=person_id, institution_id=institution_id, reason=reason
    )
    db.session.add(conflict)
    db.session.flush()
    audit.record(
        "reviewer_conflict.declared",
        conflict,
        changes={"person_id": [None, person_id], "institution_id": [None, institution_id]},
    )
    return conflict


def declare_standing_conflict(
    reviewer: User, reason: str, *, institution_id: int | None = None, email: str | None = None, actor=None
) -> ReviewerConflict:
    """A reviewer names an institution, or a person by e-mail address, they must never review.

    Reviews already assigned stay as they are; the reviewer declares a conflict on each of those.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say briefly why you have a conflict of interest."), field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(_("At most %(n)d characters.", n=MAX_REASON), field="reason")
    if (institution_id is None) == (not email):
        raise ValidationFailed(
            _("Choose an institution or give a person's e-mail address."), field="institution_id"
        )
    if institution_id is not None:
        if db.session.get(Institution, institution_id) is None:
            raise ValidationFailed(_("Choose an institution from the list."), field="institution_id")
        return _record_standing_conflict(reviewer.id, reason, institution_id=institution_id)
    person = db.session.execute(
        select(Person).where(Person.email == email.strip().lower()).order_by(Person.id).limit(1)
    ).scalar_one_or_none()
    if person is None:
        raise ValidationFailed(
            _("Nobody with this e-mail address is on file, so there is no one to exclude."), field="email"
        )
    return _record_standing_conflict(reviewer.id, reason, person_id=person.id)


# --- withdrawal ------------------------------------------------------------------------------


def withdraw_review(review: Review, *, actor=None) -> Review:
    """The programme office takes a reviewer off an application they have not scored yet."""
    lock_application(review.application_id)
    db.session.refresh(review, ["status"])
    if review.status != ReviewStatus.ASSIGNED:
        raise IllegalTransition(
            _(
                "Only reviews not yet submitted can be withdrawn; this one is %(state)s.",
                state=_state(review),
            ),
            field="review_id",
        )
    review.withdraw()
    audit.record("review.withdrawn", review, actor=actor)
    reviewer = db.session.get(User, review.reviewer_id)
    _tell_reviewer(
        reviewer,
        lambda: _(
            "The programme office took application %(ref)s off your list; you need not review it.",
            ref=reference(review.application_id),
        ),
        lambda: None,
        path_for("programmes.review_queue"),
    )
    db.session.flush()
    return review


def _state(review: Review) -> str:
    from talent.programmes.labels import REVIEW_STATUS

    return str(REVIEW_STATUS[review.status])
