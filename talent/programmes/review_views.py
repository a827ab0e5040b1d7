"""Review pages: the reviewer's queue, scoring, conflicts; the admin's assignments and ranking.

The rules live in talent.programmes.reviews (operations) and talent.programmes.assignment (who may
review what); these views parse, authorise, call them and say what happened.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from talent.accounts.models import User
from talent.core.db import utcnow
from talent.core.errors import DomainError, ValidationFailed
from talent.core.pagination import decode_cursor
from talent.core.permissions import ADMIN, Role, access, get_or_404, roles
from talent.core.urls import safe_next
from talent.extensions import db
from talent.programmes import review_queries as queries
from talent.programmes import review_scores
from talent.programmes import reviews as operations
from talent.programmes.blueprint import bp
from talent.programmes.labels import APPLICATION_STATUS, DOCUMENT_TYPE, REVIEW_STATUS
from talent.programmes.models import (
    Application,
    ApplicationStatus,
    Call,
    Review,
    ReviewerConflict,
    ReviewStatus,
)
from talent.programmes.review_forms import (
    AssignForm,
    ConflictForm,
    StandingConflictForm,
    score_fields,
    score_form,
    scores_from,
)
from talent.reference.models import Institution
from talent.reference.queries import country_choices, institution_choices

REVIEWER = roles(Role.REVIEWER)
RANKING_PAGE_SIZE = 50
DECISION_CHOICES = (ApplicationStatus.ACCEPTED, ApplicationStatus.WAITLISTED, ApplicationStatus.REJECTED)


@bp.context_processor
def review_helpers():
    return {
        "review_status_words": REVIEW_STATUS,
        "review_reference": operations.reference,
        "application_status_words": APPLICATION_STATUS,
        "document_type_words": DOCUMENT_TYPE,
    }


def _per_page() -> int:
    return int(current_app.config["PAGE_SIZE"])


def _own_review(review_id: int) -> Review:
    """The current reviewer's active review; anyone else (and a declared conflict) sees nothing."""
    review = queries.load_review(review_id)
    if review is None:
        abort(404)
    if review.reviewer_id != current_user.id or review.status not in (
        ReviewStatus.ASSIGNED,
        ReviewStatus.SUBMITTED,
    ):
        abort(403)
    return review


# --- the reviewer ----------------------------------------------------------------------------------


@bp.route("/reviews")
@access(REVIEWER)
def review_queue():
    tab = request.args.get("tab", "todo")
    if tab not in queries.QUEUE_TABS:
        tab = "todo"
    page = queries.queue_page(current_user, tab, per_page=_per_page())
    return render_template(
        "programmes/reviews/queue.html",
        page=page,
        tab=tab,
        counts=queries.queue_counts(current_user),
        now=utcnow(),
    )


def _review_page(review: Review, form, conflict_form, *, error: str | None = None, status: int = 200):
    data = queries.review_page(review)
    page = render_template(
        "programmes/reviews/review.html",
        data=data,
        form=form,
        fields=score_fields(form, data.call),
        conflict_form=conflict_form,
        can_score=data.application.status in operations.assignment.ASSIGNABLE_STATES,
        error=error,
        now=utcnow(),
    )
    return page, status


@bp.route("/reviews/<int:review_id>", methods=["GET", "POST"])
@access(REVIEWER)
def review(review_id: int):
    review = _own_review(review_id)
    call = db.session.get(Call, review.application.call_id)
    form = score_form(call, review)
    conflict_form = ConflictForm(formdata=None)
    if request.method == "GET":
        return _review_page(review, form, conflict_form)
    if not form.validate_on_submit():
        return _review_page(review, form, conflict_form, status=422)
    try:
        review_scores.submit_review(
            review, scores_from(form, call), form.comment.data or "", actor=current_user._get_current_object()
        )
    except review_scores.ScoresInvalid as invalid:
        for code, messages in invalid.errors.items():
            if f"score-{code}" in form:
                form[f"score-{code}"].errors = list(messages)
        return _review_page(review, form, conflict_form, error=invalid.message, status=422)
    except DomainError as refused:
        target = form.comment if refused.field == "comment" else None
        if target is not None:
            target.errors = [refused.message]
        return _review_page(review, form, conflict_form, error=refused.message, status=422)
    flash(
        _("Your review is saved. Weighted score: %(score)s.", score=f"{review.weighted_score:.3f}"), "success"
    )
    return redirect(url_for("programmes.review", review_id=review.id))


@bp.route("/reviews/<int:review_id>/conflict", methods=["POST"])
@access(REVIEWER)
def declare_conflict(review_id: int):
    review = _own_review(review_id)
    call = db.session.get(Call, review.application.call_id)
    conflict_form = ConflictForm()
    if conflict_form.validate_on_submit():
        try:
            replacement = operations.declare_conflict(
                review, conflict_form.reason.data, actor=current_user._get_current_object()
            )
        except DomainError as refused:
            conflict_form.reason.errors = [refused.message]
        else:
            if replacement is not None:
                flash(_("Your conflict is recorded and another reviewer has been assigned."), "success")
            else:
                flash(
                    _(
                        "Your conflict is recorded. No other reviewer is free for this application at the "
                        "moment; the programme office will see it is missing a reviewer."
                    ),
                    "warning",
                )
            return redirect(url_for("programmes.review_queue"))
    return _review_page(review, score_form(call, review), conflict_form, status=422)


@bp.route("/reviews/conflicts", methods=["GET", "POST"])
@access(REVIEWER)
def standing_conflicts():
    form = StandingConflictForm(institutions=institution_choices())
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            institution_id = int(form.institution_id.data) if form.institution_id.data else None
            try:
                operations.declare_standing_conflict(
                    current_user._get_current_object(),
                    form.reason.data,
                    institution_id=institution_id,
                    email=form.email.data or None,
                )
            except ValidationFailed as refused:
                target = getattr(form, refused.field or "", None) or form.reason
                target.errors = [*target.errors, refused.message]
            else:
                flash(_("Your conflict of interest is recorded."), "success")
                return redirect(url_for("programmes.standing_conflicts"))
        status = 422
    conflicts = db.session.execute(
        db.select(ReviewerConflict, Institution.name)
        .outerjoin(Institution, Institution.id == ReviewerConflict.institution_id)
        .where(ReviewerConflict.reviewer_id == current_user.id)
        .order_by(ReviewerConflict.declared_at.desc(), ReviewerConflict.id.desc())
        .limit(200)
    ).all()
    return render_template("programmes/reviews/conflicts.html", form=form, conflicts=conflicts), status


# --- the programme office ------------------------------------------------------------------------


def _assignments_page(call: Call, report=None):
    return render_template(
        "programmes/reviews/assignments.html", overview=queries.assignments_overview(call), report=report
    )


@bp.route("/admin/calls/<int:call_id>/assignments")
@access(ADMIN)
def assignments(call_id: int):
    return _assignments_page(get_or_404(Call, call_id, "manage"))


@bp.route("/admin/calls/<int:call_id>/assignments/auto", methods=["POST"])
@access(ADMIN)
def auto_assign(call_id: int):
    call = get_or_404(Call, call_id, "manage")
    report = operations.auto_assign(call, actor=current_user._get_current_object())
    return _assignments_page(call, report)


def _back(default: str) -> str:
    return safe_next(request.form.get("next")) or default


@bp.route("/admin/applications/<int:application_id>/reviewers", methods=["POST"])
@access(ADMIN)
def assign_reviewer(application_id: int):
    application = get_or_404(Application, application_id, "manage")
    form = AssignForm()
    reviewer = db.session.get(User, form.reviewer_id.data) if form.validate_on_submit() else None
    if reviewer is None and not form.reviewer_id.errors:
        form.reviewer_id.errors = [_("Choose a reviewer from the list.")]
    if reviewer is not None:
        try:
            review = operations.assign_reviewer(
                application, reviewer, actor=current_user._get_current_object()
            )
        except DomainError as refused:
            form.reviewer_id.errors = [refused.message]
        else:
            flash(
                _(
                    "%(name)s now reviews application %(ref)s.",
                    name=reviewer.display_name,
                    ref=operations.reference(review.application_id),
                ),
                "success",
            )
            return redirect(_back(url_for("programmes.assignments", call_id=application.call_id)))
    page = render_template(
        "programmes/reviews/assign.html",
        application=application,
        reviewer_choices=queries.reviewer_choices(application),
        reviews=queries.reviews_of(application),
        errors=form.reviewer_id.errors,
        next=request.form.get("next"),
    )
    return page, 422


@bp.route("/admin/reviews/<int:review_id>/withdraw", methods=["POST"])
@access(ADMIN)
def withdraw_review(review_id: int):
    review = get_or_404(Review, review_id, "view")
    application = db.session.get(Application, review.application_id)
    back = _back(url_for("programmes.assignments", call_id=application.call_id))
    try:
        operations.withdraw_review(review, actor=current_user._get_current_object())
    except DomainError as refused:
        flash(refused.message, "error")
        return redirect(back)
    flash(
        _("The reviewer is taken off application %(ref)s.", ref=operations.reference(application.id)),
        "success",
    )
    return redirect(back)


def _ranking_filter(call: Call) -> queries.RankingFilter:
    wanted = [
        s for s in request.args.getlist("state") if s in {state.value for state in queries.RANKED_STATES}
    ]
    states = tuple(ApplicationStatus(s) for s in wanted) or queries.RANKED_STATES
    country = (request.args.get("country") or "").strip().upper()[:2] or None
    after = request.args.get("after") or None
    if after is not None and (len(after) > 200 or decode_cursor(after) is None):
        after = None
    return queries.RankingFilter(states=states, country=country, after=after)


@bp.route("/admin/calls/<int:call_id>/ranking")
@access(ADMIN)
def ranking(call_id: int):
    call = get_or_404(Call, call_id, "manage")
    filters = _ranking_filter(call)
    page = queries.ranking_page(call, filters, per_page=RANKING_PAGE_SIZE)
    return render_template(
        "programmes/reviews/ranking.html",
        call=call,
        page=page,
        filters=filters,
        countries=country_choices(),
        states=queries.RANKED_STATES,
        decisions=DECISION_CHOICES,
    )
