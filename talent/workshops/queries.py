"""Reads for workshop pages: the course catalogue, a course's open cohorts, a cohort's sessions,
and the choices the course and cohort forms offer. Each page costs a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import Select, exists, func, select

from talent.core.pagination import Page, paginate
from talent.extensions import db
from talent.reference.models import Country, Institution
from talent.workshops.checks import HOST_KINDS, PARTNER_COUNTRY
from talent.workshops.enrolment import SEAT_HOLDING
from talent.workshops.models import Attendance, Cohort, CohortSession, CohortStatus, Course, Enrolment


def is_running(today: date):
    """Open cohorts: not closed or cancelled, and not over yet."""
    return (Cohort.status == CohortStatus.OPEN) & (Cohort.ends_on >= today)


# --- catalogue -----------------------------------------------------------------------------


def catalogue_page(
    *,
    today: date,
    field_code: str | None = None,
    isced_level: int | None = None,
    country_code: str | None = None,
    number: int | None = None,
    args: dict | None = None,
    per_page: int,
) -> Page:
    stmt: Select = select(Course)
    if field_code:
        stmt = stmt.where(Course.field_code == field_code)
    if isced_level is not None:
        stmt = stmt.where(Course.isced_level == isced_level)
    if country_code:
        stmt = stmt.where(
            exists()
            .where(Cohort.course_id == Course.id, is_running(today))
            .where(Cohort.host_institution_id == Institution.id, Institution.country_code == country_code)
        )
    stmt = stmt.order_by(Course.title, Course.id)
    return paginate(stmt, per_page=per_page, number=number, args=args)


def countries_running(course_ids: list[int], *, today: date) -> dict[int, list[Country]]:
    """For each course, the countries that host an open cohort of it (one query for the page)."""
    if not course_ids:
        return {}
    rows = db.session.execute(
        select(Cohort.course_id, Country)
        .join(Institution, Institution.id == Cohort.host_institution_id)
        .join(Country, Country.code == Institution.country_code)
        .where(Cohort.course_id.in_(course_ids), is_running(today))
        .distinct()
        .order_by(Cohort.course_id, Country.name)
    )
    out: dict[int, list[Country]] = defaultdict(list)
    for course_id, country in rows:
        out[course_id].append(country)
    return out


def running_country_choices(*, today: date) -> list[tuple[str, str]]:
    """Countries that host at least one open cohort: the catalogue's country filter."""
    rows = db.session.execute(
        select(Country.code, Country.name)
        .where(
            exists()
            .where(Institution.country_code == Country.code, Cohort.host_institution_id == Institution.id)
            .where(is_running(today))
        )
        .order_by(Country.name)
    )
    return [(code, name) for code, name in rows]


def country_name(code: str) -> str | None:
    return db.session.scalar(select(Country.name).where(Country.code == code))


# --- a course's open cohorts ---------------------------------------------------------------


def open_cohorts_page(
    course: Course, *, today: date, number: int | None = None, args: dict | None = None, per_page: int
) -> Page:
    """Host, partner and the host's country come joined with each cohort (see Cohort's relationships)."""
    stmt = (
        select(Cohort)
        .where(Cohort.course_id == course.id, is_running(today))
        .order_by(Cohort.starts_on, Cohort.id)
    )
    return paginate(stmt, per_page=per_page, number=number, args=args)


def seats_left(cohorts: list[Cohort]) -> dict[int, int]:
    """Free seats per cohort, counted for all of them in one grouped query."""
    if not cohorts:
        return {}
    taken = dict(
        db.session.execute(
            select(Enrolment.cohort_id, func.count())
            .where(Enrolment.cohort_id.in_([c.id for c in cohorts]), Enrolment.status.in_(SEAT_HOLDING))
            .group_by(Enrolment.cohort_id)
        ).all()
    )
    return {c.id: max(c.capacity - taken.get(c.id, 0), 0) for c in cohorts}


# --- a cohort's sessions -------------------------------------------------------------------


def sessions_page(
    cohort: Cohort, *, number: int | None = None, args: dict | None = None, per_page: int
) -> Page:
    stmt = (
        select(CohortSession)
        .where(CohortSession.cohort_id == cohort.id)
        .order_by(CohortSession.held_on, CohortSession.id)
    )
    return paginate(stmt, per_page=per_page, number=number, args=args)


def attendance_counts(session_ids: list[int]) -> dict[int, int]:
    """How many attendance marks each session has (one grouped query); sessions with none are absent."""
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(Attendance.session_id, func.count())
        .where(Attendance.session_id.in_(session_ids))
        .group_by(Attendance.session_id)
    )
    return dict(rows.all())


def session_count(cohort: Cohort) -> int:
    return db.session.scalar(select(func.count()).where(CohortSession.cohort_id == cohort.id))


# --- form choices --------------------------------------------------------------------------


def course_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(select(Course.id, Course.code, Course.title).order_by(Course.code))
    return [(ident, f"{code} — {title}") for ident, code, title in rows]


def _institution_choices(stmt: Select) -> list[tuple[int, str]]:
    rows = db.session.execute(
        stmt.with_only_columns(
            Institution.id, Institution.name, Institution.city, Institution.country_code
        ).order_by(Institution.name, Institution.id)
    )
    return [
        (ident, f"{name} ({city + ', ' if city else ''}{country})") for ident, name, city, country in rows
    ]


def host_choices() -> list[tuple[int, str]]:
    return _institution_choices(select(Institution).where(Institution.kind.in_(HOST_KINDS)))


def partner_choices() -> list[tuple[int, str]]:
    return _institution_choices(select(Institution).where(Institution.country_code == PARTNER_COUNTRY))
