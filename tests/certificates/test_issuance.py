"""Issuing, re-issuing and revoking certificates, and bulk issuance as a background job."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select

from talent.certificates import issuance, rendering, signing, storage, tasks
from talent.certificates.models import Certificate, CertificateKind, CertificateStatus
from talent.core.db import utcnow
from talent.core.errors import IllegalTransition, ValidationFailed
from talent.core.jobs import run_pending_jobs
from talent.core.mail import pending_mail
from talent.core.models import JobStatus, Notification
from talent.extensions import db as _db
from talent.reference.models import Person
from talent.workshops.models import CohortStatus, EnrolmentStatus
from tests.certificates.conftest import create_certificate, qr_codes

OUTCOME = {"completed": True, "attendance_pct": "95.0", "weighted_score": "81.5", "reasons": []}


@pytest.fixture
def closed_cohort(db, make_cohort, make_enrolment, make_person, make_course):
    """`closed_cohort(names)` → (cohort, enrolments): a closed cohort taught in French whose
    trainees, one per (Latin, native) name, all completed."""

    def make(names=(("Amina Njoroge", None),), *, language="fr", **kw):
        course = make_course(titles={"zh": "工业机器人操作与维护", "fr": "Robotique industrielle"})
        cohort = make_cohort(course=course, language=language, **kw)
        enrolments = [
            make_enrolment(
                cohort,
                make_person(name_latin=latin, name_native=native),
                status=EnrolmentStatus.COMPLETED,
                outcome=OUTCOME,
            )
            for latin, native in names
        ]
        cohort.status = CohortStatus.CLOSED
        cohort.closed_at = utcnow()
        db.session.commit()
        return cohort, enrolments

    return make


@pytest.fixture
def draws(monkeypatch):
    """How many PDFs were drawn (each drawing is a full WeasyPrint rendering)."""
    calls = []
    real = rendering.draw

    def counting(prepared):
        calls.append(prepared)
        return real(prepared)

    monkeypatch.setattr(rendering, "draw", counting)
    return calls


def person_of(enrolment) -> Person:
    return _db.session.get(Person, enrolment.person_id)


def stored_pdf(cert: Certificate) -> Path:
    return Path(current_app.config["DATA_DIR"]) / cert.pdf_path


def test_a_completed_trainee_gets_one_certificate_drawn_once(db, closed_cohort, make_user, draws):
    holder = make_user("applicant")
    cohort, (enrolment,) = closed_cohort([("WANG Xiaoming", "王小明")])
    person_of(enrolment).user_id = holder.id
    db.session.commit()

    cert = issuance.issue_for_enrolment(enrolment)
    db.session.commit()

    assert cert.status == CertificateStatus.VALID and cert.kind == CertificateKind.COURSE_COMPLETION
    assert (cert.holder_name, cert.holder_name_native) == ("WANG Xiaoming", "王小明")
    assert cert.title == cohort.course.title
    assert (cert.issuer_name, cert.issuer_country) == (cohort.partner.name, "CN")
    assert cert.languages == ["en", "zh", "fr"]
    assert cert.details["titles"]["zh"] == "工业机器人操作与维护"
    assert cert.details["weighted_score"] == "81.5" and cert.details["practice_hours"] == 120
    assert cert.details["host"]["name"] == cohort.host.name and cert.details["language"] == "fr"
    assert cert.expires_on is None  # course certificates do not expire
    assert signing.verify_token(cert.token)["sub"] == cert.serial
    data = stored_pdf(cert).read_bytes()
    assert cert.pdf_path == f"certificates/{cert.serial}.pdf"
    assert hashlib.sha256(data).hexdigest() == cert.sha256 and len(data) == cert.pdf_bytes
    notification = db.session.execute(
        select(Notification).where(Notification.user_id == holder.id)
    ).scalar_one()
    assert cert.title in notification.message and notification.link == "/my/certificates"

    again = issuance.issue_for_enrolment(enrolment)
    assert again.id == cert.id and len(draws) == 1  # the same certificate, not drawn again
    assert stored_pdf(cert).read_bytes() == data
    # A phone scanning the printed code lands on the verification page with the signed token.
    assert qr_codes(data, dpi=150) == [signing.verify_url(cert.serial, cert.token)]


def test_the_holder_is_told_by_mail(db, closed_cohort, make_user):
    holder = make_user("applicant", email="amina@example.org")
    _, (enrolment,) = closed_cohort()
    person_of(enrolment).user_id = holder.id
    db.session.commit()
    issuance.issue_for_enrolment(enrolment)
    (mail,) = [m for m in pending_mail() if m["To"] == "amina@example.org"]
    assert "certificate" in mail["Subject"] and "/my/certificates" in mail.get_content()


@pytest.mark.parametrize(
    "status", [EnrolmentStatus.NOT_COMPLETED, EnrolmentStatus.ENROLLED, EnrolmentStatus.WITHDRAWN]
)
def test_only_completed_trainees_are_certified(db, closed_cohort, status):
    _, (enrolment,) = closed_cohort()
    enrolment.status = status
    db.session.commit()
    with pytest.raises(ValidationFailed, match="did not complete"):
        issuance.issue_for_enrolment(enrolment)
    assert db.session.execute(select(Certificate)).first() is None


def test_nothing_is_issued_before_the_cohort_closes(db, closed_cohort):
    cohort, (enrolment,) = closed_cohort()
    cohort.status = CohortStatus.OPEN
    db.session.commit()
    with pytest.raises(ValidationFailed, match="not closed"):
        issuance.issue_for_enrolment(enrolment)
    with pytest.raises(ValidationFailed, match="not closed"):
        issuance.start_bulk_issuance(cohort, actor=None)


def test_a_rolled_back_issue_leaves_no_file(db, closed_cohort):
    _, (enrolment,) = closed_cohort()
    cert = issuance.issue_for_enrolment(enrolment)
    serial, path = cert.serial, stored_pdf(cert)
    db.session.rollback()
    assert not path.exists()
    assert not list((storage.pdf_folder() / storage.STAGING_FOLDER).rglob(f"{serial}.pdf"))


def test_a_concurrent_issuer_wins_and_its_certificate_is_returned(db, closed_cohort):
    cohort, (enrolment,) = closed_cohort()
    mine = issuance.new_course_certificate(enrolment, cohort, person_of(enrolment))
    pdf = issuance.render_pdf(mine)
    # Meanwhile another process issued this enrolment's certificate and committed it.
    theirs = create_certificate(enrolment_id=enrolment.id, cohort_id=cohort.id)
    returned = issuance.record_issued(mine, pdf)
    db.session.commit()
    assert returned.id == theirs.id
    live = (
        db.session.execute(select(Certificate).where(Certificate.enrolment_id == enrolment.id))
        .scalars()
        .all()
    )
    assert [c.serial for c in live] == [theirs.serial]
    assert not (storage.pdf_folder() / f"{mine.serial}.pdf").exists()


def test_reissue_supersedes_with_the_corrected_names(db, closed_cohort, make_user):
    admin = make_user("admin")
    _, (enrolment,) = closed_cohort([("Amina Njorge", None)])
    old = issuance.issue_for_enrolment(enrolment)
    db.session.commit()

    new = issuance.reissue(old, actor=admin, corrections={"name": "Amina Njoroge", "name_native": "أمينة"})
    db.session.commit()

    assert old.status == CertificateStatus.SUPERSEDED and new.status == CertificateStatus.VALID
    assert new.supersedes_id == old.id and new.serial != old.serial
    assert (new.holder_name, new.holder_name_native) == ("Amina Njoroge", "أمينة")
    assert (new.title, new.details, new.enrolment_id) == (old.title, old.details, old.enrolment_id)
    assert new.sha256 != old.sha256 and stored_pdf(old).exists()  # the old PDF is kept as issued
    assert signing.verify_token(new.token)["name"] == "Amina Njoroge"
    text = rendering_text(stored_pdf(new))
    assert "Amina Njoroge" in text and "Replaces certificate" in text
    with pytest.raises(IllegalTransition):
        issuance.reissue(old, actor=admin, corrections={})
    with pytest.raises(ValidationFailed):
        issuance.reissue(new, actor=admin, corrections={"title": "Something else"})


def rendering_text(path: Path) -> str:
    import subprocess

    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_revoke_needs_a_short_reason_and_happens_once(db, make_user):
    admin = make_user("admin")
    cert = create_certificate()
    with pytest.raises(ValidationFailed):
        issuance.revoke(cert, reason="  ", actor=admin)
    with pytest.raises(ValidationFailed):
        issuance.revoke(cert, reason="x" * 501, actor=admin)
    issuance.revoke(cert, reason="Assessment records were altered", actor=admin)
    db.session.commit()
    assert cert.status == CertificateStatus.REVOKED and cert.revoked_by_id == admin.id
    with pytest.raises(IllegalTransition, match="already revoked"):
        issuance.revoke(cert, reason="Again", actor=admin)


def test_an_expiry_per_kind_is_signed_into_the_token(db, closed_cohort, monkeypatch):
    monkeypatch.setitem(issuance.EXPIRY_YEARS, CertificateKind.COURSE_COMPLETION, 3)
    _, (enrolment,) = closed_cohort()
    cert = issuance.issue_for_enrolment(enrolment)
    assert cert.expires_on == cert.issued_on.replace(year=cert.issued_on.year + 3)
    assert "exp" in signing.verify_token(cert.token)


def test_bulk_issuance_reports_failures_and_issues_the_rest(db, closed_cohort, make_user, make_enrolment):
    staff = make_user("institution")
    cohort, enrolments = closed_cohort(
        [("Amina Njoroge", None), ("Zhang Yi", "𠮷野"), ("Olga Petrova", "Ольга")]
    )
    make_enrolment(cohort, status=EnrolmentStatus.NOT_COMPLETED)

    job = issuance.start_bulk_issuance(cohort, actor=staff)
    assert issuance.start_bulk_issuance(cohort, actor=staff).id == job.id  # a double click: one job
    db.session.commit()
    assert run_pending_jobs() == 1

    db.session.refresh(job)
    assert job.status == JobStatus.DONE and (job.done, job.total) == (3, 3)
    (error,) = job.errors
    assert "Zhang Yi" in error["item"] and "U+20BB7" in error["message"]
    issued = db.session.execute(select(Certificate).where(Certificate.cohort_id == cohort.id)).scalars().all()
    assert sorted(c.holder_name for c in issued) == ["Amina Njoroge", "Olga Petrova"]
    assert all(hashlib.sha256(stored_pdf(c).read_bytes()).hexdigest() == c.sha256 for c in issued)

    issuance.revoke(issued[0], reason="Issued in error", actor=None)  # a re-run must not undo it
    again = issuance.start_bulk_issuance(cohort, actor=staff)
    db.session.commit()
    run_pending_jobs()
    db.session.refresh(again)
    assert again.id != job.id and again.status == JobStatus.DONE and again.result["issued"] == 0
    assert [e["item"] for e in again.errors] == [error["item"]]  # only the unprintable name again
    now = db.session.execute(select(Certificate.serial).where(Certificate.cohort_id == cohort.id)).scalars()
    assert sorted(now) == sorted(c.serial for c in issued)


def test_bulk_issuance_draws_in_worker_processes(db, closed_cohort, make_user):
    names = [
        (f"Trainee {n}", native) for n, native in enumerate(["王伟", "أحمد", "አበበ", "रवि", "สมชาย", "Ольга"])
    ]
    assert len(names) >= tasks.SMALL_BATCH
    cohort, enrolments = closed_cohort(names)
    job = issuance.start_bulk_issuance(cohort, actor=make_user("admin"))
    db.session.commit()
    run_pending_jobs()
    db.session.refresh(job)
    assert job.status == JobStatus.DONE and job.errors == [] and job.result["issued"] == len(names)
    issued = db.session.execute(select(Certificate).where(Certificate.cohort_id == cohort.id)).scalars().all()
    assert {c.enrolment_id for c in issued} == {e.id for e in enrolments}
    for cert in issued:
        assert hashlib.sha256(stored_pdf(cert).read_bytes()).hexdigest() == cert.sha256
        assert cert.holder_name_native in "".join(rendering_text(stored_pdf(cert)).split())


def test_a_resumed_job_finishes_what_a_killed_run_left_in_staging(db, closed_cohort):
    cohort, (enrolment,) = closed_cohort()
    committed = create_certificate(cohort_id=cohort.id)
    area = storage.pdf_folder() / storage.STAGING_FOLDER / "job-424242"
    area.mkdir(parents=True, exist_ok=True)
    final = stored_pdf(committed)
    final.rename(area / final.name)  # killed after the commit, before the move
    (area / "0000000000000000.pdf").write_bytes(b"%PDF- never committed")
    assert storage.recover_staged("job-424242") == {"moved": 1, "deleted": 1}
    assert hashlib.sha256(final.read_bytes()).hexdigest() == committed.sha256
    assert not area.exists()


def test_the_periodic_clean_up_takes_only_areas_idle_for_an_hour(db):
    root = storage.pdf_folder() / storage.STAGING_FOLDER
    idle, busy = root / "pid-1", root / "pid-2"
    for area in (idle, busy):
        area.mkdir(parents=True, exist_ok=True)
        (area / "1111111111111111.pdf").write_bytes(b"%PDF- never committed")
    an_hour_ago = time.time() - storage.STALE_STAGING_SECONDS - 60
    os.utime(idle, (an_hour_ago, an_hour_ago))
    tasks.recover_staged_pdfs()
    assert not idle.exists() and (busy / "1111111111111111.pdf").exists()
    storage.recover_staged("pid-2")
