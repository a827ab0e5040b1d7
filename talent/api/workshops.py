"""Schemas the workshop endpoints share (courses, cohorts, enrolments), and the reads behind them."""

from __future__ import annotations

import marshmallow as ma
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from talent.extensions import db
from talent.workshops.completion import reason_text
from talent.workshops.enrolment import SEAT_HOLDING
from talent.workshops.models import (
    AttendanceStatus,
    Cohort,
    CohortSession,
    CohortStatus,
    Enrolment,
    EnrolmentSource,
    EnrolmentStatus,
    SessionKind,
)

# --- cohorts -------------------------------------------------------------------------------


class CourseRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    title = ma.fields.String(required=True, metadata={"description": "Title in English"})


class InstitutionRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    country = ma.fields.String(
        attribute="country_code", required=True, metadata={"description": "ISO 3166-1 alpha-2 code"}
    )


class SeatsSchema(ma.Schema):
    capacity = ma.fields.Integer(required=True)
    taken = ma.fields.Integer(
        required=True, metadata={"description": "Enrolled, completed or not completed: never above capacity"}
    )
    waitlisted = ma.fields.Integer(required=True)
    pending = ma.fields.Integer(required=True, metadata={"description": "Requests awaiting approval"})


class CohortSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    course = ma.fields.Nested(CourseRefSchema, required=True)
    host = ma.fields.Nested(
        InstitutionRefSchema, required=True, metadata={"description": "The workshop site running it"}
    )
    partner = ma.fields.Nested(
        InstitutionRefSchema, required=True, metadata={"description": "The Chinese partner institution"}
    )
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    language = ma.fields.String(required=True, metadata={"description": "ISO 639-1 language of instruction"})
    enrolment_opens_on = ma.fields.Date(required=True)
    enrolment_closes_on = ma.fields.Date(required=True)
    instructors = ma.fields.List(ma.fields.String(), required=True)
    status = ma.fields.Enum(
        CohortStatus,
        by_value=True,
        required=True,
        metadata={"description": "open: enrolment follows the enrolment window; closed: outcomes fixed"},
    )
    closed_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    seats = ma.fields.Nested(SeatsSchema, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class SessionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    held_on = ma.fields.Date(required=True)
    title = ma.fields.String(required=True)
    kind = ma.fields.Enum(SessionKind, by_value=True, required=True)
    hours = ma.fields.Float(required=True)


class CohortDetailSchema(CohortSchema):
    sessions = ma.fields.List(
        ma.fields.Nested(SessionSchema), required=True, metadata={"description": "By date"}
    )


class CohortView:
    """A cohort with its seat counts (and sessions, for one cohort), read like the cohort itself."""

    def __init__(self, cohort: Cohort, seats: dict, sessions: list[CohortSession] | None = None):
        self._cohort = cohort
        self.seats = seats
        self.sessions = sessions

    def __getattr__(self, name):
        return getattr(self._cohort, name)


def with_seats(cohorts: list[Cohort]) -> list[CohortView]:
    """The cohorts of one page with their seat counts, in one query whatever the page size."""
    counts: dict[int, dict[EnrolmentStatus, int]] = {cohort.id: {} for cohort in cohorts}
    if cohorts:
        rows = db.session.execute(
            select(Enrolment.cohort_id, Enrolment.status, func.count())
            .where(Enrolment.cohort_id.in_(counts))
            .group_by(Enrolment.cohort_id, Enrolment.status)
        )
        for cohort_id, status, number in rows:
            counts[cohort_id][status] = number
    return [
        CohortView(
            cohort,
            {
                "capacity": cohort.capacity,
                "taken": sum(counts[cohort.id].get(status, 0) for status in SEAT_HOLDING),
                "waitlisted": counts[cohort.id].get(EnrolmentStatus.WAITLISTED, 0),
                "pending": counts[cohort.id].get(EnrolmentStatus.PENDING, 0),
            },
        )
        for cohort in cohorts
    ]


def cohort_detail(cohort: Cohort) -> CohortView:
    view = with_seats([cohort])[0]
    view.sessions = list(
        db.session.execute(
            select(CohortSession)
            .where(CohortSession.cohort_id == cohort.id)
            .order_by(CohortSession.held_on, CohortSession.id)
        ).scalars()
    )
    return view


# --- enrolments ----------------------------------------------------------------------------


class PersonRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(
        attribute="name_latin", required=True, metadata={"description": "As in the passport"}
    )
    name_native = ma.fields.String(
        required=True, allow_none=True, metadata={"description": "In native script"}
    )


class ReasonSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"enum": ["attendance", "score", "score_missing"]})
    value = ma.fields.String(metadata={"description": "The trainee's figure, e.g. 72.0"})
    limit = ma.fields.Integer(metadata={"description": "The course's minimum"})
    text = ma.fields.Function(
        reason_text,
        required=True,
        metadata={"type": "string", "description": "The reason in words, e.g. attendance 72.0 % < 80 %"},
    )


class OutcomeSchema(ma.Schema):
    completed = ma.fields.Boolean(required=True)
    attendance_pct = ma.fields.String(
        required=True, allow_none=True, metadata={"description": "null when no session counts"}
    )
    weighted_score = ma.fields.String(
        required=True, allow_none=True, metadata={"description": "null while a score is missing"}
    )
    reasons = ma.fields.List(
        ma.fields.Nested(ReasonSchema), required=True, metadata={"description": "Why not completed"}
    )


class _Outcome(ma.fields.Nested):
    """An enrolment's outcome: fixed when its cohort closes, null until then."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(value or None, attr, obj, **kwargs)


class EnrolmentSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    cohort_id = ma.fields.Integer(required=True)
    person = ma.fields.Nested(PersonRefSchema, required=True)
    status = ma.fields.Enum(EnrolmentStatus, by_value=True, required=True)
    position = ma.fields.Integer(
        attribute="waitlist_position",
        required=True,
        allow_none=True,
        metadata={"description": "Place on the waitlist (1 = next to get a seat); null unless waitlisted"},
    )
    source = ma.fields.Enum(
        EnrolmentSource, by_value=True, required=True, metadata={"description": "How the enrolment was made"}
    )
    theory_score = ma.fields.Float(required=True, allow_none=True, metadata={"description": "0–100"})
    practical_score = ma.fields.Float(required=True, allow_none=True, metadata={"description": "0–100"})
    outcome = _Outcome(
        OutcomeSchema,
        required=True,
        allow_none=True,
        metadata={"description": "Fixed when the cohort closes"},
    )
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)


class AttendanceSchema(ma.Schema):
    enrolment_id = ma.fields.Integer(required=True)
    session_id = ma.fields.Integer(required=True)
    status = ma.fields.Enum(AttendanceStatus, by_value=True, required=True)
    recorded_at = ma.fields.AwareDateTime(required=True)


def enrolments_by_id(ids: list[int]) -> dict[int, Enrolment]:
    """Enrolments with what their answer shows (person, cohort) freshly read, in one query."""
    if not ids:
        return {}
    rows = db.session.execute(
        select(Enrolment)
        .where(Enrolment.id.in_(ids))
        .options(joinedload(Enrolment.person), joinedload(Enrolment.cohort))
        .execution_options(populate_existing=True)
    ).scalars()
    return {enrolment.id: enrolment for enrolment in rows.unique()}


def load_enrolment(enrolment_id: int) -> Enrolment | None:
    return enrolments_by_id([enrolment_id]).get(enrolment_id)


def enrolments_of(cohort: Cohort):
    return select(Enrolment).where(Enrolment.cohort_id == cohort.id).options(joinedload(Enrolment.person))
