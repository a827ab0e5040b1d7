"""Applicant pages: start or resume an application, the draft form and its documents, submit,
withdraw, the dashboard of my applications; and the extension the programme office records.

Who may apply: any logged-in user with the applicant role, once their profile (a Person linked
to the account) exists. An application, and each of its documents, is shown only to whom may
see it; to anyone else it answers 404 like an id that does not exist, so guessing ids reveals
nothing. The rules are talent.programmes.applications' and .documents'.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from talent.core import http
from talent.core.db import utcnow
from talent.core.errors import DomainError, ValidationFailed
from talent.core.permissions import ADMIN, AUTHENTICATED, Role, access, roles
from talent.core.times import zoned_time
from talent.extensions import db
from talent.programmes import application_queries as queries
from talent.programmes import applications as rules
from talent.programmes import documents, eligibility
from talent.programmes.application_forms import ConfirmForm, DraftForm, ExtensionForm, UploadForm
from talent.programmes.blueprint import bp
from talent.programmes.labels import APPLICATION_STATUS, DOCUMENT_TYPE, OFFER_STATUS
from talent.programmes.models import Application, Call, DocumentType
from talent.reference.operations import profile_of

APPLICANT = roles(Role.APPLICANT)
UPLOAD_ENDPOINTS = {"programmes.upload_document"}


@bp.app_template_global("extension_form_for")
def extension_form_for(application: Application) -> ExtensionForm:
    """An empty extension form for `application`, in the call's zone (for _extension_form.html)."""
    form = ExtensionForm(formdata=None)
    form.time_zone.data = application.call.time_zone
    return form


def _zone() -> str | None:
    return getattr(current_user, "timezone", None)


def _helpers() -> dict:
    return {
        "application_status_words": APPLICATION_STATUS,
        "offer_status_words": OFFER_STATUS,
        "document_type_words": DOCUMENT_TYPE,
        "when": lambda moment: zoned_time(moment, _zone()) if moment else "",
        "max_document_size": documents.max_size_words(),
    }


def _application_or_404(application_id: int, permission: str = "view", *, lock: bool = False) -> Application:
    """The application if the current user may `permission` it; 404 otherwise, as for a missing id."""
    application = queries.load_application(application_id, lock=lock)
    if application is None or not getattr(application, f"can_{permission}")(current_user):
        abort(404)
    return application


def _own_application(application_id: int) -> Application:
    """For changes: only the applicant; the programme office sees the page but does not edit it."""
    application = _application_or_404(application_id, lock=True)
    if not application.can_edit(current_user):
        abort(403)
    return application


# --- start ---------------------------------------------------------------------------------


@bp.post("/calls/<int:call_id>/apply")
@access(APPLICANT)
def start_application(call_id: int):
    call = db.session.get(Call, call_id)
    if call is None or not call.can_view(current_user):
        abort(404)
    person = profile_of(current_user)
    if person is None:
        flash(
            _(
                "Create your profile first: your name, nationality and date of birth decide whether you "
                "can apply. Then apply again."
            ),
            "info",
        )
        return redirect(url_for("reference.my_profile"))
    try:
        result = rules.start(call, person, actor=current_user, now=utcnow())
    except ValidationFailed as refused:
        flash(refused.message, "error")
        return redirect(url_for("programmes.call_page", call_id=call.id))
    if result.created:
        flash(_("Your application is started. Save it as often as you like, then submit it."), "success")
    else:
        flash(_("You already have an application to this call; here it is."), "info")
    return redirect(url_for("programmes.application", application_id=result.application.id))


# --- the applicant's page ------------------------------------------------------------------


def _draft_form(application: Application) -> DraftForm:
    form = DraftForm(formdata=None, statement=application.statement, plan=application.plan)
    for entry, referee in zip(form.referees.entries, application.referees, strict=False):
        entry.form.process(None, data=referee)
    return form


def _application_page(application: Application, *, status: int = 200, **context):
    now = utcnow()
    required = eligibility.required_documents(application.call)
    person = application.person
    draft_form = context.pop("draft_form", None)
    upload_form = context.pop("upload_form", None)
    if application.is_editable and application.can_edit(current_user):
        draft_form = draft_form or _draft_form(application)
        upload_form = upload_form or UploadForm(formdata=None, required=required)
        context.setdefault("problems", rules.submission_problems(application, person, now, _zone()))
    return render_template(
        "programmes/applications/application.html",
        application=application,
        call=application.call,
        documents=queries.documents_of(application),
        required=required,
        draft_form=draft_form,
        upload_form=upload_form,
        confirm_form=ConfirmForm(formdata=None),
        next_step=rules.next_step(application, now, _zone()),
        is_own=application.is_own(current_user),
        **_helpers(),
        **context,
    ), status


def _refused_page(application: Application, error: DomainError):
    return _application_page(application, status=error.status_code, error=error.message)


@bp.route("/applications/<int:application_id>", methods=["GET", "POST"])
@access(AUTHENTICATED)
def application(application_id: int):
    if request.method == "GET":
        return _application_page(_application_or_404(application_id))
    application = _own_application(application_id)
    try:
        rules.check_editable(application)
    except DomainError as refused:
        return _refused_page(application, refused)
    form = DraftForm()
    if not form.validate_on_submit():
        return _application_page(application, status=422, draft_form=form)
    try:
        changed = rules.save_draft(
            application,
            statement=form.statement.data,
            plan=form.plan.data,
            referees=form.referee_values(),
            actor=current_user,
        )
    except ValidationFailed as refused:
        _attach_error(form, refused)
        return _application_page(application, status=422, draft_form=form)
    flash(
        _("Your draft is saved.") if changed else _("Nothing had changed."), "success" if changed else "info"
    )
    return redirect(url_for("programmes.application", application_id=application.id))


def _attach_error(form, refused: ValidationFailed) -> None:
    """Show an operation's refusal next to its field (`referees-1-email` is referee 2's e-mail)."""
    name = refused.field or ""
    parts = name.split("-")
    field = None
    if len(parts) == 3 and parts[0] == "referees" and parts[1].isdigit():
        entries = form.referees.entries
        if int(parts[1]) < len(entries):
            field = getattr(entries[int(parts[1])].form, parts[2], None)
    else:
        field = getattr(form, name, None)
    if field is None:
        form.form_errors.append(refused.message)
    else:
        field.errors = [*field.errors, refused.message]


# --- documents -----------------------------------------------------------------------------


@bp.post("/applications/<int:application_id>/documents")
@access(AUTHENTICATED)
def upload_document(application_id: int):
    application = _own_application(application_id)
    required = eligibility.required_documents(application.call)
    try:
        rules.check_editable(application)
    except DomainError as refused:
        return _refused_page(application, refused)
    form = UploadForm(required=required)
    if not form.validate_on_submit():
        return _application_page(application, status=422, upload_form=form)
    doc_type = DocumentType(form.doc_type.data)
    upload = form.file.data
    try:
        documents.attach(application, doc_type, upload.stream, upload.filename, actor=current_user)
    except ValidationFailed as refused:
        form.file.errors = [*form.file.errors, refused.message]
        return _application_page(application, status=refused.status_code, upload_form=form)
    flash(_("The %(document)s is uploaded.", document=DOCUMENT_TYPE[doc_type]), "success")
    return redirect(url_for("programmes.application", application_id=application.id, _anchor="documents"))


@bp.get("/applications/<int:application_id>/documents/<int:document_id>")
@access(AUTHENTICATED)
def document(application_id: int, document_id: int):
    application = queries.load_application(application_id)
    found = queries.document_of(application, document_id) if application is not None else None
    if found is None or not documents.can_download(found, application, current_user):
        abort(404)
    path = documents.path_of(found)
    if not path.is_file():
        current_app.logger.error("document %s: file %s is missing", found.id, found.stored_name)
        abort(404)
    response = send_file(
        path,
        mimetype=found.media_type,
        as_attachment=True,
        download_name=documents.download_name(found),
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/applications/<int:application_id>/documents/<int:document_id>/delete")
@access(AUTHENTICATED)
def delete_document(application_id: int, document_id: int):
    application = _own_application(application_id)
    found = queries.document_of(application, document_id)
    if found is None:
        abort(404)
    try:
        documents.remove(application, found, actor=current_user)
    except DomainError as refused:
        return _refused_page(application, refused)
    flash(_("The %(document)s is deleted.", document=DOCUMENT_TYPE[found.doc_type]), "success")
    return redirect(url_for("programmes.application", application_id=application.id, _anchor="documents"))


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error: RequestEntityTooLarge):
    """The server refuses a body far over the limit before any view runs: say so in words."""
    if request.endpoint not in UPLOAD_ENDPOINTS:
        return http.handle_http_exception(error)
    back = url_for("programmes.application", **(request.view_args or {}), _anchor="documents")
    return render_template(
        "core/file_too_large.html",
        message=documents.too_large_message(),
        back=back,
        back_label=_("Back to your application"),
    ), 413


# --- submit and withdraw -------------------------------------------------------------------


@bp.post("/applications/<int:application_id>/submit")
@access(AUTHENTICATED)
def submit_application(application_id: int):
    application = _own_application(application_id)
    try:
        rules.submit(application, actor=current_user, now=utcnow())
    except rules.SubmissionRefused as refused:
        return _application_page(application, status=422, refused=refused.reasons)
    except DomainError as refused:
        return _refused_page(application, refused)
    flash(_("Your application is submitted. We have sent you a confirmation."), "success")
    return redirect(url_for("programmes.application", application_id=application.id))


@bp.route("/applications/<int:application_id>/withdraw", methods=["GET", "POST"])
@access(AUTHENTICATED)
def withdraw_application(application_id: int):
    if request.method == "GET":
        application = _application_or_404(application_id)
        if not application.can_edit(current_user):
            abort(403)
        return _withdraw_page(application)
    application = _own_application(application_id)
    try:
        rules.withdraw(application, actor=current_user, now=utcnow())
    except DomainError as refused:
        return _withdraw_page(application, error=refused.message, status=refused.status_code)
    flash(_("Your application is withdrawn."), "success")
    return redirect(url_for("programmes.my_applications"))


def _withdraw_page(application: Application, *, error: str | None = None, status: int = 200):
    return render_template(
        "programmes/applications/withdraw.html",
        application=application,
        call=application.call,
        form=ConfirmForm(formdata=None),
        error=error,
        can_withdraw=application.is_withdrawable,
        **_helpers(),
    ), status


# --- my applications -----------------------------------------------------------------------


@bp.get("/my/applications")
@access(AUTHENTICATED)
def my_applications():
    person = profile_of(current_user)
    page = queries.my_applications_page(current_user, per_page=int(current_app.config["PAGE_SIZE"]))
    now = utcnow()
    rows = [(item, rules.next_step(item, now, _zone())) for item in page.items]
    return render_template(
        "programmes/applications/mine.html", person=person, page=page, rows=rows, **_helpers()
    )


# --- extension (programme office) ----------------------------------------------------------


@bp.post("/admin/applications/<int:application_id>/extension")
@access(ADMIN)
def record_extension(application_id: int):
    application = _application_or_404(application_id, "manage", lock=True)
    form = ExtensionForm()
    if form.validate_on_submit():
        try:
            rules.record_extension(
                application, form.until(), form.reason.data, actor=current_user, now=utcnow()
            )
        except DomainError as refused:
            target = form.reason if refused.field == "reason" else form.until_on
            target.errors = [*target.errors, refused.message]
        else:
            flash(
                _(
                    "Extension recorded: this applicant may submit until %(when)s. They have been told.",
                    when=zoned_time(application.extended_until, _zone()),
                ),
                "success",
            )
            return redirect(url_for("programmes.admin_application", application_id=application.id))
    return render_template(
        "programmes/applications/extension.html",
        application=application,
        call=application.call,
        extension_form=form,
        **_helpers(),
    ), 422
