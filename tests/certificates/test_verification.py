"""Finding certificates by code and by PDF, their public JSON, and counting checks."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select

from talent.certificates import verification
from talent.certificates.models import Certificate, CertificateKind, CertificateVerification
from talent.certificates.serials import SerialMalformed, SerialTypo, format_serial, new_serial
from talent.extensions import db as _db
from tests.certificates.conftest import create_certificate, pdf_of, revoke_directly, supersede_directly

TODAY = date.today()


def test_find_by_serial_accepts_the_code_as_typed(db):
    cert = create_certificate()
    typed = format_serial(cert.serial).lower().replace("0", "o").replace("1", "l")
    assert verification.find_by_serial(typed).id == cert.id
    assert verification.find_by_serial(f"  {cert.serial[:8]} {cert.serial[8:]} ").id == cert.id


def test_find_by_serial_tells_a_typo_from_an_unknown_code(db):
    cert = create_certificate()
    wrong_check = cert.serial[:15] + ("0" if cert.serial[15] != "0" else "1")
    with pytest.raises(SerialTypo):
        verification.find_by_serial(wrong_check)
    with pytest.raises(SerialMalformed):
        verification.find_by_serial("hello")
    assert verification.find_by_serial(new_serial()) is None


def test_json_of_a_valid_certificate_follows_the_contract(db):
    cert = create_certificate(holder_name_native="أمينة", expires_on=TODAY + timedelta(days=30))
    body = verification.certificate_json(cert, TODAY)
    assert list(body) == [
        "serial",
        "status",
        "kind",
        "holder",
        "title",
        "issued_on",
        "expires_on",
        "issuer",
        "revocation",
        "supersedes",
        "superseded_by",
        "sha256",
        "token",
        "verify_url",
    ]
    assert body["serial"] == cert.serial and body["status"] == "valid"
    assert body["kind"] == "course_completion"
    assert body["holder"] == {"name": cert.holder_name, "name_native": "أمينة"}
    assert body["issued_on"] == cert.issued_on.isoformat()
    assert body["expires_on"] == (TODAY + timedelta(days=30)).isoformat()
    assert body["issuer"] == {"name": cert.issuer_name, "country": "CN"}
    assert body["revocation"] is None and body["supersedes"] is None and body["superseded_by"] is None
    assert body["sha256"] == cert.sha256 and len(body["sha256"]) == 64
    assert body["verify_url"] == f"http://talent.test/verify/{cert.serial}?t={cert.token}"


def test_json_says_revoked_with_date_and_reason(db):
    cert = revoke_directly(create_certificate(), "Assessment records were falsified")
    body = verification.certificate_json(cert, TODAY)
    assert body["status"] == "revoked"
    assert body["revocation"]["reason"] == "Assessment records were falsified"
    assert body["revocation"]["revoked_at"].startswith(TODAY.isoformat())


def test_json_links_a_replaced_certificate_and_its_replacement(db):
    old = create_certificate(holder_name="Amina Njorge")
    new = supersede_directly(old, holder_name="Amina Njoroge")
    old = verification.find_by_serial(old.serial)
    assert verification.certificate_json(old, TODAY)["status"] == "superseded"
    assert verification.certificate_json(old, TODAY)["superseded_by"] == new.serial
    assert verification.certificate_json(new, TODAY)["supersedes"] == old.serial


def test_json_says_expired_after_the_expiry_date(db):
    cert = create_certificate(issued_on=TODAY - timedelta(days=400), expires_on=TODAY - timedelta(days=1))
    assert verification.certificate_json(cert, TODAY)["status"] == "expired"
    assert verification.certificate_json(cert, TODAY - timedelta(days=1))["status"] == "valid"


def test_find_by_pdf_matches_the_exact_bytes_only(db):
    cert = create_certificate()
    data = pdf_of(cert)
    assert verification.find_by_pdf(data).id == cert.id
    altered = data[:-3] + bytes([data[-3] ^ 1]) + data[-2:]
    assert verification.find_by_pdf(altered) is None


def test_the_cheap_lookup_answers_the_same_document(db):
    old = create_certificate(holder_name_native="أمينة", expires_on=TODAY + timedelta(days=3))
    new = supersede_directly(old)
    revoked = revoke_directly(create_certificate())
    expired = create_certificate(issued_on=TODAY - timedelta(days=9), expires_on=TODAY - timedelta(days=1))
    for cert in (old, new, revoked, expired):
        cert = verification.find_by_serial(cert.serial)
        assert verification.lookup_json(format_serial(cert.serial), TODAY) == (
            cert.id,
            verification.certificate_json(cert, TODAY),
        )
    assert verification.lookup_json(new_serial(), TODAY) is None
    with pytest.raises(SerialTypo):
        verification.lookup_json(_typo(new.serial), TODAY)


def _typo(serial: str) -> str:
    return serial[:15] + ("0" if serial[15] != "0" else "1")


def test_checks_are_gathered_and_written_together(app, db):
    cert = create_certificate()

    def stored() -> int | None:
        return db.session.execute(
            select(CertificateVerification.count).where(CertificateVerification.certificate_id == cert.id)
        ).scalar_one_or_none()

    app.config["CERTIFICATE_CHECKS_FLUSH_SECONDS"] = 3600
    verification.flush_verifications()
    for _ in range(5):
        verification.record_verification(cert, TODAY)
    assert stored() is None  # not yet written
    verification.flush_verifications()
    assert stored() == 5
    verification.record_verification(cert.id, TODAY)
    verification.flush_verifications()
    assert stored() == 6  # added up, not replaced


def test_record_verification_counts_per_day(db):
    cert = create_certificate()
    for _ in range(3):
        verification.record_verification(cert, TODAY)
    verification.record_verification(cert, TODAY - timedelta(days=1))
    rows = db.session.execute(
        select(CertificateVerification.verified_on, CertificateVerification.count)
        .where(CertificateVerification.certificate_id == cert.id)
        .order_by(CertificateVerification.verified_on)
    ).all()
    assert rows == [(TODAY - timedelta(days=1), 1), (TODAY, 3)]


@contextmanager
def committed_certificate(app, holder_name: str, title: str) -> Iterator[tuple[int, str]]:
    """(id, serial) of a certificate committed for real (no test transaction around it), removed
    afterwards with the checks counted for it."""
    with app.app_context():
        cert = Certificate(
            serial=new_serial(),
            kind=CertificateKind.COURSE_COMPLETION,
            holder_name=holder_name,
            title=title,
            issued_on=TODAY,
            issuer_name="Tianjin Vocational Institute",
            issuer_country="CN",
            template="course_completion",
            token="unsigned",
            key_id="none",
        )
        _db.session.add(cert)
        _db.session.commit()
        cert_id, serial = cert.id, cert.serial
        _db.session.remove()
    try:
        yield cert_id, serial
    finally:
        with app.app_context():
            verification.flush_verifications()
            _db.session.execute(
                delete(CertificateVerification).where(CertificateVerification.certificate_id == cert_id)
            )
            _db.session.execute(delete(Certificate).where(Certificate.id == cert_id))
            _db.session.commit()
            _db.session.remove()


def test_concurrent_checks_are_all_counted(app):
    """Real commits from several threads (no test transaction around them): no check is lost."""
    threads, per_thread = 8, 10
    with committed_certificate(app, "Concurrent Holder", "Concurrency") as (cert_id, serial):

        def check(_):
            client = app.test_client()
            return [client.get(f"/api/v1/certificates/{serial}").status_code for _ in range(per_thread)]

        with ThreadPoolExecutor(threads) as pool:
            statuses = [s for batch in pool.map(check, range(threads)) for s in batch]
        assert statuses == [200] * threads * per_thread
        with app.app_context():
            counted = _db.session.execute(
                select(CertificateVerification.count).where(CertificateVerification.certificate_id == cert_id)
            ).scalar_one()
        assert counted == threads * per_thread


def test_sha256_of_upload_checks_content_and_size():
    import io

    pdf = b"%PDF-1.7\n" + b"x" * 100
    assert len(verification.sha256_of_upload(io.BytesIO(pdf), 1000)) == 64
    with pytest.raises(verification.UploadRefused) as caught:
        verification.sha256_of_upload(io.BytesIO(b"PK\x03\x04 a zip named .pdf"), 1000)
    assert caught.value.reason == "not_pdf"
    with pytest.raises(verification.UploadRefused) as caught:
        verification.sha256_of_upload(io.BytesIO(pdf), 50)
    assert caught.value.reason == "too_large"


def test_a_public_lookup_needs_no_session_of_its_own(app):
    """The busiest public read answers from its own short read (committed data, real engine):
    the request makes no ORM session, so it has no transaction to end."""
    with committed_certificate(app, "Lookup Holder", "Lookups") as (cert_id, serial):
        app.config["CERTIFICATE_CHECKS_FLUSH_SECONDS"] = 3600  # counted, written later
        with app.test_request_context(f"/api/v1/certificates/{serial}"):
            found = verification.lookup_json(format_serial(serial), TODAY)
            assert found is not None and found[0] == cert_id and found[1]["holder"]["name"] == "Lookup Holder"
            assert not _db.session.registry.has()
        assert app.test_client().get(f"/api/v1/certificates/{serial}").json["serial"] == serial
