"""The public course catalogue and course pages; course forms (admin); cohort set-up and sessions
(admin and the host's or partner's staff)."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from talent.core.errors import DomainError
from talent.core.permissions import ADMIN, PUBLIC, Role, access, get_or_404, roles
from talent.core.queries import history_for
from talent.extensions import db
from talent.reference.data.isced import field_label, level_label
from talent.workshops import operations, queries
from talent.workshops.blueprint import bp
from talent.workshops.forms import (
    SESSION_KIND_LABELS,
    CatalogueFilterForm,
    CohortForm,
    CourseForm,
    SessionForm,
    SessionPatternForm,
    language_name,
)
from talent.workshops.models import Cohort, CohortSession, Course

COHORT_STAFF = roles(Role.ADMIN, Role.INSTITUTION)
SESSIONS_PER_PAGE = 50
HISTORY_SHOWN = 20


def _per_page() -> int:
    return int(current_app.config["PAGE_SIZE"])


def _status(error: DomainError | None, *forms) -> int:
    """422 when a form or a rule refused the input, the error's own status for a refused state."""
    if error is not None:
        return error.status_code
    return 422 if any(form.errors for form in forms) else 200


def _render(template: str, status: int = 200, **context):
    context.update(
        locale=str(get_locale() or "en"),
        isced_field_label=field_label,
        isced_level_label=level_label,
        language_name=language_name,
        session_kind_labels=SESSION_KIND_LABELS,
    )
    return render_template(template, **context), status


def _attach(form, error: DomainError) -> DomainError:
    """Show the message next to its field, or at the top of the page when no field matches."""
    name = error.field or ""
    target = form.field_for(name) if hasattr(form, "field_for") else form._fields.get(name)
    if target is None:
        flash(error.message, "error")
    else:
        target.errors = [*target.errors, error.message]
    return error


def _may_run_cohorts() -> bool:
    return COHORT_STAFF.check(current_user)


# --- catalogue and course pages (public) --------------------------------------------------


@bp.get("/courses")
@access(PUBLIC)
def catalogue():
    today = date.today()
    countries = queries.running_country_choices(today=today)
    wanted = request.args.get("country", "")
    if wanted and wanted not in dict(countries) and (name := queries.country_name(wanted)):
        countries.append((wanted, name))  # a bookmarked country where no cohort runs any more
    form = CatalogueFilterForm(request.args, countries=countries)
    if request.args and not form.validate():
        return _render("workshops/catalogue.html", 422, form=form, page=None, running={})
    page = queries.catalogue_page(today=today, **form.filters(), args=form.as_args(), per_page=_per_page())
    running = queries.countries_running([course.id for course in page.items], today=today)
    return _render(
        "workshops/catalogue.html",
        form=form,
        page=page,
        running=running,
        may_create=current_user.is_authenticated and current_user.is_admin,
    )


@bp.get("/courses/<int:course_id>")
@access(PUBLIC)
def course(course_id: int):
    item = get_or_404(Course, course_id, "view")
    cohorts = queries.open_cohorts_page(
        item, today=date.today(), per_page=_per_page(), args={"course_id": item.id}
    )
    can_manage = item.can_manage(current_user)
    return _render(
        "workshops/course.html",
        course=item,
        cohorts=cohorts,
        seats_left=queries.seats_left(cohorts.items),
        can_manage=can_manage,
        may_run=_may_run_cohorts(),
        entries=history_for(item) if can_manage else [],
    )


# --- course forms (admin) ------------------------------------------------------------------


@bp.route("/admin/courses/new", methods=["GET", "POST"])
@access(ADMIN)
def course_new():
    form, error = CourseForm(), None
    if form.validate_on_submit():
        try:
            item = operations.create_course(**form.values(), actor=current_user)
        except DomainError as refused:
            error = _attach(form, refused)
        else:
            flash(_("Course %(code)s created.", code=item.code), "success")
            return redirect(url_for("workshops.course", course_id=item.id))
    return _render("workshops/course_form.html", _status(error, form), form=form, course=None)


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@access(ADMIN)
def course_edit(course_id: int):
    item = get_or_404(Course, course_id, "manage")
    form, error = CourseForm(), None
    if request.method == "GET":
        form.fill_from(item)
    elif form.validate_on_submit():
        try:
            operations.update_course(item, **form.values(), actor=current_user)
        except DomainError as refused:
            error = _attach(form, refused)
        else:
            flash(_("Course %(code)s saved.", code=item.code), "success")
            return redirect(url_for("workshops.course", course_id=item.id))
    return _render(
        "workshops/course_form.html",
        _status(error, form),
        form=form,
        course=item,
        entries=history_for(item, HISTORY_SHOWN),
    )


# --- cohorts (admin and the host's or partner's staff) ------------------------------------


def _cohort_form() -> CohortForm:
    return CohortForm(
        courses=queries.course_choices(), hosts=queries.host_choices(), partners=queries.partner_choices()
    )


@bp.route("/cohorts/new", methods=["GET", "POST"])
@access(COHORT_STAFF)
def cohort_new():
    form, error = _cohort_form(), None
    if request.method == "GET":
        form.course_id.data = request.args.get("course_id", "")
        own = str(current_user.institution_id or "")
        if own and any(choice.value == own for choice in form.host_institution_id.choices):
            form.host_institution_id.data = own
    elif form.validate_on_submit():
        try:
            cohort = operations.create_cohort(**form.values(), actor=current_user)
        except DomainError as refused:
            error = _attach(form, refused)
        else:
            flash(_("Cohort created. Now add its sessions."), "success")
            return redirect(url_for("workshops.sessions", cohort_id=cohort.id))
    return _render("workshops/cohort_form.html", _status(error, form), form=form, cohort=None)


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@access(COHORT_STAFF)
def cohort_edit(cohort_id: int):
    cohort = get_or_404(Cohort, cohort_id, "manage")
    form, error = _cohort_form(), None
    if request.method == "GET":
        form.fill_from(cohort)
    elif form.validate_on_submit():
        try:
            operations.update_cohort(cohort, **form.values(), actor=current_user)
        except DomainError as refused:
            error = _attach(form, refused)
        else:
            flash(_("Cohort saved."), "success")
            return redirect(url_for("workshops.cohort", cohort_id=cohort.id))
    return _render(
        "workshops/cohort_form.html",
        _status(error, form),
        form=form,
        cohort=cohort,
        entries=history_for(cohort, HISTORY_SHOWN),
    )


# --- sessions ------------------------------------------------------------------------------


def _sessions_page(cohort: Cohort, *, add_form=None, pattern_form=None, error=None):
    page = queries.sessions_page(cohort, per_page=SESSIONS_PER_PAGE, args={"cohort_id": cohort.id})
    add_form = add_form if add_form is not None else SessionForm(prefix="add")
    pattern_form = pattern_form if pattern_form is not None else SessionPatternForm(prefix="pattern")
    return _render(
        "workshops/sessions.html",
        _status(error, add_form, pattern_form),
        cohort=cohort,
        page=page,
        marks=queries.attendance_counts([s.id for s in page.items]),
        total=queries.session_count(cohort),
        add_form=add_form,
        pattern_form=pattern_form,
        entries=history_for(cohort, HISTORY_SHOWN),
    )


@bp.get("/cohorts/<int:cohort_id>/sessions")
@access(COHORT_STAFF)
def sessions(cohort_id: int):
    return _sessions_page(get_or_404(Cohort, cohort_id, "manage"))


@bp.post("/cohorts/<int:cohort_id>/sessions/add")
@access(COHORT_STAFF)
def session_add(cohort_id: int):
    cohort = get_or_404(Cohort, cohort_id, "manage")
    form, error = SessionForm(prefix="add"), None
    if form.validate_on_submit():
        try:
            added = operations.add_session(
                cohort,
                form.held_on.data,
                form.title.data,
                form.kind.data,
                form.hours.data,
                actor=current_user,
            )
        except DomainError as refused:
            error = _attach(form, refused)
        else:
            flash(
                _(
                    "Session “%(title)s” added on %(date)s.",
                    title=added.title,
                    date=format_date(added.held_on),
                ),
                "success",
            )
            return redirect(url_for("workshops.sessions", cohort_id=cohort.id))
    return _sessions_page(cohort, add_form=form, error=error)


@bp.post("/cohorts/<int:cohort_id>/sessions/generate")
@access(COHORT_STAFF)
def sessions_generate(cohort_id: int):
    cohort = get_or_404(Cohort, cohort_id, "manage")
    form, error = SessionPatternForm(prefix="pattern"), None
    if form.validate_on_submit():
        try:
            made = operations.generate_sessions(
                cohort,
                form.weekdays.data,
                form.start.data,
                form.end.data,
                form.title_prefix.data,
                form.kind.data,
                form.hours.data,
                actor=current_user,
            )
        except DomainError as refused:
            error = _attach(form, refused)
        else:
            if made:
                flash(_("%(n)d sessions added.", n=len(made)), "success")
            else:
                flash(_("No session added: every matching date already has one."), "info")
            return redirect(url_for("workshops.sessions", cohort_id=cohort.id))
    return _sessions_page(cohort, pattern_form=form, error=error)


@bp.post("/cohorts/<int:cohort_id>/sessions/<int:session_id>/remove")
@access(COHORT_STAFF)
def session_remove(cohort_id: int, session_id: int):
    cohort = get_or_404(Cohort, cohort_id, "manage")
    item = db.session.get(CohortSession, session_id)
    if item is None or item.cohort_id != cohort.id:
        abort(404)
    title, held_on = item.title, item.held_on
    try:
        operations.remove_session(item, actor=current_user)
    except DomainError as refused:
        flash(refused.message, "error")
        return _sessions_page(cohort, error=refused)
    flash(_("Session “%(title)s” on %(date)s removed.", title=title, date=format_date(held_on)), "success")
    return redirect(url_for("workshops.sessions", cohort_id=cohort.id))
