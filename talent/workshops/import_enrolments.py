"""Enrolment by uploaded list: check every row, plan what would happen, then apply it.

The plan (dry run) and the apply read the file the same way and look people and enrolments up
once per chunk of rows, never once per row. The apply does not trust the plan it follows: it
looks everything up again, so that what changed in between (a seat taken, a person created) is
respected, and it enrols through `talent.workshops.enrolment.enrol`, which makes importing the
same list twice change nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from talent.core.errors import DomainError, ValidationFailed
from talent.extensions import db
from talent.reference.models import Country, Person
from talent.reference.operations import add_person, reserve_new_emails, validate_person_values
from talent.workshops.enrolment import check_open, enrol, lock_cohort, next_waitlist_position, seats_taken
from talent.workshops.import_files import Row, Table, cell_text, read_table
from talent.workshops.models import Cohort, Enrolment, EnrolmentSource, EnrolmentStatus

REQUIRED = ("name_latin", "email")
OPTIONAL = ("name_native", "nationality", "date_of_birth")
TEMPLATE_COLUMNS = ("name_latin", "name_native", "email", "nationality", "date_of_birth")
CHUNK = 500
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Columns of the file → arguments of add_person.
_PERSON_FIELDS = (
    ("name_latin", "name_latin"),
    ("name_native", "name_native"),
    ("email", "email"),
    ("nationality", "nationality_code"),
)
# A list places people who are not in the cohort yet, and approves their pending requests.
# Anyone else stays as they are: someone who withdrew is not put back by an old list (staff
# enrol them one by one if they return), which also keeps a re-uploaded list from changing anything.
_PLACED = (None, EnrolmentStatus.PENDING)


class Outcome(StrEnum):
    ENROL = "enrol"
    WAITLIST = "waitlist"
    ALREADY = "already"
    DUPLICATE = "duplicate"
    ERROR = "error"


@dataclass
class RowPlan:
    line: int
    outcome: Outcome
    name_latin: str = ""
    name_native: str = ""
    email: str = ""
    is_new_person: bool = False
    position: int | None = None  # place on the waitlist, planned or current
    status: EnrolmentStatus | None = None  # the enrolment already there, if any
    duplicate_of: int | None = None
    name_differs: bool = False  # the person found by e-mail is on record under another name
    errors: list[str] = field(default_factory=list)


@dataclass
class Plan:
    rows: list[RowPlan]
    ignored: list[str]
    format: str

    @property
    def counts(self) -> Counter:
        counts = Counter(row.outcome for row in self.rows)
        counts["new_person"] = sum(
            1 for row in self.rows if row.is_new_person and row.outcome in (Outcome.ENROL, Outcome.WAITLIST)
        )
        return counts

    @property
    def errors(self) -> list[RowPlan]:
        return [row for row in self.rows if row.outcome == Outcome.ERROR]

    @property
    def to_apply(self) -> int:
        counts = self.counts
        return counts[Outcome.ENROL] + counts[Outcome.WAITLIST]


@dataclass
class Applied:
    counts: Counter = field(default_factory=Counter)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, message)


@dataclass
class _Checked:
    row: Row
    values: dict
    errors: list[str]
    duplicate_of: int | None = None


def read_enrolment_table(data: bytes) -> Table:
    return read_table(data, required=REQUIRED, optional=OPTIONAL)


def _birth_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if not text:
        return None
    if not _ISO_DATE.fullmatch(text):
        raise ValidationFailed(_("Write the date as YYYY-MM-DD, for example 1998-05-01."), field="born_on")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(_("There is no such date."), field="born_on") from None


def _check(row: Row, table: Table, today: date) -> _Checked:
    values: dict = {}
    problems: list[tuple[str, str]] = []
    for key in row.formulas:
        problems.append((key, _("This cell holds a formula; type the value itself.")))
    for key, argument in _PERSON_FIELDS:
        if key in row.values and key not in row.formulas:
            try:
                values.update(validate_person_values(today=today, **{argument: cell_text(row.values[key])}))
            except ValidationFailed as error:
                problems.append((key, error.message))
    if not values.get("email") and not any(key == "email" for key, _message in problems):
        problems.append(
            (
                "email",
                _("An e-mail address is needed: it recognises the person when a list is uploaded again."),
            )
        )
    if "date_of_birth" in row.values and "date_of_birth" not in row.formulas:
        try:
            born_on = _birth_date(row.values["date_of_birth"])
            values.update(validate_person_values(today=today, born_on=born_on))
        except ValidationFailed as error:
            problems.append(("date_of_birth", error.message))
    problems.sort(key=lambda item: (len(table.letters[item[0]]), table.letters[item[0]]))
    errors = [
        _("%(where)s: %(message)s", where=table.where(row.line, key), message=message)
        for key, message in problems
    ]
    return _Checked(row, values, errors)


def _checked_chunks(table: Table, today: date) -> Iterator[list[_Checked]]:
    """Rows checked one chunk at a time; a later line with an e-mail already seen is a duplicate."""
    seen: dict[str, int] = {}
    for start in range(0, len(table.rows), CHUNK):
        chunk = [_check(row, table, today) for row in table.rows[start : start + CHUNK]]
        for item in chunk:
            if item.errors:
                continue
            email = item.values["email"]
            item.duplicate_of = seen.get(email)
            if item.duplicate_of is None:
                seen[email] = item.row.line
        yield chunk


def _people_by_email(emails: set[str]) -> dict[str, Person]:
    """Like find_person_by_email for a whole chunk: an account's own profile first, else the oldest."""
    if not emails:
        return {}
    people = db.session.scalars(
        select(Person)
        .where(Person.email.in_(sorted(emails)))
        .order_by(Person.user_id.is_(None), Person.id)
        .options(lazyload(Person.nationality), lazyload(Person.affiliation))
    )
    found: dict[str, Person] = {}
    for person in people:
        found.setdefault(person.email.lower(), person)
    return found


def _enrolments_of(cohort: Cohort, person_ids: set[int]) -> dict[int, tuple[EnrolmentStatus, int | None]]:
    if not person_ids:
        return {}
    rows = db.session.execute(
        select(Enrolment.person_id, Enrolment.status, Enrolment.waitlist_position).where(
            Enrolment.cohort_id == cohort.id, Enrolment.person_id.in_(sorted(person_ids))
        )
    )
    return {person_id: (status, position) for person_id, status, position in rows}


def _lookups(chunk: list[_Checked], cohort: Cohort):
    emails = {item.values["email"] for item in chunk if not item.errors and item.duplicate_of is None}
    people = _people_by_email(emails)
    return people, _enrolments_of(cohort, {person.id for person in people.values()})


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _load_countries() -> list[Country]:
    # Nationality checks look countries up one by one; holding them all keeps those lookups in
    # the session's identity map instead of one query per row.
    return list(db.session.scalars(select(Country)))


def plan_enrolments(cohort: Cohort, table: Table, *, today: date | None = None) -> Plan:
    """What importing `table` into `cohort` would do, row by row. Writes nothing."""
    today = today or date.today()
    check_open(cohort, today=today, self_service=False)
    countries = _load_countries()
    free = max(cohort.capacity - seats_taken(cohort), 0)
    next_position = next_waitlist_position(cohort)
    plan = Plan(rows=[], ignored=table.ignored, format=table.format)
    for chunk in _checked_chunks(table, today):
        people, enrolments = _lookups(chunk, cohort)
        for item in chunk:
            values = item.values
            row = RowPlan(
                line=item.row.line,
                outcome=Outcome.ERROR,
                name_latin=values.get("name_latin") or cell_text(item.row.values.get("name_latin")),
                name_native=values.get("name_native") or "",
                email=values.get("email") or cell_text(item.row.values.get("email")),
                errors=item.errors,
                duplicate_of=item.duplicate_of,
            )
            plan.rows.append(row)
            if item.errors:
                continue
            if item.duplicate_of is not None:
                row.outcome = Outcome.DUPLICATE
                continue
            person = people.get(values["email"])
            row.is_new_person = person is None
            if person is not None:
                row.name_differs = not _same_name(person.name_latin, values["name_latin"])
                row.status, row.position = enrolments.get(person.id, (None, None))
            if row.status not in _PLACED:
                row.outcome = Outcome.ALREADY
            elif free > 0:
                row.outcome, free = Outcome.ENROL, free - 1
            else:
                row.outcome, row.position = Outcome.WAITLIST, next_position
                next_position += 1
    del countries
    return plan


def apply_enrolments(
    cohort: Cohort,
    table: Table,
    *,
    actor=None,
    today: date | None = None,
    on_chunk: Callable[[int, int, list[tuple[int, str]]], None] | None = None,
) -> Applied:
    """Create the people not yet known and enrol everyone, in the order of the list.

    Each row is its own savepoint: a row refused by the rules leaves nothing behind and the
    others go on. After each chunk, `on_chunk(done, total, errors_of_the_chunk)` is called
    (a background job commits there and reports progress).
    """
    today = today or date.today()
    check_open(cohort, today=today, self_service=False)
    cohort_id = cohort.id
    countries = _load_countries()
    applied = Applied()
    done = 0
    for chunk in _checked_chunks(table, today):
        counts, chunk_errors = _apply_chunk(chunk, cohort_id, actor=actor, today=today)
        applied.counts.update(counts)
        done += len(chunk)
        applied.errors.extend(chunk_errors)
        if on_chunk is not None:
            on_chunk(done, len(table.rows), chunk_errors)
    del countries
    return applied


def _apply_chunk(chunk: list[_Checked], cohort_id: int, *, actor, today: date):
    counts: Counter = Counter()
    chunk_errors: list[tuple[int, str]] = []
    # Locked before the lookups: a second import of the same people into this cohort waits
    # here, then finds the people this one created instead of creating them again.
    cohort = lock_cohort(cohort_id)
    people, enrolments = _lookups(chunk, cohort)
    reserve_new_emails(
        item.values["email"]
        for item in chunk
        if not item.errors and item.duplicate_of is None and item.values["email"] not in people
    )
    for item in chunk:
        line = item.row.line
        if item.errors:
            counts[Outcome.ERROR] += 1
            chunk_errors.append((line, " ".join(item.errors)))
            continue
        if item.duplicate_of is not None:
            counts[Outcome.DUPLICATE] += 1
            continue
        person = people.get(item.values["email"])
        is_new = person is None
        before = None if is_new else enrolments.get(person.id, (None, None))[0]
        if before not in _PLACED:
            counts[Outcome.ALREADY] += 1
            continue
        try:
            with db.session.begin_nested():
                if is_new:
                    person, is_new = add_person(**item.values, actor=actor, today=today)
                    if not is_new:  # made by someone else (another upload, a form) a moment ago
                        before = _enrolments_of(cohort, {person.id}).get(person.id, (None, None))[0]
                result = None
                if before in _PLACED:
                    result = enrol(cohort, person, source=EnrolmentSource.IMPORT, actor=actor, today=today)
        except DomainError as error:
            counts[Outcome.ERROR] += 1
            chunk_errors.append((line, _("line %(line)d: %(message)s", line=line, message=error.message)))
            continue
        if is_new:
            counts["new_person"] += 1
        if result is None or (before is None and not result.created):  # enrolled a moment ago
            counts[Outcome.ALREADY] += 1
        elif result.status == EnrolmentStatus.ENROLLED:
            counts[Outcome.ENROL] += 1
        else:
            counts[Outcome.WAITLIST] += 1
    return counts, chunk_errors


def template_notes(cohort: Cohort) -> list[str]:
    return [
        _(
            "Trainee list for %(course)s (%(code)s), cohort from %(start)s to %(end)s.",
            course=cohort.course.title,
            code=cohort.course.code,
            start=cohort.starts_on.isoformat(),
            end=cohort.ends_on.isoformat(),
        ),
        _("One trainee per line, below the line naming the columns. Lines starting with # are ignored."),
        _("name_latin (required): the name as in the passport, in Latin letters."),
        _("name_native: the name in the person's own script, for example 王小明, أحمد محمد or አበበ ቢቂላ."),
        _(
            "email (required): recognises the person. Someone already known with this address is "
            "enrolled, not created again, and uploading the same list again changes nothing."
        ),
        _("nationality: the two-letter ISO 3166 country code, for example KE, ET, PK or CN."),
        _("date_of_birth: written YYYY-MM-DD, for example 1998-05-01."),
        _("Beyond the cohort's capacity, trainees go on the waitlist in the order of the list."),
        _(
            "Cells must hold values, not formulas. Save the file as “CSV UTF-8” or as an Excel workbook (.xlsx)."
        ),
    ]
