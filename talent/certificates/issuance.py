"""Issuing certificates: one enrolment, a cohort in bulk (see tasks.py), re-issue and revoke.

A certificate is drawn once, when it is issued, and its PDF is kept: the file's SHA-256 is part
of the record and verifiers compare uploads against it, so the same serial is never drawn again.

The PDF reaches its final place only once the transaction that records the certificate commits
(see storage.py).
"""

from __future__ import annotations

import hashlib
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from talent.accounts.models import User
from talent.certificates import layouts, rendering, signing, storage
from talent.certificates.models import Certificate, CertificateKind, CertificateStatus
from talent.certificates.serials import format_serial, new_serial
from talent.core import audit
from talent.core.db import utcnow
from talent.core.errors import IllegalTransition, ValidationFailed
from talent.core.notifications import notify, path_for, recipient_locale
from talent.extensions import db
from talent.programmes.models import Application, Call, Placement, PlacementStatus, Programme
from talent.reference.models import Institution, Person
from talent.workshops.models import Cohort, CohortStatus, Course, Enrolment, EnrolmentStatus

# Years a certificate of each kind stays valid; None: it does not expire.
EXPIRY_YEARS: dict[CertificateKind, int | None] = {
    CertificateKind.COURSE_COMPLETION: None,
    CertificateKind.PROGRAMME_COMPLETION: None,
    CertificateKind.RECOGNITION_STATEMENT: None,
}
REASON_MAX_LENGTH = 500
NAME_MAX_LENGTH = 200
CORRECTABLE = ("name", "name_native")


def expiry_for(kind: CertificateKind, issued_on: date) -> date | None:
    years = EXPIRY_YEARS.get(kind)
    if years is None:
        return None
    try:
        return issued_on.replace(year=issued_on.year + years)
    except ValueError:  # 29 February, and the target year is not a leap year
        return issued_on.replace(year=issued_on.year + years, day=28)


def live_certificate(enrolment_id: int, kind: CertificateKind) -> Certificate | None:
    return db.session.execute(
        select(Certificate).where(
            Certificate.enrolment_id == enrolment_id,
            Certificate.kind == kind,
            Certificate.status == CertificateStatus.VALID,
        )
    ).scalar_one_or_none()


def _institution(inst: Institution) -> dict:
    return {"name": inst.name, "name_native": inst.name_native, "country": inst.country_code}


def check_closed(cohort: Cohort) -> None:
    if cohort.status == CohortStatus.CANCELLED:
        raise ValidationFailed(_("This cohort was cancelled: it gives no certificates."))
    if cohort.status != CohortStatus.CLOSED:
        raise ValidationFailed(
            _("The cohort is not closed yet: certificates are issued once its results are final.")
        )


def check_certifiable(enrolment: Enrolment, cohort: Cohort) -> None:
    if enrolment.status != EnrolmentStatus.COMPLETED:
        raise ValidationFailed(
            _("This trainee did not complete the course: only completed trainees get a certificate.")
        )
    check_closed(cohort)


def new_course_certificate(
    enrolment: Enrolment, cohort: Cohort, person: Person, *, actor=None
) -> Certificate:
    """The snapshot of a completed enrolment, signed, not yet drawn nor added to the session."""
    check_certifiable(enrolment, cohort)
    course: Course = cohort.course
    languages = layouts.printed_languages(CertificateKind.COURSE_COMPLETION.value, [cohort.language])
    outcome = enrolment.outcome or {}
    return _signed_certificate(
        CertificateKind.COURSE_COMPLETION,
        person,
        title=course.title,
        details={
            "course_code": course.code,
            "titles": {code: course.titles[code] for code in languages if course.titles.get(code)},
            "theory_hours": course.theory_hours,
            "practice_hours": course.practice_hours,
            "total_hours": course.total_hours,
            "competencies": list(course.competencies or []),
            "weighted_score": outcome.get("weighted_score"),
            "attendance_pct": outcome.get("attendance_pct"),
            "starts_on": cohort.starts_on.isoformat(),
            "ends_on": cohort.ends_on.isoformat(),
            "language": cohort.language,
            "host": _institution(cohort.host),
            "partner": _institution(cohort.partner),
        },
        issuer=cohort.partner,
        languages=languages,
        actor=actor,
        enrolment_id=enrolment.id,
        cohort_id=cohort.id,
    )


def _signed_certificate(
    kind: CertificateKind,
    person: Person,
    *,
    title: str,
    details: dict,
    issuer: Institution,
    languages: list[str],
    actor,
    **origin,
) -> Certificate:
    """A valid certificate of `kind` for `person`, issued today, signed; `origin` names what it
    certifies (enrolment and cohort, or placement)."""
    issued_on = utcnow().date()
    cert = Certificate(
        serial=new_serial(),
        kind=kind,
        status=CertificateStatus.VALID,
        holder_name=person.name_latin,
        holder_name_native=person.name_native or None,
        title=title,
        details=details,
        issued_on=issued_on,
        expires_on=expiry_for(kind, issued_on),
        issuer_name=issuer.name,
        issuer_country=issuer.country_code,
        template=kind.value,
        languages=languages,
        person_id=person.id,
        issued_by_id=getattr(actor, "id", None),
        token="",
        key_id="",
        **origin,
    )
    cert.token = signing.sign_certificate_token(cert)
    return cert


def render_pdf(cert: Certificate, supersedes: str | None = None) -> bytes:
    try:
        return rendering.render_certificate(
            cert, qr_url=signing.verify_url(cert.serial, cert.token), supersedes=supersedes
        )
    except rendering.RenderingFailed as exc:
        field = "name" if exc.reason == "unprintable" else None
        raise ValidationFailed(failure_message(exc), field=field) from exc


def failure_message(exc: rendering.RenderingFailed) -> str:
    if exc.reason == "unprintable":
        return _(
            "The certificate fonts cannot print these characters: %(chars)s. Correct the name or title.",
            chars=exc.detail,
        )
    if exc.reason == "too_long":
        return _("The certificate does not fit on one page: shorten the title or the competencies.")
    return _("The certificate could not be drawn: %(problem)s", problem=exc.detail)


def record_issued(cert: Certificate, pdf: bytes, *, actor=None, staging: str | None = None) -> Certificate:
    """Store `pdf` as `cert`'s document and add `cert`; returns the live certificate.

    Two issuers racing for the same enrolment (a bulk job and an administrator, two job
    runners): the partial unique index lets one row in; the other gets the winner back and its
    own PDF is dropped.
    """
    cert.sha256 = hashlib.sha256(pdf).hexdigest()
    cert.pdf_bytes = len(pdf)
    cert.pdf_path = storage.relative_path(cert.serial)
    staged = storage.stage(pdf, cert.serial, area=staging)
    try:
        with db.session.begin_nested():
            db.session.add(cert)
            db.session.flush()
    except IntegrityError:
        storage.discard(staged)
        winner = live_certificate(cert.enrolment_id, cert.kind) if cert.enrolment_id else None
        if winner is None:
            raise
        return winner
    audit.record(
        "certificate.issue",
        cert,
        changes={"serial": [None, cert.serial], "sha256": [None, cert.sha256]},
        summary=f"{format_serial(cert.serial)}: {cert.holder_name}, {cert.title}",
        actor=actor,
    )
    _tell_holder(cert)
    db.session.flush()
    return cert


def _tell_holder(cert: Certificate) -> None:
    person = db.session.get(Person, cert.person_id) if cert.person_id else None
    user = person.user if person is not None else None
    if user is None:
        return
    with recipient_locale(user):
        notify(
            user,
            _(
                "Your certificate “%(title)s” is ready: %(code)s.",
                title=cert.title,
                code=format_serial(cert.serial),
            ),
            link=path_for("certificates.my_certificates"),
            mail_subject=_("Talent Exchange: your certificate is ready"),
        )


def issue_for_enrolment(enrolment: Enrolment, *, actor=None) -> Certificate:
    """The live course certificate of a completed enrolment of a closed cohort, issued if need be."""
    existing = live_certificate(enrolment.id, CertificateKind.COURSE_COMPLETION)
    if existing is not None:
        return existing
    cohort = db.session.get(Cohort, enrolment.cohort_id)
    person = db.session.get(Person, enrolment.person_id)
    cert = new_course_certificate(enrolment, cohort, person, actor=actor)
    return record_issued(cert, render_pdf(cert), actor=actor)


def start_bulk_issuance(cohort: Cohort, *, actor):
    """Queue the job that issues every missing certificate of `cohort`; an unfinished one is reused."""
    from talent.certificates import tasks  # registers the job kind

    check_closed(cohort)
    return tasks.enqueue_bulk_issue(cohort, actor)


def _corrected_names(cert: Certificate, corrections: dict) -> tuple[str, str | None]:
    unknown = set(corrections) - set(CORRECTABLE)
    if unknown:
        raise ValidationFailed(
            _("Only the holder's names can be corrected, not: %(fields)s.", fields=", ".join(sorted(unknown)))
        )
    name = corrections.get("name", cert.holder_name)
    name = (name or "").strip()
    native = corrections.get("name_native", cert.holder_name_native)
    native = (native or "").strip() or None
    if not name:
        raise ValidationFailed(_("Enter the holder's name in Latin letters."), field="name")
    if len(name) > NAME_MAX_LENGTH or len(native or "") > NAME_MAX_LENGTH:
        raise ValidationFailed(_("A name has at most %(max)d characters.", max=NAME_MAX_LENGTH), field="name")
    return name, native


def reissue(cert: Certificate, *, actor, corrections: dict) -> Certificate:
    """A new certificate with the corrected names that replaces `cert` (which becomes superseded)."""
    if cert.status != CertificateStatus.VALID:
        raise IllegalTransition(_("Only a valid certificate can be re-issued."))
    name, native = _corrected_names(cert, corrections or {})
    new = Certificate(
        serial=new_serial(),
        kind=cert.kind,
        status=CertificateStatus.VALID,
        holder_name=name,
        holder_name_native=native,
        title=cert.title,
        details=dict(cert.details or {}),
        issued_on=utcnow().date(),
        # A correction does not extend the validity of what was certified.
        expires_on=cert.expires_on,
        issuer_name=cert.issuer_name,
        issuer_country=cert.issuer_country,
        template=cert.template,
        languages=list(cert.languages or []),
        enrolment_id=cert.enrolment_id,
        person_id=cert.person_id,
        cohort_id=cert.cohort_id,
        issued_by_id=getattr(actor, "id", None),
        token="",
        key_id="",
    )
    new.supersedes_id = cert.id
    new.token = signing.sign_certificate_token(new)
    pdf = render_pdf(new, supersedes=cert.serial)  # printed: "replaces certificate …"
    before = {"holder_name": cert.holder_name, "holder_name_native": cert.holder_name_native}
    cert.supersede()
    audit.record("certificate.supersede", cert, actor=actor)
    db.session.flush()  # the old one stops being live before the new one is added
    recorded = record_issued(new, pdf, actor=actor)
    audit.record(
        "certificate.reissue",
        recorded,
        changes={
            "supersedes": [None, cert.serial],
            **{k: [v, getattr(recorded, k)] for k, v in before.items() if v != getattr(recorded, k)},
        },
        actor=actor,
    )
    db.session.flush()
    return recorded


def revoke(cert: Certificate, *, reason: str, actor) -> Certificate:
    """Revoke `cert`; the reason is shown publicly on its verification page."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Give the reason for revoking: it is shown on the verification page."), field="reason"
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationFailed(
            _("The reason has at most %(max)d characters.", max=REASON_MAX_LENGTH), field="reason"
        )
    cert.revoke(reason, getattr(actor, "id", None))  # IllegalTransition when revoked already
    audit.record("certificate.revoke", cert, actor=actor)
    db.session.flush()
    return cert


# --- programme completion (placements of exchange programmes) ----------------------------------

# What the participant did, printed as the certificate's "Role", per exchange programme kind.
PROGRAMME_ROLES = {
    "scientist_exchange": "Chief AI scientist",
    "young_scholars": "Young scholar",
    "engineer_placement": "Algorithm engineer",
}


def live_placement_certificate(placement_id: int) -> Certificate | None:
    return db.session.execute(
        select(Certificate).where(
            Certificate.placement_id == placement_id,
            Certificate.kind == CertificateKind.PROGRAMME_COMPLETION,
            Certificate.status == CertificateStatus.VALID,
        )
    ).scalar_one_or_none()


def new_programme_certificate(
    placement: Placement, programme: Programme, person: Person, *, outcome: str = "", actor=None
) -> Certificate:
    """The snapshot of a completed placement, signed, not yet drawn nor added to the session.

    Prints the programme (in English, and in each printed language it has a name in), the role,
    the dates the participant actually spent at the host (arrival to completion), the host
    institution and the programme's organiser, and the host's free-text result if given.
    """
    if placement.status != PlacementStatus.COMPLETED or placement.completed_on is None:
        raise ValidationFailed(_("The placement is not completed: its certificate comes with completion."))
    user = db.session.get(User, person.user_id) if person.user_id else None
    languages = layouts.printed_languages(
        CertificateKind.PROGRAMME_COMPLETION.value, [user.locale] if user is not None and user.locale else []
    )
    details = {
        "programme_id": programme.id,
        "programme_kind": str(programme.kind),
        "titles": {code: programme.names[code] for code in languages if (programme.names or {}).get(code)},
        "role": PROGRAMME_ROLES.get(str(programme.kind)),
        "starts_on": (placement.arrived_on or placement.starts_on).isoformat(),
        "ends_on": placement.completed_on.isoformat(),
        "host": _institution(placement.host),
        "supervisor": placement.supervisor_name,
        "outcome": (outcome or "").strip() or None,
    }
    if programme.organiser is not None and programme.organiser.id != placement.host.id:
        details["partner"] = _institution(programme.organiser)
    return _signed_certificate(
        CertificateKind.PROGRAMME_COMPLETION,
        person,
        title=programme.name,
        details={key: value for key, value in details.items() if value not in (None, {}, "")},
        issuer=programme.organiser or placement.host,
        languages=languages,
        actor=actor,
        placement_id=placement.id,
    )


def issue_for_placement(placement, *, actor=None, outcome: str = "") -> Certificate:
    """The live programme-completion certificate of a completed placement, issued if need be."""
    existing = live_placement_certificate(placement.id)
    if existing is not None:
        return existing
    application = db.session.get(Application, placement.application_id)
    call = db.session.get(Call, application.call_id)
    programme = db.session.get(Programme, call.programme_id)
    person = db.session.get(Person, application.person_id)
    cert = new_programme_certificate(placement, programme, person, outcome=outcome, actor=actor)
    try:
        return record_issued(cert, render_pdf(cert), actor=actor)
    except IntegrityError:
        # Issued for the same placement by a parallel request a moment ago: that one stands.
        winner = live_placement_certificate(placement.id)
        if winner is None:
            raise
        return winner
