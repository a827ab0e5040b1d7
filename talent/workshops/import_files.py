"""Reading uploaded lists (trainees, scores): CSV in UTF-8 or an XLSX workbook, recognised by their
content, never by their name; and writing the templates to fill in.

A list is a header line naming the columns, then one line per row. Lines whose first cell starts
with "#" are notes (the CSV template carries its instructions that way) and are skipped.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from talent.core.errors import ValidationFailed

# A list this long is a mistake or an attack; real cohorts are far smaller.
MAX_ROWS = 50_000
# An XLSX is a ZIP: refuse one that would unpack to far more than any real list (a "zip bomb").
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
# Other ways people spell the same column.
_SPELLINGS = {"e_mail": "email", "enrollment_id": "enrolment_id"}
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")

SIGNATURES = (
    (b"%PDF", _l("a PDF document")),
    (b"\x89PNG", _l("a PNG image")),
    (b"\xff\xd8\xff", _l("a JPEG image")),
    (b"GIF8", _l("a GIF image")),
    (b"RIFF", _l("a media file")),
    (b"\x1f\x8b", _l("a compressed (gzip) archive")),
    (b"7z\xbc\xaf", _l("a compressed (7-Zip) archive")),
    (b"Rar!", _l("a compressed (RAR) archive")),
)


class FileRejected(ValidationFailed):
    """The file as a whole cannot be used; nothing in it was read."""

    def __init__(self, message: str):
        super().__init__(message, field="file")


@dataclass(frozen=True)
class Row:
    line: int  # as the user's spreadsheet or text editor numbers it
    values: dict[str, object]  # column key → the cell as read (text, number, date or None)
    formulas: frozenset[str] = frozenset()  # keys whose cell holds a formula (never evaluated)


@dataclass
class Table:
    format: str  # "csv" or "xlsx"
    rows: list[Row]
    letters: dict[str, str]  # column key → spreadsheet letter ("C")
    ignored: list[str] = field(default_factory=list)  # headers of columns nobody reads

    def where(self, line: int, key: str) -> str:
        return _("line %(line)d, column %(letter)s (%(name)s)", line=line, letter=self.letters[key], name=key)


def header_key(text: object) -> str:
    """Headers match whatever their case, spacing, hyphens or underscores: "Date of birth" = date_of_birth."""
    key = re.sub(r"[\s_\-]+", "_", str(text or "").strip().lstrip("\ufeff").lower()).strip("_")
    return _SPELLINGS.get(key, key)


def looks_like_formula(value: object) -> bool:
    """A value a spreadsheet would run as a formula when the list is opened again (CSV injection).

    "=" always starts one; "+", "-" and "@" do when something other than a plain number follows
    ("-5" and a lone "-" are values)."""
    if isinstance(value, (ArrayFormula, DataTableFormula)):
        return True
    if not isinstance(value, str):
        return False
    text = value.lstrip()
    if text.startswith("="):
        return True
    return text[:1] in ("+", "-", "@") and len(text.rstrip()) > 1 and not _NUMBER.fullmatch(text)


def cell_text(value: object) -> str:
    """A cell as text: spreadsheets store "12345" typed in a name column as the number 12345.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


# --- recognising the file ------------------------------------------------------------------------


def _redo_hint() -> str:
    return _("Save the list as “CSV UTF-8” or as an Excel workbook (.xlsx) and upload it again.")


def _not_a_list(what: object | None = None) -> FileRejected:
    if what is None:
        return FileRejected(_("This file is neither a CSV file nor an XLSX workbook.") + " " + _redo_hint())
    return FileRejected(
        _("This file is %(what)s, not a CSV file or an XLSX workbook.", what=what) + " " + _redo_hint()
    )


def _not_utf8(line: int) -> FileRejected:
    return FileRejected(
        _(
            "The file is not UTF-8 text (the first character that is not is on line %(line)d). "
            "In your spreadsheet, save it as “CSV UTF-8” and upload it again.",
            line=line,
        )
    )


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13))
    return controls > len(head) // 50


def detect_format(data: bytes) -> str:
    """Tell "xlsx" from "csv" by the bytes themselves; anything else is refused, saying what it seems to be."""
    if not data.strip():
        raise FileRejected(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected(
            _("This is an Excel 97–2003 file (.xls) or another old Office file.") + " " + _redo_hint()
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _not_utf8(1)
    for magic, what in SIGNATURES:
        if data.startswith(magic):
            raise _not_a_list(what)
    if _looks_binary(data[:8192]):
        raise _not_a_list()
    return "csv"


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            if "mimetype" in names and b"opendocument" in archive.open("mimetype").read(100):
                raise FileRejected(_("This is an OpenDocument spreadsheet (.ods).") + " " + _redo_hint())
            if "[Content_Types].xml" not in names:
                raise _not_a_list(_("a ZIP archive"))
            if "xl/workbook.xml" not in names:
                raise _not_a_list(_("an Office document other than a workbook"))
            if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
                raise FileRejected(_("This workbook is far too large once unpacked; split the list."))
    except zipfile.BadZipFile:
        raise FileRejected(_("This ZIP or XLSX file is damaged.") + " " + _redo_hint()) from None
    return "xlsx"


# --- reading rows ----------------------------------------------------------------------------------


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[object]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _not_utf8(data[: exc.start].count(b"\n") + 1) from None
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        raise FileRejected(
            _("Line %(line)d cannot be read as CSV (%(reason)s).", line=reader.line_num, reason=str(exc))
        ) from None


def _delimiter(text: str) -> str:
    """The cell separator, judged on the header line (notes above it are prose, with commas).

    Spreadsheets in many locales write ";" between cells, since "," is their decimal mark."""
    for line in io.StringIO(text):
        stripped = line.strip().lstrip('"').lstrip()
        if stripped and not stripped.startswith("#"):
            return max((",", ";", "\t"), key=line.count)
    return ","


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[object]]]:
    # Anything can be inside a damaged or hostile workbook, and openpyxl reports it with many
    # different exception types; to the user they all mean the same thing.
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001
        raise FileRejected(
            _("This workbook cannot be read; it may be damaged.") + " " + _redo_hint()
        ) from None
    try:
        sheet = workbook.worksheets[0]
        for line, cells in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            yield line, list(cells)
    except FileRejected:
        raise
    except Exception:  # noqa: BLE001
        raise FileRejected(
            _("This workbook cannot be read; it may be damaged.") + " " + _redo_hint()
        ) from None
    finally:
        workbook.close()


def _is_blank(cells: Sequence[object]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _is_note(cells: Sequence[object]) -> bool:
    return bool(cells) and isinstance(cells[0], str) and cells[0].lstrip().startswith("#")


def _columns(
    cells: Sequence[object], required: Sequence[str], optional: Sequence[str], quiet: Iterable[str]
) -> tuple[dict[str, int], list[str]]:
    known = (*required, *optional)
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(cells):
        key = header_key(cell)
        if not key:
            continue
        if key in positions:
            raise FileRejected(
                _(
                    "The column “%(name)s” appears twice (columns %(first)s and %(second)s); keep one.",
                    name=key,
                    first=get_column_letter(positions[key] + 1),
                    second=get_column_letter(index + 1),
                )
            )
        if key in known:
            positions[key] = index
        elif key not in quiet:
            ignored.append(cell_text(cell))
    missing = [key for key in required if key not in positions]
    if missing:
        found = [cell_text(cell) for cell in cells if cell_text(cell)]
        raise FileRejected(
            _(
                "The first line must name the columns. Missing: %(missing)s. Found: %(found)s. "
                "The template shows the expected first line.",
                missing=", ".join(missing),
                found=", ".join(found) or "—",
            )
        )
    return positions, ignored


def read_table(
    data: bytes,
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
    quiet: Iterable[str] = (),
) -> Table:
    """Read a list: `required` columns must all be there, `optional` ones may be; columns in
    `quiet` are skipped silently and any other column is skipped with a note (`Table.ignored`)."""
    kind = detect_format(data)
    lines = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)
    positions: dict[str, int] | None = None
    table = Table(format=kind, rows=[], letters={})
    for line, cells in lines:
        if _is_blank(cells) or _is_note(cells):
            continue
        if positions is None:
            positions, table.ignored = _columns(cells, required, optional, quiet)
            table.letters = {key: get_column_letter(index + 1) for key, index in positions.items()}
            continue
        if len(table.rows) >= MAX_ROWS:
            raise FileRejected(
                _(
                    "The list has more than %(max)s rows; split it into several files.",
                    max=format_decimal(MAX_ROWS),
                )
            )
        values = {key: (cells[index] if index < len(cells) else None) for key, index in positions.items()}
        formulas = frozenset(key for key, value in values.items() if looks_like_formula(value))
        table.rows.append(Row(line=line, values=values, formulas=formulas))
    if positions is None:
        raise FileRejected(_("The file has no line naming the columns, and no rows."))
    if not table.rows:
        raise FileRejected(_("The file names its columns but has no rows below them."))
    return table


# --- writing templates ------------------------------------------------------------------------------


def _safe(value: object) -> object:
    # A stored value that a spreadsheet would run as a formula is written as plain text.
    return "'" + value if isinstance(value, str) and looks_like_formula(value) else value


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]], notes: Sequence[str]) -> bytes:
    """A CSV list with its notes on top as "#" lines; the BOM makes Excel read it as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for note in notes:
        writer.writerow([f"# {note}" if note else "#"])
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell_text(_safe(value)) for value in row])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def write_xlsx(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    notes: Sequence[str],
    *,
    sheet: str,
    notes_sheet: str,
) -> bytes:
    """A workbook: the list on the first sheet (the one uploads read), the notes on a second."""
    workbook = Workbook()
    data = workbook.active
    data.title = sheet[:31]
    data.append(list(header))
    for cell in data[1]:
        cell.font = Font(bold=True)
    for row in rows:
        data.append([_safe(value) for value in row])
    for index, name in enumerate(header, start=1):
        data.column_dimensions[get_column_letter(index)].width = max(14, len(name) + 4)
    data.freeze_panes = "A2"
    instructions = workbook.create_sheet(notes_sheet[:31])
    for note in notes:
        instructions.append([_safe(note)])
    instructions.column_dimensions["A"].width = 100
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
