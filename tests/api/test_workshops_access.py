"""Every workshop API route × every role, anonymous included.

The cases make the cohort their URLs name themselves, on first use in a matrix run, so that they
run with any context: `tests/api/test_access.py` runs them in the API's whole matrix (and again
with browser cookies instead of tokens). In that cohort the `applicant` is nobody's trainee and
the `institution` user works for another institution, so only administrators get through to the
cohort's records; host staff and trainees are covered in test_workshops_api.py.

Cases run in order and some change the cohort: the withdrawal and the closing come last.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from sqlalchemy import func, select

from talent.extensions import db
from talent.reference.models import Institution, InstitutionKind, PartnerStatus, Person
from talent.workshops.models import (
    Cohort,
    CohortSession,
    Course,
    Enrolment,
    EnrolmentStatus,
)
from tests.access import Case, check_matrix
from tests.api.tokens import bearer, issue_token
from tests.workshops import conftest as workshop_fixtures

make_course = workshop_fixtures.make_course
make_cohort = workshop_fixtures.make_cohort
make_enrolment = workshop_fixtures.make_enrolment
workshop_ctx = workshop_fixtures.workshop_ctx

SIGNED_IN = {"anonymous": 401, "applicant": 200, "institution": 200, "reviewer": 200, "admin": 200}
ADMIN_ONLY = {"anonymous": 401, "applicant": 403, "institution": 403, "reviewer": 403}
_runs = itertools.count(1)

# Bodies naming objects of the run's cohort; its URL callable fills them in before the requests.
_NEW_COHORT: dict = {"language": "en", "capacity": 10}
_ATTENDANCE: dict = {"status": "present"}


def _institution(name: str, kind: InstitutionKind, country: str) -> Institution:
    institution = Institution(
        name=name, kind=kind, country_code=country, city="", partner_status=PartnerStatus.ACTIVE
    )
    db.session.add(institution)
    return institution


def make_matrix_workshop() -> dict:
    """A cohort with one seat (taken), one trainee waiting, and a session."""
    run = next(_runs)
    today = date.today()
    host = _institution(f"Matrix Workshop Site {run}", InstitutionKind.WORKSHOP_SITE, "KE")
    partner = _institution(f"Matrix Partner College {run}", InstitutionKind.VOCATIONAL_COLLEGE, "CN")
    course = Course(
        code=f"MX-{run}", title="Matrix course", field_code="07", isced_level=5, practice_hours=40
    )
    db.session.add(course)
    db.session.flush()
    cohort = Cohort(
        course_id=course.id,
        host_institution_id=host.id,
        partner_institution_id=partner.id,
        starts_on=today + timedelta(days=7),
        ends_on=today + timedelta(days=60),
        language="en",
        capacity=1,
        enrolment_opens_on=today - timedelta(days=7),
        enrolment_closes_on=today + timedelta(days=6),
    )
    db.session.add(cohort)
    db.session.flush()
    session = CohortSession(cohort_id=cohort.id, held_on=cohort.starts_on, title="Safety")
    trainees = [Person(name_latin=f"Matrix Trainee {n}", nationality_code="KE") for n in (1, 2)]
    db.session.add_all([session, *trainees])
    db.session.flush()
    enrolled = Enrolment(cohort_id=cohort.id, person_id=trainees[0].id, status=EnrolmentStatus.ENROLLED)
    waitlisted = Enrolment(
        cohort_id=cohort.id, person_id=trainees[1].id, status=EnrolmentStatus.WAITLISTED, waitlist_position=1
    )
    db.session.add_all([enrolled, waitlisted])
    # Committed (inside the test's transaction) so that requests that fail and roll back keep it.
    db.session.commit()
    return {
        "course": course,
        "host": host,
        "partner": partner,
        "cohort": cohort,
        "session": session,
        "enrolment": enrolled,
        "waitlisted": waitlisted,
    }


def _workshop(ctx: dict) -> dict:
    if "workshop" not in ctx:
        ctx["workshop"] = make_matrix_workshop()
    return ctx["workshop"]


def _cohort_url(suffix: str = ""):
    return lambda ctx: f"/api/v1/cohorts/{_workshop(ctx)['cohort'].id}{suffix}"


def _enrolment_url(key: str, suffix: str):
    return lambda ctx: f"/api/v1/enrolments/{_workshop(ctx)[key].id}{suffix}"


def _new_cohort_url(ctx: dict) -> str:
    workshop = _workshop(ctx)
    today = date.today()
    _NEW_COHORT.update(
        course_id=workshop["course"].id,
        host_id=workshop["host"].id,
        partner_id=workshop["partner"].id,
        starts_on=(today + timedelta(days=30)).isoformat(),
        ends_on=(today + timedelta(days=90)).isoformat(),
        enrolment_opens_on=today.isoformat(),
        enrolment_closes_on=(today + timedelta(days=20)).isoformat(),
    )
    return "/api/v1/cohorts"


def _attendance_url(ctx: dict) -> str:
    workshop = _workshop(ctx)
    _ATTENDANCE["session_id"] = workshop["session"].id
    return f"/api/v1/enrolments/{workshop['enrolment'].id}/attendance"


NEW_COURSE = {
    "code": "MX-NEW",
    "title": "Matrix new course",
    "field": "06",
    "isced_level": 4,
    "practice_hours": 60,
}

WORKSHOP_API_MATRIX = [
    Case("GET", "/api/v1/courses", SIGNED_IN),
    Case("POST", "/api/v1/courses", {**ADMIN_ONLY, "admin": 201}, json=NEW_COURSE),
    Case("GET", "/api/v1/cohorts", SIGNED_IN),
    Case("POST", "/api/v1/cohorts", {**ADMIN_ONLY, "admin": 201}, url=_new_cohort_url, json=_NEW_COHORT),
    Case("GET", "/api/v1/cohorts/<int:cohort_id>", SIGNED_IN, url=_cohort_url()),
    Case(
        "GET",
        "/api/v1/cohorts/<int:cohort_id>/enrolments",
        {**ADMIN_ONLY, "admin": 200},
        url=_cohort_url("/enrolments"),
    ),
    Case(
        "POST",
        "/api/v1/cohorts/<int:cohort_id>/enrolments",
        {**ADMIN_ONLY, "admin": 201},
        url=_cohort_url("/enrolments"),
        json={"person": {"name": "Matrix Newcomer", "email": "matrix.newcomer@example.org"}},
    ),
    Case(
        "PUT",
        "/api/v1/enrolments/<int:enrolment_id>/attendance",
        {**ADMIN_ONLY, "admin": 200},
        url=_attendance_url,
        json=_ATTENDANCE,
    ),
    Case(
        "PUT",
        "/api/v1/enrolments/<int:enrolment_id>/assessment",
        {**ADMIN_ONLY, "admin": 200},
        url=_enrolment_url("enrolment", "/assessment"),
        json={"theory": 70, "practical": 82.5},
    ),
    Case(
        "POST",
        "/api/v1/enrolments/<int:enrolment_id>/withdraw",
        {**ADMIN_ONLY, "admin": 200},
        url=_enrolment_url("waitlisted", "/withdraw"),
    ),
    Case(
        "POST",
        "/api/v1/cohorts/<int:cohort_id>/close",
        {**ADMIN_ONLY, "admin": 200},
        url=_cohort_url("/close"),
    ),
]


def test_workshop_api_access_matrix(api_client_as):
    workshop = make_matrix_workshop()
    check_matrix(WORKSHOP_API_MATRIX, api_client_as, {"workshop": workshop})
    # The administrator's calls did what they say: the last one closed the cohort.
    db.session.refresh(workshop["cohort"])
    assert workshop["cohort"].is_closed


# --- who manages which cohort, and what a trainee sees --------------------------------------


def _manager_calls(client, ctx: dict, headers: dict) -> list[int]:
    """Each managers' call once on the context's cohort; the answers' statuses, in order."""
    cohort, enrolment, waitlisted = ctx["cohort"], ctx["enrolment"], ctx["waitlisted"]
    return [
        client.get(f"/api/v1/cohorts/{cohort.id}/enrolments", headers=headers).status_code,
        client.post(
            f"/api/v1/cohorts/{cohort.id}/enrolments",
            json={"person": {"name": "Zanele Khumalo", "email": "zanele@example.org"}},
            headers=headers,
        ).status_code,
        client.put(
            f"/api/v1/enrolments/{enrolment.id}/attendance",
            json={"session_id": ctx["session"].id, "status": "present"},
            headers=headers,
        ).status_code,
        client.put(
            f"/api/v1/enrolments/{enrolment.id}/assessment",
            json={"theory": 60, "practical": 70},
            headers=headers,
        ).status_code,
        client.post(f"/api/v1/enrolments/{waitlisted.id}/withdraw", headers=headers).status_code,
        client.post(f"/api/v1/cohorts/{cohort.id}/close", headers=headers).status_code,
    ]


def test_staff_of_the_host_site_manage_its_cohort(client, workshop_ctx):
    headers = bearer(issue_token(workshop_ctx["host_staff"]))
    assert _manager_calls(client, workshop_ctx, headers) == [200, 201, 200, 200, 200, 200]


def test_staff_of_the_partner_institution_manage_its_cohort(client, workshop_ctx, make_user):
    partner_staff = make_user("institution", institution=workshop_ctx["cohort"].partner)
    headers = bearer(issue_token(partner_staff))
    assert _manager_calls(client, workshop_ctx, headers) == [200, 201, 200, 200, 200, 200]


def test_staff_of_another_institution_are_refused_and_change_nothing(client, workshop_ctx, db):
    headers = bearer(issue_token(workshop_ctx["other_staff"]))
    assert _manager_calls(client, workshop_ctx, headers) == [403] * 6
    db.session.refresh(workshop_ctx["cohort"])
    assert not workshop_ctx["cohort"].is_closed
    assert (
        db.session.scalar(
            select(func.count()).select_from(Person).where(Person.email == "zanele@example.org")
        )
        == 0
    )


def test_a_trainee_sees_and_withdraws_only_their_own_enrolment(
    client, workshop_ctx, make_cohort, make_enrolment
):
    headers = bearer(issue_token(workshop_ctx["trainee_user"]))
    cohort, own = workshop_ctx["cohort"], workshop_ctx["enrolment"]
    listed = client.get(f"/api/v1/cohorts/{cohort.id}/enrolments", headers=headers).get_json()
    assert [e["id"] for e in listed["items"]] == [own.id] and listed["next"] is None
    assert client.get(f"/api/v1/cohorts/{make_cohort().id}/enrolments", headers=headers).status_code == 403
    assert _manager_calls(client, workshop_ctx, headers) == [200, 403, 403, 403, 403, 403]
    assert client.post(f"/api/v1/enrolments/{own.id}/withdraw", headers=headers).status_code == 200
    # Withdrawn, it is still theirs to see.
    listed = client.get(f"/api/v1/cohorts/{cohort.id}/enrolments", headers=headers).get_json()
    assert [(e["id"], e["status"]) for e in listed["items"]] == [(own.id, "withdrawn")]
