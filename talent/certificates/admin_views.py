"""The administrators' certificate pages: list, detail with revoke and re-issue, signing keys."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from talent.certificates import issuance, queries, signing
from talent.certificates.blueprint import bp, form_status, me, today
from talent.certificates.forms import CertificateFilterForm, ReissueForm, RevokeForm, RotateKeyForm
from talent.certificates.serials import SerialError, format_serial, normalise_serial
from talent.certificates.verify_views import certificate_facts
from talent.core.errors import DomainError
from talent.core.permissions import ADMIN, access, require
from talent.core.queries import history_for
from talent.reference.queries import country_choices


@bp.get("/admin/certificates")
@access(ADMIN)
def admin_certificates():
    form = CertificateFilterForm(formdata=request.args, countries=country_choices())
    day = today()
    page = None
    if form.validate():
        filters = queries.CertificateFilter(
            q=(form.q.data or "").strip(),
            kind=form.kind.data or "",
            status=form.status.data or "",
            cohort=form.cohort.data,
            issuer_country=form.issuer_country.data or "",
            nationality=form.nationality.data or "",
        )
        page = queries.certificates_page(filters, today=day, per_page=current_app.config["PAGE_SIZE"])
    return render_template(
        "certificates/admin_certificates.html", form=form, page=page, today=day
    ), form_status(form)


def _certificate_or_404(serial: str):
    try:
        cert = queries.certificate_by_serial(normalise_serial(serial))
    except SerialError:
        cert = None
    if cert is None:
        abort(404)
    require(cert, "manage")
    return cert


def _detail(cert, *, revoke_form=None, reissue_form=None, status: int = 200):
    day = today()
    if reissue_form is None:
        reissue_form = ReissueForm(
            formdata=None, data={"name": cert.holder_name, "name_native": cert.holder_name_native or ""}
        )
    return render_template(
        "certificates/admin_certificate.html",
        cert=cert,
        facts=certificate_facts(cert, day),
        counts=queries.verification_counts([cert.id], day)[cert.id],
        recent_days=queries.RECENT_DAYS,
        revoke_form=revoke_form or RevokeForm(formdata=None),
        reissue_form=reissue_form,
        entries=history_for(cert),
        verify_link=signing.verify_url(cert.serial, cert.token),
    ), status


@bp.get("/admin/certificates/<serial>")
@access(ADMIN)
def admin_certificate(serial: str):
    return _detail(_certificate_or_404(serial))


@bp.post("/admin/certificates/<serial>/revoke")
@access(ADMIN)
def admin_certificate_revoke(serial: str):
    cert = _certificate_or_404(serial)
    form = RevokeForm()
    if not form.validate_on_submit():
        return _detail(cert, revoke_form=form, status=422)
    try:
        issuance.revoke(cert, reason=form.reason.data.strip(), actor=me())
    except DomainError as exc:
        # Shown above the record: the form itself is gone once the certificate is not valid.
        flash(exc.message, "error")
        return _detail(cert, revoke_form=form, status=exc.status_code)
    flash(_("Certificate %(code)s is revoked.", code=format_serial(cert.serial)), "success")
    return redirect(url_for(".admin_certificate", serial=cert.serial))


@bp.post("/admin/certificates/<serial>/reissue")
@access(ADMIN)
def admin_certificate_reissue(serial: str):
    cert = _certificate_or_404(serial)
    form = ReissueForm()
    if not form.validate_on_submit():
        return _detail(cert, reissue_form=form, status=422)
    corrections = {
        "name": form.name.data.strip(),
        "name_native": (form.name_native.data or "").strip() or None,
    }
    try:
        new = issuance.reissue(cert, actor=me(), corrections=corrections)
    except DomainError as exc:
        flash(exc.message, "error")
        return _detail(cert, reissue_form=form, status=exc.status_code)
    flash(
        _(
            "Certificate %(new)s replaces %(old)s.",
            new=format_serial(new.serial),
            old=format_serial(cert.serial),
        ),
        "success",
    )
    return redirect(url_for(".admin_certificate", serial=new.serial))


@bp.get("/admin/certificates/keys")
@access(ADMIN)
def keys():
    return _keys_page(RotateKeyForm(formdata=None))


def _keys_page(form, status: int = 200):
    return render_template("certificates/keys.html", keys=signing.all_keys(), form=form), status


@bp.post("/admin/certificates/keys/rotate")
@access(ADMIN)
def keys_rotate():
    form = RotateKeyForm()
    if not form.validate_on_submit():
        return _keys_page(form, status=422)
    kid = signing.rotate_key(actor=me())
    flash(_("New certificates are now signed with key %(kid)s.", kid=kid), "success")
    return redirect(url_for(".keys"))
