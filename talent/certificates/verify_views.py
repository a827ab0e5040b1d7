"""The public verification pages: type a code, drop a PDF, open a certificate's page; the JWKS."""

from __future__ import annotations

from datetime import date

from babel import Locale
from flask import current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge

from talent.certificates import signing, verification
from talent.certificates.blueprint import bp, today
from talent.certificates.forms import VerifyCodeForm, VerifyPdfForm
from talent.certificates.serials import SerialError, SerialTypo, format_serial, normalise_serial
from talent.core.http import handle_http_exception
from talent.core.permissions import PUBLIC, access
from talent.extensions import db, limiter

# Checks per client address (the pages and the public API alike): plenty for a person or an
# employer's script checking a batch, and a brake on anyone walking the serial space.
VERIFY_RATE_LIMIT = "60 per minute"
JWKS_MAX_AGE = 300


# Labels of the snapshot's details (what the layout printed besides names, title and dates).
DETAIL_LABELS = {
    "course_code": _l("Course code"),
    "titles": _l("Title in other languages"),
    "total_hours": _l("Hours in total"),
    "theory_hours": _l("Theory hours"),
    "practice_hours": _l("Practice hours"),
    "competencies": _l("Competencies"),
    "attendance_pct": _l("Attendance (%)"),
    "weighted_score": _l("Final score"),
    "starts_on": _l("Started on"),
    "ends_on": _l("Ended on"),
    "language": _l("Language of instruction"),
    "host": _l("Host institution"),
    "partner": _l("Partner institution"),
    "field": _l("Field"),
    "role": _l("Role"),
    "outcome": _l("Outcome"),
    "awarded_by": _l("Awarded by"),
    "recognised_as": _l("Recognised as"),
    "basis": _l("Basis"),
    "conditions": _l("Conditions"),
}


def _language(code: str) -> str:
    return Locale.parse(str(get_locale() or "en")).languages.get(code, code)


def _country(code: str) -> str:
    return Locale.parse(str(get_locale() or "en")).territories.get(code, code)


def _shown(key: str, value):
    """A detail as the reader wants it: dates, languages and countries in their language."""
    if key.endswith("_on") and isinstance(value, str):
        try:
            return format_date(date.fromisoformat(value), "long")
        except ValueError:
            return value
    if key == "language" and isinstance(value, str):
        return _language(value)
    if key == "titles" and isinstance(value, dict):
        return {_language(code): title for code, title in value.items()}
    if isinstance(value, dict) and isinstance(value.get("country"), str):
        return {**value, "country": _country(value["country"])}
    return value


def detail_rows(details: dict) -> list[tuple[str, object]]:
    """(label, value) for each detail; values stay lists, mappings or text for the template."""
    rows = []
    for key, value in (details or {}).items():
        if value in (None, "", [], {}):
            continue
        label = DETAIL_LABELS.get(key) or key.replace("_", " ").capitalize()
        rows.append((str(label), _shown(key, value)))
    return rows


def certificate_facts(cert, day) -> dict:
    return {"status": cert.public_status(day), "details": detail_rows(cert.details)}


def not_found_message() -> str:
    return _("No certificate has this code. Check it against the certificate, or drop the PDF below.")


def too_large_message() -> str:
    limit_mb = format_decimal(current_app.config["UPLOAD_MAX_BYTES"] / (1024 * 1024), "#,##0.#")
    return _(
        "This file is larger than %(limit)s MB; a certificate PDF is much smaller. Choose the certificate's PDF.",
        limit=limit_mb,
    )


def _verify_page(code_form=None, pdf_form=None, status: int = 200, **context):
    return render_template(
        "certificates/verify.html",
        code_form=code_form or VerifyCodeForm(formdata=None),
        pdf_form=pdf_form or VerifyPdfForm(formdata=None),
        **context,
    ), status


@bp.get("/verify")
@access(PUBLIC)
@limiter.limit(VERIFY_RATE_LIMIT)
def verify():
    if "code" not in request.args:
        return _verify_page()
    form = VerifyCodeForm(formdata=request.args)
    if not form.validate():
        return _verify_page(form, status=422)
    try:
        cert = verification.find_by_serial(form.code.data)
    except SerialError as exc:
        form.code.errors.append(exc.message)
        return _verify_page(form, status=422)
    if cert is None:
        form.code.errors.append(not_found_message())
        return _verify_page(form, status=404)
    return redirect(url_for(".verify_certificate", serial=cert.serial))


@bp.post("/verify")
@access(PUBLIC)
@limiter.limit(VERIFY_RATE_LIMIT)
def verify_pdf():
    form = VerifyPdfForm()
    if not form.validate_on_submit():
        return _verify_page(pdf_form=form, status=422)
    try:
        digest = verification.sha256_of_upload(form.file.data.stream, current_app.config["UPLOAD_MAX_BYTES"])
    except verification.UploadRefused as exc:
        if exc.reason == "too_large":
            form.file.errors.append(too_large_message())
            return _verify_page(pdf_form=form, status=413)
        form.file.errors.append(_("This file is not a PDF. Choose the certificate's PDF file."))
        return _verify_page(pdf_form=form, status=422)
    cert = verification.find_by_sha256(digest)
    page = _verify_page(
        pdf_form=form,
        pdf_checked=True,
        match=cert,
        facts=certificate_facts(cert, today()) if cert else None,
        sha256=digest,
    )
    if cert is not None:
        verification.record_verification(cert, today())
    return page


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error):
    # Raised while the body is read (also by the CSRF check, before the view runs): say so next
    # to the file field rather than on a bare error page. The form must not read the body again.
    if request.endpoint != "certificates.verify_pdf":
        return handle_http_exception(error)
    db.session.rollback()
    form = VerifyPdfForm(formdata=None)
    form.file.errors = [too_large_message()]
    return _verify_page(pdf_form=form, status=413)


def token_check(cert, token: str) -> str | None:
    """None without a token; "genuine" when it is our signature over this very certificate."""
    if not token:
        return None
    claims = signing.verify_token(token)
    if claims is None:
        return "not_genuine"
    expected = signing.token_claims(cert)
    keys = ("sub", "kind", "name", "name_native", "title", "issuer", "issued_on")
    if any(claims.get(key) != expected[key] for key in keys):
        return "other"
    return "genuine"


@bp.get("/verify/<serial>")
@access(PUBLIC)
@limiter.limit(VERIFY_RATE_LIMIT)
def verify_certificate(serial: str):
    token = request.args.get("t", "")
    try:
        normalised = normalise_serial(serial)
    except SerialError as exc:
        form = VerifyCodeForm(formdata=None, data={"code": serial})
        form.code.errors = [exc.message]
        return _verify_page(form, status=400, typo=isinstance(exc, SerialTypo))
    if normalised != serial:
        # One address per certificate, whatever was typed or scanned.
        return redirect(url_for(".verify_certificate", serial=normalised, t=token or None), 301)
    cert = verification.find_by_serial(normalised)
    if cert is None:
        form = VerifyCodeForm(formdata=None, data={"code": format_serial(normalised)})
        form.code.errors = [not_found_message()]
        return _verify_page(form, status=404)
    day = today()
    html = render_template(
        "certificates/verify_certificate.html",
        cert=cert,
        facts=certificate_facts(cert, day),
        token_check=token_check(cert, token),
    )
    verification.record_verification(cert, day)
    response = current_app.make_response(html)
    # A revocation must show at once: caches may keep the page but must ask again first.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/.well-known/jwks.json")
@access(PUBLIC)
def jwks():
    response = jsonify(signing.jwks())
    response.headers["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
    # Public keys: a verifier's web page on another site may fetch them (no credentials involved).
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
