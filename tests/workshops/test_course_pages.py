"""The public catalogue and course pages, and who may reach each course and cohort set-up page."""

from datetime import date, timedelta

import pytest

from talent.extensions import db as _db
from talent.reference.models import InstitutionKind
from talent.workshops.models import CohortSession, CohortStatus, EnrolmentStatus
from tests.access import ROLES, Case, allowed, check_matrix

EVERYONE = {role: 200 for role in ROLES}
COHORT_MANAGERS = {"admin"}  # plus the host's staff, who hold no role of their own in the matrix
MATRIX_DAY = date.today() + timedelta(days=10)  # inside the shared cohort (it runs from day 7 to 60)

COURSE_FORM = {
    "code": "MATRIX-NEW",
    "title": "Matrix course",
    "field_code": "06",
    "isced_level": "5",
    "theory_hours": "10",
    "practice_hours": "30",
    "competencies": "Build a model",
    "theory_weight": "30",
    "practical_weight": "70",
    "pass_mark": "60",
    "min_attendance_pct": "80",
}


def _spare_session_url(ctx) -> str:
    """A session made for the removal case, so the shared ones stay for the other matrices."""
    session = CohortSession(cohort_id=ctx["cohort"].id, held_on=MATRIX_DAY + timedelta(days=2), title="Spare")
    _db.session.add(session)
    _db.session.commit()
    return f"/cohorts/{ctx['cohort'].id}/sessions/{session.id}/remove"


def _cohort_url(suffix: str):
    return lambda ctx: f"/cohorts/{ctx['cohort'].id}{suffix}"


COURSE_MATRIX = [
    Case("GET", "/courses", EVERYONE),
    Case("GET", "/courses/<int:course_id>", EVERYONE, url=lambda ctx: f"/courses/{ctx['course'].id}"),
    Case("GET", "/admin/courses/new", allowed({"admin"})),
    Case("POST", "/admin/courses/new", allowed({"admin"}, ok=302), data=COURSE_FORM),
    Case(
        "GET",
        "/courses/<int:course_id>/edit",
        allowed({"admin"}),
        url=lambda ctx: f"/courses/{ctx['course'].id}/edit",
    ),
    Case(
        "POST",
        "/courses/<int:course_id>/edit",
        allowed({"admin"}, ok=302),
        url=lambda ctx: f"/courses/{ctx['course'].id}/edit",
        data={**COURSE_FORM, "code": "MATRIX-EDIT"},
    ),
    # Any institution's staff may open the new-cohort form; the form then asks for their own institution.
    Case("GET", "/cohorts/new", allowed({"admin", "institution"})),
    # The form data cannot name the shared context's ids, so an empty form shows the guard let them in (422).
    Case("POST", "/cohorts/new", allowed({"admin", "institution"}, ok=422), data={}),
    Case("GET", "/cohorts/<int:cohort_id>/edit", allowed(COHORT_MANAGERS), url=_cohort_url("/edit")),
    Case(
        "POST",
        "/cohorts/<int:cohort_id>/edit",
        allowed(COHORT_MANAGERS, ok=422),
        url=_cohort_url("/edit"),
        data={},
    ),
    Case("GET", "/cohorts/<int:cohort_id>/sessions", allowed(COHORT_MANAGERS), url=_cohort_url("/sessions")),
    Case(
        "POST",
        "/cohorts/<int:cohort_id>/sessions/add",
        allowed(COHORT_MANAGERS, ok=302),
        url=_cohort_url("/sessions/add"),
        data={
            "add-held_on": MATRIX_DAY.isoformat(),
            "add-title": "Matrix lab",
            "add-kind": "practice",
            "add-hours": "3",
        },
    ),
    Case(
        "POST",
        "/cohorts/<int:cohort_id>/sessions/generate",
        allowed(COHORT_MANAGERS, ok=302),
        url=_cohort_url("/sessions/generate"),
        data={
            "pattern-weekdays": [str(MATRIX_DAY.weekday())],
            "pattern-start": MATRIX_DAY.isoformat(),
            "pattern-end": MATRIX_DAY.isoformat(),
            "pattern-title_prefix": "Matrix pattern",
            "pattern-kind": "theory",
            "pattern-hours": "2",
        },
    ),
    Case(
        "POST",
        "/cohorts/<int:cohort_id>/sessions/<int:session_id>/remove",
        allowed(COHORT_MANAGERS, ok=302),
        url=_spare_session_url,
    ),
]


def test_course_pages_access(client_as, workshop_ctx):
    check_matrix(COURSE_MATRIX, client_as, workshop_ctx)


def test_host_staff_reach_every_page_of_their_cohort(app, login, workshop_ctx):
    client = app.test_client()
    login(client, workshop_ctx["host_staff"])
    cohort = workshop_ctx["cohort"]
    for url in (f"/cohorts/{cohort.id}/edit", f"/cohorts/{cohort.id}/sessions", "/cohorts/new"):
        assert client.get(url).status_code == 200, url


# --- the catalogue -------------------------------------------------------------------------


@pytest.fixture
def sites(make_institution):
    return {
        code: make_institution(
            name=f"Luban Workshop {code}", kind=InstitutionKind.WORKSHOP_SITE, country_code=code
        )
        for code in ("KE", "ET", "TH")
    }


@pytest.fixture
def anonymous(app, db):
    return app.test_client()


def _page(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_catalogue_shows_titles_in_the_visitors_language_with_hours_share_and_level(
    anonymous, make_course, make_cohort, sites
):
    course = make_course(
        title="Industrial robotics",
        titles={"zh": "工业机器人", "ar": "الروبوتات الصناعية"},
        theory_hours=40,
        practice_hours=120,
        isced_level=5,
        framework_level="China vocational skill level 3",
    )
    make_cohort(course=course, host=sites["KE"])
    page = _page(anonymous.get("/courses"))
    assert "Industrial robotics" in page and "75 %" in page and "160 h" in page
    assert "5 — Short-cycle tertiary education" in page and "China vocational skill level 3" in page
    assert "Kenya" in page
    assert "工业机器人" in _page(anonymous.get("/courses", headers={"Accept-Language": "zh-CN,zh;q=0.9"}))
    assert "الروبوتات الصناعية" in _page(anonymous.get("/courses", headers={"Accept-Language": "ar"}))
    assert "Industrial robotics" in _page(anonymous.get("/courses", headers={"Accept-Language": "fr"}))


def test_catalogue_filters_by_field_level_and_country_where_it_runs(
    anonymous, make_course, make_cohort, sites
):
    today = date.today()
    robots = make_course(title="Robot course", field_code="07", isced_level=5)
    ai = make_course(title="AI applications course", field_code="06", isced_level=6)
    cars = make_course(title="New-energy vehicles course", field_code="07", isced_level=4)
    make_cohort(course=robots, host=sites["KE"])
    make_cohort(course=ai, host=sites["ET"])
    # Neither a closed cohort nor one already over counts as running there.
    make_cohort(course=cars, host=sites["TH"], status=CohortStatus.CLOSED)
    make_cohort(
        course=cars,
        host=sites["KE"],
        starts_on=today - timedelta(days=60),
        ends_on=today - timedelta(days=1),
        enrolment_opens_on=today - timedelta(days=90),
        enrolment_closes_on=today - timedelta(days=61),
        sessions=0,
    )

    page = _page(anonymous.get("/courses?field=07"))
    assert "Robot course" in page and "New-energy vehicles course" in page and "AI applications" not in page
    page = _page(anonymous.get("/courses?level=6"))
    assert "AI applications course" in page and "Robot course" not in page
    page = _page(anonymous.get("/courses?country=KE"))
    assert "Robot course" in page and "New-energy" not in page and "AI applications" not in page
    page = _page(anonymous.get("/courses?country=ET&field=06&level=6"))
    assert "AI applications course" in page and "Robot course" not in page
    page = _page(anonymous.get("/courses?country=TH"))  # known, but nothing runs there now
    assert "No course matches these filters." in page
    filters = _page(anonymous.get("/courses")).split('role="search"')[1].split("</form>")[0]
    assert '<option value="KE">Kenya</option>' in filters and '<option value="TH">' not in filters


@pytest.mark.parametrize("query", ["field=99", "level=9", "level=x", "country=XX"])
def test_bad_filters_are_refused(anonymous, query):
    response = anonymous.get(f"/courses?{query}")
    assert response.status_code == 422
    assert "Not a valid choice." in response.get_data(as_text=True)


def test_catalogue_pages_follow_each_other_and_keep_the_filters(anonymous, make_course):
    for n in range(27):
        make_course(title=f"Paged course {n:02d}", field_code="10")
    first = _page(anonymous.get("/courses?field=10"))
    assert "Paged course 00" in first and "Paged course 25" not in first
    assert 'href="/courses?field=10&amp;page=2"' in first
    second = _page(anonymous.get("/courses?field=10&page=2"))
    assert "Paged course 25" in second and "Paged course 26" in second and "Paged course 00" not in second
    assert "No course matches" in _page(anonymous.get("/courses?field=10&page=99"))


def test_catalogue_query_count_does_not_grow_with_courses_and_cohorts(
    anonymous, make_course, make_cohort, sites, count_queries
):
    make_cohort(course=make_course(), host=sites["KE"], sessions=0)
    anonymous.get("/courses")
    with count_queries() as few:
        assert anonymous.get("/courses").status_code == 200
    for n in range(20):
        course = make_course()
        for code in ("KE", "ET", "TH")[: n % 3 + 1]:
            make_cohort(course=course, host=sites[code], sessions=0)
    with count_queries() as many:
        assert anonymous.get("/courses").status_code == 200
    assert many.count == few.count
    with count_queries() as filtered:
        assert anonymous.get("/courses?country=ET&field=07").status_code == 200
    assert filtered.count == few.count


def test_courses_is_in_the_menu_for_everyone(anonymous):
    assert '<a href="/courses"' in _page(anonymous.get("/"))


def test_markup_in_titles_is_shown_as_text(anonymous, make_course):
    course = make_course(title="<script>alert(1)</script> Welding", competencies=["<b>bold</b>"])
    for url in ("/courses", f"/courses/{course.id}"):
        page = _page(anonymous.get(url))
        assert (
            "<script>alert(1)</script>" not in page
            and "&lt;script&gt;alert(1)&lt;/script&gt; Welding" in page
        )
        assert "<b>bold</b>" not in page


# --- a course's page -----------------------------------------------------------------------


def test_course_page_shows_the_course_and_its_open_cohorts_with_seats_left(
    anonymous, make_course, make_cohort, make_enrolment, sites
):
    course = make_course(
        competencies=["Operate safely", "Program tasks", "Maintain the robot"],
        theory_weight=40,
        practical_weight=60,
        pass_mark=65,
        min_attendance_pct=85,
    )
    roomy = make_cohort(course=course, host=sites["KE"], capacity=3, language="sw")
    full = make_cohort(course=course, host=sites["ET"], capacity=1, language="am")
    closed = make_cohort(course=course, host=sites["TH"], status=CohortStatus.CLOSED)
    for status in (EnrolmentStatus.ENROLLED, EnrolmentStatus.ENROLLED, EnrolmentStatus.PENDING):
        make_enrolment(roomy, status=status)
    make_enrolment(full)
    make_enrolment(full, status=EnrolmentStatus.WAITLISTED)

    page = _page(anonymous.get(f"/courses/{course.id}"))
    assert page.index("Operate safely") < page.index("Program tasks") < page.index("Maintain the robot")
    assert "Theory 40 %, practical 60 %" in page and "65 of 100" in page and "85 %" in page
    assert f"/cohorts/{roomy.id}" in page and "1 of 3" in page and "Swahili" in page
    assert f"/cohorts/{full.id}" in page and "Full: waitlist" in page and "Amharic" in page
    assert f"/cohorts/{closed.id}" not in page and "Thailand" not in page
    assert "/edit" not in page and "History" not in page  # for admins only


def test_course_page_offers_editing_to_admins_and_a_new_cohort_to_staff(client_as, make_course):
    course = make_course()
    admin_page = _page(client_as("admin").get(f"/courses/{course.id}"))
    assert f"/courses/{course.id}/edit" in admin_page and "History" in admin_page
    staff_page = _page(client_as("institution").get(f"/courses/{course.id}"))
    assert (
        f"/courses/{course.id}/edit" not in staff_page and f"/cohorts/new?course_id={course.id}" in staff_page
    )


def test_unknown_course_is_404(anonymous):
    assert anonymous.get("/courses/999999").status_code == 404


def test_course_page_query_count_does_not_grow_with_cohorts_and_enrolments(
    anonymous, make_course, make_cohort, make_enrolment, sites, count_queries
):
    course = make_course()
    make_cohort(course=course, host=sites["KE"], sessions=0)
    url = f"/courses/{course.id}"
    anonymous.get(url)
    with count_queries() as few:
        assert anonymous.get(url).status_code == 200
    for n in range(12):
        cohort = make_cohort(course=course, host=sites[("KE", "ET", "TH")[n % 3]], capacity=5, sessions=0)
        for _ in range(n % 4):
            make_enrolment(cohort)
    with count_queries() as many:
        assert anonymous.get(url).status_code == 200
    assert many.count == few.count
