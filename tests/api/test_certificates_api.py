"""The certificate API as a partner system uses it: verify by code or PDF, revoke, re-issue, issue."""

from __future__ import annotations

import io
import itertools
from datetime import date, timedelta

from sqlalchemy import select

from talent.certificates.models import Certificate, CertificateVerification
from talent.certificates.serials import format_serial, new_serial
from talent.core.models import Job
from talent.extensions import db
from talent.reference.models import Institution, InstitutionKind, PartnerStatus, Person
from talent.workshops.models import Cohort, CohortStatus, Course, Enrolment, EnrolmentStatus
from tests.access import Case
from tests.api.tokens import bearer, issue_token
from tests.certificates.conftest import (  # noqa: F401  (the fixture applies to this module's tests)
    checks_written_at_once,
    create_certificate,
    pdf_of,
    revoke_directly,
)

PROBLEM = "application/problem+json"
ADMIN_ONLY = {"anonymous": 401, "applicant": 403, "institution": 403, "reviewer": 403}
_runs = itertools.count(1)


def make_closed_cohort(host: Institution | None = None) -> Cohort:
    """A closed cohort with two completed trainees (what bulk issuance certifies)."""
    run = next(_runs)
    today = date.today()
    if host is None:
        host = Institution(
            name=f"Certificate Site {run}",
            kind=InstitutionKind.WORKSHOP_SITE,
            country_code="KE",
            partner_status=PartnerStatus.ACTIVE,
        )
    partner = Institution(
        name=f"Certificate Partner {run}",
        kind=InstitutionKind.VOCATIONAL_COLLEGE,
        country_code="CN",
        partner_status=PartnerStatus.ACTIVE,
    )
    course = Course(code=f"CERT-{run}", title="Industrial robotics", practice_hours=40)
    db.session.add_all([host, partner, course])
    db.session.flush()
    cohort = Cohort(
        course_id=course.id,
        host_institution_id=host.id,
        partner_institution_id=partner.id,
        starts_on=today - timedelta(days=60),
        ends_on=today - timedelta(days=1),
        language="en",
        capacity=5,
        enrolment_opens_on=today - timedelta(days=90),
        enrolment_closes_on=today - timedelta(days=61),
        status=CohortStatus.CLOSED,
    )
    db.session.add(cohort)
    db.session.flush()
    for n in (1, 2):
        person = Person(name_latin=f"Certified Trainee {run}-{n}", nationality_code="KE")
        db.session.add(person)
        db.session.flush()
        db.session.add(
            Enrolment(
                cohort_id=cohort.id,
                person_id=person.id,
                status=EnrolmentStatus.COMPLETED,
                outcome={"completed": True},
            )
        )
    db.session.commit()
    return cohort


def _matrix_data(ctx: dict) -> dict:
    """Made on first use in a matrix run, so the cases run with any context (see test_access.py)."""
    if "certificates_api" not in ctx:
        job = Job(kind="certificates.issue_cohort", params={})
        db.session.add(job)
        db.session.commit()
        ctx["certificates_api"] = {
            "certificate": create_certificate(),
            "cohort": make_closed_cohort(),
            "job": job,
        }
    return ctx["certificates_api"]


CERTIFICATE_API_MATRIX = [
    # Bodies that fail validation: administrators get through to a 422, nothing changes.
    Case(
        "POST",
        "/api/v1/certificates/<serial>/revoke",
        {**ADMIN_ONLY, "admin": 422},
        url=lambda ctx: f"/api/v1/certificates/{_matrix_data(ctx)['certificate'].serial}/revoke",
        json={},
    ),
    Case(
        "POST",
        "/api/v1/certificates/<serial>/reissue",
        {**ADMIN_ONLY, "admin": 422},
        url=lambda ctx: f"/api/v1/certificates/{_matrix_data(ctx)['certificate'].serial}/reissue",
        json={"holder": {"name": ""}},
    ),
    # Nobody in the matrix manages the cohort but the administrator.
    Case(
        "POST",
        "/api/v1/cohorts/<int:cohort_id>/certificates",
        {**ADMIN_ONLY, "admin": 202},
        url=lambda ctx: f"/api/v1/cohorts/{_matrix_data(ctx)['cohort'].id}/certificates",
    ),
    # A job nobody in the matrix started: administrators only.
    Case(
        "GET",
        "/api/v1/jobs/<int:job_id>",
        {**ADMIN_ONLY, "admin": 200},
        url=lambda ctx: f"/api/v1/jobs/{_matrix_data(ctx)['job'].id}",
    ),
]


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status and body["detail"]
    return body


def test_anyone_verifies_a_code_without_a_token(client, db):
    cert = create_certificate()
    response = client.get(f"/api/v1/certificates/{format_serial(cert.serial).lower()}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    assert body["serial"] == cert.serial and body["status"] == "valid"
    assert body["token"] == cert.token and body["sha256"] == cert.sha256
    counted = db.session.execute(
        select(CertificateVerification.count).where(CertificateVerification.certificate_id == cert.id)
    ).scalar_one()
    assert counted == 1


def test_unknown_codes_are_404_and_typos_400(client, db):
    cert = create_certificate()
    _problem(client.get(f"/api/v1/certificates/{new_serial()}"), 404)
    typo = cert.serial[:15] + ("0" if cert.serial[15] != "0" else "1")
    body = _problem(client.get(f"/api/v1/certificates/{typo}"), 400)
    assert "the last character does not match" in body["detail"]
    assert "16 characters" in _problem(client.get("/api/v1/certificates/ABC"), 400)["detail"]


def _post_file(client, data: bytes, name: str = "certificate.pdf", **kwargs):
    return client.post(
        "/api/v1/certificates/verify",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        **kwargs,
    )


def test_a_pdf_is_matched_by_its_content(client, db):
    cert = revoke_directly(create_certificate(), "Issued in error")
    body = _post_file(client, pdf_of(cert)).get_json()
    assert body["match"] is True
    assert body["certificate"]["serial"] == cert.serial and body["certificate"]["status"] == "revoked"
    assert _post_file(client, b"%PDF-1.7\nnot one of ours\n%%EOF").get_json() == {
        "match": False,
        "certificate": None,
    }


def test_not_a_pdf_or_too_large_or_no_file(app, client, db):
    body = _problem(_post_file(client, b"\x00\x01random bytes" * 100), 422)
    assert "not a PDF" in body["detail"] and body["errors"]["file"]
    body = _problem(_post_file(client, b"%PDF-1.7\n" + b"0" * (50 * 1024 * 1024)), 413)
    assert "larger than 10 MB" in body["detail"]
    _problem(_post_file(client, b"%PDF-1.7\n" + b"0" * app.config["UPLOAD_MAX_BYTES"]), 413)
    assert "file" in _problem(client.post("/api/v1/certificates/verify", data={}), 422)["errors"]


def test_the_public_upload_needs_no_csrf_token(app, client, db):
    cert = create_certificate()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert _post_file(client, pdf_of(cert)).get_json()["match"] is True
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_revoke_needs_a_reason_and_happens_once(client, db, admin_headers):
    cert = create_certificate()
    url = f"/api/v1/certificates/{cert.serial}/revoke"
    assert "reason" in _problem(client.post(url, json={}, headers=admin_headers), 422)["errors"]
    response = client.post(url, json={"reason": "Assessment records were altered"}, headers=admin_headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "revoked" and body["revocation"]["reason"] == "Assessment records were altered"
    again = _problem(client.post(url, json={"reason": "Again"}, headers=admin_headers), 409)
    assert "already revoked" in again["detail"]
    _problem(
        client.post(
            f"/api/v1/certificates/{new_serial()}/revoke", json={"reason": "x"}, headers=admin_headers
        ),
        404,
    )


def test_reissue_with_corrections_replaces_the_certificate(client, db, admin_headers):
    old = create_certificate(holder_name="Amina Njorge")
    url = f"/api/v1/certificates/{old.serial}/reissue"
    response = client.post(
        url, json={"holder": {"name": "Amina Njoroge", "name_native": "أمينة"}}, headers=admin_headers
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["supersedes"] == old.serial and body["serial"] != old.serial
    assert body["holder"] == {"name": "Amina Njoroge", "name_native": "أمينة"}
    assert response.headers["Location"].endswith(f"/api/v1/certificates/{body['serial']}")
    replaced = client.get(f"/api/v1/certificates/{old.serial}").get_json()
    assert replaced["status"] == "superseded" and replaced["superseded_by"] == body["serial"]
    assert _problem(client.post(url, json={}, headers=admin_headers), 409)["detail"]
    unknown = client.post(url, json={"holder": {"nickname": "A"}}, headers=admin_headers)
    assert "nickname" in _problem(unknown, 422)["errors"]["holder"]


def test_cohort_staff_start_bulk_issuance_and_follow_the_job(client, db, make_user):
    host_staff = make_user("institution")
    cohort = make_closed_cohort(host=db.session.get(Institution, host_staff.institution_id))
    headers = bearer(issue_token(host_staff))
    response = client.post(f"/api/v1/cohorts/{cohort.id}/certificates", headers=headers)
    assert response.status_code == 202, response.get_data(as_text=True)
    job_id = response.get_json()["job"]
    assert response.headers["Location"].endswith(f"/api/v1/jobs/{job_id}")
    job = client.get(f"/api/v1/jobs/{job_id}", headers=headers)
    assert job.status_code == 200
    assert set(job.get_json()) == {"status", "done", "total", "errors"}
    assert job.get_json()["status"] in ("queued", "running", "done", "failed")
    stranger = bearer(issue_token(make_user("institution")))
    assert client.get(f"/api/v1/jobs/{job_id}", headers=stranger).status_code == 403
    assert client.post(f"/api/v1/cohorts/{cohort.id}/certificates", headers=stranger).status_code == 403
    _problem(client.get("/api/v1/jobs/999999999", headers=headers), 404)


def test_an_open_cohort_is_not_issued(client, db, admin_headers):
    cohort = make_closed_cohort()
    cohort.status = CohortStatus.OPEN
    db.session.commit()
    response = client.post(f"/api/v1/cohorts/{cohort.id}/certificates", headers=admin_headers)
    assert response.status_code in (409, 422)
    assert response.mimetype == PROBLEM and response.get_json()["detail"]
    assert db.session.execute(select(Certificate).where(Certificate.cohort_id == cohort.id)).first() is None


def test_the_openapi_document_describes_the_certificate_api(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    lookup = paths["/api/v1/certificates/{serial}"]["get"]
    assert "security" not in lookup and {"200", "400", "404", "429"} <= set(lookup["responses"])
    upload = paths["/api/v1/certificates/verify"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"200", "413", "422"} <= set(upload["responses"])
    assert paths["/api/v1/certificates/{serial}/revoke"]["post"]["security"] == [{"bearerAuth": []}]
    assert "201" in paths["/api/v1/certificates/{serial}/reissue"]["post"]["responses"]
    assert "202" in paths["/api/v1/cohorts/{cohort_id}/certificates"]["post"]["responses"]
    assert set(spec["components"]["schemas"]["Job"]["properties"]) == {"status", "done", "total", "errors"}
    certificate = spec["components"]["schemas"]["Certificate"]["properties"]
    assert list(certificate) == [
        "serial", "status", "kind", "holder", "title", "issued_on", "expires_on", "issuer",
        "revocation", "supersedes", "superseded_by", "sha256", "token", "verify_url",
    ]  # fmt: skip
