"""The issuing pages: a cohort's certificates, starting bulk issuance, issuing one trainee's."""

from __future__ import annotations

from sqlalchemy import select

from talent.certificates.models import Certificate
from talent.core.db import utcnow
from talent.core.models import Job
from talent.reference.models import Institution
from talent.workshops.models import CohortStatus, EnrolmentStatus
from tests.access import Case, allowed


def _cohort_url(ctx) -> str:
    return f"/cohorts/{ctx['cohort'].id}/certificates"


def _uncertified_enrolment_url(ctx) -> str:
    return f"/enrolments/{ctx['enrolments'][1].id}/certificate"


# The cohort is hosted by an institution none of the matrix users works for: only administrators
# (and that cohort's own staff, tested below) may issue.
RENDER_MATRIX = [
    Case("GET", "/cohorts/<int:cohort_id>/certificates", allowed({"admin"}), url=_cohort_url),
    Case("POST", "/cohorts/<int:cohort_id>/certificates", allowed({"admin"}, ok=302), url=_cohort_url),
    Case(
        "POST",
        "/enrolments/<int:enrolment_id>/certificate",
        allowed({"admin"}, ok=302),
        url=_uncertified_enrolment_url,
    ),
]


def closed_cohort_with(db, make_cohort, make_enrolment, count: int, host=None):
    cohort = make_cohort(host=host)
    enrolments = [
        make_enrolment(cohort, status=EnrolmentStatus.COMPLETED, outcome={"completed": True})
        for _ in range(count)
    ]
    cohort.status = CohortStatus.CLOSED
    cohort.closed_at = utcnow()
    db.session.commit()
    return cohort, enrolments


def test_host_staff_start_bulk_issuance_and_land_on_its_progress(
    client, db, login, make_user, certificate_ctx
):
    staff = certificate_ctx["host_staff"]
    login(client, staff)
    url = f"/cohorts/{certificate_ctx['cohort'].id}/certificates"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Issue certificates for this cohort" in html and "Amina Njoroge" in html

    response = client.post(url)
    assert response.status_code == 302
    job = db.session.execute(select(Job).order_by(Job.id.desc())).scalars().first()
    assert response.headers["Location"].endswith(f"/jobs/{job.id}")
    assert job.params == {"cohort_id": certificate_ctx["cohort"].id} and job.created_by_id == staff.id
    assert client.get(response.headers["Location"]).status_code == 200
    assert "Follow the progress" in client.get(url).get_data(as_text=True)  # no second button


def test_an_open_cohort_cannot_be_issued(client, db, login, make_user, make_cohort, make_enrolment):
    staff = make_user("institution")
    cohort, _ = closed_cohort_with(
        db, make_cohort, make_enrolment, 1, host=db.session.get(Institution, staff.institution_id)
    )
    cohort.status = CohortStatus.OPEN
    db.session.commit()
    login(client, staff)
    response = client.post(f"/cohorts/{cohort.id}/certificates")
    assert response.status_code == 422
    assert "not closed" in response.get_data(as_text=True)
    assert db.session.execute(select(Job)).first() is None


def test_an_administrator_issues_one_trainee(client, db, login, make_user, certificate_ctx):
    login(client, make_user("admin"))
    enrolment = certificate_ctx["enrolments"][1]
    response = client.post(f"/enrolments/{enrolment.id}/certificate")
    assert response.status_code == 302
    cert = db.session.execute(
        select(Certificate).where(Certificate.enrolment_id == enrolment.id)
    ).scalar_one()
    assert response.headers["Location"].endswith(f"/admin/certificates/{cert.serial}")
    again = client.post(f"/enrolments/{enrolment.id}/certificate", follow_redirects=True)
    assert "already has certificate" in again.get_data(as_text=True)
    assert (
        len(db.session.execute(select(Certificate).where(Certificate.enrolment_id == enrolment.id)).all())
        == 1
    )


def test_a_trainee_who_did_not_complete_gets_no_certificate(
    client, db, login, make_user, make_enrolment, certificate_ctx
):
    login(client, make_user("admin"))
    failed = make_enrolment(certificate_ctx["cohort"], status=EnrolmentStatus.NOT_COMPLETED)
    response = client.post(f"/enrolments/{failed.id}/certificate")
    assert response.status_code == 422
    assert "did not complete" in response.get_data(as_text=True)
    assert (
        db.session.execute(select(Certificate).where(Certificate.enrolment_id == failed.id)).first() is None
    )


def test_the_page_runs_the_same_queries_for_many_trainees(
    client, db, login, make_user, make_cohort, make_enrolment, count_queries
):
    login(client, make_user("admin"))
    small, _ = closed_cohort_with(db, make_cohort, make_enrolment, 2)
    large, _ = closed_cohort_with(db, make_cohort, make_enrolment, 20)
    client.get(f"/cohorts/{small.id}/certificates")  # warm-up: translations, templates
    db.session.expire_all()  # both requests start from a cold identity map
    with count_queries() as few:
        assert client.get(f"/cohorts/{small.id}/certificates").status_code == 200
    db.session.expire_all()
    with count_queries() as many:
        assert client.get(f"/cohorts/{large.id}/certificates").status_code == 200
    assert many.count == few.count, many.statements
