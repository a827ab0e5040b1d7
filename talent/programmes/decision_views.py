"""The programme office's call page, applications list and application page; decisions (one or in
bulk from the ranking), the export of a call's applications, and the applicant's answer to an offer.

The rules (quotas, states, deadlines, the waitlist) are talent.programmes.decisions'; these views
parse, authorise, call them and say what happened.
"""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from talent.core.db import utcnow
from talent.core.errors import DomainError
from talent.core.permissions import ADMIN, AUTHENTICATED, access, get_or_404, require
from talent.core.queries import history_for
from talent.programmes import admin_queries as queries
from talent.programmes import decisions, exports
from talent.programmes.assignment import ASSIGNABLE_STATES
from talent.programmes.blueprint import bp
from talent.programmes.decision_forms import (
    ApplicationFilterForm,
    BulkDecisionForm,
    DecisionForm,
    OfferAnswerForm,
)
from talent.programmes.labels import APPLICATION_STATUS, DOCUMENT_TYPE, OFFER_STATUS, REVIEW_STATUS
from talent.programmes.models import Application, Call
from talent.programmes.placements import placement_of
from talent.programmes.review_queries import reviewer_choices
from talent.reference.queries import country_choices


@bp.context_processor
def decision_helpers():
    return {
        "application_status_labels": APPLICATION_STATUS,
        "offer_status_labels": OFFER_STATUS,
        "application_reference": decisions.reference,
        "offer_is_open": offer_is_open,
    }


def offer_is_open(application: Application) -> bool:
    return application.offer_expires_at is None or utcnow() <= application.offer_expires_at


def _managed_call(call_id: int) -> Call:
    return get_or_404(Call, call_id, "manage")


def _loaded_application(application_id: int) -> Application:
    application = queries.load_application(application_id)
    if application is None:
        abort(404)
    return application


# --- the call page and its applications --------------------------------------------------------


@bp.get("/admin/calls/<int:call_id>")
@access(ADMIN)
def admin_call(call_id: int):
    call = _managed_call(call_id)
    overview = queries.call_overview(call, utcnow())
    return render_template("programmes/decisions/call.html", call=call, overview=overview)


@bp.get("/admin/calls/<int:call_id>/applications")
@access(ADMIN)
def admin_applications(call_id: int):
    call = _managed_call(call_id)
    form = ApplicationFilterForm(request.args, countries=country_choices())
    status, page = 200, None
    if request.args and not form.validate():
        status = 422
    else:
        filters = queries.ApplicationFilter(
            status=form.status_value, country=form.country.data or None, search=form.q.data or ""
        )
        page = queries.applications_page(
            call, filters, after=form.after_value, per_page=int(current_app.config["PAGE_SIZE"])
        )
    return render_template("programmes/decisions/applications.html", call=call, form=form, page=page), status


@bp.get("/admin/calls/<int:call_id>/export")
@access(ADMIN)
def export_applications(call_id: int):
    call = _managed_call(call_id)
    kind = request.args.get("format", "csv")
    if kind not in ("csv", "xlsx"):
        abort(404)
    response = send_file(
        exports.csv_file(call) if kind == "csv" else exports.xlsx_file(call),
        mimetype="text/csv" if kind == "csv" else exports.XLSX_MIMETYPE,  # send_file adds the charset
        as_attachment=True,
        download_name=exports.filename(call, kind),
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- one application -------------------------------------------------------------------------


def _application_page(application: Application, form: DecisionForm | None = None, *, error=None, status=200):
    return render_template(
        "programmes/decisions/application.html",
        application=application,
        call=application.call,
        person=application.person,
        documents=queries.documents_of(application),
        reviews=queries.reviews_of(application),
        placement=placement_of(application),
        form=form or DecisionForm(formdata=None),
        error=error,
        entries=history_for(application),
        document_labels=DOCUMENT_TYPE,
        review_status_labels=REVIEW_STATUS,
        # For the manual-assignment include (programmes/reviews/_assign_form.html).
        reviewer_choices=reviewer_choices(application) if application.status in ASSIGNABLE_STATES else [],
    ), status


@bp.get("/admin/applications/<int:application_id>")
@access(ADMIN)
def admin_application(application_id: int):
    application = _loaded_application(application_id)
    require(application, "manage")
    return _application_page(application)


@bp.post("/admin/applications/<int:application_id>/decision")
@access(ADMIN)
def decide(application_id: int):
    application = _loaded_application(application_id)
    require(application, "manage")
    form = DecisionForm()
    if not form.validate():
        return _application_page(application, form, status=422)
    try:
        decisions.decide(
            application, form.decision.data, actor=current_user._get_current_object(), note=form.note.data
        )
    except DomainError as refused:
        application = _loaded_application(application_id)  # as it is: nothing was changed
        return _application_page(application, form, error=refused.message, status=refused.status_code)
    flash(
        _(
            "%(ref)s is now %(state)s.",
            ref=decisions.reference(application),
            state=APPLICATION_STATUS[application.status],
        ),
        "success",
    )
    return redirect(url_for("programmes.admin_application", application_id=application.id))


@bp.post("/admin/calls/<int:call_id>/decisions")
@access(ADMIN)
def bulk_decide(call_id: int):
    call = _managed_call(call_id)
    form = BulkDecisionForm()
    raw_ids = request.form.getlist("application_ids")
    reasons = []
    if not form.validate():
        reasons += [str(error) for errors in form.errors.values() for error in errors]
    if not raw_ids:
        reasons.append(_("Choose at least one application."))
    elif not all(raw.isascii() and raw.isdigit() and len(raw) < 19 for raw in raw_ids):
        reasons.append(_("The applications chosen are not ones of this call."))
    if not reasons:
        try:
            done = decisions.decide_many(
                call,
                [int(raw) for raw in raw_ids],
                form.decision.data,
                actor=current_user._get_current_object(),
                note=form.note.data,
            )
        except decisions.BulkRefused as refused:
            reasons = refused.reasons
        except DomainError as refused:
            reasons = [refused.message]
        else:
            flash(
                _(
                    "%(count)d applications are now %(state)s.",
                    count=len(done),
                    state=APPLICATION_STATUS[done[0].status],
                ),
                "success",
            )
            return redirect(url_for("programmes.ranking", call_id=call.id))
    return render_template(
        "programmes/decisions/bulk_refused.html",
        call=call,
        reasons=reasons,
        back=url_for("programmes.ranking", call_id=call.id),
    ), 409 if raw_ids and form.decision.data else 422


# --- the applicant answers the offer -------------------------------------------------------------


def _offer_page(application: Application, form: OfferAnswerForm, *, error=None, status=200):
    return render_template(
        "programmes/decisions/offer.html", application=application, form=form, error=error
    ), status


@bp.post("/applications/<int:application_id>/offer")
@access(AUTHENTICATED)
def answer_offer(application_id: int):
    application = _loaded_application(application_id)
    require(application, "edit")  # the applicant themselves
    form = OfferAnswerForm()
    if not form.validate():
        return _offer_page(application, form, status=422)
    accept = form.answer.data == "accept"
    try:
        decisions.answer_offer(application, accept, actor=current_user._get_current_object())
    except DomainError as refused:
        application = _loaded_application(application_id)  # as it is: nothing was changed
        return _offer_page(application, form, error=refused.message, status=refused.status_code)
    if accept:
        flash(_("You accepted the place. Welcome!"), "success")
    else:
        flash(_("You declined the place."), "info")
    return redirect(url_for("programmes.application", application_id=application.id))
