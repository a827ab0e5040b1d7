"""A cohort's roster as CSV or XLSX, safe to open in a spreadsheet program.

Text that a spreadsheet would run as a formula (it starts with = + - @, or a tab or carriage
return that some programs skip) is prefixed with an apostrophe (OWASP, "CSV Injection").
The CSV starts with a byte-order mark: without it Excel reads UTF-8 as a legacy code page and
turns 王小明 or أحمد into mojibake.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from talent.workshops.completion import reason_text
from talent.workshops.labels import ENROLMENT_STATUS
from talent.workshops.models import Cohort
from talent.workshops.roster_queries import Row, all_roster_rows

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def headers() -> list[str]:
    return [
        _("Name (Latin)"),
        _("Name (own script)"),
        _("E-mail"),
        _("Nationality"),
        _("Status"),
        _("Waitlist position"),
        _("Sessions present"),
        _("Sessions counted"),
        _("Attendance %"),
        _("Theory score"),
        _("Practical score"),
        _("Weighted score"),
        _("Outcome"),
        _("Reasons"),
    ]


def roster_words() -> dict:
    """Words a roster repeats on every row, translated once: (is final, completed) → outcome
    (fixed at close, or what closing now would give), and "status" → {status: word}."""
    return {
        "status": {status: str(word) for status, word in ENROLMENT_STATUS.items()},
        (True, True): _("completed"),
        (True, False): _("not completed"),
        (False, True): _("on track"),
        (False, False): _("at risk"),
    }


def outcome_label(row: Row, words: dict | None = None) -> str:
    if row.result is None:
        return ""
    return (words or roster_words())[(row.is_final, row.result.completed)]


def values(row: Row, words: dict) -> list:
    enrolment, person, result = row.enrolment, row.enrolment.person, row.result
    return [
        person.name_latin,
        person.name_native or "",
        person.email or "",
        person.nationality.name if person.nationality else "",
        words["status"][enrolment.status],
        enrolment.waitlist_position,
        row.tally.present,
        row.tally.counted,
        result.attendance_pct if result else None,
        enrolment.theory_score,
        enrolment.practical_score,
        result.weighted_score if result else None,
        outcome_label(row, words),
        "; ".join(reason_text(r) for r in result.reasons) if result else "",
    ]


def _text(value) -> str:
    if value is None:
        return ""
    return str(value)


def roster_csv(cohort: Cohort) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers())
    words = roster_words()
    for row in all_roster_rows(cohort):
        writer.writerow([neutralise(_text(v)) for v in values(row, words)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(value):
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    if isinstance(value, Decimal):
        return float(value)
    return value


def roster_xlsx(cohort: Cohort) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Roster")[:31])
    sheet.append([_cell(h) for h in headers()])
    words = roster_words()
    for row in all_roster_rows(cohort):
        sheet.append([_cell(v) for v in values(row, words)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(cohort: Cohort, extension: str) -> str:
    code = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in cohort.course.code)
    return f"roster-{code}-{cohort.id}.{extension}"
