"""The cohort page with its roster, attendance per session, scores, closing and roster export."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.numbers import get_decimal_symbol
from flask import Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from talent.core.errors import ValidationFailed
from talent.core.permissions import PUBLIC, Role, access, get_or_404, roles
from talent.core.queries import history_for
from talent.workshops import exports, progress
from talent.workshops import roster_queries as queries
from talent.workshops.blueprint import bp
from talent.workshops.completion import reason_text
from talent.workshops.forms import language_name
from talent.workshops.labels import COHORT_STATUS, ENROLMENT_STATUS, SESSION_KIND
from talent.workshops.models import Cohort, CohortSession, CohortStatus
from talent.workshops.roster_forms import (
    SORT_LABELS,
    CloseForm,
    RosterFilterForm,
    attendance_form,
    chosen_marks,
    chosen_scores,
    scores_form,
)

STAFF = roles(Role.ADMIN, Role.INSTITUTION)


@bp.context_processor
def progress_labels():
    return {
        "enrolment_status_labels": ENROLMENT_STATUS,
        "cohort_status_labels": COHORT_STATUS,
        "session_kind_labels": SESSION_KIND,
        "reason_text": reason_text,
        "outcome_label": exports.outcome_label,
        "small_number": small_number,
        "language_name": language_name,
    }


def small_number(value) -> str:
    """A score or a percentage (0–100) in the reader's locale: 72.5 → "72,5" in French.

    Does what the `number` filter does for such values, with the locale's decimal sign looked
    up once per request: a roster shows a hundred of them.
    """
    if value is None:
        return ""
    if "decimal_sign" not in g:
        g.decimal_sign = get_decimal_symbol(get_locale())
    return format(Decimal(value).normalize(), "f").replace(".", g.decimal_sign)


def _managed_cohort(cohort_id: int) -> Cohort:
    return get_or_404(Cohort, cohort_id, "manage")


@bp.get("/cohorts/<int:cohort_id>")
@access(PUBLIC)
def cohort(cohort_id: int):
    item = get_or_404(Cohort, cohort_id, "view")
    sessions = queries.sessions_of(item)
    seats = queries.seats(item)
    can_manage = item.can_manage(current_user)
    form, page, filtered = None, None, False
    status = 200
    if can_manage:
        form = RosterFilterForm(request.args)
        if request.args.keys() - {"page"} and not form.validate():
            status = 422
        else:
            filters = queries.RosterFilter(
                search=(form.q.data or "").strip(),
                status=form.status_value,
                sort=form.sort.data if form.sort.data in queries.SORTS else "name",
                descending=form.order.data == "desc",
            )
            filtered = bool(filters.search or filters.status)
            page = queries.roster_page(
                item, filters, per_page=current_app.config["PAGE_SIZE"], sessions=len(sessions)
            )
    return render_template(
        "workshops/cohort.html",
        cohort=item,
        sessions=sessions,
        seats=seats,
        can_manage=can_manage,
        form=form,
        page=page,
        filtered=filtered,
        sort_labels=SORT_LABELS,
        words=exports.roster_words() if page else None,
    ), status


@bp.route("/cohorts/<int:cohort_id>/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@access(STAFF)
def session_attendance(cohort_id: int, session_id: int):
    item = _managed_cohort(cohort_id)
    session = get_or_404(CohortSession, session_id, permission=None)
    if session.cohort_id != item.id:
        abort(404)
    enrolments = queries.seat_holders(item)
    form = attendance_form(enrolments, queries.marks_for(session))
    status = 200
    if item.is_closed:
        if request.method == "POST":
            flash(_("This cohort is closed; its attendance can no longer change."), "error")
            status = 409
    elif form.validate_on_submit():
        try:
            changed = progress.record_attendance(session, chosen_marks(form, enrolments))
        except ValidationFailed as error:
            flash(error.message, "error")
            status = 422
        else:
            flash(_("Attendance saved: %(count)d marks changed.", count=changed), "success")
            return redirect(url_for("workshops.session_attendance", cohort_id=item.id, session_id=session.id))
    elif form.errors:
        status = 422
    return render_template(
        "workshops/attendance.html",
        cohort=item,
        session=session,
        enrolments=enrolments,
        form=form,
        entries=history_for(session),
    ), status


@bp.route("/cohorts/<int:cohort_id>/scores", methods=["GET", "POST"])
@access(STAFF)
def cohort_scores(cohort_id: int):
    item = _managed_cohort(cohort_id)
    enrolments = queries.seat_holders(item)
    form = scores_form(enrolments)
    status = 200
    if item.is_closed:
        if request.method == "POST":
            flash(_("This cohort is closed; its scores can no longer change."), "error")
            status = 409
    elif form.validate_on_submit():
        try:
            changed = progress.record_cohort_scores(item, chosen_scores(form, request.form, enrolments))
        except ValidationFailed as error:
            target = form[error.field] if error.field and error.field in form else None
            if target is None:
                flash(error.message, "error")
            else:
                target.errors = [*target.errors, error.message]
            status = 422
        else:
            flash(_("Scores saved for %(count)d trainees.", count=changed), "success")
            return redirect(url_for("workshops.cohort_scores", cohort_id=item.id))
    elif form.errors:
        status = 422
    return render_template("workshops/scores.html", cohort=item, enrolments=enrolments, form=form), status


@bp.route("/cohorts/<int:cohort_id>/close", methods=["GET", "POST"])
@access(STAFF)
def cohort_close(cohort_id: int):
    item = _managed_cohort(cohort_id)
    form = CloseForm()
    status = 200
    if request.method == "POST" and item.is_closed:
        if item.status == CohortStatus.CANCELLED:
            flash(_("This cohort was cancelled; there is nothing to close."), "error")
        else:
            flash(_("This cohort is already closed; its outcomes were fixed then."), "error")
        status = 409
    elif form.validate_on_submit():
        try:
            results = progress.close_cohort(item)
        except ValidationFailed as error:
            flash(error.message, "error")
            status = 409
        else:
            completed = sum(1 for r in results if r.completion.completed)
            flash(
                _(
                    "The cohort is closed: %(completed)d of %(total)d trainees completed.",
                    completed=completed,
                    total=len(results),
                ),
                "success",
            )
            return redirect(url_for("workshops.cohort", cohort_id=item.id))
    verdicts, upcoming = [], 0
    if not item.is_closed:
        verdicts = progress.verdicts(item)
        today = date.today()
        upcoming = sum(1 for session in queries.sessions_of(item) if session.held_on > today)
    return render_template(
        "workshops/close.html",
        cohort=item,
        verdicts=verdicts,
        upcoming=upcoming,
        form=form,
    ), status


def _export(cohort_id: int, extension: str) -> Response:
    item = _managed_cohort(cohort_id)
    if extension == "csv":
        body, mimetype = exports.roster_csv(item), exports.CSV_MIMETYPE
    else:
        body, mimetype = exports.roster_xlsx(item), exports.XLSX_MIMETYPE
    response = Response(body, content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{exports.filename(item, extension)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/cohorts/<int:cohort_id>/roster.csv")
@access(STAFF)
def roster_csv(cohort_id: int):
    return _export(cohort_id, "csv")


@bp.get("/cohorts/<int:cohort_id>/roster.xlsx")
@access(STAFF)
def roster_xlsx(cohort_id: int):
    return _export(cohort_id, "xlsx")
