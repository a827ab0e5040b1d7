"""Field-by-field checks of course, cohort and session values, and the name of each field.

Values may come from a form (text), the API (JSON) or the CLI; each check returns the clean
value or raises ValidationFailed whose message starts with the field's name, because the API
shows only the message. Rules across fields live with the use cases in operations.py.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

import pycountry
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from talent.core.checks import row_by_id, text_problem
from talent.core.errors import ValidationFailed
from talent.core.i18n import LANGUAGES
from talent.reference.data.isced import ISCED_FIELDS, ISCED_LEVELS
from talent.reference.models import Institution, InstitutionKind
from talent.workshops.models import Course, SessionKind

CODE_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9-]{0,31}")
MAX_COMPETENCIES = 30
MAX_COMPETENCY_LENGTH = 300
MAX_HOURS = 10_000
MAX_CAPACITY = 10_000
MAX_INSTRUCTORS = 20
MAX_SESSION_HOURS = Decimal("24")
PARTNER_COUNTRY = "CN"
# Workshops run at workshop sites, and also at colleges, universities and enterprises that host one.
HOST_KINDS = frozenset(
    {
        InstitutionKind.WORKSHOP_SITE,
        InstitutionKind.VOCATIONAL_COLLEGE,
        InstitutionKind.UNIVERSITY,
        InstitutionKind.ENTERPRISE,
    }
)

LABELS = {
    "code": _l("Code"),
    "title": _l("Title in English"),
    "titles": _l("Titles in other languages"),
    "description": _l("Description"),
    "field_code": _l("Field of education"),
    "isced_level": _l("ISCED level"),
    "framework_level": _l("Framework level"),
    "theory_hours": _l("Theory hours"),
    "practice_hours": _l("Practice hours"),
    "competencies": _l("Competencies"),
    "theory_weight": _l("Theory weight"),
    "practical_weight": _l("Practical weight"),
    "pass_mark": _l("Pass mark"),
    "min_attendance_pct": _l("Minimum attendance"),
    "course_id": _l("Course"),
    "host_institution_id": _l("Host site"),
    "partner_institution_id": _l("Chinese partner institution"),
    "starts_on": _l("Start date"),
    "ends_on": _l("End date"),
    "language": _l("Language of instruction"),
    "capacity": _l("Capacity"),
    "enrolment_opens_on": _l("Enrolment opens on"),
    "enrolment_closes_on": _l("Enrolment closes on"),
    "instructors": _l("Instructors"),
    "held_on": _l("Date"),
    "kind": _l("Kind"),
    "hours": _l("Hours"),
    "weekdays": _l("Weekdays"),
    "start": _l("From"),
    "end": _l("Until"),
    "title_prefix": _l("Title"),
}


def fail(field: str, problem: str, *, label=None):
    label = label or LABELS.get(field, field)
    raise ValidationFailed(_("%(field)s: %(problem)s", field=label, problem=problem), field=field)


# --- kinds of value ------------------------------------------------------------------------


def text(value, field: str, *, max_length: int, required=False, multiline=False, label=None) -> str:
    out = "" if value is None else str(value).replace("\r\n", "\n").strip()
    problem = text_problem(out, max_length=max_length, required=required, multiline=multiline)
    if problem:
        fail(field, problem, label=label)
    return out


def integer(value, field: str, *, low: int, high: int) -> int:
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,9}\s*", value):
        value = int(value)
    if value is None or value == "":
        fail(field, _("this field is required."))
    if isinstance(value, bool) or not isinstance(value, int):
        fail(field, _("give a whole number."))
    if not low <= value <= high:
        fail(field, _("give a whole number from %(low)d to %(high)d.", low=low, high=high))
    return value


def a_date(value, field: str) -> date:
    if isinstance(value, str) and value.strip():
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            fail(field, _("give a date as YYYY-MM-DD."))
    if value is None or value == "":
        fail(field, _("this field is required."))
    if not isinstance(value, date):
        fail(field, _("give a date as YYYY-MM-DD."))
    return value


def lines(value, field: str, *, max_items: int, max_length: int) -> list[str]:
    """An ordered list, given as a list or as text with one item per line; blank lines dropped."""
    items = value.splitlines() if isinstance(value, str) else list(value or [])
    out = [item for item in (text(item, field, max_length=max_length) for item in items) if item]
    if len(out) > max_items:
        fail(field, _("at most %(n)d, one per line.", n=max_items))
    return out


def record(model, value, field: str, problem: str):
    """The row `value` (an id, as a number or digits) names, or a refusal with `problem`."""
    found = row_by_id(model, value)
    if found is None:
        fail(field, problem)
    return found


# --- courses -------------------------------------------------------------------------------


def course_code(value, field: str) -> str:
    code = text(value, field, max_length=32, required=True).upper()
    if not CODE_PATTERN.fullmatch(code):
        fail(field, _("use letters A–Z, digits and hyphens only, starting with a letter or digit."))
    return code


def titles(value, field: str) -> dict[str, str]:
    """{"zh": "…", "fr": "…"}; a problem with one title is reported at "titles.<language>"."""
    if not isinstance(value, dict | None):
        fail(field, _("give the titles as language code → title."))
    out = {}
    for locale, title in (value or {}).items():
        if locale not in LANGUAGES or locale == "en":
            fail(field, _("“%(code)s” is not one of the interface languages.", code=locale))
        label = _("Title in %(language)s", language=LANGUAGES[locale])
        cleaned = text(title, f"{field}.{locale}", max_length=200, label=label)
        if cleaned:
            out[locale] = cleaned
    return out


def field_code(value, field: str) -> str:
    if value not in ISCED_FIELDS:
        fail(field, _("choose a broad field from ISCED-F 2013 (00 to 10)."))
    return value


def percent(value, field: str) -> int:
    return integer(value, field, low=0, high=100)


def hours_total(value, field: str) -> int:
    return integer(value, field, low=0, high=MAX_HOURS)


COURSE_CHECKS = {
    "code": course_code,
    "title": lambda v, f: text(v, f, max_length=200, required=True),
    "titles": titles,
    "description": lambda v, f: text(v, f, max_length=5000, multiline=True),
    "field_code": field_code,
    "isced_level": lambda v, f: integer(v, f, low=min(ISCED_LEVELS), high=max(ISCED_LEVELS)),
    "framework_level": lambda v, f: text(v, f, max_length=60) or None,
    "theory_hours": hours_total,
    "practice_hours": hours_total,
    "competencies": lambda v, f: lines(v, f, max_items=MAX_COMPETENCIES, max_length=MAX_COMPETENCY_LENGTH),
    "theory_weight": percent,
    "practical_weight": percent,
    "pass_mark": percent,
    "min_attendance_pct": percent,
}


# --- cohorts -------------------------------------------------------------------------------


def host(value, field: str) -> int:
    site = record(Institution, value, field, _("unknown institution."))
    if site.kind not in HOST_KINDS:
        fail(field, _("a cohort is hosted by a workshop site, vocational college, university or enterprise."))
    return site.id


def partner(value, field: str) -> int:
    institution = record(Institution, value, field, _("unknown institution."))
    if institution.country_code != PARTNER_COUNTRY:
        fail(field, _("the partner must be an institution in China."))
    return institution.id


def language(value, field: str) -> str:
    code = text(value, field, max_length=8, required=True).lower()
    if len(code) != 2 or pycountry.languages.get(alpha_2=code) is None:
        fail(field, _("“%(code)s” is not an ISO 639-1 language code (e.g. en, fr, ar).", code=value))
    return code


COHORT_CHECKS = {
    "course_id": lambda v, f: record(Course, v, f, _("unknown course.")).id,
    "host_institution_id": host,
    "partner_institution_id": partner,
    "starts_on": a_date,
    "ends_on": a_date,
    "language": language,
    "capacity": lambda v, f: integer(v, f, low=1, high=MAX_CAPACITY),
    "enrolment_opens_on": a_date,
    "enrolment_closes_on": a_date,
    "instructors": lambda v, f: lines(v, f, max_items=MAX_INSTRUCTORS, max_length=120),
}


# --- sessions ------------------------------------------------------------------------------


def session_hours(value, field: str = "hours") -> Decimal:
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        fail(field, _("give a number of hours, e.g. 4 or 2.5."))
    if not hours.is_finite() or not 0 < hours <= MAX_SESSION_HOURS or hours != hours.quantize(Decimal("0.1")):
        fail(field, _("give more than 0 and at most 24 hours, with at most one decimal."))
    return hours.quantize(Decimal("0.1"))


def session_kind(value, field: str = "kind") -> SessionKind:
    try:
        return SessionKind(value)
    except ValueError:
        fail(field, _("choose theory or practice."))
