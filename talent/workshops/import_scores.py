"""Scores by uploaded list: theory and practical per trainee, a dry run first, then applied.

Values are checked and written by the same operations as the score form
(`progress.clean_score`, `progress.record_cohort_scores`), one chunk of rows at a time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from talent.core.errors import DomainError, ValidationFailed
from talent.extensions import db
from talent.reference.models import Person
from talent.workshops import progress
from talent.workshops.enrolment import lock_cohort
from talent.workshops.import_enrolments import CHUNK, Applied
from talent.workshops.import_files import FileRejected, Row, Table, cell_text, read_table
from talent.workshops.models import Cohort, Enrolment, EnrolmentStatus

REQUIRED = ("theory", "practical")
OPTIONAL = ("enrolment_id", "email")
# The score template names each trainee to help whoever fills it in; nothing reads those columns.
QUIET = ("name_latin", "name_native", "name")
TEMPLATE_COLUMNS = ("enrolment_id", "email", "name_latin", "theory", "practical")


def score_text(score: Decimal | None) -> str:
    return "" if score is None else format(score.normalize(), "f")


# --- upload ------------------------------------------------------------------------------------


class ScoreOutcome(StrEnum):
    CHANGE = "change"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"
    ERROR = "error"


@dataclass
class ScoreRow:
    line: int
    outcome: ScoreOutcome
    enrolment_id: int | None = None
    name_latin: str = ""
    email: str = ""
    theory_before: Decimal | None = None
    theory: Decimal | None = None
    practical_before: Decimal | None = None
    practical: Decimal | None = None
    duplicate_of: int | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class ScorePlan:
    rows: list[ScoreRow]
    ignored: list[str]
    format: str

    @property
    def counts(self) -> Counter:
        return Counter(row.outcome for row in self.rows)

    @property
    def errors(self) -> list[ScoreRow]:
        return [row for row in self.rows if row.outcome == ScoreOutcome.ERROR]

    @property
    def to_apply(self) -> int:
        return self.counts[ScoreOutcome.CHANGE]


def read_score_table(data: bytes) -> Table:
    table = read_table(data, required=REQUIRED, optional=OPTIONAL, quiet=QUIET)
    if not {"email", "enrolment_id"} & table.letters.keys():
        raise FileRejected(
            _("The list needs a column “email” or “enrolment_id” saying whose scores each line holds.")
        )
    return table


def roster(cohort: Cohort) -> list[Enrolment]:
    """Every enrolment of the cohort with its person, in one query."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.cohort_id == cohort.id)
            .options(
                joinedload(Enrolment.person).options(
                    lazyload(Person.nationality), lazyload(Person.affiliation)
                )
            )
            .order_by(Enrolment.id)
        ).unique()
    )


class _Index:
    def __init__(self, enrolments: list[Enrolment]):
        self.by_id = {enrolment.id: enrolment for enrolment in enrolments}
        self.by_email: dict[str, list[Enrolment]] = {}
        for enrolment in enrolments:
            if enrolment.person.email:
                self.by_email.setdefault(enrolment.person.email.lower(), []).append(enrolment)


def _whose(row: Row, index: _Index, fail) -> Enrolment | None:
    values = row.values
    ident = cell_text(values.get("enrolment_id")) if "enrolment_id" not in row.formulas else ""
    email = cell_text(values.get("email")).lower() if "email" not in row.formulas else ""
    if ident:
        enrolment = index.by_id.get(int(ident)) if ident.isdigit() else None
        if enrolment is None:
            fail("enrolment_id", _("This cohort has no enrolment number %(id)s.", id=ident))
        elif email and (enrolment.person.email or "").lower() != email:
            fail("email", _("This is not the e-mail address of enrolment %(id)s.", id=ident))
        return enrolment
    if email:
        matches = index.by_email.get(email, [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            fail(
                "email", _("Several trainees here share this e-mail address; give the enrolment_id instead.")
            )
        else:
            fail("email", _("Nobody in this cohort has this e-mail address."))
        return None
    if not (row.formulas & {"email", "enrolment_id"}):
        key = "email" if "email" in values else "enrolment_id"
        fail(key, _("Say whose scores these are: an e-mail address or an enrolment number."))
    return None


def _check(row: Row, table: Table, index: _Index) -> tuple[Enrolment | None, dict, list[str]]:
    problems: list[tuple[str, str]] = []

    def fail(key: str, message: str) -> None:
        problems.append((key, message))

    for key in row.formulas:
        fail(key, _("This cell holds a formula; type the value itself."))
    enrolment = _whose(row, index, fail)
    scores: dict = {}
    for key in ("theory", "practical"):
        if key in row.formulas:
            continue
        try:
            scores[key] = progress.clean_score(cell_text(row.values.get(key)), key)
        except ValidationFailed as error:
            fail(key, error.message)
    if enrolment is not None and enrolment.status != EnrolmentStatus.ENROLLED:
        key = "enrolment_id" if cell_text(row.values.get("enrolment_id")) else "email"
        fail(
            key, _("Only enrolled trainees get scores; this one is %(state)s.", state=enrolment.status.value)
        )
    problems.sort(key=lambda item: (len(table.letters[item[0]]), table.letters[item[0]]))
    errors = [
        _("%(where)s: %(message)s", where=table.where(row.line, key), message=message)
        for key, message in problems
    ]
    return enrolment, scores, errors


def _planned(
    row: Row, table: Table, index: _Index, seen: dict[int, int]
) -> tuple[ScoreRow, Enrolment | None]:
    enrolment, scores, errors = _check(row, table, index)
    item = ScoreRow(line=row.line, outcome=ScoreOutcome.ERROR, errors=errors)
    item.email = cell_text(row.values.get("email"))
    if enrolment is not None:
        item.enrolment_id = enrolment.id
        item.name_latin = enrolment.person.name_latin
        item.email = enrolment.person.email or item.email
    if errors:
        return item, None
    item.duplicate_of = seen.get(enrolment.id)
    if item.duplicate_of is not None:
        item.outcome = ScoreOutcome.DUPLICATE
        return item, None
    seen[enrolment.id] = row.line
    # An empty cell keeps the score on record: a list may bring only the theory results.
    item.theory_before, item.practical_before = enrolment.theory_score, enrolment.practical_score
    item.theory = item.theory_before if scores["theory"] is None else scores["theory"]
    item.practical = item.practical_before if scores["practical"] is None else scores["practical"]
    unchanged = item.theory == item.theory_before and item.practical == item.practical_before
    item.outcome = ScoreOutcome.UNCHANGED if unchanged else ScoreOutcome.CHANGE
    return item, enrolment


def _refuse_closed(cohort: Cohort) -> None:
    if cohort.is_closed:
        raise ValidationFailed(_("This cohort is closed; its scores are final."), field="file")


def plan_scores(cohort: Cohort, table: Table) -> ScorePlan:
    """What importing `table` would change, row by row. Writes nothing."""
    _refuse_closed(cohort)
    index = _Index(roster(cohort))
    seen: dict[int, int] = {}
    rows = [_planned(row, table, index, seen)[0] for row in table.rows]
    return ScorePlan(rows=rows, ignored=table.ignored, format=table.format)


def apply_scores(
    cohort: Cohort,
    table: Table,
    *,
    actor=None,
    on_chunk: Callable[[int, int, list[tuple[int, str]]], None] | None = None,
) -> Applied:
    """Write the scores the list changes; rows with errors are skipped and reported."""
    cohort_id = cohort.id
    _refuse_closed(cohort)
    seen: dict[int, int] = {}
    applied = Applied()
    for start in range(0, len(table.rows), CHUNK):
        # A background job commits after each chunk, which expires what was loaded: load afresh.
        cohort = lock_cohort(cohort_id)
        _refuse_closed(cohort)
        index = _Index(roster(cohort))
        chunk_errors: list[tuple[int, str]] = []
        batch: dict[int, tuple] = {}
        lines: dict[int, int] = {}
        for row in table.rows[start : start + CHUNK]:
            item, enrolment = _planned(row, table, index, seen)
            applied.counts[item.outcome] += 1
            if item.outcome == ScoreOutcome.ERROR:
                chunk_errors.append((row.line, " ".join(item.errors)))
            elif item.outcome == ScoreOutcome.CHANGE:
                batch[enrolment.id] = (item.theory, item.practical)
                lines[enrolment.id] = row.line
        chunk_errors.extend(_write(cohort, batch, lines, index, applied, actor))
        chunk_errors.sort()
        applied.errors.extend(chunk_errors)
        if on_chunk is not None:
            on_chunk(min(start + CHUNK, len(table.rows)), len(table.rows), chunk_errors)
    return applied


def _write(cohort, batch, lines, index, applied, actor) -> list[tuple[int, str]]:
    """The chunk's changes in one go; should the rules refuse one (the cohort closed, a trainee
    withdrew since the rows were read), row by row so that only that row is left out."""
    try:
        with db.session.begin_nested():
            progress.record_cohort_scores(cohort, batch, actor=actor)
        return []
    except DomainError:
        pass
    errors = []
    for enrolment_id, (theory, practical) in batch.items():
        try:
            with db.session.begin_nested():
                progress.record_scores(index.by_id[enrolment_id], theory, practical, actor=actor)
        except DomainError as error:
            line = lines[enrolment_id]
            applied.counts[ScoreOutcome.CHANGE] -= 1
            applied.counts[ScoreOutcome.ERROR] += 1
            errors.append((line, _("line %(line)d: %(message)s", line=line, message=error.message)))
    return errors


def template_rows(cohort: Cohort) -> list[tuple]:
    """The enrolled trainees with the scores on record, to fill in and upload again."""
    enrolled = [e for e in roster(cohort) if e.status == EnrolmentStatus.ENROLLED]
    enrolled.sort(key=lambda e: (e.person.name_latin.casefold(), e.id))
    return [
        (
            e.id,
            e.person.email or "",
            e.person.name_latin,
            score_text(e.theory_score),
            score_text(e.practical_score),
        )
        for e in enrolled
    ]


def template_notes(cohort: Cohort) -> list[str]:
    return [
        _(
            "Scores for %(course)s (%(code)s), cohort from %(start)s to %(end)s.",
            course=cohort.course.title,
            code=cohort.course.code,
            start=cohort.starts_on.isoformat(),
            end=cohort.ends_on.isoformat(),
        ),
        _("One enrolled trainee per line; lines starting with # are ignored."),
        _("enrolment_id or email says whose scores a line holds; name_latin is only there to help you."),
        _("theory and practical: a number from 0 to 100 with at most two decimals, for example 72.5."),
        _("An empty score cell keeps the score on record. Uploading the same list again changes nothing."),
        _(
            "Cells must hold values, not formulas. Save the file as “CSV UTF-8” or as an Excel workbook (.xlsx)."
        ),
    ]
