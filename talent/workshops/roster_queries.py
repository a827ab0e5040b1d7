"""Reads for the cohort page and its roster, the trainee's own page and the institution dashboard.

Attendance is never loaded row by row for a list: per enrolment, one grouped query counts the
sessions marked present and excused, and `Tally` turns those counts into the attendance list
that `completion.assess` takes — so the figures on every page are the ones closing will use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import contains_eager, raiseload
from sqlalchemy.orm.attributes import set_committed_value

from talent.core.pagination import Page, paginate
from talent.extensions import db
from talent.reference.models import Person
from talent.workshops.completion import Completion, assess
from talent.workshops.enrolment import SEAT_HOLDING
from talent.workshops.models import (
    Attendance,
    AttendanceStatus,
    Cohort,
    CohortSession,
    Course,
    Enrolment,
    EnrolmentStatus,
)

SORTS = ("name", "status", "attendance", "score")
FINISHED = (EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)
# Order of the status sort: people holding seats first, then those waiting, then the rest.
STATUS_ORDER = {
    EnrolmentStatus.ENROLLED: 0,
    EnrolmentStatus.COMPLETED: 1,
    EnrolmentStatus.NOT_COMPLETED: 2,
    EnrolmentStatus.WAITLISTED: 3,
    EnrolmentStatus.PENDING: 4,
    EnrolmentStatus.WITHDRAWN: 5,
}


@dataclass(frozen=True)
class Tally:
    """How many sessions a cohort has, and how many of them a trainee was marked present / excused."""

    sessions: int
    present: int = 0
    excused: int = 0

    @property
    def counted(self) -> int:
        return self.sessions - self.excused

    def as_attendance(self) -> list[AttendanceStatus | None]:
        # `assess` looks only at how many sessions have each mark, not at their order;
        # None stands for a session with no mark (absent or not recorded).
        unmarked = self.sessions - self.present - self.excused
        return (
            [AttendanceStatus.PRESENT] * self.present
            + [AttendanceStatus.EXCUSED] * self.excused
            + [None] * unmarked
        )


@dataclass(frozen=True)
class Row:
    """One enrolment as the roster, the export and the trainee's page show it."""

    enrolment: Enrolment
    tally: Tally
    result: Completion | None  # the fixed outcome once finished, the would-be one while enrolled

    @property
    def is_final(self) -> bool:
        return self.enrolment.status in FINISHED


def result_of(enrolment: Enrolment, course: Course, tally: Tally) -> Completion | None:
    if enrolment.status in FINISHED and enrolment.outcome:
        outcome = enrolment.outcome
        return Completion(
            completed=bool(outcome.get("completed")),
            attendance_pct=_decimal(outcome.get("attendance_pct")),
            weighted_score=_decimal(outcome.get("weighted_score")),
            reasons=tuple(outcome.get("reasons") or ()),
        )
    if enrolment.status == EnrolmentStatus.ENROLLED:
        return assess(course, tally.as_attendance(), enrolment.theory_score, enrolment.practical_score)
    return None


def _decimal(value) -> Decimal | None:
    return Decimal(value) if value is not None else None


# --- counts ----------------------------------------------------------------------------------


def _present_excused_columns():
    present = func.sum(case((Attendance.status == AttendanceStatus.PRESENT, 1), else_=0))
    excused = func.sum(case((Attendance.status == AttendanceStatus.EXCUSED, 1), else_=0))
    return present, excused


def _marks_of_own_sessions(stmt: Select) -> Select:
    """Only marks for sessions of the enrolment's own cohort count."""
    return stmt.join(Enrolment, Enrolment.id == Attendance.enrolment_id).join(
        CohortSession,
        and_(CohortSession.id == Attendance.session_id, CohortSession.cohort_id == Enrolment.cohort_id),
    )


def attendance_counts(
    enrolment_ids: Iterable[int] = (), *, cohort: Cohort | None = None
) -> dict[int, tuple[int, int]]:
    """{enrolment id: (sessions present, sessions excused)}, in one grouped query, for the
    enrolments named or for every enrolment of `cohort`."""
    present, excused = _present_excused_columns()
    stmt = _marks_of_own_sessions(select(Attendance.enrolment_id, present, excused))
    if cohort is not None:
        stmt = stmt.where(Enrolment.cohort_id == cohort.id)
    else:
        ids = list(enrolment_ids)
        if not ids:
            return {}
        stmt = stmt.where(Attendance.enrolment_id.in_(ids))
    rows = db.session.execute(stmt.group_by(Attendance.enrolment_id))
    return {eid: (int(p or 0), int(e or 0)) for eid, p, e in rows}


def session_counts(cohort_ids: Iterable[int]) -> dict[int, int]:
    ids = list(set(cohort_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(CohortSession.cohort_id, func.count())
        .where(CohortSession.cohort_id.in_(ids))
        .group_by(CohortSession.cohort_id)
    )
    return dict(rows.all())


def rows_for(
    enrolments: list[Enrolment], sessions_by_cohort: dict[int, int], counts: dict | None = None
) -> list[Row]:
    if counts is None:
        counts = attendance_counts(e.id for e in enrolments)
    rows = []
    for enrolment in enrolments:
        present, excused = counts.get(enrolment.id, (0, 0))
        tally = Tally(sessions_by_cohort.get(enrolment.cohort_id, 0), present, excused)
        rows.append(Row(enrolment, tally, result_of(enrolment, enrolment.cohort.course, tally)))
    return rows


def status_counts(cohort: Cohort) -> dict[EnrolmentStatus, int]:
    rows = db.session.execute(
        select(Enrolment.status, func.count())
        .where(Enrolment.cohort_id == cohort.id)
        .group_by(Enrolment.status)
    )
    return {EnrolmentStatus(status): count for status, count in rows}


@dataclass(frozen=True)
class Seats:
    capacity: int
    by_status: dict[EnrolmentStatus, int]

    @property
    def taken(self) -> int:
        return sum(self.by_status.get(s, 0) for s in SEAT_HOLDING)

    @property
    def left(self) -> int:
        return max(self.capacity - self.taken, 0)

    @property
    def waitlisted(self) -> int:
        return self.by_status.get(EnrolmentStatus.WAITLISTED, 0)

    @property
    def pending(self) -> int:
        return self.by_status.get(EnrolmentStatus.PENDING, 0)

    @property
    def completed(self) -> int:
        return self.by_status.get(EnrolmentStatus.COMPLETED, 0)

    @property
    def finished(self) -> int:
        return sum(self.by_status.get(s, 0) for s in FINISHED)

    @property
    def completion_rate(self) -> Decimal | None:
        if not self.finished:
            return None
        return (Decimal(100 * self.completed) / self.finished).quantize(Decimal("0.1"))


def seats(cohort: Cohort) -> Seats:
    return Seats(cohort.capacity, status_counts(cohort))


def sessions_of(cohort: Cohort) -> list[CohortSession]:
    return list(
        db.session.scalars(
            select(CohortSession)
            .where(CohortSession.cohort_id == cohort.id)
            .order_by(CohortSession.held_on, CohortSession.id)
        )
    )


# --- the roster ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterFilter:
    search: str = ""
    status: EnrolmentStatus | None = None
    sort: str = "name"
    descending: bool = False

    def as_args(self) -> dict[str, str]:
        args = {}
        if self.search:
            args["q"] = self.search
        if self.status:
            args["status"] = self.status.value
        if self.sort != "name":
            args["sort"] = self.sort
        if self.descending:
            args["order"] = "desc"
        return args


def _contains(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _with_person(stmt: Select) -> Select:
    # The person and their nationality come in the same query; nothing else of them is needed.
    return stmt.join(Enrolment.person).options(
        contains_eager(Enrolment.person).joinedload(Person.nationality),
        contains_eager(Enrolment.person).raiseload(Person.affiliation),
        contains_eager(Enrolment.person).raiseload(Person.user),
    )


def _attendance_share(cohort: Cohort, sessions: int):
    present, excused = _present_excused_columns()
    marks = (
        select(
            Attendance.enrolment_id.label("enrolment_id"), present.label("present"), excused.label("excused")
        )
        .join(CohortSession, CohortSession.id == Attendance.session_id)
        .where(CohortSession.cohort_id == cohort.id)
        .group_by(Attendance.enrolment_id)
        .subquery()
    )
    counted = literal(sessions) - func.coalesce(marks.c.excused, 0)
    share = func.coalesce(marks.c.present, 0) * literal(100.0) / func.nullif(counted, 0)
    return marks, share


def roster_statement(cohort: Cohort, filters: RosterFilter, *, sessions: int) -> Select:
    stmt = _with_person(select(Enrolment).where(Enrolment.cohort_id == cohort.id))
    if filters.search:
        pattern = _contains(filters.search)
        stmt = stmt.where(
            or_(
                Person.name_latin.ilike(pattern, escape="\\"),
                Person.name_native.ilike(pattern, escape="\\"),
                Person.email.ilike(pattern, escape="\\"),
            )
        )
    if filters.status:
        stmt = stmt.where(Enrolment.status == filters.status)

    def direction(column):
        ordered = column.desc() if filters.descending else column.asc()
        return ordered.nulls_last()

    if filters.sort == "status":
        rank = case(*((Enrolment.status == status, rank) for status, rank in STATUS_ORDER.items()), else_=9)
        order = [direction(rank), Enrolment.waitlist_position.asc().nulls_last()]
    elif filters.sort == "attendance":
        marks, share = _attendance_share(cohort, sessions)
        stmt = stmt.outerjoin(marks, marks.c.enrolment_id == Enrolment.id)
        order = [direction(share)]
    elif filters.sort == "score":
        course = cohort.course
        weighted = (
            Enrolment.theory_score * course.theory_weight
            + Enrolment.practical_score * course.practical_weight
        )
        order = [direction(weighted)]
    else:
        name = Person.name_latin.desc() if filters.descending else Person.name_latin.asc()
        return stmt.order_by(name, Enrolment.id.desc() if filters.descending else Enrolment.id)
    return stmt.order_by(*order, Person.name_latin, Enrolment.id)


def _attach(enrolments: list[Enrolment], cohort: Cohort) -> None:
    # The cohort is already loaded; telling each row spares a lookup per row (and is no change).
    for enrolment in enrolments:
        set_committed_value(enrolment, "cohort", cohort)


def roster_page(cohort: Cohort, filters: RosterFilter, *, per_page: int, sessions: int) -> Page:
    stmt = roster_statement(cohort, filters, sessions=sessions)
    page = paginate(stmt, per_page=per_page, args={"cohort_id": cohort.id, **filters.as_args()})
    _attach(page.items, cohort)
    page.items = rows_for(page.items, {cohort.id: sessions})
    return page


def all_roster_rows(cohort: Cohort) -> list[Row]:
    """Every enrolment of the cohort (exports): seat holders first, then the waitlist in order."""
    sessions = session_counts([cohort.id]).get(cohort.id, 0)
    enrolments = list(
        db.session.scalars(roster_statement(cohort, RosterFilter(sort="status"), sessions=sessions)).unique()
    )
    _attach(enrolments, cohort)
    return rows_for(enrolments, {cohort.id: sessions}, attendance_counts(cohort=cohort))


def seat_holders(cohort: Cohort) -> list[Enrolment]:
    """The trainees attendance and scores are for, by name: those enrolled while the cohort
    runs; once it is closed, those it finished with (their records shown, no longer changed)."""
    statuses = FINISHED if cohort.is_closed else (EnrolmentStatus.ENROLLED,)
    stmt = _with_person(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(statuses))
    ).order_by(Person.name_latin, Enrolment.id)
    enrolments = list(db.session.scalars(stmt).unique())
    _attach(enrolments, cohort)
    return enrolments


def marks_for(session: CohortSession) -> dict[int, AttendanceStatus]:
    rows = db.session.execute(
        select(Attendance.enrolment_id, Attendance.status).where(Attendance.session_id == session.id)
    )
    return {eid: AttendanceStatus(status) for eid, status in rows}


# --- the trainee's own page ------------------------------------------------------------------


def rows_of_person(person: Person) -> list[Row]:
    """Every enrolment of `person`, newest cohort first (a person has a handful, not thousands)."""
    enrolments = list(
        db.session.scalars(
            select(Enrolment)
            .join(Enrolment.cohort)
            .where(Enrolment.person_id == person.id)
            .options(contains_eager(Enrolment.cohort), raiseload(Enrolment.person))
            .order_by(Cohort.starts_on.desc(), Enrolment.id.desc())
        ).unique()
    )
    return rows_for(enrolments, session_counts(e.cohort_id for e in enrolments))
