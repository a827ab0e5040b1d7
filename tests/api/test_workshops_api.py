"""Courses, cohorts and enrolments through the API, as a partner system uses them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from talent.core.audit import AuditEntry
from talent.reference.models import InstitutionKind
from talent.workshops.models import Cohort, CohortStatus, Course, EnrolmentStatus
from tests.api.tokens import bearer, issue_token
from tests.workshops import conftest as workshop_fixtures

make_course = workshop_fixtures.make_course
make_cohort = workshop_fixtures.make_cohort
make_enrolment = workshop_fixtures.make_enrolment

PROBLEM = "application/problem+json"
COURSE = {
    "code": "lw-nev-01",
    "title": "New-energy vehicle maintenance",
    "titles": {"zh": "新能源汽车维修", "fr": "Maintenance des véhicules à énergie nouvelle"},
    "field": "07",
    "isced_level": 4,
    "theory_hours": 60,
    "practice_hours": 180,
    "competencies": ["Diagnose a battery pack", "Replace a drive motor safely"],
    "theory_weight": 40,
    "practical_weight": 60,
    "pass_mark": 65,
    "min_attendance_pct": 85,
}


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    return response.get_json()


def _walk(client, url: str, headers: dict) -> list[dict]:
    items, cursor = [], None
    for _ in range(100):
        separator = "&" if "?" in url else "?"
        page = client.get(url + (f"{separator}cursor={cursor}" if cursor else ""), headers=headers)
        assert page.status_code == 200, page.get_data(as_text=True)
        items.extend(page.get_json()["items"])
        cursor = page.get_json()["next"]
        if cursor is None:
            return items
    raise AssertionError("pagination does not end")


@pytest.fixture
def staff_headers(make_user):
    """Headers for staff of `institution`: `staff_headers(institution)`."""
    return lambda institution: bearer(issue_token(make_user("institution", institution=institution)))


# --- courses -------------------------------------------------------------------------------


def test_admin_adds_a_course_and_everyone_signed_in_finds_it(client, admin_headers, user_headers, db):
    response = client.post("/api/v1/courses", json=COURSE, headers=admin_headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["code"] == "LW-NEV-01" and body["field"] == "07" and body["practice_share"] == 75
    assert body["titles"]["zh"] == "新能源汽车维修"
    assert body["competencies"] == COURSE["competencies"]
    listed = _walk(client, "/api/v1/courses?field=07&level=4", user_headers)
    assert [c["code"] for c in listed] == ["LW-NEV-01"]
    assert listed[0] == body
    action = db.session.scalar(select(AuditEntry.action).where(AuditEntry.object_type == "courses"))
    assert action == "course.created"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"theory_weight": 50}, "theory_weight"),
        ({"field": "99"}, "field"),
        ({"isced_level": 9}, "isced_level"),
        ({"pass_mark": 101}, "pass_mark"),
        ({"titles": {"xx": "?"}}, "titles"),
        ({"isced_level": "4"}, "isced_level"),
        ({"ranking": 1}, "ranking"),
    ],
)
def test_a_bad_course_is_422_naming_the_field(client, admin_headers, db, change, field):
    response = client.post("/api/v1/courses", json={**COURSE, **change}, headers=admin_headers)
    assert field in _problem(response, 422)["errors"]
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0


def test_a_taken_course_code_is_422(client, admin_headers, make_course):
    make_course(code="LW-NEV-01")
    response = client.post("/api/v1/courses", json=COURSE, headers=admin_headers)
    assert list(_problem(response, 422)["errors"]) == ["code"]


def test_courses_filter_by_where_they_run(client, user_headers, make_course, make_cohort, make_institution):
    egypt = make_institution(kind=InstitutionKind.WORKSHOP_SITE, country_code="EG")
    robots = make_course(title="Robots", field_code="07", isced_level=5)
    make_course(title="Data", field_code="06", isced_level=5)
    make_cohort(course=robots, host=egypt)

    def titles(query):
        return [c["title"] for c in _walk(client, f"/api/v1/courses?{query}", user_headers)]

    assert titles("country=eg") == ["Robots"]
    assert titles("field=06") == ["Data"]
    assert titles("level=5") == ["Robots", "Data"]
    assert titles("country=KE") == []
    assert (
        "country" in _problem(client.get("/api/v1/courses?country=EGY", headers=user_headers), 422)["errors"]
    )


def test_course_pages_walk_every_course_in_a_bounded_number_of_queries(
    client, user_headers, make_course, count_queries
):
    for _ in range(3):
        make_course()
    client.get("/api/v1/courses", headers=user_headers)
    with count_queries() as few:
        assert len(client.get("/api/v1/courses", headers=user_headers).get_json()["items"]) == 3
    for _ in range(27):
        make_course()
    with count_queries() as many:
        assert len(client.get("/api/v1/courses?limit=30", headers=user_headers).get_json()["items"]) == 30
    assert many.count == few.count, many.statements
    assert len(_walk(client, "/api/v1/courses?limit=7", user_headers)) == 30


# --- cohorts -------------------------------------------------------------------------------


def _cohort_body(course, host, partner, **change) -> dict:
    today = date.today()
    return {
        "course_id": course.id,
        "host_id": host.id,
        "partner_id": partner.id,
        "starts_on": (today + timedelta(days=10)).isoformat(),
        "ends_on": (today + timedelta(days=40)).isoformat(),
        "language": "FR",
        "capacity": 12,
        "enrolment_opens_on": today.isoformat(),
        "enrolment_closes_on": (today + timedelta(days=9)).isoformat(),
        "instructors": ["Li Na", "Moussa Diop"],
        "sessions": [
            {"held_on": (today + timedelta(days=10)).isoformat(), "title": "Safety", "kind": "theory"},
            {"held_on": (today + timedelta(days=11)).isoformat(), "title": "Wiring", "hours": 6.5},
        ],
        **change,
    }


@pytest.fixture
def sites(make_institution):
    return (
        make_institution(kind=InstitutionKind.WORKSHOP_SITE, country_code="SN", name="Luban Workshop Dakar"),
        make_institution(kind=InstitutionKind.VOCATIONAL_COLLEGE, country_code="CN"),
    )


def test_host_staff_add_a_cohort_with_its_sessions(client, staff_headers, sites, make_course):
    host, partner = sites
    headers = staff_headers(host)
    response = client.post(
        "/api/v1/cohorts", json=_cohort_body(make_course(), host, partner), headers=headers
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["host"] == {"id": host.id, "name": "Luban Workshop Dakar", "country": "SN"}
    assert body["language"] == "fr" and body["status"] == "open" and body["closed_at"] is None
    assert body["seats"] == {"capacity": 12, "taken": 0, "waitlisted": 0, "pending": 0}
    assert [(s["title"], s["kind"], s["hours"]) for s in body["sessions"]] == [
        ("Safety", "theory", 4.0),
        ("Wiring", "practice", 6.5),
    ]
    assert client.get(response.headers["Location"], headers=headers).get_json() == body


def test_staff_cannot_add_a_cohort_for_other_institutions(
    client, staff_headers, sites, make_course, make_institution
):
    host, partner = sites
    response = client.post(
        "/api/v1/cohorts",
        json=_cohort_body(make_course(), host, partner),
        headers=staff_headers(make_institution()),
    )
    _problem(response, 403)


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"ends_on": date.today().isoformat()}, {"ends_on"}),
        ({"capacity": 0}, {"capacity"}),
        ({"language": "klingon"}, {"language"}),
        ({"course_id": 999999}, {"course_id"}),
        ({"starts_on": "next week"}, {"starts_on"}),
        ({"sessions": [{"held_on": "2001-01-01", "title": "Too early"}]}, {"sessions"}),
    ],
)
def test_a_bad_cohort_is_422_naming_the_field_and_adds_nothing(
    client, admin_headers, sites, make_course, db, change, errors
):
    host, partner = sites
    response = client.post(
        "/api/v1/cohorts", json=_cohort_body(make_course(), host, partner, **change), headers=admin_headers
    )
    assert set(_problem(response, 422)["errors"]) == errors
    assert db.session.scalar(select(func.count()).select_from(Cohort)) == 0


def test_a_session_outside_the_dates_is_named_by_its_place(client, admin_headers, sites, make_course):
    host, partner = sites
    body = _cohort_body(make_course(), host, partner)
    body["sessions"].append({"held_on": "2001-01-01", "title": "Too early"})
    problem = _problem(client.post("/api/v1/cohorts", json=body, headers=admin_headers), 422)
    assert list(problem["errors"]["sessions"]["2"]) == ["held_on"]
    assert "2001-01-01" in problem["detail"]


def test_cohorts_filter_and_show_their_seats(
    client, user_headers, make_cohort, make_enrolment, make_institution, make_course
):
    egypt = make_institution(kind=InstitutionKind.WORKSHOP_SITE, country_code="EG")
    course = make_course()
    full = make_cohort(course=course, host=egypt, capacity=1)
    make_enrolment(full)
    make_enrolment(full, status=EnrolmentStatus.WAITLISTED)
    make_enrolment(full, status=EnrolmentStatus.PENDING)
    make_enrolment(full, status=EnrolmentStatus.WITHDRAWN)
    closed = make_cohort(course=course, status=CohortStatus.CLOSED)
    other = make_cohort()

    def ids(query):
        return [c["id"] for c in _walk(client, f"/api/v1/cohorts?{query}", user_headers)]

    assert ids(f"course={course.id}") == [full.id, closed.id]
    assert ids("country=eg") == [full.id]
    assert ids(f"host={other.host_institution_id}") == [other.id]
    assert ids(f"course={course.id}&status=closed") == [closed.id]
    listed = client.get(f"/api/v1/cohorts?host={egypt.id}", headers=user_headers).get_json()["items"][0]
    assert listed["seats"] == {"capacity": 1, "taken": 1, "waitlisted": 1, "pending": 1}
    assert "sessions" not in listed
    assert set(_problem(client.get("/api/v1/cohorts?status=gone", headers=user_headers), 422)["errors"]) == {
        "status"
    }


def test_cohort_pages_take_the_same_queries_however_full(
    client, user_headers, make_cohort, make_enrolment, make_course, count_queries
):
    course = make_course()
    make_enrolment(make_cohort(course=course, sessions=0))
    client.get("/api/v1/cohorts", headers=user_headers)
    with count_queries() as few:
        assert (
            len(client.get(f"/api/v1/cohorts?course={course.id}", headers=user_headers).get_json()["items"])
            == 1
        )
    for _ in range(9):
        cohort = make_cohort(course=course, sessions=0)
        for _ in range(3):
            make_enrolment(cohort)
    with count_queries() as many:
        page = client.get(f"/api/v1/cohorts?course={course.id}", headers=user_headers).get_json()
        assert len(page["items"]) == 10
    assert many.count == few.count, many.statements


def test_one_cohort_and_an_unknown_one(client, user_headers, make_cohort):
    cohort = make_cohort(sessions=3)
    body = client.get(f"/api/v1/cohorts/{cohort.id}", headers=user_headers).get_json()
    assert body["id"] == cohort.id and body["course"]["code"] == cohort.course.code
    assert [s["title"] for s in body["sessions"]] == ["Session 1", "Session 2", "Session 3"]
    _problem(client.get("/api/v1/cohorts/999999", headers=user_headers), 404)


# --- the OpenAPI document ------------------------------------------------------------------

WORKSHOP_OPERATIONS = {
    ("get", "/api/v1/courses"),
    ("post", "/api/v1/courses"),
    ("get", "/api/v1/cohorts"),
    ("post", "/api/v1/cohorts"),
    ("get", "/api/v1/cohorts/{cohort_id}"),
    ("post", "/api/v1/cohorts/{cohort_id}/close"),
    ("get", "/api/v1/cohorts/{cohort_id}/enrolments"),
    ("post", "/api/v1/cohorts/{cohort_id}/enrolments"),
    ("post", "/api/v1/enrolments/{enrolment_id}/withdraw"),
    ("put", "/api/v1/enrolments/{enrolment_id}/attendance"),
    ("put", "/api/v1/enrolments/{enrolment_id}/assessment"),
}


def test_the_openapi_document_describes_every_workshop_operation(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = {
        (method, path) for path, item in spec["paths"].items() for method in item if method != "parameters"
    }
    assert documented >= WORKSHOP_OPERATIONS
    for method, path in WORKSHOP_OPERATIONS:
        operation = spec["paths"][path][method]
        assert operation["security"] == [{"bearerAuth": []}], path
        assert operation["summary"] and "\n" not in operation["summary"], path
    schemas = spec["components"]["schemas"]
    for name in ("CourseCreate", "CohortCreate", "EnrolmentRequest", "NewPerson", "Assessment", "Withdraw"):
        assert schemas[name]["additionalProperties"] is False, name
    assert schemas["EnrolmentRequest"]["properties"]["items"]["maxItems"] == 200
    assert set(schemas["Enrolment"]["properties"]["status"]["enum"]) == {
        "pending",
        "enrolled",
        "waitlisted",
        "completed",
        "not_completed",
        "withdrawn",
    }
    enrol = spec["paths"]["/api/v1/cohorts/{cohort_id}/enrolments"]["post"]["responses"]
    assert {"200", "201", "403", "404", "422"} <= set(enrol)
    assert "EnrolmentResults" in str(enrol["200"])
