"""Scores against a call's rubric: validation, the weighted score, and the application's figures.

Split from `reviews` (assignment and conflicts): scoring is its own job, used by the reviewer's page
and the API alike.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from talent.core import audit
from talent.core.db import utcnow
from talent.core.errors import IllegalTransition, ValidationFailed
from talent.extensions import db
from talent.programmes import assignment
from talent.programmes.models import Application, Call, Review, ReviewStatus
from talent.programmes.reviews import call_of, lock_application

THREE_PLACES = Decimal("0.001")
MAX_COMMENT = 5000


class ScoresInvalid(ValidationFailed):
    """Scores that do not fit the rubric; `errors` maps each bad criterion to its message."""

    def __init__(self, errors: dict[str, list[str]]):
        names = ", ".join(sorted(errors))
        super().__init__(_("These scores are missing or not 1 to 5: %(names)s.", names=names), field="scores")
        self.errors = errors


def weighted_score(call: Call, scores: dict[str, int]) -> Decimal:
    total = sum(Decimal(scores[c["code"]]) * Decimal(c["weight"]) for c in call.rubric) / 100
    return total.quantize(THREE_PLACES, rounding=ROUND_HALF_UP)


def clean_scores(call: Call, scores) -> dict[str, int]:
    """Every rubric criterion exactly once, each a whole number from 1 to 5; nothing else."""
    if not isinstance(scores, dict):
        raise ScoresInvalid({"scores": [_("Give the scores as an object: criterion → 1 to 5.")]})
    errors: dict[str, list[str]] = {}
    clean: dict[str, int] = {}
    codes = call.criterion_codes
    for code in codes:
        value = scores.get(code)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            errors[code] = [
                _("Give a whole number from 1 to 5.") if code in scores else _("Score this criterion.")
            ]
        else:
            clean[code] = value
    for code in scores:
        if code not in codes:
            errors[str(code)] = [_("This call's rubric has no such criterion.")]
    if errors:
        raise ScoresInvalid(errors)
    return clean


def submit_review(review: Review, scores, comment: str, *, actor=None, now: datetime | None = None) -> Review:
    """Score (or re-score) an application; allowed until the application is decided.

    The application's review count, mean and spread are recomputed from all its submitted reviews
    in the same transaction, under a lock on the application, so the ranking reads one row.
    """
    now = now or utcnow()
    application = lock_application(review.application_id)
    db.session.refresh(review, ["status"])
    if application.status not in assignment.ASSIGNABLE_STATES:
        raise IllegalTransition(
            _("This application is decided or withdrawn; its reviews can no longer change."), field="scores"
        )
    if review.status not in assignment.ACTIVE_REVIEW:
        raise IllegalTransition(_("This review can no longer be changed."), field="scores")
    call = call_of(application)
    clean = clean_scores(call, scores)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed(_("At most %(n)d characters.", n=MAX_COMMENT), field="comment")
    revised = review.status == ReviewStatus.SUBMITTED
    review.submit(clean, comment, weighted_score(call, clean), now)
    audit.record("review.revised" if revised else "review.submitted", review, actor=actor)
    db.session.flush()
    refresh_figures(application)
    db.session.flush()
    return review


def refresh_figures(application: Application) -> None:
    """Review count, mean weighted score and spread (highest − lowest) from the submitted reviews."""
    weighted = db.session.scalars(
        select(Review.weighted_score).where(
            Review.application_id == application.id, Review.status == ReviewStatus.SUBMITTED
        )
    ).all()
    weighted = [Decimal(w) for w in weighted if w is not None]
    application.review_count = len(weighted)
    if weighted:
        mean = sum(weighted) / len(weighted)
        application.score_mean = mean.quantize(THREE_PLACES, rounding=ROUND_HALF_UP)
        application.score_spread = (max(weighted) - min(weighted)).quantize(THREE_PLACES)
    else:
        application.score_mean = None
        application.score_spread = None
