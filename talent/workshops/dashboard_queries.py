"""Reads for the institution dashboard: its cohorts with seats, waitlist and completion rates.

A page of cohorts costs the same few queries however many enrolments they hold: the counts per
cohort and status come from one grouped query for the page's cohorts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import joinedload

from talent.core.pagination import Page, paginate
from talent.extensions import db
from talent.workshops.models import Cohort, CohortStatus, Enrolment, EnrolmentStatus
from talent.workshops.roster_queries import FINISHED, Seats


@dataclass(frozen=True)
class CohortLine:
    cohort: Cohort
    seats: Seats


def _of_institution(stmt: Select, institution_id: int | None) -> Select:
    """Cohorts the institution hosts or partners; all of them for None (administrators)."""
    if institution_id is None:
        return stmt
    return stmt.where(
        or_(Cohort.host_institution_id == institution_id, Cohort.partner_institution_id == institution_id)
    )


def dashboard_statement(institution_id: int | None, status: CohortStatus | None) -> Select:
    stmt = _of_institution(select(Cohort), institution_id).options(
        joinedload(Cohort.course), joinedload(Cohort.host), joinedload(Cohort.partner)
    )
    if status is not None:
        stmt = stmt.where(Cohort.status == status)
    return stmt.order_by(Cohort.starts_on.desc(), Cohort.id.desc())


def dashboard_page(
    institution_id: int | None, *, status: CohortStatus | None, per_page: int, args: dict
) -> Page:
    page = paginate(dashboard_statement(institution_id, status), per_page=per_page, args=args)
    counts: dict[int, dict[EnrolmentStatus, int]] = {c.id: {} for c in page.items}
    if counts:
        rows = db.session.execute(
            select(Enrolment.cohort_id, Enrolment.status, func.count())
            .where(Enrolment.cohort_id.in_(counts))
            .group_by(Enrolment.cohort_id, Enrolment.status)
        )
        for cohort_id, status_value, count in rows:
            counts[cohort_id][EnrolmentStatus(status_value)] = count
    page.items = [CohortLine(c, Seats(c.capacity, counts[c.id])) for c in page.items]
    return page


@dataclass(frozen=True)
class Summary:
    cohorts: int
    open_cohorts: int
    closed_cohorts: int
    completed: int
    finished: int

    @property
    def completion_rate(self) -> Decimal | None:
        if not self.finished:
            return None
        return (Decimal(100 * self.completed) / self.finished).quantize(Decimal("0.1"))


def dashboard_summary(institution_id: int | None) -> Summary:
    """Totals over all the institution's cohorts; the completion rate is over closed cohorts."""
    cohorts = _of_institution(select(Cohort.id, Cohort.status), institution_id).subquery()
    counts = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((cohorts.c.status == CohortStatus.OPEN.value, 1), else_=0)), 0),
            func.coalesce(func.sum(case((cohorts.c.status == CohortStatus.CLOSED.value, 1), else_=0)), 0),
        ).select_from(cohorts)
    ).one()
    finished = db.session.execute(
        select(
            func.coalesce(func.sum(case((Enrolment.status == EnrolmentStatus.COMPLETED, 1), else_=0)), 0),
            func.count(),
        )
        .join(cohorts, cohorts.c.id == Enrolment.cohort_id)
        .where(cohorts.c.status == CohortStatus.CLOSED.value, Enrolment.status.in_(FINISHED))
    ).one()
    return Summary(int(counts[0]), int(counts[1]), int(counts[2]), int(finished[0]), int(finished[1]))
