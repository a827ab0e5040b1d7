"""Staff answer requests to join; trainees withdraw or are removed; staff reorder the waitlist.

A freed seat goes to the first on the waitlist, who is told: talent.workshops.enrolment does
that, and these views say what happened.
"""

from __future__ import annotations

import math

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from talent.core.errors import ValidationFailed
from talent.core.permissions import AUTHENTICATED, access
from talent.core.urls import safe_next
from talent.extensions import db
from talent.reference.models import Person
from talent.reference.operations import clean_text
from talent.workshops import enrolment as rules
from talent.workshops import enrolment_queries as queries
from talent.workshops.blueprint import bp
from talent.workshops.enrolment_forms import REASON_MAX_LENGTH, WaitlistPositionForm, WithdrawForm
from talent.workshops.enrolment_views import STAFF, enrolment_or_404, managed_cohort, per_page
from talent.workshops.models import Cohort, EnrolmentStatus
from talent.workshops.roster_queries import seats as seats_of

# --- staff answer requests -----------------------------------------------------------------


def _requests_page(cohort: Cohort, *, error: str | None = None, status: int = 200):
    page = queries.pending_page(cohort, per_page=per_page())
    return render_template(
        "workshops/enrolment_requests.html",
        cohort=cohort,
        seats=seats_of(cohort),
        page=page,
        error=error,
        reason_max_length=REASON_MAX_LENGTH,
    ), status


@bp.get("/cohorts/<int:cohort_id>/requests")
@access(STAFF)
def enrolment_requests(cohort_id: int):
    return _requests_page(managed_cohort(cohort_id))


@bp.post("/enrolments/<int:enrolment_id>/approve")
@access(STAFF)
def approve_request(enrolment_id: int):
    enrolment = enrolment_or_404(enrolment_id, "manage")
    cohort, person = enrolment.cohort, enrolment.person
    try:
        rules.approve_request(enrolment, actor=current_user)
    except ValidationFailed as error:
        return _requests_page(cohort, error=error.message, status=422)
    if enrolment.status == EnrolmentStatus.ENROLLED:
        flash(_("%(name)s is enrolled.", name=person.name_latin), "success")
    else:
        flash(
            _(
                "The cohort is full: %(name)s is number %(position)d on the waitlist.",
                name=person.name_latin,
                position=enrolment.waitlist_position,
            ),
            "warning",
        )
    return redirect(url_for("workshops.enrolment_requests", cohort_id=cohort.id))


# --- withdraw, remove or decline -----------------------------------------------------------


def _after_withdrawal(cohort: Cohort, before: EnrolmentStatus, is_manager: bool) -> str:
    if not is_manager:
        return url_for("workshops.my_courses")
    if before == EnrolmentStatus.PENDING:
        return url_for("workshops.enrolment_requests", cohort_id=cohort.id)
    if before == EnrolmentStatus.WAITLISTED:
        return url_for("workshops.waitlist", cohort_id=cohort.id)
    return url_for("workshops.cohort", cohort_id=cohort.id)


def _withdrawn_message(person, cohort: Cohort, before: EnrolmentStatus, is_manager: bool) -> str:
    if not is_manager:
        return _("You are withdrawn from %(course)s.", course=cohort.course.title_in(str(get_locale())))
    if before == EnrolmentStatus.PENDING:
        return _("The request of %(name)s is declined.", name=person.name_latin)
    return _("%(name)s is withdrawn from the cohort.", name=person.name_latin)


@bp.route("/enrolments/<int:enrolment_id>/withdraw", methods=["GET", "POST"])
@access(AUTHENTICATED)
def withdraw_enrolment(enrolment_id: int):
    enrolment = enrolment_or_404(enrolment_id, "view")  # the trainee, or the cohort's managers
    cohort, person = enrolment.cohort, enrolment.person
    is_manager = cohort.can_manage(current_user)
    form = WithdrawForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    error = None
    if form.validate_on_submit():
        before = enrolment.status
        try:
            reason = clean_text(form.reason.data, "reason", max_length=REASON_MAX_LENGTH) or ""
            promoted = rules.withdraw(enrolment, actor=current_user, reason=reason)
        except ValidationFailed as refused:
            if refused.field == "reason":
                form.reason.errors = [*form.reason.errors, refused.message]
            else:
                error = refused.message
        else:
            flash(_withdrawn_message(person, cohort, before, is_manager), "success")
            if promoted is not None and is_manager:
                flash(
                    _(
                        "%(name)s moved up from the waitlist into the free seat and has been told.",
                        name=db.session.get(Person, promoted.person_id).name_latin,
                    ),
                    "info",
                )
            return redirect(safe_next(form.next.data) or _after_withdrawal(cohort, before, is_manager))
    page = render_template(
        "workshops/enrolment_withdraw.html",
        enrolment=enrolment,
        cohort=cohort,
        person=person,
        is_manager=is_manager,
        form=form,
        error=error,
    )
    return page, 422 if error or form.errors else 200


# --- the waitlist --------------------------------------------------------------------------


def _waitlist_page(cohort: Cohort, *, number: int | None = None, failed=None, form=None, status: int = 200):
    page = queries.waitlist_page(cohort, per_page=per_page(), number=number)
    # A refused move is shown beside its row; someone no longer waiting has no row to show it by.
    error = None
    if failed is not None and failed.status != EnrolmentStatus.WAITLISTED:
        error = " ".join(form.position.errors)
    return render_template(
        "workshops/waitlist.html",
        cohort=cohort,
        seats=seats_of(cohort),
        page=page,
        failed=failed,
        failed_form=form,
        error=error,
    ), status


def _page_holding(position: int | None) -> int | None:
    return math.ceil(position / per_page()) if position else None


@bp.get("/cohorts/<int:cohort_id>/waitlist")
@access(STAFF)
def waitlist(cohort_id: int):
    return _waitlist_page(managed_cohort(cohort_id))


@bp.post("/enrolments/<int:enrolment_id>/waitlist-position")
@access(STAFF)
def move_in_waitlist(enrolment_id: int):
    enrolment = enrolment_or_404(enrolment_id, "manage")
    cohort, person = enrolment.cohort, enrolment.person
    form = WaitlistPositionForm()
    if form.validate_on_submit():
        try:
            rules.move_in_waitlist(enrolment, form.position.data, actor=current_user)
        except ValidationFailed as refused:
            form.position.errors = [*form.position.errors, refused.message]
        else:
            flash(
                _(
                    "%(name)s is now number %(position)d on the waitlist.",
                    name=person.name_latin,
                    position=enrolment.waitlist_position,
                ),
                "success",
            )
            return redirect(
                url_for(
                    "workshops.waitlist", cohort_id=cohort.id, page=_page_holding(enrolment.waitlist_position)
                )
            )
    return _waitlist_page(
        cohort, number=_page_holding(enrolment.waitlist_position), failed=enrolment, form=form, status=422
    )
