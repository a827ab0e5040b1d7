"""Placements of exchange participants: the programme office creates and edits them; the host
institution's staff (or the office) confirm arrival and then completion, which issues the
programme-completion certificate. The rules are talent.programmes.placements'.
"""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from talent.core.errors import DomainError
from talent.core.permissions import ADMIN, Role, access, get_or_404, require, roles
from talent.programmes import placements as rules
from talent.programmes.admin_queries import load_application
from talent.programmes.blueprint import bp
from talent.programmes.decision_forms import ArrivalForm, CompletionForm, PlacementForm
from talent.programmes.labels import PLACEMENT_STATUS
from talent.programmes.models import Application, Placement, PlacementStatus
from talent.reference.queries import institution_choices

HOSTS = roles(Role.ADMIN, Role.INSTITUTION)


@bp.context_processor
def placement_helpers():
    return {
        "placement_status_labels": PLACEMENT_STATUS,
        # For the applicant's page (`programmes/placements/_placement.html`): one query when shown.
        "placement_for": rules.placement_of,
    }


def _today() -> date:
    return date.today()


# --- the programme office creates and edits ----------------------------------------------------


@bp.route("/admin/applications/<int:application_id>/placement", methods=["GET", "POST"])
@access(ADMIN)
def placement_form(application_id: int):
    application: Application | None = load_application(application_id)
    if application is None:
        abort(404)
    require(application, "manage")
    placement = rules.placement_of(application)
    form = PlacementForm(obj=placement, institutions=institution_choices())
    error, status = None, 200
    try:
        rules.check_placeable(application)
    except DomainError as refused:
        error, status = refused.message, 409
    if error is None and placement is not None and placement.status not in rules.EDITABLE:
        error, status = _("This placement is finished; it can no longer be changed."), 409
    if error is None and form.is_submitted():
        if form.validate():
            details = rules.PlacementDetails(
                host_institution_id=form.host_institution_id.data,
                supervisor_name=form.supervisor_name.data,
                supervisor_email=form.supervisor_email.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                note=form.note.data or "",
            )
            try:
                rules.save_placement(application, details, actor=current_user._get_current_object())
            except DomainError as refused:
                _field_error(form, refused)
                status = refused.status_code
            else:
                flash(_("The placement is saved."), "success")
                return redirect(url_for("programmes.admin_application", application_id=application.id))
        else:
            status = 422
    elif error is not None and form.is_submitted():
        status = 409
    return render_template(
        "programmes/placements/form.html",
        application=application,
        placement=placement,
        form=form,
        error=error,
    ), status


def _field_error(form, refused: DomainError) -> None:
    field = getattr(form, refused.field or "", None)
    if field is not None:
        field.errors = [*field.errors, refused.message]
    else:
        form.form_errors.append(refused.message)


# --- host staff and the programme office confirm -------------------------------------------------


def _list_page(*, failed: Placement | None = None, failed_form=None, status: int = 200):
    page = rules.placements_page(current_user, per_page=int(current_app.config["PAGE_SIZE"]))
    return render_template(
        "programmes/placements/list.html",
        page=page,
        today=_today(),
        failed=failed,
        failed_form=failed_form,
        completed_status=PlacementStatus.COMPLETED,
    ), status


@bp.get("/placements")
@access(HOSTS)
def placements():
    return _list_page()


def _confirm(placement_id: int, form, confirm):
    placement = get_or_404(Placement, placement_id, "confirm")
    if not form.validate():
        return _list_page(failed=placement, failed_form=form, status=422)
    try:
        message = confirm(placement, form)
    except DomainError as refused:
        _field_error(form, refused)
        return _list_page(failed=placement, failed_form=form, status=refused.status_code)
    flash(message, "success")
    return redirect(url_for("programmes.placements"))


@bp.post("/placements/<int:placement_id>/arrival")
@access(HOSTS)
def confirm_arrival(placement_id: int):
    def confirm(placement, form):
        rules.confirm_arrival(
            placement, form.on.data, today=_today(), actor=current_user._get_current_object()
        )
        return _("Arrival confirmed.")

    return _confirm(placement_id, ArrivalForm(), confirm)


@bp.post("/placements/<int:placement_id>/completion")
@access(HOSTS)
def confirm_completion(placement_id: int):
    def confirm(placement, form):
        rules.confirm_completion(
            placement,
            form.on.data,
            today=_today(),
            actor=current_user._get_current_object(),
            outcome=form.outcome.data or "",
        )
        return _("Completion confirmed; the participant's certificate is issued and they have been told.")

    return _confirm(placement_id, CompletionForm(), confirm)
