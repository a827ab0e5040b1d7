"""Call pages: the public list of open calls, a call's page, the eligibility check; and the
programme office's programmes and calls (lists, forms, publishing).

An unpublished call answers 404 to everyone but administrators, like an id that does not exist.
"""

from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from talent.core.db import utcnow
from talent.core.errors import DomainError
from talent.core.i18n import select_timezone
from talent.core.permissions import ADMIN, AUTHENTICATED, PUBLIC, access, get_or_404
from talent.core.queries import history_for, is_id
from talent.extensions import db
from talent.programmes import call_queries as queries
from talent.programmes import calls, eligibility
from talent.programmes.blueprint import bp
from talent.programmes.call_forms import CallForm, ProgrammeForm
from talent.programmes.labels import DOCUMENT_TYPE, PROGRAMME_KIND
from talent.programmes.models import Call, Programme
from talent.reference import queries as reference_queries
from talent.reference.data.isced import level_label
from talent.reference.operations import profile_of

HISTORY_SHOWN = 20


# --- times and words -----------------------------------------------------------------------


def time_left(until: datetime, now: datetime) -> str:
    """The time to `until` in plain words: "3 days 4 hours", "5 hours 10 minutes", "12 minutes"."""
    seconds = int((until - now).total_seconds())
    if seconds < 60:
        return _("less than a minute")
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(ngettext("%(num)d day", "%(num)d days", days))
    if hours:
        parts.append(ngettext("%(num)d hour", "%(num)d hours", hours))
    if minutes and not days:
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", minutes))
    return " ".join(parts)


def call_state(call: Call, now: datetime) -> str:
    if not call.is_published:
        return _("not published")
    if now < call.opens_at:
        return _("opening soon")
    if call.has_closed(now):
        return _("closed")
    return _("open")


def _render(template: str, status: int = 200, **context):
    now = context.setdefault("now", utcnow())
    context.update(
        locale=str(get_locale() or "en"),
        viewer_zone=select_timezone(),
        time_left=lambda until: time_left(until, now),
        call_state=lambda call: call_state(call, now),
        kind_words=PROGRAMME_KIND,
        document_words=DOCUMENT_TYPE,
        country_name=eligibility.country_name,
        level_label=level_label,
    )
    return render_template(template, **context), status


def _status(error: DomainError | None, form) -> int:
    if error is not None:
        return error.status_code
    return 422 if form.errors or getattr(form, "rubric_errors", None) else 200


def _attach(form, error: DomainError) -> DomainError:
    if not form.attach(error):
        flash(error.message, "error")
    return error


def _per_page() -> int:
    return int(current_app.config["PAGE_SIZE"])


def _visible_call(call_id: int) -> Call:
    call = db.session.get(Call, call_id)
    if call is None or not call.can_view(current_user):
        abort(404)
    return call


# --- public --------------------------------------------------------------------------------


@bp.get("/calls")
@access(PUBLIC)
def open_calls():
    now = utcnow()
    page = queries.open_calls_page(now=now, per_page=_per_page())
    soon = queries.opening_soon(now=now) if page.number == 1 else []
    return _render("programmes/calls/open_calls.html", page=page, soon=soon, now=now)


def _call_context(call: Call) -> dict:
    return {
        "call": call,
        "rule_words": eligibility.describe_all(call),
        "documents": eligibility.required_documents(call),
        "can_manage": call.can_manage(current_user),
    }


@bp.get("/calls/<int:call_id>")
@access(PUBLIC)
def call_page(call_id: int):
    call = _visible_call(call_id)
    context = _call_context(call)
    if context["can_manage"]:
        context["entries"] = history_for(call, HISTORY_SHOWN)
    return _render("programmes/calls/call.html", **context)


@bp.get("/calls/<int:call_id>/eligibility")
@access(AUTHENTICATED)
def check_eligibility(call_id: int):
    call = _visible_call(call_id)
    person = profile_of(current_user)
    result = eligibility.evaluate(call, person) if person is not None else None
    return _render("programmes/calls/eligibility.html", person=person, result=result, **_call_context(call))


# --- programmes (admin) --------------------------------------------------------------------


def _programme_form() -> ProgrammeForm:
    return ProgrammeForm(
        countries=reference_queries.country_choices(), institutions=reference_queries.institution_choices()
    )


@bp.get("/admin/programmes")
@access(ADMIN)
def admin_programmes():
    page = queries.programmes_page(per_page=_per_page())
    counts = queries.call_counts([programme.id for programme in page.items])
    return _render("programmes/calls/admin_programmes.html", page=page, counts=counts)


@bp.route("/admin/programmes/new", methods=["GET", "POST"])
@access(ADMIN)
def programme_new():
    form, error = _programme_form(), None
    if form.validate_on_submit():
        try:
            programme = calls.create_programme(**form.values(), actor=current_user)
        except DomainError as refused:
            error = _attach(form, refused)
        else:
            flash(_("Programme “%(name)s” created.", name=programme.name), "success")
            return redirect(url_for("programmes.admin_programmes"))
    return _render("programmes/calls/programme_form.html", _status(error, form), form=form, programme=None)


@bp.route("/admin/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@access(ADMIN)
def programme_edit(programme_id: int):
    programme = get_or_404(Programme, programme_id, "manage")
    form, error = _programme_form(), None
    if request.method == "GET":
        form.fill_from(programme)
    elif form.validate_on_submit():
        try:
            calls.update_programme(programme, **form.values(), actor=current_user)
        except DomainError as refused:
            error = _attach(form, refused)
        else:
            flash(_("Programme “%(name)s” saved.", name=programme.name), "success")
            return redirect(url_for("programmes.admin_programmes"))
    return _render(
        "programmes/calls/programme_form.html",
        _status(error, form),
        form=form,
        programme=programme,
        entries=history_for(programme, HISTORY_SHOWN),
    )


# --- calls (admin) -------------------------------------------------------------------------


@bp.get("/admin/calls")
@access(ADMIN)
def admin_calls():
    raw = request.args.get("programme", "")
    programme_id = int(raw) if is_id(raw) else None
    args = {"programme": programme_id} if programme_id is not None else {}
    page = queries.admin_calls_page(programme_id=programme_id, per_page=_per_page(), args=args)
    counts = queries.application_counts([call.id for call in page.items])
    programme = db.session.get(Programme, programme_id) if programme_id is not None else None
    return _render(
        "programmes/calls/admin_calls.html",
        page=page,
        counts=counts,
        programme=programme,
    )


def _call_form() -> CallForm:
    return CallForm(programmes=queries.programme_choices())


@bp.route("/admin/calls/new", methods=["GET", "POST"])
@access(ADMIN)
def call_new():
    form, error = _call_form(), None
    if request.method == "GET":
        form.programme_id.data = request.args.get("programme_id", "")
    elif form.validate_on_submit():
        try:
            call = calls.create_call(**form.values(), actor=current_user)
        except DomainError as refused:
            error = _attach(form, refused)
        else:
            flash(_("Call “%(title)s” created. Publish it when it is ready.", title=call.title), "success")
            return redirect(url_for("programmes.call_page", call_id=call.id))
    return _render("programmes/calls/call_form.html", _status(error, form), form=form, call=None)


@bp.route("/admin/calls/<int:call_id>/edit", methods=["GET", "POST"])
@access(ADMIN)
def call_edit(call_id: int):
    call = get_or_404(Call, call_id, "manage")
    form, error = _call_form(), None
    if request.method == "GET":
        form.fill_from(call)
    elif form.validate_on_submit():
        try:
            calls.update_call(call, **form.values(), actor=current_user)
        except DomainError as refused:
            error = _attach(form, refused)
        else:
            flash(_("Call “%(title)s” saved.", title=call.title), "success")
            return redirect(url_for("programmes.call_page", call_id=call.id))
    return _render(
        "programmes/calls/call_form.html",
        _status(error, form),
        form=form,
        call=call,
        entries=history_for(call, HISTORY_SHOWN),
    )


@bp.post("/admin/calls/<int:call_id>/publish")
@access(ADMIN)
def publish_call(call_id: int):
    call = get_or_404(Call, call_id, "manage")
    try:
        calls.publish_call(call, actor=current_user)
    except DomainError as refused:
        flash(refused.message, "error")
        context = _call_context(call)
        return _render(
            "programmes/calls/call.html", refused.status_code, entries=history_for(call), **context
        )
    flash(_("Call “%(title)s” is published.", title=call.title), "success")
    return redirect(url_for("programmes.call_page", call_id=call.id))
