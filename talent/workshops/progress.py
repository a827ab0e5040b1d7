"""Use cases while a cohort runs and when it ends: attendance, scores, closing.

Each change first locks the cohort row (`enrolment.lock_cohort`), so a mark or a score cannot
slip in while another request closes the cohort, and two people marking the same session
cannot both insert the same attendance row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from talent.accounts.models import User
from talent.core import audit
from talent.core.errors import ValidationFailed
from talent.core.notifications import notify, path_for, recipient_locale
from talent.extensions import db
from talent.reference.models import Person
from talent.workshops.completion import Completion, assess, reason_text
from talent.workshops.enrolment import lock_cohort
from talent.workshops.models import (
    Attendance,
    AttendanceStatus,
    Cohort,
    CohortSession,
    CohortStatus,
    Enrolment,
    EnrolmentStatus,
)

SCORE_STEP = Decimal("0.01")


def _check_open(cohort: Cohort) -> None:
    if cohort.status != CohortStatus.OPEN:
        raise ValidationFailed(
            _("This cohort is closed; its records can no longer change."), field="cohort_id"
        )


def _enrolled(cohort: Cohort) -> dict[int, Enrolment]:
    stmt = (
        select(Enrolment)
        .join(Enrolment.person)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ENROLLED)
        .options(contains_eager(Enrolment.person).lazyload("*"))
    )
    return {e.id: e for e in db.session.scalars(stmt).unique()}


# --- attendance ------------------------------------------------------------------------------


def record_attendance(session: CohortSession, marks: Mapping[int, AttendanceStatus], *, actor=None) -> int:
    """Save the marks of one session, {enrolment id: status}; returns how many changed.

    Every new or corrected mark gets its own audit entry on the session (old → new), which is
    the session's attendance history. Marks that are already so change nothing.
    """
    cohort = lock_cohort(session.cohort_id)
    _check_open(cohort)
    enrolled = _enrolled(cohort)
    strangers = [eid for eid in marks if eid not in enrolled]
    if strangers:
        raise ValidationFailed(
            _("Attendance can only be recorded for trainees enrolled in this cohort."), field="enrolment_id"
        )
    try:
        statuses = {eid: AttendanceStatus(status) for eid, status in marks.items()}
    except ValueError:
        raise ValidationFailed(_("Choose present, absent or excused."), field="status") from None
    existing = {
        row.enrolment_id: row
        for row in db.session.scalars(
            select(Attendance).where(
                Attendance.session_id == session.id, Attendance.enrolment_id.in_(list(statuses))
            )
        )
    }
    recorder = audit.actor_id(actor)
    changed = 0
    for eid, status in statuses.items():
        row = existing.get(eid)
        old = row.status if row is not None else None
        if old == status:
            continue
        if row is None:
            db.session.add(
                Attendance(enrolment_id=eid, session_id=session.id, status=status, recorded_by_id=recorder)
            )
        else:
            row.status = status
            row.recorded_by_id = recorder
        person = enrolled[eid].person
        audit.record(
            "attendance.recorded" if old is None else "attendance.corrected",
            session,
            changes={"status": [old.value if old else None, status.value]},
            summary=f"{person.name_latin} (#{eid})",
            actor=actor,
        )
        changed += 1
    db.session.flush()
    return changed


def mark_attendance(enrolment: Enrolment, session: CohortSession, status, *, actor=None) -> bool:
    """One trainee's mark for one session (the API); True when it changed something."""
    if session.cohort_id != enrolment.cohort_id:
        raise ValidationFailed(_("This session belongs to another cohort."), field="session_id")
    try:
        status = AttendanceStatus(status)
    except ValueError:
        raise ValidationFailed(_("Choose present, absent or excused."), field="status") from None
    return record_attendance(session, {enrolment.id: status}, actor=actor) > 0


# --- scores ----------------------------------------------------------------------------------


def clean_score(value, field: str) -> Decimal | None:
    """A score from 0 to 100 with at most two decimals; None or "" means no score yet.

    A decimal comma is read as a point: many trainees' locales write 72,5.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationFailed(_("Give a score from 0 to 100 with at most two decimals."), field=field)
    try:
        number = Decimal(value.strip().replace(",", ".")) if isinstance(value, str) else Decimal(str(value))
    except InvalidOperation:
        number = None
    if (
        number is None
        or not number.is_finite()
        or not 0 <= number <= 100
        or number != number.quantize(SCORE_STEP)
    ):
        raise ValidationFailed(_("Give a score from 0 to 100 with at most two decimals."), field=field)
    return number.quantize(SCORE_STEP)


def record_scores(enrolment: Enrolment, theory, practical, *, actor=None) -> bool:
    """Set one trainee's theory and practical scores; True when they changed."""
    theory = clean_score(theory, "theory")
    practical = clean_score(practical, "practical")
    cohort = lock_cohort(enrolment.cohort_id)
    _check_open(cohort)
    db.session.refresh(enrolment)
    if enrolment.status != EnrolmentStatus.ENROLLED:
        raise ValidationFailed(_("Only enrolled trainees can be given scores."), field="enrolment_id")
    return _set_scores(enrolment, theory, practical, actor=actor)


def _set_scores(enrolment: Enrolment, theory: Decimal | None, practical: Decimal | None, *, actor) -> bool:
    if (enrolment.theory_score, enrolment.practical_score) == (theory, practical):
        return False
    before = [enrolment.theory_score, enrolment.practical_score]
    enrolment.theory_score, enrolment.practical_score = theory, practical
    changes = {
        name: [_score_text(old), _score_text(new)]
        for name, old, new in (
            ("theory_score", before[0], theory),
            ("practical_score", before[1], practical),
        )
        if old != new
    }
    audit.record("enrolment.scored", enrolment, changes=changes, actor=actor)
    db.session.flush()
    return True


def _score_text(value: Decimal | None) -> str | None:
    return str(Decimal(value).quantize(SCORE_STEP)) if value is not None else None


def record_cohort_scores(cohort: Cohort, scores: Mapping[int, tuple], *, actor=None) -> int:
    """Scores for many trainees in one go, {enrolment id: (theory, practical)}; all or nothing.

    A bad value raises ValidationFailed naming its field as `theory-<id>` / `practical-<id>`,
    before anything is written. Returns how many trainees' scores changed.
    """
    cleaned = {
        eid: (clean_score(theory, f"theory-{eid}"), clean_score(practical, f"practical-{eid}"))
        for eid, (theory, practical) in scores.items()
    }
    cohort = lock_cohort(cohort.id)
    _check_open(cohort)
    enrolled = _enrolled(cohort)
    for eid in cleaned:
        if eid not in enrolled:
            raise ValidationFailed(_("Only enrolled trainees can be given scores."), field=f"theory-{eid}")
    return sum(_set_scores(enrolled[eid], *values, actor=actor) for eid, values in cleaned.items())


# --- closing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    enrolment: Enrolment
    completion: Completion


def verdicts(cohort: Cohort) -> list[Verdict]:
    """What each enrolled trainee gets if the cohort closes now; unmarked sessions count as absent."""
    sessions = list(db.session.scalars(select(CohortSession.id).where(CohortSession.cohort_id == cohort.id)))
    enrolled = sorted(_enrolled(cohort).values(), key=lambda e: (e.person.name_latin, e.id))
    marks: dict[tuple[int, int], AttendanceStatus] = {}
    if enrolled and sessions:
        rows = db.session.execute(
            select(Attendance.enrolment_id, Attendance.session_id, Attendance.status)
            .join(CohortSession, CohortSession.id == Attendance.session_id)
            .where(
                CohortSession.cohort_id == cohort.id, Attendance.enrolment_id.in_([e.id for e in enrolled])
            )
        )
        marks = {(eid, sid): AttendanceStatus(status) for eid, sid, status in rows}
    course = cohort.course
    return [
        Verdict(
            e,
            assess(course, [marks.get((e.id, sid)) for sid in sessions], e.theory_score, e.practical_score),
        )
        for e in enrolled
    ]


def close_cohort(cohort: Cohort, *, actor=None) -> list[Verdict]:
    """Fix every enrolled trainee's outcome, withdraw those still waiting, close the cohort,
    and tell each trainee who has an account."""
    cohort = lock_cohort(cohort.id)
    if cohort.status == CohortStatus.CANCELLED:
        raise ValidationFailed(_("This cohort was cancelled; there is nothing to close."), field="cohort_id")
    if cohort.status != CohortStatus.OPEN:
        raise ValidationFailed(_("This cohort is already closed."), field="cohort_id")
    results = verdicts(cohort)
    for verdict in results:
        verdict.enrolment.finish(verdict.completion.completed, verdict.completion.as_outcome())
        audit.record(
            "enrolment.finished",
            verdict.enrolment,
            changes={"status": ["enrolled", verdict.enrolment.status.value]},
            actor=actor,
        )
    waiting = list(
        db.session.scalars(
            select(Enrolment)
            .where(
                Enrolment.cohort_id == cohort.id,
                Enrolment.status.in_((EnrolmentStatus.PENDING, EnrolmentStatus.WAITLISTED)),
            )
            .options(joinedload(Enrolment.person).joinedload(Person.user))
        ).unique()
    )
    for enrolment in waiting:
        before = enrolment.status.value
        enrolment.withdraw()
        audit.record(
            "enrolment.withdrawn",
            enrolment,
            changes={"status": [before, enrolment.status.value]},
            summary=_("The cohort closed."),
            actor=actor,
        )
    completed = sum(1 for v in results if v.completion.completed)
    cohort.close()
    audit.record(
        "cohort.closed",
        cohort,
        changes={
            "status": ["open", "closed"],
            "completed": [None, completed],
            "not_completed": [None, len(results) - completed],
            "withdrawn": [None, len(waiting)],
        },
        actor=actor,
    )
    db.session.flush()
    _tell_trainees(cohort, results, waiting)
    return results


def _tell_trainees(cohort: Cohort, results: list[Verdict], waiting: list[Enrolment]) -> None:
    user_ids = [v.enrolment.person.user_id for v in results if v.enrolment.person.user_id]
    users = {}
    if user_ids:
        users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
    link = path_for("workshops.my_courses")
    for verdict in results:
        user = users.get(verdict.enrolment.person.user_id)
        if user is None:
            continue
        with recipient_locale(user):
            title = cohort.course.title_in(user.locale or "en")
            if verdict.completion.completed:
                message = _("You completed %(course)s. Congratulations!", course=title)
            else:
                reasons = "; ".join(reason_text(r) for r in verdict.completion.reasons)
                message = _("You did not complete %(course)s: %(reasons)s.", course=title, reasons=reasons)
            notify(user, message, link=link, mail_subject=_("Talent Exchange: your course result"))
    for enrolment in waiting:
        user = enrolment.person.user
        if user is None:
            continue
        with recipient_locale(user):
            title = cohort.course.title_in(user.locale or "en")
            message = _("%(course)s has closed; your request for a place has lapsed.", course=title)
            notify(user, message, link=link, mail_subject=_("Talent Exchange: your enrolment"))
