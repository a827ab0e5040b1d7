"""Reminders for overdue reviews: sent once, not again the same day, again after the interval."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from talent.core.db import utcnow
from talent.core.models import Notification
from talent.programmes.models import ApplicationStatus
from talent.programmes.review_tasks import REMIND_EVERY_DAYS, send_review_reminders


def notes_for(db, user):
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id)).all()


def test_overdue_reviews_are_reminded_once_per_interval(
    db, make_call, make_reviewer, submitted, make_review, make_application, outbox
):
    address = f"late-{uuid.uuid4().hex[:8]}@example.org"
    late = make_reviewer(email=address)
    punctual = make_reviewer()
    call = make_call()
    now = utcnow()
    overdue = [make_review(submitted(call), late, due_at=now - timedelta(days=d)) for d in (1, 3)]
    make_review(submitted(call), punctual, due_at=now + timedelta(days=3))
    decided = make_application(call=call, status=ApplicationStatus.REJECTED)
    make_review(decided, punctual, due_at=now - timedelta(days=3))

    assert send_review_reminders(now=now) == 2
    assert len(notes_for(db, late)) == 1 and "2 overdue reviews" in notes_for(db, late)[0].message
    assert notes_for(db, punctual) == []
    assert len(outbox(address)) == 1
    for review in overdue:
        db.session.refresh(review)
        assert review.last_reminded_at is not None

    assert send_review_reminders(now=now + timedelta(hours=8)) == 0
    assert len(notes_for(db, late)) == 1 and len(outbox(address)) == 1

    assert send_review_reminders(now=now + timedelta(days=REMIND_EVERY_DAYS)) == 2
    assert len(notes_for(db, late)) == 2


def test_the_job_is_registered_with_the_scheduler():
    from talent.scheduler import periodic_jobs

    assert "programmes.review_reminders" in {job.job_id for job in periodic_jobs()}
