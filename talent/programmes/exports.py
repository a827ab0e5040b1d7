"""A call's applications with their review scores, as CSV or XLSX, safe to open in a spreadsheet.

Per application: reference, applicant, country, state, the decision, the mean score of each
rubric criterion over the submitted reviews, the mean weighted score, the spread between
reviewers and the number of reviews. Drafts are left out.

Text a spreadsheet would run as a formula is neutralised as in the workshop rosters
(`talent.workshops.exports.neutralise`). Memory stays bounded whatever the size of the call:
applications are read a thousand at a time and written row by row (for the XLSX, in openpyxl's
write-only mode) into a temporary file that spills to disk.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from talent.programmes import admin_queries as queries
from talent.programmes.decisions import reference
from talent.programmes.labels import APPLICATION_STATUS, OFFER_STATUS
from talent.programmes.models import Application, Call
from talent.workshops.exports import XLSX_MIMETYPE, neutralise

__all__ = ["XLSX_MIMETYPE", "csv_file", "filename", "headers", "xlsx_file"]

BATCH = 1000
SPOOL_BYTES = 8 * 1024 * 1024


def headers(call: Call) -> list[str]:
    criteria = [_("Mean score: %(criterion)s", criterion=c.get("label") or c["code"]) for c in call.rubric]
    return [
        _("Reference"),
        _("Name (Latin)"),
        _("Name (own script)"),
        _("E-mail"),
        _("Country"),
        _("State"),
        _("Offer"),
        _("Waitlist rank"),
        _("Decision note"),
        _("Submitted at (UTC)"),
        *criteria,
        _("Mean weighted score"),
        _("Spread"),
        _("Reviews"),
    ]


def criterion_means(call: Call, scores: list[dict]) -> list[Decimal | None]:
    means = []
    for code in call.criterion_codes:
        values = [s[code] for s in scores if isinstance(s.get(code), int)]
        means.append((Decimal(sum(values)) / len(values)).quantize(Decimal("0.01")) if values else None)
    return means


def values(call: Call, application: Application, scores: list[dict], words: dict) -> list:
    person = application.person
    country = (
        person.nationality.name
        if person.nationality and (person.nationality_code == application.country_code)
        else application.country_code
    )
    return [
        reference(application),
        person.name_latin,
        person.name_native or "",
        person.email or "",
        country or "",
        words["status"][application.status],
        words["offer"][application.offer_status] if application.offer_status else "",
        application.waitlist_rank,
        application.decision_note or "",
        application.submitted_at.strftime("%Y-%m-%d %H:%M") if application.submitted_at else "",
        *criterion_means(call, scores),
        application.score_mean,
        application.score_spread,
        application.review_count,
    ]


def _words() -> dict:
    return {
        "status": {status: str(word) for status, word in APPLICATION_STATUS.items()},
        "offer": {status: str(word) for status, word in OFFER_STATUS.items()},
    }


def rows(call: Call) -> Iterator[list]:
    words = _words()
    for batch in queries.application_batches(call, BATCH):
        scores = queries.submitted_scores([a.id for a in batch])
        for application in batch:
            yield values(call, application, scores.get(application.id, []), words)


def xlsx_cell(value):
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    if isinstance(value, Decimal):
        return float(value)
    return value


def _text(value) -> str:
    return "" if value is None else str(value)


def csv_file(call: Call):
    """The CSV (UTF-8 with a byte-order mark, for Excel) in a temporary file that spills to disk
    when large, positioned at its start.

    Written completely before the response starts: a body streamed after the request's
    transaction has ended would have lost the objects (and the reader's language) it needs.
    """
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (send_file closes it)
    text = io.TextIOWrapper(spooled, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow([neutralise(h) for h in headers(call)])
    for row in rows(call):
        writer.writerow([neutralise(_text(v)) for v in row])
    text.flush()
    text.detach()  # hand the bytes file to the response, open
    spooled.seek(0)
    return spooled


def xlsx_file(call: Call):
    """The workbook in a temporary file (in memory while small), positioned at its start."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Applications")[:31])
    sheet.append([xlsx_cell(h) for h in headers(call)])
    for row in rows(call):
        sheet.append([xlsx_cell(v) for v in row])
    # Closed by whoever sends it (send_file closes the file once the response is sent).
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    workbook.save(spooled)
    spooled.seek(0)
    return spooled


def filename(call: Call, extension: str) -> str:
    return f"applications-call-{call.id}.{extension}"
