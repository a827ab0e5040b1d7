"""Certificates: public verification (by code or PDF), revoking, re-issuing, bulk issuance and jobs.

Verification needs no token: anyone may check a certificate. Unknown codes answer 404, codes whose
check character is wrong (a typo) 400. A PDF is checked by its content and size first: a file
that does not start like a PDF answers 422, one over the upload limit 413; any other PDF answers
200, with `"match": false` when it is not exactly a certificate issued here.
"""

from __future__ import annotations

from http import HTTPStatus

import marshmallow as ma
from flask import current_app, jsonify, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from werkzeug.exceptions import RequestEntityTooLarge

from talent.api.common import ApiBlueprint, InputSchema, api_access, json_body
from talent.certificates import issuance, verification
from talent.certificates.blueprint import today
from talent.certificates.models import Certificate, CertificateKind
from talent.certificates.serials import SerialError
from talent.certificates.verify_views import VERIFY_RATE_LIMIT, too_large_message
from talent.core.http import problem
from talent.core.models import Job, JobStatus
from talent.core.permissions import ADMIN, AUTHENTICATED, PUBLIC, Role, get_or_404, roles
from talent.extensions import limiter
from talent.workshops.models import Cohort

blp = ApiBlueprint(
    "api_certificates", __name__, description="Certificates: verify, revoke, re-issue; bulk issuance jobs"
)

COHORT_MANAGERS = roles(Role.ADMIN, Role.INSTITUTION)
PUBLIC_STATUSES = ["valid", "revoked", "superseded", "expired"]


class HolderSchema(ma.Schema):
    name = ma.fields.String(required=True, metadata={"description": "As in the passport (Latin letters)"})
    name_native = ma.fields.String(required=True, allow_none=True, metadata={"description": "Native script"})


class IssuerSchema(ma.Schema):
    name = ma.fields.String(required=True)
    country = ma.fields.String(required=True, metadata={"description": "ISO 3166-1 alpha-2", "example": "CN"})


class RevocationSchema(ma.Schema):
    revoked_at = ma.fields.AwareDateTime(required=True)
    reason = ma.fields.String(required=True, metadata={"description": "Shown publicly"})


class CertificateSchema(ma.Schema):
    serial = ma.fields.String(
        required=True,
        metadata={
            "description": "16 Crockford base-32 characters, the last a check symbol; shown in four hyphenated groups of four",
            "example": "7K3M9QHX2TBN4VR5",
        },
    )
    status = ma.fields.String(
        required=True,
        metadata={"enum": PUBLIC_STATUSES, "description": "expired: valid, but past its expiry date"},
    )
    kind = ma.fields.Enum(CertificateKind, by_value=True, required=True)
    holder = ma.fields.Nested(HolderSchema, required=True)
    title = ma.fields.String(required=True)
    issued_on = ma.fields.Date(required=True)
    expires_on = ma.fields.Date(required=True, allow_none=True)
    issuer = ma.fields.Nested(IssuerSchema, required=True)
    revocation = ma.fields.Nested(RevocationSchema, required=True, allow_none=True)
    supersedes = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Serial of the certificate this one replaced"},
    )
    superseded_by = ma.fields.String(
        required=True, allow_none=True, metadata={"description": "Serial of the certificate that replaced it"}
    )
    sha256 = ma.fields.String(
        required=True, allow_none=True, metadata={"description": "Hex SHA-256 of the issued PDF"}
    )
    token = ma.fields.String(
        required=True,
        metadata={
            "description": "Compact JWS, alg EdDSA (Ed25519); verify it with the key named by its kid "
            "in /.well-known/jwks.json"
        },
    )
    verify_url = ma.fields.String(
        required=True, metadata={"description": "<base URL>/verify/<serial>?t=<token>, as in the QR code"}
    )


class VerifyResultSchema(ma.Schema):
    match = ma.fields.Boolean(required=True)
    certificate = ma.fields.Nested(CertificateSchema, required=True, allow_none=True)


class PdfUploadSchema(ma.Schema):
    file = ma.fields.Raw(
        required=True, metadata={"type": "string", "format": "binary", "description": "The certificate PDF"}
    )


class RevokeSchema(InputSchema):
    reason = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=issuance.REASON_MAX_LENGTH),
        metadata={"description": "Shown publicly with the revocation date"},
    )


class HolderCorrectionSchema(InputSchema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    name_native = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))


class ReissueSchema(InputSchema):
    holder = ma.fields.Nested(
        HolderCorrectionSchema, metadata={"description": "Corrected names; omitted ones stay as they were"}
    )


class JobErrorSchema(ma.Schema):
    item = ma.fields.String(required=True)
    message = ma.fields.String(required=True)


class JobSchema(ma.Schema):
    status = ma.fields.Enum(JobStatus, by_value=True, required=True)
    done = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)
    errors = ma.fields.List(ma.fields.Nested(JobErrorSchema), required=True)


class JobCreatedSchema(ma.Schema):
    job = ma.fields.Integer(required=True, metadata={"description": "Follow it at /api/v1/jobs/{id}"})


@blp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    return problem(status, status.phrase, too_large_message())


def _certificate(serial: str) -> Certificate:
    try:
        cert = verification.find_by_serial(serial)
    except SerialError as exc:
        abort(HTTPStatus.BAD_REQUEST, message=exc.message)
    if cert is None:
        abort(HTTPStatus.NOT_FOUND, message=_("No certificate has this code."))
    return cert


@blp.route("/certificates/<serial>")
@api_access(PUBLIC)
@limiter.limit(VERIFY_RATE_LIMIT)
@blp.response(200, CertificateSchema)
@blp.alt_response(HTTPStatus.BAD_REQUEST, response="BAD_REQUEST", description="The code has a typo")
@blp.alt_response(HTTPStatus.NOT_FOUND, response="NOT_FOUND")
@blp.alt_response(HTTPStatus.TOO_MANY_REQUESTS, response="TOO_MANY_REQUESTS")
def get_certificate(serial: str):
    """Verify a certificate by its code (public)

    The code may be typed as printed: any case, with hyphens or spaces; O is read as 0, I and L as 1.
    """
    day = today()
    try:
        found = verification.lookup_json(serial, day)
    except SerialError as exc:
        abort(HTTPStatus.BAD_REQUEST, message=exc.message)
    if found is None:
        abort(HTTPStatus.NOT_FOUND, message=_("No certificate has this code."))
    certificate_id, body = found
    verification.record_verification(certificate_id, day)
    response = jsonify(body)
    # Public facts: a verifier's web page on another site may read them (no credentials involved).
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@blp.route("/certificates/verify", methods=["POST"])
@api_access(PUBLIC)
@limiter.limit(VERIFY_RATE_LIMIT)
@blp.arguments(PdfUploadSchema, location="files")
@blp.response(200, VerifyResultSchema)
@blp.alt_response(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, response="REQUEST_ENTITY_TOO_LARGE")
@blp.alt_response(HTTPStatus.UNPROCESSABLE_ENTITY, response="UNPROCESSABLE_ENTITY")
@blp.alt_response(HTTPStatus.TOO_MANY_REQUESTS, response="TOO_MANY_REQUESTS")
def verify_pdf(files):
    """Verify a certificate PDF (public)

    Matches when the file is byte for byte a PDF issued here. Not a PDF: 422; too large: 413.
    """
    try:
        digest = verification.sha256_of_upload(files["file"].stream, current_app.config["UPLOAD_MAX_BYTES"])
    except verification.UploadRefused as exc:
        if exc.reason == "too_large":
            return upload_too_large(None)
        message = _("This file is not a PDF. Send the certificate's PDF file.")
        return problem(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            HTTPStatus.UNPROCESSABLE_ENTITY.phrase,
            message,
            errors={"file": [message]},
        )
    cert = verification.find_by_sha256(digest)
    if cert is None:
        return jsonify({"match": False, "certificate": None})
    day = today()
    body = {"match": True, "certificate": verification.certificate_json(cert, day)}
    verification.record_verification(cert, day)
    return jsonify(body)


@blp.route("/certificates/<serial>/revoke", methods=["POST"])
@api_access(ADMIN)
@json_body(blp, RevokeSchema)
@blp.response(200, CertificateSchema)
@blp.alt_response(HTTPStatus.NOT_FOUND, response="NOT_FOUND")
@blp.alt_response(HTTPStatus.CONFLICT, response="CONFLICT", description="Already revoked or replaced")
def revoke_certificate(body, serial: str):
    """Revoke a certificate (administrators)"""
    cert = _certificate(serial)
    issuance.revoke(cert, reason=body["reason"].strip(), actor=current_user._get_current_object())
    return jsonify(verification.certificate_json(cert, today()))


@blp.route("/certificates/<serial>/reissue", methods=["POST"])
@api_access(ADMIN)
@json_body(blp, ReissueSchema)
@blp.response(HTTPStatus.CREATED, CertificateSchema, headers={"Location": {"schema": {"type": "string"}}})
@blp.alt_response(HTTPStatus.NOT_FOUND, response="NOT_FOUND")
@blp.alt_response(
    HTTPStatus.CONFLICT, response="CONFLICT", description="Only a valid certificate is re-issued"
)
def reissue_certificate(body, serial: str):
    """Re-issue a certificate with corrections (administrators)

    The new certificate (new code) replaces this one, which then answers `superseded`.
    """
    cert = _certificate(serial)
    corrections = dict(body.get("holder") or {})
    new = issuance.reissue(cert, actor=current_user._get_current_object(), corrections=corrections)
    response = jsonify(verification.certificate_json(new, today()))
    response.status_code = HTTPStatus.CREATED
    response.headers["Location"] = url_for(".get_certificate", serial=new.serial)
    return response


@blp.route("/cohorts/<int:cohort_id>/certificates", methods=["POST"])
@api_access(COHORT_MANAGERS)
@blp.response(HTTPStatus.ACCEPTED, JobCreatedSchema, headers={"Location": {"schema": {"type": "string"}}})
@blp.alt_response(HTTPStatus.NOT_FOUND, response="NOT_FOUND")
@blp.alt_response(HTTPStatus.CONFLICT, response="CONFLICT", description="The cohort is not closed yet")
def issue_cohort_certificates(cohort_id: int):
    """Issue the certificates of a closed cohort (cohort managers)

    Runs in the background: follow the job. Safe to repeat: nobody gets a second certificate.
    """
    cohort = get_or_404(Cohort, cohort_id, "manage")
    job = issuance.start_bulk_issuance(cohort, actor=current_user._get_current_object())
    return {"job": job.id}, {"Location": url_for(".get_job", job_id=job.id)}


@blp.route("/jobs/<int:job_id>")
@api_access(AUTHENTICATED, object_checks=True)
@blp.response(200, JobSchema)
@blp.alt_response(HTTPStatus.NOT_FOUND, response="NOT_FOUND")
def get_job(job_id: int):
    """A background job's progress (the user who started it, or administrators)"""
    return get_or_404(Job, job_id, "view")
