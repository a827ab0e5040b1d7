"""Certificate factories and the shared context the access matrices use.

`create_certificate` stores a certificate as issuance leaves it — snapshot, signed token, a PDF
file in the data folder and its SHA-256 — without rendering, so verification is tested on its own.
It takes no fixtures, so API matrix cases can call it on first use.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import subprocess
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
import zxingcpp
from flask import current_app
from PIL import Image

from talent.certificates import signing
from talent.certificates.models import Certificate, CertificateKind
from talent.certificates.serials import new_serial
from talent.core.db import utcnow
from talent.extensions import db
from talent.workshops.models import CohortStatus, EnrolmentStatus
from tests.workshops.conftest import make_cohort, make_course, make_enrolment  # noqa: F401

_numbers = itertools.count(1)

DETAILS = {
    "course_code": "LW-ROB-01",
    "titles": {"zh": "工业机器人操作与维护"},
    "starts_on": "2026-03-02",
    "ends_on": "2026-05-29",
    "language": "en",
    "theory_hours": 40,
    "practice_hours": 120,
    "competencies": ["Operate a six-axis robot safely", "Program pick-and-place tasks"],
    "host": {"name": "Nairobi Luban Workshop", "country": "KE"},
    "partner": {"name": "Tianjin Vocational Institute", "name_native": "天津职业技术学院", "country": "CN"},
}


def fake_pdf(serial: str) -> bytes:
    """Bytes that start like a PDF and are unique to this certificate."""
    return b"%PDF-1.7\n% certificate " + serial.encode() + b"\n" + secrets.token_bytes(64) + b"\n%%EOF\n"


def create_certificate(*, pdf: bytes | None = None, commit: bool = True, **kw) -> Certificate:
    """A certificate as issued; keyword arguments override its fields (`status`, `expires_on` …)."""
    serial = kw.pop("serial", None) or new_serial()
    n = next(_numbers)
    values = {
        "serial": serial,
        "kind": CertificateKind.COURSE_COMPLETION,
        "holder_name": f"Amina Njoroge {n}",
        "holder_name_native": None,
        "title": "Industrial robotics: operation and maintenance",
        "details": dict(DETAILS),
        "issued_on": date.today() - timedelta(days=10),
        "expires_on": None,
        "issuer_name": "Tianjin Vocational Institute",
        "issuer_country": "CN",
        "template": "course_completion",
        "languages": ["en", "zh"],
        "token": "",
        "key_id": "",
        "issued_at": utcnow() - timedelta(days=10),
    }
    values.update(kw)
    cert = Certificate(**values)
    cert.token = signing.sign_certificate_token(cert)
    data = fake_pdf(serial) if pdf is None else pdf
    relative = f"certificates/{serial}.pdf"
    path = Path(current_app.config["DATA_DIR"]) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    cert.pdf_path = relative
    cert.pdf_bytes = len(data)
    cert.sha256 = hashlib.sha256(data).hexdigest()
    db.session.add(cert)
    if commit:
        # Inside the test's transaction: ends a SAVEPOINT, so failing requests keep it.
        db.session.commit()
    else:
        db.session.flush()
    return cert


def pdf_of(cert: Certificate) -> bytes:
    return (Path(current_app.config["DATA_DIR"]) / cert.pdf_path).read_bytes()


def revoke_directly(cert: Certificate, reason: str = "Issued in error") -> Certificate:
    cert.revoke(reason, None)
    db.session.commit()
    return cert


def supersede_directly(old: Certificate, **kw) -> Certificate:
    """The certificate that replaces `old` (a re-issue, as its record stands afterwards)."""
    old.supersede()
    db.session.flush()
    fields = {
        "holder_name": old.holder_name,
        "holder_name_native": old.holder_name_native,
        "person_id": old.person_id,
        "enrolment_id": old.enrolment_id,
        "cohort_id": old.cohort_id,
        "supersedes_id": old.id,
    }
    fields.update(kw)
    return create_certificate(**fields)


@pytest.fixture(autouse=True)
def checks_written_at_once(app):
    """Checks are counted in memory and written every few seconds; tests read them at once."""
    app.config["CERTIFICATE_CHECKS_FLUSH_SECONDS"] = 0
    yield
    app.config.pop("CERTIFICATE_CHECKS_FLUSH_SECONDS", None)


@pytest.fixture
def make_certificate(db):
    def make(**kw):
        return create_certificate(**kw)

    return make


@pytest.fixture
def certificate_ctx(db, users, make_person, make_user, make_cohort, make_enrolment):  # noqa: F811
    """A valid certificate held by the `applicant` user's person, a revoked one, and a closed cohort
    with completed enrolments hosted by an institution none of the matrix users works for."""
    host_staff = make_user("institution")
    cohort = make_cohort(host=host_staff.institution)
    holder = make_person(
        user_id=users["applicant"].id, email=users["applicant"].email, name_latin="Amina Njoroge"
    )
    enrolment = make_enrolment(cohort, holder, status=EnrolmentStatus.COMPLETED, outcome={"completed": True})
    others = [
        make_enrolment(cohort, status=EnrolmentStatus.COMPLETED, outcome={"completed": True})
        for _ in range(2)
    ]
    cohort.status = CohortStatus.CLOSED
    cohort.closed_at = utcnow()
    db.session.commit()
    certificate = create_certificate(
        holder_name=holder.name_latin,
        person_id=holder.id,
        enrolment_id=enrolment.id,
        cohort_id=cohort.id,
        issuer_name=cohort.partner.name,
    )
    revoked = revoke_directly(create_certificate(person_id=holder.id, cohort_id=cohort.id))
    return {
        "certificate": certificate,
        "revoked": revoked,
        "cohort": cohort,
        "enrolment": enrolment,
        "enrolments": [enrolment, *others],
        "holder": holder,
        "host_staff": host_staff,
    }


def pixels(pdf: bytes, dpi: int = 60) -> Image.Image:
    """The certificate's page as a grey image, as pdftoppm prints it."""
    with tempfile.TemporaryDirectory() as folder:
        stem = Path(folder) / "page"
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", "-", str(stem)], input=pdf, check=True
        )
        with Image.open(f"{stem}.png") as image:
            return image.convert("L").copy()


def qr_codes(pdf: bytes, dpi: int) -> list[str]:
    """What a scanner reads from the printed page."""
    return [result.text for result in zxingcpp.read_barcodes(pixels(pdf, dpi))]
