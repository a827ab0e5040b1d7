"""Courses, cohorts and their sessions: the use cases behind the pages, the API and the CLI.

Each one checks every value (field by field in checks.py, then the rules across fields here),
then changes, audits and flushes; the request (or the command) commits.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from talent.core import audit
from talent.core.checks import clean
from talent.core.errors import IllegalTransition, ValidationFailed
from talent.extensions import db
from talent.workshops import checks
from talent.workshops.checks import fail
from talent.workshops.enrolment import lock_cohort, promote_next, seats_taken
from talent.workshops.models import Attendance, Cohort, CohortSession, Course, Enrolment, SessionKind

MAX_GENERATED_SESSIONS = 400
COURSE_REQUIRED = ("code", "title", "field_code", "isced_level")
COURSE_DEFAULTS = {
    "titles": {},
    "description": "",
    "framework_level": None,
    "theory_hours": 0,
    "practice_hours": 0,
    "competencies": [],
    "theory_weight": 30,
    "practical_weight": 70,
    "pass_mark": 60,
    "min_attendance_pct": 80,
}
COHORT_REQUIRED = (
    "course_id",
    "host_institution_id",
    "partner_institution_id",
    "starts_on",
    "ends_on",
    "language",
    "capacity",
    "enrolment_opens_on",
    "enrolment_closes_on",
)


def _require(values: dict, names) -> None:
    for name in names:
        if name not in values:
            fail(name, _("this field is required."))


# --- courses -------------------------------------------------------------------------------


def _check_course(course: Course | None, values: dict) -> None:
    def current(key):
        return values[key] if key in values else getattr(course, key)

    if current("theory_hours") == 0 and current("practice_hours") == 0:
        fail("theory_hours", _("give theory hours or practice hours; at least one must be above 0."))
    theory, practical = current("theory_weight"), current("practical_weight")
    if theory + practical != 100:
        raise ValidationFailed(
            _(
                "Theory weight (%(theory)d %%) and practical weight (%(practical)d %%) must add up to "
                "100 %%; now they add up to %(total)d %%.",
                theory=theory,
                practical=practical,
                total=theory + practical,
            ),
            field="theory_weight",
        )
    if "code" in values:
        taken = select(Course.id).where(func.upper(Course.code) == values["code"])
        if course is not None:
            taken = taken.where(Course.id != course.id)
        if db.session.execute(taken.limit(1)).first() is not None:
            fail("code", _("another course already has the code %(code)s.", code=values["code"]))


def _flush_unique_code(code: str) -> None:
    # Two admins saving the same new code at once: the unique index decides, the other gets a message.
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        fail("code", _("another course already has the code %(code)s.", code=code))


def create_course(*, actor=None, **values) -> Course:
    """A new course. Needs code, title, field_code and isced_level; the rest has defaults."""
    _require(values, COURSE_REQUIRED)
    values = clean(checks.COURSE_CHECKS, {**COURSE_DEFAULTS, **values})
    _check_course(None, values)
    course = Course(**values)
    db.session.add(course)
    diff = audit.real_changes(course)
    _flush_unique_code(course.code)
    audit.record("course.created", course, changes=diff, summary=course.code, actor=actor)
    db.session.flush()
    return course


def update_course(course: Course, *, actor=None, **changes) -> Course:
    """Change some of a course's facts; values not given stay as they are."""
    values = clean(checks.COURSE_CHECKS, changes)
    _check_course(course, values)
    for key, value in values.items():
        setattr(course, key, value)
    diff = audit.real_changes(course)
    if diff:
        _flush_unique_code(course.code)
        audit.record("course.updated", course, changes=diff, summary=course.code, actor=actor)
    db.session.flush()
    return course


# --- cohorts -------------------------------------------------------------------------------


def _check_cohort(cohort: Cohort | None, values: dict, actor) -> None:
    def current(key):
        return values[key] if key in values else getattr(cohort, key)

    host, partner = current("host_institution_id"), current("partner_institution_id")
    if host == partner:
        fail("partner_institution_id", _("the partner must be another institution than the host site."))
    if actor is not None and not actor.is_admin and actor.institution_id not in (host, partner):
        fail("host_institution_id", _("your institution must be the host site or the partner."))
    starts_on, ends_on = current("starts_on"), current("ends_on")
    opens_on, closes_on = current("enrolment_opens_on"), current("enrolment_closes_on")
    if ends_on < starts_on:
        fail("ends_on", _("the cohort cannot end before it starts (%(date)s).", date=starts_on.isoformat()))
    if closes_on > ends_on:
        fail(
            "enrolment_closes_on",
            _("enrolment must close on or before the cohort ends (%(date)s).", date=ends_on.isoformat()),
        )
    if opens_on > closes_on:
        fail(
            "enrolment_opens_on",
            _("enrolment must open on or before it closes (%(date)s).", date=closes_on.isoformat()),
        )
    if cohort is not None:
        _check_cohort_change(cohort, values, starts_on, ends_on)


def _check_cohort_change(cohort: Cohort, values: dict, starts_on, ends_on) -> None:
    """What an existing cohort already holds: seats taken, enrolments, dated sessions."""
    if "capacity" in values and values["capacity"] < (taken := seats_taken(cohort)):
        fail("capacity", _("%(n)d trainees hold a seat already; give at least %(n)d.", n=taken))
    course_changes = values.get("course_id", cohort.course_id) != cohort.course_id
    if course_changes and db.session.scalar(select(exists().where(Enrolment.cohort_id == cohort.id))):
        fail("course_id", _("trainees have enrolled; the course can no longer change."))
    outside = db.session.scalar(
        select(CohortSession.held_on)
        .where(
            CohortSession.cohort_id == cohort.id,
            (CohortSession.held_on < starts_on) | (CohortSession.held_on > ends_on),
        )
        .order_by(CohortSession.held_on)
        .limit(1)
    )
    if outside is not None:
        fail(
            "starts_on" if outside < starts_on else "ends_on",
            _(
                "a session is held on %(date)s, outside these dates; move or remove it first.",
                date=outside.isoformat(),
            ),
        )


def _refuse_if_closed(cohort: Cohort) -> None:
    if cohort.is_closed:
        raise IllegalTransition(_("This cohort is closed; its details and sessions can no longer change."))


def create_cohort(*, actor=None, **values) -> Cohort:
    """A new run of a course. Institution staff (`actor`) may only create their own institution's."""
    _require(values, COHORT_REQUIRED)
    values = clean(checks.COHORT_CHECKS, {"instructors": [], **values})
    _check_cohort(None, values, actor)
    cohort = Cohort(**values)
    db.session.add(cohort)
    diff = audit.real_changes(cohort)
    db.session.flush()
    audit.record("cohort.created", cohort, changes=diff, summary=cohort.course.code, actor=actor)
    db.session.flush()
    return cohort


def update_cohort(cohort: Cohort, *, actor=None, **changes) -> Cohort:
    """Change some of a cohort's facts. New seats go to the waitlist at once, in order."""
    values = clean(checks.COHORT_CHECKS, changes)
    if "capacity" in values:
        # Count the seats under the cohort's lock, so that no enrolment slips in between.
        cohort = lock_cohort(cohort.id)
    _refuse_if_closed(cohort)
    _check_cohort(cohort, values, actor)
    grew = "capacity" in values and values["capacity"] > cohort.capacity
    for key, value in values.items():
        setattr(cohort, key, value)
    diff = audit.real_changes(cohort)
    if diff:
        audit.record("cohort.updated", cohort, changes=diff, actor=actor)
    db.session.flush()
    if grew:
        promote_next(cohort, actor=actor)
    return cohort


# --- sessions ------------------------------------------------------------------------------


def _within(cohort: Cohort, day, field: str) -> None:
    if not cohort.starts_on <= day <= cohort.ends_on:
        fail(
            field,
            _(
                "%(date)s is outside the cohort, which runs from %(start)s to %(end)s.",
                date=day.isoformat(),
                start=cohort.starts_on.isoformat(),
                end=cohort.ends_on.isoformat(),
            ),
        )


def _session_facts(session: CohortSession) -> dict:
    return {
        "held_on": session.held_on.isoformat(),
        "title": session.title,
        "kind": session.kind.value,
        "hours": str(session.hours),
    }


def add_session(
    cohort: Cohort, held_on, title, kind=SessionKind.PRACTICE, hours=Decimal("4"), *, actor=None
) -> CohortSession:
    """One dated session. Recorded in the cohort's history, which outlives a removed session."""
    _refuse_if_closed(cohort)
    day = checks.a_date(held_on, "held_on")
    title = checks.text(title, "title", max_length=200, required=True)
    kind, hours = checks.session_kind(kind), checks.session_hours(hours)
    _within(cohort, day, "held_on")
    duplicate = select(CohortSession.id).where(
        CohortSession.cohort_id == cohort.id, CohortSession.held_on == day, CohortSession.title == title
    )
    if db.session.execute(duplicate).first() is not None:
        fail(
            "title",
            _("there is already a session “%(title)s” on %(date)s.", title=title, date=day.isoformat()),
        )
    session = CohortSession(cohort_id=cohort.id, held_on=day, title=title, kind=kind, hours=hours)
    db.session.add(session)
    db.session.flush()
    facts = _session_facts(session)
    audit.record(
        "cohort.session_added",
        cohort,
        changes={key: [None, value] for key, value in facts.items()},
        summary=f"{facts['held_on']} {title}",
        actor=actor,
    )
    db.session.flush()
    return session


def generate_sessions(
    cohort: Cohort,
    weekdays,
    start=None,
    end=None,
    title_prefix="",
    kind=SessionKind.PRACTICE,
    hours=Decimal("4"),
    *,
    actor=None,
) -> list[CohortSession]:
    """One session on each chosen weekday (0 = Monday) from `start` to `end` (default: the
    cohort's dates), titled "<prefix> 1", "<prefix> 2" … Dates that already have a session are
    skipped, so running the same pattern twice adds nothing."""
    _refuse_if_closed(cohort)
    days = {checks.integer(raw, "weekdays", low=0, high=6) for raw in weekdays or ()}
    if not days:
        fail("weekdays", _("choose at least one weekday."))
    start = cohort.starts_on if start in (None, "") else checks.a_date(start, "start")
    end = cohort.ends_on if end in (None, "") else checks.a_date(end, "end")
    _within(cohort, start, "start")
    _within(cohort, end, "end")
    if end < start:
        fail("end", _("the last date comes before the first (%(date)s).", date=start.isoformat()))
    prefix = checks.text(title_prefix, "title_prefix", max_length=190, required=True)
    kind, hours = checks.session_kind(kind), checks.session_hours(hours)

    taken = set(db.session.scalars(select(CohortSession.held_on).where(CohortSession.cohort_id == cohort.id)))
    dates = [
        day
        for day in (start + timedelta(days=n) for n in range((end - start).days + 1))
        if day.weekday() in days and day not in taken
    ]
    if len(dates) > MAX_GENERATED_SESSIONS:
        fail(
            "weekdays",
            _(
                "this pattern makes %(n)d sessions; at most %(max)d can be made at once.",
                n=len(dates),
                max=MAX_GENERATED_SESSIONS,
            ),
        )
    sessions = [
        CohortSession(cohort_id=cohort.id, held_on=day, title=f"{prefix} {n}", kind=kind, hours=hours)
        for n, day in enumerate(dates, start=1)
    ]
    db.session.add_all(sessions)
    if sessions:
        audit.record(
            "cohort.sessions_generated",
            cohort,
            changes={
                "sessions": [None, len(sessions)],
                "first": [None, dates[0].isoformat()],
                "last": [None, dates[-1].isoformat()],
            },
            summary=prefix,
            actor=actor,
        )
    db.session.flush()
    return sessions


def remove_session(session: CohortSession, *, actor=None) -> None:
    """Refused once attendance was recorded for it: removing it would erase what trainees did."""
    cohort = db.session.get(Cohort, session.cohort_id)
    _refuse_if_closed(cohort)
    if db.session.scalar(select(exists().where(Attendance.session_id == session.id))):
        raise ValidationFailed(
            _(
                "The session “%(title)s” on %(date)s has attendance recorded; it cannot be removed.",
                title=session.title,
                date=session.held_on.isoformat(),
            ),
            field="session",
        )
    audit.record(
        "cohort.session_removed",
        cohort,
        changes={key: [value, None] for key, value in _session_facts(session).items()},
        summary=f"{session.held_on.isoformat()} {session.title}",
        actor=actor,
    )
    db.session.delete(session)
    db.session.flush()
