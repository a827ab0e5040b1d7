"""Automatic and manual assignment: each conflict rule, load balancing, idempotent re-runs,
replacement after a declared conflict, and the report of applications left short."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from talent.core.audit import AuditEntry
from talent.core.errors import IllegalTransition, ValidationFailed
from talent.core.jobs import JobContext, run_pending_jobs
from talent.core.models import Job, JobStatus, Notification
from talent.programmes import review_tasks
from talent.programmes import reviews as operations
from talent.programmes.models import (
    Application,
    ApplicationStatus,
    Review,
    ReviewerConflict,
    ReviewStatus,
)


def active_reviewers(db, application) -> list[int]:
    return list(
        db.session.scalars(
            select(Review.reviewer_id).where(
                Review.application_id == application.id,
                Review.status.in_([ReviewStatus.ASSIGNED, ReviewStatus.SUBMITTED]),
            )
        )
    )


def test_every_application_gets_distinct_reviewers_and_moves_under_review(
    db, make_call, make_reviewer, submitted, users
):
    call = make_call(reviewers_per_application=3)
    for _ in range(5):
        make_reviewer()
    applications = [submitted(call) for _ in range(4)]

    report = operations.auto_assign(call, actor=users["admin"])
    db.session.commit()

    assert report.assigned == 12 and report.is_complete
    for application in applications:
        chosen = active_reviewers(db, application)
        assert len(chosen) == len(set(chosen)) == 3
        db.session.refresh(application)
        assert application.status == ApplicationStatus.UNDER_REVIEW
    audit = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "application.review_started")
    ).all()
    assert {entry.object_id for entry in audit} >= {str(a.id) for a in applications}


def test_applicants_are_told_by_mail_in_the_background_once_each(
    db, make_call, make_reviewer, submitted, make_user, make_person, users, outbox
):
    call = make_call(reviewers_per_application=1)
    make_reviewer()
    account = make_user("applicant", email="amina@example.org")
    told = submitted(call, person=make_person(user_id=account.id))
    submitted(call)  # a person without an account: nobody to tell

    operations.auto_assign(call, actor=users["admin"])
    db.session.commit()
    job = db.session.scalars(select(Job).where(Job.kind == operations.TELL_UNDER_REVIEW)).one()
    assert job.params == {"application_ids": [told.id]}
    assert outbox("amina@example.org") == []  # the request itself sends nothing

    assert run_pending_jobs() == 1
    db.session.refresh(job)
    assert job.status == JobStatus.DONE and job.done == job.total == 1
    mails = outbox("amina@example.org")
    assert [m["Subject"] for m in mails] == ["Your application is under review"]
    notices = db.session.scalars(select(Notification).where(Notification.user_id == account.id)).all()
    assert [n.message for n in notices] == [f"Your application A-{told.id:06d} is now with the reviewers."]

    # A job claimed again after a crash resumes after what it had committed: nobody is told twice.
    review_tasks.tell_applicants_under_review(job, JobContext(job))
    assert len(outbox("amina@example.org")) == 1


def test_load_is_balanced_and_counts_work_in_other_calls(
    db, make_call, make_reviewer, submitted, make_review
):
    busy = make_reviewer()
    others = [make_reviewer() for _ in range(5)]
    elsewhere = make_call()
    for _ in range(4):
        make_review(submitted(elsewhere), busy)
    call = make_call(reviewers_per_application=2)
    for _ in range(10):
        submitted(call)

    operations.auto_assign(call)

    loads = Counter(
        db.session.scalars(select(Review.reviewer_id).join(Application).where(Application.call_id == call.id))
    )
    # 20 reviews over 6 reviewers, the busy one starting with 4: everyone ends with 4 or 5 in all.
    totals = {r.id: loads.get(r.id, 0) for r in others}
    totals[busy.id] = loads.get(busy.id, 0) + 4
    assert max(totals.values()) - min(totals.values()) <= 1
    assert loads.get(busy.id, 0) < min(loads[r.id] for r in others)


def test_same_institution_is_never_assigned(db, make_call, make_reviewer, submitted, make_institution):
    home = make_institution(name="Addis Ababa University")
    colleague = make_reviewer(institution=home)
    outsiders = [make_reviewer() for _ in range(3)]
    call = make_call(reviewers_per_application=3)
    application = submitted(call, institution=home)

    operations.auto_assign(call)

    assert sorted(active_reviewers(db, application)) == sorted(r.id for r in outsiders)
    assert colleague.id not in active_reviewers(db, application)


def test_same_nationality_excluded_only_when_the_call_says_so(db, make_call, make_reviewer, submitted):
    compatriot = make_reviewer(nationality="KE")
    for _ in range(2):
        make_reviewer(nationality="EG")
    strict = make_call(reviewers_per_application=3, is_nationality_conflict=True)
    lenient = make_call(reviewers_per_application=3, is_nationality_conflict=False)
    kenyan_strict = submitted(strict, nationality="KE")
    kenyan_lenient = submitted(lenient, nationality="KE")

    report = operations.auto_assign(strict)
    operations.auto_assign(lenient)

    assert compatriot.id not in active_reviewers(db, kenyan_strict)
    assert len(active_reviewers(db, kenyan_strict)) == 2
    assert [s.application_id for s in report.shortfalls] == [kenyan_strict.id]
    assert "2 of 3" in report.shortfalls[0].reason
    assert compatriot.id in active_reviewers(db, kenyan_lenient)


def test_declared_conflicts_with_a_person_or_an_institution(
    db, make_call, make_reviewer, submitted, make_institution
):
    call = make_call(reviewers_per_application=2)
    school = make_institution()
    by_institution = submitted(call, institution=school)
    by_person = submitted(call)
    knows_school = make_reviewer()
    knows_person = make_reviewer()
    neutral = [make_reviewer() for _ in range(2)]
    operations.declare_standing_conflict(knows_school, "I taught there", institution_id=school.id)
    person_email = "applicant-friend@example.org"
    by_person_person = db.session.get(Application, by_person.id)
    from talent.reference.models import Person

    db.session.get(Person, by_person_person.person_id).email = person_email
    operations.declare_standing_conflict(knows_person, "A former student", email=person_email)
    db.session.commit()

    operations.auto_assign(call)

    assert knows_school.id not in active_reviewers(db, by_institution)
    assert knows_person.id not in active_reviewers(db, by_person)
    assert len(active_reviewers(db, by_institution)) == len(active_reviewers(db, by_person)) == 2
    assert {r.id for r in neutral} <= set(active_reviewers(db, by_institution)) | set(
        active_reviewers(db, by_person)
    )


def test_inactive_users_and_non_reviewers_are_never_assigned(
    db, make_call, make_reviewer, make_user, submitted
):
    make_reviewer(active=False)
    make_user("admin")
    call = make_call(reviewers_per_application=1)
    application = submitted(call)

    report = operations.auto_assign(call)

    assert report.assigned == 0
    assert [s.application_id for s in report.shortfalls] == [application.id]
    assert report.shortfalls[0].reason == "There are no active reviewers."


def test_re_running_only_fills_gaps(db, make_call, make_reviewer, submitted):
    reviewers = [make_reviewer() for _ in range(4)]
    call = make_call(reviewers_per_application=2)
    applications = [submitted(call) for _ in range(3)]
    first = operations.auto_assign(call)
    assert first.assigned == 6

    again = operations.auto_assign(call)
    assert again.assigned == 0 and again.already_covered == 3

    review = db.session.scalars(select(Review).where(Review.application_id == applications[0].id)).first()
    operations.withdraw_review(review)
    refill = operations.auto_assign(call)
    assert refill.assigned == 1
    chosen = active_reviewers(db, applications[0])
    assert len(chosen) == 2 and review.reviewer_id not in chosen  # never the same reviewer twice
    assert len(reviewers) == 4


def test_decided_and_draft_applications_are_left_alone(db, make_call, make_reviewer, make_application):
    make_reviewer()
    call = make_call(reviewers_per_application=1)
    make_application(call=call, status=ApplicationStatus.DRAFT)
    make_application(call=call, status=ApplicationStatus.REJECTED)

    assert operations.auto_assign(call).assigned == 0


def test_manual_assignment_refuses_a_conflicted_reviewer_with_the_reason(
    db, make_call, make_reviewer, submitted, make_institution
):
    home = make_institution()
    colleague = make_reviewer(institution=home, display_name="Dr Colleague")
    call = make_call()
    application = submitted(call, institution=home)

    with pytest.raises(ValidationFailed) as refused:
        operations.assign_reviewer(application, colleague)
    assert "Dr Colleague" in refused.value.message
    assert "institution" in refused.value.message
    assert db.session.scalars(select(Review)).all() == []


def test_manual_assignment_moves_to_under_review_and_tells_the_reviewer(
    db, make_call, make_reviewer, submitted
):
    reviewer = make_reviewer()
    application = submitted(make_call())

    review = operations.assign_reviewer(application, reviewer)

    assert application.status == ApplicationStatus.UNDER_REVIEW
    assert review.status == ReviewStatus.ASSIGNED
    assert db.session.scalars(select(Notification).where(Notification.user_id == reviewer.id)).one()
    with pytest.raises(ValidationFailed, match="already"):
        operations.assign_reviewer(application, reviewer)


def test_manual_assignment_refuses_a_decided_application(db, make_call, make_reviewer, make_application):
    application = make_application(call=make_call(), status=ApplicationStatus.ACCEPTED)
    with pytest.raises(IllegalTransition):
        operations.assign_reviewer(application, make_reviewer())


def test_declared_conflict_is_replaced_and_remembered(db, make_call, make_reviewer, submitted):
    first, second = make_reviewer(), make_reviewer()
    call = make_call(reviewers_per_application=1)
    application = submitted(call)
    review = operations.assign_reviewer(application, first)

    replacement = operations.declare_conflict(review, "She was my student")

    assert review.status == ReviewStatus.CONFLICT and review.conflict_reason == "She was my student"
    assert replacement is not None and replacement.reviewer_id == second.id
    standing = db.session.scalars(
        select(ReviewerConflict).where(ReviewerConflict.reviewer_id == first.id)
    ).one()
    assert standing.person_id == application.person_id


def test_declared_conflict_without_anyone_free_says_so(db, make_call, make_reviewer, submitted):
    only = make_reviewer()
    application = submitted(make_call(reviewers_per_application=1))
    review = operations.assign_reviewer(application, only)

    assert operations.declare_conflict(review, "My cousin") is None
    assert active_reviewers(db, application) == []


def test_a_conflict_needs_a_reason(db, make_call, make_reviewer, submitted):
    review = operations.assign_reviewer(submitted(make_call()), make_reviewer())
    with pytest.raises(ValidationFailed):
        operations.declare_conflict(review, "   ")
    assert review.status == ReviewStatus.ASSIGNED


def test_same_seed_same_plan(db, make_call, make_reviewer, submitted):
    from talent.programmes import assignment

    for _ in range(6):
        make_reviewer()
    call = make_call(reviewers_per_application=3)
    for _ in range(5):
        submitted(call)
    assert assignment.plan(call, seed=4).rows == assignment.plan(call, seed=4).rows
