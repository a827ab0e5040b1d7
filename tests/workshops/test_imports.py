"""Enrolment and score lists: reading files by content, the dry run, applying, the background job.

The helpers at the top make lists the way people make them (a text editor, Excel, LibreOffice);
tests/workshops/test_import_pages.py uses them too.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from talent.core.audit import AuditEntry
from talent.core.errors import ValidationFailed
from talent.core.jobs import JobContext, run_pending_jobs
from talent.core.models import Job, JobStatus
from talent.reference.models import Person
from talent.workshops import import_enrolments, import_files, import_scores, imports
from talent.workshops.import_enrolments import Outcome
from talent.workshops.import_files import FileRejected, read_table, write_csv, write_xlsx
from talent.workshops.import_scores import ScoreOutcome
from talent.workshops.models import CohortStatus, Enrolment, EnrolmentSource, EnrolmentStatus

HEADER = ("name_latin", "name_native", "email", "nationality", "date_of_birth")
# Names in the scripts trainees write them in, each with its passport (Latin) form.
SCRIPTS = [
    ("WANG Xiaoming", "王小明", "CN"),
    ("Ahmed MOHAMED", "أحمد محمد", "EG"),
    ("Abebe BIKILA", "አበበ ቢቂላ", "ET"),
    ("Priya SHARMA", "प्रिया शर्मा", "IN"),
    ("Olga IVANOVA", "Ольга Иванова", "KZ"),
    ("Somchai SUKSAWAT", "สมชาย สุขสวัสดิ์", "TH"),
]


def trainee(n: int, **kw) -> dict:
    latin, native, country = SCRIPTS[n % len(SCRIPTS)]
    row = {
        "name_latin": f"{latin} {n}",
        "name_native": native,
        "email": f"trainee{n}@example.org",
        "nationality": country,
        "date_of_birth": f"{1990 + n % 10}-0{1 + n % 9}-1{n % 9}",
    }
    row.update(kw)
    return row


def csv_bytes(rows, header=HEADER, *, delimiter=",", encoding="utf-8", bom=False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(key, "") for key in header] if isinstance(row, dict) else row)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append([row.get(key) for key in header] if isinstance(row, dict) else list(row))
    workbook.create_sheet("Notes").append(["this sheet is not read"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def table_counts(db) -> tuple[int, int, int]:
    """Rows in the tables an import writes to: people, enrolments, audit entries."""
    return tuple(
        db.session.scalar(select(func.count()).select_from(m)) for m in (Person, Enrolment, AuditEntry)
    )


@pytest.fixture(autouse=True)
def in_request(app, db):
    """Messages are written in the reader's language, which a request supplies."""
    with app.test_request_context():
        yield


def _plan(cohort, data):
    return imports.plan_upload("enrolments", cohort, data)


def _apply(cohort, data, actor=None):
    return import_enrolments.apply_enrolments(
        cohort, import_enrolments.read_enrolment_table(data), actor=actor
    )


def _refusal(cohort, data, what="enrolments") -> str:
    with pytest.raises(ValidationFailed) as caught:
        imports.plan_upload(what, cohort, data)
    return caught.value.message


# --- files that are not lists -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n", "a PDF document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "a JPEG image"),
        (bytes(range(256)) * 16, "neither a CSV file nor an XLSX workbook"),
        (zip_bytes({"photo.jpg": b"\xff\xd8\xff"}), "a ZIP archive"),
        (
            zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}),
            "other than a workbook",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "Excel 97–2003 file (.xls)"),
        (zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}), "OpenDocument"),
        (b"", "The file is empty."),
    ],
    ids=["pdf", "png", "jpeg", "random", "zip", "docx", "xls", "ods", "empty"],
)
def test_files_that_are_not_lists_are_refused_by_their_content(db, make_cohort, data, words):
    before = table_counts(db)
    message = _refusal(make_cohort(), data)
    assert words in message
    assert "CSV UTF-8" in message or words == "The file is empty."
    assert table_counts(db) == before


def test_a_damaged_workbook_is_refused_in_words(db, make_cohort):
    broken = zip_bytes({"[Content_Types].xml": b"<Types", "xl/workbook.xml": b"<<not xml"})
    assert "cannot be read; it may be damaged" in _refusal(make_cohort(), broken)


def test_a_workbook_that_unpacks_to_far_more_than_a_list_is_refused(db, make_cohort, monkeypatch):
    monkeypatch.setattr(import_files, "MAX_UNPACKED_BYTES", 1000)
    assert "far too large once unpacked" in _refusal(make_cohort(), xlsx_bytes([trainee(1)]))


def test_a_lone_dash_or_a_signed_number_is_a_value_not_a_formula():
    assert [import_files.looks_like_formula(v) for v in ("-", "-5", "+3,5", " @", "-x", "=1", "@A1")] == [
        False,
        False,
        False,
        False,
        True,
        True,
        True,
    ]


@pytest.mark.parametrize(
    ("encoding", "name", "line"),
    [("cp1252", "Müller", 3), ("gbk", "王小明", 3), ("shift_jis", "テスト", 3), ("utf-16", "Ahmed", 1)],
    ids=str,
)
def test_text_in_another_encoding_is_refused_with_the_line(db, make_cohort, encoding, name, line):
    rows = [trainee(1, name_native=""), trainee(2, name_native=name)]
    message = _refusal(make_cohort(), csv_bytes(rows, encoding=encoding))
    assert "not UTF-8 text" in message and "CSV UTF-8" in message
    assert f"line {line}" in message


def test_a_byte_order_mark_and_semicolons_are_fine(db, make_cohort):
    data = csv_bytes([trainee(0), trainee(2)], delimiter=";", bom=True)
    plan = _plan(make_cohort(), data)
    assert [row.outcome for row in plan.rows] == [Outcome.ENROL, Outcome.ENROL]
    assert plan.rows[0].name_native == "王小明"


def test_the_template_saved_again_with_semicolons_reads_back(db, make_cohort):
    # What Excel writes in a locale whose decimal mark is a comma: the notes keep their commas.
    data = (
        '"# Trainee list for Robotics (LW-1), cohort from 2026-01-05 to 2026-03-01."\r\n'
        "# One trainee per line\r\n"
        "name_latin;name_native;email;nationality;date_of_birth\r\n"
        "WANG Xiaoming;王小明;wang@example.org;CN;1999-01-02\r\n"
    ).encode()
    [row] = _plan(make_cohort(), data).rows
    assert (row.line, row.outcome, row.name_native) == (4, Outcome.ENROL, "王小明")


def test_missing_columns_are_named(db, make_cohort):
    data = csv_bytes([["Wang", "wang@example.org"]], header=("name", "mail"))
    message = _refusal(make_cohort(), data)
    assert "Missing: name_latin, email" in message
    assert "Found: name, mail" in message


def test_headers_match_whatever_their_case_and_spacing_and_extra_columns_are_noted(db, make_cohort):
    header = (" Name Latin ", "EMAIL", "Date of birth", "Phone", "notes")
    data = csv_bytes([["ALI Hassan", "Ali@Example.org", "1999-02-03", "+254 700", "x"]], header=header)
    plan = _plan(make_cohort(), data)
    assert plan.ignored == ["Phone", "notes"]
    [row] = plan.rows
    assert (row.outcome, row.email, row.name_latin) == (Outcome.ENROL, "ali@example.org", "ALI Hassan")


def test_a_column_named_twice_is_refused(db, make_cohort):
    data = csv_bytes([["A", "a@example.org", "b@example.org"]], header=("name_latin", "email", "E-mail"))
    assert "The column “email” appears twice (columns B and C)" in _refusal(make_cohort(), data)


def test_a_header_without_rows_is_refused(db, make_cohort):
    assert "no rows below them" in _refusal(make_cohort(), csv_bytes([]))


def test_formulas_are_row_errors_naming_line_and_column_and_are_never_run(db, make_cohort):
    rows = [
        trainee(1, name_latin='=HYPERLINK("http://evil.example","Click")'),
        trainee(2, email="+cmd|' /C calc'!A0"),
        trainee(3, nationality="@SUM(1+1)"),
        trainee(4, name_native="-2+3+cmd|' /C calc'!A0"),
        trainee(5),
    ]
    plan = _plan(make_cohort(), csv_bytes(rows))
    errors = {row.line: row.errors for row in plan.errors}
    assert errors == {
        2: ["line 2, column A (name_latin): This cell holds a formula; type the value itself."],
        3: ["line 3, column C (email): This cell holds a formula; type the value itself."],
        4: ["line 4, column D (nationality): This cell holds a formula; type the value itself."],
        5: ["line 5, column B (name_native): This cell holds a formula; type the value itself."],
    }
    assert plan.rows[-1].outcome == Outcome.ENROL


def test_formula_cells_in_a_workbook_are_row_errors(db, make_cohort):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(HEADER))
    sheet.append(["OKELLO James", None, "okello@example.org", "UG", "1997-04-05"])
    sheet.append(["NJERI Wanjiru", None, "=LOWER(C2)", "KE", None])
    out = io.BytesIO()
    workbook.save(out)
    plan = _plan(make_cohort(), out.getvalue())
    assert plan.format == "xlsx"
    assert plan.errors[0].errors == [
        "line 3, column C (email): This cell holds a formula; type the value itself."
    ]


# --- the dry run ---------------------------------------------------------------------------------


def test_the_dry_run_says_what_would_happen_to_each_line_and_writes_nothing(
    db, make_cohort, make_person, make_enrolment
):
    cohort = make_cohort(capacity=3)
    known = make_person(name_latin="KNOWN Person", email="known@example.org")
    already = make_person(name_latin="ALREADY There", email="already@example.org")
    make_enrolment(cohort, already)
    rows = [
        trainee(1),
        trainee(2, email="KNOWN@example.org", name_latin="KNOWN Person"),
        trainee(3),
        trainee(4),
        trainee(5, email="already@example.org", name_latin="ALREADY There"),
        trainee(6, email="trainee1@example.org"),
        trainee(7, email="not-an-address", date_of_birth="05/01/1998"),
        trainee(8, nationality="XX"),
    ]
    before = table_counts(db)

    plan = _plan(cohort, csv_bytes(rows))

    assert table_counts(db) == before
    got = [(r.line, r.outcome, r.is_new_person, r.position, r.duplicate_of) for r in plan.rows]
    assert got == [
        (2, Outcome.ENROL, True, None, None),
        (3, Outcome.ENROL, False, None, None),
        (4, Outcome.WAITLIST, True, 1, None),
        (5, Outcome.WAITLIST, True, 2, None),
        (6, Outcome.ALREADY, False, None, None),
        (7, Outcome.DUPLICATE, False, None, 2),
        (8, Outcome.ERROR, False, None, None),
        (9, Outcome.ERROR, False, None, None),
    ]
    assert plan.rows[4].status == EnrolmentStatus.ENROLLED
    assert plan.rows[6].errors == [
        "line 8, column C (email): Not a valid e-mail address.",
        "line 8, column E (date_of_birth): Write the date as YYYY-MM-DD, for example 1998-05-01.",
    ]
    assert plan.rows[7].errors == ["line 9, column D (nationality): Unknown country."]
    counts = plan.counts
    assert (counts[Outcome.ENROL], counts[Outcome.WAITLIST], counts["new_person"], plan.to_apply) == (
        2,
        2,
        3,
        4,
    )
    assert known.id  # matched, not created: the e-mail comparison ignores case


def test_rows_break_the_person_rules_with_clear_messages(db, make_cohort):
    rows = [
        trainee(1, name_latin="王小明"),
        trainee(2, name_latin=""),
        trainee(3, email=""),
        trainee(4, date_of_birth=(date.today() + timedelta(days=2)).isoformat()),
        trainee(5, date_of_birth="2001-02-30"),
        trainee(6, name_native="Evil\u202eName"),
    ]
    plan = _plan(make_cohort(), csv_bytes(rows))
    messages = [row.errors for row in plan.rows]
    assert "in Latin letters" in messages[0][0] and messages[0][0].startswith("line 2, column A (name_latin)")
    assert messages[1] == ["line 3, column A (name_latin): This field is required."]
    assert messages[2][0].startswith("line 4, column C (email): An e-mail address is needed")
    assert messages[3] == ["line 5, column E (date_of_birth): Give a date of birth in the past, after 1900."]
    assert messages[4] == ["line 6, column E (date_of_birth): There is no such date."]
    assert messages[5] == ["line 7, column B (name_native): Control characters are not allowed."]


def test_a_closed_or_ended_cohort_takes_no_list(db, make_cohort):
    closed = make_cohort(status=CohortStatus.CLOSED)
    assert "closed" in _refusal(closed, csv_bytes([trainee(1)]))
    ended = make_cohort(
        starts_on=date.today() - timedelta(days=60),
        ends_on=date.today() - timedelta(days=1),
        enrolment_opens_on=date.today() - timedelta(days=90),
        enrolment_closes_on=date.today() - timedelta(days=61),
    )
    assert "ended" in _refusal(ended, csv_bytes([trainee(1)]))


def test_the_dry_run_looks_people_up_once_per_chunk_not_once_per_row(db, make_cohort, count_queries):
    cohort = make_cohort(capacity=500)
    few, many = csv_bytes([trainee(n) for n in range(5)]), csv_bytes([trainee(n) for n in range(400)])
    _plan(cohort, few)  # the session now holds the countries
    with count_queries() as small:
        _plan(cohort, few)
    with count_queries() as large:
        _plan(cohort, many)
    assert large.count == small.count <= 8


# --- applying ------------------------------------------------------------------------------------


def test_apply_creates_people_in_every_script_and_enrols_them_in_order(db, make_cohort, make_user):
    cohort = make_cohort(capacity=4)
    staff = make_user("institution", institution=cohort.host)
    rows = [trainee(n) for n in range(6)]

    applied = _apply(cohort, xlsx_bytes(rows), actor=staff)

    assert (
        applied.counts[Outcome.ENROL],
        applied.counts[Outcome.WAITLIST],
        applied.counts["new_person"],
    ) == (4, 2, 6)
    enrolments = db.session.scalars(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id).order_by(Enrolment.id)
    ).all()
    people = {
        p.id: p
        for p in db.session.scalars(select(Person).where(Person.id.in_([e.person_id for e in enrolments])))
    }
    got = [
        (people[e.person_id].name_latin, people[e.person_id].name_native, e.status, e.waitlist_position)
        for e in enrolments
    ]
    assert got == [
        (
            f"{latin} {n}",
            native,
            EnrolmentStatus.ENROLLED if n < 4 else EnrolmentStatus.WAITLISTED,
            n - 3 if n >= 4 else None,
        )
        for n, (latin, native, _country) in enumerate(SCRIPTS)
    ]
    assert {e.source for e in enrolments} == {EnrolmentSource.IMPORT}
    first = people[enrolments[0].person_id]
    assert (first.email, first.nationality_code, first.born_on) == (
        "trainee0@example.org",
        "CN",
        date(1990, 1, 10),
    )
    actors = set(
        db.session.scalars(select(AuditEntry.actor_id).where(AuditEntry.action == "enrolment.created"))
    )
    assert actors == {staff.id}


def test_uploading_the_same_list_again_changes_nothing(db, make_cohort):
    cohort = make_cohort(capacity=2)
    data = csv_bytes([trainee(n) for n in range(4)])
    _apply(cohort, data)
    before = table_counts(db)

    plan = _plan(cohort, data)
    again = _apply(cohort, data)

    assert {row.outcome for row in plan.rows} == {Outcome.ALREADY}
    assert again.counts == {Outcome.ALREADY: 4}
    assert table_counts(db) == before


def test_a_list_approves_pending_requests_but_does_not_bring_back_who_withdrew(
    db, make_cohort, make_person, make_enrolment
):
    cohort = make_cohort(capacity=5)
    asked = make_enrolment(cohort, make_person(email="asked@example.org"), status=EnrolmentStatus.PENDING)
    left = make_enrolment(cohort, make_person(email="left@example.org"), status=EnrolmentStatus.WITHDRAWN)
    data = csv_bytes([trainee(1, email="asked@example.org"), trainee(2, email="left@example.org")])

    plan = _plan(cohort, data)
    applied = _apply(cohort, data)

    assert [(r.outcome, r.status) for r in plan.rows] == [
        (Outcome.ENROL, EnrolmentStatus.PENDING),
        (Outcome.ALREADY, EnrolmentStatus.WITHDRAWN),
    ]
    assert applied.counts == {Outcome.ENROL: 1, Outcome.ALREADY: 1}
    db.session.refresh(asked)
    db.session.refresh(left)
    assert (asked.status, left.status) == (EnrolmentStatus.ENROLLED, EnrolmentStatus.WITHDRAWN)


def test_rows_with_errors_are_left_out_and_the_rest_applied(db, make_cohort):
    cohort = make_cohort()
    applied = _apply(cohort, csv_bytes([trainee(1), trainee(2, email="nope"), trainee(1)]))
    assert applied.counts == {Outcome.ENROL: 1, "new_person": 1, Outcome.ERROR: 1, Outcome.DUPLICATE: 1}
    assert applied.errors == [(3, "line 3, column C (email): Not a valid e-mail address.")]


# --- long lists run as a background job ----------------------------------------------------------


def test_a_long_list_runs_as_a_job_reporting_progress_per_chunk(db, make_cohort, make_user, monkeypatch):
    monkeypatch.setattr(imports, "JOB_THRESHOLD", 5)
    monkeypatch.setattr(import_enrolments, "CHUNK", 3)
    reports = []
    original = JobContext.progress
    monkeypatch.setattr(
        JobContext,
        "progress",
        lambda ctx, done, total=None: (reports.append((done, total)), original(ctx, done, total)),
    )
    cohort = make_cohort(capacity=5)
    staff = make_user("institution", institution=cohort.host)
    rows = [trainee(n) for n in range(7)] + [trainee(99, email="broken")]
    digest = imports.store_upload(csv_bytes(rows))

    job = imports.apply_upload("enrolments", cohort, digest, actor=staff)
    assert isinstance(job, Job) and job.kind == "workshops.import" and job.params["upload"] == digest
    assert table_counts(db)[1] == 0  # nothing enrolled until the job runs
    db.session.commit()
    assert run_pending_jobs() == 1

    db.session.refresh(job)
    assert (job.status, job.done, job.total) == (JobStatus.DONE, 8, 8)
    assert reports == [(0, 8), (3, 8), (6, 8), (8, 8)]
    assert job.errors == [
        {"item": "line 9", "message": "line 9, column C (email): Not a valid e-mail address."}
    ]
    assert job.result == {"new_person": 7, "enrol": 5, "waitlist": 2, "error": 1}
    statuses = db.session.scalars(select(Enrolment.status).where(Enrolment.cohort_id == cohort.id)).all()
    assert sorted(statuses) == ["enrolled"] * 5 + ["waitlisted"] * 2

    # Run again (as after a crash): everything done is met as already enrolled, nothing twice.
    before = table_counts(db)
    again = imports.apply_upload("enrolments", cohort, digest, actor=staff)
    db.session.commit()
    run_pending_jobs()
    db.session.refresh(again)
    assert again.result == {"already": 7, "error": 1}
    assert table_counts(db)[:2] == before[:2]


def test_a_job_whose_upload_is_gone_fails_with_a_message(db, make_cohort, make_user, monkeypatch):
    monkeypatch.setattr(imports, "JOB_THRESHOLD", 1)
    cohort = make_cohort()
    digest = imports.store_upload(csv_bytes([trainee(1), trainee(2)]))
    job = imports.apply_upload("enrolments", cohort, digest, actor=make_user("admin"))
    db.session.commit()
    (imports._folder() / digest).unlink()
    run_pending_jobs()
    db.session.refresh(job)
    assert job.status == JobStatus.FAILED
    assert "no longer here" in job.errors[-1]["message"]


def test_stored_uploads_are_found_by_their_digest_only(db):
    digest = imports.store_upload(b"name_latin,email\r\nA,a@example.org\r\n")
    assert imports.load_upload(digest).startswith(b"name_latin")
    for bad in ("../../etc/passwd", digest[:-1] + "x", "0" * 64):
        with pytest.raises(FileRejected):
            imports.load_upload(bad)


# --- scores --------------------------------------------------------------------------------------


SCORE_HEADER = ("enrolment_id", "email", "theory", "practical")


@pytest.fixture
def scored_cohort(make_cohort, make_person, make_enrolment):
    cohort = make_cohort(capacity=3)
    people = [make_person(email=f"s{n}@example.org", name_latin=f"Scored {n}") for n in range(3)]
    enrolments = [make_enrolment(cohort, person) for person in people]
    waiting = make_enrolment(
        cohort,
        make_person(email="waiting@example.org"),
        status=EnrolmentStatus.WAITLISTED,
        waitlist_position=1,
    )
    return cohort, enrolments, waiting


def test_score_dry_run_matches_by_id_or_email_and_checks_every_value(
    db, scored_cohort, make_cohort, make_enrolment
):
    cohort, (a, b, c), waiting = scored_cohort
    elsewhere = make_enrolment(make_cohort())
    rows = [
        [a.id, "", "72.5", "80"],
        ["", "S1@example.org", "65,25", ""],
        [c.id, "s0@example.org", "50", "50"],
        [elsewhere.id, "", "50", "50"],
        ["", "waiting@example.org", "50", "50"],
        ["", "nobody@example.org", "101", "-5"],
        ["", "s2@example.org", "abc", "70.125"],
        [a.id, "", "90", "90"],
        ["", "s2@example.org", "=1+1", "@SUM(A1)"],
    ]
    before = table_counts(db)

    plan = imports.plan_upload("scores", cohort, csv_bytes(rows, header=SCORE_HEADER))

    assert table_counts(db) == before
    assert [r.outcome for r in plan.rows] == [
        ScoreOutcome.CHANGE,
        ScoreOutcome.CHANGE,
        *[ScoreOutcome.ERROR] * 5,
        ScoreOutcome.DUPLICATE,
        ScoreOutcome.ERROR,
    ]
    assert (plan.rows[0].theory, plan.rows[0].practical) == (Decimal("72.50"), Decimal("80.00"))
    assert (plan.rows[1].enrolment_id, plan.rows[1].theory, plan.rows[1].practical) == (
        b.id,
        Decimal("65.25"),
        None,
    )
    errors = [row.errors for row in plan.rows]
    assert errors[2] == [f"line 4, column B (email): This is not the e-mail address of enrolment {c.id}."]
    assert errors[3] == [
        f"line 5, column A (enrolment_id): This cohort has no enrolment number {elsewhere.id}."
    ]
    assert errors[4] == [
        "line 6, column B (email): Only enrolled trainees get scores; this one is waitlisted."
    ]
    assert errors[5][0] == "line 7, column B (email): Nobody in this cohort has this e-mail address."
    assert errors[5][1].startswith("line 7, column C (theory): ") and errors[5][2].startswith(
        "line 7, column D (practical): "
    )
    assert len(errors[6]) == 2
    assert plan.rows[7].duplicate_of == 2
    assert errors[8] == [
        "line 10, column C (theory): This cell holds a formula; type the value itself.",
        "line 10, column D (practical): This cell holds a formula; type the value itself.",
    ]


def test_scores_are_written_with_an_audit_entry_and_empty_cells_keep_what_is_on_record(db, scored_cohort):
    cohort, (a, b, _c), _waiting = scored_cohort
    a.theory_score = Decimal("40")
    db.session.commit()
    data = csv_bytes([[a.id, "", "", "88"], ["", "s1@example.org", "61.5", "77"]], header=SCORE_HEADER)

    applied = import_scores.apply_scores(cohort, import_scores.read_score_table(data))

    assert applied.counts == {ScoreOutcome.CHANGE: 2}
    db.session.refresh(a)
    db.session.refresh(b)
    assert (a.theory_score, a.practical_score) == (Decimal("40.00"), Decimal("88.00"))
    assert (b.theory_score, b.practical_score) == (Decimal("61.50"), Decimal("77.00"))
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "enrolments", AuditEntry.object_id == str(a.id))
    ).all()
    assert [e.changes for e in entries] == [{"practical_score": [None, "88.00"]}]

    before = table_counts(db)
    again = import_scores.apply_scores(cohort, import_scores.read_score_table(data))
    assert again.counts == {ScoreOutcome.UNCHANGED: 2}
    assert table_counts(db) == before


def test_scores_need_an_identifying_column_and_a_closed_cohort_takes_none(db, scored_cohort):
    cohort, _enrolments, _waiting = scored_cohort
    message = _refusal(
        cohort, csv_bytes([["A", "50", "50"]], header=("name", "theory", "practical")), "scores"
    )
    assert "“email” or “enrolment_id”" in message
    assert "Missing: practical" in _refusal(
        cohort, csv_bytes([["s0@example.org", "1"]], header=("email", "theory")), "scores"
    )
    cohort.status = CohortStatus.CLOSED
    db.session.commit()
    assert "closed" in _refusal(
        cohort, csv_bytes([["s0@example.org", "1", "2"]], header=("email", "theory", "practical")), "scores"
    )


def test_a_long_score_list_runs_as_a_job(db, scored_cohort, make_user, monkeypatch):
    monkeypatch.setattr(imports, "JOB_THRESHOLD", 2)
    monkeypatch.setattr(import_scores, "CHUNK", 2)
    cohort, (a, b, c), _waiting = scored_cohort
    rows = [[e.id, "", "70", "71"] for e in (a, b, c)]
    digest = imports.store_upload(csv_bytes(rows, header=SCORE_HEADER))
    job = imports.apply_upload("scores", cohort, digest, actor=make_user("admin"))
    db.session.commit()
    run_pending_jobs()
    db.session.refresh(job)
    assert (job.kind, job.status, job.done, job.total) == ("workshops.import_scores", JobStatus.DONE, 3, 3)
    assert job.result == {"change": 3}
    db.session.refresh(c)
    assert c.practical_score == Decimal("71.00")


# --- templates -----------------------------------------------------------------------------------


def test_templates_read_back_as_lists_and_neutralise_formulas(db):
    notes = ["Read me first, please.", "Dates are YYYY-MM-DD."]
    rows = [("=cmd()", "王小明", "a@example.org", "CN", "1999-01-02")]
    for data in (
        write_csv(HEADER, rows, notes),
        write_xlsx(HEADER, rows, notes, sheet="Trainees", notes_sheet="Notes"),
    ):
        table = read_table(data, required=HEADER)
        assert [row.values["name_native"] for row in table.rows] == ["王小明"]
        assert table.rows[0].values["name_latin"] == "'=cmd()"
    assert write_csv(HEADER, [], notes).startswith(b'\xef\xbb\xbf"# Read me first, please."\r\n# Dates')
    workbook = load_workbook(io.BytesIO(write_xlsx(HEADER, [], notes, sheet="Trainees", notes_sheet="Notes")))
    assert workbook.sheetnames == ["Trainees", "Notes"]
    assert workbook["Notes"]["A2"].value == "Dates are YYYY-MM-DD."
