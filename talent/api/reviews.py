"""GET /api/v1/reviews (my assignments) and PUT /api/v1/reviews/{id} (score one).

Reviews carry no identifying data about the applicant, whatever the call's review mode: the
application appears by its neutral reference (`A-000042`).
"""

from __future__ import annotations

from http import HTTPStatus

import marshmallow as ma
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, raiseload

from talent.api.common import ApiBlueprint, InputSchema, api_access, json_body
from talent.api.pagination import PageArgs, keyset_page, paginated
from talent.core.db import utcnow
from talent.core.http import problem
from talent.core.permissions import Role, roles
from talent.programmes import review_scores
from talent.programmes import reviews as operations
from talent.programmes.models import Review, ReviewStatus
from talent.programmes.review_queries import load_review
from talent.programmes.review_scores import MAX_COMMENT

blp = ApiBlueprint("api_reviews", __name__, description="Programmes: reviews")

REVIEWER = roles(Role.REVIEWER)


class ReviewSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    application_id = ma.fields.Integer(required=True)
    reference = ma.fields.Function(
        lambda review: operations.reference(review.application_id),
        metadata={"description": "The application's neutral label, e.g. A-000042"},
    )
    call_id = ma.fields.Function(lambda review: review.application.call_id)
    status = ma.fields.String(metadata={"enum": [s.value for s in ReviewStatus]})
    due_at = ma.fields.AwareDateTime(required=True)
    is_overdue = ma.fields.Function(lambda review: review.is_overdue(utcnow()))
    scores = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    comment = ma.fields.String()
    weighted_score = ma.fields.Decimal(as_string=True, allow_none=True, metadata={"description": "1–5"})
    submitted_at = ma.fields.AwareDateTime(allow_none=True)


class ReviewListArgs(PageArgs):
    status = ma.fields.Enum(
        ReviewStatus, by_value=True, metadata={"description": "Only reviews in this state"}
    )


class ScoreSchema(InputSchema):
    scores = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Raw(),
        required=True,
        metadata={"description": "Every criterion code of the call's rubric → a whole number from 1 to 5"},
    )
    comment = ma.fields.String(load_default="", metadata={"maxLength": MAX_COMMENT})


@blp.route("/reviews")
@api_access(REVIEWER)
@blp.arguments(ReviewListArgs, location="query")
@blp.response(200, paginated(ReviewSchema))
def list_reviews(args):
    """My review assignments (reviewers), newest first by id"""
    stmt = (
        select(Review)
        .join(Review.application)
        .where(Review.reviewer_id == current_user.id)
        .options(contains_eager(Review.application), raiseload(Review.reviewer))
    )
    if status := args.get("status"):
        stmt = stmt.where(Review.status == status)
    return keyset_page(stmt, [Review.id], args)


@blp.route("/reviews/<int:review_id>", methods=["PUT"])
@api_access(REVIEWER)
@json_body(blp, ScoreSchema)
@blp.response(200, ReviewSchema)
@blp.alt_response(HTTPStatus.NOT_FOUND, response="NOT_FOUND")
@blp.alt_response(HTTPStatus.CONFLICT, response="CONFLICT")
def put_review(body, review_id: int):
    """Score (or re-score) one of my reviews

    Allowed until the application is decided. Scores that do not fit the rubric answer 422 with
    `errors.scores` naming each bad criterion.
    """
    review = load_review(review_id)
    if review is None:
        abort(HTTPStatus.NOT_FOUND)
    if review.reviewer_id != current_user.id or review.status not in (
        ReviewStatus.ASSIGNED,
        ReviewStatus.SUBMITTED,
    ):
        abort(HTTPStatus.FORBIDDEN, message=_("This review is not one of yours."))
    try:
        review_scores.submit_review(
            review, body["scores"], body.get("comment") or "", actor=current_user._get_current_object()
        )
    except review_scores.ScoresInvalid as invalid:
        return problem(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            HTTPStatus.UNPROCESSABLE_ENTITY.phrase,
            invalid.message,
            errors={"scores": invalid.errors},
        )
    return load_review(review_id)
