"""Courses: the rules on their facts, through the operations and through the admin's forms."""

import re

import pytest
from sqlalchemy import func, select

from talent.core.audit import AuditEntry
from talent.core.errors import ValidationFailed
from talent.workshops.models import Course
from talent.workshops.operations import create_course, update_course

GOOD = {
    "code": "lw-rob-01",
    "title": "Industrial robot operation and maintenance",
    "titles": {"zh": "工业机器人操作与维护", "fr": "Exploitation et maintenance de robots industriels"},
    "field_code": "07",
    "isced_level": 5,
    "framework_level": "China vocational skill level 3",
    "theory_hours": 40,
    "practice_hours": 120,
    "competencies": ["Operate a six-axis robot safely", "Program pick-and-place tasks"],
    "theory_weight": 30,
    "practical_weight": 70,
    "pass_mark": 60,
    "min_attendance_pct": 80,
}


@pytest.fixture
def in_request(app, db):
    """Operations word their messages in the reader's language, which a request supplies."""
    with app.test_request_context():
        yield


@pytest.fixture
def admin(app, make_user, login):
    client = app.test_client()
    login(client, make_user("admin"))
    return client


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Course))


def _entries(db, course):
    stmt = select(AuditEntry).where(
        AuditEntry.object_type == "courses", AuditEntry.object_id == str(course.id)
    )
    return list(db.session.scalars(stmt.order_by(AuditEntry.id)))


def test_create_course_keeps_the_facts_and_records_it(db, in_request):
    course = create_course(**GOOD)
    assert course.code == "LW-ROB-01"  # codes are compared and kept in capitals
    assert course.titles == GOOD["titles"]
    assert course.competencies == GOOD["competencies"]
    assert (course.total_hours, course.practice_share) == (160, 75)
    assert course.title_in("zh") == "工业机器人操作与维护"
    assert course.title_in("ar") == GOOD["title"]
    [entry] = _entries(db, course)
    assert entry.action == "course.created"
    assert entry.changes["code"] == [None, "LW-ROB-01"]


def test_competencies_come_one_per_line_and_blank_lines_are_dropped(db, in_request):
    course = create_course(**{**GOOD, "competencies": "First outcome\r\n\n  Second outcome  \nThird\n"})
    assert course.competencies == ["First outcome", "Second outcome", "Third"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": ""}, "code"),
        ({"code": "LW ROB"}, "code"),
        ({"code": "LW_ROB"}, "code"),
        ({"code": "-LW"}, "code"),
        ({"code": "ÜBER-1"}, "code"),
        ({"code": "A" * 33}, "code"),
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "Robots\x00"}, "title"),
        ({"titles": {"de": "Roboter"}}, "titles"),
        ({"titles": {"en": "Robots"}}, "titles"),
        ({"titles": {"zh": "机" * 201}}, "titles.zh"),
        ({"titles": "Robots"}, "titles"),
        ({"field_code": "99"}, "field_code"),
        ({"field_code": None}, "field_code"),
        ({"isced_level": 9}, "isced_level"),
        ({"isced_level": -1}, "isced_level"),
        ({"isced_level": "five"}, "isced_level"),
        ({"isced_level": None}, "isced_level"),
        ({"framework_level": "x" * 61}, "framework_level"),
        ({"theory_hours": -1}, "theory_hours"),
        ({"practice_hours": "1.5"}, "practice_hours"),
        ({"practice_hours": 10_001}, "practice_hours"),
        ({"theory_hours": 0, "practice_hours": 0}, "theory_hours"),
        ({"competencies": [f"Outcome {n}" for n in range(31)]}, "competencies"),
        ({"competencies": ["x" * 301]}, "competencies"),
        ({"theory_weight": 40}, "theory_weight"),
        ({"theory_weight": 101, "practical_weight": -1}, "theory_weight"),
        ({"pass_mark": 101}, "pass_mark"),
        ({"pass_mark": True}, "pass_mark"),
        ({"min_attendance_pct": -5}, "min_attendance_pct"),
        ({"min_attendance_pct": 80.5}, "min_attendance_pct"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(db, in_request, overrides, field):
    before = _count(db)
    with pytest.raises(ValidationFailed) as refused:
        create_course(**{**GOOD, **overrides})
    assert refused.value.field == field
    assert _count(db) == before


def test_weights_not_totalling_100_are_refused_with_both_fields_named(db, in_request):
    with pytest.raises(ValidationFailed) as refused:
        create_course(**{**GOOD, "theory_weight": 40, "practical_weight": 70})
    message = refused.value.message
    assert "Theory weight (40 %)" in message and "practical weight (70 %)" in message
    assert "110 %" in message


def test_codes_are_unique_whatever_their_case(db, in_request, make_course):
    make_course(code="LW-ROB-01")
    with pytest.raises(ValidationFailed) as refused:
        create_course(**GOOD)
    assert refused.value.field == "code"
    assert "LW-ROB-01" in refused.value.message


def test_update_changes_what_is_given_checks_the_whole_and_records_the_difference(db, in_request, make_user):
    admin = make_user("admin")
    course = create_course(**GOOD)
    update_course(course, pass_mark=70, titles={"zh": "工业机器人", "ar": ""}, actor=admin)
    assert (course.pass_mark, course.titles, course.title) == (70, {"zh": "工业机器人"}, GOOD["title"])
    last = _entries(db, course)[-1]
    assert last.action == "course.updated" and last.actor_id == admin.id
    assert last.changes["pass_mark"] == [60, 70]

    update_course(course, pass_mark=70, code="lw-rob-01")  # same values: nothing to record
    assert len(_entries(db, course)) == 2

    with pytest.raises(ValidationFailed) as refused:
        update_course(course, theory_weight=50)  # 50 + the stored 70
    assert refused.value.field == "theory_weight"
    with pytest.raises(ValidationFailed):
        update_course(course, practice_hours=0, theory_hours=0)
    db.session.refresh(course)
    assert (course.theory_weight, course.practice_hours) == (30, 120)


# --- the admin's forms ---------------------------------------------------------------------


def form_data(**changes) -> dict:
    data = {
        "code": "LW-NEV-02",
        "title": "New-energy vehicle maintenance",
        "title_zh": "新能源汽车维修",
        "title_ar": "صيانة السيارات الكهربائية",
        "description": "Diagnose and repair battery-electric vehicles.\nWorkshop practice every week.",
        "field_code": "07",
        "isced_level": "4",
        "framework_level": "",
        "theory_hours": "30",
        "practice_hours": "90",
        "competencies": "Work safely with high voltage\nDiagnose battery faults\nReplace a drive unit",
        "theory_weight": "40",
        "practical_weight": "60",
        "pass_mark": "65",
        "min_attendance_pct": "85",
    }
    data.update(changes)
    return data


def test_admin_creates_a_course_through_the_form(admin, db):
    response = admin.post("/admin/courses/new", data=form_data())
    assert response.status_code == 302
    course = db.session.scalar(select(Course).where(Course.code == "LW-NEV-02"))
    assert course.titles == {"zh": "新能源汽车维修", "ar": "صيانة السيارات الكهربائية"}
    assert course.competencies[1] == "Diagnose battery faults"
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "New-energy vehicle maintenance" in page
    assert page.index("Work safely with high voltage") < page.index("Replace a drive unit")
    assert "Theory 40 %, practical 60 %" in page
    assert "75 %" in page  # practice share
    assert "course.created" in page  # the history, for admins


def _field_error(page: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page)
    assert found, f"no error shown at {field}"
    return found.group(1)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": ""}, "code", "This field is required."),
        ({"code": "LW NEV"}, "code", "Code: use letters A–Z, digits and hyphens only"),
        ({"title": "  "}, "title", "This field is required."),
        ({"title": "x" * 201}, "title", "Title in English: at most 200 characters."),
        ({"title_zh": "新" * 201}, "title_zh", "Title in 中文（简体）: at most 200 characters."),
        ({"field_code": "11"}, "field_code", "Field of education: choose a broad field from ISCED-F 2013"),
        ({"isced_level": ""}, "isced_level", "This field is required."),
        ({"isced_level": "9"}, "isced_level", "ISCED level: give a whole number from 0 to 8."),
        ({"framework_level": "x" * 61}, "framework_level", "Framework level: at most 60 characters."),
        ({"theory_hours": "-3"}, "theory_hours", "Theory hours: give a whole number from 0 to 10000."),
        ({"practice_hours": "ninety"}, "practice_hours", "Not a valid integer value."),
        (
            {"theory_hours": "0", "practice_hours": "0"},
            "theory_hours",
            "Theory hours: give theory hours or practice hours; at least one must be above 0.",
        ),
        (
            {"competencies": "\n".join(f"c{n}" for n in range(31))},
            "competencies",
            "at most 30, one per line.",
        ),
        ({"competencies": "x" * 301}, "competencies", "Competencies: at most 300 characters."),
        (
            {"theory_weight": "50"},
            "theory_weight",
            "Theory weight (50 %) and practical weight (60 %) must add up to 100 %",
        ),
        ({"pass_mark": "120"}, "pass_mark", "Pass mark: give a whole number from 0 to 100."),
        ({"min_attendance_pct": ""}, "min_attendance_pct", "This field is required."),
        (
            {"min_attendance_pct": "101"},
            "min_attendance_pct",
            "Minimum attendance: give a whole number from 0 to 100.",
        ),
    ],
)
def test_bad_form_input_is_shown_at_its_field_with_422_and_nothing_is_written(
    admin, db, changes, field, message
):
    before = _count(db)
    response = admin.post("/admin/courses/new", data=form_data(**changes))
    assert response.status_code == 422
    assert message in _field_error(response.get_data(as_text=True), field)
    assert _count(db) == before


def test_a_taken_code_is_refused_in_the_form(admin, db, make_course):
    make_course(code="LW-NEV-02")
    before = _count(db)
    response = admin.post("/admin/courses/new", data=form_data(code="lw-nev-02"))
    assert response.status_code == 422
    assert "another course already has the code LW-NEV-02" in _field_error(
        response.get_data(as_text=True), "code"
    )
    assert _count(db) == before


def test_edit_form_shows_the_course_and_saves_changes(admin, db, make_course):
    course = make_course(competencies=["Weld safely", "Read drawings"], titles={"fr": "Soudage"})
    page = admin.get(f"/courses/{course.id}/edit").get_data(as_text=True)
    assert "Weld safely\nRead drawings</textarea>" in page
    assert 'value="Soudage"' in page
    response = admin.post(f"/courses/{course.id}/edit", data=form_data(code=course.code, pass_mark="75"))
    assert response.status_code == 302
    db.session.refresh(course)
    assert course.pass_mark == 75 and course.title == "New-energy vehicle maintenance"
    assert "course.updated" in admin.get(f"/courses/{course.id}/edit").get_data(as_text=True)


def test_a_refused_edit_changes_nothing(admin, db, make_course):
    course = make_course(pass_mark=60)
    response = admin.post(
        f"/courses/{course.id}/edit", data=form_data(code=course.code, pass_mark="55", practical_weight="10")
    )
    assert response.status_code == 422
    db.session.refresh(course)
    assert (course.pass_mark, course.practical_weight) == (60, 70)
