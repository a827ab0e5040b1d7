"""Luban workshop courses, their cohorts and sessions, enrolments, attendance and scores."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from talent.core.db import Base, created_at, enum_column, intpk, utcnow
from talent.core.errors import IllegalTransition
from talent.core.permissions import Role
from talent.reference.models import Institution, Person


class Course(Base):
    """What is taught: the same course runs as many cohorts at many sites."""

    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint("theory_weight + practical_weight = 100", name="weights_total_100"),
        CheckConstraint("pass_mark BETWEEN 0 AND 100", name="pass_mark_range"),
        CheckConstraint("min_attendance_pct BETWEEN 0 AND 100", name="min_attendance_range"),
        CheckConstraint("theory_hours >= 0 AND practice_hours >= 0", name="hours_not_negative"),
    )

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))  # English title, always present
    # Titles in other interface languages, {"zh": "工业机器人操作与维护", "fr": "..."}.
    titles: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    description: Mapped[str] = mapped_column(Text, default="")
    field_code: Mapped[str | None] = mapped_column(String(8))  # ISCED-F 2013
    isced_level: Mapped[int | None] = mapped_column(Integer)  # ISCED 2011, 0–8
    framework_level: Mapped[str | None] = mapped_column(String(60))  # e.g. "China vocational skill level 3"
    theory_hours: Mapped[int] = mapped_column(Integer, default=0)
    practice_hours: Mapped[int] = mapped_column(Integer, default=0)
    competencies: Mapped[list[str]] = mapped_column(JSON, default=list)  # learning outcomes, in order
    theory_weight: Mapped[int] = mapped_column(Integer, default=30)  # % of the final score
    practical_weight: Mapped[int] = mapped_column(Integer, default=70)
    pass_mark: Mapped[int] = mapped_column(Integer, default=60)
    min_attendance_pct: Mapped[int] = mapped_column(Integer, default=80)
    created_at: Mapped[created_at]

    cohorts: Mapped[list[Cohort]] = relationship(back_populates="course", lazy="raise")

    @property
    def total_hours(self) -> int:
        return self.theory_hours + self.practice_hours

    @property
    def practice_share(self) -> int:
        """Per cent of the hours spent in practice (Luban workshops are practice-heavy)."""
        return round(100 * self.practice_hours / self.total_hours) if self.total_hours else 0

    def title_in(self, locale: str) -> str:
        return self.titles.get(locale) or self.title

    def can_view(self, user) -> bool:
        return True  # the catalogue is public

    def can_manage(self, user) -> bool:
        return user.is_authenticated and user.is_admin


class CohortStatus(StrEnum):
    OPEN = "open"  # planned or running; enrolment follows the enrolment window
    CLOSED = "closed"  # outcomes fixed
    CANCELLED = "cancelled"


class Cohort(Base):
    """One run of a course at a host site, with a Chinese partner institution."""

    __tablename__ = "cohorts"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        CheckConstraint("enrolment_closes_on >= enrolment_opens_on", name="window_in_order"),
    )

    id: Mapped[intpk]
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    host_institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    partner_institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(8))  # ISO 639-1 language of instruction
    capacity: Mapped[int] = mapped_column(Integer)
    enrolment_opens_on: Mapped[date] = mapped_column(Date)
    enrolment_closes_on: Mapped[date] = mapped_column(Date)
    instructors: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[CohortStatus] = enum_column(CohortStatus, default=CohortStatus.OPEN)
    closed_at: Mapped[datetime | None]
    created_at: Mapped[created_at]

    course: Mapped[Course] = relationship(back_populates="cohorts", lazy="joined")
    host: Mapped[Institution] = relationship(foreign_keys=[host_institution_id], lazy="joined")
    partner: Mapped[Institution] = relationship(foreign_keys=[partner_institution_id], lazy="joined")
    sessions: Mapped[list[CohortSession]] = relationship(
        back_populates="cohort",
        order_by="CohortSession.held_on, CohortSession.id",
        lazy="raise",
        cascade="all, delete-orphan",
    )

    @property
    def is_closed(self) -> bool:
        return self.status != CohortStatus.OPEN

    def is_enrolment_open(self, today: date) -> bool:
        return (
            self.status == CohortStatus.OPEN and self.enrolment_opens_on <= today <= self.enrolment_closes_on
        )

    def close(self) -> None:
        if self.status != CohortStatus.OPEN:
            raise IllegalTransition(_("This cohort is already closed."))
        self.status = CohortStatus.CLOSED
        self.closed_at = utcnow()

    def can_view(self, user) -> bool:
        return True  # dates, site and seats are public in the catalogue; the roster is not

    def can_manage(self, user) -> bool:
        """Admins, and staff of the host site or of the partner institution."""
        if not user.is_authenticated:
            return False
        if user.is_admin:
            return True
        return Role.INSTITUTION in user.role_set and user.institution_id in (
            self.host_institution_id,
            self.partner_institution_id,
        )


class SessionKind(StrEnum):
    THEORY = "theory"
    PRACTICE = "practice"


class CohortSession(Base):
    """A dated teaching session; attendance is recorded per session."""

    __tablename__ = "cohort_sessions"
    __table_args__ = (UniqueConstraint("cohort_id", "held_on", "title"),)

    id: Mapped[intpk]
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[SessionKind] = enum_column(SessionKind, default=SessionKind.PRACTICE)
    hours: Mapped[Decimal] = mapped_column(Numeric(4, 1), default=Decimal("4.0"))

    cohort: Mapped[Cohort] = relationship(back_populates="sessions", lazy="raise")


class EnrolmentStatus(StrEnum):
    PENDING = "pending"
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    COMPLETED = "completed"
    NOT_COMPLETED = "not_completed"
    WITHDRAWN = "withdrawn"


OPEN_STATES = frozenset({EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED})


class EnrolmentSource(StrEnum):
    STAFF = "staff"
    SELF = "self"
    IMPORT = "import"
    API = "api"


class Enrolment(Base):
    """A person's place in a cohort: pending → enrolled | waitlisted → completed | not_completed."""

    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("cohort_id", "person_id"),
        Index("ix_enrolments_cohort_status_position", "cohort_id", "status", "waitlist_position", "id"),
        CheckConstraint("theory_score IS NULL OR theory_score BETWEEN 0 AND 100", name="theory_score_range"),
        CheckConstraint(
            "practical_score IS NULL OR practical_score BETWEEN 0 AND 100", name="practical_score_range"
        ),
    )

    id: Mapped[intpk]
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    status: Mapped[EnrolmentStatus] = enum_column(EnrolmentStatus, default=EnrolmentStatus.PENDING)
    # Place in the waitlist (1 = next to be promoted); None unless waitlisted.
    waitlist_position: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[EnrolmentSource] = enum_column(EnrolmentSource, default=EnrolmentSource.STAFF)
    theory_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    practical_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    # Why the outcome is what it is, fixed when the cohort closes (e.g. "attendance 72 % < 80 %").
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    cohort: Mapped[Cohort] = relationship(lazy="raise")
    person: Mapped[Person] = relationship(lazy="raise")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    def _move(self, allowed_from: set[EnrolmentStatus], to: EnrolmentStatus) -> None:
        if self.status not in allowed_from:
            from talent.workshops.labels import ENROLMENT_STATUS  # labels import this module

            raise IllegalTransition(
                _(
                    "An enrolment that is %(state)s cannot become %(target)s.",
                    state=ENROLMENT_STATUS[self.status],
                    target=ENROLMENT_STATUS[to],
                )
            )
        self.status = to

    def enrol(self) -> None:
        self._move({EnrolmentStatus.PENDING, EnrolmentStatus.WAITLISTED}, EnrolmentStatus.ENROLLED)
        self.waitlist_position = None

    def waitlist(self, position: int) -> None:
        self._move({EnrolmentStatus.PENDING}, EnrolmentStatus.WAITLISTED)
        self.waitlist_position = position

    def withdraw(self) -> None:
        self._move(set(OPEN_STATES), EnrolmentStatus.WITHDRAWN)
        self.waitlist_position = None

    def reopen(self) -> None:
        """A withdrawn trainee asks again: back to pending, to be placed like a new request."""
        self._move({EnrolmentStatus.WITHDRAWN}, EnrolmentStatus.PENDING)

    def finish(self, completed: bool, outcome: dict[str, Any]) -> None:
        target = EnrolmentStatus.COMPLETED if completed else EnrolmentStatus.NOT_COMPLETED
        self._move({EnrolmentStatus.ENROLLED}, target)
        self.outcome = outcome

    def can_view(self, user) -> bool:
        if not user.is_authenticated:
            return False
        return self.person.user_id == user.id or self.cohort.can_manage(user)

    def can_manage(self, user) -> bool:
        return self.cohort.can_manage(user)


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"


class Attendance(Base):
    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("enrolment_id", "session_id"),)

    id: Mapped[intpk]
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_sessions.id", ondelete="CASCADE"), index=True)
    status: Mapped[AttendanceStatus] = enum_column(AttendanceStatus)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
