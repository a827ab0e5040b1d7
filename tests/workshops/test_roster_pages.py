"""The cohort page and its roster, the trainee's page, the institution dashboard and exports."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from talent.workshops.completion import assess
from talent.workshops.models import (
    Attendance,
    AttendanceStatus,
    CohortSession,
    CohortStatus,
    EnrolmentStatus,
)
from tests.access import Case, allowed

STAFF = {"admin"}  # the matrix's "institution" user works for another institution
EVERYONE = {"applicant", "institution", "reviewer", "admin"}


def _cohort_url(suffix=""):
    return lambda ctx: f"/cohorts/{ctx['cohort'].id}{suffix}"


ROSTER_MATRIX = [
    Case("GET", "/cohorts/<int:cohort_id>", {**allowed(EVERYONE), "anonymous": 200}, url=_cohort_url()),
    Case(
        "GET",
        "/cohorts/<int:cohort_id>/sessions/<int:session_id>/attendance",
        allowed(STAFF),
        url=lambda ctx: f"/cohorts/{ctx['cohort'].id}/sessions/{ctx['session'].id}/attendance",
    ),
    Case(
        "POST",
        "/cohorts/<int:cohort_id>/sessions/<int:session_id>/attendance",
        allowed(STAFF, ok=302),
        url=lambda ctx: f"/cohorts/{ctx['cohort'].id}/sessions/{ctx['session'].id}/attendance",
        data={},
    ),
    Case("GET", "/cohorts/<int:cohort_id>/scores", allowed(STAFF), url=_cohort_url("/scores")),
    Case(
        "POST", "/cohorts/<int:cohort_id>/scores", allowed(STAFF, ok=302), url=_cohort_url("/scores"), data={}
    ),
    Case("GET", "/cohorts/<int:cohort_id>/roster.csv", allowed(STAFF), url=_cohort_url("/roster.csv")),
    Case("GET", "/cohorts/<int:cohort_id>/roster.xlsx", allowed(STAFF), url=_cohort_url("/roster.xlsx")),
    Case("GET", "/my/courses", allowed(EVERYONE)),
    Case("GET", "/institution", allowed({"institution", "admin"})),
    Case("GET", "/cohorts/<int:cohort_id>/close", allowed(STAFF), url=_cohort_url("/close")),
    # Last: it closes the cohort, after which the other cases would be refused.
    Case(
        "POST", "/cohorts/<int:cohort_id>/close", allowed(STAFF, ok=302), url=_cohort_url("/close"), data={}
    ),
]


@pytest.fixture
def staff_cohort(make_user, make_cohort, login, client):
    """A cohort with 4 sessions and a client logged in as staff of its host."""
    staff = make_user("institution")
    cohort = make_cohort(host=staff.institution, capacity=40)
    login(client, staff)
    return cohort, staff


def _sessions(db, cohort):
    return list(
        db.session.scalars(
            db.select(CohortSession).where(CohortSession.cohort_id == cohort.id).order_by(CohortSession.id)
        )
    )


def _mark(db, enrolment, session, status):
    db.session.add(Attendance(enrolment_id=enrolment.id, session_id=session.id, status=status))
    db.session.commit()


# --- the cohort page -----------------------------------------------------------------------


def test_public_cohort_page_shows_facts_but_no_roster(client, db, make_cohort, make_enrolment, make_person):
    cohort = make_cohort(capacity=3, instructors=["Wang Jun", "Amina Yusuf"])
    make_enrolment(cohort, make_person(name_latin="Hidden Trainee"))
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert cohort.course.title in page and cohort.host.name in page and cohort.partner.name in page
    assert "2 of 3 seats left" in page
    assert "Amina Yusuf" in page and "Session 4" in page
    assert "Hidden Trainee" not in page and "Roster" not in page


def test_staff_see_the_roster_with_native_names_and_computed_figures(
    client, db, staff_cohort, make_enrolment, make_person
):
    cohort, _staff = staff_cohort
    sessions = _sessions(db, cohort)
    wang = make_enrolment(
        cohort,
        make_person(name_latin="WANG Xiaoming", name_native="王小明", email="wang@example.org"),
        theory_score=Decimal("70"),
        practical_score=Decimal("80"),
    )
    for session, status in zip(sessions, ["present", "present", "present", "excused"], strict=True):
        _mark(db, wang, session, AttendanceStatus(status))
    make_enrolment(cohort, make_person(name_latin="AHMED Ali", name_native="أحمد علي"))
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert '<span dir="auto">王小明</span>' in page and '<span dir="auto">أحمد علي</span>' in page
    assert "100 %" in page and "3 / 3" in page  # the excused session does not count
    assert "77" in page  # 0.3 × 70 + 0.7 × 80
    assert "on track" in page
    assert "theory or practical score missing" in page and "attendance 0.0 % &lt; 80 %" in page


def test_displayed_outcome_agrees_with_assess(client, db, staff_cohort, make_enrolment, make_person):
    cohort, _staff = staff_cohort
    sessions = _sessions(db, cohort)
    course = cohort.course
    patterns = [
        (["present", "present", "present", "present"], "65", "59"),
        (["present", "present", "present", None], "90", "90"),
        (["present", "absent", "excused", "excused"], "60", "60"),
        (["excused", "excused", "excused", "excused"], "100", "55"),
        ([None, None, None, None], None, None),
    ]
    from talent.workshops.roster_queries import RosterFilter, roster_page

    expected = {}
    for n, (marks, theory, practical) in enumerate(patterns):
        enrolment = make_enrolment(
            cohort,
            make_person(name_latin=f"Trainee {n}"),
            theory_score=Decimal(theory) if theory else None,
            practical_score=Decimal(practical) if practical else None,
        )
        for session, mark in zip(sessions, marks, strict=True):
            if mark:
                _mark(db, enrolment, session, AttendanceStatus(mark))
        statuses = [AttendanceStatus(m) if m else None for m in marks]
        expected[enrolment.id] = assess(course, statuses, enrolment.theory_score, enrolment.practical_score)
    with client.application.test_request_context():
        page = roster_page(cohort, RosterFilter(), per_page=25, sessions=len(sessions))
    assert {row.enrolment.id: row.result for row in page.items} == expected


def test_roster_search_filter_sort_and_pages(client, db, staff_cohort, make_enrolment, make_person, app):
    cohort, _staff = staff_cohort
    for n in range(30):
        make_enrolment(
            cohort,
            make_person(name_latin=f"Trainee {n:02d}", email=f"t{n}@example.org"),
            theory_score=Decimal(n),
            practical_score=Decimal(n),
        )
    make_enrolment(cohort, make_person(name_latin="Zeta Waiting"), status=EnrolmentStatus.WAITLISTED)
    first = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Trainee 00" in first and "Trainee 24" in first and "Trainee 25" not in first
    assert 'rel="next"' in first
    second = client.get(f"/cohorts/{cohort.id}?page=2").get_data(as_text=True)
    assert "Trainee 25" in second and "Zeta Waiting" in second
    found = client.get(f"/cohorts/{cohort.id}?q=t7%40example").get_data(as_text=True)
    assert "Trainee 07" in found and "Trainee 08" not in found
    waiting = client.get(f"/cohorts/{cohort.id}?status=waitlisted").get_data(as_text=True)
    assert "Zeta Waiting" in waiting and "Trainee 00" not in waiting
    best = client.get(f"/cohorts/{cohort.id}?sort=score&order=desc").get_data(as_text=True)
    assert best.index("Trainee 29") < best.index("Trainee 28")
    assert "Zeta Waiting" not in best  # no score: last, on the next page
    by_status = client.get(f"/cohorts/{cohort.id}?sort=status&order=desc").get_data(as_text=True)
    assert by_status.index("Zeta Waiting") < by_status.index("Trainee 00")
    assert client.get(f"/cohorts/{cohort.id}?sort=salary").status_code == 422
    assert client.get(f"/cohorts/{cohort.id}?page=999").status_code == 200


def test_roster_sorts_by_attendance_with_unmarked_as_absent(
    client, db, staff_cohort, make_enrolment, make_person
):
    cohort, _staff = staff_cohort
    sessions = _sessions(db, cohort)
    low = make_enrolment(cohort, make_person(name_latin="Aaa Low"))
    high = make_enrolment(cohort, make_person(name_latin="Zzz High"))
    everyone_excused = make_enrolment(cohort, make_person(name_latin="Mmm Excused"))
    _mark(db, low, sessions[0], AttendanceStatus.PRESENT)
    for session in sessions:
        _mark(db, high, session, AttendanceStatus.PRESENT)
        _mark(db, everyone_excused, session, AttendanceStatus.EXCUSED)
    page = client.get(f"/cohorts/{cohort.id}?sort=attendance&order=desc").get_data(as_text=True)
    assert page.index("Zzz High") < page.index("Aaa Low") < page.index("Mmm Excused")
    page = client.get(f"/cohorts/{cohort.id}?sort=attendance").get_data(as_text=True)
    assert page.index("Aaa Low") < page.index("Zzz High") < page.index("Mmm Excused")


@pytest.mark.parametrize("rows", [3, 30])
def test_roster_query_count_does_not_grow(
    client, db, staff_cohort, make_enrolment, count_queries, rows, request
):
    cohort, _staff = staff_cohort
    sessions = _sessions(db, cohort)
    for _n in range(rows):
        enrolment = make_enrolment(cohort, theory_score=Decimal("50"), practical_score=Decimal("70"))
        _mark(db, enrolment, sessions[0], AttendanceStatus.PRESENT)
    for url in (f"/cohorts/{cohort.id}", f"/cohorts/{cohort.id}?sort=attendance&q=Person"):
        db.session.expunge_all()  # nothing preloaded: the request loads what it shows
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        assert counter.count <= 9, counter.statements


def test_query_counts_are_equal_for_3_and_30_rows(
    client, db, make_user, make_cohort, make_enrolment, count_queries, login
):
    staff = make_user("institution")
    counts = []
    for rows in (3, 30):
        cohort = make_cohort(host=staff.institution, capacity=40)
        sessions = _sessions(db, cohort)
        for _n in range(rows):
            enrolment = make_enrolment(cohort)
            _mark(db, enrolment, sessions[1], AttendanceStatus.ABSENT)
        login(client, staff)
        measured = []
        for url in (f"/cohorts/{cohort.id}", f"/cohorts/{cohort.id}?sort=attendance", "/institution"):
            db.session.expunge_all()
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            measured.append(counter.count)
        counts.append(measured)
    assert counts[0] == counts[1]


# --- exports -------------------------------------------------------------------------------


def _export_cohort(db, staff_cohort, make_enrolment, make_person):
    cohort, _staff = staff_cohort
    make_enrolment(cohort, make_person(name_latin="WANG Xiaoming", name_native="王小明"))
    make_enrolment(cohort, make_person(name_latin="AHMED Ali", name_native="أحمد علي"))
    make_enrolment(
        cohort, make_person(name_latin="ABEBE Bikila", name_native="አበበ ቢቂላ", email="=cmd@example.org")
    )
    make_enrolment(cohort, make_person(name_latin="-Dash", name_native="+SUM(A1)", email="@at@example.org"))
    return cohort


def test_csv_export_has_a_bom_every_script_and_no_formulas(
    client, db, staff_cohort, make_enrolment, make_person
):
    cohort = _export_cohort(db, staff_cohort, make_enrolment, make_person)
    response = client.get(f"/cohorts/{cohort.id}/roster.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Name (Latin)", "Name (own script)", "E-mail"]
    names = {row[1] for row in rows[1:]}
    assert {"王小明", "أحمد علي", "አበበ ቢቂላ"} <= names
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=cmd@example.org" in cells and "'-Dash" in cells and "'+SUM(A1)" in cells
    assert "'@at@example.org" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_xlsx_export_keeps_scripts_and_holds_no_formula(
    client, db, staff_cohort, make_enrolment, make_person
):
    cohort = _export_cohort(db, staff_cohort, make_enrolment, make_person)
    response = client.get(f"/cohorts/{cohort.id}/roster.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.get_data()))
    sheet = workbook.active
    values = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row]
    assert {"王小明", "أحمد علي", "አበበ ቢቂላ"} <= set(values)
    assert "'=cmd@example.org" in values and "'+SUM(A1)" in values
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


# --- the trainee's page --------------------------------------------------------------------


def test_trainee_page_shows_only_their_own_enrolments(
    client, db, make_user, make_person, make_cohort, make_enrolment, login
):
    user = make_user("applicant")
    mine = make_person(user_id=user.id, name_latin="Own Trainee")
    cohort = make_cohort()
    other_cohort = make_cohort()
    make_enrolment(cohort, mine, theory_score=Decimal("88.5"))
    make_enrolment(other_cohort, make_person(name_latin="Someone Else"), theory_score=Decimal("12.25"))
    login(client, user)
    page = client.get("/my/courses").get_data(as_text=True)
    assert cohort.course.title in page and "88.5" in page
    assert other_cohort.course.title not in page and "12.25" not in page


def test_trainee_page_shows_the_fixed_outcome_with_reasons(
    client, db, make_user, make_person, make_cohort, make_enrolment, login
):
    user = make_user("applicant")
    person = make_person(user_id=user.id)
    cohort = make_cohort(status=CohortStatus.CLOSED)
    outcome = {
        "completed": False,
        "attendance_pct": "72.0",
        "weighted_score": "75.0",
        "reasons": [{"code": "attendance", "value": "72.0", "limit": 80}],
    }
    make_enrolment(cohort, person, status=EnrolmentStatus.NOT_COMPLETED, outcome=outcome)
    login(client, user)
    page = client.get("/my/courses").get_data(as_text=True)
    assert "not completed" in page and "attendance 72.0 % &lt; 80 %" in page


def test_trainee_page_empty_states_link_to_the_catalogue(client, db, make_user, make_person, login):
    user = make_user("applicant")
    login(client, user)
    assert "/courses" in client.get("/my/courses").get_data(as_text=True)
    make_person(user_id=user.id)
    page = client.get("/my/courses").get_data(as_text=True)
    assert "not enrolled in any course yet" in page and 'href="/courses"' in page


def test_trainee_page_query_count_does_not_grow(
    client, db, make_user, make_person, make_cohort, make_enrolment, login, count_queries
):
    user = make_user("applicant")
    person = make_person(user_id=user.id)
    login(client, user)
    counts = []
    for _n in range(2):
        for _m in range(3):
            make_enrolment(make_cohort(), person)
        db.session.expunge_all()
        with count_queries() as counter:
            assert client.get("/my/courses").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


# --- the institution dashboard -------------------------------------------------------------


def test_dashboard_shows_only_the_staff_members_institution(
    client, db, make_user, make_cohort, make_enrolment, make_institution, login
):
    staff = make_user("institution")
    hosted = make_cohort(host=staff.institution, capacity=5)
    partnered = make_cohort(partner=staff.institution)
    foreign = make_cohort()
    for _n in range(2):
        make_enrolment(hosted)
    make_enrolment(hosted, status=EnrolmentStatus.WAITLISTED)
    login(client, staff)
    page = client.get(f"/institution?institution={foreign.host_institution_id}").get_data(as_text=True)
    assert hosted.course.title in page and partnered.course.title in page
    assert foreign.course.title not in page
    assert "2 / 5" in page


def test_dashboard_completion_rate_of_closed_cohorts(
    client, db, make_user, make_cohort, make_enrolment, login
):
    staff = make_user("institution")
    closed = make_cohort(host=staff.institution, status=CohortStatus.CLOSED)
    for status in (EnrolmentStatus.COMPLETED,) * 3 + (EnrolmentStatus.NOT_COMPLETED,):
        make_enrolment(closed, status=status)
    make_cohort(host=staff.institution)
    login(client, staff)
    page = client.get("/institution").get_data(as_text=True)
    assert "75 %" in page and "3 of 4 trainees" in page
    assert "2, of which 1 open and 1 closed" in page


def test_admin_chooses_an_institution(client, db, make_user, make_cohort, login):
    admin = make_user("admin")
    first, second = make_cohort(), make_cohort()
    login(client, admin)
    everything = client.get("/institution").get_data(as_text=True)
    assert first.course.title in everything and second.course.title in everything
    chosen = client.get(f"/institution?institution={first.host_institution_id}").get_data(as_text=True)
    assert first.course.title in chosen and second.course.title not in chosen
    assert client.get("/institution?institution=999999").status_code == 422


def test_staff_without_an_institution_get_an_explanation(client, db, make_user, login):
    staff = make_user("institution")
    staff.institution_id = None
    db.session.commit()
    login(client, staff)
    response = client.get("/institution")
    assert response.status_code == 200
    assert "belongs to no institution" in response.get_data(as_text=True)


@pytest.mark.parametrize("locale", ["en", "zh", "fr", "es", "pt", "ar"])
def test_scores_are_written_as_the_number_filter_writes_them(app, locale):
    from flask_babel import force_locale, format_decimal

    from talent.workshops.roster_views import small_number

    with app.test_request_context(), force_locale(locale):
        for value in ("72.50", "80.00", "0.00", "100.00", "59.99", "83.3"):
            assert small_number(Decimal(value)) == format_decimal(Decimal(value))
