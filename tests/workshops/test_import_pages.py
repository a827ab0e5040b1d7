"""The upload pages: templates, dry run, confirmation, refusals in words, the background job page."""

from __future__ import annotations

import io
import re
import threading
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, select

from talent.core.jobs import run_pending_jobs
from talent.core.models import Job, JobStatus
from talent.reference.models import InstitutionKind, Person
from talent.workshops import imports
from talent.workshops.models import CohortStatus, Enrolment, EnrolmentStatus
from tests.access import Case, allowed, check_matrix
from tests.workshops.test_imports import SCORE_HEADER, csv_bytes, table_counts, trainee, xlsx_bytes

GET_RULES = [
    "/cohorts/<int:cohort_id>/import/template.csv",
    "/cohorts/<int:cohort_id>/import/template.xlsx",
    "/cohorts/<int:cohort_id>/import",
    "/cohorts/<int:cohort_id>/scores/import/template.csv",
    "/cohorts/<int:cohort_id>/scores/import/template.xlsx",
    "/cohorts/<int:cohort_id>/scores/import",
]
# Posted without a file or an upload reference: the form is refused (422), after the access check.
POST_RULES = [
    "/cohorts/<int:cohort_id>/import",
    "/cohorts/<int:cohort_id>/import/confirm",
    "/cohorts/<int:cohort_id>/scores/import",
    "/cohorts/<int:cohort_id>/scores/import/confirm",
]


def _at(rule: str):
    return lambda ctx: rule.replace("<int:cohort_id>", str(ctx["cohort"].id))


IMPORT_MATRIX = [
    *(Case("GET", rule, allowed({"admin"}), url=_at(rule)) for rule in GET_RULES),
    *(Case("POST", rule, allowed({"admin"}, ok=422), url=_at(rule)) for rule in POST_RULES),
]


def test_import_access_matrix(client_as, workshop_ctx):
    check_matrix(IMPORT_MATRIX, client_as, workshop_ctx)


def test_staff_of_the_host_and_of_the_partner_may_use_every_upload_page(app, workshop_ctx, make_user, login):
    cohort = workshop_ctx["cohort"]
    partner_staff = make_user("institution", institution=cohort.partner)
    for staff in (workshop_ctx["host_staff"], partner_staff):
        client = app.test_client()
        login(client, staff)
        for rule in GET_RULES:
            assert client.get(_at(rule)(workshop_ctx)).status_code == 200, (staff, rule)


@pytest.fixture
def staff_client(app, db, make_user, make_institution, make_cohort, login):
    host = make_institution(kind=InstitutionKind.WORKSHOP_SITE, country_code="KE")
    cohort = make_cohort(host=host, capacity=2)
    client = app.test_client()
    login(client, make_user("institution", institution=host))
    client.cohort = cohort
    return client


def _upload(client, data: bytes, name="trainees.csv", path="import"):
    return client.post(
        f"/cohorts/{client.cohort.id}/{path}",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _digest(response) -> str:
    return re.search(r'name="upload" type="hidden" value="([0-9a-f]{64})"', response.text).group(1)


def _statuses(db, cohort):
    stmt = select(Enrolment.status).where(Enrolment.cohort_id == cohort.id).order_by(Enrolment.id)
    return list(db.session.scalars(stmt))


# --- templates -------------------------------------------------------------------------------------


def test_the_templates_name_the_columns_and_explain_them(staff_client):
    cohort = staff_client.cohort
    response = staff_client.get(f"/cohorts/{cohort.id}/import/template.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="trainees-{cohort.course.code}-{cohort.id}.csv"'
    )
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel then reads it as UTF-8
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[-1] == "name_latin,name_native,email,nationality,date_of_birth"
    assert all(line.lstrip('"').startswith("#") for line in lines[:-1])
    assert any("date_of_birth: written YYYY-MM-DD" in line for line in lines)

    response = staff_client.get(f"/cohorts/{cohort.id}/import/template.xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Trainees", "Instructions"]
    header = next(workbook["Trainees"].iter_rows(values_only=True))
    assert header == ("name_latin", "name_native", "email", "nationality", "date_of_birth")


def test_the_score_template_lists_the_enrolled_trainees(staff_client, make_person, make_enrolment):
    cohort = staff_client.cohort
    enrolled = make_enrolment(cohort, make_person(name_latin="ZHANG Wei", email="zhang@example.org"))
    enrolled.theory_score = Decimal("75.50")
    make_enrolment(cohort, make_person(name_latin="Waiting One"), status=EnrolmentStatus.WAITLISTED)
    response = staff_client.get(f"/cohorts/{cohort.id}/scores/import/template.xlsx")
    rows = list(load_workbook(io.BytesIO(response.data))["Scores"].iter_rows(values_only=True))
    assert rows == [
        ("enrolment_id", "email", "name_latin", "theory", "practical"),
        (enrolled.id, "zhang@example.org", "ZHANG Wei", "75.5", None),
    ]


# --- dry run and confirmation ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_dry_run_then_confirm_then_uploading_again_changes_nothing(db, staff_client, kind):
    cohort = staff_client.cohort
    rows = [trainee(n) for n in range(3)] + [trainee(9, email="bad address")]
    data = csv_bytes(rows) if kind == "csv" else xlsx_bytes(rows)
    before = table_counts(db)

    response = _upload(staff_client, data, name=f"list.{kind}")

    assert response.status_code == 200
    assert table_counts(db) == before
    page = response.text
    assert "Nothing has been written yet." in page
    assert page.index("1 line has errors") < page.index("Line by line")  # errors come first
    assert "line 5, column C (email): Not a valid e-mail address." in page
    assert page.count("new person") == 3 and "waitlisted (position 1)" in page
    for _latin, native, _country in [("", "王小明", ""), ("", "أحمد محمد", ""), ("", "አበበ ቢቂላ", "")]:
        assert native in page

    response = staff_client.post(f"/cohorts/{cohort.id}/import/confirm", data={"upload": _digest(response)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cohorts/{cohort.id}")
    assert _statuses(db, cohort) == ["enrolled", "enrolled", "waitlisted"]
    names = set(db.session.scalars(select(Person.name_native).where(Person.email.like("trainee%"))))
    assert names == {"王小明", "أحمد محمد", "አበበ ቢቂላ"}
    page = staff_client.get(response.headers["Location"]).text
    assert "List imported: 2 enrolled, 1 waitlisted, 0 already in the cohort; 3 new people recorded." in page
    assert "1 line was left out because of errors." in page

    after = table_counts(db)
    response = _upload(staff_client, data, name=f"list.{kind}")
    assert response.text.count("already in this cohort") == 3
    assert "Nothing to import" in response.text and "Confirm import" not in response.text
    assert table_counts(db) == after


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
            "This file is a PDF document, not a CSV file or an XLSX workbook.",
        ),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "This file is a PNG image"),
        (bytes(range(256)) * 8, "This file is neither a CSV file nor an XLSX workbook."),
        ("name_latin,email\r\nMüller,m@example.org\r\n".encode("cp1252"), "The file is not UTF-8 text"),
        (b"name,mail\r\nA,a@example.org\r\n", "Missing: name_latin, email"),
    ],
    ids=["pdf-named-csv", "image", "random", "cp1252", "columns"],
)
def test_a_file_that_cannot_be_used_is_refused_in_words_and_nothing_is_written(db, staff_client, data, words):
    before = table_counts(db)
    response = _upload(staff_client, data, name="trainees.csv")
    assert response.status_code == 422
    assert words in response.text
    assert 'aria-invalid="true"' in response.text
    assert table_counts(db) == before


def test_no_file_chosen(staff_client):
    response = staff_client.post(f"/cohorts/{staff_client.cohort.id}/import", data={})
    assert response.status_code == 422
    assert "Choose the file to upload." in response.text


def test_a_file_over_the_configured_size_is_refused(app, staff_client, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 300)
    response = _upload(staff_client, csv_bytes([trainee(n) for n in range(20)]))
    assert response.status_code == 422
    assert "The file is larger than 0.3 KB. Split the list into smaller files." in response.text


def test_a_50_mb_upload_gets_a_readable_page(db, staff_client):
    before = table_counts(db)
    response = _upload(staff_client, b"name_latin,email\r\n" + b"x" * (50 * 1024 * 1024))
    assert response.status_code == 413
    assert "The file is larger than 10 MB. Split the list into smaller files." in response.text
    assert f'href="/cohorts/{staff_client.cohort.id}/import"' in response.text
    assert table_counts(db) == before


def test_a_confirmation_must_name_a_stored_upload(db, staff_client):
    before = table_counts(db)
    for posted in ({"upload": "../../instance/talent.sqlite3"}, {"upload": "ab" * 32}, {}):
        response = staff_client.post(f"/cohorts/{staff_client.cohort.id}/import/confirm", data=posted)
        assert response.status_code == 422
        assert "Upload it again" in response.text or "Upload the file again" in response.text
    assert table_counts(db) == before


def test_a_closed_cohort_takes_no_list(db, staff_client):
    cohort = staff_client.cohort
    cohort.status = CohortStatus.CLOSED
    db.session.commit()
    page = staff_client.get(f"/cohorts/{cohort.id}/import")
    assert "This cohort is closed; nobody can be enrolled any more." in page.text
    assert 'type="file"' not in page.text
    response = _upload(staff_client, csv_bytes([trainee(1)]))
    assert response.status_code == 409
    assert _statuses(db, cohort) == []


def test_a_long_list_is_imported_by_a_job_with_a_progress_page(db, staff_client, monkeypatch):
    assert imports.JOB_THRESHOLD == 500
    monkeypatch.setattr(imports, "JOB_THRESHOLD", 3)
    cohort = staff_client.cohort
    response = _upload(staff_client, csv_bytes([trainee(n) for n in range(5)]))
    assert "imported in the background" in response.text

    response = staff_client.post(f"/cohorts/{cohort.id}/import/confirm", data={"upload": _digest(response)})
    job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
    assert response.headers["Location"].endswith(f"/jobs/{job.id}")
    assert _statuses(db, cohort) == []
    assert "Waiting to start" in staff_client.get(f"/jobs/{job.id}").text

    run_pending_jobs()
    db.session.refresh(job)
    assert (job.status, job.done, job.total) == (JobStatus.DONE, 5, 5)
    assert "5 of 5 done (100 %)." in staff_client.get(f"/jobs/{job.id}").text
    assert _statuses(db, cohort) == ["enrolled", "enrolled", "waitlisted", "waitlisted", "waitlisted"]


def test_the_dry_run_page_runs_the_same_queries_for_5_or_200_rows(staff_client, count_queries):
    staff_client.cohort.capacity = 500
    _upload(staff_client, csv_bytes([trainee(n) for n in range(5)]))
    with count_queries() as few:
        _upload(staff_client, csv_bytes([trainee(n) for n in range(5)]))
    with count_queries() as many:
        _upload(staff_client, csv_bytes([trainee(n) for n in range(200)]))
    assert many.count == few.count


# --- scores ----------------------------------------------------------------------------------------


def test_scores_by_upload_dry_run_then_confirm(db, staff_client, make_person, make_enrolment):
    cohort = staff_client.cohort
    first = make_enrolment(cohort, make_person(email="first@example.org", name_latin="FIRST Trainee"))
    second = make_enrolment(cohort, make_person(email="second@example.org"))
    data = csv_bytes(
        [[first.id, "", "81.25", "90"], ["", "second@example.org", "101", "50"]], header=SCORE_HEADER
    )
    before = table_counts(db)

    response = _upload(staff_client, data, path="scores/import")

    assert response.status_code == 200 and table_counts(db) == before
    assert "line 3, column C (theory): Give a score from 0 to 100 with at most two decimals." in response.text
    assert "FIRST Trainee" in response.text and "scores change" in response.text

    response = staff_client.post(
        f"/cohorts/{cohort.id}/scores/import/confirm", data={"upload": _digest(response)}
    )
    assert response.headers["Location"].endswith(f"/cohorts/{cohort.id}/scores")
    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.theory_score, first.practical_score) == (Decimal("81.25"), Decimal("90.00"))
    assert second.theory_score is None


def test_scores_cannot_be_uploaded_to_a_closed_cohort(db, staff_client, make_enrolment):
    cohort = staff_client.cohort
    enrolment = make_enrolment(cohort)
    cohort.status = CohortStatus.CLOSED
    db.session.commit()
    assert "its scores are final" in staff_client.get(f"/cohorts/{cohort.id}/scores/import").text
    response = _upload(
        staff_client, csv_bytes([[enrolment.id, "", "50", "50"]], header=SCORE_HEADER), path="scores/import"
    )
    assert response.status_code == 409
    db.session.refresh(enrolment)
    assert enrolment.theory_score is None


def test_an_ended_cohort_still_takes_scores(db, staff_client, make_enrolment):
    cohort = staff_client.cohort
    enrolment = make_enrolment(cohort)
    cohort.starts_on, cohort.ends_on = date.today() - timedelta(days=30), date.today() - timedelta(days=1)
    cohort.enrolment_opens_on = cohort.enrolment_closes_on = date.today() - timedelta(days=40)
    db.session.commit()
    data = csv_bytes([[enrolment.id, "", "50", "60"]], header=SCORE_HEADER)
    response = _upload(staff_client, data, path="scores/import")
    staff_client.post(f"/cohorts/{cohort.id}/scores/import/confirm", data={"upload": _digest(response)})
    db.session.refresh(enrolment)
    assert enrolment.practical_score == Decimal("60.00")


# --- two imports of the same list at once -----------------------------------------------------------


def test_two_people_importing_the_same_list_at_once_create_nobody_twice(app):
    """Each import runs in its own thread, session and connection, as two web workers would; the
    data is committed for real (the rolled-back `db` fixture cannot span threads) and removed after."""
    from talent.core.audit import AuditEntry
    from talent.extensions import db
    from talent.reference.models import Institution
    from talent.workshops.import_enrolments import apply_enrolments, read_enrolment_table
    from talent.workshops.models import Cohort, Course

    tag = uuid.uuid4().hex[:8]
    today = date.today()
    with app.app_context():
        host = Institution(name=f"Site {tag}", kind=InstitutionKind.WORKSHOP_SITE, country_code="KE")
        partner = Institution(
            name=f"College {tag}", kind=InstitutionKind.VOCATIONAL_COLLEGE, country_code="CN"
        )
        course = Course(code=f"RACE-{tag}", title="Race course")
        db.session.add_all([host, partner, course])
        db.session.flush()
        cohort = Cohort(
            course_id=course.id,
            host_institution_id=host.id,
            partner_institution_id=partner.id,
            starts_on=today + timedelta(days=7),
            ends_on=today + timedelta(days=60),
            language="en",
            capacity=5,
            enrolment_opens_on=today,
            enrolment_closes_on=today + timedelta(days=6),
        )
        db.session.add(cohort)
        db.session.commit()
        ids = {"cohort": cohort.id, "course": course.id, "institutions": [host.id, partner.id]}
        db.session.remove()
    data = csv_bytes([trainee(n, email=f"{tag}-{n}@example.org") for n in range(8)])
    start = threading.Barrier(2)
    results, failures = [], []

    def importer():
        with app.app_context():
            try:
                table = read_enrolment_table(data)
                start.wait()
                results.append(dict(apply_enrolments(db.session.get(Cohort, ids["cohort"]), table).counts))
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                failures.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=importer) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        with app.app_context():
            people = db.session.scalars(select(Person.id).where(Person.email.like(f"{tag}-%"))).all()
            queue = db.session.execute(
                select(Enrolment.status, Enrolment.waitlist_position)
                .where(Enrolment.cohort_id == ids["cohort"])
                .order_by(Enrolment.id)
            ).all()
            db.session.remove()
        assert failures == []
        assert len(people) == 8
        assert [tuple(row) for row in queue] == [("enrolled", None)] * 5 + [
            ("waitlisted", n) for n in (1, 2, 3)
        ]
        assert sorted(results, key=len) == [{"already": 8}, {"enrol": 5, "waitlist": 3, "new_person": 8}]
    finally:
        with app.app_context():
            enrolments = db.session.scalars(
                select(Enrolment.id).where(Enrolment.cohort_id == ids["cohort"])
            ).all()
            people = db.session.scalars(select(Person.id).where(Person.email.like(f"{tag}-%"))).all()
            # A bulk delete: the audit log refuses to lose entries one object at a time, by design;
            # these describe test data that goes away with them.
            db.session.execute(
                delete(AuditEntry).where(
                    (
                        (AuditEntry.object_type == "enrolments")
                        & AuditEntry.object_id.in_([str(i) for i in enrolments])
                    )
                    | (
                        (AuditEntry.object_type == "persons")
                        & AuditEntry.object_id.in_([str(i) for i in people])
                    )
                )
            )
            db.session.execute(delete(Enrolment).where(Enrolment.cohort_id == ids["cohort"]))
            db.session.execute(delete(Person).where(Person.id.in_(people)))
            db.session.execute(delete(Cohort).where(Cohort.id == ids["cohort"]))
            db.session.execute(delete(Course).where(Course.id == ids["course"]))
            db.session.execute(delete(Institution).where(Institution.id.in_(ids["institutions"])))
            db.session.commit()
            db.session.remove()
