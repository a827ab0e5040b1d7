"""Uploading lists of trainees and of scores: templates to fill in, the dry run, the confirmation."""

from __future__ import annotations

import re
from datetime import date

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import HiddenField
from wtforms.validators import DataRequired, Regexp

from talent.core import http
from talent.core.errors import ValidationFailed
from talent.core.models import Job
from talent.core.permissions import Role, access, get_or_404, roles
from talent.workshops import import_enrolments as enrolment_lists
from talent.workshops import import_scores as score_lists
from talent.workshops import imports
from talent.workshops.blueprint import bp
from talent.workshops.enrolment import check_open
from talent.workshops.import_enrolments import Applied, Outcome
from talent.workshops.import_files import write_csv, write_xlsx
from talent.workshops.import_scores import ScoreOutcome
from talent.workshops.imports import (
    apply_upload,
    max_size,
    plan_upload,
    read_upload,
    store_upload,
    too_large_message,
)
from talent.workshops.labels import ENROLMENT_STATUS
from talent.workshops.models import Cohort

STAFF = roles(Role.ADMIN, Role.INSTITUTION)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_ENDPOINTS = (
    "workshops.import_enrolments",
    "workshops.import_enrolments_confirm",
    "workshops.import_scores",
    "workshops.import_scores_confirm",
)
# A dry run of a long list shows its first rows; its errors are listed before them, up to this many.
ROWS_SHOWN = 300
ERRORS_SHOWN = 300
# Problems met while applying are rare (the cohort closed meanwhile); a few say enough.
APPLY_ERRORS_FLASHED = 20


class UploadForm(FlaskForm):
    file = FileField(
        _l("File (CSV or XLSX)"),
        validators=[FileRequired(_l("Choose the file to upload."))],
        render_kw={"accept": f".csv,.xlsx,text/csv,{XLSX}"},
    )


class ConfirmForm(FlaskForm):
    upload = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{64}$")])


def _columns(what: str) -> list[tuple[str, bool, str]]:
    if what == "scores":
        return [
            ("enrolment_id", False, _("Enrolment number (as in the template); or give the e-mail address.")),
            ("email", False, _("The trainee's e-mail address, when there is no enrolment number.")),
            (
                "theory",
                True,
                _("Theory score, 0 to 100, at most two decimals; empty keeps the score on record."),
            ),
            ("practical", True, _("Practical score, 0 to 100, at most two decimals; empty keeps it too.")),
        ]
    return [
        ("name_latin", True, _("Name as in the passport, in Latin letters.")),
        ("name_native", False, _("Name in the person's own script.")),
        ("email", True, _("Recognises the person: nobody is created twice.")),
        ("nationality", False, _("Two-letter ISO 3166 country code, such as KE or PK.")),
        ("date_of_birth", False, _("YYYY-MM-DD, such as 1998-05-01.")),
    ]


def _titles(what: str) -> str:
    return _("Upload scores") if what == "scores" else _("Upload a list of trainees")


def _managed(cohort_id: int) -> Cohort:
    return get_or_404(Cohort, cohort_id, "manage")


def _refusal(what: str, cohort: Cohort) -> str | None:
    """Why no list of `what` can be applied to this cohort now, if that is so."""
    if what == "scores":
        return _("This cohort is closed; its scores are final.") if cohort.is_closed else None
    try:
        check_open(cohort, today=date.today(), self_service=False)
    except ValidationFailed as error:
        return error.message
    return None


def _download(data: bytes, cohort: Cohort, stem: str, extension: str) -> Response:
    code = re.sub(r"[^A-Za-z0-9_-]+", "-", cohort.course.code)
    mimetype = XLSX if extension == "xlsx" else "text/csv; charset=utf-8"
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}-{code}-{cohort.id}.{extension}"'
    return response


def _template(what: str, cohort_id: int, extension: str) -> Response:
    cohort = _managed(cohort_id)
    if what == "scores":
        module, rows, stem, sheet = score_lists, score_lists.template_rows(cohort), "scores", _("Scores")
    else:
        module, rows, stem, sheet = enrolment_lists, [], "trainees", _("Trainees")
    notes = module.template_notes(cohort)
    if extension == "xlsx":
        data = write_xlsx(module.TEMPLATE_COLUMNS, rows, notes, sheet=sheet, notes_sheet=_("Instructions"))
    else:
        data = write_csv(module.TEMPLATE_COLUMNS, rows, notes)
    return _download(data, cohort, stem, extension)


def _upload_page(what: str, cohort: Cohort, form: UploadForm, status: int = 200):
    return render_template(
        "workshops/import_upload.html",
        what=what,
        title=_titles(what),
        cohort=cohort,
        form=form,
        columns=_columns(what),
        refusal=_refusal(what, cohort),
        max_size=max_size(),
    ), status


def _upload(what: str, cohort_id: int):
    cohort = _managed(cohort_id)
    form = UploadForm()
    refusal = _refusal(what, cohort)
    if refusal is not None:
        return _upload_page(what, cohort, form, 409 if request.method == "POST" else 200)
    if form.validate_on_submit():
        try:
            data = read_upload(form.file.data)
            plan = plan_upload(what, cohort, data)
            digest = store_upload(data)
        except ValidationFailed as error:
            form.file.errors = [*form.file.errors, error.message]
        else:
            return render_template(
                "workshops/import_score_plan.html" if what == "scores" else "workshops/import_plan.html",
                cohort=cohort,
                plan=plan,
                errors=plan.errors,
                confirm=ConfirmForm(upload=digest),
                file_name=form.file.data.filename or "",
                in_background=len(plan.rows) > imports.JOB_THRESHOLD,
                rows_shown=ROWS_SHOWN,
                errors_shown=ERRORS_SHOWN,
                Outcome=Outcome,
                ScoreOutcome=ScoreOutcome,
                enrolment_status_labels=ENROLMENT_STATUS,
            )
    return _upload_page(what, cohort, form, 422 if form.errors else 200)


def _flash_result(what: str, applied: Applied) -> None:
    counts = applied.counts
    if what == "scores":
        flash(
            _(
                "Scores imported: %(changed)d trainees' scores changed, %(unchanged)d unchanged.",
                changed=counts[ScoreOutcome.CHANGE],
                unchanged=counts[ScoreOutcome.UNCHANGED],
            ),
            "success",
        )
    else:
        flash(
            _(
                "List imported: %(enrolled)d enrolled, %(waitlisted)d waitlisted, %(already)d already in "
                "the cohort; %(new)d new people recorded.",
                enrolled=counts[Outcome.ENROL],
                waitlisted=counts[Outcome.WAITLIST],
                already=counts[Outcome.ALREADY],
                new=counts["new_person"],
            ),
            "success",
        )
    skipped = counts[Outcome.ERROR]
    if skipped:
        flash(
            ngettext(
                "%(num)d line was left out because of errors.",
                "%(num)d lines were left out because of errors.",
                skipped,
            ),
            "warning",
        )
    for _line, message in applied.errors[:APPLY_ERRORS_FLASHED]:
        flash(message, "error")


def _confirm(what: str, cohort_id: int):
    cohort = _managed(cohort_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        message = _("The confirmation did not say which upload to import. Upload the file again.")
    else:
        try:
            outcome = apply_upload(what, cohort, form.upload.data, actor=current_user._get_current_object())
        except ValidationFailed as error:
            message = error.message
        else:
            if isinstance(outcome, Job):
                flash(
                    _(
                        "The list is long, so it is imported in the background; this page shows how far it is."
                    ),
                    "info",
                )
                return redirect(url_for("core.job", job_id=outcome.id))
            _flash_result(what, outcome)
            after = "workshops.cohort_scores" if what == "scores" else "workshops.cohort"
            return redirect(url_for(after, cohort_id=cohort.id))
    upload = UploadForm(formdata=None)
    upload.file.errors = [message]
    return _upload_page(what, cohort, upload, 422)


# --- routes ----------------------------------------------------------------------------------


@bp.get("/cohorts/<int:cohort_id>/import/template.csv")
@access(STAFF)
def import_template_csv(cohort_id: int):
    return _template("enrolments", cohort_id, "csv")


@bp.get("/cohorts/<int:cohort_id>/import/template.xlsx")
@access(STAFF)
def import_template_xlsx(cohort_id: int):
    return _template("enrolments", cohort_id, "xlsx")


@bp.route("/cohorts/<int:cohort_id>/import", methods=["GET", "POST"])
@access(STAFF)
def import_enrolments(cohort_id: int):
    return _upload("enrolments", cohort_id)


@bp.post("/cohorts/<int:cohort_id>/import/confirm")
@access(STAFF)
def import_enrolments_confirm(cohort_id: int):
    return _confirm("enrolments", cohort_id)


@bp.get("/cohorts/<int:cohort_id>/scores/import/template.csv")
@access(STAFF)
def import_scores_template_csv(cohort_id: int):
    return _template("scores", cohort_id, "csv")


@bp.get("/cohorts/<int:cohort_id>/scores/import/template.xlsx")
@access(STAFF)
def import_scores_template_xlsx(cohort_id: int):
    return _template("scores", cohort_id, "xlsx")


@bp.route("/cohorts/<int:cohort_id>/scores/import", methods=["GET", "POST"])
@access(STAFF)
def import_scores(cohort_id: int):
    return _upload("scores", cohort_id)


@bp.post("/cohorts/<int:cohort_id>/scores/import/confirm")
@access(STAFF)
def import_scores_confirm(cohort_id: int):
    return _confirm("scores", cohort_id)


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error: RequestEntityTooLarge):
    """The server refuses a body this large before any view runs; say so in words on the upload pages."""
    if request.endpoint not in UPLOAD_ENDPOINTS:
        return http.handle_http_exception(error)
    upload_page = "workshops.import_scores" if "scores" in request.endpoint else "workshops.import_enrolments"
    back = url_for(upload_page, **(request.view_args or {}))
    return render_template(
        "core/file_too_large.html",
        message=too_large_message(),
        back=back,
        back_label=_("Upload another file"),
    ), 413
