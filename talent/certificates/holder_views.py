"""A holder's own certificates: status, the PDF, the link to share and how often it was checked."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, render_template, send_file
from flask_login import current_user
from werkzeug.security import safe_join

from talent.certificates import queries, signing
from talent.certificates.blueprint import bp, today
from talent.certificates.models import Certificate
from talent.certificates.serials import SerialError, format_serial, normalise_serial
from talent.core.permissions import AUTHENTICATED, access, require
from talent.extensions import db


@bp.get("/my/certificates")
@access(AUTHENTICATED)
def my_certificates():
    day = today()
    page = queries.holder_certificates_page(current_user, per_page=current_app.config["PAGE_SIZE"])
    counts = queries.verification_counts([cert.id for cert in page.items], day)
    return render_template(
        "certificates/my_certificates.html",
        page=page,
        counts=counts,
        today=day,
        links={cert.id: signing.verify_url(cert.serial, cert.token) for cert in page.items},
        recent_days=queries.RECENT_DAYS,
    )


@bp.get("/certificates/<serial>.pdf")
@access(AUTHENTICATED)
def certificate_pdf(serial: str):
    try:
        normalised = normalise_serial(serial)
    except SerialError:
        abort(404)
    cert = db.session.execute(
        db.select(Certificate).where(Certificate.serial == normalised)
    ).scalar_one_or_none()
    if cert is None:
        abort(404)
    require(cert, "view")
    path = safe_join(current_app.config["DATA_DIR"], cert.pdf_path) if cert.pdf_path else None
    if path is None or not Path(path).is_file():
        if cert.pdf_path:
            current_app.logger.error("certificate %s: stored PDF %s is missing", cert.serial, cert.pdf_path)
        abort(404)
    response = send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"certificate-{format_serial(cert.serial)}.pdf",
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response
