"""Who completed a cohort: the one function that decides, with its reason in words."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from flask_babel import gettext as _

from talent.workshops.models import AttendanceStatus, Course


@dataclass(frozen=True)
class Completion:
    completed: bool
    attendance_pct: Decimal | None  # None when no session counts (all excused, or none held)
    weighted_score: Decimal | None  # None while a score is missing
    # Why not completed, as codes with their figures ({"code": "attendance", "value": "72.0",
    # "limit": 80}); `reason_text` words them in the reader's language.
    reasons: tuple[dict, ...]

    def as_outcome(self) -> dict:
        return {
            "completed": self.completed,
            "attendance_pct": str(self.attendance_pct) if self.attendance_pct is not None else None,
            "weighted_score": str(self.weighted_score) if self.weighted_score is not None else None,
            "reasons": list(self.reasons),
        }


def _pct(value: Decimal) -> Decimal:
    # Rounded down, never up: the limits are whole numbers, so comparing the shown figure gives
    # the same answer as comparing the exact one (59.95 shows as 59.9 and fails a pass mark of 60).
    return value.quantize(Decimal("0.1"), rounding=ROUND_DOWN)


def assess(
    course: Course,
    attendance: list[AttendanceStatus | None],
    theory: Decimal | None,
    practical: Decimal | None,
) -> Completion:
    """Completion per DESIGN §3.2.

    `attendance` has one entry per session of the cohort (None: not recorded, which counts as
    absent). Excused sessions do not count against the trainee: they leave the denominator.
    """
    counted = [a for a in attendance if a != AttendanceStatus.EXCUSED]
    present = sum(1 for a in counted if a == AttendanceStatus.PRESENT)
    attendance_pct = _pct(Decimal(100 * present) / len(counted)) if counted else None

    weighted = None
    if theory is not None and practical is not None:
        weighted = _pct(
            (Decimal(theory) * course.theory_weight + Decimal(practical) * course.practical_weight) / 100
        )

    reasons = []
    if attendance_pct is not None and attendance_pct < course.min_attendance_pct:
        reasons.append(
            {"code": "attendance", "value": str(attendance_pct), "limit": course.min_attendance_pct}
        )
    if weighted is None:
        reasons.append({"code": "score_missing"})
    elif weighted < course.pass_mark:
        reasons.append({"code": "score", "value": str(weighted), "limit": course.pass_mark})
    return Completion(not reasons, attendance_pct, weighted, tuple(reasons))


def reason_text(reason: dict) -> str:
    """E.g. "attendance 72.0 % < 80 %", in the reader's language."""
    code = reason.get("code")
    if code == "attendance":
        return _("attendance %(value)s %% < %(limit)s %%", value=reason["value"], limit=reason["limit"])
    if code == "score":
        return _(
            "weighted score %(value)s < pass mark %(limit)s", value=reason["value"], limit=reason["limit"]
        )
    if code == "score_missing":
        return _("theory or practical score missing")
    return str(code)
