"""Issuing from the web: a cohort's certificates page, bulk issuance (a background job) and, for
administrators, issuing one completed enrolment's certificate."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from talent.certificates import issuance, tasks
from talent.certificates.blueprint import bp, me
from talent.certificates.models import Certificate, CertificateKind, CertificateStatus
from talent.certificates.serials import format_serial
from talent.core.errors import DomainError
from talent.core.pagination import Page, page_number
from talent.core.permissions import ADMIN, Role, access, get_or_404, roles
from talent.extensions import db
from talent.reference.models import Person
from talent.workshops.models import Cohort, Enrolment, EnrolmentStatus

STAFF = roles(Role.ADMIN, Role.INSTITUTION)


def _live_join():
    return and_(
        Certificate.enrolment_id == Enrolment.id,
        Certificate.kind == CertificateKind.COURSE_COMPLETION,
        Certificate.status == CertificateStatus.VALID,
    )


def _completed_page(cohort: Cohort, per_page: int) -> Page:
    """Completed enrolments with their person and live certificate (or None), by name."""
    number = page_number()
    rows = db.session.execute(
        select(Enrolment, Person, Certificate)
        .join(Person, Person.id == Enrolment.person_id)
        .outerjoin(Certificate, _live_join())
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.COMPLETED)
        .order_by(Person.name_latin, Enrolment.id)
        .limit(per_page + 1)
        .offset((number - 1) * per_page)
    ).all()
    return Page(
        items=list(rows[:per_page]),
        number=number,
        has_next=len(rows) > per_page,
        args={"cohort_id": cohort.id},
    )


def _counts(cohort: Cohort) -> dict[str, int]:
    completed, certified = db.session.execute(
        select(func.count(Enrolment.id), func.count(Certificate.id))
        .select_from(Enrolment)
        .outerjoin(Certificate, _live_join())
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.COMPLETED)
    ).one()
    return {"completed": completed, "certified": certified, "missing": completed - certified}


def _page(cohort: Cohort, status: int = 200):
    return render_template(
        "certificates/issue_cohort.html",
        cohort=cohort,
        counts=_counts(cohort),
        page=_completed_page(cohort, current_app.config["PAGE_SIZE"]),
        job=tasks.unfinished_job(cohort),
    ), status


@bp.get("/cohorts/<int:cohort_id>/certificates")
@access(STAFF)
def issue_cohort(cohort_id: int):
    return _page(get_or_404(Cohort, cohort_id, "manage"))


@bp.post("/cohorts/<int:cohort_id>/certificates")
@access(STAFF)
def issue_cohort_start(cohort_id: int):
    cohort = get_or_404(Cohort, cohort_id, "manage")
    try:
        job = issuance.start_bulk_issuance(cohort, actor=me())
    except DomainError as exc:
        flash(exc.message, "error")
        return _page(cohort, exc.status_code)
    flash(_("Certificates are being issued; this page shows the progress."), "success")
    return redirect(url_for("core.job", job_id=job.id))


@bp.post("/enrolments/<int:enrolment_id>/certificate")
@access(ADMIN)
def issue_enrolment(enrolment_id: int):
    enrolment = get_or_404(Enrolment, enrolment_id, permission=None)
    existing = issuance.live_certificate(enrolment.id, CertificateKind.COURSE_COMPLETION)
    if existing is not None:
        flash(
            _("This trainee already has certificate %(code)s.", code=format_serial(existing.serial)), "info"
        )
        return redirect(url_for("certificates.admin_certificate", serial=existing.serial))
    try:
        cert = issuance.issue_for_enrolment(enrolment, actor=me())
    except DomainError as exc:
        flash(exc.message, "error")
        return _page(db.session.get(Cohort, enrolment.cohort_id), exc.status_code)
    flash(_("Certificate %(code)s is issued.", code=format_serial(cert.serial)), "success")
    return redirect(url_for("certificates.admin_certificate", serial=cert.serial))
