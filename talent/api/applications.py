"""POST /api/v1/calls/{id}/applications; GET /api/v1/applications (mine); GET|PATCH
/api/v1/applications/{id}; POST /api/v1/applications/{id}/documents, /submit and /withdraw.

Same rules and permissions as the applicant's pages: only users with the applicant role start
an application (their profile must exist); an application is visible to its applicant and the
programme office, and any other caller gets 404 as for an id that does not exist; only the
applicant changes it, and only while it is a draft.
"""

from __future__ import annotations

from http import HTTPStatus

import marshmallow as ma
from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.exceptions import RequestEntityTooLarge

from talent.api.common import ApiBlueprint, InputSchema, api_access, json_body
from talent.api.pagination import PageArgs, keyset_page, paginated
from talent.core.db import utcnow
from talent.core.http import problem
from talent.core.permissions import AUTHENTICATED, Role, roles
from talent.extensions import db
from talent.programmes import application_queries as queries
from talent.programmes import applications as rules
from talent.programmes import documents
from talent.programmes.applications import (
    EMAIL_MAX,
    MAX_REFEREES,
    PLAN_MAX,
    REFEREE_INSTITUTION_MAX,
    REFEREE_NAME_MAX,
    STATEMENT_MAX,
)
from talent.programmes.models import Application, ApplicationStatus, Call, DocumentType, OfferStatus
from talent.reference.operations import profile_of

blp = ApiBlueprint("api_applications", __name__, description="Programmes: applications")

APPLICANT = roles(Role.APPLICANT)
_DOCUMENTS = "_api_documents"


# --- schemas -------------------------------------------------------------------------------


class RefereeSchema(InputSchema):
    name = ma.fields.String(required=True, metadata={"maxLength": REFEREE_NAME_MAX})
    email = ma.fields.String(required=True, metadata={"maxLength": EMAIL_MAX, "format": "email"})
    institution = ma.fields.String(load_default="", metadata={"maxLength": REFEREE_INSTITUTION_MAX})


class DocumentSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    type = ma.fields.Enum(DocumentType, by_value=True, attribute="doc_type", required=True)
    name = ma.fields.String(
        attribute="original_name", required=True, metadata={"description": "The uploaded file's name"}
    )
    size = ma.fields.Integer(required=True, metadata={"description": "Bytes"})
    media_type = ma.fields.String(
        required=True,
        metadata={"description": "From the content, not the name", "enum": list(documents.EXTENSIONS)},
    )


def _documents_of(application: Application):
    if _DOCUMENTS not in application.__dict__:
        application.__dict__[_DOCUMENTS] = queries.documents_of(application)
    return DocumentSchema(many=True).dump(application.__dict__[_DOCUMENTS])


def _deadline(application: Application):
    if "call" not in application.__dict__:
        set_committed_value(application, "call", db.session.get(Call, application.call_id))
    return application.deadline().isoformat()


class ApplicationSchema(ma.Schema):
    """An application as its applicant and the programme office see it.

    `review_count` and `score_mean` are only in answers to the programme office.
    """

    id = ma.fields.Integer(required=True)
    call_id = ma.fields.Integer(required=True)
    status = ma.fields.Enum(ApplicationStatus, by_value=True, required=True)
    statement = ma.fields.String(required=True, metadata={"maxLength": STATEMENT_MAX})
    plan = ma.fields.String(required=True, metadata={"maxLength": PLAN_MAX})
    referees = ma.fields.List(ma.fields.Nested(RefereeSchema), required=True)
    documents = ma.fields.Function(
        _documents_of,
        required=True,
        metadata={"type": "array", "items": {"$ref": "#/components/schemas/Document"}},
    )
    submitted_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    deadline = ma.fields.Function(
        _deadline,
        required=True,
        metadata={
            "type": "string",
            "format": "date-time",
            "description": "Submission closes then: the call's closing, or this applicant's extension",
        },
    )
    offer_status = ma.fields.Enum(OfferStatus, by_value=True, required=True, allow_none=True)
    offer_expires_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    review_count = ma.fields.Integer(metadata={"description": "Submitted reviews (programme office only)"})
    score_mean = ma.fields.Decimal(
        as_string=True,
        allow_none=True,
        metadata={"description": "Mean weighted score, 1–5 (programme office only)"},
    )

    @ma.post_dump
    def _office_only(self, data, **kwargs):
        if not (current_user and current_user.is_authenticated and current_user.is_admin):
            data.pop("review_count", None)
            data.pop("score_mean", None)
        return data


class DraftSchema(InputSchema):
    statement = ma.fields.String(metadata={"maxLength": STATEMENT_MAX})
    plan = ma.fields.String(metadata={"maxLength": PLAN_MAX})
    referees = ma.fields.List(
        ma.fields.Nested(RefereeSchema),
        validate=ma.validate.Length(max=MAX_REFEREES),
        metadata={"description": f"Replaces the list; at most {MAX_REFEREES}"},
    )


class UploadSchema(ma.Schema):
    """The multipart body. flask-smorest documents one body location per operation, so both parts
    are described here and `type` is read from the form part by the view."""

    file = ma.fields.Raw(
        required=True,
        metadata={
            "type": "string",
            "format": "binary",
            "description": "PDF, PNG or JPEG, checked by content",
        },
    )
    type = ma.fields.String(
        load_default=None,
        metadata={
            "enum": [t.value for t in DocumentType],
            "description": "Required. A document of a type already there is replaced",
        },
    )


class UploadFormSchema(ma.Schema):
    type = ma.fields.Enum(DocumentType, by_value=True, required=True)


# --- helpers -------------------------------------------------------------------------------


def _application(application_id: int, *, lock: bool = False) -> Application:
    """Visible to its applicant and the office; 404 for anyone else, as for a missing id."""
    application = queries.load_application(application_id, lock=lock)
    if application is None or not application.can_view(current_user):
        abort(HTTPStatus.NOT_FOUND)
    return application


def _own(application_id: int) -> Application:
    application = _application(application_id, lock=True)
    if not application.can_edit(current_user):
        abort(HTTPStatus.FORBIDDEN, message=_("Only the applicant changes an application."))
    return application


@blp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    return problem(
        status, status.phrase, documents.too_large_message(), errors={"file": [documents.too_large_message()]}
    )


# --- endpoints -----------------------------------------------------------------------------


@blp.route("/calls/<int:call_id>/applications", methods=["POST"])
@api_access(APPLICANT)
@blp.response(HTTPStatus.CREATED, ApplicationSchema, description="A new draft")
@blp.alt_response(
    HTTPStatus.OK, schema=ApplicationSchema, description="The draft or application you already had"
)
@blp.alt_response(HTTPStatus.NOT_FOUND, response="NOT_FOUND")
@blp.alt_response(HTTPStatus.CONFLICT, response="CONFLICT")
@blp.alt_response(HTTPStatus.UNPROCESSABLE_ENTITY, response="UNPROCESSABLE_ENTITY")
def create_application(call_id: int):
    """Start my application to an open call (applicants)

    One application per person and call: asking again answers 200 with the one you have. Your
    profile (a person linked to your account) must exist.
    """
    call = db.session.get(Call, call_id)
    if call is None or not call.can_view(current_user):
        abort(HTTPStatus.NOT_FOUND)
    person = profile_of(current_user)
    if person is None:
        abort(
            HTTPStatus.CONFLICT,
            message=_("Create your profile first (on the My profile page); then start the application."),
        )
    result = rules.start(call, person, actor=current_user._get_current_object(), now=utcnow())
    return result.application, HTTPStatus.CREATED if result.created else HTTPStatus.OK


@blp.route("/applications")
@api_access(AUTHENTICATED)
@blp.arguments(PageArgs, location="query")
@blp.response(200, paginated(ApplicationSchema))
def list_applications(args):
    """My applications, oldest first"""
    page = keyset_page(queries.mine(current_user), [Application.id], args)
    found = queries.documents_by_application([item.id for item in page["items"]])
    for item in page["items"]:
        item.__dict__[_DOCUMENTS] = found[item.id]
    return page


@blp.route("/applications/<int:application_id>")
@api_access(AUTHENTICATED, object_checks=True)
@blp.response(200, ApplicationSchema)
@blp.alt_response(HTTPStatus.NOT_FOUND, response="NOT_FOUND")
def get_application(application_id: int):
    """One application (its applicant and the programme office)"""
    return _application(application_id)


@blp.route("/applications/<int:application_id>", methods=["PATCH"])
@api_access(AUTHENTICATED, object_checks=True)
@json_body(blp, DraftSchema)
@blp.response(200, ApplicationSchema)
@blp.alt_response(HTTPStatus.NOT_FOUND, response="NOT_FOUND")
@blp.alt_response(HTTPStatus.CONFLICT, response="CONFLICT", description="Not a draft: nothing changed")
@blp.alt_response(HTTPStatus.UNPROCESSABLE_ENTITY, response="UNPROCESSABLE_ENTITY")
def update_application(body, application_id: int):
    """Change my draft (the applicant; drafts only)

    Fields left out stay as they are; `referees` replaces the whole list.
    """
    application = _own(application_id)
    rules.save_draft(application, **body, actor=current_user._get_current_object())
    return application


@blp.route("/applications/<int:application_id>/documents", methods=["POST"])
@api_access(AUTHENTICATED, object_checks=True)
@blp.arguments(UploadSchema, location="files")
@blp.response(HTTPStatus.CREATED, DocumentSchema)
@blp.alt_response(HTTPStatus.NOT_FOUND, response="NOT_FOUND")
@blp.alt_response(HTTPStatus.CONFLICT, response="CONFLICT", description="Not a draft: nothing changed")
@blp.alt_response(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, response="REQUEST_ENTITY_TOO_LARGE")
@blp.alt_response(HTTPStatus.UNPROCESSABLE_ENTITY, response="UNPROCESSABLE_ENTITY")
def upload_document(files, application_id: int):
    """Upload a document to my draft (multipart: `file`, and `type`)

    Checked by its content: PDF, PNG or JPEG, up to the configured size (10 MB unless changed).
    A document of a type already there is replaced.
    """
    try:
        form = UploadFormSchema().load({"type": request.form.get("type")})
    except ma.ValidationError as error:
        abort(HTTPStatus.UNPROCESSABLE_ENTITY, errors={"form": error.messages})
    application = _own(application_id)
    upload = files["file"]
    return documents.attach(
        application, form["type"], upload.stream, upload.filename, actor=current_user._get_current_object()
    )


@blp.route("/applications/<int:application_id>/submit", methods=["POST"])
@api_access(AUTHENTICATED, object_checks=True)
@blp.response(200, ApplicationSchema)
@blp.alt_response(HTTPStatus.NOT_FOUND, response="NOT_FOUND")
@blp.alt_response(HTTPStatus.CONFLICT, response="CONFLICT", description="Not a draft")
@blp.alt_response(
    HTTPStatus.UNPROCESSABLE_ENTITY,
    response="UNPROCESSABLE_ENTITY",
    description="Refused: `reasons` lists each problem (deadline, eligibility, documents, texts)",
)
def submit_application(application_id: int):
    """Submit my draft: the content is locked from then on"""
    application = _own(application_id)
    try:
        rules.submit(application, actor=current_user._get_current_object(), now=utcnow())
    except rules.SubmissionRefused as refused:
        status = HTTPStatus.UNPROCESSABLE_ENTITY
        return problem(status, status.phrase, refused.message, reasons=refused.reasons)
    return application


@blp.route("/applications/<int:application_id>/withdraw", methods=["POST"])
@api_access(AUTHENTICATED, object_checks=True)
@blp.response(200, ApplicationSchema)
@blp.alt_response(HTTPStatus.NOT_FOUND, response="NOT_FOUND")
@blp.alt_response(HTTPStatus.CONFLICT, response="CONFLICT", description="Already decided or withdrawn")
def withdraw_application(application_id: int):
    """Withdraw my application (before a decision)"""
    application = _own(application_id)
    rules.withdraw(application, actor=current_user._get_current_object(), now=utcnow())
    return application
