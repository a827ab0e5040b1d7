"""Reminders to reviewers whose reviews are overdue (scheduled daily), and the background job
telling applicants that their applications went to the reviewers.

Idempotent: a review is reminded at most once every `REMIND_EVERY_DAYS` days, recorded in its
`last_reminded_at`. Each reviewer gets one message for all their reviews due a reminder, and the
reviews are marked by a conditional UPDATE, so two runs at the same moment cannot both send.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import or_, select, update

from talent.accounts.models import User
from talent.core.db import utcnow
from talent.core.jobs import register_job_kind
from talent.core.notifications import notify, path_for, recipient_locale
from talent.extensions import db
from talent.programmes import reviews
from talent.programmes.assignment import ASSIGNABLE_STATES
from talent.programmes.models import Application, Review, ReviewStatus
from talent.scheduler import scheduled, unit_of_work

REMIND_EVERY_DAYS = 3


def _due_condition(now: datetime, every_days: int):
    return (
        Review.status == ReviewStatus.ASSIGNED,
        Review.due_at < now,
        or_(Review.last_reminded_at.is_(None), Review.last_reminded_at <= now - timedelta(days=every_days)),
    )


def reviews_to_remind(now: datetime, every_days: int = REMIND_EVERY_DAYS) -> dict[int, list[int]]:
    """{reviewer id: review ids} of overdue reviews of undecided applications not reminded lately."""
    rows = db.session.execute(
        select(Review.reviewer_id, Review.id)
        .join(Application, Application.id == Review.application_id)
        .where(*_due_condition(now, every_days), Application.status.in_(ASSIGNABLE_STATES))
        .order_by(Review.reviewer_id, Review.id)
    )
    out: dict[int, list[int]] = defaultdict(list)
    for reviewer_id, review_id in rows:
        out[reviewer_id].append(review_id)
    return dict(out)


def remind_reviewer(reviewer_id: int, review_ids: list[int], now: datetime, every_days: int) -> int:
    """Mark the reviews reminded (those still due) and tell the reviewer once; returns how many."""
    marked = db.session.execute(
        update(Review)
        .where(Review.id.in_(review_ids), *_due_condition(now, every_days))
        .values(last_reminded_at=now)
        .returning(Review.id),
        execution_options={"synchronize_session": False},
    ).all()
    if not marked:
        return 0
    reviewer = db.session.get(User, reviewer_id)
    if reviewer is None or not reviewer.is_active:
        return len(marked)
    count = len(marked)
    with recipient_locale(reviewer):
        message = ngettext(
            "You have %(num)d overdue review. Please submit it, or declare a conflict if you cannot.",
            "You have %(num)d overdue reviews. Please submit them, or declare a conflict if you cannot.",
            count,
        )
        subject = _("Reminder: overdue reviews")
    notify(reviewer, message, link=path_for("programmes.review_queue"), mail_subject=subject)
    return count


@scheduled("programmes.review_reminders", trigger="cron", hour=7)
def send_review_reminders(now: datetime | None = None, every_days: int = REMIND_EVERY_DAYS) -> int:
    """Remind every reviewer with overdue reviews; one unit of work (commit) per reviewer."""
    now = now or utcnow()
    reminded = 0
    for reviewer_id, review_ids in reviews_to_remind(now, every_days).items():
        with unit_of_work():
            reminded += remind_reviewer(reviewer_id, review_ids, now, every_days)
    return reminded


# Applicants told per commit: a crash repeats at most this many messages' worth of work, and
# never a message already committed (the job resumes after the last committed batch).
TELL_BATCH = 200


def tell_applicants_under_review(job, ctx) -> dict:
    """Notify and mail each applicant of `application_ids`; resumes where a crashed run stopped."""
    ids = list(job.params["application_ids"])
    done = job.done or 0
    ctx.progress(done, len(ids))
    for start in range(done, len(ids), TELL_BATCH):
        for application_id in ids[start : start + TELL_BATCH]:
            reviews.tell_under_review(application_id)
        ctx.progress(min(start + TELL_BATCH, len(ids)), len(ids))
    return {"told": len(ids)}


register_job_kind(reviews.TELL_UNDER_REVIEW, tell_applicants_under_review, label=_l("Telling applicants"))
