"""Field-by-field checks of programme and call values, and each field's name.

Values may come from a form (parsed), the API (JSON) or the CLI; each check returns the clean value
or raises ValidationFailed whose `field` names the value (`rubric.1.weight`, `country_quotas`) and
whose message starts with the field's name, since an API client sees only the message. Rules across
fields live with the use cases in calls.py.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from talent.core.checks import row_by_id, text_problem
from talent.core.errors import ValidationFailed
from talent.core.i18n import LANGUAGES, OTHER_LANGUAGES, is_known_timezone
from talent.extensions import db
from talent.programmes import eligibility
from talent.programmes.models import DocumentType, Programme, ProgrammeKind
from talent.reference.models import Country, Institution

CRITERION_CODE = re.compile(r"[a-z][a-z0-9_]{0,31}")
MAX_CRITERIA = 8
MAX_GUIDANCE = 2000
MAX_QUOTA = 100_000

LABELS = {
    "kind": _l("Kind"),
    "name": _l("Name in English"),
    "names": _l("Names in other languages"),
    "description": _l("Description"),
    "host_country_code": _l("Host country"),
    "organiser_id": _l("Organiser"),
    "is_active": _l("Active"),
    "programme_id": _l("Programme"),
    "title": _l("Title in English"),
    "titles": _l("Titles in other languages"),
    "opens_at": _l("Opens"),
    "closes_at": _l("Closes"),
    "time_zone": _l("Time zone"),
    "eligibility_rules": _l("Eligibility rules"),
    "required_documents": _l("Required documents"),
    "rubric": _l("Review rubric"),
    "reviewers_per_application": _l("Reviewers per application"),
    "is_blind_review": _l("Blind review"),
    "is_nationality_conflict": _l("Reviewers never review applicants of their own nationality"),
    "review_days": _l("Days to review"),
    "quota_total": _l("Total places"),
    "country_quotas": _l("Places per country"),
    "offer_days": _l("Days to answer an offer"),
}


def fail(field: str, problem: str, *, label=None):
    label = label or LABELS.get(field.split(".")[0], field)
    raise ValidationFailed(_("%(field)s: %(problem)s", field=label, problem=problem), field=field)


# --- kinds of value ------------------------------------------------------------------------


def text(value, field: str, *, max_length: int, required=False, multiline=False, label=None) -> str:
    if value is not None and not isinstance(value, str):
        fail(field, _("give text."), label=label)
    out = (value or "").replace("\r\n", "\n").strip()
    problem = text_problem(out, max_length=max_length, required=required, multiline=multiline)
    if problem:
        fail(field, problem, label=label)
    return out


def integer(value, field: str, *, low: int, high: int, label=None) -> int:
    if value is None or value == "":
        fail(field, _("this field is required."), label=label)
    if isinstance(value, bool) or not isinstance(value, int):
        fail(field, _("give a whole number."), label=label)
    if not low <= value <= high:
        fail(field, _("give a whole number from %(low)d to %(high)d.", low=low, high=high), label=label)
    return value


def flag(value, field: str) -> bool:
    if not isinstance(value, bool):
        fail(field, _("give true or false."))
    return value


def translations(value, field: str, *, max_length: int = 200) -> dict[str, str]:
    """{"zh": "…"} in the other interface languages; blank ones dropped."""
    if not isinstance(value, dict | None):
        fail(field, _("give language code → text."))
    out = {}
    for locale, words in (value or {}).items():
        if locale not in OTHER_LANGUAGES:
            fail(field, _("“%(code)s” is not one of the interface languages.", code=locale))
        cleaned = text(words, f"{field}.{locale}", max_length=max_length, label=LANGUAGES[locale])
        if cleaned:
            out[locale] = cleaned
    return out


def country(value, field: str) -> str:
    code = value.strip().upper() if isinstance(value, str) else ""
    if not code or db.session.get(Country, code) is None:
        fail(field, _("unknown country code “%(code)s”.", code=str(value or "")))
    return code


def zone(name, field: str = "time_zone") -> ZoneInfo:
    if not isinstance(name, str) or not is_known_timezone(name.strip()):
        fail(field, _("“%(zone)s” is not a known time zone (e.g. Asia/Shanghai).", zone=str(name or "")))
    return ZoneInfo(name.strip())


def utc_from_local(local: datetime, zone_name: str, field: str) -> datetime:
    """A wall-clock time in `zone_name` as a UTC instant; a time the clocks skip is refused."""
    tz = zone(zone_name)
    aware = local.replace(tzinfo=tz)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local:
        fail(
            field,
            _("%(time)s does not exist in %(zone)s (the clocks move forward).", time=local, zone=zone_name),
        )
    return aware.astimezone(UTC)


def instant(value, field: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            fail(field, _("give a date and time with its offset, e.g. 2027-03-31T23:59:00+08:00."))
    if not isinstance(value, datetime) or value.tzinfo is None:
        fail(field, _("give a date and time with its offset, e.g. 2027-03-31T23:59:00+08:00."))
    return value.astimezone(UTC)


# --- programmes ----------------------------------------------------------------------------


def _kind(value, field):
    try:
        return ProgrammeKind(value)
    except ValueError:
        fail(field, _("choose one of the programme kinds."))


def _organiser(value, field):
    if value in (None, ""):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or db.session.get(Institution, value) is None:
        fail(field, _("choose an institution from the list."))
    return value


PROGRAMME_CHECKS = {
    "kind": _kind,
    "name": lambda v, f: text(v, f, max_length=200, required=True),
    "names": translations,
    "description": lambda v, f: text(v, f, max_length=5000, multiline=True),
    "host_country_code": country,
    "organiser_id": _organiser,
    "is_active": flag,
}


# --- calls: values -------------------------------------------------------------------------


def _programme(value, field):
    found = row_by_id(Programme, value)
    if found is None:
        fail(field, _("choose a programme from the list."))
    return found.id


def _time_zone(value, field):
    zone(value, field)
    return value.strip()


def _documents(value, field) -> list[str]:
    if not isinstance(value, list | tuple | None):
        fail(field, _("give a list of document types."))
    out = []
    for item in value or []:
        try:
            out.append(DocumentType(item).value)
        except ValueError:
            fail(field, _("“%(type)s” is not a document type.", type=str(item)))
    return list(dict.fromkeys(out))


def _rubric(value, field) -> list[dict]:
    """Criteria {code, label, weight, guidance}; codes unique, weights whole numbers totalling 100."""
    if not isinstance(value, list | None):
        fail(field, _("give the criteria as a list."))
    criteria = value or []
    if len(criteria) > MAX_CRITERIA:
        fail(field, _("at most %(n)d criteria.", n=MAX_CRITERIA))
    out, seen = [], set()
    for index, item in enumerate(criteria):
        where = f"{field}.{index}"
        if not isinstance(item, dict):
            fail(field, _("give each criterion as code, label, weight and guidance."))
        extra = set(item) - {"code", "label", "weight", "guidance"}
        if extra:
            fail(where, _("unknown part of a criterion: %(names)s.", names=", ".join(sorted(extra))))
        label = _("Criterion %(n)d", n=index + 1)
        code = text(item.get("code"), f"{where}.code", max_length=32, required=True, label=label)
        if not CRITERION_CODE.fullmatch(code):
            fail(
                f"{where}.code",
                _(
                    "the code “%(code)s” must be lower-case letters, digits or _, starting with a letter.",
                    code=code,
                ),
                label=label,
            )
        if code in seen:
            fail(f"{where}.code", _("the code “%(code)s” is used twice.", code=code), label=label)
        seen.add(code)
        out.append(
            {
                "code": code,
                "label": text(
                    item.get("label"), f"{where}.label", max_length=200, required=True, label=label
                ),
                "weight": integer(item.get("weight"), f"{where}.weight", low=1, high=100, label=label),
                "guidance": text(
                    item.get("guidance"),
                    f"{where}.guidance",
                    max_length=MAX_GUIDANCE,
                    multiline=True,
                    label=label,
                ),
            }
        )
    total = sum(criterion["weight"] for criterion in out)
    if out and total != 100:
        fail(field, _("the weights must add up to 100; now they add up to %(total)d.", total=total))
    return out


def _quota_total(value, field):
    if value in (None, ""):
        return None
    return integer(value, field, low=0, high=MAX_QUOTA)


def _country_quotas(value, field) -> dict[str, int]:
    if not isinstance(value, dict | None):
        fail(field, _("give country code → number of places."))
    out = {}
    for code, places in (value or {}).items():
        clean_code = country(code, field)
        if isinstance(places, int) and not isinstance(places, bool) and places < 0:
            fail(field, _("%(code)s: a quota cannot be negative.", code=clean_code))
        out[clean_code] = integer(places, field, low=0, high=MAX_QUOTA)
    return dict(sorted(out.items()))


CALL_CHECKS = {
    "programme_id": _programme,
    "title": lambda v, f: text(v, f, max_length=200, required=True),
    "titles": translations,
    "description": lambda v, f: text(v, f, max_length=10_000, multiline=True),
    "opens_at": instant,
    "closes_at": instant,
    "time_zone": _time_zone,
    "eligibility_rules": lambda v, f: eligibility.validate_rules(v),
    "required_documents": _documents,
    "rubric": _rubric,
    "reviewers_per_application": lambda v, f: integer(v, f, low=1, high=10),
    "is_blind_review": flag,
    "is_nationality_conflict": flag,
    "review_days": lambda v, f: integer(v, f, low=1, high=180),
    "quota_total": _quota_total,
    "country_quotas": _country_quotas,
    "offer_days": lambda v, f: integer(v, f, low=1, high=90),
}
